"""The pieces a report is made of: sections holding charts, tables and a takeaway."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Chart:
    """One Plotly figure; ``key`` becomes the id of its ``<div>``."""

    key: str
    figure: Any


@dataclass
class Section:
    key: str
    title: str
    takeaway: str = ""
    action: str = ""
    charts: list[Chart] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)  # trusted HTML fragments (tables, KPI cards)
    missing: list[str] = field(default_factory=list)  # names of inputs that do not exist
    note: str = ""  # definitions, shown small under the section
    explain: list[str] = field(default_factory=list)  # fragments from :func:`explain`, shown under the takeaway

    def chart(self, key: str, figure: Any) -> None:
        self.charts.append(Chart(f"{self.key}-{key}", figure))


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, numeric: Sequence[int] = (),
          css: str = "data") -> str:
    """A small HTML table; cells are escaped, ``numeric`` column indexes are right-aligned."""
    num = set(numeric)
    head = "".join(f'<th{" class=num" if i in num else ""}>{esc(h)}</th>' for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td{" class=num" if i in num else ""}>{esc(c)}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return (f'<div class="table-wrap"><table class="{css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def kpi_cards(items: Sequence[tuple[str, str, str, str]]) -> str:
    """KPI tiles: (key, label, formatted value, definition)."""
    cells = "".join(
        f'<div class="kpi" data-kpi="{esc(k)}"><div class="kpi-label">{esc(label)}</div>'
        f'<div class="kpi-value">{esc(value)}</div><div class="kpi-def">{esc(d)}</div></div>'
        for k, label, value, d in items
    )
    return f'<div class="kpis">{cells}</div>'


def explain(key: str, text: str) -> str:
    """One sentence that says why two numbers on the page differ, placed next to them."""
    return f'<p class="explain" data-explain="{esc(key)}">{esc(text)}</p>'
