"""The workspace: a folder holding settings, canonical tables, results and quarantine.

Layout::

    WORKSPACE/
      horetsu.toml       settings, column mappings, policy overrides
      tables -> .gen/tables-000003     canonical Parquet tables (symlink, swapped atomically)
      results -> .gen/results-…        analysis outputs (same mechanism)
      .gen/history.json  the kept table generations: parent, time, what made them
      quarantine/        rejected input rows with their reasons (CSV)
      reports/           generated reports
      audit.log          gate overrides (who, when, why)

A write builds a complete new generation folder next to the current one and then
replaces the symlink with ``os.replace`` (atomic on POSIX), so a killed process
leaves the previous state intact and readable, and readers never see half a table.
The last few table generations are kept (``horetsu history`` / ``horetsu rollback``);
folders a killed write left behind are removed the next time the workspace is opened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import mmap
import os
import re
import shutil
import tempfile
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from horetsu import schema
from horetsu.config import (
    CONFIG_FILE,
    WorkspaceSettings,
    default_workspace_path,
    env_overrides,
    load_toml,
    section,
)
from horetsu.errors import WorkspaceError

DEFAULT_TOML = """\
# horetsu workspace settings. Every key is optional; see docs/configuration.md.

[workspace]
# engine = "postgres://user@localhost/shop"   # any Ibis connection URL; empty = embedded DuckDB
# lang = "ja"

# [analysis]
# exclude_statuses = ["cancelled", "returned", "refunded"]

# [import]
# earliest_order_date = 1990-01-01  # older orders are set aside as implausible
# keep_generations = 5              # earlier table generations kept for `horetsu rollback`

# [import.mappings.mycart]          # a user-defined preset for any other CSV
# table = "orders"
# columns = { order_id = "受注ID", customer_id = "顧客番号", ordered_at = "受注日", amount = "請求額" }
"""


GEN_DIR = ".gen"
HISTORY = "history.json"
DEFAULT_KEEP = 5  # earlier table generations kept (``[import] keep_generations`` overrides it for imports)
_SEQ = re.compile(r"^tables-(\d{6,})$")


def generation_seq(name: str) -> int | None:
    """The number of a ``tables-000012`` generation (None for other or older-style names)."""
    m = _SEQ.match(name)
    return int(m.group(1)) if m else None


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


STALE_TMP_SECONDS = 600


def _stray(f: Path) -> bool:
    """A temporary link left by a killed switch, or a temporary file older than ten minutes.

    Temporary meta files are written outside the lock, so a young one may belong to a
    writer that is about to rename it.
    """
    import time

    if f.name.endswith(".lnk") and f.is_symlink():
        return True
    if f.name.endswith(".tmp") and f.is_file():
        with contextlib.suppress(OSError):
            return time.time() - f.stat().st_mtime > STALE_TMP_SECONDS
    return False


@dataclass(frozen=True)
class Batches:
    """A table written block by block, never whole in memory: its schema, its row count and
    a function that yields its record batches in row order (each block one row group)."""

    schema: pa.Schema
    num_rows: int
    make: Callable[[], Iterator[pa.RecordBatch]]

    @property
    def column_names(self) -> list[str]:
        return list(self.schema.names)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write one Parquet file via a temporary name and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _duckdb_config(memory_limit: str) -> dict[str, str]:
    """The embedded DuckDB's memory limit and where it may spill (a directory of its own
    under the system's temporary directory, which DuckDB removes when it closes)."""
    if not memory_limit:
        return {}
    spill = Path(tempfile.gettempdir()) / f"horetsu-duckdb-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    return {"memory_limit": memory_limit, "temp_directory": str(spill)}


def _write_batches(table: Batches, path: Path, pool: ThreadPoolExecutor) -> None:
    """Write the blocks in order on ``pool`` (one thread), each while the next is being made."""
    with pq.ParquetWriter(path, table.schema, compression="zstd") as writer:
        pending = None
        try:
            for batch in table.make():
                if pending is not None:
                    pending.result()
                pending = pool.submit(writer.write_batch, batch)
        finally:  # never close the file under a write still running (when making a block failed)
            if pending is not None:
                wait([pending])
        if pending is not None:
            pending.result()


#: the embedded DuckDB's in-memory database for the tables :meth:`Workspace.keep` keeps
KEEP_DATABASE = "horetsu_keep"


class Workspace:
    """An opened workspace. Use :func:`open_workspace` or :func:`init_workspace`."""

    def __init__(self, path: Path, *, engine: str | None = None) -> None:
        self.path = Path(path).resolve()
        self.config_path = self.path / CONFIG_FILE
        self.config: dict[str, Any] = load_toml(self.config_path)
        ws_section = dict(self.config.get("workspace") or {})
        ws_section.update(env_overrides())
        self.settings = section({"workspace": ws_section}, "workspace", WorkspaceSettings, file=self.config_path)
        self.engine_url = engine if engine is not None else self.settings.engine
        self._con: Any = None
        self._views: dict[str, Any] = {}
        self._parked: weakref.WeakSet[mmap.mmap] = weakref.WeakSet()  # mappings of parked tables
        self._lock_mutex = threading.RLock()
        self._lock_depth = 0

    # ------------------------------------------------------------------ paths
    @property
    def tables_dir(self) -> Path:
        return self.path / "tables"

    @property
    def results_dir(self) -> Path:
        return self.path / "results"

    @property
    def quarantine_dir(self) -> Path:
        return self.path / "quarantine"

    @property
    def reports_dir(self) -> Path:
        return self.path / "reports"

    @property
    def audit_log(self) -> Path:
        return self.path / "audit.log"

    def __repr__(self) -> str:
        return f"Workspace({str(self.path)!r})"

    # ------------------------------------------------------------ config
    def section(self, key: str, model: Any) -> Any:
        """A validated config section (see :func:`horetsu.config.section`)."""
        return section(self.config, key, model, file=self.config_path)

    # ------------------------------------------------------------- reading
    def table_path(self, name: str) -> Path:
        if name not in schema.TABLES:
            raise WorkspaceError(
                f"unknown table {name!r}; tables are {', '.join(schema.TABLES)}",
                ja=f"テーブル {name!r} はありません。テーブル: {', '.join(schema.TABLES)}",
            )
        return self.tables_dir / f"{name}.parquet"

    def read_arrow(self, name: str) -> pa.Table:
        """A canonical table as Arrow (empty with the right schema when never imported)."""
        path = self.table_path(name)
        if not path.exists():
            return schema.empty(name)
        return pq.read_table(path)

    def result_path(self, name: str) -> Path:
        return self.results_dir / f"{name}.parquet"

    def read_result(self, name: str) -> pa.Table:
        path = self.result_path(name)
        if not path.exists():
            raise WorkspaceError(
                f"no result {name!r} in {self.path}; run `horetsu analyze` first",
                ja=f"{self.path} に結果 {name!r} がありません。先に `horetsu analyze` を実行してください",
            )
        return pq.read_table(path)

    def has_results(self) -> bool:
        return self.result_path("customers").exists()

    @property
    def con(self) -> Any:
        """The Ibis connection (embedded DuckDB unless an engine URL is configured)."""
        if self._con is None:
            import ibis

            if self.engine_url:
                self._con = ibis.connect(self.engine_url)
            else:
                self._con = ibis.duckdb.connect(**_duckdb_config(self.settings.engine_memory_limit))
        return self._con

    @property
    def embedded(self) -> bool:
        """True when the engine is horetsu's own embedded DuckDB (no engine URL, nothing attached)."""
        return not self.engine_url

    def table(self, name: str) -> Any:
        """A canonical table as an Ibis expression.

        On the embedded DuckDB the Parquet file is read directly; on another engine
        the table of that name in the engine is used (load it with :meth:`publish`).
        """
        if name in self._views:
            return self._views[name]
        if self.engine_url:
            expr = self.con.table(name)
        else:
            path = self.table_path(name)
            if path.exists():
                expr = self.con.read_parquet(str(path), table_name=f"hrt_{name}_{uuid.uuid4().hex[:8]}")
            else:
                expr = self.con.create_table(f"hrt_{name}_{uuid.uuid4().hex[:8]}", schema.empty(name), temp=True)
        self._views[name] = expr
        return expr

    def keep(self, expr: Any) -> Any:
        """``expr`` computed once and kept in the engine for reuse; give it back with :meth:`forget`.

        On the embedded DuckDB the table goes to an in-memory database of its own that
        stores its columns compressed (``ATTACH ':memory:' (COMPRESS)``, then a checkpoint):
        a million customers' purchase days take ~0.1 GB there instead of ~0.8 GB, and scans
        are no slower.  Another engine keeps it its own way (Ibis ``cache()``).
        """
        if not self.embedded:
            return expr.cache()
        con = self.con
        if not getattr(con, "_horetsu_keep", False):
            con.raw_sql(f"ATTACH ':memory:' AS {KEEP_DATABASE} (COMPRESS)")
            con._horetsu_keep = True
        name = f"kept_{uuid.uuid4().hex[:12]}"
        con.create_table(name, expr, database=f"{KEEP_DATABASE}.main")
        con.raw_sql(f"CHECKPOINT {KEEP_DATABASE}")  # compression happens here
        return con.table(name, database=(KEEP_DATABASE, "main"))

    def park(self, table: pa.Table) -> pa.Table:
        """``table`` moved out of the process's memory until it is read again.

        It is written, uncompressed, to an Arrow file in the workspace and read back
        memory-mapped (no copy): its pages live in the system's file cache and count in this
        process's memory only while they are mapped in after a read; :meth:`drop_parked_pages`
        (part of :meth:`give_back_memory`) lets go of those again, and the system can drop
        them (they are on disk).  The file is unlinked at once; the mapping keeps it alive
        until the last column using it is gone (a killed run leaves a ``.tmp`` that
        :meth:`clean_orphans` removes).  For big tables a long step does not read; where the
        workspace cannot be written, ``table`` is returned as it is.
        """
        path = self.path / f".parked-{uuid.uuid4().hex}.tmp"
        try:
            try:
                with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                    writer.write_table(table)
                with open(path, "rb") as fh:
                    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            finally:
                path.unlink(missing_ok=True)
        except OSError:
            return table
        self._parked.add(mapped)  # weakly: the mapping goes with the last column reading it
        return pa.ipc.open_file(pa.py_buffer(mapped)).read_all()

    def drop_parked_pages(self) -> None:
        """Let go of the pages of parked tables read so far (they are read from the file cache
        again when needed): reading a parked table does not leave it in the process's memory."""
        for mapped in list(self._parked):
            with contextlib.suppress(OSError, ValueError):
                mapped.madvise(mmap.MADV_DONTNEED)

    def forget(self, kept: Any) -> None:
        """Drop a table :meth:`keep` made (a temporary table also dies with the connection)."""
        if not self.embedded:
            kept.release()
            return
        self.con.drop_table(kept.op().name, database=f"{KEEP_DATABASE}.main", force=True)

    def give_back_memory(self) -> None:
        """Return the memory the embedded DuckDB freed to the operating system (and the pages
        of parked tables read so far, :meth:`drop_parked_pages`).

        DuckDB's allocator keeps freed pages for reuse: after the purchase days of a million
        customers are built, the process holds ~0.8 GB that nothing uses, and NumPy or Arrow
        cannot take it.  Setting the memory limit again (to the same value) makes DuckDB purge
        its allocator and trim the system heap.  Only between queries: never while another
        thread uses the engine.  Other engines manage their own memory: nothing to do.
        """
        self.drop_parked_pages()
        con = self._con
        if con is None or not self.embedded:
            return
        # the configured limit as written; else DuckDB's own as it shows it (its rendering of
        # a size is rounded: read once, so that repeated calls never drift)
        limit = self.settings.engine_memory_limit or getattr(con, "_horetsu_limit", "")
        if not limit:
            limit = con._horetsu_limit = con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
        con.raw_sql(f"SET memory_limit = '{limit}'")

    def publish(self, con: Any, names: tuple[str, ...] | None = None) -> None:
        """Copy the canonical tables into another Ibis backend (PostgreSQL, Spark...)."""
        for name in names or tuple(schema.TABLES):
            table = self.read_arrow(name)
            if getattr(con, "name", "") == "pyspark":
                # ibis 12's PySpark create_table goes through pandas, which turns null strings
                # into "NaN" and drops nullable integers; Spark reads Arrow correctly.
                con._session.createDataFrame(table).write.saveAsTable(name, mode="overwrite")
            else:
                con.create_table(name, table, overwrite=True)

    def attach(self, con: Any) -> "Workspace":
        """Use an open Ibis connection as the engine (e.g. ``ibis.pyspark.connect(spark)``).

        The canonical tables are then read from that connection by name (see :meth:`publish`).
        """
        self._con = con
        self._attached = con
        self.engine_url = self.engine_url or f"{con.name}://attached"
        self._views.clear()
        return self

    def refresh(self) -> None:
        """Forget cached table expressions (after a write by another process).

        A connection given with :meth:`attach` stays: only horetsu's own connection is
        dropped and reopened on next use.
        """
        self._views.clear()
        self._con = getattr(self, "_attached", None)

    # ------------------------------------------------------------- writing
    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """An exclusive lock so that two writers never interleave.

        Re-entrant within one :class:`Workspace` object, so that a read-modify-write
        (read the tables, merge, write) can hold it around ``write_tables``.
        """
        with self._lock_mutex:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            self.path.mkdir(parents=True, exist_ok=True)
            with open(self.path / ".lock", "w") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                self._lock_depth = 1
                try:
                    yield
                finally:
                    self._lock_depth = 0
                    fcntl.flock(fh, fcntl.LOCK_UN)

    def _new_generation_dir(self, kind: str, gen_root: Path) -> Path:
        if kind != "tables":
            return gen_root / f"{kind}-{uuid.uuid4().hex[:12]}"
        seqs = [r["seq"] for r in self._history() if isinstance(r.get("seq"), int)]
        seqs += [s for d in gen_root.iterdir() if (s := generation_seq(d.name)) is not None]
        return gen_root / f"tables-{max(seqs, default=0) + 1:06d}"

    def _swap_generation(
        self, kind: str, files: Mapping[str, Any], *, keep_others: bool, record: Mapping[str, Any] | None = None,
        keep: int = 0,
    ) -> str:
        link = self.path / kind
        gen_root = self.path / GEN_DIR
        gen_root.mkdir(parents=True, exist_ok=True)
        new_dir = self._new_generation_dir(kind, gen_root)
        new_dir.mkdir()
        old_target = link.resolve() if link.is_symlink() else None
        written = {name if isinstance(t, (bytes, str)) else f"{name}.parquet" for name, t in files.items()}
        if keep_others and old_target is not None and old_target.is_dir():
            for f in old_target.iterdir():
                # Never link a file this write replaces: writing through a hard link would
                # change the older generation too.
                if f.suffix in (".parquet", ".json") and f.stem not in files and f.name not in written:
                    os.link(f, new_dir / f.name)  # hard link: no copy, same bytes
        # one writer thread: the whole tables first, then the blocks, each block written while
        # this thread makes the next one (Arrow's writer works outside the GIL)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="horetsu-write") as writer:
            written_whole = []
            for name, table in files.items():
                if isinstance(table, (bytes, str)):
                    data = table.encode() if isinstance(table, str) else table
                    (new_dir / name).write_bytes(data)
                elif not isinstance(table, Batches):
                    written_whole.append(writer.submit(pq.write_table, table, new_dir / f"{name}.parquet",
                                                       compression="zstd"))
            for name, table in files.items():
                if isinstance(table, Batches):
                    _write_batches(table, new_dir / f"{name}.parquet", writer)
            for done in written_whole:
                done.result()
        for f in new_dir.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(new_dir)
        self._point(kind, new_dir)
        if kind == "tables":
            entry = {"name": new_dir.name, "seq": generation_seq(new_dir.name),
                     "parent": old_target.name if old_target is not None else None,
                     "at": datetime.now(UTC).isoformat(timespec="seconds"), "by": "write"}  # fmt: skip
            entry.update(record or {})
            self._record(entry)
        self._prune(kind, keep=keep if kind == "tables" else 0)
        self._views.clear()
        return new_dir.name

    def _point(self, kind: str, target: Path) -> None:
        """Switch the ``kind`` symlink to ``target`` atomically (a new link, then a rename)."""
        link = self.path / kind
        tmp_link = self.path / f".{kind}.{uuid.uuid4().hex[:8]}.lnk"
        os.symlink(os.path.relpath(target, self.path), tmp_link)
        if link.exists() and not link.is_symlink():
            tmp_link.unlink()
            raise WorkspaceError(f"{link} is not managed by horetsu", ja=f"{link} は horetsu の管理外です")
        os.replace(tmp_link, link)
        _fsync_dir(self.path)

    # ------------------------------------------------------------- generations
    def _history(self) -> list[dict[str, Any]]:
        path = self.path / GEN_DIR / HISTORY
        if not path.exists():
            return []
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return []
        return [r for r in data if isinstance(r, dict) and r.get("name")] if isinstance(data, list) else []

    def _write_history(self, records: list[dict[str, Any]]) -> None:
        path = self.path / GEN_DIR / HISTORY
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, path)

    def _record(self, entry: Mapping[str, Any]) -> None:
        records = [r for r in self._history() if r["name"] != entry["name"]]
        records.append(dict(entry))
        self._write_history(records)

    def current_generation(self, kind: str = "tables") -> str | None:
        """The folder name under ``.gen/`` that ``tables`` (or ``results``) points to."""
        link = self.path / kind
        return os.path.basename(os.readlink(link)) if link.is_symlink() else None

    def generations(self) -> list[dict[str, Any]]:
        """The kept generations of the canonical tables, oldest first, each with ``current``."""
        current = self.current_generation("tables")
        root = self.path / GEN_DIR
        out = []
        for r in self._history():
            if (root / r["name"]).is_dir():
                out.append({**r, "current": r["name"] == current})
        if current is not None and not any(r["current"] for r in out):
            out.append({"name": current, "seq": generation_seq(current), "parent": None, "at": None,
                        "by": "unrecorded", "current": True})  # fmt: skip
        return sorted(out, key=lambda r: (r.get("seq") is None, r.get("seq") or 0))

    def generation_file(self, name: str, filename: str) -> Path:
        """A file inside a kept tables generation (e.g. its ``import_log.json`` snapshot)."""
        return self.path / GEN_DIR / name / filename

    def switch_generation(self, name: str) -> None:
        """Point ``tables`` at an earlier (or later) kept generation; nothing is deleted."""
        with self.lock():
            target = self.path / GEN_DIR / name
            if not name.startswith("tables-") or not target.is_dir() or name not in {r["name"] for r in self.generations()}:
                raise WorkspaceError(
                    f"no kept generation {name!r} in {self.path}; see `horetsu history`",
                    ja=f"{self.path} に世代 {name!r} は残っていません。`horetsu history` で確認してください",
                )
            self._point("tables", target)
            self._views.clear()

    def _prune(self, kind: str, *, keep: int) -> None:
        """Remove generations beyond the newest ``keep`` (besides the current one) and any orphan."""
        root = self.path / GEN_DIR
        current = self.current_generation(kind)
        if kind == "tables":
            committed = [r for r in self._history() if r["name"] != current and (root / r["name"]).is_dir()]
            committed.sort(key=lambda r: r.get("seq") or 0)
            kept = {r["name"] for r in committed[-keep:]} if keep > 0 else set()
            gone = {r["name"] for r in committed} - kept
            if gone:
                self._write_history([r for r in self._history() if r["name"] not in gone])
        else:
            kept = set()
        for d in root.iterdir():
            if d.is_dir() and d.name.startswith(f"{kind}-") and d.name != current and d.name not in kept:
                shutil.rmtree(d, ignore_errors=True)

    def _orphans(self) -> bool:
        """Cheap check: is anything left over from a write that never finished?"""
        root = self.path / GEN_DIR
        if not root.is_dir():
            return False
        known = {r["name"] for r in self._history()}
        current = {self.current_generation("tables"), self.current_generation("results")}
        for d in root.iterdir():
            if d.name.startswith("tables-") and d.name not in known and d.name not in current:
                return True
            if d.name.startswith("results-") and d.name not in current:
                return True
            if d.name.startswith(".") and d.name.endswith(".tmp"):
                return True
        return any(_stray(f) for f in self.path.glob(".*"))

    def clean_orphans(self) -> bool:
        """Remove what a killed write left behind (generation folders, temporary links and files).

        Runs when a workspace is opened.  Never waits: when another process holds the write
        lock (it may be writing right now) nothing is touched.  Returns True when it cleaned.
        """
        if not self._orphans():
            return False
        try:
            fh = open(self.path / ".lock", "w")  # noqa: SIM115 - released below
        except OSError:
            return False
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return False  # a writer is at work
            try:
                with contextlib.suppress(OSError):
                    self._prune("tables", keep=10**6)  # orphans only; kept generations stay
                    self._prune("results", keep=0)
                    for f in (self.path / GEN_DIR).glob(".*.tmp"):
                        f.unlink(missing_ok=True)
                    for f in self.path.glob(".*"):
                        if _stray(f):
                            f.unlink(missing_ok=True)
                return True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        finally:
            fh.close()

    def write_tables(
        self, tables: Mapping[str, pa.Table], *, record: Mapping[str, Any] | None = None,
        extra: Mapping[str, str | bytes] | None = None, keep: int = DEFAULT_KEEP,
    ) -> str:
        """Replace some canonical tables at once (one atomic switch for all of them).

        ``record`` is stored in the generation history (``by``, ``files`` ...); ``extra``
        holds small files written into the new generation (e.g. the import log snapshot);
        ``keep`` earlier generations stay for ``horetsu rollback``.  Returns the new
        generation's name.
        """
        conformed: dict[str, Any] = {name: schema.conform(name, t) for name, t in tables.items()}
        conformed.update(extra or {})
        with self.lock():
            return self._swap_generation("tables", conformed, keep_others=True, record=record, keep=keep)

    def append_rows(self, name: str, rows: pa.Table, *, record: Mapping[str, Any] | None = None) -> str:
        """Add ``rows`` to table ``name`` under the lock, reading the table as it is now.

        Reading inside the lock means that rows another process added a moment ago
        (an import, a survey answer, a recorded send) are never overwritten.
        """
        with self.lock():
            self.refresh()
            current = schema.conform(name, self.read_arrow(name))
            return self.write_tables({name: pa.concat_tables([current, schema.conform(name, rows)])}, record=record)

    def write_results(self, results: Mapping[str, Any], *, replace_all: bool = True) -> None:
        """Write analysis results (Arrow tables; ``*.json`` entries as str/bytes) atomically."""
        with self.lock():
            self._swap_generation("results", results, keep_others=not replace_all)

    def write_meta(self, name: str, data: Any) -> None:
        """Store a small JSON document next to the tables (e.g. the import log)."""
        path = self.path / name
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, path)

    def read_meta(self, name: str, default: Any = None) -> Any:
        path = self.path / name
        if not path.exists():
            return default
        return json.loads(path.read_text(encoding="utf-8"))


def _resolve(path: Any) -> Path:
    return Path(path) if path is not None else default_workspace_path()


def init_workspace(path: Any = None) -> Workspace:
    """Create the workspace folders and a commented ``horetsu.toml`` (idempotent)."""
    root = _resolve(path)
    if root.exists() and not root.is_dir():
        raise WorkspaceError(f"{root} exists and is not a folder", ja=f"{root} はフォルダではありません")
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("quarantine", "reports"):
        (root / sub).mkdir(exist_ok=True)
    cfg = root / CONFIG_FILE
    if not cfg.exists():
        cfg.write_text(DEFAULT_TOML, encoding="utf-8")
    ws = Workspace(root)
    if not (root / "tables").exists():
        ws.write_tables({name: schema.empty(name) for name in schema.TABLES}, record={"by": "init"})
    else:
        ws.clean_orphans()
    return ws


def open_workspace(path: Any = None, *, engine: str | None = None) -> Workspace:
    """Open an initialised workspace; a clear error when there is none."""
    root = _resolve(path)
    if not (root / CONFIG_FILE).exists() and not (root / "tables").exists():
        raise WorkspaceError(
            f"{root} is not a horetsu workspace; create it with `horetsu init --workspace {root}`",
            ja=f"{root} は horetsu のワークスペースではありません。`horetsu init --workspace {root}` で作成してください",
        )
    ws = Workspace(root, engine=engine)
    ws.clean_orphans()  # cheap unless a killed write left something behind
    return ws


def secret_file(path: Any, make: Any) -> str:
    """The secret kept in ``path``: created with ``make()`` and mode 0600 on first use.

    A file that others may read is refused: the secrets sign unsubscribe and survey links
    and the web app's sessions.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
            fh.flush()
            os.fsync(fh.fileno())
    if os.stat(path).st_mode & 0o077:
        raise WorkspaceError(
            f"{path} must be readable by its owner only (chmod 600 {path})",
            ja=f"{path} は所有者だけが読めるようにしてください（chmod 600 {path}）",
        )
    for _ in range(40):  # another process may be writing it right now (its first use)
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return text
        time.sleep(0.05)
    raise WorkspaceError(f"{path} is empty", ja=f"{path} が空です")
