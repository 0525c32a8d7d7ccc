"""Aggregate pages (every role): home, today, stages."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.views.decorators.http import require_GET

from horetsu.web import charts
from horetsu.web.core.access import needs
from horetsu.web.i18n import name, names, text
from horetsu.web.views.common import page, results


def _fmt_month(day: dt.date, lang: str) -> str:
    return f"{day.year}年{day.month}月" if lang == "ja" else day.strftime("%b %Y")


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before


def _kpi(label: str, series: list[tuple[Any, float]], fmt: Any, lang: str) -> dict[str, Any]:
    values = [float(v) for _, v in series]
    now = values[-1] if values else None
    before = values[-2] if len(values) > 1 else None
    change = _change(now, before)
    return {"label": label, "value": fmt(now) if now is not None else "–",
            "change_text": f"{change * 100:+.1f}%" if change is not None else "–", "up": (change or 0) >= 0, "before": fmt(before) if before is not None else "–",
            "spark": charts.sparkline(values[-12:])}


@require_GET
@needs("aggregate")
def home(request: Any) -> Any:
    lang = request.lang
    res = results()
    if not res.available():
        return page(request, "horetsu/home.html", {"empty": True})
    h = res.home()
    yen = (lambda v: f"{round(v):,}円") if lang == "ja" else (lambda v: f"¥{round(v):,}")
    num = lambda v: f"{round(v):,}"  # noqa: E731
    kpis = []
    if h.get("sales"):
        kpis.append(_kpi(text(lang, "home.sales", month=_fmt_month(h["sales"][-1][0], lang)), h["sales"], yen, lang))
    if h.get("new_customers"):
        m = h["new_customers"][-1][0]
        kpis.append(_kpi(text(lang, "home.new_customers", month=_fmt_month(m, lang)), h["new_customers"], num, lang))
    f2 = {r[0]: r for r in h.get("f2") or []}
    f2_row = f2.get(90) or (next(iter(f2.values())) if f2 else None)
    temp = h["temperature"]
    active = int(temp.get("active", 0))
    cooling = int(temp.get("cooling", 0))
    cooled_series = res.cooled()
    cooled = None
    if cooled_series and cooled_series[-1][1] == res.as_of():  # "this month" ends on the as-of day
        start = cooled_series[-1][0]
        cooled = _kpi(text(lang, "home.cooled"), [(b, n) for _, b, n in cooled_series], num, lang)
        cooled["note"] = text(lang, "home.cooled_since", day=start.isoformat(), now=f"{cooling:,}")
    stage_rows = [{"key": s, "name": name(lang, "stage", s), "n": sum(n for st, _, n in h["stages"] if st == s)}
                  for s, _ in names(lang, "stage")]
    return page(request, "horetsu/home.html", {
        "kpis": kpis,
        "f2": {"label": text(lang, "home.f2", days=f2_row[0]), "value": f"{f2_row[3] * 100:.1f}%",
               "detail": f"{f2_row[2]:,} / {f2_row[1]:,}"} if f2_row else None,
        "active": f"{active:,}", "cooling": f"{cooling:,}", "customers": f"{h['customers']:,}",
        "cooled": cooled,
        "stage_rows": stage_rows,
        "stage_chart": charts.stage_distribution(h["stages"], lang),
        "sales_chart": charts.monthly_sales(res.timeline_frame(), lang),
    })


@require_GET
@needs("aggregate")
def today(request: Any) -> Any:
    lang = request.lang
    res = results()
    if not res.available():
        return page(request, "horetsu/today.html", {"empty": True})
    from horetsu.web.views.customers import tactic_names

    tnames = tactic_names(lang)
    due, leave = [], []
    for action, n, why_en, why_ja in res.today():
        row = {"action": action, "name": tnames.get(action, action), "n": f"{n:,}",
               "why": why_ja if lang == "ja" else why_en,
               "list_url": "/customers?" + urlencode({"next_action": action}),
               "check_url": "/campaign?" + urlencode({"tactic": action, "next_action": action})}
        (leave if action == "wait" else due).append(row)
    return page(request, "horetsu/today.html", {"due": due, "leave": leave})


def _matrix(rows: list[tuple[Any, Any, int]], row_key: str, row_group: str | None, col_group: str,
            lang: str) -> dict[str, Any]:
    """A table of counts with a link per cell to the customers list."""
    col_keys = [k for k, _ in names(lang, col_group)]
    seen_rows: list[Any] = []
    cells: dict[tuple[Any, Any], int] = {}
    for r, c, n in rows:
        if r not in seen_rows:
            seen_rows.append(r)
        cells[(r, c)] = n
    if row_group:
        order = [k for k, _ in names(lang, row_group)]
        seen_rows.sort(key=lambda k: order.index(k) if k in order else len(order))
    table = []
    for r in seen_rows:
        line = []
        for c in col_keys:
            n = cells.get((r, c), 0)
            query = {col_group: c}
            if r is not None:
                query[row_key] = r
            line.append({"n": f"{n:,}", "url": "/customers?" + urlencode(query) if n and r is not None else ""})
        table.append({"name": name(lang, row_group, r) if row_group else str(r), "cells": line})
    return {"cols": [name(lang, col_group, c) for c in col_keys], "rows": table}


@require_GET
@needs("aggregate")
def stages(request: Any) -> Any:
    lang = request.lang
    res = results()
    if not res.available():
        return page(request, "horetsu/stages.html", {"empty": True})
    by_temp = _matrix([(t, s, n) for s, t, n in res.counts("stage", "temperature")], "temperature",
                      "temperature", "stage", lang)
    by_rfm = _matrix([(r, s, n) for s, r, n in res.counts("stage", "rfm_segment")], "rfm", "rfm_segment",
                     "stage", lang)
    by_cpm = _matrix([(c, s, n) for s, c, n in res.counts("stage", "cpm_segment")], "cpm", "cpm_segment",
                     "stage", lang)
    by_journey = _matrix([(j, s, n) for s, j, n in res.counts("stage", "journey_step")], "journey_step",
                         "journey_step", "stage", lang)
    rfm_cells = res.rfm_cells()
    return page(request, "horetsu/stages.html", {
        "tables": [("stages.by_temperature", by_temp), ("stages.by_rfm", by_rfm), ("stages.by_cpm", by_cpm),
                   ("stages.by_journey", by_journey)],
        "flow_chart": charts.monthly_flow(res.transitions(), lang) or charts.stage_flow(res.snapshots(), lang),
        "stage_chart": charts.stage_distribution(res.counts("stage", "temperature"), lang),
        "rfm_grid": _rfm_grid(rfm_cells),
    })


def _rfm_grid(cells: list[tuple[int, int, int]]) -> list[dict[str, Any]]:
    """R (rows, 5 → 1) × F (columns 1 → 5) with links to the customers list (filter rfm_cell=R-F)."""
    got = {(r, f): n for r, f, n in cells}
    return [{"r": r, "cells": [{"f": f, "n": f"{got.get((r, f), 0):,}",
                                "url": f"/customers?rfm_cell={r}-{f}" if got.get((r, f)) else ""}
                               for f in range(1, 6)]} for r in range(5, 0, -1)]
