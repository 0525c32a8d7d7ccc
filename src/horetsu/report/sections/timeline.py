"""Sales on the time axis: monthly revenue by new / repeat / subscription; customers lost."""

from __future__ import annotations

import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section
from horetsu.report.sections._util import col

KINDS = ("new", "repeat", "subscription")


def frame(data: ReportData) -> pd.DataFrame | None:
    """``results/timeline`` as month, new, repeat, subscription (yen), lost, active_base (customers)."""
    df = data.get("timeline")
    if df is None:
        return None
    out = pd.DataFrame({"month": pd.to_datetime(df[col(df, "month", "period")])})
    for k in KINDS:
        out[k] = df[col(df, f"revenue_{k}", f"{k}_revenue")].astype(float).fillna(0.0).to_numpy()
    lost = [c for c in ("customers_lost", "lost_customers", "lost") if c in df.columns]
    if lost:
        out["lost"] = df[lost[0]].fillna(0).astype("int64").to_numpy()
    active = [c for c in ("active_base", "active_customers") if c in df.columns]
    if active:
        out["active_base"] = df[active[0]].fillna(0).astype("int64").to_numpy()
    return out.sort_values("month").reset_index(drop=True)


def revenue_split(data: ReportData) -> dict[str, float] | None:
    df = frame(data)
    if df is None:
        return None
    return {k: float(df[k].sum()) for k in KINDS}


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("timeline", tr("sec.timeline"))
    df = frame(data)
    if df is None:
        sec.missing.append("results/timeline.parquet")
        return sec
    sec.chart("revenue", figures.monthly_revenue(df, tr))
    if "lost" in df:
        sec.chart("lost", figures.monthly_lost(df, tr))
    last = df.tail(12)
    total = float(last[list(KINDS)].to_numpy().sum())
    repeat_share = float((last["repeat"].sum() + last["subscription"].sum()) / total) if total else float("nan")
    lost = int(last["lost"].sum()) if "lost" in last else 0
    sec.takeaway = tr("tk.timeline", repeat_share=tr.pct(repeat_share), lost=tr.num(lost))
    sec.action = tr("act.timeline.new" if repeat_share < 0.5 else "act.timeline.repeat")
    return sec
