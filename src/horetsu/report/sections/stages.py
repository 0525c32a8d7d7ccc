"""Relationship stages (distribution, RFM × stage, flow, moved/stalled/cooled) and the journey funnel."""

from __future__ import annotations

import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import JOURNEY_NAMES, JOURNEY_STEPS, STAGES, TEMPERATURES, Tr
from horetsu.report.model import Section, table
from horetsu.report.sections._util import col, has_col
from horetsu.report.sections.segments import RFM_SEGMENT_NAMES

STAGE_COLUMNS = ["customer_id", "stage", "journey_step", "temperature", "rfm_segment", "monetary_total"]


def _stage_customers(sec: Section, data: ReportData) -> pd.DataFrame | None:
    cust = data.get("customers", columns=STAGE_COLUMNS)
    if cust is None:
        sec.missing.append("results/customers.parquet")
        return None
    if "stage" not in cust:
        sec.missing.append("results/customers.parquet: stage")
        return None
    return cust


def flows(data: ReportData) -> pd.DataFrame | None:
    """period_from, period_to, from_stage, to_stage, customers."""
    df = data.get("stage_flow")
    if df is None:
        df = data.get("stage_transitions")
    if df is None:
        return None
    out = pd.DataFrame({
        "period_from": df[col(df, "period_from", "from_date", "date_from")].astype(str).str[:10],
        "period_to": df[col(df, "period_to", "to_date", "date_to")].astype(str).str[:10],
        "from_stage": df[col(df, "from_stage", "stage_from")].astype(str),
        "to_stage": df[col(df, "to_stage", "stage_to")].astype(str),
        "customers": df[col(df, "customers", "n", "count")].astype("int64"),
    })
    return out[out["customers"] > 0]


def movement(data: ReportData) -> pd.DataFrame | None:
    """stage, moved_share, stalled_share, cooled_share."""
    df = data.get("stage_movement")
    if df is None:
        return None
    out = pd.DataFrame({"stage": df[col(df, "stage")].astype(str)})
    for key, names in (("moved_share", ("moved_share", "moved_up_90d", "moved_90", "moved_up_share")),
                       ("stalled_share", ("stalled_share", "stalled_rate")),
                       ("cooled_share", ("cooled_share", "cooled_rate", "lapsed_share"))):
        if has_col(df, *names):
            out[key] = df[col(df, *names)].astype(float)
    order = {s: i for i, s in enumerate(STAGES)}
    return out.sort_values("stage", key=lambda s: s.map(order).fillna(99))


def build_stages(data: ReportData, tr: Tr) -> Section:
    sec = Section("stages", tr("sec.stages"))
    cust = _stage_customers(sec, data)
    if cust is None:
        return sec
    temp = cust["temperature"] if "temperature" in cust else pd.Series("active", index=cust.index)
    counts = pd.crosstab(cust["stage"], temp)
    counts = counts.reindex(index=[s for s in STAGES if s in counts.index] +
                            [s for s in counts.index if s not in STAGES], fill_value=0)
    counts = counts.reindex(columns=[t for t in TEMPERATURES if t in counts.columns] +
                            [t for t in counts.columns if t not in TEMPERATURES], fill_value=0)
    sec.chart("distribution", figures.stage_distribution(counts, tr))
    if "rfm_segment" in cust:
        m = pd.crosstab(cust["rfm_segment"].map(lambda s: tr.pick(RFM_SEGMENT_NAMES, s)), cust["stage"])
        m = m.reindex(columns=[s for s in STAGES if s in m.columns])
        m.columns = [tr.stage(s) for s in m.columns]
        sec.chart("rfm_stage", figures.count_heatmap(m, tr("fig.rfm_stage"), tr("ax.stage"), tr("ax.rfm_segment"), tr))
    fl = flows(data)
    if fl is not None and len(fl):
        sec.chart("flow", figures.stage_flow(fl, tr))
    else:
        sec.missing.append("results/stage_flow.parquet")
    mv = movement(data)
    if mv is not None and len(mv):
        sec.chart("moves", figures.stage_moves(mv, tr))
    else:
        sec.missing.append("results/stage_movement.parquet")

    totals = counts.sum(axis=1)
    top = str(totals.idxmax())
    n = int(totals.max())
    cooling = int(counts["cooling"].sum()) if "cooling" in counts else 0
    lapsed = int(counts["lapsed"].sum()) if "lapsed" in counts else 0
    sec.takeaway = tr("tk.stages", stage=tr.stage(top), n=tr.num(n), share=tr.pct(n / max(int(totals.sum()), 1)),
                      cooling=tr.num(cooling), lapsed=tr.num(lapsed))
    if mv is not None and "cooled_share" in mv and len(mv):
        worst = mv.loc[mv["cooled_share"].idxmax()]
        sec.action = tr("act.stages", stage=tr.stage(worst["stage"]), cooled=tr.pct(worst["cooled_share"]))
    elif "lapsed" in counts:
        share = counts["lapsed"] / counts.sum(axis=1).clip(lower=1)
        worst_stage = str(share.idxmax())
        sec.action = tr("act.stages", stage=tr.stage(worst_stage), cooled=tr.pct(float(share.max())))
    return sec


def funnel_frame(data: ReportData, cust: pd.DataFrame | None) -> pd.DataFrame | None:
    """step, customers (reached the step or beyond), conversion, median_days."""
    df = data.get("funnel")
    if df is not None:
        df = df.copy()
        for split in ("cohort", "acquisition_cohort"):
            if split in df.columns:
                df = df[df[split].isna() | df[split].astype(str).isin(["", "all", "__all__"])]
        out = pd.DataFrame({
            "step": df[col(df, "step", "journey_step")].astype(str),
            "customers": df[col(df, "customers", "reached", "n")].astype("int64"),
        })
        if has_col(df, "median_days", "median_days_from_previous"):
            out["median_days"] = df[col(df, "median_days", "median_days_from_previous")].astype(float)
    elif cust is not None and "journey_step" in cust:
        rank = cust["journey_step"].map({s: i for i, s in enumerate(JOURNEY_STEPS)})
        out = pd.DataFrame({"step": list(JOURNEY_STEPS),
                            "customers": [int((rank >= i).sum()) for i in range(len(JOURNEY_STEPS))]})
    else:
        return None
    order = {s: i for i, s in enumerate(JOURNEY_STEPS)}
    out = out.sort_values("step", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)
    prev = out["customers"].shift(1)
    out["conversion"] = out["customers"] / prev.where(prev > 0)
    return out


def build_journey(data: ReportData, tr: Tr) -> Section:
    sec = Section("journey", tr("sec.journey"))
    cust = data.get("customers", columns=STAGE_COLUMNS)
    df = funnel_frame(data, cust)
    if df is None:
        sec.missing.append("results/funnel.parquet")
        return sec
    names = [tr.pick(JOURNEY_NAMES, s) for s in df["step"]]
    sec.chart("funnel", figures.funnel(names, df["customers"].tolist(), tr))
    rows = []
    for name, r in zip(names, df.itertuples(), strict=True):
        md = getattr(r, "median_days", None)
        rows.append((name, tr.num(r.customers), tr.pct(r.conversion), tr.days(md) if md is not None else "–"))
    sec.blocks.append(table([tr("t.step"), tr("t.customers"), tr("t.conversion"), tr("t.median_days")], rows,
                            numeric=(1, 2, 3)))
    conv = df["conversion"].iloc[1:]
    if conv.notna().any():
        i = int(conv.idxmin())
        sec.takeaway = tr("tk.journey", a=names[i - 1], b=names[i], conv=tr.pct(df["conversion"].iloc[i]))
        sec.action = tr("act.journey")
    return sec
