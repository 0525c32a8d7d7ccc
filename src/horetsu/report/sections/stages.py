"""Relationship stages (distribution, RFM × stage, flow, moved/stalled/cooled) and the journey funnel."""

from __future__ import annotations

import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.pipeline import MOVE_WINDOW_DAYS
from horetsu.report.i18n import JOURNEY_NAMES, STAGES, TEMPERATURES, Tr
from horetsu.report.model import Section, explain, table
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
    """period_from, period_to, from_stage, to_stage, customers (snapshots a year ago, half a year ago, now)."""
    df = data.derived.stage_flow()
    if df is None:
        return None
    out = df[["period_from", "period_to", "from_stage", "to_stage", "customers"]]
    return out[out["customers"] > 0]


MAX_STAGE_MONTHS = 36  # most recent month ends shown


def monthly(data: ReportData) -> pd.DataFrame | None:
    """Customers per stage (columns, in stage order) at each stored snapshot day (index), the last months."""
    df = data.derived.stage_monthly()
    if df is None:
        return None
    wide = df.pivot_table(index="as_of", columns="stage", values="customers", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[s for s in STAGES if s in wide.columns])
    return wide.sort_index().tail(MAX_STAGE_MONTHS)


def movement(data: ReportData) -> pd.DataFrame | None:
    """stage, moved_share (up by the next snapshot), stalled_share, cooled_share, median_days, stalled."""
    df = data.derived.movement()
    if df is None:
        return None
    current = df["current"].astype(float).where(df["current"] > 0)
    out = pd.DataFrame({
        "stage": df["stage"].astype(str),
        "moved_share": df[f"moved_up_within_{MOVE_WINDOW_DAYS}d"].astype(float),
        "stalled_share": (df["stalled"].astype(float) / current).fillna(0.0),
        "cooled_share": df["cooled_share"].astype(float),
        "median_days": df["median_days_before_moving_up"].astype(float),
        "stalled": df["stalled"].astype("int64"),
        "current": df["current"].astype("int64"),
    })
    order = {s: i for i, s in enumerate(STAGES)}
    return out.sort_values("stage", key=lambda s: s.map(order).fillna(99)).reset_index(drop=True)


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
        seg = cust["rfm_segment"].astype(object).where(cust["rfm_segment"].notna(), "__none__")
        names = {s: (tr("s.no_purchase") if s == "__none__" else tr.pick(RFM_SEGMENT_NAMES, s)) for s in seg.unique()}
        m = pd.crosstab(seg.map(names), cust["stage"])
        m = m.reindex(columns=[s for s in STAGES if s in m.columns])
        m.columns = [tr.stage(s) for s in m.columns]
        sec.chart("rfm_stage", figures.count_heatmap(m, tr("fig.rfm_stage"), tr("ax.stage"), tr("ax.rfm_segment"), tr))
    months = monthly(data)
    if months is not None and len(months):
        sec.chart("monthly", figures.stage_months(months, tr))
    fl = flows(data)
    if fl is not None and len(fl):
        sec.chart("flow", figures.stage_flow(fl, tr))
    else:
        sec.missing.append("horetsu.stages.stage_history")
    mv = movement(data)
    if mv is not None and len(mv):
        sec.chart("moves", figures.stage_moves(mv, tr))
        sec.blocks.append(table(
            [tr("t.stage"), tr("t.current"), tr("s.moved"), tr("s.stalled"), tr("s.cooled")],
            # shares only beside the head count, as in the chart (stalled: of those now in the stage)
            [(tr.stage(r.stage), tr.num(r.current), tr.pct(r.moved_share), tr.pct(r.stalled_share), tr.pct(r.cooled_share))
             for r in mv.itertuples()],
            numeric=(1, 2, 3, 4)))
        sec.note = tr("note.movement")
    else:
        sec.missing.append("horetsu.stages.movement_stats")

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


def funnel_frame(data: ReportData) -> pd.DataFrame | None:
    """step, customers (reached the step or a later one), conversion, median_days (all cohorts)."""
    df = data.derived.funnel()
    if df is None:
        return None
    df = df[df["cohort"].astype(str) == "all"].sort_values("step_no")
    return pd.DataFrame({
        "step": df["step"].astype(str).to_numpy(),
        "customers": df["customers"].astype("int64").to_numpy(),
        "conversion": df["conversion"].astype(float).to_numpy(),
        "median_days": df["median_days_from_previous"].astype(float).to_numpy(),
    })


MAX_FUNNEL_COHORTS = 24  # most recent acquisition months shown


def funnel_by_cohort(data: ReportData) -> pd.DataFrame | None:
    """cohort (month of first contact), step_no, share_of_cohort; without the ``all`` and unknown rows."""
    df = data.derived.funnel()
    if df is None:
        return None
    df = df[~df["cohort"].astype(str).isin(["all", "(unknown)"])]
    return df[["cohort", "step_no", "share_of_cohort"]]


def build_journey(data: ReportData, tr: Tr) -> Section:
    sec = Section("journey", tr("sec.journey"))
    df = funnel_frame(data)
    if df is None:
        sec.missing.append("horetsu.stages.journey_funnel")
        return sec
    names = [tr.pick(JOURNEY_NAMES, s) for s in df["step"]]
    sec.chart("funnel", figures.funnel(names, df["customers"].tolist(), tr))
    rows = []
    for name, r in zip(names, df.itertuples(), strict=True):
        rows.append((name, tr.num(r.customers), tr.pct(r.conversion), tr.days(r.median_days)))
    same_day = bool((df["median_days"].iloc[1:].round() == 0).any())
    sec.blocks.append(table([tr("t.step"), tr("t.customers"), tr("t.conversion"), tr("t.median_days")], rows,
                            numeric=(1, 2, 3)) + (explain("journey-days", tr("ex.journey_days")) if same_day else ""))
    by_cohort = funnel_by_cohort(data)
    if by_cohort is not None and len(by_cohort):
        m = by_cohort.pivot_table(index="cohort", columns="step_no", values="share_of_cohort", aggfunc="first")
        m = m.sort_index().tail(MAX_FUNNEL_COHORTS)
        m.columns = [names[int(c) - 1] for c in m.columns]
        sec.chart("cohorts", figures.share_heatmap(m, tr("fig.funnel_cohorts"), tr("ax.step"), tr("ax.first_contact"), tr))
    conv = df["conversion"].iloc[1:]
    if conv.notna().any():
        i = int(conv.idxmin())  # index labels are positions (0..6)
        sec.takeaway = tr("tk.journey", a=names[i - 1], b=names[i], conv=tr.pct(df["conversion"].iloc[i]))
        sec.action = tr("act.journey")
    return sec
