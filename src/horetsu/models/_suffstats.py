"""Sufficient statistics: one row per distinct (frequency, recency, T) with a count.

A million customers usually have about a hundred thousand distinct triples, so
fitting cost depends on those, not on the number of customers or orders.  Each
column is also factorised, so terms that depend on one column only (Gamma
functions of x, logarithms of α+T...) are computed once per distinct value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from horetsu.errors import AnalysisError


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS threads (whose spin-waiting costs CPU on busy machines)."""
    return float(np.einsum("i,i->", a, b))


def matvec(m: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Matrix-vector product without BLAS threads."""
    return np.einsum("ij,j->i", m, v)


def softplus_and_sigmoid(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(1 + e^d) and 1/(1 + e^-d) from one exponential (d may be -inf)."""
    e = np.exp(-np.abs(d))
    inv = 1.0 / (1.0 + e)
    return np.maximum(d, 0.0) + np.log1p(e), np.where(d >= 0, inv, e * inv)


def logaddexp_and_share(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log(e^a + e^b) and e^a / (e^a + e^b) from one exponential (a finite, b may be -inf)."""
    e = np.exp(-np.abs(a - b))
    inv = 1.0 / (1.0 + e)
    return np.maximum(a, b) + np.log1p(e), np.where(a >= b, inv, e * inv)


def as_float(name: str, values: object) -> np.ndarray:
    arr = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(arr)):
        raise AnalysisError(f"{name} has missing or infinite values", ja=f"{name} に欠損または無限大の値があります")
    return arr


def check_rft(frequency: object, recency: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the (frequency, recency, T) columns of a customer summary."""
    x = as_float("frequency", frequency)
    t_x = as_float("recency", recency)
    big_t = as_float("T", T)
    if not (len(x) == len(t_x) == len(big_t)):
        raise AnalysisError("frequency, recency and T must have the same length", ja="frequency・recency・T の長さが違います")
    if len(x) == 0:
        raise AnalysisError("no customers to fit", ja="推定する顧客がいません")
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise AnalysisError("frequency must be whole numbers >= 0", ja="frequency は 0 以上の整数にしてください")
    tol = 1e-9 * max(1.0, float(np.max(big_t)))
    if np.any(t_x < 0) or np.any(t_x > big_t + tol):
        raise AnalysisError("recency must lie between 0 and T", ja="recency は 0 以上 T 以下にしてください")
    if np.any((x == 0) & (t_x > tol)):
        raise AnalysisError("recency must be 0 when frequency is 0", ja="frequency が 0 のとき recency は 0 にしてください")
    return x, np.minimum(t_x, big_t), big_t


def _factorise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and the index of each value (hash-based: O(n), no full sort)."""
    import pandas as pd

    codes, uniq = pd.factorize(values, sort=True)
    return np.asarray(uniq, dtype=float), codes.astype(np.int64, copy=False)


def _factorise_int(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct int64 keys in increasing order (rows stay grouped by x, then t_x) and inverse index."""
    import pandas as pd

    codes, uniq = pd.factorize(key, sort=True)
    return np.asarray(uniq, dtype=np.int64), codes.astype(np.int64, copy=False)


@dataclass(frozen=True)
class Collapsed:
    """Distinct (x, t_x, T) rows with their total weight, plus per-column factorisations."""

    x: np.ndarray
    t_x: np.ndarray
    T: np.ndarray
    w: np.ndarray
    x_values: np.ndarray
    x_index: np.ndarray
    t_values: np.ndarray
    t_index: np.ndarray
    T_values: np.ndarray
    T_index: np.ndarray

    @property
    def n_customers(self) -> float:
        return float(self.w.sum())

    def thin(self, fraction: float, seed: int = 0) -> "Collapsed":
        """A random subsample of about ``fraction`` of the customers (binomial thinning of the counts)."""
        rng = np.random.default_rng(seed)
        counts = np.round(self.w).astype(np.int64)
        w = rng.binomial(counts, min(max(fraction, 0.0), 1.0)).astype(float)
        keep = w > 0
        return collapse(self.x[keep], self.t_x[keep], self.T[keep], w[keep])



def _int_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of whole numbers >= 0 and each value's index (O(n), no sort)."""
    top = int(x.max()) if len(x) else 0
    if top > 4 * len(x) + 1024:
        return _factorise(x)
    xi = x.astype(np.int64)
    present = np.zeros(top + 1, dtype=bool)
    present[xi] = True
    remap = np.cumsum(present) - 1
    return np.flatnonzero(present).astype(float), remap[xi]


def _hash_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values in order of appearance and each value's index (hash-based, no sort)."""
    import pandas as pd

    codes, uniq = pd.factorize(values, sort=False)
    return np.asarray(uniq, dtype=float), codes.astype(np.int64, copy=False)


#: rows looked at to tell continuous times (every value its own) from repeated ones
DISTINCT_SAMPLE = 20_000


def _codes_unless_all_distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`_hash_codes`, but values that look continuous are taken one per row.

    When a random sample of DISTINCT_SAMPLE values holds no repeat, hashing a million
    values would only confirm that (almost) every one is its own: each row then keeps its
    value (index = the row).  Rows that do repeat stay separate rows of weight one, which
    gives the same likelihood as one row with their summed weight.
    """
    n = len(values)
    if n > 4 * DISTINCT_SAMPLE:
        picked = np.unique(np.random.default_rng(0).integers(0, n, DISTINCT_SAMPLE))
        if len(np.unique(values[picked])) == len(picked):
            return np.asarray(values, dtype=float), np.arange(n)
    return _hash_codes(values)


def sort_by_small_key(key: np.ndarray) -> np.ndarray:
    """Stable order of non-negative integer keys: radix sorts on 16-bit halves when they fit 32 bits."""
    top = int(key.max()) if len(key) else 0
    if top < 2**16:
        return np.argsort(key.astype(np.uint16), kind="stable")
    if top < 2**32:
        order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
        return order[np.argsort((key[order] >> 16).astype(np.uint16), kind="stable")]
    return np.argsort(key, kind="stable")


def collapse(frequency: object, recency: object, T: object, weights: object = None) -> Collapsed:
    """Collapse customers into distinct rows, grouped by x (vectorised; no loop over customers).

    Recency and T are factorised by hashing, without sorting their distinct values; when T
    alone already tells every customer apart (continuous times), the rows are distinct and
    the combined key is skipped.  The only sort is a radix sort on a small key (x, time cells).
    """
    x, t_x, big_t = check_rft(frequency, recency, T)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = as_float("weights", weights)
        if len(w) != len(x) or np.any(w < 0):
            raise AnalysisError("weights must be >= 0, one per customer", ja="weights は顧客ごとに 0 以上の値にしてください")
    xu, xi = _int_codes(x)
    Tu, Ti = _codes_unless_all_distinct(big_t)
    if len(Tu) == len(x):  # every customer has its own T: the rows are already distinct
        tu, ti = t_x, np.arange(len(x))
    else:
        tu, ti = _hash_codes(t_x)
        if len(xu) * len(tu) * len(Tu) < 2**62:
            key = (xi * len(tu) + ti) * len(Tu) + Ti
        else:  # pragma: no cover - needs ~2^31 distinct values per column
            _, pair = _hash_codes((xi * len(tu) + ti).astype(float))
            key = pair * len(Tu) + Ti
        _, inv = _hash_codes(key.astype(np.int64))
        counts = np.bincount(inv, weights=w)
        # codes are numbered in order of first appearance: a row is a first one where its
        # code exceeds every code before it
        first = np.flatnonzero(inv > np.r_[-1, np.maximum.accumulate(inv)[:-1]])
        xi, ti, Ti, w = xi[first], ti[first], Ti[first], counts
    keep = w > 0
    if not np.all(keep):
        xi, ti, Ti, w = xi[keep], ti[keep], Ti[keep], w[keep]
    # rows sorted by x, then by coarse (geometric) cells of T and of t_x: gathers and
    # scatters that follow T or t_x (horetsu.models._tails) then walk memory in order
    tmax = float(max(tu.max(), Tu.max()))
    t_cell, T_cell = time_cells(tu, tmax)[ti], time_cells(Tu, tmax)[Ti]
    n_cells = int(max(t_cell.max(), T_cell.max())) + 1
    order = sort_by_small_key((xi * n_cells + T_cell) * n_cells + t_cell)
    xi, ti, Ti, w = xi[order], ti[order], Ti[order], w[order]
    if len(Tu) == len(w):  # every row has its own T (and t_x): index the rows themselves
        Tu, Ti = Tu[Ti], np.arange(len(w))
        if len(tu) == len(w):
            tu, ti = tu[ti], Ti
    return Collapsed(
        x=xu[xi], t_x=tu[ti], T=Tu[Ti], w=w,
        x_values=xu, x_index=xi, t_values=tu, t_index=ti, T_values=Tu, T_index=Ti,
    )


#: cells of the time axis grow geometrically: cell k is [σ(q^k - 1), σ(q^(k+1) - 1))
CELL_RATIO = 1.5
#: σ = SIGMA_FRACTION · (largest time): the scale below which the cells stop shrinking
SIGMA_FRACTION = 1e-6


def time_coordinate(t: np.ndarray, tmax: float) -> np.ndarray:
    """Position of each time on the geometric cell axis (cell k covers [k, k+1))."""
    if tmax <= 0:
        return np.zeros(len(t))
    return np.log1p(np.asarray(t, dtype=float) / (SIGMA_FRACTION * tmax)) / np.log(CELL_RATIO)


def time_cells(t: np.ndarray, tmax: float) -> np.ndarray:
    """The geometric cell of each time (small non-negative integers)."""
    return np.floor(time_coordinate(t, tmax)).astype(np.int64)


def distinct(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct rows of several equal-length float columns and the inverse index."""
    codes = []
    uniques = []
    for col in columns:
        u, i = _factorise(np.asarray(col, dtype=float))
        uniques.append(u)
        codes.append(i)
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for u, i in zip(uniques, codes, strict=True):
        key = key * len(u) + i
    uk, inv = _factorise_int(key)
    rows = []
    rest = uk
    for u in reversed(uniques):
        rows.append(u[rest % len(u)])
        rest = rest // len(u)
    return rows[::-1], inv.astype(np.int64)
