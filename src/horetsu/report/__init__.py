"""The report a shop owner reads: one self-contained HTML page in Japanese or English.

``build_report(ws, lang="ja", out=None, as_of=None) -> Path``.  Layout: :mod:`.figures`
(one Plotly builder per chart), :mod:`.sections` (one module per section, each with a
takeaway computed from the data), :mod:`.i18n` (every label in ja and en),
:mod:`.html` (assembly with the template in ``templates/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["build_report"]


def build_report(
    ws: Any, lang: str = "ja", out: Any = None, as_of: Any = None, progress: Any = None, say: Any = None
) -> Path:
    """Write the HTML report for workspace ``ws`` and return its path (see :mod:`horetsu.report.build`)."""
    from horetsu.report.build import build_report as _build

    return _build(ws, lang=lang, out=out, as_of=as_of, progress=progress, say=say)
