"""The results store: one generation of what ``horetsu analyze`` decided, read by everyone.

``horetsu analyze`` (:mod:`horetsu.pipeline`) writes ``WORKSPACE/results/`` atomically:
``customers.parquet`` (one row per customer: summary, RFM, CPM, scores, stage, journey,
temperature, evidence, next action, and the day-numbered facts the gate's rules need),
the aggregate tables, and ``meta.json``.  The report, the gate, the exports, the plan
check and the web app read these files; none of them re-classifies a customer.

``meta.json`` holds a *fingerprint* of what the results were computed from: the tables'
generation, and hashes of the ``[analysis]`` settings and of the effective policy
(shipped defaults plus ``[policy]``).  :meth:`Results.stale_reasons` compares it with the
workspace as it is now.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from horetsu.core.dates import parse_date
from horetsu.errors import WorkspaceError

#: bumped when the layout of results changes, so older results count as stale
LAYOUT = 4  # 3: customers carry first_category and channel; 4: and second purchase, first-day and first-year revenue


class NoResultsError(WorkspaceError):
    """The workspace has no (current) results: ``horetsu analyze`` must run first."""


def _hash(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def tables_generation(ws: Any) -> str:
    """The name of the tables generation the workspace reads now ('' when none)."""
    link = ws.path / "tables"
    try:
        return os.path.basename(os.readlink(link))
    except OSError:
        return ""


def fingerprint(ws: Any) -> dict[str, Any]:
    """What results depend on besides the as-of day: tables, settings, policy."""
    from importlib import resources

    shipped = (resources.files("horetsu") / "data" / "policy.toml").read_bytes()
    return {
        "layout": LAYOUT,
        "tables": tables_generation(ws),
        "settings": _hash(ws.config.get("analysis") or {}),
        "policy": _hash({"shipped": hashlib.sha256(shipped).hexdigest(), "overrides": ws.config.get("policy") or {}}),
    }


STALE_TEXT = {
    "layout": ("results were written by an older horetsu", "結果が古い horetsu で作られています"),
    "tables": ("the tables changed (an import) after the last analysis", "前回の分析の後にデータが取り込まれました"),
    "settings": ("the [analysis] settings changed after the last analysis", "前回の分析の後に [analysis] の設定が変わりました"),
    "policy": ("the policy changed after the last analysis", "前回の分析の後にポリシーが変わりました"),
}


@dataclass
class Results:
    """One results generation of a workspace (cached reads)."""

    ws: Any
    meta: dict[str, Any]
    _tables: dict[str, pa.Table] = field(default_factory=dict, repr=False)

    @property
    def as_of(self) -> dt.date:
        return parse_date(self.meta["as_of"])  # type: ignore[return-value]

    @property
    def data_last_day(self) -> dt.date | None:
        """The latest day with activity in the tables the results were computed from."""
        return parse_date(self.meta.get("data_last_day"))

    def path(self, name: str) -> Any:
        return self.ws.results_dir / f"{name}.parquet"

    def has(self, name: str) -> bool:
        return self.path(name).exists()

    def table(self, name: str, columns: list[str] | None = None) -> pa.Table:
        """A stored result table (all columns, or only ``columns``)."""
        if columns is not None:
            return pq.read_table(self.path(name), columns=columns)
        if name not in self._tables:
            if not self.has(name):
                raise NoResultsError(
                    f"the results have no table {name!r}; run `horetsu analyze`",
                    ja=f"結果に {name!r} がありません。`horetsu analyze` を実行してください",
                )
            self._tables[name] = pq.read_table(self.path(name))
        return self._tables[name]

    def customers(self, columns: list[str] | None = None) -> pa.Table:
        return self.table("customers", columns)

    def stale_reasons(self) -> list[str]:
        """Keys of :func:`fingerprint` that differ from the workspace now (empty: fresh)."""
        stored = self.meta.get("fingerprint") or {}
        now = fingerprint(self.ws)
        return [k for k, v in now.items() if stored.get(k) != v]

    def stale_message(self, lang: str = "en") -> str:
        reasons = self.stale_reasons()
        if not reasons:
            return ""
        idx = 1 if lang == "ja" else 0
        return "; ".join(STALE_TEXT[r][idx] for r in reasons)


def load(ws: Any, *, fresh: bool = True) -> Results:
    """The current results of ``ws``; with ``fresh``, stale results are an error too.

    The error names the command that refreshes them (``horetsu analyze``).
    """
    meta_path = ws.results_dir / "meta.json"
    if not meta_path.exists() or not (ws.results_dir / "customers.parquet").exists():
        raise NoResultsError(
            f"{ws.path} has no analysis results yet; run `horetsu analyze -w {ws.path}`",
            ja=f"{ws.path} にはまだ分析結果がありません。`horetsu analyze -w {ws.path}` を実行してください",
        )
    res = Results(ws, json.loads(meta_path.read_text(encoding="utf-8")))
    if fresh and res.stale_reasons():
        raise NoResultsError(
            f"the analysis results are out of date ({res.stale_message('en')}); run `horetsu analyze -w {ws.path}`",
            ja=f"分析結果が古くなっています({res.stale_message('ja')})。`horetsu analyze -w {ws.path}` を実行してください",
        )
    return res


def try_load(ws: Any) -> Results | None:
    """The current, fresh results, or None."""
    try:
        return load(ws)
    except (NoResultsError, OSError, ValueError, KeyError):
        return None
