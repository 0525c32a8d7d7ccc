"""Sales on the time axis: monthly revenue by new / repeat band / subscription; customers lost."""

from __future__ import annotations

import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section

KINDS = ("new", "repeat", "subscription")
# ``results/timeline`` kinds in stacking order; repeat purchases come in purchase-count bands.
TIMELINE_KINDS = ("new", "repeat_2", "repeat_3_4", "repeat_5_9", "repeat_10p", "subscription", "no_buyer")


def kinds_frame(data: ReportData) -> pd.DataFrame | None:
    """month × kind revenue (yen), wide, every kind present as a column."""
    df = data.get("timeline")
    if df is None:
        return None
    wide = df.pivot_table(index="month", columns="kind", values="revenue", aggfunc="sum", fill_value=0)
    extra = [k for k in wide.columns if k not in TIMELINE_KINDS]
    wide = wide.reindex(columns=[*TIMELINE_KINDS, *extra], fill_value=0).astype(float)
    wide.index = pd.to_datetime(wide.index)
    return wide.sort_index()


def frame(data: ReportData) -> pd.DataFrame | None:
    """month, new, repeat, subscription (yen), lost, active_base (customers)."""
    wide = kinds_frame(data)
    if wide is None:
        return None
    rep = [c for c in wide.columns if c not in ("new", "subscription", "no_buyer")]
    out = pd.DataFrame({"month": wide.index, "new": wide["new"].to_numpy(), "repeat": wide[rep].sum(axis=1).to_numpy(),
                        "subscription": wide["subscription"].to_numpy()})
    base = data.get("timeline_base")
    if base is not None:
        b = pd.DataFrame({"month": pd.to_datetime(base["month"]), "lost": base["lost_customers"].astype("int64"),
                          "active_base": base["active_base"].astype("int64")})
        out = out.merge(b, on="month", how="outer").fillna({"new": 0.0, "repeat": 0.0, "subscription": 0.0})
        out[["lost", "active_base"]] = out[["lost", "active_base"]].fillna(0).astype("int64")
    return out.sort_values("month").reset_index(drop=True)


def revenue_split(data: ReportData) -> dict[str, float] | None:
    df = frame(data)
    if df is None:
        return None
    return {k: float(df[k].sum()) for k in KINDS}


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("timeline", tr("sec.timeline"))
    wide = kinds_frame(data)
    df = frame(data)
    if wide is None or df is None:
        sec.missing.append("results/timeline.parquet")
        return sec
    sec.chart("revenue", figures.monthly_revenue_by_kind(wide, tr))
    if "lost" in df:
        sec.chart("lost", figures.monthly_lost(df, tr))
    else:
        sec.missing.append("results/timeline_base.parquet")
    last = df.tail(12)
    total = float(last[list(KINDS)].to_numpy().sum())
    repeat_share = float((last["repeat"].sum() + last["subscription"].sum()) / total) if total else float("nan")
    lost = int(last["lost"].sum()) if "lost" in last else 0
    sec.takeaway = tr("tk.timeline", repeat_share=tr.pct(repeat_share), lost=tr.num(lost))
    sec.action = tr("act.timeline.new" if repeat_share < 0.5 else "act.timeline.repeat")
    return sec
