"""Cohort heatmap (share still buying) and LTV curves (cumulative revenue per acquired customer)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section
from horetsu.report.sections._util import col, has_col

MAX_MONTHS = 24  # columns shown in the heatmap
MAX_COHORTS = 24  # most recent cohorts shown


def frame(data: ReportData) -> pd.DataFrame | None:
    """cohort, months_since, active_share, ltv — overall (not split by category/channel)."""
    df = data.get("cohorts")
    if df is None:
        return None
    for split in ("first_category", "channel", "split", "dimension"):
        if split in df.columns:  # keep the overall rows only
            df = df[df[split].isna() | (df[split].astype(str).isin(["", "all", "__all__"]))]
    out = pd.DataFrame({
        "cohort": pd.to_datetime(df[col(df, "cohort", "cohort_month", "acquisition_month")]),
        "months_since": df[col(df, "months_since", "month_index", "period")].astype(int),
        "active_share": df[col(df, "active_share", "active_rate", "retention")].astype(float),
    })
    if has_col(df, "ltv", "cum_revenue_per_customer", "ltv_per_customer", "cumulative_revenue_per_customer"):
        out["ltv"] = df[col(df, "ltv", "cum_revenue_per_customer", "ltv_per_customer",
                            "cumulative_revenue_per_customer")].astype(float)
    else:
        ltv = data.get("cohort_ltv")
        if ltv is not None:
            lt = pd.DataFrame({
                "cohort": pd.to_datetime(ltv[col(ltv, "cohort", "cohort_month", "acquisition_month")]),
                "months_since": ltv[col(ltv, "months_since", "month_index", "period")].astype(int),
                "ltv": ltv[col(ltv, "ltv", "cum_revenue_per_customer", "ltv_per_customer",
                               "cumulative_revenue_per_customer")].astype(float),
            })
            out = out.merge(lt, on=["cohort", "months_since"], how="left")
    return out


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("cohorts", tr("sec.cohorts"))
    df = frame(data)
    if df is None:
        sec.missing.append("results/cohorts.parquet")
        return sec
    recent = sorted(df["cohort"].unique())[-MAX_COHORTS:]
    shown = df[df["cohort"].isin(recent) & (df["months_since"] <= MAX_MONTHS)]
    matrix = shown.pivot_table(index="cohort", columns="months_since", values="active_share", aggfunc="first")
    matrix = matrix.sort_index()
    sec.chart("heatmap", figures.cohort_heatmap(matrix, tr))
    m3 = df.loc[df["months_since"] == 3, "active_share"]
    m3_mean = float(m3.mean()) if len(m3) else float("nan")
    ltv12 = float("nan")
    if "ltv" in df and df["ltv"].notna().any():
        sec.chart("ltv", figures.ltv_curves(shown.dropna(subset=["ltv"]), tr))
        v = df.loc[df["months_since"] == 12, "ltv"]
        ltv12 = float(v.mean()) if len(v) else float("nan")
    else:
        sec.missing.append("results/cohort_ltv.parquet")
    if np.isfinite(m3_mean) or np.isfinite(ltv12):
        sec.takeaway = tr("tk.cohorts", m3=tr.pct(m3_mean), ltv12=tr.yen(ltv12))
        sec.action = tr("act.cohorts")
    return sec
