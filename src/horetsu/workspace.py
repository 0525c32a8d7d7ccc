"""The workspace: a folder holding settings, canonical tables, results and quarantine.

Layout::

    WORKSPACE/
      horetsu.toml       settings, column mappings, policy overrides
      tables -> .gen/tables-000003     canonical Parquet tables (symlink, swapped atomically)
      results -> .gen/results-000002   analysis outputs (same mechanism)
      quarantine/        rejected input rows with their reasons (CSV)
      reports/           generated reports
      audit.log          gate overrides (who, when, why)

A write builds a complete new generation folder next to the current one and then
replaces the symlink with ``os.replace`` (atomic on POSIX), so a killed process
leaves the previous state intact and readable, and readers never see half a table.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
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

# [import.mappings.mycart]          # a user-defined preset for any other CSV
# table = "orders"
# columns = { order_id = "受注ID", customer_id = "顧客番号", ordered_at = "受注日", amount = "請求額" }
"""


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write one Parquet file via a temporary name and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
                self._con = ibis.duckdb.connect()
        return self._con

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
        """An exclusive lock so that two writers never interleave."""
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _swap_generation(self, kind: str, files: Mapping[str, pa.Table], *, keep_others: bool) -> None:
        link = self.path / kind
        gen_root = self.path / ".gen"
        gen_root.mkdir(parents=True, exist_ok=True)
        new_dir = gen_root / f"{kind}-{uuid.uuid4().hex[:12]}"
        new_dir.mkdir()
        old_target = link.resolve() if link.is_symlink() else None
        if keep_others and old_target is not None and old_target.is_dir():
            for f in old_target.iterdir():
                if f.suffix in (".parquet", ".json") and f.stem not in files:
                    os.link(f, new_dir / f.name)  # hard link: no copy, same bytes
        for name, table in files.items():
            if isinstance(table, (bytes, str)):
                data = table.encode() if isinstance(table, str) else table
                (new_dir / name).write_bytes(data)
                continue
            pq.write_table(table, new_dir / f"{name}.parquet", compression="zstd")
        for f in new_dir.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(new_dir)
        tmp_link = self.path / f".{kind}.{uuid.uuid4().hex[:8]}.lnk"
        os.symlink(os.path.relpath(new_dir, self.path), tmp_link)
        if link.exists() and not link.is_symlink():
            raise WorkspaceError(f"{link} is not managed by horetsu", ja=f"{link} は horetsu の管理外です")
        os.replace(tmp_link, link)
        _fsync_dir(self.path)
        # Old generations are removed only after the switch.
        for d in gen_root.iterdir():
            if d.name.startswith(f"{kind}-") and d != new_dir:
                shutil.rmtree(d, ignore_errors=True)
        self._views.clear()

    def write_tables(self, tables: Mapping[str, pa.Table]) -> None:
        """Replace some canonical tables at once (one atomic switch for all of them)."""
        conformed = {name: schema.conform(name, t) for name, t in tables.items()}
        with self.lock():
            self._swap_generation("tables", conformed, keep_others=True)

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
        ws.write_tables({name: schema.empty(name) for name in schema.TABLES})
    return ws


def open_workspace(path: Any = None, *, engine: str | None = None) -> Workspace:
    """Open an initialised workspace; a clear error when there is none."""
    root = _resolve(path)
    if not (root / CONFIG_FILE).exists() and not (root / "tables").exists():
        raise WorkspaceError(
            f"{root} is not a horetsu workspace; create it with `horetsu init --workspace {root}`",
            ja=f"{root} は horetsu のワークスペースではありません。`horetsu init --workspace {root}` で作成してください",
        )
    return Workspace(root, engine=engine)
