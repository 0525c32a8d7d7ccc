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



def collapse(frequency: object, recency: object, T: object, weights: object = None) -> Collapsed:
    """Collapse customers into distinct rows (vectorised; no loop over customers)."""
    x, t_x, big_t = check_rft(frequency, recency, T)
    if weights is None:
        w = np.ones_like(x)
    else:
        w = as_float("weights", weights)
        if len(w) != len(x) or np.any(w < 0):
            raise AnalysisError("weights must be >= 0, one per customer", ja="weights は顧客ごとに 0 以上の値にしてください")
    xu, xi = _factorise(x)
    tu, ti = _factorise(t_x)
    Tu, Ti = _factorise(big_t)
    key = (xi * len(tu) + ti) * len(Tu) + Ti
    uk, inv = _factorise_int(key)
    counts = np.bincount(inv, weights=w, minlength=len(uk))
    keep = counts > 0
    uk, counts = uk[keep], counts[keep]
    ci = uk % len(Tu)
    rest = uk // len(Tu)
    bi = rest % len(tu)
    ai = rest // len(tu)
    # re-factorise over the kept rows only
    return Collapsed(
        x=xu[ai], t_x=tu[bi], T=Tu[ci], w=counts,
        x_values=xu, x_index=ai, t_values=tu, t_index=bi, T_values=Tu, T_index=ci,
    )


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
