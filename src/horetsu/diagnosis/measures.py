"""The shop's own numbers for the diagnosis, as of the stored results' day.

Everything is set-based: Ibis expressions over the canonical tables (one aggregate row
each) and Arrow group-bys over the stored per-customer results.  Periods (as-of day D,
lapse window L, default 90 days):

* the last 12 months: order / event days in (D − 365, D];
* the hidden-churn cohort: first purchase day in (D − 365 − L, D − L], so every member's
  L days are observed;
* the 12-month cohort: first purchase day in (D − 730, D − 365], so every member's first
  365 days are observed.

Purchases follow the analytics' rule (paid orders; a purchase is a purchase day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.analytics.base import days_between, make_ctx
from horetsu.analytics.repeat import FIRST_YEAR_DAYS
from horetsu.core.dates import to_day
from horetsu.diagnosis.kpis import Kpi, no_data
from horetsu.nps.stats import estimate as nps_estimate
from horetsu.diagnosis.quiz import STAGES, Settings
from horetsu.diagnosis.results import StoredResults
from horetsu.diagnosis.stepmail import StepMailEvidence, from_events

YEAR = FIRST_YEAR_DAYS  # the 12-month windows and cohorts; the first year as analyze stores it
TEMPERATURES = ("active", "cooling", "lapsed")


@dataclass
class Measurements:
    as_of: dt.date
    kpis: dict[str, Kpi]
    pools: dict[str, float | None]
    values: dict[str, float | None]
    stages: dict[str, Any]
    step_mails: StepMailEvidence
    settings: Settings = field(default_factory=Settings)


def _ratio(num: Any, den: Any) -> float | None:
    return float(num) / float(den) if den else None


def _row(expr: Any) -> dict[str, Any]:
    return {k: (0 if v is None else v) for k, v in expr.to_pyarrow().to_pylist()[0].items()}


# ---------------------------------------------------------------- first purchases
def first_purchase_facts(ws: Any, stored: StoredResults, s: Settings) -> dict[str, Any]:
    """Counts and sums over first-time buyers: the two cohorts and the last 12 months' new buyers.

    Read from the stored per-customer results (first and second purchase day, first-day and
    first-year revenue, decided once by :func:`horetsu.analytics.repeat.acquisition`); only
    the voice events of the hidden-churn cohort are read from the events table.
    """
    c = stored.customers
    missing = {"second_purchase", "first_day_revenue", "first_year_revenue"} - set(c.column_names)
    if missing:
        from horetsu.results import NoResultsError

        raise NoResultsError(f"the results lack {sorted(missing)}; run `horetsu analyze -w {ws.path}`",
                             ja=f"分析結果に {sorted(missing)} がありません。`horetsu analyze -w {ws.path}` を実行してください")
    c = c.filter(pc.is_valid(c["first_purchase"]))
    d1 = _days(c["first_purchase"])
    gap = _days(c["second_purchase"]) - d1  # NaN: no second purchase day
    first_rev = pc.fill_null(c["first_day_revenue"], 0).to_numpy().astype(np.int64)
    rev_year = pc.fill_null(c["first_year_revenue"], 0).to_numpy().astype(np.int64)
    lapse = s.lapse_window_days
    age = float(to_day(stored.as_of)) - d1
    c_lapse = (age >= lapse) & (age < YEAR + lapse)
    c_year = (age >= YEAR) & (age < 2 * YEAR)
    new = age < YEAR
    lapsed = ~(gap <= lapse)
    repeat = gap <= YEAR
    silent = c_lapse & lapsed
    if silent.any() and s.voice_events:
        rows = np.flatnonzero(silent)
        silent[rows[_spoke(ws, c.take(pa.array(rows)), d1[rows], stored.as_of, s)]] = False
    return {"c90": int(c_lapse.sum()), "c90_lapsed": int((c_lapse & lapsed).sum()), "c90_silent": int(silent.sum()),
            "c12": int(c_year.sum()), "c12_repeat": int((c_year & repeat).sum()),
            "c12_rev": int(rev_year[c_year].sum()), "c12_repeat_rev": int(rev_year[c_year & repeat].sum()),
            "new12": int(new.sum()), "new12_first_rev": int(first_rev[new].sum()), "buyers": int(len(d1)),
            "first_rev": int(first_rev.sum())}  # fmt: skip


def _days(col: Any) -> np.ndarray:
    """Dates as day numbers (:func:`horetsu.core.dates.to_day`'s: date32 counts from the same
    epoch), as floats with NaN where missing."""
    return pc.cast(pc.cast(col, pa.date32()), pa.int32()).to_numpy(zero_copy_only=False).astype(np.float64)


def _spoke(ws: Any, who: pa.Table, d1: np.ndarray, as_of: dt.date, s: Settings) -> np.ndarray:
    """Which of ``who`` (customers with their first purchase day ``d1``) left a voice event within
    the lapse window after it (a set-based join in the engine)."""
    firsts = ibis.memtable(pa.table({"customer_id": who["customer_id"].cast(pa.string()),
                                     "d1": pa.array(d1.astype(np.int32), pa.int32()).cast(pa.date32())}))
    e = ws.table("events")
    voice = e.filter(e.type.isin(list(s.voice_events)), e.customer_id.notnull(), e.event_date <= as_of)
    vj = voice.join(firsts, "customer_id")
    kv = days_between(vj.event_date, vj.d1)
    spoke = vj.filter((kv >= 0) & (kv <= s.lapse_window_days)).select("customer_id").distinct().to_pyarrow()
    return pc.is_in(who["customer_id"].cast(pa.string()), value_set=spoke["customer_id"].cast(pa.string())).to_numpy(
        zero_copy_only=False)


# ---------------------------------------------------------------- orders and events
def order_facts(ws: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Orders in (start, end]: not cancelled, and returned or refunded."""
    o = ws.table("orders")
    o = o.filter(o.order_date > start, o.order_date <= end)
    status = o.status.fill_null("completed")
    return _row(o.aggregate(
        orders=o.count(where=status != "cancelled"),
        returned=o.count(where=status.isin(["returned", "refunded"])),
    ))  # fmt: skip


def inquiry_facts(ws: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    e = ws.table("events")
    e = e.filter(e.type == "inquiry", e.event_date <= end)
    return _row(e.aggregate(ever=e.count(), in_period=e.count(where=e.event_date > start)))


def nps_counts(ws: Any, start: dt.date, end: dt.date) -> dict[str, int]:
    """Promoters, passives, detractors among each customer's latest answer in (start, end]."""
    e = ws.table("events")
    e = e.filter(e.type == "nps_response", e.customer_id.notnull(), e.value.notnull(), e.value >= 0, e.value <= 10,
                 e.event_date > start, e.event_date <= end)
    latest = e.group_by("customer_id").aggregate(score=e.value.argmax(e.at))
    sc = latest.score
    return _row(latest.aggregate(
        promoters=latest.count(where=sc >= 9),
        passives=latest.count(where=(sc >= 7) & (sc < 9)),
        detractors=latest.count(where=sc < 7),
    ))  # fmt: skip


def delivery_histogram(ws: Any, ctx: Any, start: dt.date, end: dt.date) -> pa.Table | None:
    """(days, orders) from order day to shipping day for paid orders in (start, end]; None without the column.

    ``shipped_at`` is read defensively: a time-zone aware timestamp is taken as its JST day,
    a plain date or a naive timestamp as it stands (the shop's local day).
    """
    o = ws.table("orders")
    if "shipped_at" not in o.columns:
        return None
    col = o.shipped_at
    dtype = col.type()
    if dtype.is_string():
        col = col.cast("timestamp")
        dtype = col.type()
    if not (dtype.is_timestamp() or dtype.is_date()):
        return None
    offset = 9 * 3600 if dtype.is_timestamp() and dtype.timezone else 0
    o = o.filter(ctx.is_paid(o), o.order_date > start, o.order_date <= end, col.notnull())
    days = ((col.epoch_seconds() + offset) // 86400) - (o.order_date.epoch_seconds() // 86400)
    o = o.mutate(days=days.cast("int64"))
    return o.group_by("days").aggregate(orders=o.count()).to_pyarrow()


def median_from_histogram(values: np.ndarray, counts: np.ndarray) -> float:
    """The median of a weighted list of integers (the mean of the two middle values when even)."""
    order = np.argsort(values)
    values, counts = values[order], counts[order]
    cum = np.cumsum(counts)
    n = int(cum[-1])
    lo = values[np.searchsorted(cum, (n - 1) // 2, side="right")]
    hi = values[np.searchsorted(cum, n // 2, side="right")]
    return (float(lo) + float(hi)) / 2.0


# ---------------------------------------------------------------- stages
def stage_table(customers: pa.Table) -> dict[str, Any]:
    """Customers per stage × temperature and the stage where most customers cooled."""
    if "stage" not in customers.column_names or "temperature" not in customers.column_names:
        return {"counts": None, "stall_stage": None}
    g = customers.group_by(["stage", "temperature"]).aggregate([("customer_id", "count")]).to_pylist()
    counts = {s: {t: 0 for t in TEMPERATURES} for s in STAGES}
    for row in g:
        if row["stage"] in counts and row["temperature"] in TEMPERATURES:
            counts[row["stage"]][row["temperature"]] = int(row["customer_id_count"])
    total = sum(sum(c.values()) for c in counts.values())
    table = {}
    for s, c in counts.items():
        n = sum(c.values())
        cooled = c["cooling"] + c["lapsed"]
        table[s] = {"customers": n, **c, "share": _ratio(n, total), "cooled_share": _ratio(cooled, n)}
    cooled = {s: table[s]["cooling"] + table[s]["lapsed"] for s in STAGES}
    stall = max(STAGES, key=lambda s: (cooled[s], -STAGES.index(s))) if total and max(cooled.values()) else None
    return {"counts": table, "stall_stage": stall}


# ---------------------------------------------------------------- all of it
def measure(ws: Any, stored: StoredResults, s: Settings, step_mails: StepMailEvidence | None = None) -> Measurements:
    as_of = stored.as_of
    start = as_of - dt.timedelta(days=YEAR)
    kpis: dict[str, Kpi] = {}

    # F2 from the stored results
    f2_row = None
    if stored.f2 is not None and stored.f2.num_rows:
        mask = pc.equal(stored.f2["window_days"], s.f2_window_days)
        rows = stored.f2.filter(mask).to_pylist()
        f2_row = rows[0] if rows else None
    if f2_row and f2_row.get("eligible"):
        kpis["f2_conversion"] = Kpi("f2_conversion", float(f2_row["rate"]), n=int(f2_row["eligible"]),
                                    detail={"converted": int(f2_row["converted"]), "window_days": s.f2_window_days})
    else:
        kpis["f2_conversion"] = no_data(
            "f2_conversion", f"no first-time buyer is {s.f2_window_days} days old yet (results/f2)",
            f"初回購入から{s.f2_window_days}日たった購入者がまだいません（results/f2）")

    fp = first_purchase_facts(ws, stored, s)
    if fp["c12"]:
        kpis["repeat_rate_12m"] = Kpi("repeat_rate_12m", fp["c12_repeat"] / fp["c12"], n=fp["c12"],
                                      detail={"repeaters": fp["c12_repeat"]})
        kpis["ltv_12m"] = Kpi("ltv_12m", fp["c12_rev"] / fp["c12"], n=fp["c12"])
    else:
        for kid in ("repeat_rate_12m", "ltv_12m"):
            kpis[kid] = no_data(kid, "no customer had a first purchase 12-24 months before the as-of day",
                                "基準日の24〜12か月前に初回購入した顧客がいません")
    if fp["c90"]:
        kpis["hidden_churn_90d"] = Kpi(
            "hidden_churn_90d", fp["c90_lapsed"] / fp["c90"], n=fp["c90"],
            detail={"lapsed": fp["c90_lapsed"], "silent": fp["c90_silent"], "silent_share": fp["c90_silent"] / fp["c90"],
                    "window_days": s.lapse_window_days})  # fmt: skip
    else:
        kpis["hidden_churn_90d"] = no_data(
            "hidden_churn_90d", f"no first purchase in the 12 months ending {s.lapse_window_days} days before the as-of day",
            f"基準日の{s.lapse_window_days}日前までの12か月に初回購入がありません")

    ctx = make_ctx(ws, as_of)
    hist = delivery_histogram(ws, ctx, start, as_of)
    valid = None if hist is None else hist.filter(pc.greater_equal(hist["days"], 0))
    if hist is None:
        kpis["delivery_days_median"] = no_data(
            "delivery_days_median", "the orders carry no shipping date (shipped_at)", "受注データに出荷日（shipped_at）がありません")
    elif valid is None or valid.num_rows == 0:
        kpis["delivery_days_median"] = no_data(
            "delivery_days_median", "no order of the last 12 months has a shipping date", "直近12か月の注文に出荷日がありません")
    else:
        vals = valid["days"].to_numpy()
        cnts = valid["orders"].to_numpy()
        n = int(cnts.sum())
        within = int(cnts[vals <= s.delivery_target_days].sum())
        invalid = int(pc.sum(hist["orders"]).as_py() or 0) - n
        kpis["delivery_days_median"] = Kpi(
            "delivery_days_median", median_from_histogram(vals, cnts), n=n,
            detail={"within_target_share": within / n, "target_days": s.delivery_target_days,
                    "shipped_before_ordered": invalid})  # fmt: skip

    of = order_facts(ws, start, as_of)
    if of["orders"]:
        kpis["return_share"] = Kpi("return_share", of["returned"] / of["orders"], n=of["orders"],
                                   detail={"returned": of["returned"]})
    else:
        kpis["return_share"] = no_data("return_share", "no order in the last 12 months", "直近12か月の注文がありません")
    inq = inquiry_facts(ws, start, as_of)
    if inq["ever"] and of["orders"]:
        kpis["inquiries_per_100_orders"] = Kpi("inquiries_per_100_orders", 100.0 * inq["in_period"] / of["orders"],
                                               n=of["orders"], detail={"inquiries": inq["in_period"]})
    else:
        kpis["inquiries_per_100_orders"] = no_data(
            "inquiries_per_100_orders", "the workspace holds no inquiry events (import them as events of type inquiry)",
            "問い合わせ（inquiry）のイベントが取り込まれていません")

    nc = nps_counts(ws, start, as_of)
    if sum(nc.values()):
        iv = nps_estimate(nc["promoters"], nc["passives"], nc["detractors"])
        kpis["nps"] = Kpi("nps", iv.nps, n=iv.n, detail={
            "measured": True, "ci_low": iv.ci_low, "ci_high": iv.ci_high, "promoters": iv.promoters,
            "passives": iv.passives, "detractors": iv.detractors})  # fmt: skip
    else:
        kpis["nps"] = no_data("nps", "no nps_response event in the last 12 months", "直近12か月に NPS の回答がありません",
                              measured=False)

    sm = step_mails or from_events(ws, start, as_of, list(s.step_mail_tactics))
    if sm.running is None:
        kpis["step_mails"] = no_data("step_mails", "no message sends are recorded in the workspace",
                                     "ワークスペースに配信の記録がありません", running=None, sent=0, sequences=[])
    else:
        kpis["step_mails"] = Kpi("step_mails", sm.running, n=sm.sent, detail={
            "running": sm.running, "sent": sm.sent, "source": sm.source, "sequences": [q.to_json() for q in sm.sequences]})

    stages = stage_table(stored.customers)
    counts = stages["counts"]

    def stage_n(stage: str, temps: tuple[str, ...]) -> float | None:
        return None if counts is None else float(sum(counts[stage][t] for t in temps))

    cooled = ("cooling", "lapsed")
    pools = {
        "observers": stage_n("observer", ("active", "cooling")),
        "new_buyers_12m": float(fp["new12"]),
        "lapsed_first_90d": float(fp["c90_lapsed"]) if fp["c90"] else None,
        "silent_first_90d": float(fp["c90_silent"]) if fp["c90"] else None,
        "repeat_cooled": stage_n("empathy", cooled),
        "engaged_cooled": stage_n("engagement", cooled),
        "supporters_cooled": stage_n("circulation", cooled),
    }
    rep, c12 = fp["c12_repeat"], fp["c12"]
    repeat_value = None
    if rep and c12 - rep:
        repeat_value = max(0.0, fp["c12_repeat_rev"] / rep - (fp["c12_rev"] - fp["c12_repeat_rev"]) / (c12 - rep))
    values = {
        "repeat_value": repeat_value,
        "ltv_12m": fp["c12_rev"] / c12 if c12 else None,
        "first_order_value": (fp["new12_first_rev"] / fp["new12"] if fp["new12"]
                              else (fp["first_rev"] / fp["buyers"] if fp["buyers"] else None)),
    }
    return Measurements(as_of=as_of, kpis=kpis, pools=pools, values=values, stages=stages, step_mails=sm, settings=s)

