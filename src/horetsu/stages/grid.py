"""Stage snapshots on a grid of days over the whole history, set-based.

One engine query decides every customer's stage, journey step and temperature at every
snapshot day (month ends by default): not one query per date.  How:

1. every purchase day, new category, event, subscription start or end and registration
   is put in its *bucket*: the index of the first snapshot day on or after it;
2. per (customer, bucket) those are aggregated, and running totals / maxima over the
   buckets (window functions) give each customer's facts as of each bucket;
3. each such row stands for the snapshot days from its bucket to the customer's next
   one (nothing new happened in between), so it is expanded over that range and the
   stage rules of :func:`horetsu.stages.classifier.decide` are applied as engine
   expressions at each day; the stage one snapshot earlier is decided in the same row
   (from the previous row's facts at a range's first day), so flows need no self-join.

The readers need counts (per day × stage × temperature, and transitions between
consecutive snapshot days) and, for moved / stalled / cooled, the rows where a
customer's stage, journey step or temperature changes; per-customer rows at every snapshot day are
never materialised.  Temperature here uses the purchase rhythm only (P(alive) is not
known for past dates), as in :func:`horetsu.stages.history.stage_history`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.core import subscriptions
from horetsu.core.dates import to_day, ts_day
from horetsu.stages.facts import _categories, events_until, valid_orders
from horetsu.stages.history import NEW, _first_day, snapshot_dates
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES, Policy

SNAPSHOT_SCHEMA = pa.schema([("customer_id", pa.string()), ("as_of", pa.date32()), ("stage", pa.string()),
                             ("journey_step", pa.string()), ("temperature", pa.string())])


@dataclass
class GridResult:
    """What :func:`stage_grid` computed.

    ``counts``: as_of, stage, temperature, customers (every snapshot day).
    ``transitions``: period_from, period_to, from_stage (``(new)`` for customers not yet
    known), to_stage, customers (between consecutive snapshot days; zero pairs omitted).
    ``changes``: customer_id, as_of, stage, journey_step, temperature: a row where a
    customer first appears or their stage, journey step or temperature changes (the snapshots,
    compressed: a customer's state on a day is their latest row on or before it).
    ``snapshots``: the full per-customer rows at the days asked for in ``keep``.
    """

    days: list[dt.date]
    counts: pa.Table
    transitions: pa.Table
    changes: pa.Table
    snapshots: pa.Table


def grid_days(first: dt.date | None, end: dt.date, extra: tuple[dt.date, ...] = ()) -> list[dt.date]:
    """Month ends from ``first`` to ``end``, ``end`` itself and the ``extra`` days up to ``end``."""
    days = set(snapshot_dates(first, end, "month")) if first is not None and first <= end else {end}
    days |= {d for d in extra if d <= end}
    return sorted(days)


def history_days(ws: Any, end: dt.date, extra: tuple[dt.date, ...] = ()) -> tuple[list[dt.date], dt.date]:
    """The snapshot days of the whole history up to ``end`` and the history's start.

    The start is the day before the first order, event or registration: nobody is
    "already in a stage" then, so every run's entry is observed.
    """
    first = _first_day(ws)
    start = (first or end) - dt.timedelta(days=1)
    return grid_days(first, end, extra), start


def _bucket_lookup(days: list[int]) -> Any:
    """A small table day → bucket for every day from the first snapshot's month to the last."""
    lo = days[0] - 40
    all_days = np.arange(lo, days[-1] + 1, dtype=np.int64)
    buckets = np.searchsorted(np.asarray(days, dtype=np.int64), all_days, side="left").astype(np.int64)
    return ibis.memtable(pa.table({"_lk_day": all_days, "_lk_b": buckets})), lo


def _bucketed(t: Any, col: str, lookup: Any, lo: int, last: int) -> Any:
    """``t`` with ``b``: the bucket of day column ``col`` (days before the grid are bucket 0)."""
    t = t.filter(t[col] <= last).mutate(_lk_key=ibis.greatest(t[col], lo))
    return t.join(lookup, t._lk_key == lookup._lk_day).drop("_lk_key", "_lk_day").rename(b="_lk_b")


_NULL_I = ibis.null().cast("int64")
_NULL_F = ibis.null().cast("float64")
#: per-(customer, bucket) columns and how they accumulate over the buckets
_SUMS = ("n_orders", "n_categories", "sub_running", "n_subscriptions", "seen")
_MAXES = ("last_order_day", "last_event_day", "last_contact_event_day", "last_participation_day",
          "last_advocacy_day", "nps_last_day")
_MINS = ("first_order_day", "first_advocate_day")
_FACTS = (*_SUMS, *_MAXES, *_MINS, "nps_last_value")


def _parts(ws: Any, policy: Policy, exclude: tuple[str, ...], lookup: Any, lo: int, last: int) -> Any:
    """Union of per-(customer, bucket) activity rows, every fact column present."""
    st = policy.stages
    orders = valid_orders(ws, last, exclude)

    def shape(t: Any, **cols: Any) -> Any:
        vals = {}
        for name in _FACTS:
            if name in cols:
                vals[name] = cols[name].cast("float64" if name == "nps_last_value" else "int64")
            else:
                vals[name] = _NULL_F if name == "nps_last_value" else _NULL_I
        return t.select(customer_id=t.customer_id, b=t.b, **vals)

    days = _bucketed(orders.select("customer_id", "day").distinct(), "day", lookup, lo, last)
    od = days.group_by(["customer_id", "b"]).aggregate(n=days.count(), lastd=days.day.max(), firstd=days.day.min())
    parts = [shape(od, n_orders=od.n, last_order_day=od.lastd, first_order_day=od.firstd, seen=od.n)]

    cats = _categories(ws, orders)
    first_cat = cats.group_by(["customer_id", "category"]).aggregate(day=cats.day.min())
    fc = _bucketed(first_cat, "day", lookup, lo, last)
    fc = fc.group_by(["customer_id", "b"]).aggregate(n=fc.count())
    parts.append(shape(fc, n_categories=fc.n))

    subs = subscriptions.with_days(ws.table("subscriptions"))
    subs = subs.filter(subs.start_day <= last)
    ended_by_status = subs.status.lower().isin(list(subscriptions.ENDED_STATUSES)).fill_null(False)
    open_ended = subs.end_day.isnull() & ~ended_by_status
    ever_runs = open_ended | (subs.end_day > subs.start_day).fill_null(False)
    starts = _bucketed(subs.mutate(runs=ibis.ifelse(ever_runs, 1, 0)), "start_day", lookup, lo, last)
    starts = starts.group_by(["customer_id", "b"]).aggregate(n=starts.count(), r=starts.runs.sum())
    parts.append(shape(starts, n_subscriptions=starts.n, sub_running=starts.r))
    ends = subs.filter(subs.end_day.notnull() & (subs.end_day > subs.start_day))
    ends = _bucketed(ends, "end_day", lookup, lo, last)
    ends = ends.group_by(["customer_id", "b"]).aggregate(r=ends.count())
    parts.append(shape(ends, sub_running=-ends.r))

    events = events_until(ws, last)
    eb = _bucketed(events, "day", lookup, lo, last)

    def lastd(types: list[str]) -> Any:
        return eb.day.max(where=eb.type.isin(types or ["__none__"]))

    nps_cond = (eb.type == "nps_response") & eb.value.notnull()
    sent = eb.type.isin(policy.messages.sent_event_types or ["__none__"])
    ev = eb.group_by(["customer_id", "b"]).aggregate(
        seen=eb.count(),
        last_event_day=eb.day.max(where=~sent),
        last_contact_event_day=lastd(st.empathy.contact_events),
        last_participation_day=lastd(st.engagement.participation_events),
        last_advocacy_day=lastd(st.circulation.advocacy_events),
        first_advocate_day=eb.day.min(where=eb.type.isin(policy.journey.advocate_events or ["__none__"])),
        nps_last_day=eb.day.max(where=nps_cond),
        nps_last_value=eb.value.argmax(eb.day, where=nps_cond),
    )
    parts.append(shape(ev, **{c: ev[c] for c in ev.columns if c in _FACTS}))

    cust = ws.table("customers")
    cust = cust.filter(cust.customer_id.notnull()).mutate(reg_day=ts_day(cust.registered_at))
    cust = cust.group_by("customer_id").aggregate(
        reg_day=cust.reg_day.min(), undated=cust.reg_day.isnull().cast("int64").max())
    # known from the start when any of its rows has no registration time
    cust = cust.mutate(known_day=ibis.ifelse(cust.undated > 0, lo, cust.reg_day))
    listed = _bucketed(cust, "known_day", lookup, lo, last)
    parts.append(shape(listed, seen=ibis.literal(1)))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=False)
    return out, cust.select("customer_id", "reg_day")


def _decide(f: dict[str, Any], d: Any, shop_median: Any, full_k: Any, policy: Policy) -> tuple[Any, Any, Any]:
    """Stage, journey step and temperature as engine expressions (the rules of ``decide``)."""
    st, tp = policy.stages, policy.temperature
    n = f["n_orders"].fill_null(0)
    n_cat = f["n_categories"].fill_null(0)

    def within(v: Any, days: int) -> Any:
        return v.notnull() & ((d - v) < days)

    sub_active = f["sub_running"].fill_null(0) > 0
    sub_ev = sub_active & ibis.literal(bool(st.engagement.active_subscription))
    cross = ibis.literal(st.engagement.min_categories > 0) & (n >= 2) & (n_cat >= st.engagement.min_categories)
    promoter = (within(f["nps_last_day"], st.circulation.nps_lookback_days)
                & (f["nps_last_value"] >= st.circulation.nps_promoter_min).fill_null(False) & (sub_ev | cross))
    stage = ibis.cases(
        (within(f["last_advocacy_day"], st.circulation.advocacy_lookback_days), "circulation"),
        (promoter, "circulation"),
        (sub_ev, "engagement"),
        (cross, "engagement"),
        (within(f["last_participation_day"], st.engagement.participation_lookback_days), "engagement"),
        (n >= st.empathy.min_orders, "empathy"),
        (within(f["last_contact_event_day"], st.empathy.contact_lookback_days), "empathy"),
        (n >= st.landing.min_orders, "landing"),
        else_="observer",
    )
    steps = list(reversed(JOURNEY_STEPS[1:]))
    journey = ibis.cases(
        (f["first_advocate_day"].notnull() & (f["first_advocate_day"] <= d), steps[0]),
        ((n >= 2) & (n_cat >= full_k), steps[1]),
        ((n >= 2) & (n_cat >= 2), steps[2]),
        (f["n_subscriptions"].fill_null(0) > 0, steps[3]),
        (n >= 2, steps[4]),
        (n >= 1, steps[5]),
        else_="lead",
    )
    first, last = f["first_order_day"].cast("float64"), f["last_order_day"].cast("float64")
    own = (last - first) / (n - 1).cast("float64")
    fallback = ibis.ifelse(shop_median.notnull() & (shop_median > 0), shop_median, float(tp.default_interval_days))
    interval = ibis.greatest(ibis.ifelse(n >= 2, own, fallback), float(tp.min_interval_days))
    ratio = (d - last) / interval
    level = ibis.cases((ratio > tp.lapsed_ratio, 2), (ratio > tp.cooling_ratio, 1), else_=0)
    level = ibis.ifelse(sub_active, 0, level)
    reg = f["reg_day"]
    reg = ibis.ifelse(reg <= d, reg, _NULL_I)
    ev = f["last_event_day"]
    touch = ibis.cases((reg.isnull(), ev), (ev.isnull(), reg), else_=ibis.greatest(reg, ev))
    quiet = d - touch
    touch_level = ibis.cases((quiet > tp.contact_lapsed_days, 2), (quiet > tp.contact_cooling_days, 1), else_=0)
    level = ibis.ifelse(n >= 1, level, touch_level)
    temp = ibis.cases(*[(level == i, t) for i, t in enumerate(TEMPERATURES)], else_=TEMPERATURES[0])
    return stage, journey, temp


def stage_grid(
    ws: Any, days: list[dt.date], policy: Policy, exclude: tuple[str, ...], keep: tuple[dt.date, ...] = ()
) -> GridResult:
    """Stage, journey step and temperature of every customer at every day of ``days`` (sorted).

    The facts at each day equal those of :func:`horetsu.stages.facts.customer_facts` that
    day; the decisions those of :func:`horetsu.stages.classifier.decide` without P(alive).
    """
    nums = [to_day(d) for d in days]
    last = nums[-1]
    lookup, lo = _bucket_lookup(nums)
    parts, regs = _parts(ws, policy, exclude, lookup, lo, last)
    agg = {c: parts[c].sum() for c in _SUMS}
    agg |= {c: parts[c].max() for c in _MAXES}
    agg |= {c: parts[c].min() for c in _MINS}
    agg["nps_last_value"] = parts.nps_last_value.argmax(parts.nps_last_day)
    per = parts.group_by(["customer_id", "b"]).aggregate(**agg)

    cw = ibis.cumulative_window(group_by=per.customer_id, order_by=per.b)
    cum = {c: per[c].sum().over(cw) for c in _SUMS}
    cum |= {c: per[c].max().over(cw) for c in _MAXES}
    cum |= {c: per[c].min().over(cw) for c in _MINS}
    cum["nps_last_value"] = per.nps_last_value.argmax(per.nps_last_day).over(cw)
    acc = per.select("customer_id", "b", **cum)
    # a customer exists from their first order, event or registration (subscriptions and
    # categories alone do not make one, as in customer_facts); earlier rows still count
    acc = acc.filter(acc.seen > 0)
    w = ibis.window(group_by=acc.customer_id, order_by=acc.b)
    n_days = len(nums)
    acc = acc.mutate(next_b=acc.b.lead().over(w).fill_null(n_days),
                     **{f"p_{c}": acc[c].lag().over(w) for c in _FACTS},
                     p_b=acc.b.lag().over(w))
    acc = acc.left_join(regs, acc.customer_id == regs.customer_id).drop("customer_id_right")
    acc = acc.cache()
    try:
        return _evaluate(ws, acc, days, nums, policy, exclude, keep)
    finally:
        try:
            acc.release()
        except Exception:  # noqa: BLE001 - a temporary table; the engine drops it at disconnect anyway
            pass


def _grid_table(days: list[int], shop: dict[int, float], full_k: list[int]) -> Any:
    n = len(days)
    return pa.table({
        "j": np.arange(n, dtype=np.int64),
        "d": np.asarray(days, dtype=np.int64),
        "d_prev": np.asarray([days[0] - 1, *days[:-1]], dtype=np.int64),
        "med": pa.array([shop.get(i) for i in range(n)], pa.float64()),
        "med_prev": pa.array([None, *[shop.get(i) for i in range(n - 1)]], pa.float64()),
        "k": np.asarray(full_k, dtype=np.int64),
        "k_prev": np.asarray([full_k[0], *full_k[:-1]], dtype=np.int64),
    })


def _evaluate(ws: Any, acc: Any, days: list[dt.date], nums: list[int], policy: Policy,
              exclude: tuple[str, ...], keep: tuple[dt.date, ...]) -> GridResult:
    n_days = len(nums)
    expanded = acc.mutate(j=ibis.range(acc.b, acc.next_b).unnest())
    # the shop's median own interval among repeat buyers, per snapshot day (a temperature input)
    rep = expanded.filter(expanded.n_orders >= 2)
    own = (rep.last_order_day - rep.first_order_day).cast("float64") / (rep.n_orders - 1).cast("float64")
    med = rep.mutate(own=own).group_by("j").aggregate(m=ibis._.own.median()).to_pyarrow()
    shop = {int(j): float(m) for j, m in zip(med["j"].to_pylist(), med["m"].to_pylist(), strict=True)
            if m is not None}
    # "full line": max(min categories, ceil(share x the shop's categories known that day))
    orders = valid_orders(ws, nums[-1], exclude)
    cats = _categories(ws, orders)
    first_cat = cats.group_by("category").aggregate(day=cats.day.min()).to_pyarrow()
    cat_days = np.sort(np.asarray(first_cat["day"].to_numpy(zero_copy_only=False), dtype=np.int64))
    jp = policy.journey
    shop_cats = np.searchsorted(cat_days, np.asarray(nums, dtype=np.int64), side="right")
    full_k = [max(jp.full_line_min_categories, int(np.ceil(np.float64(c) * jp.full_line_share))) for c in shop_cats]

    grid = ibis.memtable(_grid_table(nums, shop, full_k))
    g = expanded.join(grid, "j")
    cur = {c: g[c] for c in (*_FACTS, "reg_day")}
    first_row = g.j == g.b
    # one snapshot earlier: the same facts inside a range, the previous row's at its first day
    prev = {c: ibis.ifelse(first_row, g[f"p_{c}"], g[c]) for c in _FACTS}
    prev["reg_day"] = g.reg_day
    known_before = ~first_row | g.p_b.notnull()
    stage, journey, temp = _decide(cur, g.d, g.med, g.k, policy)
    p_stage, p_journey, p_temp = _decide(prev, g.d_prev, g.med_prev, g.k_prev, policy)
    from_stage = ibis.ifelse(known_before & (g.j > 0), p_stage, NEW)
    decided = g.select(customer_id=g.customer_id, j=g.j, stage=stage, journey_step=journey, temperature=temp,
                       from_stage=from_stage, changed=(from_stage == NEW) | (p_stage != stage) | (p_temp != temp)
                       | (p_journey != journey))
    summary = decided.group_by(["j", "from_stage", "stage", "temperature"]).aggregate(customers=decided.count())
    summary = summary.to_pyarrow()
    keep_j = [nums.index(to_day(k)) for k in keep if to_day(k) in nums]
    picked = decided.filter(decided.changed | decided.j.isin(keep_j or [-1]))
    picked = picked.select("customer_id", "j", "stage", "journey_step", "temperature", "changed").to_pyarrow()
    return _shape(days, summary, picked, keep_j)


def _dates(days: list[dt.date], j: Any) -> pa.Array:
    lookup = pa.array(days, pa.date32())
    return lookup.take(pc.cast(j, pa.int64()))


def _shape(days: list[dt.date], summary: pa.Table, picked: pa.Table, keep_j: list[int]) -> GridResult:
    s = summary
    counts = s.group_by(["j", "stage", "temperature"]).aggregate([("customers", "sum")])
    counts = counts.sort_by([("j", "ascending"), ("stage", "ascending"), ("temperature", "ascending")])
    counts = pa.table({"as_of": _dates(days, counts["j"]), "stage": counts["stage"],
                       "temperature": counts["temperature"],
                       "customers": pc.cast(counts["customers_sum"], pa.int64())})
    tr = s.group_by(["j", "from_stage", "stage"]).aggregate([("customers", "sum")])
    tr = tr.filter(pc.greater(tr["j"], 0)).sort_by([("j", "ascending"), ("from_stage", "ascending"),
                                                    ("stage", "ascending")])
    transitions = pa.table({"period_from": _dates(days, pc.subtract(tr["j"], 1)), "period_to": _dates(days, tr["j"]),
                            "from_stage": tr["from_stage"], "to_stage": tr["stage"],
                            "customers": pc.cast(tr["customers_sum"], pa.int64())})
    picked = picked.sort_by([("customer_id", "ascending"), ("j", "ascending")])
    cols = {"customer_id": picked["customer_id"], "as_of": _dates(days, picked["j"]), "stage": picked["stage"],
            "journey_step": picked["journey_step"], "temperature": picked["temperature"]}
    every = pa.table(cols, schema=SNAPSHOT_SCHEMA)
    changes = every.filter(picked["changed"])
    snaps = every.filter(pc.is_in(picked["j"], value_set=pa.array(keep_j, pa.int64())))
    snaps = snaps.sort_by([("as_of", "ascending"), ("customer_id", "ascending")])
    return GridResult(days=days, counts=counts, transitions=transitions, changes=changes, snapshots=snaps)


__all__ = ["GridResult", "grid_days", "history_days", "stage_grid"]
