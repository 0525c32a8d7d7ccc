"""What the report reads: analysis results of a workspace, loaded once each.

A missing result is ``None`` (the section that needs it says so); the report never
recomputes analytics itself, it only runs :func:`horetsu.pipeline.analyze` when the
workspace has no results yet or they were computed for another as-of date.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from horetsu.core.dates import parse_date

_DERIVED: dict[tuple[str, str, str], Any] = {}



def _as_date(value: Any) -> dt.date | None:
    return parse_date(value)


class ReportData:
    """Lazy, cached access to ``results/*.parquet`` and the import log of a workspace."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._cache: dict[str, pd.DataFrame | None] = {}
        self._meta: dict[str, Any] | None = None
        self._derived: Any = None

    @property
    def derived(self) -> Any:
        """Tables computed on demand by the stages, models and playbook parts (see :mod:`.derived`)."""
        if self._derived is None:
            from horetsu.report.derived import Derived

            # Keyed by the results generation: building the ja and the en page reuses the work.
            key = (str(self.ws.path), str(Path(self.ws.results_dir).resolve()), str(self.as_of))
            cached = _DERIVED.get(key)
            if cached is None:
                cached = Derived(self.ws, self.as_of, self.meta.get("models") or {})
                _DERIVED.clear()  # keep one workspace's tables at most
                _DERIVED[key] = cached
            self._derived = cached
        return self._derived

    # ------------------------------------------------------------- results
    def has(self, name: str) -> bool:
        return self.ws.result_path(name).exists()

    def get(self, name: str, columns: list[str] | None = None) -> pd.DataFrame | None:
        """A result as pandas, or ``None`` when it does not exist."""
        key = name if columns is None else f"{name}:{','.join(columns)}"
        if key not in self._cache:
            path = self.ws.result_path(name)
            if not path.exists():
                self._cache[key] = None
            else:
                if columns is not None:
                    present = set(pq.read_schema(path).names)
                    columns = [c for c in columns if c in present]
                table = pq.read_table(path, columns=columns)
                self._cache[key] = table.to_pandas()
        return self._cache[key]

    @property
    def meta(self) -> dict[str, Any]:
        """``results/meta.json`` (as-of date, settings used), ``{}`` when absent."""
        if self._meta is None:
            path = self.ws.results_dir / "meta.json"
            self._meta = {}
            if path.exists():
                with contextlib.suppress(ValueError):
                    self._meta = json.loads(path.read_text(encoding="utf-8"))
        return self._meta

    @property
    def as_of(self) -> dt.date | None:
        return _as_date(self.meta.get("as_of"))

    def import_log(self) -> list[dict[str, Any]]:
        log = self.ws.read_meta("import_log.json", default=[]) or []
        if isinstance(log, dict):  # tolerate {"files": [...]}
            log = log.get("files", [])
        return [dict(x) for x in log if isinstance(x, dict)]

    def quarantine_files(self) -> list[Any]:
        qdir = self.ws.quarantine_dir
        return sorted(qdir.glob("*.csv")) if qdir.exists() else []


def ensure_results(ws: Any, as_of: Any = None, progress: Any = None, say: Any = None) -> None:
    """Bring the results up to date (:func:`horetsu.pipeline.ensure`), at ``as_of`` when asked."""
    from horetsu.pipeline import analyze, ensure

    wanted = parse_date(as_of)
    res = ensure(ws, as_of=wanted, progress=progress, say=say)
    if wanted is not None and res.as_of != wanted:
        analyze(ws, as_of=wanted, progress=progress)
        ws.refresh()
