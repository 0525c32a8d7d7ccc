"""RFM matrix and segments, the CPM ten cells, revenue deciles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.analytics import labels as _labels
from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import CPM_NAMES, CPM_SEGMENTS, Tr
from horetsu.report.model import Section
from horetsu.report.sections._util import col, need, need_columns

SEGMENT_COLUMNS = ["customer_id", "frequency", "monetary_total", "rfm_r", "rfm_f", "rfm_m", "rfm_segment",
                   "cpm_segment", "cpm_active"]

# Segment names come from analytics, the part that defines the segments.
RFM_SEGMENT_NAMES = _labels.RFM_SEGMENTS


def _customers(data: ReportData) -> pd.DataFrame | None:
    return data.get("customers", columns=SEGMENT_COLUMNS)


def rfm_cells(data: ReportData) -> pd.DataFrame:
    """rfm_r, rfm_f, customers, revenue."""
    df = data.get("rfm_matrix")
    if df is not None:
        return pd.DataFrame({
            "rfm_r": df[col(df, "rfm_r", "r")].astype(int),
            "rfm_f": df[col(df, "rfm_f", "f")].astype(int),
            "customers": df[col(df, "customers", "n")].astype("int64"),
            "revenue": df[col(df, "revenue", "monetary_total", "revenue_jpy")].astype(float),
        })
    cust = _customers(data)
    assert cust is not None
    return (cust.groupby(["rfm_r", "rfm_f"], as_index=False)
            .agg(customers=("customer_id", "size"), revenue=("monetary_total", "sum")))


def _fallback_ok(sec: Section, data: ReportData, result: str, *columns: str) -> bool:
    """``result`` exists, or the customer table has the columns to compute it from."""
    if data.get(result) is not None:
        return True
    got = need(sec, data, "customers")
    return got is not None and need_columns(sec, _customers(data), "customers", *columns)


def build_rfm(data: ReportData, tr: Tr) -> Section:
    sec = Section("rfm", tr("sec.rfm"))
    if not _fallback_ok(sec, data, "rfm_matrix", "rfm_r", "rfm_f", "monetary_total"):
        return sec
    cells = rfm_cells(data)
    matrix = (cells.pivot_table(index="rfm_r", columns="rfm_f", values="customers", aggfunc="sum", fill_value=0)
              .sort_index(ascending=False))
    sec.chart("matrix", figures.rfm_matrix(matrix, tr))
    seg = data.get("rfm_segments")
    if seg is None:
        cust = _customers(data)
        if cust is not None and "rfm_segment" not in cust:
            cust = None
        seg = (cust.groupby("rfm_segment", as_index=False)
               .agg(customers=("customer_id", "size"), revenue=("monetary_total", "sum"))) if cust is not None else None
    if seg is not None and len(seg):
        seg = seg.sort_values("revenue", ascending=False)
        names = [tr.pick(RFM_SEGMENT_NAMES, s) for s in seg["rfm_segment"]]
        sec.chart("segments", figures.segment_bars(names, seg["customers"].tolist(), seg["revenue"].tolist(),
                                                   tr("fig.rfm_segments"), tr, tr("ax.rfm_segment")))
    n_all = float(cells["customers"].sum())
    rev_all = float(cells["revenue"].sum())
    top = cells[(cells["rfm_r"] >= 4) & (cells["rfm_f"] >= 4)]
    winback = cells[(cells["rfm_r"] <= 2) & (cells["rfm_f"] >= 3)]
    if n_all:
        sec.takeaway = tr("tk.rfm", n=tr.num(top["customers"].sum()), share=tr.pct(top["customers"].sum() / n_all),
                          rev_share=tr.pct(top["revenue"].sum() / rev_all if rev_all else float("nan")))
        sec.action = tr("act.rfm", winback=tr.num(winback["customers"].sum()))
    return sec


def cpm_frame(data: ReportData) -> pd.DataFrame:
    """cpm_segment, cpm_active, customers, revenue (all ten cells, zero-filled)."""
    df = data.get("cpm_cells")
    if df is not None:
        out = pd.DataFrame({
            "cpm_segment": df[col(df, "cpm_segment", "segment")].astype(str),
            "cpm_active": df[col(df, "cpm_active", "active")].astype(bool),
            "customers": df[col(df, "customers", "n")].astype("int64"),
            "revenue": df[col(df, "revenue", "monetary_total", "revenue_jpy")].astype(float),
        })
    else:
        cust = _customers(data)
        assert cust is not None
        out = (cust.assign(cpm_active=cust["cpm_active"].fillna(False).astype(bool))
               .groupby(["cpm_segment", "cpm_active"], as_index=False)
               .agg(customers=("customer_id", "size"), revenue=("monetary_total", "sum")))
    grid = pd.MultiIndex.from_product([CPM_SEGMENTS, [True, False]], names=["cpm_segment", "cpm_active"]).to_frame(
        index=False)
    out = grid.merge(out.groupby(["cpm_segment", "cpm_active"], as_index=False)[["customers", "revenue"]].sum(),
                     how="left", on=["cpm_segment", "cpm_active"])
    return out.fillna({"customers": 0, "revenue": 0.0})


def cpm_flow(data: ReportData, tr: Tr) -> tuple[pd.DataFrame, str, str] | None:
    """``results/cpm_transitions`` as labelled Sankey links, with the two dates."""
    df = data.get("cpm_transitions")
    if df is None or not len(df):
        return None
    names = {s: tr.pick(CPM_NAMES, s) for s in CPM_SEGMENTS}
    state = {True: tr("s.cpm_active"), False: tr("s.cpm_lapsed")}

    def label(seg: object, active: object) -> str:
        if seg is None or (isinstance(seg, float) and np.isnan(seg)) or pd.isna(seg):
            return tr("s.new_customers")
        return f"{names.get(str(seg), str(seg))}・{state[bool(active)]}"

    def colour(seg: object, active: object) -> str:
        if pd.isna(seg):
            return theme.BLACK
        return theme.CPM_COLOURS.get(str(seg), theme.GREY) if bool(active) else theme.GREY

    order = {s: i for i, s in enumerate(CPM_SEGMENTS)}
    df = df[df["customers"] > 0].copy()
    def rank(seg: object, active: object) -> int:
        return -1 if pd.isna(seg) else 2 * order.get(str(seg), 9) + (0 if bool(active) else 1)

    df["_o"] = [rank(s, a) for s, a in zip(df["from_segment"], df["from_active"], strict=True)]
    df["to_order"] = [rank(s, a) for s, a in zip(df["to_segment"], df["to_active"], strict=True)]
    df = df.sort_values(["_o", "to_order"])
    flows = pd.DataFrame({
        "from_label": [label(s, a) for s, a in zip(df["from_segment"], df["from_active"], strict=True)],
        "from_colour": [colour(s, a) for s, a in zip(df["from_segment"], df["from_active"], strict=True)],
        "to_label": [label(s, a) for s, a in zip(df["to_segment"], df["to_active"], strict=True)],
        "to_colour": [colour(s, a) for s, a in zip(df["to_segment"], df["to_active"], strict=True)],
        "customers": df["customers"].astype("int64").to_numpy(),
        "to_order": df["to_order"].to_numpy(),
    })
    left = str(data.meta.get("cpm_transitions_from") or "")
    right = str(data.as_of or "")
    return flows, left, right


def build_cpm(data: ReportData, tr: Tr) -> Section:
    sec = Section("cpm", tr("sec.cpm"))
    if not _fallback_ok(sec, data, "cpm_cells", "cpm_segment", "cpm_active", "monetary_total"):
        return sec
    cells = cpm_frame(data)
    names = {s: tr.pick(CPM_NAMES, s) for s in CPM_SEGMENTS}
    rows = {True: tr("s.cpm_active"), False: tr("s.cpm_lapsed")}
    for value, key, title in (("customers", "cells", "fig.cpm_cells"), ("revenue", "revenue", "fig.cpm_revenue")):
        m = cells.pivot_table(index="cpm_active", columns="cpm_segment", values=value, aggfunc="sum", fill_value=0)
        m = m.reindex(index=[True, False], columns=list(CPM_SEGMENTS), fill_value=0)
        m.index = [rows[i] for i in m.index]
        m.columns = [names[c] for c in m.columns]
        sec.chart(key, figures.cpm_cells(m, tr(title), tr, money=value == "revenue"))
    flow = cpm_flow(data, tr)
    if flow is not None:
        sec.chart("flow", figures.two_date_flow(flow[0], tr("fig.cpm_flow"), flow[1], flow[2], tr))
    total = float(cells["customers"].sum())
    first = float(cells.loc[(cells["cpm_segment"] == "first_time") & cells["cpm_active"], "customers"].sum())
    lost_loyal = float(cells.loc[(cells["cpm_segment"] == "loyal") & ~cells["cpm_active"], "customers"].sum())
    if total:
        sec.takeaway = tr("tk.cpm", first=tr.num(first), first_share=tr.pct(first / total), lost_loyal=tr.num(lost_loyal))
        sec.action = tr("act.cpm")
    return sec


def decile_frame(data: ReportData) -> pd.DataFrame:
    df = data.get("deciles")
    if df is not None:
        out = pd.DataFrame({
            "decile": df[col(df, "decile")].astype(int),
            "revenue": df[col(df, "revenue", "monetary_total", "revenue_jpy")].astype(float),
        })
        return out.groupby("decile", as_index=False)["revenue"].sum().sort_values("decile")
    cust = _customers(data)
    assert cust is not None
    m = np.sort(cust["monetary_total"].to_numpy(dtype=float))[::-1]
    dec = (np.arange(len(m)) * 10 // max(len(m), 1)) + 1
    return pd.DataFrame({"decile": dec, "revenue": m}).groupby("decile", as_index=False)["revenue"].sum()


def build_deciles(data: ReportData, tr: Tr) -> Section:
    sec = Section("deciles", tr("sec.deciles"))
    if not _fallback_ok(sec, data, "deciles", "monetary_total"):
        return sec
    df = decile_frame(data)
    total = float(df["revenue"].sum())
    if not total:
        return sec
    share = (df["revenue"] / total).to_numpy()
    sec.chart("revenue", figures.deciles(df["decile"].tolist(), share.tolist(), tr))
    sec.takeaway = tr("tk.deciles", top1=tr.pct(share[0]), top2=tr.pct(share[:2].sum()))
    sec.action = tr("act.deciles")
    return sec
