"""F2 conversion within N days, the F2→F5 ladder, and repurchase intervals per category."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, table
from horetsu.report.sections._util import col

SPLITS = ("cohort", "first_category", "category", "channel", "split", "dimension")


def _overall(df: pd.DataFrame) -> pd.DataFrame:
    for split in SPLITS:
        if split in df.columns:
            df = df[df[split].isna() | df[split].astype(str).isin(["", "all", "__all__"])]
    return df


def f2_curve(data: ReportData) -> pd.DataFrame | None:
    """within_days, rate (share of first-time buyers with a second purchase within that many days)."""
    df = data.get("f2")
    if df is None:
        return None
    df = _overall(df)
    out = pd.DataFrame({
        "within_days": df[col(df, "within_days", "days", "window_days")].astype(int),
        "rate": df[col(df, "rate", "f2_rate", "share")].astype(float),
    })
    return out.groupby("within_days", as_index=False)["rate"].mean().sort_values("within_days")


def ladder_frame(data: ReportData) -> pd.DataFrame | None:
    """step label, rate (conversion from the previous step), customers reaching the step."""
    df = data.get("ladder")
    if df is None:
        return None
    df = _overall(df)
    step = df[col(df, "step", "to_step", "purchase_number")]
    labels = [f"F{int(s)}" if str(s).isdigit() else str(s) for s in step]
    return pd.DataFrame({
        "step": labels,
        "rate": df[col(df, "rate", "conversion", "share")].astype(float).to_numpy(),
        "customers": df[col(df, "customers", "to_customers", "reached")].astype("int64").to_numpy(),
    })


def build_f2(data: ReportData, tr: Tr) -> Section:
    sec = Section("f2", tr("sec.f2"))
    curve = f2_curve(data)
    lad = ladder_frame(data)
    if curve is None:
        sec.missing.append("results/f2.parquet")
    if lad is None:
        sec.missing.append("results/ladder.parquet")
    if curve is not None and len(curve):
        sec.chart("within", figures.f2_within(curve["within_days"].tolist(), curve["rate"].tolist(), tr))
        final = float(curve["rate"].iloc[-1])
        # "most who return do so within N days": the first window holding half of the final rate.
        reached = curve[curve["rate"] >= final / 2]
        days = int(reached["within_days"].iloc[0]) if len(reached) else int(curve["within_days"].iloc[-1])
        never = 1.0 - final
        cust = data.get("customers", columns=["frequency"])
        if cust is not None and len(cust):
            freq = cust["frequency"].to_numpy(dtype=float)
            never = float((freq[freq >= 1] == 1).mean())
        sec.takeaway = tr("tk.f2", never=tr.pct(never), days=tr.num(days))
        sec.action = tr("act.f2", days=tr.num(days))
    if lad is not None and len(lad):
        sec.chart("ladder", figures.ladder(lad["step"].tolist(), lad["rate"].tolist(), lad["customers"].tolist(), tr))
    return sec


def intervals_frame(data: ReportData) -> pd.DataFrame | None:
    df = data.get("intervals_category")
    if df is None:
        return None
    out = pd.DataFrame({
        "category": df[col(df, "category")].astype(str),
        "n": df[col(df, "n", "intervals", "count")].astype("int64"),
        "median_days": df[col(df, "median_days", "median", "p50_days")].astype(float),
        "p80_days": df[col(df, "p80_days", "p80", "q80_days")].astype(float),
    })
    return out[out["n"] > 0].sort_values("n", ascending=False).reset_index(drop=True)


def build_intervals(data: ReportData, tr: Tr) -> Section:
    sec = Section("intervals", tr("sec.intervals"))
    df = intervals_frame(data)
    if df is None:
        sec.missing.append("results/intervals_category.parquet")
        return sec
    if not len(df):
        return sec
    top = df.head(15)
    sec.chart("categories", figures.intervals(top, tr))
    rows = [
        (r.category, tr.num(r.n), tr.days(r.median_days), tr.days(r.p80_days),
         f"{tr.days(r.median_days)} – {tr.days(r.p80_days)}")
        for r in top.itertuples()
    ]
    sec.blocks.append(table([tr("t.category"), tr("t.n"), tr("t.median"), tr("t.p80"), tr("t.follow_up")], rows,
                            numeric=(1, 2, 3)))
    main = df.iloc[0]
    if np.isfinite(main["median_days"]):
        sec.takeaway = tr("tk.intervals", category=main["category"], median=tr.days(main["median_days"]),
                          p80=tr.days(main["p80_days"]))
        sec.action = tr("act.intervals")
    return sec
