"""Assemble sections into one self-contained HTML page.

plotly.js is inlined from the installed plotly package (no CDN, nothing fetched), figure
data travels as one JSON block, and the page uses a Japanese font stack with fallbacks.
"""

from __future__ import annotations

import json
from importlib import resources
from string import Template
from typing import Any

from plotly.offline import get_plotlyjs
from plotly.utils import PlotlyJSONEncoder

from horetsu import __version__
from horetsu.report import theme
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, esc


def _template() -> Template:
    text = resources.files("horetsu.report").joinpath("templates/report.html").read_text(encoding="utf-8")
    return Template(text)


def _section_html(sec: Section, tr: Tr) -> str:
    parts = [f'<section class="report-section" id="sec-{esc(sec.key)}" data-section="{esc(sec.key)}">',
             f"<h2>{esc(sec.title)}</h2>"]
    if sec.missing:
        text = tr("page.missing", names=", ".join(sec.missing))
        if any(m.startswith("results/") for m in sec.missing):
            text += " " + tr("page.hint.analyze")
        elif any(m.startswith("import_log") for m in sec.missing):
            text += " " + tr("page.hint.import")
        parts.append(f'<p class="missing">{esc(text)}</p>')
    if sec.takeaway:
        parts.append(f'<p class="takeaway"><b>{esc(tr("page.takeaway"))}</b>{esc(sec.takeaway)}</p>')
    parts.extend(sec.explain)
    if sec.action:
        parts.append(f'<p class="action"><b>{esc(tr("page.action"))}</b>{esc(sec.action)}</p>')
    if not sec.missing and not sec.takeaway and not sec.charts and not sec.blocks:
        parts.append(f'<p class="missing">{esc(tr("page.empty"))}</p>')
    parts.extend(b for b in sec.blocks if b.startswith('<div class="kpis"'))
    if sec.charts:
        parts.append('<div class="charts">')
        parts.extend(f'<div class="chart" id="{esc(c.key)}" data-chart="{esc(c.key)}" role="img" '
                     f'aria-label="{esc(_title(c.figure))}"></div>' for c in sec.charts)
        parts.append("</div>")
    parts.extend(b for b in sec.blocks if not b.startswith('<div class="kpis"'))
    if sec.note:
        parts.append(f'<p class="note">{esc(sec.note)}</p>')
    parts.append("</section>")
    return "\n".join(parts)


def _title(figure: Any) -> str:
    try:
        return str(figure.layout.title.text or "")
    except AttributeError:
        return ""


def _figures_json(sections: list[Section]) -> str:
    figs: dict[str, Any] = {}
    for sec in sections:
        for c in sec.charts:
            fig = c.figure.to_plotly_json() if hasattr(c.figure, "to_plotly_json") else c.figure
            figs[c.key] = {"data": fig["data"], "layout": fig["layout"]}
    text = json.dumps(figs, cls=PlotlyJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/")  # a label can never close the script element


def render(sections: list[Section], tr: Tr, *, subtitle: str) -> str:
    """The complete HTML document as text."""
    toc = "".join(f'<a href="#sec-{esc(s.key)}">{esc(s.title)}</a>' for s in sections)
    return _template().substitute(
        lang=tr.lang,
        version=esc(__version__),
        title=esc(tr("page.title")),
        subtitle=esc(subtitle),
        font_stack=theme.FONT_STACK,
        plotlyjs=get_plotlyjs(),
        toc_label=esc(tr("page.toc")),
        toc=toc,
        sections="\n".join(_section_html(s, tr) for s in sections),
        generated=esc(tr("page.generated", version=__version__)),
        figures=_figures_json(sections),
        config=json.dumps(theme.PLOTLY_CONFIG),
    )
