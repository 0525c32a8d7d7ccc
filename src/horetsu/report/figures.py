"""Plotly figure builders, one per chart.

Each builder takes plain data (pandas / NumPy, already aggregated) and a :class:`Tr`
and returns a ``plotly.graph_objects.Figure`` with a title, axis titles with units,
thousands separators and the Okabe-Ito palette.  Builders never read the workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from horetsu.report import theme
from horetsu.report.i18n import STAGES, TEMPERATURE_NAMES, Tr

YEN_FMT = ",.0f"
INT_FMT = ",d"
PCT_FMT = ".0%"
SANKEY_HEIGHT = 540


def _fig(title: str, traces: Sequence[Any], *, height: int = 380, **layout: Any) -> go.Figure:
    base = theme.base_layout(title, height=height)
    if sum(1 for t in traces if getattr(t, "showlegend", None) is not False) > 3:
        # many series: a vertical legend on the right never runs into the title
        base["legend"] = {"orientation": "v", "yanchor": "top", "y": 1.0, "xanchor": "left", "x": 1.02}
    for axis in ("xaxis", "yaxis"):
        if axis in layout:
            base[axis] = {**base[axis], **layout.pop(axis)}
    base.update(layout)
    return go.Figure(data=list(traces), layout=base)


def _yen_hover(tr: Tr) -> str:
    return "%{y:,.0f}円" if tr.ja else "¥%{y:,.0f}"


def _month_labels(months: pd.Series) -> list[str]:
    return [pd.Timestamp(m).strftime("%Y-%m") for m in months]


def _column_y(keys: list[str], sizes: dict[str, float], pad: float = 0.02) -> list[float]:
    """Centres of stacked nodes in the given order (fractions of the plot height)."""
    total = sum(sizes[k] for k in keys) or 1.0
    room = max(1.0 - pad * (len(keys) - 1), 0.3)
    ys, top = [], 0.0
    for k in keys:
        h = room * sizes[k] / total
        ys.append(min(max(top + h / 2, 0.001), 0.999))
        top += h + pad
    return ys


SANKEY_LINE = 22  # px between two Sankey nodes: one label line, so neighbouring labels never overlap


def _sankey_gap(height: int, margin: dict[str, int]) -> float:
    """The gap between two nodes of a column as a fraction of the plot height."""
    return SANKEY_LINE / max(height - margin["t"] - margin["b"], 100)


# ---------------------------------------------------------------- overview
def revenue_split(values: Mapping[str, float], tr: Tr) -> go.Figure:
    keys = [k for k in ("new", "repeat", "subscription") if k in values]
    colours = {"new": theme.BLUE, "repeat": theme.ORANGE, "subscription": theme.GREEN}
    pie = go.Pie(
        labels=[tr(f"s.{k}") for k in keys],
        values=[float(values[k]) for k in keys],
        hole=0.55,
        sort=False,
        marker={"colors": [colours[k] for k in keys]},
        texttemplate="%{label}<br>%{percent:.1%}",
        hovertemplate="%{label}: " + ("%{value:,.0f}円" if tr.ja else "¥%{value:,.0f}") + "<extra></extra>",
    )
    return _fig(tr("fig.revenue_split"), [pie], height=320, showlegend=False)


# ---------------------------------------------------------------- time axis
def monthly_revenue_by_kind(wide: pd.DataFrame, tr: Tr) -> go.Figure:
    """``wide``: index month, one column per timeline kind (new, repeat bands, subscription), yen."""
    from horetsu.analytics.labels import TIMELINE_KINDS

    colours = {"new": theme.BLUE, "repeat_2": theme.YELLOW, "repeat_3_4": theme.ORANGE, "repeat_5_9": theme.VERMILLION,
               "repeat_10p": theme.PURPLE, "subscription": theme.GREEN}
    x = _month_labels(pd.Series(wide.index))
    traces = [
        go.Bar(name=tr.pick(TIMELINE_KINDS, k), x=x, y=wide[k], marker_color=colours.get(k, theme.GREY),
               hovertemplate=_yen_hover(tr))
        for k in wide.columns
        if float(wide[k].sum()) > 0
    ]
    return _fig(
        tr("fig.monthly_revenue"),
        traces,
        barmode="stack",
        xaxis={"title": {"text": tr("ax.month")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.revenue_yen")}, "tickformat": YEN_FMT},
    )


def monthly_lost(df: pd.DataFrame, tr: Tr) -> go.Figure:
    """``df``: month, lost, and optionally active_base (customers)."""
    x = _month_labels(df["month"])
    traces: list[Any] = [
        go.Bar(name=tr("s.lost"), x=x, y=df["lost"], marker_color=theme.VERMILLION, hovertemplate="%{y:,d}")
    ]
    layout: dict[str, Any] = {}
    if "active_base" in df:
        traces.append(
            go.Scatter(
                name=tr("s.active_base"), x=x, y=df["active_base"], yaxis="y2", mode="lines",
                line={"color": theme.BLUE, "width": 2}, hovertemplate="%{y:,d}",
            )
        )
        layout["yaxis2"] = {
            "title": {"text": tr("s.active_base_axis")},
            "overlaying": "y", "side": "right", "tickformat": INT_FMT, "showgrid": False,
            "rangemode": "tozero", "tickmode": "auto",
        }
    return _fig(
        tr("fig.monthly_lost"),
        traces,
        xaxis={"title": {"text": tr("ax.month")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT},
        **layout,
    )


# ---------------------------------------------------------------- cohorts
def cohort_heatmap(matrix: pd.DataFrame, tr: Tr) -> go.Figure:
    """``matrix``: index cohort month, columns months since first purchase, values shares 0..1."""
    y = _month_labels(pd.Series(matrix.index))
    z = matrix.to_numpy(dtype=float)
    later = z[:, 1:] if z.shape[1] > 1 else z  # month 0 is 100% by definition: scale on the rest
    heat = go.Heatmap(
        z=z, x=[str(c) for c in matrix.columns], y=y, colorscale=theme.SEQUENTIAL, zmin=0,
        zmax=float(np.nanmax(later)) if np.isfinite(later).any() else 1.0,
        texttemplate="%{z:.0%}" if z.shape[1] <= 13 else "", textfont={"size": 10},
        colorbar=theme.colorbar(PCT_FMT, tr("ax.share")),
        hovertemplate="%{y} / %{x}: %{z:.1%}<extra></extra>",
    )
    return _fig(
        tr("fig.cohort_heatmap"), [heat], height=max(360, 26 * len(y) + 140),
        xaxis={"title": {"text": tr("ax.months_since")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.cohort")}, "type": "category", "autorange": "reversed"},
    )


def ltv_curves(df: pd.DataFrame, tr: Tr, pooled: pd.DataFrame | None = None, max_cohorts: int = 6) -> go.Figure:
    """``df``: cohort, months_since, ltv (cumulative yen per acquired customer); ``pooled``: months_since, ltv."""
    cohorts = sorted(df["cohort"].unique())
    if len(cohorts) > max_cohorts:  # evenly spaced, always including the first and the last
        idx = np.unique(np.linspace(0, len(cohorts) - 1, max_cohorts).round().astype(int))
        cohorts = [cohorts[i] for i in idx]
    traces = []
    for i, c in enumerate(cohorts):
        part = df[df["cohort"] == c].sort_values("months_since")
        traces.append(
            go.Scatter(
                name=pd.Timestamp(c).strftime("%Y-%m"), x=part["months_since"], y=part["ltv"], mode="lines+markers",
                line={"color": theme.LINE_COLOURS[i % len(theme.LINE_COLOURS)], "width": 2}, marker={"size": 4},
                hovertemplate=_yen_hover(tr),
            )
        )
    if pooled is not None and len(pooled):
        pooled = pooled.sort_values("months_since")
        traces.append(
            go.Scatter(
                name=tr("s.all_cohorts"), x=pooled["months_since"], y=pooled["ltv"], mode="lines",
                line={"color": theme.BLACK, "width": 3, "dash": "dash"}, hovertemplate=_yen_hover(tr),
            )
        )
    return _fig(
        tr("fig.ltv_curves"), traces,
        xaxis={"title": {"text": tr("ax.months_since")}, "dtick": 3},
        yaxis={"title": {"text": tr("ax.ltv_yen")}, "tickformat": YEN_FMT},
    )


def f2_within(days: Sequence[int], shares: Sequence[float], tr: Tr) -> go.Figure:
    labels = [tr("s.within_days", days=tr.days(d)) for d in days]
    bar = go.Bar(
        x=labels, y=list(shares), marker_color=theme.BLUE, text=[tr.pct(s) for s in shares],
        textposition="outside", hovertemplate="%{x}: %{y:.1%}<extra></extra>",
    )
    top = max([float(s) for s in shares] + [0.01])
    return _fig(
        tr("fig.f2_within"), [bar],
        xaxis={"title": {"text": tr("ax.within_days")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.share")}, "tickformat": PCT_FMT, "range": [0, min(1.0, top * 1.25)]},
    )


def f2_by_category(categories: Sequence[str], rates: Sequence[float], eligible: Sequence[int], days: int,
                   tr: Tr) -> go.Figure:
    """F2 conversion within ``days`` per first-purchase category (horizontal bars)."""
    bar = go.Bar(
        y=list(categories), x=list(rates), orientation="h", marker_color=theme.SKY,
        text=[f"{tr.pct(r)} (n={tr.num(n)})" for r, n in zip(rates, eligible, strict=True)], textposition="auto",
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    )
    return _fig(
        tr("fig.f2_category", days=tr.days(days)), [bar], height=max(300, 34 * len(categories) + 150),
        xaxis={"title": {"text": tr("ax.share")}, "tickformat": PCT_FMT},
        yaxis={"title": {"text": tr("ax.first_category")}, "type": "category", "autorange": "reversed"},
        showlegend=False,
    )


def ltv_by_split(df: pd.DataFrame, title: str, tr: Tr) -> go.Figure:
    """``df``: split_value, months_since, ltv — one line per acquisition channel or first category."""
    traces = []
    for i, (name, part) in enumerate(df.groupby("split_value", sort=True)):
        part = part.sort_values("months_since")
        traces.append(go.Scatter(name=str(name), x=part["months_since"], y=part["ltv"], mode="lines",
                                 line={"color": theme.LINE_COLOURS[i % len(theme.LINE_COLOURS)], "width": 2},
                                 hovertemplate=_yen_hover(tr)))
    return _fig(
        title, traces,
        xaxis={"title": {"text": tr("ax.months_since")}, "dtick": 3},
        yaxis={"title": {"text": tr("ax.ltv_yen")}, "tickformat": YEN_FMT},
    )


def ladder(steps: Sequence[str], rates: Sequence[float], counts: Sequence[int], tr: Tr) -> go.Figure:
    bar = go.Bar(
        x=list(steps), y=list(rates), marker_color=theme.GREEN,
        text=[f"{tr.pct(r)}<br>({tr.num(c)})" for r, c in zip(rates, counts, strict=True)],
        textposition="outside", hovertemplate="%{x}: %{y:.1%}<extra></extra>",
    )
    top = max([float(r) for r in rates] + [0.01])
    return _fig(
        tr("fig.ladder"), [bar],
        xaxis={"title": {"text": tr("ax.ladder_step")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.share")}, "tickformat": PCT_FMT, "range": [0, min(1.05, top * 1.3)]},
    )


def intervals(df: pd.DataFrame, tr: Tr) -> go.Figure:
    """``df``: category, median_days, p80_days."""
    df = df.sort_values("median_days")
    traces = [
        go.Bar(name=tr("s.median"), y=df["category"], x=df["median_days"], orientation="h",
               marker_color=theme.BLUE, hovertemplate="%{y}: %{x:,.0f}<extra></extra>"),
        go.Bar(name=tr("s.p80"), y=df["category"], x=df["p80_days"], orientation="h",
               marker_color=theme.SKY, hovertemplate="%{y}: %{x:,.0f}<extra></extra>"),
    ]
    return _fig(
        tr("fig.intervals"), traces, barmode="group", height=max(320, 40 * len(df) + 140),
        xaxis={"title": {"text": tr("ax.days_between")}, "tickformat": INT_FMT},
        yaxis={"title": {"text": tr("ax.category")}, "type": "category"},
    )


# ---------------------------------------------------------------- segments
def rfm_matrix(matrix: pd.DataFrame, tr: Tr) -> go.Figure:
    """``matrix``: index R score (1..5), columns F score (1..5), values customers."""
    z = matrix.to_numpy(dtype=float)
    heat = go.Heatmap(
        z=z, x=[str(c) for c in matrix.columns], y=[str(i) for i in matrix.index],
        colorscale=theme.SEQUENTIAL, texttemplate="%{z:,.0f}", hovertemplate="R%{y} F%{x}: %{z:,.0f}<extra></extra>",
        colorbar=theme.colorbar(INT_FMT, tr("s.customers")),
    )
    return _fig(
        tr("fig.rfm_matrix"), [heat], height=420,
        xaxis={"title": {"text": tr("ax.frequency")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.recency")}, "type": "category"},
    )


def segment_bars(names: Sequence[str], customers: Sequence[float], revenue: Sequence[float], title: str, tr: Tr,
                 axis_title: str) -> go.Figure:
    """Customers (left axis) and revenue (right axis) side by side per segment."""
    traces = [
        go.Bar(name=tr("s.customers"), x=list(names), y=list(customers), marker_color=theme.BLUE, offsetgroup=0,
               hovertemplate="%{x}: %{y:,d}<extra></extra>"),
        go.Bar(name=tr("s.revenue"), x=list(names), y=list(revenue), yaxis="y2", marker_color=theme.ORANGE,
               offsetgroup=1, hovertemplate="%{x}: " + _yen_hover(tr) + "<extra></extra>"),
    ]
    return _fig(
        title, traces, barmode="group", height=420,
        xaxis={"title": {"text": axis_title}, "type": "category"},
        yaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT},
        yaxis2={"title": {"text": tr("ax.revenue_yen")}, "overlaying": "y", "side": "right",
                "tickformat": YEN_FMT, "showgrid": False, "rangemode": "tozero", "tickmode": "auto"},
    )


def cpm_cells(matrix: pd.DataFrame, title: str, tr: Tr, money: bool = False) -> go.Figure:
    """``matrix``: index active/lapsed labels, columns CPM segment labels."""
    z = matrix.to_numpy(dtype=float)
    fmt = "%{z:,.0f}" + ("円" if money and tr.ja else "")
    if money and not tr.ja:
        fmt = "¥%{z:,.0f}"
    heat = go.Heatmap(
        z=z, x=list(matrix.columns), y=list(matrix.index), colorscale=theme.SEQUENTIAL, texttemplate=fmt,
        hovertemplate="%{y} / %{x}: " + fmt + "<extra></extra>",
        colorbar=theme.colorbar(YEN_FMT if money else INT_FMT, tr("ax.revenue_yen") if money else tr("s.customers")),
    )
    return _fig(
        title, [heat], height=300,
        xaxis={"title": {"text": tr("ax.cell")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.cpm_state")}, "type": "category"},
    )


def two_date_flow(flows: pd.DataFrame, title: str, left: str, right: str, tr: Tr) -> go.Figure:
    """Sankey between two dates. ``flows`` (in display order): from_label, from_colour, to_label, to_colour, customers."""
    left_keys = list(dict.fromkeys(flows["from_label"]))
    right_keys = list(dict.fromkeys(flows.sort_values("to_order")["to_label"])) if "to_order" in flows else \
        list(dict.fromkeys(flows["to_label"]))
    colour = {**{("L", k): c for k, c in zip(flows["from_label"], flows["from_colour"], strict=True)},
              **{("R", k): c for k, c in zip(flows["to_label"], flows["to_colour"], strict=True)}}
    left_size = flows.groupby("from_label")["customers"].sum().to_dict()
    right_size = flows.groupby("to_label")["customers"].sum().to_dict()
    labels = left_keys + right_keys
    margin = {"l": 20, "r": 20, "t": theme.TOP_MARGIN + 24, "b": 20}
    gap = _sankey_gap(SANKEY_HEIGHT, margin)
    colours = [colour[("L", k)] for k in left_keys] + [colour[("R", k)] for k in right_keys]
    src = [left_keys.index(k) for k in flows["from_label"]]
    dst = [len(left_keys) + right_keys.index(k) for k in flows["to_label"]]

    def rgba(c: str) -> str:
        return f"rgba({int(c[1:3], 16)},{int(c[3:5], 16)},{int(c[5:7], 16)},0.35)"

    # a link takes the colour of where it comes from, or of where it goes for new customers (black source)
    link_colours = [rgba(colours[d] if colours[s_] == theme.BLACK else colours[s_]) for s_, d in zip(src, dst, strict=True)]
    sankey = go.Sankey(
        arrangement="snap", valueformat=",d", valuesuffix=tr("unit.customers_suffix"),
        node={"label": labels, "color": colours, "pad": SANKEY_LINE, "thickness": 14,
              "x": [0.001] * len(left_keys) + [0.999] * len(right_keys),
              "y": _column_y(left_keys, left_size, gap) + _column_y(right_keys, right_size, gap)},
        link={"source": src, "target": dst, "value": [int(v) for v in flows["customers"]], "color": link_colours},
    )
    heads = [{"x": 0.0, "y": 1.06, "xref": "paper", "yref": "paper", "text": left, "showarrow": False,
              "xanchor": "left", "font": {"size": 12, "color": "#444444"}},
             {"x": 1.0, "y": 1.06, "xref": "paper", "yref": "paper", "text": right, "showarrow": False,
              "xanchor": "right", "font": {"size": 12, "color": "#444444"}}]
    return _fig(title, [sankey], height=SANKEY_HEIGHT, annotations=heads, margin=margin)


def deciles(dec: Sequence[int], share: Sequence[float], tr: Tr) -> go.Figure:
    cum = np.cumsum(np.asarray(share, dtype=float))
    traces = [
        go.Bar(name=tr("ax.revenue_share"), x=[str(d) for d in dec], y=list(share), marker_color=theme.BLUE,
               text=[tr.pct(s) for s in share], textposition="outside", hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
        go.Scatter(name=tr("s.cumulative"), x=[str(d) for d in dec], y=cum, mode="lines+markers",
                   line={"color": theme.VERMILLION}, hovertemplate="%{x}: %{y:.1%}<extra></extra>"),
    ]
    return _fig(
        tr("fig.deciles"), traces,
        xaxis={"title": {"text": tr("ax.decile")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.revenue_share")}, "tickformat": PCT_FMT, "range": [0, 1.08]},
    )


# ---------------------------------------------------------------- stages
def stage_distribution(counts: pd.DataFrame, tr: Tr) -> go.Figure:
    """``counts``: index stage ids, columns temperature ids, values customers."""
    x = [tr.stage(s) for s in counts.index]
    traces = [
        go.Bar(name=tr.pick(TEMPERATURE_NAMES, t), x=x, y=counts[t], marker_color=theme.TEMPERATURE_COLOURS.get(t, theme.GREY),
               hovertemplate="%{x}: %{y:,d}<extra></extra>")
        for t in counts.columns
    ]
    return _fig(
        tr("fig.stage_dist"), traces, barmode="stack",
        xaxis={"title": {"text": tr("ax.stage")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT},
    )


def stage_months(wide: pd.DataFrame, tr: Tr) -> go.Figure:
    """``wide``: index snapshot day (month ends), one column per stage id, values customers."""
    x = [str(d)[:7] for d in wide.index]
    traces = [
        go.Bar(name=tr.stage(s), x=x, y=wide[s], marker_color=theme.STAGE_COLOURS.get(s, theme.GREY),
               hovertemplate="%{x}: %{y:,d}<extra></extra>")
        for s in wide.columns
    ]
    return _fig(
        tr("fig.stage_monthly"), traces, barmode="stack",
        xaxis={"title": {"text": tr("ax.month")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT},
    )


def count_heatmap(matrix: pd.DataFrame, title: str, x_title: str, y_title: str, tr: Tr) -> go.Figure:
    z = matrix.to_numpy(dtype=float)
    heat = go.Heatmap(
        z=z, x=[str(c) for c in matrix.columns], y=[str(i) for i in matrix.index], colorscale=theme.SEQUENTIAL,
        texttemplate="%{z:,.0f}", hovertemplate="%{y} / %{x}: %{z:,.0f}<extra></extra>",
        colorbar=theme.colorbar(INT_FMT, tr("s.customers")),
    )
    return _fig(
        title, [heat], height=max(340, 30 * len(matrix.index) + 160),
        xaxis={"title": {"text": x_title}, "type": "category"},
        yaxis={"title": {"text": y_title}, "type": "category"},
    )


def share_heatmap(matrix: pd.DataFrame, title: str, x_title: str, y_title: str, tr: Tr) -> go.Figure:
    """Shares 0..1 with an index of rows (e.g. cohorts) and columns (e.g. steps)."""
    z = matrix.to_numpy(dtype=float)
    heat = go.Heatmap(
        z=z, x=[str(c) for c in matrix.columns], y=[str(i) for i in matrix.index], colorscale=theme.SEQUENTIAL,
        zmin=0, zmax=1, texttemplate="%{z:.0%}" if z.shape[0] <= 30 else "", textfont={"size": 10},
        hovertemplate="%{y} / %{x}: %{z:.1%}<extra></extra>",
        colorbar=theme.colorbar(PCT_FMT, tr("ax.share")),
    )
    return _fig(
        title, [heat], height=max(360, 24 * len(matrix.index) + 180),
        xaxis={"title": {"text": x_title}, "type": "category"},
        yaxis={"title": {"text": y_title}, "type": "category", "autorange": "reversed"},
    )


def stage_flow(flows: pd.DataFrame, tr: Tr, new_key: str = "(new)") -> go.Figure:
    """Sankey. ``flows``: period_from, period_to (dates as text), from_stage, to_stage, customers.

    ``from_stage == new_key`` marks customers not yet known at ``period_from``."""
    periods = sorted(set(flows["period_from"]) | set(flows["period_to"]))
    col_x = {p: (0.001 + 0.998 * i / max(len(periods) - 1, 1)) for i, p in enumerate(periods)}
    order = {new_key: -1, **{s: i for i, s in enumerate(STAGES)}}
    keys = sorted({(a, s) for a, s in zip(flows["period_from"], flows["from_stage"], strict=True)}
                  | {(b, s) for b, s in zip(flows["period_to"], flows["to_stage"], strict=True)},
                  key=lambda k: (k[0], order.get(k[1], 99)))
    index = {k: i for i, k in enumerate(keys)}

    def node_colour(stage: str) -> str:
        return theme.BLACK if stage == new_key else theme.STAGE_COLOURS.get(stage, theme.GREY)

    def node_label(stage: str) -> str:
        return tr("s.new_customers") if stage == new_key else tr.stage(stage)

    colours = [node_colour(s) for _, s in keys]
    src = [index[(a, s)] for a, s in zip(flows["period_from"], flows["from_stage"], strict=True)]
    dst = [index[(b, s)] for b, s in zip(flows["period_to"], flows["to_stage"], strict=True)]
    # explicit positions (plotly only honours x together with y): columns by date, stacked by stage
    size = np.zeros(len(keys))
    np.add.at(size, src, flows["customers"].to_numpy(dtype=float))
    inflow = np.zeros(len(keys))
    np.add.at(inflow, dst, flows["customers"].to_numpy(dtype=float))
    size = np.maximum(size, inflow)
    ys = [0.0] * len(keys)
    margin = {"l": 20, "r": 20, "t": theme.TOP_MARGIN + 24, "b": 20}
    gap = _sankey_gap(SANKEY_HEIGHT, margin)
    for p in periods:
        col = [k for k in keys if k[0] == p]
        for k, y in zip(col, _column_y([str(k) for k in col], {str(k): size[index[k]] for k in col}, gap),
                        strict=True):
            ys[index[k]] = y

    def rgba(c: str) -> str:
        return f"rgba({int(c[1:3], 16)},{int(c[3:5], 16)},{int(c[5:7], 16)},0.35)"

    # links keep the colour of the stage they leave; new customers' links that of the stage they enter
    link_colours = [rgba(colours[d] if colours[s_] == theme.BLACK else colours[s_]) for s_, d in zip(src, dst, strict=True)]
    sankey = go.Sankey(
        arrangement="snap",
        valueformat=",d",
        valuesuffix=tr("unit.customers_suffix"),
        node={"label": [node_label(s) for _, s in keys], "color": colours, "pad": SANKEY_LINE, "thickness": 16,
              "x": [col_x[p] for p, _ in keys], "y": ys, "customdata": [p for p, _ in keys],
              "hovertemplate": "%{label} (%{customdata}): %{value:,d}<extra></extra>"},
        link={"source": src, "target": dst, "value": [int(v) for v in flows["customers"]], "color": link_colours},
    )
    heads = [{"x": col_x[p], "y": 1.06, "xref": "paper", "yref": "paper", "text": p, "showarrow": False,
              "xanchor": "left" if i == 0 else ("right" if i == len(periods) - 1 else "center"),
              "font": {"size": 12, "color": "#444444"}} for i, p in enumerate(periods)]
    return _fig(tr("fig.stage_flow"), [sankey], height=SANKEY_HEIGHT, annotations=heads, margin=margin)


def stage_moves(df: pd.DataFrame, tr: Tr) -> go.Figure:
    """``df``: stage, moved_share, stalled_share, cooled_share (0..1)."""
    x = [tr.stage(s) for s in df["stage"]]
    spec = (("moved_share", "s.moved", theme.GREEN), ("stalled_share", "s.stalled", theme.ORANGE),
            ("cooled_share", "s.cooled", theme.VERMILLION))
    traces = [
        go.Bar(name=tr(lbl), x=x, y=df[col], marker_color=c, hovertemplate="%{x}: %{y:.1%}<extra></extra>")
        for col, lbl, c in spec
        if col in df
    ]
    return _fig(
        tr("fig.stage_moves"), traces, barmode="group",
        xaxis={"title": {"text": tr("ax.stage")}, "type": "category"},
        yaxis={"title": {"text": tr("ax.share")}, "tickformat": PCT_FMT},
    )


def funnel(steps: Sequence[str], customers: Sequence[float], tr: Tr) -> go.Figure:
    trace = go.Funnel(
        y=list(steps), x=list(customers), marker={"color": theme.BLUE},
        texttemplate="%{value:,d} (%{percentInitial:.1%})", hovertemplate="%{y}: %{x:,d}<extra></extra>",
    )
    return _fig(tr("fig.funnel"), [trace], height=420, yaxis={"title": {"text": tr("ax.step")}},
                xaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT})


# ---------------------------------------------------------------- CLV
def histogram(edges: np.ndarray, counts: np.ndarray, title: str, x_title: str, tr: Tr, *, money: bool = False,
              colour: str = theme.BLUE) -> go.Figure:
    """A pre-binned histogram (the browser never receives one value per customer)."""
    mids = (edges[:-1] + edges[1:]) / 2
    widths = np.diff(edges)
    hover = ("%{x:,.0f}円" if tr.ja else "¥%{x:,.0f}") if money else "%{x:.2f}"
    bar = go.Bar(x=mids, y=counts, width=widths * 0.95, marker_color=colour,
                 hovertemplate=hover + ": %{y:,d}<extra></extra>")
    return _fig(
        title, [bar],
        xaxis={"title": {"text": x_title}, "tickformat": YEN_FMT if money else ".1f"},
        yaxis={"title": {"text": tr("ax.customers")}, "tickformat": INT_FMT},
        bargap=0.02, showlegend=False,
    )


def holdout(df: pd.DataFrame, tr: Tr, calibration_end: Any = None) -> go.Figure:
    """``df``: week (number or date), actual, expected (cumulative repeat purchases)."""
    traces = [
        go.Scatter(name=tr("s.actual"), x=df["week"], y=df["actual"], mode="lines", line={"color": theme.BLACK, "width": 2},
                   hovertemplate="%{y:,.0f}<extra></extra>"),
        go.Scatter(name=tr("s.expected"), x=df["week"], y=df["expected"], mode="lines",
                   line={"color": theme.VERMILLION, "width": 2, "dash": "dash"}, hovertemplate="%{y:,.0f}<extra></extra>"),
    ]
    layout: dict[str, Any] = {}
    if calibration_end is not None:
        layout["shapes"] = [{"type": "line", "x0": calibration_end, "x1": calibration_end, "yref": "paper", "y0": 0,
                             "y1": 1, "line": {"color": theme.GREY, "dash": "dot"}}]
        layout["annotations"] = [{"x": calibration_end, "y": 1, "yref": "paper", "text": tr("s.calibration_end"),
                                  "showarrow": False, "xanchor": "left", "font": {"color": "#555555", "size": 11}}]
    return _fig(
        tr("fig.holdout"), traces,
        xaxis={"title": {"text": tr("ax.week")}},
        yaxis={"title": {"text": tr("ax.cum_repeat")}, "tickformat": INT_FMT},
        **layout,
    )


# ---------------------------------------------------------------- actions & quality
def horizontal_bars(names: Sequence[str], series: Mapping[str, Sequence[float]], title: str, x_title: str,
                    y_title: str, tr: Tr, colours: Sequence[str] = (theme.BLUE, theme.VERMILLION),
                    stacked: bool = True) -> go.Figure:
    traces = [
        go.Bar(name=label, y=list(names), x=list(vals), orientation="h", marker_color=colours[i % len(colours)],
               hovertemplate="%{y}: %{x:,d}<extra></extra>")
        for i, (label, vals) in enumerate(series.items())
    ]
    return _fig(
        title, traces, barmode="stack" if stacked else "group", height=max(300, 34 * len(names) + 150),
        xaxis={"title": {"text": x_title}, "tickformat": INT_FMT},
        yaxis={"title": {"text": y_title}, "type": "category", "autorange": "reversed"},
        showlegend=len(series) > 1,
    )

