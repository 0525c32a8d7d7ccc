"""What every preset shares: column lookup by alias, the reject collector, the parse result."""

from __future__ import annotations

import functools
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.reader import Source

ORDER_STATUS_MAP: dict[str, str] = {
    "completed": "completed", "complete": "completed", "paid": "completed", "fulfilled": "completed",
    "shipped": "completed", "delivered": "completed", "完了": "completed", "発送済み": "completed",
    "発送済": "completed", "処理済": "completed", "出荷済": "completed", "入金済み": "completed",
    "cancelled": "cancelled", "canceled": "cancelled", "キャンセル": "cancelled", "キャンセル確定": "cancelled",
    "取消": "cancelled", "取消し": "cancelled", "注文取消し": "cancelled", "voided": "cancelled",
    "returned": "returned", "return": "returned", "返品": "returned", "返品済み": "returned",
    "refunded": "refunded", "返金": "refunded", "返金済み": "refunded",
    "partially_refunded": "partially_refunded", "一部返金": "partially_refunded",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def norm_key(name: str) -> str:
    """Header matching key: NFKC, lower case, no spaces, underscores or hyphens."""
    name = unicodedata.normalize("NFKC", name)
    return name.lower().replace(" ", "").replace("_", "").replace("-", "")


class Columns:
    """Find source columns by alias (folded, case-, space- and underscore-insensitive)."""

    def __init__(self, source: Source, aliases: Mapping[str, Sequence[str]], *, exact: bool = False) -> None:
        self.source = source
        by_key = {norm_key(n): n for n in source.table.column_names}
        self.found: dict[str, str] = {}
        for canon, names in aliases.items():
            for alias in (names if exact else (canon, *names)):
                hit = by_key.get(norm_key(alias))
                if hit is not None:
                    self.found[canon] = hit
                    break

    def has(self, canon: str) -> bool:
        return canon in self.found

    def get(self, canon: str) -> pa.Array | None:
        name = self.found.get(canon)
        if name is None:
            return None
        return nz.as_str(self.source.table.column(name))

    def name(self, canon: str) -> str:
        return self.found.get(canon, canon)

    def require(self, canons: Iterable[str], *, table: str, shown: Mapping[str, str] | None = None) -> None:
        missing = [c for c in canons if c not in self.found]
        if missing:
            names = ", ".join((shown or {}).get(c, c) for c in missing)
            p = self.source.path
            raise InputFileError(
                f"{p}: required column missing for {table}: {names}",
                ja=f"{p}: {table} に必要な列がありません: {names}",
            )


class Rejects:
    """Collects the first reason each source row is rejected for (vectorised masks in)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.mask = np.zeros(n, dtype=bool)
        self.items: list[tuple[np.ndarray, str, list[str]]] = []

    def add(self, mask: Any, kind: str, column: str, problem: str, values: pa.Array | None) -> None:
        m = np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool) if not isinstance(
            mask, np.ndarray
        ) else mask
        new = m & ~self.mask
        if not new.any():
            return
        idx = np.flatnonzero(new)
        if values is not None:
            vals = values.take(pa.array(idx)).to_pylist()
            reasons = [f"{column}: {problem} {v!r}" for v in vals]
        else:
            reasons = [f"{column}: {problem}"] * len(idx)
        self.items.append((idx, kind, reasons))
        self.mask |= new

    def add_reasons(self, idx: np.ndarray, kind: str, reasons: list[str]) -> None:
        """Reject rows ``idx`` (not rejected yet) with one ready-made reason text each."""
        idx = np.asarray(idx, dtype=np.int64)
        if len(idx) == 0:
            return
        assert not self.mask[idx].any(), "rows are rejected once"
        self.items.append((idx, kind, list(reasons)))
        self.mask[idx] = True

    def missing(self, arr: pa.Array, column: str) -> None:
        self.add(pc.is_null(arr), "missing_value", column, "required value is empty", None)

    def bad(self, bad: pa.Array, values: pa.Array, column: str, problem: str, kind: str = "invalid_value") -> None:
        self.add(bad, kind, column, problem, values)

    def rows(self) -> tuple[np.ndarray, list[str], list[str]]:
        if not self.items:
            return np.zeros(0, dtype=np.int64), [], []
        idx = np.concatenate([i for i, _, _ in self.items])
        kinds = [k for i, k, _ in self.items for _ in range(len(i))]
        reasons = [r for _, _, rs in self.items for r in rs]
        return idx, kinds, reasons

    def counts(self) -> Counter:
        c: Counter = Counter()
        for idx, kind, _ in self.items:
            c[kind] += len(idx)
        return c


@dataclass
class Parsed:
    """A preset's output for one file.

    ``keys[i]`` is the entity key (in table ``entity``) that source row ``i`` feeds,
    null when the row is rejected; ``dup[i]`` marks exact duplicate rows of the file.
    """

    entity: str
    keys: pa.Array
    tables: dict[str, pa.Table]
    rejects: Rejects
    dup: np.ndarray
    notes: dict[str, Any] = field(default_factory=dict)


def status_map(values: pa.Array, mapping: Mapping[str, str], default: str | None = "completed") -> tuple[pa.Array, pa.Array]:
    """Map status spellings (folded, lower-case) to canonical statuses; bad = unknown non-empty."""
    src = nz.fold(values)
    low = pc.utf8_lower(src)
    keys = pa.array([unicodedata.normalize("NFKC", k).lower() for k in mapping])
    vals = pa.array(list(mapping.values()))
    mapped = pc.take(vals, pc.index_in(low, keys))
    if default is not None:
        mapped = pc.if_else(pc.is_null(src), default, mapped)
    bad = pc.and_(pc.is_valid(src), pc.is_null(mapped))
    return mapped, bad


def is_unique(keys: pa.Array) -> bool:
    """True when no value repeats (nulls count as values); sort-based, cheaper than hashing here."""
    n = len(keys)
    if n < 2:
        return True
    if keys.null_count > 1:
        return False
    s = keys.take(pc.sort_indices(keys))
    same = pc.equal(s.slice(1), s.slice(0, n - 1))
    return not pc.any(same).as_py()


def exact_duplicates(table: pa.Table, key: pa.Array, valid: np.ndarray, *, unique: bool | None = None) -> np.ndarray:
    """Rows identical in every column to an earlier valid row with the same key."""
    n = table.num_rows
    dup = np.zeros(n, dtype=bool)
    if n == 0:
        return dup
    if unique:
        return dup
    keys = pc.if_else(pa.array(valid), key, pa.scalar(None, pa.string()))
    if is_unique(keys.drop_null()):
        return dup
    vc = pc.value_counts(keys.drop_null())
    repeated = vc.filter(pc.greater(vc.field("counts"), 1)).field("values")
    cand = np.flatnonzero(np.asarray(pc.fill_null(pc.is_in(keys, repeated), False).to_numpy(zero_copy_only=False)))
    sub = table.take(pa.array(cand)).append_column("__row", pa.array(cand, pa.int64()))
    cols = [c for c in table.column_names]
    renamed = sub.rename_columns([f"k{i}" for i in range(len(cols))] + ["__row"])
    firsts = renamed.group_by([f"k{i}" for i in range(len(cols))], use_threads=False).aggregate([("__row", "min")])
    first_rows = np.asarray(firsts.column("__row_min").to_numpy(), dtype=np.int64)
    dup[cand] = True
    dup[first_rows] = False
    return dup


def group_first(keys: pa.Array, *, unique: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the first row of each key (in row order) and, per row, its rank within the key (0-based)."""
    n = len(keys)
    idx = np.arange(n, dtype=np.int64)
    if n == 0 or unique or (unique is None and is_unique(keys)):
        return idx, np.zeros(n, dtype=np.int64)
    t = pa.table({"k": keys, "i": pa.array(idx)})
    sorted_t = t.sort_by([("k", "ascending"), ("i", "ascending")])
    ks = sorted_t.column("k")
    si = np.asarray(sorted_t.column("i").to_numpy(), dtype=np.int64)
    if n == 0:
        return idx, idx
    same = np.asarray(pc.fill_null(pc.equal(ks.slice(1), ks.slice(0, n - 1)), False).to_numpy(zero_copy_only=False))
    start = np.concatenate([[True], ~same])
    group_start_pos = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank_sorted = np.arange(n) - group_start_pos
    rank = np.empty(n, dtype=np.int64)
    rank[si] = rank_sorted
    firsts = np.sort(si[start])
    return firsts, rank


def raw_json(source: Source, exclude: Iterable[str], rows: np.ndarray | None = None) -> pa.Array | None:
    """JSON object of the columns no canonical field took (None when nothing is left)."""
    left = [c for c in source.table.column_names if c not in set(exclude)]
    if not left:
        return None
    import duckdb

    t = source.table.select(left)
    if rows is not None:
        t = t.take(pa.array(rows))
    t = t.rename_columns([f"c{i}" for i in range(len(left))])
    t = t.append_column("__i", pa.array(np.arange(t.num_rows, dtype=np.int64)))
    con = duckdb.connect()
    con.register("t", t)
    out = con.execute(
        f"SELECT CAST(to_json(struct_pack({_pack(left)})) AS VARCHAR) AS j FROM t ORDER BY __i"
    ).to_arrow_table()
    con.close()
    return nz.as_str(out.column("j"))


def _pack(left: list[str]) -> str:
    parts = []
    for i, name in enumerate(left):
        q = name.replace('"', '""')
        parts.append(f'"{q}" := NULLIF(c{i}, \'\')')
    return ", ".join(parts)


PARALLEL_MIN_ROWS = 50_000


def parallel(jobs: dict[str, Any], n_rows: int) -> dict[str, Any]:
    """Run independent column jobs (``name -> callable``) at once; Arrow compute releases the GIL."""
    if n_rows < PARALLEL_MIN_ROWS or len(jobs) < 2:
        return {name: fn() for name, fn in jobs.items()}
    import os
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(jobs), os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(fn) for name, fn in jobs.items()}
        return {name: f.result() for name, f in futures.items()}


def valid_mask(rejects: Rejects) -> np.ndarray:
    return ~rejects.mask
