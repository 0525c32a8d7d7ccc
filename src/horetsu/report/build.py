"""``build_report``: results of a workspace → one offline HTML file."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from horetsu.errors import ConfigError
from horetsu.report.data import ReportData, _as_date, ensure_results
from horetsu.report.html import render
from horetsu.report.i18n import Tr
from horetsu.report.sections import SECTIONS, build_all


def default_path(ws: Any, lang: str) -> Path:
    return Path(ws.reports_dir) / f"report-{lang}.html"


def build_report(
    ws: Any, lang: str = "ja", out: Any = None, as_of: Any = None, progress: Any = None, say: Any = None
) -> Path:
    """Write the report for ``ws`` in ``lang`` ("ja" or "en") and return its path.

    Brings the results up to date first when they are missing, stale or for another
    ``as_of`` (:func:`horetsu.report.data.ensure_results`; ``say(en, ja)`` is told why).
    The file is written atomically.
    """
    if lang not in ("ja", "en"):
        raise ConfigError(f"lang must be ja or en, not {lang!r}", ja=f"言語は ja か en です（{lang!r} は不可）")
    ensure_results(ws, as_of=as_of, progress=progress, say=say)
    data = ReportData(ws)
    tr = Tr(lang)
    if progress is not None:
        progress.update(total=len(SECTIONS), completed=0)
    sections = build_all(data, tr, progress)
    as_of_day = data.as_of or _as_date(as_of)
    customers = data.get("customers", columns=["customer_id", "frequency"])
    n_all = len(customers) if customers is not None else 0
    buyers = int((customers["frequency"] >= 1).sum()) if customers is not None and "frequency" in customers else 0
    subtitle = tr("page.subtitle", as_of=as_of_day.isoformat() if as_of_day else "–", customers=tr.num(n_all),
                  buyers=tr.num(buyers))
    text = render(sections, tr, subtitle=subtitle)
    path = Path(out) if out is not None else default_path(ws, lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path
