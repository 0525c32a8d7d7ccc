"""The customers list in memory: one read-only index per results generation.

Built once from ``results/customers.parquet`` (the list's columns only) and the canonical
customers table (name, e-mail), then shared by every request of the server until the
results or the tables change. A page of the list is NumPy work over whole columns:

- each filter is a boolean mask (categorical columns compare small integer codes);
- each sort key (column × direction, NULLS LAST, ties by customer id) is a permutation
  computed once, so a page is ``positions[offset:offset + size]`` of the permutation — for
  the unfiltered list a slice, for a filtered one the permutation restricted to the mask —
  and any page, the last of a million customers too, costs the same;
- the total of a filter is the mask's sum, kept for the generation.

Nothing here loops over customers in Python. Instances never change after ``build``:
threads share them without locks.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

#: filters of the customers list: query parameter → column of results/customers.parquet
FILTER_COLUMNS = {
    "stage": "stage",
    "temperature": "temperature",
    "journey_step": "journey_step",
    "cpm": "cpm_segment",
    "rfm": "rfm_segment",
    "next_action": "next_action",
}
#: sort keys of the customers list
SORT_COLUMNS = ("customer_id", "last_purchase", "first_purchase", "frequency", "monetary_total", "p_alive",
                "clv_12m", "recency_days")
LIST_COLUMNS = ("customer_id", "stage", "journey_step", "temperature", "rfm_segment", "cpm_segment",
                "first_purchase", "last_purchase", "frequency", "monetary_total", "p_alive", "clv_12m",
                "next_action")
EXTRA_COLUMNS = ("rfm_r", "rfm_f", "recency_days")
PAGE_SIZE = 50


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, dict[Any, int]]:
    """Integer codes of a categorical column (-1 = null) and value → code."""
    enc = pc.dictionary_encode(column).combine_chunks()
    codes = enc.indices.to_numpy(zero_copy_only=False)
    codes = np.where(enc.is_null().to_numpy(zero_copy_only=False), -1, codes).astype(np.int32)
    return codes, {v: i for i, v in enumerate(enc.dictionary.to_pylist())}


@dataclass
class CustomerIndex:
    """The list columns of one results generation (plus names and e-mails), in memory."""

    key: tuple[str, ...]
    table: pa.Table  # LIST_COLUMNS + recency_days, name, email, in the order of results/customers.parquet
    codes: dict[str, tuple[np.ndarray, dict[Any, int]]]
    numbers: dict[str, np.ndarray]  # rfm_r, rfm_f (float, NaN = null), first_purchase (int days, min = null)
    search_text: pa.Array  # "id\nname\ne-mail" in lower case, per row (the text search's haystack)
    _orders: dict[tuple[str, bool], np.ndarray] = field(default_factory=dict)
    _counts: dict[tuple[Any, ...], int] = field(default_factory=dict)
    first_category: tuple[np.ndarray, dict[Any, int]] | None = None  # filled on first use
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return self.table.num_rows

    # ------------------------------------------------------------------ sorting
    def order(self, sort: str, desc: bool) -> np.ndarray:
        """Row positions sorted by ``sort`` (NULLS LAST either way, then customer id); computed once."""
        if sort not in SORT_COLUMNS:
            sort = "customer_id"
        key = (sort, desc)
        got = self._orders.get(key)
        if got is None:
            rank = self.id_rank()
            if sort == "customer_id":
                got = np.argsort(-rank if desc else rank, kind="stable").astype(np.int32)
            else:
                col = self.table[sort]
                if pa.types.is_date(col.type) or pa.types.is_timestamp(col.type):
                    col = pc.cast(pc.cast(col, pa.date32()), pa.int32())
                values = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
                null = np.isnan(values)
                keys = np.where(null, 0.0, -values if desc else values)
                got = np.lexsort((rank, keys, null)).astype(np.int32)  # nulls last, then value, then id
            with self._lock:
                self._orders[key] = got
        return got

    def id_rank(self) -> np.ndarray:
        """Each row's place in customer-id order (the tie-breaker of every sort)."""
        got = self._orders.get(("", False))
        if got is None:
            order = pc.sort_indices(self.table["customer_id"]).to_numpy()
            got = np.empty(self.size, np.int64)
            got[order] = np.arange(self.size)
            with self._lock:
                self._orders[("", False)] = got
        return got

    def warm(self) -> None:
        """Compute every sort order now (the server does this before it answers)."""
        for sort in SORT_COLUMNS:
            for desc in (False, True):
                self.order(sort, desc)

    # ------------------------------------------------------------------ filtering
    def mask(self, f: Any, first_category: Any = None) -> np.ndarray | None:
        """Boolean mask of the filters ``f`` (:class:`horetsu.web.results.Filters`); None = everyone."""
        parts: list[np.ndarray] = []
        for key, value in f.values.items():
            codes, lookup = self.codes[FILTER_COLUMNS[key]]
            code = lookup.get(value)
            parts.append(codes == code if code is not None else np.zeros(self.size, bool))
        if f.rfm_cell:
            try:
                r, fr = (int(x) for x in f.rfm_cell.split("-", 1))
            except ValueError:
                parts.append(np.zeros(self.size, bool))
            else:
                parts.append((self.numbers["rfm_r"] == r) & (self.numbers["rfm_f"] == fr))
        if f.cohort:
            try:
                month = dt.date.fromisoformat(f.cohort[:7] + "-01")
            except ValueError:
                parts.append(np.zeros(self.size, bool))
            else:
                nxt = (month + dt.timedelta(days=32)).replace(day=1)
                days = self.numbers["first_purchase"]
                lo, hi = (np.datetime64(month, "D").astype(np.int64), np.datetime64(nxt, "D").astype(np.int64))
                parts.append((days >= lo) & (days < hi))
        if f.first_category:
            if first_category is None:
                parts.append(np.zeros(self.size, bool))
            else:
                codes, lookup = first_category
                code = lookup.get(f.first_category)
                parts.append(codes == code if code is not None else np.zeros(self.size, bool))
        if f.q:
            parts.append(self._search(f.q))
        if not parts:
            return None
        out = parts[0].copy()
        for p in parts[1:]:
            out &= p
        return out

    def _search(self, q: str) -> np.ndarray:
        """Customer id, name or e-mail containing ``q`` (case-insensitive, literal text, never a pattern)."""
        needle = "".join(ch for ch in q.lower() if ch.isprintable())
        if not needle:
            return np.ones(self.size, bool)
        found = pc.match_substring(self.search_text, needle)  # a plain substring: no pattern, no regex
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False)

    # ------------------------------------------------------------------ pages
    def positions(self, mask: np.ndarray | None, sort: str, desc: bool, offset: int, size: int) -> np.ndarray:
        """Row positions of one page of the (filtered) list in the requested order."""
        perm = self.order(sort, desc)
        if mask is None:
            return perm[offset:offset + size]
        hits = np.flatnonzero(mask[perm])
        return perm[hits[offset:offset + size]]

    def count(self, mask: np.ndarray | None, key: tuple[Any, ...]) -> int:
        if mask is None:
            return self.size
        got = self._counts.get(key)
        if got is None:
            got = int(np.count_nonzero(mask))
            with self._lock:
                if len(self._counts) > 10_000:
                    self._counts.clear()
                self._counts[key] = got
        return got

    def rows(self, positions: np.ndarray, columns: tuple[str, ...] = (*LIST_COLUMNS, "name", "email")) -> list[dict]:
        return self.table.select(list(columns)).take(pa.array(positions, pa.int32())).to_pylist()

    def ids(self, mask: np.ndarray | None) -> list[str]:
        """Every customer id of the mask, sorted by id."""
        perm = self.order("customer_id", False)
        pos = perm if mask is None else perm[np.flatnonzero(mask[perm])]
        return self.table["customer_id"].take(pa.array(pos, pa.int32())).to_pylist()

    def position(self, customer_id: str) -> int | None:
        """Row position of one customer (binary search in the id order)."""
        perm = self.order("customer_id", False)
        ids = self.table["customer_id"]
        lo, hi = 0, len(perm)
        while lo < hi:  # O(log n) look-ups of single values, no scan
            mid = (lo + hi) // 2
            if ids[int(perm[mid])].as_py() < customer_id:
                lo = mid + 1
            else:
                hi = mid
        if lo < len(perm) and ids[int(perm[lo])].as_py() == customer_id:
            return int(perm[lo])
        return None

    def first_category_codes(self, per_customer: pa.Table) -> tuple[np.ndarray, dict[Any, int]]:
        """Codes of each customer's first category aligned to the index (``per_customer``: id, category)."""
        if self.first_category is None:
            idx = pc.index_in(self.table["customer_id"], value_set=per_customer["customer_id"])
            aligned = per_customer["first_category"].take(idx)
            with self._lock:
                self.first_category = _codes(aligned)
        return self.first_category


def build(key: tuple[str, ...], results_file: Path, customers_file: Path | None) -> CustomerIndex:
    """Read the list columns of ``results_file`` and names / e-mails of ``customers_file``."""
    schema = pq.read_schema(results_file)
    wanted = [c for c in (*LIST_COLUMNS, *EXTRA_COLUMNS) if c in schema.names]
    t = pq.read_table(results_file, columns=wanted)
    n = t.num_rows
    for c in (*LIST_COLUMNS, *EXTRA_COLUMNS):  # an older results layout: absent columns are empty
        if c not in t.column_names:
            t = t.append_column(c, pa.nulls(n, pa.float64() if c in ("rfm_r", "rfm_f", "recency_days") else pa.string()))
    names = pa.nulls(n, pa.string())
    emails = pa.nulls(n, pa.string())
    if customers_file is not None and customers_file.exists():
        contact = pq.read_table(customers_file, columns=["customer_id", "name", "email_norm"])
        idx = pc.index_in(t["customer_id"], value_set=contact["customer_id"])  # the first row of an id
        names = contact["name"].take(idx)
        emails = contact["email_norm"].take(idx)
    t = t.append_column("name", names).append_column("email", emails)
    codes = {col: _codes(t[col]) for col in FILTER_COLUMNS.values()}
    numbers = {c: pc.cast(t[c], pa.float64()).to_numpy(zero_copy_only=False) for c in ("rfm_r", "rfm_f")}
    fp = pc.cast(t["first_purchase"], pa.date32()) if t["first_purchase"].type != pa.date32() else t["first_purchase"]
    days = pc.cast(fp, pa.int32())
    numbers["first_purchase"] = pc.fill_null(days, np.iinfo(np.int32).min).to_numpy(zero_copy_only=False).astype(np.int64)
    text = pc.utf8_lower(pc.binary_join_element_wise(
        *(pc.fill_null(pc.cast(t[c], pa.string()), "") for c in ("customer_id", "name", "email")), "\n"))
    table = t.select([*LIST_COLUMNS, "recency_days", "name", "email"]).combine_chunks()
    return CustomerIndex(key=key, table=table, codes=codes, numbers=numbers, search_text=text.combine_chunks())
