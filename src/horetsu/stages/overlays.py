"""Overlays: RFM × stage, CPM × stage, and the journey funnel by acquisition cohort.

RFM records results; putting the relationship stage next to it shows which RFM cells
hold relationships that are still forming and which hold supporters.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from horetsu.errors import AnalysisError
from horetsu.stages.classifier import classify_frame
from horetsu.stages.policy import JOURNEY_LABELS, JOURNEY_STEPS, STAGES, load_stage_policy

# Fixed bands (days since the last purchase; number of purchases), used when the
# analytics results do not provide RFM scores.
R_BANDS = ((30, 5), (90, 4), (180, 3), (365, 2))
F_BANDS = ((10, 5), (5, 4), (3, 3), (2, 2), (1, 1))


def _frame(ws: Any, as_of: Any, customers: Any, classified: Any) -> pd.DataFrame:
    if classified is not None:
        return classified.to_pandas() if isinstance(classified, pa.Table) else classified
    frame, _ = classify_frame(ws, as_of, customers, load_stage_policy(ws), evidence=False)
    return frame


def _customers_df(ws: Any, customers: Any) -> pd.DataFrame | None:
    if customers is None and ws is not None and hasattr(ws, "has_results") and ws.has_results():
        customers = ws.read_result("customers")
    if customers is None:
        return None
    return customers.to_pandas() if isinstance(customers, pa.Table) else pd.DataFrame(customers)


def rfm_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """R (1-5) and F (1-5) bands from the facts of a classified frame; 0 for non-buyers."""
    d = pd.to_numeric(frame["as_of_day"]).astype("float64")
    rec = d - pd.to_numeric(frame["last_order_day"], errors="coerce").astype("float64")
    n = pd.to_numeric(frame["n_orders"], errors="coerce").fillna(0)
    r = np.select([rec <= lim for lim, _ in R_BANDS], [score for _, score in R_BANDS], default=1)
    f = np.select([n >= lim for lim, _ in F_BANDS], [score for _, score in F_BANDS], default=0)
    buyer = (n >= 1).to_numpy()
    return pd.DataFrame({"customer_id": frame["customer_id"].to_numpy(),
                         "rfm_r": np.where(buyer, r, 0), "rfm_f": np.where(buyer, f, 0)})


def _crosstab(frame: pd.DataFrame, keys: list[str]) -> pa.Table:
    counts = frame.groupby([*keys, "stage"]).size().rename("customers").reset_index()
    wide = counts.pivot_table(index=keys, columns="stage", values="customers", fill_value=0, aggfunc="sum")
    wide = wide.reindex(columns=list(STAGES), fill_value=0)
    long = wide.stack().rename("customers").reset_index()
    totals = long.groupby(keys)["customers"].transform("sum")
    long["share_of_cell"] = long["customers"] / totals.where(totals > 0, 1)
    long["customers"] = long["customers"].astype("int64")
    return pa.Table.from_pandas(long, preserve_index=False)


def rfm_by_stage(ws: Any = None, as_of: Any = None, customers: Any = None, classified: Any = None,
                 columns: tuple[str, str] | None = None) -> pa.Table:
    """Customers per (R, F) cell and stage: rfm_r, rfm_f, stage, customers, share_of_cell.

    Uses ``rfm_r`` / ``rfm_f`` (or ``columns``) from ``customers`` when given; otherwise the
    fixed bands of this module (R: ≤30, ≤90, ≤180, ≤365 days, older; F: 1, 2, 3-4, 5-9, 10+).
    """
    frame = _frame(ws, as_of, customers, classified)
    cdf = customers.to_pandas() if isinstance(customers, pa.Table) else customers
    rc, fc = columns or ("rfm_r", "rfm_f")
    if isinstance(cdf, pd.DataFrame) and {rc, fc} <= set(cdf.columns):
        cells = cdf[["customer_id", rc, fc]].rename(columns={rc: "rfm_r", fc: "rfm_f"})
        merged = frame[["customer_id", "stage"]].merge(cells, on="customer_id", how="inner")
    else:
        merged = frame[["customer_id", "stage"]].merge(rfm_cells(frame), on="customer_id")
    return _crosstab(merged, ["rfm_r", "rfm_f"])


def cpm_by_stage(ws: Any = None, as_of: Any = None, customers: Any = None, classified: Any = None,
                 column: str | None = None) -> pa.Table:
    """Customers per CPM segment (and ``cpm_active`` when given) and stage:
    cpm_segment, [cpm_active,] stage, customers, share_of_cell.

    The CPM segment comes from the analytics results (``customers`` or
    ``results/customers.parquet``): ``column`` or the first of cpm_segment, cpm, cpm_class.
    """
    frame = _frame(ws, as_of, customers, classified)
    cdf = _customers_df(ws, customers)
    col = column
    if cdf is not None and col is None:
        col = next((c for c in ("cpm_segment", "cpm", "cpm_class") if c in cdf.columns), None)
    if cdf is None or col is None or col not in cdf.columns:
        raise AnalysisError(
            "no CPM segment column in the customer results; run `horetsu analyze` first",
            ja="顧客の分析結果に CPM 区分がありません。先に `horetsu analyze` を実行してください",
        )
    keys = ["cpm_segment"]
    cells = cdf[["customer_id", col]].rename(columns={col: "cpm_segment"})
    if "cpm_active" in cdf.columns:  # the analytics split each segment into active / lapsed
        cells["cpm_active"] = cdf["cpm_active"].astype("boolean").fillna(False).astype(bool).to_numpy()
        keys.append("cpm_active")
    merged = frame[["customer_id", "stage"]].merge(cells, on="customer_id", how="inner")
    merged["cpm_segment"] = merged["cpm_segment"].fillna("(none)").astype(str)
    return _crosstab(merged, keys)


def journey_days(frame: pd.DataFrame) -> pd.DataFrame:
    """The day each customer reached each journey step (NaN when not reached)."""

    def col(c: str) -> pd.Series:
        return pd.to_numeric(frame[c], errors="coerce").astype("float64")

    n = col("n_orders").fillna(0)
    ncat = col("n_categories").fillna(0)
    second = col("second_order_day")
    out = pd.DataFrame({"customer_id": frame["customer_id"].to_numpy()})
    out["lead"] = pd.concat([col("reg_day"), col("first_lead_day"), col("first_order_day")], axis=1).min(axis=1).to_numpy()
    out["trial"] = col("first_order_day").to_numpy()
    out["repeat"] = second.to_numpy()
    out["subscription"] = col("first_sub_day").to_numpy()
    out["cross_sell"] = pd.concat([second, col("cat2_day")], axis=1).max(axis=1).where((n >= 2) & (ncat >= 2)).to_numpy()
    out["full_line"] = pd.concat([second, col("catk_day")], axis=1).max(axis=1).where(
        (n >= 2) & (ncat >= col("full_line_k"))).to_numpy()
    out["advocate"] = col("first_advocate_day").to_numpy()
    return out


def journey_funnel(ws: Any = None, as_of: Any = None, cohort: str = "month", classified: Any = None) -> pa.Table:
    """The seven-step funnel per acquisition cohort (first contact), plus an ``all`` cohort.

    A customer has reached a step when they reached it or any later step, on the first
    day they reached it or a later one.  Columns: cohort, step_no, step, step_ja,
    customers, share_of_cohort, conversion (from the previous step),
    median_days_from_previous (between those days, among customers who reached both).
    """
    frame = _frame(ws, as_of, None, classified)
    days = journey_days(frame)
    steps = list(JOURNEY_STEPS)
    raw = days[steps].to_numpy(dtype="float64")
    # the day a customer reached step k *or any later step* (steps do not always come in
    # order: a subscription may start before a second order); non-decreasing along k
    mat = np.flip(np.fmin.accumulate(np.flip(raw, axis=1), axis=1), axis=1) if len(raw) else raw
    reached = np.isfinite(mat)
    first_contact = mat[:, 0] if len(mat) else np.array([])
    if cohort not in ("month", "quarter", "year"):
        raise AnalysisError(f"cohort must be month, quarter or year, not {cohort!r}",
                            ja="cohort は month / quarter / year のいずれかです")
    valid = np.isfinite(first_contact)
    # the cohort of each customer as a number (month, quarter or year index), named once per cohort
    day = np.where(valid, first_contact, 0).astype("int64").astype("datetime64[D]")
    months = day.astype("datetime64[M]").astype("int64")  # months since 1970-01
    code = {"month": months, "quarter": months // 3, "year": months // 12}[cohort]
    code = np.where(valid, code, np.iinfo(np.int64).min)  # (unknown)

    def label(c: int) -> str:
        if c == np.iinfo(np.int64).min:
            return "(unknown)"
        if cohort == "month":
            return f"{1970 + c // 12:04d}-{c % 12 + 1:02d}"
        return f"{1970 + c // 4}Q{c % 4 + 1}" if cohort == "quarter" else f"{1970 + c}"

    order = np.argsort(code, kind="stable")
    uniq, starts = np.unique(code[order], return_index=True)
    bounds = dict(zip(uniq.tolist(), zip(starts.tolist(), [*starts[1:].tolist(), len(order)])))
    named = {label(c): c for c in uniq.tolist()}
    rows = []
    gaps = mat[:, 1:] - mat[:, :-1]
    for name in [*sorted(named), "all"]:  # cohorts: a few dozen at most
        if name == "all":
            who = slice(None)
        else:
            lo, hi = bounds[named[name]]
            who = order[lo:hi]
        sub_reached, sub_gaps = reached[who], gaps[who]
        size = len(sub_reached)
        prev = None
        for k, step in enumerate(steps):
            cnt = int(sub_reached[:, k].sum())
            gap = sub_gaps[:, k - 1] if k else np.array([])
            gap = gap[np.isfinite(gap)] if k else gap
            rows.append({
                "cohort": name, "step_no": k + 1, "step": step, "step_ja": JOURNEY_LABELS[step][0],
                "customers": cnt,
                "share_of_cohort": cnt / size if size else 0.0,
                "conversion": (cnt / prev if prev else None) if k else None,
                "median_days_from_previous": float(np.median(gap)) if k and gap.size else None,
            })
            prev = cnt
    return pa.Table.from_pylist(rows)
