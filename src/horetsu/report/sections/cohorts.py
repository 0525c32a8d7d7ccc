"""Cohort heatmap (share of each cohort buying per month) and LTV curves."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section

MAX_MONTHS = 12  # columns shown in the heatmap (labelled cells stay readable)
MAX_LTV_MONTHS = 24  # length of the LTV curves
MAX_COHORTS = 24  # most recent cohorts shown


def _overall(df: pd.DataFrame) -> pd.DataFrame:
    if "split" in df.columns:
        df = df[df["split"].astype(str) == "all"]
    return df


def frame(data: ReportData) -> pd.DataFrame | None:
    """cohort, months_since, active_share, ltv for the whole base; only complete months."""
    df = data.get("cohorts")
    if df is None:
        return None
    df = _overall(df)
    if "complete" in df.columns:
        df = df[df["complete"].astype(bool)]
    return pd.DataFrame({
        "cohort": pd.to_datetime(df["cohort"]),
        "months_since": df["months_since"].astype(int),
        "cohort_size": df["cohort_size"].astype("int64"),
        "active_share": df["active_share"].astype(float),
        "ltv": df["ltv"].astype(float),
    })


def pooled(data: ReportData) -> pd.DataFrame | None:
    """months_since, ltv pooled over all cohorts old enough (``results/cohort_ltv``)."""
    df = data.get("cohort_ltv")
    if df is None:
        return None
    df = _overall(df)
    return pd.DataFrame({"months_since": df["months_since"].astype(int), "ltv": df["ltv"].astype(float)})


def recent_vs_older(df: pd.DataFrame, month: int = 3, recent: int = 6) -> float | None:
    """LTV at ``month`` of the latest ``recent`` cohorts over that of the older ones, minus one."""
    at = df[df["months_since"] == month].sort_values("cohort")
    if len(at) < recent + 3:
        return None
    new, old = at.tail(recent), at.iloc[:-recent]
    w_new = np.average(new["ltv"], weights=new["cohort_size"]) if new["cohort_size"].sum() else np.nan
    w_old = np.average(old["ltv"], weights=old["cohort_size"]) if old["cohort_size"].sum() else np.nan
    if not (np.isfinite(w_new) and np.isfinite(w_old)) or w_old == 0:
        return None
    return float(w_new / w_old - 1.0)


def _trend_action(df: pd.DataFrame, tr: Tr) -> str:
    change = recent_vs_older(df)
    if change is None:
        return tr("act.cohorts")
    if change < -0.05:
        return tr("act.cohorts.lower", change=tr.pct(-change))
    return tr("act.cohorts.holding", change=tr.signed_pct(change))


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("cohorts", tr("sec.cohorts"))
    df = frame(data)
    if df is None:
        sec.missing.append("results/cohorts.parquet")
        return sec
    if not len(df):
        return sec
    recent = sorted(df["cohort"].unique())[-MAX_COHORTS:]
    shown = df[df["cohort"].isin(recent) & (df["months_since"] <= MAX_MONTHS)]
    matrix = shown.pivot_table(index="cohort", columns="months_since", values="active_share", aggfunc="first")
    sec.chart("heatmap", figures.cohort_heatmap(matrix.sort_index(), tr))
    pool = pooled(data)
    if pool is None:
        sec.missing.append("results/cohort_ltv.parquet")
    curves = df[df["cohort"].isin(recent) & (df["months_since"] <= MAX_LTV_MONTHS)]
    sec.chart("ltv", figures.ltv_curves(curves, tr,
                                        pooled=None if pool is None else pool[pool["months_since"] <= MAX_LTV_MONTHS]))
    ltv_all = data.get("cohort_ltv")
    if ltv_all is not None and "split" in ltv_all.columns:
        ch = ltv_all[(ltv_all["split"].astype(str) == "channel") & ltv_all["split_value"].notna()
                     & (ltv_all["months_since"] <= MAX_LTV_MONTHS)]
        if ch["split_value"].nunique() > 1:
            sec.chart("ltv_channel", figures.ltv_by_split(ch, tr("fig.ltv_channel"), tr))
    # customer-weighted mean over cohorts old enough to have month 3
    m3 = df[df["months_since"] == 3]
    m3_share = float(np.average(m3["active_share"], weights=m3["cohort_size"])) if m3["cohort_size"].sum() else float("nan")
    # LTV after 12 months, or after the longest span every pooled cohort has when the shop is younger
    months, ltv = 12, float("nan")
    if pool is not None and len(pool):
        ok = pool[(pool["months_since"] <= 12) & pool["ltv"].notna()]
        if len(ok):
            months = int(ok["months_since"].max())
            ltv = float(ok.loc[ok["months_since"] == months, "ltv"].iloc[0])
    sec.takeaway = tr("tk.cohorts", m3=tr.pct(m3_share), months=tr.num(months), ltv=tr.yen(ltv))
    sec.action = _trend_action(df, tr)
    return sec
