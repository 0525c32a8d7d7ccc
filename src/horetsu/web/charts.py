"""The report's Plotly figures (horetsu.report.figures) prepared for a page.

A figure travels as JSON in a ``<script type="application/json">`` element (never
executed, so the CSP needs no inline script) and ``static/horetsu/app.js`` draws it
with the plotly.min.js of the installed plotly package.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from horetsu.report.i18n import TEMPERATURES, Tr


def as_json(figure: Any) -> str:
    """The figure as JSON that cannot end its script element (``<``, ``>``, ``&`` escaped)."""
    text = figure.to_json()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def stage_distribution(rows: list[tuple[Any, Any, int]], lang: str) -> str:
    from horetsu.report import figures
    from horetsu.stages.policy import STAGES

    df = pd.DataFrame(rows, columns=["stage", "temperature", "n"])
    counts = df.pivot_table(index="stage", columns="temperature", values="n", aggfunc="sum", fill_value=0)
    counts = counts.reindex(index=[s for s in STAGES if s in counts.index],
                            columns=[t for t in TEMPERATURES if t in counts.columns], fill_value=0)
    return as_json(figures.stage_distribution(counts, Tr(lang)))


def monthly_sales(timeline: pd.DataFrame | None, lang: str) -> str | None:
    from horetsu.report import figures

    if timeline is None or timeline.empty:
        return None
    wide = timeline.pivot_table(index="month", columns="kind", values="revenue", aggfunc="sum", fill_value=0)
    wide = wide.sort_index().tail(24)
    return as_json(figures.monthly_revenue_by_kind(wide, Tr(lang)))


def monthly_flow(transitions: pd.DataFrame | None, lang: str, periods: int = 3) -> str | None:
    """The report's Sankey over the last ``periods`` steps between monthly snapshots (stored flows)."""
    if transitions is None or transitions.empty:
        return None
    from horetsu.report import figures

    ends = sorted(set(transitions["period_to"]))[-periods:]
    flows = transitions[transitions["period_to"].isin(ends) & (transitions["customers"] > 0)]
    flows = flows.assign(period_from=flows["period_from"].astype(str), period_to=flows["period_to"].astype(str))
    return as_json(figures.stage_flow(flows, Tr(lang)))


def stage_flow(snapshots: pd.DataFrame | None, lang: str) -> str | None:
    """The report's Sankey between the last monthly snapshots, when the results hold them."""
    if snapshots is None or snapshots.empty:
        return None
    import pyarrow as pa

    from horetsu.report import figures
    from horetsu.stages import transition_matrix_from_snapshots

    snaps = pa.Table.from_pandas(snapshots, preserve_index=False)
    picks = sorted(set(snapshots["as_of"]))[-4:]
    parts = []
    for a, b in zip(picks, picks[1:], strict=False):
        m = transition_matrix_from_snapshots(snaps, a, b).to_pandas()
        parts.append(m.assign(period_from=str(a), period_to=str(b)))
    if not parts:
        return None
    return as_json(figures.stage_flow(pd.concat(parts, ignore_index=True), Tr(lang)))


def sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points for a small trend (drawn server-side: no script needed)."""
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    step = width / (len(values) - 1)
    return " ".join(f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in enumerate(values))
