"""CLV: P(alive) distribution, valuable customers who are cooling, predicted value, holdout fit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.pipeline import HOLDOUT_WEEKS
from horetsu.report.model import Section, esc, explain, table
from horetsu.report.sections.overview import lapse_days

CLV_COLUMNS = ["customer_id", "p_alive", "clv_12m", "monetary_total", "last_purchase", "temperature", "stage",
               "frequency", "cpm_active"]
VALUABLE_QUANTILE = 0.8  # "valuable" = spent at least the 80th percentile of buyers
ALIVE_THRESHOLD = 0.5
COOLING_LIST = 20


def cooling_valuable(cust: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """Customers in the top spend quintile whose temperature is cooling (or P(alive) below 0.5)."""
    spend = cust["monetary_total"].to_numpy(dtype=float)
    spend = spend[np.isfinite(spend) & (spend > 0)]  # buyers only: leads have spent nothing
    threshold = float(np.quantile(spend, VALUABLE_QUANTILE)) if len(spend) else 0.0
    if "temperature" in cust:
        cooling = cust["temperature"].astype(str) == "cooling"
    else:
        p = cust["p_alive"].to_numpy(dtype=float)
        cooling = pd.Series((p < ALIVE_THRESHOLD) & (p >= 0.2), index=cust.index)
    rows = cust[cooling & (cust["monetary_total"] >= threshold) & (cust["monetary_total"] > 0)]
    return rows.sort_values("monetary_total", ascending=False), threshold


def alive_versus_active(cust: pd.DataFrame) -> dict[str, int] | None:
    """active: buyers active as the overview counts them; inactive / once: of those with P(alive) ≥ 0.5, the
    ones not active, and of these the one-time buyers.  None without the columns."""
    if "cpm_active" not in cust or "frequency" not in cust:
        return None
    buyer = cust["frequency"].to_numpy(dtype=float) >= 1
    active = cust["cpm_active"].astype("boolean").fillna(False).to_numpy(dtype=bool) & buyer
    alive = np.nan_to_num(cust["p_alive"].to_numpy(dtype=float), nan=-1.0) >= ALIVE_THRESHOLD
    once = cust["frequency"].to_numpy(dtype=float) == 1
    return {"active": int(active.sum()), "inactive": int((alive & ~active).sum()),
            "once": int((alive & ~active & once).sum())}


def holdout_frame(data: ReportData) -> tuple[pd.DataFrame, float, dict[str, float]] | None:
    """Cumulative repeat purchases per week, actual vs the model; the calibration end; totals."""
    rep = data.derived.holdout()
    if rep is None:
        return None
    tr_ = rep.tracking
    df = pd.DataFrame({"week": tr_["period"].to_numpy(), "actual": tr_["actual_cum"].astype(float).to_numpy(),
                       "expected": tr_["expected_cum"].astype(float).to_numpy()})
    return df, float(rep.calibration_periods), dict(rep.totals)


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("clv", tr("sec.clv"))
    cust = data.get("customers", columns=CLV_COLUMNS)
    if cust is None:
        sec.missing.append("results/customers.parquet")
        return sec
    if "p_alive" not in cust or "clv_12m" not in cust:
        sec.missing.append("results/customers.parquet: p_alive, clv_12m")
        return sec
    p = cust["p_alive"].to_numpy(dtype=float)
    p = p[np.isfinite(p)]
    counts, edges = np.histogram(p, bins=20, range=(0.0, 1.0))
    sec.chart("p_alive", figures.histogram(edges, counts, tr("fig.p_alive"), tr("ax.p_alive"), tr))
    v = cust["clv_12m"].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    if len(v):
        hi = float(np.quantile(v, 0.99)) or 1.0
        counts, edges = np.histogram(np.clip(v, 0, hi), bins=30, range=(0.0, hi))
        sec.chart("value", figures.histogram(edges, counts, tr("fig.clv_dist"), tr("ax.clv_yen"), tr, money=True,
                                             colour=theme.GREEN))
    rows, threshold = cooling_valuable(cust)
    if len(rows):
        listed = rows.head(COOLING_LIST)
        heading = tr("fig.cooling_valuable")
        if len(rows) > len(listed):
            heading = tr("t.with_note", title=heading, note=tr("t.top_n", n=len(listed)))
        # the temperature rule reads the customer's own rhythm; P(alive) only ever cools: say so beside a high one
        why = explain("cooling-p-alive", tr("ex.cooling_alive")) if (listed["p_alive"] >= ALIVE_THRESHOLD).any() else ""
        sec.blocks.append(f"<h3>{esc(heading)}</h3>" + why + table(
            [tr("t.customer"), tr("t.monetary"), tr("t.last_purchase"), tr("t.p_alive"), tr("t.clv")],
            [(r.customer_id, tr.yen(r.monetary_total), str(r.last_purchase)[:10] if "last_purchase" in cust else "–",
              f"{r.p_alive:.2f}", tr.yen(r.clv_12m)) for r in listed.itertuples()],
            numeric=(1, 3, 4),
        ))
    ho = holdout_frame(data)
    if ho is not None and len(ho[0]):
        df, cal_end, totals = ho
        sec.chart("holdout", figures.holdout(df, tr, cal_end))
        actual, expected = totals["actual_holdout"], totals["expected_holdout"]
        err = abs(expected - actual) / actual if actual else float("nan")
        sec.note = tr("tk.holdout", actual=tr.num(actual), expected=tr.num(expected), error=tr.pct(err),
                      weeks=tr.num(totals.get("holdout_weeks", HOLDOUT_WEEKS)))
    else:
        sec.missing.append("horetsu.models.holdout_report")
    alive = int((p >= ALIVE_THRESHOLD).sum())
    sec.takeaway = tr("tk.clv", alive=tr.num(alive), thr=tr.yen(threshold), cooling=tr.num(len(rows)))
    versus = alive_versus_active(cust)
    if versus is not None and versus["active"] != alive:
        sec.explain.append(explain("alive-vs-active", tr(
            "ex.alive_active", active=tr.num(versus["active"]), days=tr.days(lapse_days(data)), alive=tr.num(alive),
            inactive=tr.num(versus["inactive"]), once=tr.num(versus["once"]))))
    sec.action = tr("act.clv")
    return sec
