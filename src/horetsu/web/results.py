"""Every read of the stored analysis results, in one module.

The web app reads ``WORKSPACE/results/*.parquet`` and ``results/meta.json`` (written by
``horetsu analyze``). The customers list (filters, sorting, pages, counts) runs over an
in-memory index of the list's columns, built once per results generation
(:mod:`horetsu.web.customer_index`); one customer's row comes from a copy sorted by id
(:mod:`horetsu.web.lookup`); aggregates run in DuckDB straight over the Parquet files.

Filter values are always passed as bound parameters; only column names from the fixed
lists are written into SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from horetsu.web.customer_index import FILTER_COLUMNS, PAGE_SIZE
from horetsu.web.customer_index import CustomerIndex
from horetsu.web.customer_index import build as build_index

RFM_CELL = "rfm_cell"  # filter "R-F" (e.g. 5-4): the RFM matrix cell


@dataclass
class Filters:
    """The customers-list filters (all optional)."""

    values: dict[str, str] = field(default_factory=dict)  # FILTER_COLUMNS keys
    rfm_cell: str = ""  # "R-F"
    cohort: str = ""  # YYYY-MM of the first purchase
    first_category: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: Any) -> "Filters":
        def get(key: str) -> str:
            return str(query.get(key, "") or "").strip()[:200]

        return cls(
            values={k: get(k) for k in FILTER_COLUMNS if get(k)},
            rfm_cell=get(RFM_CELL),
            cohort=get("cohort"),
            first_category=get("first_category"),
            q=get("q"),
        )

    def as_query(self) -> dict[str, str]:
        out = dict(self.values)
        for key in (RFM_CELL, "cohort", "first_category", "q"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    def empty(self) -> bool:
        return not self.as_query()


class Results:
    """Read-only access to one workspace's results (thread-safe: a cursor per call)."""

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(workspace)
        self._con = duckdb.connect(":memory:", config={"threads": 2})
        self._lock = threading.Lock()
        self._meta_cache: tuple[str, dict[str, Any]] | None = None
        self._index: CustomerIndex | None = None
        self._stale: tuple[tuple[Any, ...], bool] | None = None
        self._index_lock = threading.Lock()

    # ---------------------------------------------------------------- files
    @property
    def results_dir(self) -> Path:
        return self.workspace / "results"

    def _file(self, name: str) -> str:
        return str(self.results_dir / f"{name}.parquet")

    def has(self, name: str) -> bool:
        return (self.results_dir / f"{name}.parquet").exists()

    def available(self) -> bool:
        return self.has("customers") and (self.results_dir / "meta.json").exists()

    def generation(self) -> str:
        """The current results generation (the symlink target): changes on every analysis."""
        try:
            return os.readlink(self.results_dir)
        except OSError:
            return ""

    def cursor(self) -> Any:
        with self._lock:
            return self._con.cursor()

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).fetchall()
        finally:
            cur.close()

    def frame(self, sql: str, params: list[Any] | None = None) -> Any:
        cur = self.cursor()
        try:
            return cur.execute(sql, params or []).df()
        finally:
            cur.close()

    # ---------------------------------------------------------------- meta
    def meta(self) -> dict[str, Any]:
        gen = self.generation()
        if self._meta_cache and self._meta_cache[0] == gen:
            return self._meta_cache[1]
        try:
            data = json.loads((self.results_dir / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        self._meta_cache = (gen, data)
        return data

    def as_of(self) -> dt.date | None:
        from horetsu.core.dates import parse_date

        return parse_date(self.meta().get("as_of"))

    def stale(self) -> bool:
        """True when the tables, settings or policy changed after the analysis ran (the results
        store's own fingerprint, :meth:`horetsu.results.Results.stale_reasons`)."""
        import horetsu
        from horetsu.results import NoResultsError, load

        try:  # what the fingerprint depends on: results, tables, horetsu.toml (settings, policy)
            st = (self.workspace / "horetsu.toml").stat()
            key: tuple[Any, ...] = (self.generation(), self._tables_generation(), st.st_mtime_ns, st.st_size)
        except OSError:
            key = ()
        cached = self._stale
        if key and cached is not None and cached[0] == key:
            return cached[1]
        try:
            value = bool(load(horetsu.open_workspace(self.workspace), fresh=False).stale_reasons())
        except (NoResultsError, OSError, ValueError, KeyError):
            value = False
        self._stale = (key, value)
        return value

    # ---------------------------------------------------------------- aggregates
    def counts(self, rows: str, cols: str) -> list[tuple[Any, Any, int]]:
        """Customers per (rows, cols) value pair of results/customers.parquet."""
        allowed = set(FILTER_COLUMNS.values())
        if rows not in allowed or cols not in allowed:
            raise ValueError((rows, cols))
        return self.query(
            f"SELECT {rows}, {cols}, count(*) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL",
            [self._file("customers")],
        )

    def count_by(self, column: str) -> list[tuple[Any, int]]:
        if column not in FILTER_COLUMNS.values():
            raise ValueError(column)
        return self.query(f"SELECT {column}, count(*) FROM read_parquet(?) GROUP BY ALL ORDER BY ALL",
                          [self._file("customers")])

    def rfm_cells(self) -> list[tuple[int, int, int]]:
        return self.query("SELECT rfm_r, rfm_f, count(*) FROM read_parquet(?) WHERE rfm_r IS NOT NULL "
                          "GROUP BY ALL ORDER BY ALL", [self._file("customers")])

    def home(self) -> dict[str, Any]:
        """The home page's numbers: last complete month vs the one before, plus 12-month trends."""
        out: dict[str, Any] = {}
        cust = self._file("customers")
        as_of = self.as_of()
        if self.has("timeline"):
            rows = self.query("SELECT month, sum(revenue), sum(orders) FROM read_parquet(?) GROUP BY month "
                              "ORDER BY month", [self._file("timeline")])
            if as_of is not None:  # a month counts once it is complete on the as-of day
                last_full = (as_of + dt.timedelta(days=1)).replace(day=1)
                rows = [r for r in rows if r[0] < last_full]
            out["sales"] = [(r[0], int(r[1] or 0)) for r in rows][-13:]
        new = self.query("SELECT date_trunc('month', first_purchase)::DATE AS m, count(*) FROM read_parquet(?) "
                         "WHERE first_purchase IS NOT NULL GROUP BY m ORDER BY m", [cust])
        if as_of is not None:
            last_full = (as_of + dt.timedelta(days=1)).replace(day=1)
            new = [r for r in new if r[0] < last_full]
        out["new_customers"] = [(r[0], int(r[1])) for r in new][-13:]
        if self.has("f2"):
            out["f2"] = self.query("SELECT window_days, eligible, converted, rate FROM read_parquet(?) "
                                   "ORDER BY window_days", [self._file("f2")])
        out["temperature"] = dict(self.query("SELECT temperature, count(*) FROM read_parquet(?) GROUP BY ALL",
                                             [cust]))
        out["stages"] = self.counts("stage", "temperature")
        out["customers"] = self.query("SELECT count(*) FROM read_parquet(?)", [cust])[0][0]
        return out

    def cooled(self) -> list[tuple[dt.date, dt.date, int]]:
        """Customers who cooled, per period: active on the period's first day and cooling on its
        last, in the results' stage history (the snapshots at month ends and on the as-of day).

        The periods are consecutive month ends and, last, the last month end → the as-of day
        ("this month"); each is at most 31 days long (a longer gap in the history is no month).
        ``(start, end, customers)``, oldest first; empty when the history has no such pair.
        """
        if not self.has("stage_snapshots"):
            return []
        gen = self.generation()
        cached = getattr(self, "_cooled", None)
        if cached and cached[0] == gen:
            return cached[1]
        snaps = self._file("stage_snapshots")
        as_of = self.as_of()
        days = sorted(r[0] for r in self.query("SELECT DISTINCT as_of FROM read_parquet(?)", [snaps]))
        points = [d for d in days if (d + dt.timedelta(days=1)).day == 1 and (as_of is None or d < as_of)]
        if as_of in days:
            points.append(as_of)
        pairs = [(a, b) for a, b in zip(points, points[1:], strict=False) if (b - a).days <= 31][-13:]
        out: list[tuple[dt.date, dt.date, int]] = []
        if pairs:
            rows = self.query(
                "WITH p AS (SELECT unnest(?::DATE[]) AS a, unnest(?::DATE[]) AS b), "
                "s AS (SELECT customer_id, as_of, temperature FROM read_parquet(?)) "
                "SELECT p.a, p.b, count(y.customer_id) FROM p "
                "LEFT JOIN s AS x ON x.as_of = p.a AND x.temperature = 'active' "
                "LEFT JOIN s AS y ON y.as_of = p.b AND y.customer_id = x.customer_id AND y.temperature = 'cooling' "
                "GROUP BY ALL ORDER BY p.b", [[a for a, _ in pairs], [b for _, b in pairs], snaps])
            out = [(r[0], r[1], int(r[2])) for r in rows]
        self._cooled = (gen, out)
        return out

    def today(self) -> list[tuple[str, int, str, str]]:
        """(next_action, customers, the most common reason in English, in Japanese), largest first."""
        return self.query(
            "SELECT next_action, count(*) AS n, mode(next_action_reason), mode(next_action_reason_ja) "
            "FROM read_parquet(?) WHERE next_action IS NOT NULL AND next_action <> '' "
            "GROUP BY next_action ORDER BY n DESC, next_action", [self._file("customers")])

    def snapshots(self) -> Any:
        """Monthly stage snapshots (customer_id, as_of, stage, …) when the results hold them, else None."""
        for name in ("stage_snapshots", "snapshots"):
            if self.has(name):
                return self.frame("SELECT * FROM read_parquet(?)", [self._file(name)])
        return None

    def transitions(self) -> Any:
        """Flows between consecutive monthly snapshots (the results' stage_transitions), else None."""
        if not self.has("stage_transitions"):
            return None
        return self.frame("SELECT * FROM read_parquet(?) ORDER BY period_to, from_stage, to_stage",
                          [self._file("stage_transitions")])

    def timeline_frame(self) -> Any:
        return self.frame("SELECT * FROM read_parquet(?)", [self._file("timeline")]) if self.has("timeline") else None

    # ---------------------------------------------------------------- the list
    def _key(self) -> tuple[str, ...]:
        return (self.generation(), self._tables_generation())

    def _tables_generation(self) -> str:
        try:
            return os.readlink(self.workspace / "tables")
        except OSError:
            return ""

    def index(self) -> CustomerIndex:
        """The in-memory index of the list for the current results (built on first use)."""
        key = self._key()
        idx = self._index
        if idx is not None and idx.key == key:
            return idx
        with self._index_lock:
            idx = self._index
            if idx is None or idx.key != key:
                idx = build_index(key, Path(self._file("customers")), self.workspace / "tables" / "customers.parquet")
                self._index = idx
        return idx

    def prepare(self) -> None:
        """Build the list's index with every sort order and the customer look-up copies now
        (``horetsu serve`` calls it before it answers, so no user waits for them)."""
        from horetsu.web.lookup import lookup_for

        if not self.available():
            return
        self.index().warm()
        lookup_for(self.workspace).ensure(wait=True)
        import horetsu
        from horetsu.web.tactics import prepare as prepare_tactics

        prepare_tactics(horetsu.open_workspace(self.workspace))

    def _table_file(self, name: str) -> str:
        return str(self.workspace / "tables" / f"{name}.parquet")

    def _first_category_codes(self, idx: CustomerIndex) -> Any:
        """Each customer's first-purchase category, as analyze stored it (one rule for every reader)."""
        import pyarrow.parquet as pq

        path = self._file("customers")
        if "first_category" not in pq.read_schema(path).names:  # results of an older horetsu: stale anyway
            return None
        return idx.first_category_codes(pq.read_table(path, columns=["customer_id", "first_category"]))

    def _mask(self, idx: CustomerIndex, f: Filters) -> Any:
        first = idx.first_category or (self._first_category_codes(idx) if f.first_category else None)
        return idx.mask(f, first)

    def first_categories(self) -> list[str]:
        """The order categories (for the filter's choices), read once per tables generation."""
        if not (self.workspace / "tables" / "orders.parquet").exists():
            return []
        gen = self._tables_generation()
        cached = getattr(self, "_categories", None)
        if cached and cached[0] == gen:
            return cached[1]
        rows = self.query("SELECT DISTINCT category FROM read_parquet(?) WHERE category IS NOT NULL ORDER BY 1",
                          [self._table_file("orders")])
        self._categories = (gen, [r[0] for r in rows][:200])
        return self._categories[1]

    def customers_page(self, f: Filters, sort: str = "customer_id", desc: bool = False,
                       page: int = 1, size: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], int]:
        """One page of the filtered, sorted list (with name and e-mail) and the total count."""
        idx = self.index()
        mask = self._mask(idx, f)
        total = idx.count(mask, tuple(sorted(f.as_query().items())))
        offset = max(page - 1, 0) * size
        return idx.rows(idx.positions(mask, sort, desc, offset, size)), total

    def customer_ids(self, f: Filters, limit: int | None = None) -> list[str]:
        """Every customer id matching the filters (the campaign checker's audience)."""
        idx = self.index()
        ids = idx.ids(self._mask(idx, f))
        return ids[: int(limit)] if limit else ids

    def contacts(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """Name and e-mail of a few customers (one page), from the index."""
        idx = self.index()
        out = {}
        for cid in ids:
            pos = idx.position(cid)
            if pos is not None:
                row = idx.rows([pos], ("customer_id", "name", "email"))[0]
                out[cid] = {"name": row["name"], "email": row["email"]}
        return out

    # ---------------------------------------------------------------- one customer
    def customer(self, customer_id: str) -> dict[str, Any] | None:
        from horetsu.web.lookup import customer_rows

        rows = customer_rows(self.workspace, "results", customer_id)
        if rows is not None:
            return rows[0] if rows else None
        cur = self.cursor()  # the sorted copy is being built: read the results file
        try:
            res = cur.execute("SELECT * FROM read_parquet(?) WHERE customer_id = ? LIMIT 1",
                              [self._file("customers"), customer_id])
            names = [d[0] for d in res.description]
            row = res.fetchone()
        finally:
            cur.close()
        return dict(zip(names, row, strict=True)) if row else None


_cache: dict[str, Results] = {}
_cache_lock = threading.Lock()


def results_for(workspace: Any) -> Results:
    """The process-wide :class:`Results` of a workspace path."""
    key = str(Path(workspace).resolve())
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Results(Path(key))
        return _cache[key]
