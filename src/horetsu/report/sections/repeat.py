"""F2 conversion within N days, the F2→F5 ladder, and repurchase intervals per category."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.report import figures
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, table


F2_CATEGORY_WINDOW = 90  # days: long enough for most repurchases, short enough to act on


def f2_curve(data: ReportData) -> pd.DataFrame | None:
    """within_days, rate: share of first-time buyers (old enough) who bought again within that many days."""
    df = data.get("f2")
    if df is None:
        return None
    out = pd.DataFrame({"within_days": df["window_days"].astype(int), "rate": df["rate"].astype(float)})
    return out.dropna().sort_values("within_days").reset_index(drop=True)


def ladder_frame(data: ReportData) -> pd.DataFrame | None:
    """step label (F2..), rate (conversion from the previous step), customers reaching the step."""
    df = data.get("ladder")
    if df is None:
        return None
    df = df[df["step"].astype(int) >= 2].sort_values("step")
    return pd.DataFrame({
        "step": [f"F{int(s)}" for s in df["step"]],
        "rate": df["conversion"].astype(float).to_numpy(),
        "customers": df["customers"].astype("int64").to_numpy(),
        "median_days": df["median_days"].astype(float).to_numpy() if "median_days" in df else np.nan,
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
        if lad is not None and len(lad) and np.isfinite(lad["median_days"].iloc[0]):
            days = int(round(float(lad["median_days"].iloc[0])))  # median days from 1st to 2nd purchase
        else:  # the first window holding half of the final rate
            reached = curve[curve["rate"] >= final / 2]
            days = int(reached["within_days"].iloc[0]) if len(reached) else int(curve["within_days"].iloc[-1])
        never = 1.0 - final
        cust = data.get("customers", columns=["frequency"])
        if cust is not None and len(cust):
            freq = cust["frequency"].to_numpy(dtype=float)
            never = float((freq[freq >= 1] == 1).mean())
        sec.takeaway = tr("tk.f2", never=tr.pct(never), days=tr.days(days))
        sec.action = tr("act.f2", days=tr.days(days))
    cat = data.get("f2_by_category")
    if cat is not None and len(cat):
        window = F2_CATEGORY_WINDOW if (cat["window_days"] == F2_CATEGORY_WINDOW).any() else int(cat["window_days"].max())
        c = cat[(cat["window_days"] == window) & cat["first_category"].notna() & (cat["eligible"] > 0)]
        c = c.sort_values("rate", ascending=False)
        if len(c):
            sec.chart("category", figures.f2_by_category(c["first_category"].astype(str).tolist(), c["rate"].tolist(),
                                                         c["eligible"].astype(int).tolist(), window, tr))
    if lad is not None and len(lad):
        sec.chart("ladder", figures.ladder(lad["step"].tolist(), lad["rate"].tolist(), lad["customers"].tolist(), tr))
    return sec


def intervals_frame(data: ReportData, tr: Tr) -> pd.DataFrame | None:
    """category (the all-purchases row first), intervals, median_days, p80_days."""
    df = data.get("intervals_category")
    if df is None:
        return None
    out = pd.DataFrame({
        "category": df["category"],
        "n": df["intervals"].astype("int64"),
        "median_days": df["median_days"].astype(float),
        "p80_days": df["p80_days"].astype(float),
    })
    out["all"] = out["category"].isna()  # the row with no category covers every purchase day
    out["category"] = out["category"].astype(object).where(~out["all"], tr("s.all_categories")).astype(str)
    out = out[out["n"] > 0].sort_values(["all", "n"], ascending=[False, False])
    return out.reset_index(drop=True)


def build_intervals(data: ReportData, tr: Tr) -> Section:
    sec = Section("intervals", tr("sec.intervals"))
    df = intervals_frame(data, tr)
    if df is None:
        sec.missing.append("results/intervals_category.parquet")
        return sec
    if not len(df):
        return sec
    top = df.head(16)
    sec.chart("categories", figures.intervals(top, tr))
    rows = [
        (r.category, tr.num(r.n), tr.days(r.median_days), tr.days(r.p80_days),
         f"{tr.days(r.median_days)} – {tr.days(r.p80_days)}")
        for r in top.itertuples()
    ]
    sec.blocks.append(table([tr("t.category"), tr("t.n"), tr("t.median"), tr("t.p80"), tr("t.follow_up")], rows,
                            numeric=(1, 2, 3)))
    cats = df[~df["all"]]
    main = cats.iloc[0] if len(cats) else df.iloc[0]  # the category with the most repurchases
    if np.isfinite(main["median_days"]):
        sec.takeaway = tr("tk.intervals", category=main["category"], median=tr.days(main["median_days"]),
                          p80=tr.days(main["p80_days"]))
        sec.action = tr("act.intervals")
    return sec
