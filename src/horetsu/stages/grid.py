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
    # the registration day itself bounds a range too (its temperature counts from then)
    dated = _bucketed(cust.filter(cust.reg_day.notnull()), "reg_day", lookup, lo, last)
    parts.append(shape(dated, seen=ibis.literal(0)))
    out = parts[0]
    for p in parts[1:]:
        out = out.union(p, distinct=False)
    return out, cust.select("customer_id", "reg_day")


_NONE = -1  # "no such day" in the precomputed thresholds (day numbers are positive)


def _thresholds(f: Any, policy: Policy) -> dict[str, Any]:
    """Per activity row: the facts the rules of ``decide`` need, as day thresholds and flags.

    Within a row's range of snapshot days nothing new happens, so each rule is either
    constant or true while the day is before a threshold (a lookback's end)."""
    st = policy.stages
    n = f.n_orders.fill_null(0)
    n_cat = f.n_categories.fill_null(0)

    def until(v: Any, days: int) -> Any:
        return (v + days).fill_null(_NONE)

    sub_active = f.sub_running.fill_null(0) > 0
    sub_ev = sub_active & ibis.literal(bool(st.engagement.active_subscription))
    cross = ibis.literal(st.engagement.min_categories > 0) & (n >= 2) & (n_cat >= st.engagement.min_categories)
    promoter = (f.nps_last_value >= st.circulation.nps_promoter_min).fill_null(False) & (sub_ev | cross)
    prom_until = ibis.ifelse(promoter, until(f.nps_last_day, st.circulation.nps_lookback_days), _NONE)
    steps = {s: i for i, s in enumerate(JOURNEY_STEPS)}
    jbase = ibis.cases(
        ((n >= 2) & (n_cat >= 2), steps["cross_sell"]),
        (f.n_subscriptions.fill_null(0) > 0, steps["subscription"]),
        (n >= 2, steps["repeat"]),
        (n >= 1, steps["trial"]),
        else_=steps["lead"],
    )
    tp = policy.temperature
    own = (f.last_order_day - f.first_order_day).cast("float64") / (n - 1).cast("float64")
    reg = ibis.ifelse(f.reg_day <= f.d_first, f.reg_day, _NULL_I)  # registered by the range's first day
    ev = f.last_event_day
    touch = ibis.cases((reg.isnull(), ev), (ev.isnull(), reg), else_=ibis.greatest(reg, ev))
    return {
        "circ_until": ibis.greatest(until(f.last_advocacy_day, st.circulation.advocacy_lookback_days), prom_until),
        "eng": ibis.ifelse(sub_ev | cross, 1, 0),
        "partic_until": until(f.last_participation_day, st.engagement.participation_lookback_days),
        "repeat": ibis.ifelse(n >= st.empathy.min_orders, 1, 0),
        "contact_until": until(f.last_contact_event_day, st.empathy.contact_lookback_days),
        "bought": ibis.ifelse(n >= st.landing.min_orders, 1, 0),
        "j_top": ibis.ifelse(f.first_advocate_day.notnull(), 1, 0),
        "j_full": ibis.ifelse(n >= 2, n_cat, -1),
        "j_base": jbase,
        "buyer": ibis.ifelse(n >= 1, ibis.ifelse(sub_active, 2, 1), 0),  # 2: buyer with a running subscription
        "last_order": f.last_order_day.fill_null(_NONE),
        "own_iv": ibis.ifelse(n >= 2, ibis.greatest(own, float(tp.min_interval_days)), _NULL_F),
        "own_raw": ibis.ifelse(n >= 2, own, _NULL_F),
        "touch": touch,
    }


_THRESHOLDS = ("circ_until", "eng", "partic_until", "repeat", "contact_until", "bought", "j_top", "j_full", "j_base",
               "buyer", "last_order", "own_iv", "touch")


def _codes(t: Any, pre: str, d: Any, ival: Any, k: Any, policy: Policy) -> tuple[Any, Any, Any]:
    """Stage, journey and temperature codes (indexes into STAGES, JOURNEY_STEPS, TEMPERATURES)."""
    c = {name: t[pre + name] for name in _THRESHOLDS}
    tp = policy.temperature
    stage = ibis.cases(
        (d < c["circ_until"], 4), (c["eng"] == 1, 3), (d < c["partic_until"], 3), (c["repeat"] == 1, 2),
        (d < c["contact_until"], 2), (c["bought"] == 1, 1), else_=0,
    )
    journey = ibis.cases((c["j_top"] == 1, 6), (c["j_full"] >= k, 5), else_=c["j_base"])
    ratio = (d - c["last_order"]).cast("float64") / c["own_iv"].fill_null(ival)
    quiet = d - c["touch"]
    temp = ibis.cases(
        (c["buyer"] == 2, 0),
        ((c["buyer"] == 1) & (ratio > tp.lapsed_ratio), 2),
        ((c["buyer"] == 1) & (ratio > tp.cooling_ratio), 1),
        (c["buyer"] == 1, 0),
        (quiet > tp.contact_lapsed_days, 2),
        (quiet > tp.contact_cooling_days, 1),
        else_=0,
    )
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
    firsts = ibis.memtable(pa.table({"_fb": np.arange(len(nums), dtype=np.int64),
                                     "d_first": np.asarray(nums, dtype=np.int64)}))
    acc = acc.join(firsts, acc.b == firsts._fb).drop("_fb")
    acc = acc.left_join(regs, acc.customer_id == regs.customer_id).drop("customer_id_right")
    acc = acc.select("customer_id", "b", **_thresholds(acc, policy))
    w = ibis.window(group_by=acc.customer_id, order_by=acc.b)
    acc = acc.mutate(next_b=acc.b.lead().over(w).fill_null(len(nums)), p_b=acc.b.lag().over(w),
                     **{f"p_{c}": acc[c].lag().over(w) for c in _THRESHOLDS})
    acc = acc.cache()
    try:
        return _evaluate(ws, acc, days, nums, policy, exclude, keep)
    finally:
        try:
            acc.release()
        except Exception:  # noqa: BLE001 - a temporary table; the engine drops it at disconnect anyway
            pass


def _grid_table(days: list[int], ival: list[float], full_k: list[int]) -> Any:
    return pa.table({
        "j": np.arange(len(days), dtype=np.int64),
        "d": np.asarray(days, dtype=np.int64),
        "d_prev": np.asarray([days[0] - 1, *days[:-1]], dtype=np.int64),
        "ival": np.asarray(ival, dtype=np.float64),
        "ival_prev": np.asarray([ival[0], *ival[:-1]], dtype=np.float64),
        "k": np.asarray(full_k, dtype=np.int64),
        "k_prev": np.asarray([full_k[0], *full_k[:-1]], dtype=np.int64),
    })


def _evaluate(ws: Any, acc: Any, days: list[dt.date], nums: list[int], policy: Policy,
              exclude: tuple[str, ...], keep: tuple[dt.date, ...]) -> GridResult:
    n_days = len(nums)
    tp = policy.temperature
    # the shop's median own interval among repeat buyers per day: the interval of one-time buyers
    med = _median_per_day(ws, acc, n_days)
    ival = []
    for i in range(n_days):
        m = med.get(i)
        fallback = m if m is not None and m > 0 else float(tp.default_interval_days)
        ival.append(max(fallback, float(tp.min_interval_days)))
    # "full line": max(min categories, ceil(share x the shop's categories known that day))
    orders = valid_orders(ws, nums[-1], exclude)
    cats = _categories(ws, orders)
    first_cat = cats.group_by("category").aggregate(day=cats.day.min()).to_pyarrow()
    cat_days = np.sort(np.asarray(first_cat["day"].to_numpy(zero_copy_only=False), dtype=np.int64))
    jp = policy.journey
    shop_cats = np.searchsorted(cat_days, np.asarray(nums, dtype=np.int64), side="right")
    full_k = [max(jp.full_line_min_categories, int(np.ceil(np.float64(c) * jp.full_line_share))) for c in shop_cats]

    grid = ibis.memtable(_grid_table(nums, ival, full_k))
    cols = ["customer_id", "b", *_THRESHOLDS]
    # a range's first day: the state one snapshot earlier is the previous row's
    first = acc.select(*cols, j=acc.b, known=acc.p_b.notnull(), **{f"q_{c}": acc[f"p_{c}"] for c in _THRESHOLDS})
    # its later days: one snapshot earlier the row's own facts held already
    inner = acc.filter(acc.next_b > acc.b + 1)
    inner = inner.select(*cols, j=ibis.range(inner.b + 1, inner.next_b).unnest(), known=ibis.literal(True),
                         **{f"q_{c}": inner[c] for c in _THRESHOLDS})
    rows = first.union(inner, distinct=False)
    g = rows.join(grid, "j")
    stage, journey, temp = _codes(g, "", g.d, g.ival, g.k, policy)
    p_stage, p_journey, p_temp = _codes(g, "q_", g.d_prev, g.ival_prev, g.k_prev, policy)
    new = ~g.known | (g.j == 0)
    out = g.select(customer_id=g.customer_id, j=g.j.cast("int16"), stage=stage.cast("int8"),
                   journey=journey.cast("int8"), temp=temp.cast("int8"),
                   p_stage=ibis.ifelse(new, -1, p_stage).cast("int8"), p_journey=p_journey.cast("int8"),
                   p_temp=p_temp.cast("int8"))
    out = out.filter((out.p_stage == -1) | (out.p_stage != out.stage) | (out.p_temp != out.temp)
                     | (out.p_journey != out.journey))
    changes = out.order_by(["customer_id", "j"]).to_pyarrow()
    keep_j = [nums.index(to_day(k)) for k in keep if to_day(k) in nums]
    return _shape(days, changes, keep_j)


def _median_per_day(ws: Any, acc: Any, n_days: int) -> dict[int, float]:
    """Median of repeat buyers' own intervals (last - first) / (n - 1) per snapshot day."""
    rep = acc.filter(acc.own_raw.notnull())
    rep = rep.select(own=rep.own_raw, j=ibis.range(rep.b, rep.next_b).unnest())
    med = rep.group_by("j").aggregate(m=rep.own.median()).to_pyarrow()
    return {int(j): float(m) for j, m in zip(med["j"].to_pylist(), med["m"].to_pylist(), strict=True)
            if m is not None and int(j) < n_days}


def _dates(days: list[dt.date], j: Any) -> pa.Array:
    lookup = pa.array(days, pa.date32())
    return lookup.take(pc.cast(j, pa.int64()))


def _names(values: tuple[str, ...], codes: Any) -> pa.Array:
    return pa.array(list(values), pa.string()).take(pc.cast(codes, pa.int64()))


def _shape(days: list[dt.date], ch: pa.Table, keep_j: list[int]) -> GridResult:
    """Counts, flows and per-customer rows from the change rows (sorted by customer, day)."""
    n_days, n_s, n_t = len(days), len(STAGES), len(TEMPERATURES)
    j = ch["j"].to_numpy().astype(np.int64)
    s, t = ch["stage"].to_numpy().astype(np.int64), ch["temp"].to_numpy().astype(np.int64)
    ps, pt = ch["p_stage"].to_numpy().astype(np.int64), ch["p_temp"].to_numpy().astype(np.int64)
    old = ps >= 0
    # customers per (day, stage, temperature): +1 into the new state, -1 out of the old one
    size = n_days * n_s * n_t
    delta = np.bincount((j * n_s + s) * n_t + t, minlength=size).astype(np.int64)
    delta -= np.bincount(((j * n_s + ps) * n_t + pt)[old], minlength=size)
    state = np.cumsum(delta.reshape(n_days, n_s * n_t), axis=0).reshape(n_days, n_s, n_t)
    jj, ss, tt = np.nonzero(state)
    counts = pa.table({"as_of": _dates(days, pa.array(jj)), "stage": _names(STAGES, pa.array(ss)),
                       "temperature": _names(TEMPERATURES, pa.array(tt)),
                       "customers": pa.array(state[jj, ss, tt], pa.int64())})
    # flows between consecutive days: (new) and moves from the change rows, the rest stayed
    by_stage = state.sum(axis=2)
    src = np.where(old, ps, n_s)  # n_s stands for "(new)"
    moved = (ps != s) | ~old
    flow = np.bincount(((j * (n_s + 1) + src) * n_s + s)[moved], minlength=n_days * (n_s + 1) * n_s)
    flow = flow.reshape(n_days, n_s + 1, n_s).astype(np.int64)
    left = flow[:, :n_s, :].sum(axis=2)
    for k in range(n_s):  # five stages: the diagonal (stayed) of every day at once
        flow[1:, k, k] = by_stage[:-1, k] - left[1:, k]
    flow[0] = 0
    jj, ff, tt2 = np.nonzero(flow)
    from_names = pa.array([*STAGES, NEW], pa.string())
    transitions = pa.table({"period_from": _dates(days, pa.array(jj - 1)), "period_to": _dates(days, pa.array(jj)),
                            "from_stage": from_names.take(pa.array(ff)), "to_stage": _names(STAGES, pa.array(tt2)),
                            "customers": pa.array(flow[jj, ff, tt2], pa.int64())})
    changes = pa.table({"customer_id": ch["customer_id"], "as_of": _dates(days, ch["j"]),
                        "stage": _names(STAGES, ch["stage"]), "journey_step": _names(JOURNEY_STEPS, ch["journey"]),
                        "temperature": _names(TEMPERATURES, ch["temp"])}, schema=SNAPSHOT_SCHEMA)
    # the full rows on the kept days: each customer's latest change on or before the day
    ids = ch["customer_id"]
    n = ch.num_rows
    last_of_customer = np.ones(n, dtype=bool)
    if n > 1:
        last_of_customer[:-1] = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    picks = []
    for kj in keep_j:  # a handful of days
        upto = j <= kj
        nxt = np.append(j[1:], n_days) if n else j
        take = upto & (last_of_customer | (nxt > kj))
        picks.append(changes.filter(pa.array(take)).set_column(1, "as_of", _dates(days, pa.array(np.full(
            int(take.sum()), kj, np.int64)))))
    snaps = pa.concat_tables(picks) if picks else changes.slice(0, 0)
    return GridResult(days=days, counts=counts, transitions=transitions, changes=changes, snapshots=snaps)


__all__ = ["GridResult", "grid_days", "history_days", "stage_grid"]
