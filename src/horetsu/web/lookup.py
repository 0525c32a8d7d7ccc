"""One customer's rows without scanning: copies of the tables sorted by customer id.

The canonical tables are in import order, so finding one customer's orders means reading
the whole ``customer_id`` column of millions of orders. For the customer page the server
keeps, per data generation, a copy of each table it shows (only the columns it shows)
sorted by customer id in small row groups, under ``WORKSPACE/.web-cache/<generation>/``.
The row groups' min / max ids are read once; a look-up bisects them and reads the one or
two groups that can hold the customer (a few thousand rows), whatever the shop's size.

The copies are built with DuckDB (sorting spills to disk, memory bounded) in a temporary
folder that is then renamed into place, so a killed server leaves no half copy; copies of
other generations are removed once a new one is complete. Until a copy exists, callers
fall back to reading the tables directly (:mod:`horetsu.web.timeline`).
"""

from __future__ import annotations

import bisect
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CACHE_DIR = ".web-cache"
ROW_GROUP = 8192

#: copy name → (source, columns kept besides customer_id, sort after customer_id)
TABLE_COPIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "orders": ("orders", ("order_id", "ordered_at", "status", "total_jpy", "category", "channel", "coupon"),
               "ordered_at DESC"),
    "events": ("events", ("at", "type", "value", "note"), "at DESC"),
    "subscriptions": ("subscriptions", ("subscription_id", "sku", "status", "started_at", "cancelled_at",
                                        "cancel_reason"), "started_at"),
}
LINE_COLUMNS = ("order_id", "line_no", "sku", "product_name", "quantity", "line_total_jpy")


@dataclass(frozen=True)
class SortedFile:
    """A Parquet file sorted by ``customer_id`` with the id range of each row group."""

    path: Path
    mins: list[str]
    maxs: list[str]
    meta: Any = None  # the footer, parsed once

    @classmethod
    def open(cls, path: Path) -> "SortedFile":
        meta = pq.ParquetFile(path).metadata
        col = meta.schema.to_arrow_schema().get_field_index("customer_id")
        mins, maxs = [], []
        for g in range(meta.num_row_groups):
            st = meta.row_group(g).column(col).statistics
            mins.append(st.min if st is not None and st.has_min_max else "")
            maxs.append(st.max if st is not None and st.has_min_max else "\U0010ffff")
        return cls(path, mins, maxs, meta)

    def rows(self, customer_id: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
        """The rows of one customer, in the file's order."""
        # groups are in id order: those with min <= id, from the first whose max >= id
        end = bisect.bisect_right(self.mins, customer_id)
        start = bisect.bisect_left(self.maxs, customer_id, 0, end)
        groups = list(range(start, end))
        if not groups:
            return []
        t = pq.ParquetFile(self.path, metadata=self.meta).read_row_groups(groups, columns=columns)
        return t.filter(pc.equal(t["customer_id"], customer_id)).to_pylist()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Lookup:
    """The sorted copies of one workspace, built on demand: those of the tables (orders, lines,
    events, subscriptions, profiles) per tables generation, the results' customers per results
    generation (an analysis does not re-sort the tables)."""

    KINDS = ("tables", "results")

    def __init__(self, workspace: Path) -> None:
        self.workspace = Path(workspace)
        self._lock = threading.Lock()
        self._files: dict[str, tuple[str, dict[str, SortedFile]]] = {}  # kind → (generation, files)
        self._building = False
        self._failed: tuple[str, ...] = ()

    def _keys(self) -> tuple[str, ...]:
        return tuple(self._generation(k) for k in self.KINDS)

    def _generation(self, kind: str) -> str:
        try:
            return os.path.basename(os.readlink(self.workspace / kind))
        except OSError:
            return ""

    def ready(self) -> bool:
        return all(self._files.get(k, ("", {}))[0] == self._generation(k) != "" for k in self.KINDS)

    def file(self, name: str) -> SortedFile | None:
        """The sorted copy ``name`` of the current generation, or None (not built yet)."""
        kind = "results" if name == "results" else "tables"
        gen, files = self._files.get(kind, ("", {}))
        if gen != self._generation(kind):
            return None
        return files.get(name)

    # ------------------------------------------------------------------ building
    def ensure(self, *, wait: bool) -> bool:
        """Make the copies of the current generations exist; ``wait=False`` builds in a thread."""
        if self.ready():
            return True
        if not wait:
            with self._lock:
                if self._building or self._failed == self._keys():
                    return False  # under way, or failed for these generations: read directly
                self._building = True
            threading.Thread(target=self._build_quietly, daemon=True, name="horetsu-lookup").start()
            return False
        with self._lock:
            self._building = True
            try:
                self._build()
            finally:
                self._building = False
        return True

    def _build_quietly(self) -> None:
        import logging

        try:
            with self._lock:
                self._build()
        except Exception as exc:  # noqa: BLE001 - the pages fall back to direct reads
            self._failed = self._keys()
            logging.getLogger("horetsu.web").warning("customer look-up copies not built: %s", type(exc).__name__)
        finally:
            self._building = False

    def _build(self) -> None:
        root = self.workspace / CACHE_DIR
        for kind in self.KINDS:
            gen = self._generation(kind)
            if not gen or self._files.get(kind, ("", {}))[0] == gen:
                continue
            final = root / gen
            if not final.is_dir():
                root.mkdir(exist_ok=True)
                tmp = root / f".tmp-{uuid.uuid4().hex}"
                tmp.mkdir()
                try:
                    self._write(kind, tmp)
                    try:
                        os.replace(tmp, final)
                    except OSError:  # another process finished first: use its copy
                        shutil.rmtree(tmp, ignore_errors=True)
                except BaseException:
                    shutil.rmtree(tmp, ignore_errors=True)
                    raise
            self._files[kind] = (gen, {p.stem: SortedFile.open(p) for p in final.glob("*.parquet")})
        keep = {self._files[k][0] for k in self._files}
        for old in root.iterdir() if root.is_dir() else []:  # other generations, leftovers of killed builds
            if old.name not in keep and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)

    def _write(self, kind: str, out: Path) -> None:
        import duckdb

        con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "1GB",
                                                 "temp_directory": str(out / ".spill")})

        def source(name: str) -> Path | None:
            path = self.workspace / kind / f"{name}.parquet"
            return path if path.exists() else None

        def copy(select: str, name: str) -> None:
            con.execute(f"COPY ({select}) TO {_quote(out / (name + '.parquet'))} {OPTIONS}")

        try:
            if kind == "results":
                src = source("customers")
                if src is not None:
                    _copy_by_id(con, src, out / "results.parquet", None)
                return
            for name, (table, cols, then) in TABLE_COPIES.items():
                src = source(table)
                if src is None:
                    continue
                have = set(pq.read_schema(src).names)
                keep = ", ".join(_ident(c) if c in have else f"NULL AS {_ident(c)}" for c in cols)
                by = f"{_ident(then.split()[0])} {' '.join(then.split()[1:])}"
                copy(f"SELECT customer_id, {keep} FROM read_parquet({_quote(src)}) WHERE customer_id IS NOT NULL "
                     f"ORDER BY customer_id, {by}", name)
            orders, lines = source("orders"), source("order_lines")
            if orders is not None and lines is not None:
                cols = ", ".join(f"l.{_ident(c)}" for c in LINE_COLUMNS)
                copy(f"SELECT o.customer_id, {cols} FROM read_parquet({_quote(lines)}) AS l JOIN "
                     f"(SELECT DISTINCT order_id, customer_id FROM read_parquet({_quote(orders)}) "
                     f"WHERE customer_id IS NOT NULL) AS o USING (order_id) ORDER BY o.customer_id, l.order_id, "
                     "l.line_no", "order_lines")
            customers = source("customers")
            if customers is not None:
                _copy_by_id(con, customers, out / "profiles.parquet", [c for c in pq.read_schema(customers).names
                                                                        if c != "raw"])
        finally:
            con.close()
            shutil.rmtree(out / ".spill", ignore_errors=True)


OPTIONS = f"(FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP}, COMPRESSION snappy)"
WIDE_ROW_GROUP = 2048  # the results' customers: ~70 columns, one small group read per look-up


def _copy_by_id(con: Any, src: Path, dst: Path, columns: list[str] | None) -> None:
    """``src`` in customer-id order with small row groups: streamed as is when it is sorted
    already (the results store writes customers by id), else sorted by DuckDB."""
    ids = pq.read_table(src, columns=["customer_id"])["customer_id"]
    in_order = ids.null_count == 0 and (len(ids) < 2 or pc.all(pc.less_equal(ids[:-1], ids[1:])).as_py())
    if not in_order:
        cols = ", ".join(_ident(c) for c in columns) if columns else "*"
        con.execute(f"COPY (SELECT {cols} FROM read_parquet({_quote(src)}) WHERE customer_id IS NOT NULL "
                    f"ORDER BY customer_id) TO {_quote(dst)} (FORMAT parquet, ROW_GROUP_SIZE {WIDE_ROW_GROUP}, "
                    "COMPRESSION snappy)")
        return
    pf = pq.ParquetFile(src)
    schema = pf.schema_arrow if columns is None else pa.schema([pf.schema_arrow.field(c) for c in columns])
    with pq.ParquetWriter(dst, schema, compression="snappy") as w:
        for batch in pf.iter_batches(batch_size=65536, columns=columns):
            w.write_batch(batch, row_group_size=WIDE_ROW_GROUP)


_lookups: dict[str, Lookup] = {}
_lookups_lock = threading.Lock()


def lookup_for(workspace: Any) -> Lookup:
    """The process-wide :class:`Lookup` of a workspace path."""
    key = str(Path(workspace).resolve())
    with _lookups_lock:
        if key not in _lookups:
            _lookups[key] = Lookup(Path(key))
        return _lookups[key]


def customer_rows(workspace: Any, name: str, customer_id: str) -> list[dict[str, Any]] | None:
    """One customer's rows of the sorted copy ``name`` ([] when the table does not exist); None
    while the copies of the current generation are not built (building then starts in the
    background, and the caller reads the tables directly)."""
    lk = lookup_for(workspace)
    if not lk.ready():
        lk.ensure(wait=False)
        return None
    f = lk.file(name)
    return f.rows(customer_id) if f is not None else []
