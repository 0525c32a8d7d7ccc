"""Stage snapshots on a grid of days over the whole history, set-based.

A few engine queries (not one per date) and a NumPy walk decide every customer's stage,
journey step and temperature at every snapshot day (month ends by default).  How:

1. every purchase day, new category, event, subscription start or end and registration
   is put in its *bucket*: the index of the first snapshot day on or after it, and per
   (customer, bucket) those are aggregated in the engine, source by source
   (:func:`grid_input`: every engine query is there);
2. the sources' rows are merged in NumPy, customers as integers (their rank among all ids),
   rows sorted by bucket (:func:`_merged`);
3. the walk steps through the snapshot days: each day adds that bucket's rows to the
   customers' facts so far, turns the changed customers' facts into day thresholds (the
   rules of :func:`horetsu.stages.classifier.decide`: a stage holds while the day is before
   a lookback's end, a temperature cools and lapses from a day on) and decides every known
   customer by comparisons only (:func:`_walk`).

The readers need counts (per day × stage × temperature, and transitions between
consecutive snapshot days) and, for moved / stalled / cooled, the rows where a
customer's stage, journey step or temperature changes; per-customer rows at every snapshot
day are never materialised (only on the days asked for in ``keep``).  Temperature here uses
the purchase rhythm only (P(alive) is not known for past dates), as in
:func:`horetsu.stages.history.stage_history`.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.core import subscriptions
from horetsu.core.dates import date_day, to_day, ts_day
from horetsu.stages.facts import events_until, first_category_days, valid_orders
from horetsu.stages.classifier import names_of
from horetsu.stages.history import NEW, StateChanges, _first_day, snapshot_dates
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES
from horetsu.stages.policy import StagePolicy as Policy

SNAPSHOT_SCHEMA = pa.schema([("customer_id", pa.string()), ("as_of", pa.date32()), ("stage", pa.string()),
                             ("journey_step", pa.string()), ("temperature", pa.string())])


@dataclass
class GridResult:
    """What :func:`stage_grid` computed.

    ``counts``: as_of, stage, temperature, customers (every snapshot day).
    ``transitions``: period_from, period_to, from_stage (``(new)`` for customers not yet
    known), to_stage, customers (between consecutive snapshot days; zero pairs omitted).
    ``state_changes``: a row where a customer first appears or their stage, journey step or
    temperature changes (the snapshots, compressed: a customer's state on a day is their
    latest row on or before it), as integer codes; ``changes`` is the same as an Arrow table
    (customer_id, as_of, stage, journey_step, temperature), built when asked for.
    ``snapshots``: the full per-customer rows at the days asked for in ``keep``.
    """

    days: list[dt.date]
    counts: pa.Table
    transitions: pa.Table
    state_changes: StateChanges
    snapshots: pa.Table

    @property
    def changes(self) -> pa.Table:
        c = self.state_changes
        return pa.table({"customer_id": c.ids.take(pa.array(c.cust, pa.int64())),
                         "as_of": pa.array(np.asarray(c.day, np.int32), pa.int32()).cast(pa.date32()),
                         "stage": names_of(STAGES, c.stage), "journey_step": names_of(JOURNEY_STEPS, c.journey),
                         "temperature": names_of(TEMPERATURES, c.temp)}, schema=SNAPSHOT_SCHEMA)


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


def _blank(name: str, n: int, dtype: Any) -> np.ndarray:
    """``n`` values of fact ``name`` before anything happened: no count, no day."""
    return np.zeros(n, dtype) if name in _SUMS else np.full(n, np.nan, dtype)


def _combine(name: str) -> Any:
    """How two values of fact ``name`` for one customer combine: counts add, first days take
    the minimum, latest days (and a score, which one source gives) the maximum."""
    return np.add if name in _SUMS else np.fmin if name in _MINS else np.fmax


def _parts(ws: Any, policy: Policy, exclude: tuple[str, ...], lookup: Any, lo: int, last: int,
           purchase_days: Any = None, first_categories: Any = None) -> tuple[list[Any], Any]:
    """Each activity source's per-(customer, bucket) rows, with only the fact columns it has.

    The sources are fetched one by one, narrow (a wide union of mostly empty columns
    costs the engine more than the facts themselves), and merged in NumPy (:func:`_merged`).
    """
    st = policy.stages
    orders = valid_orders(ws, last, exclude)

    def shape(t: Any, **cols: Any) -> Any:
        vals = {name: col.cast("float64" if name == "nps_last_value" else "int32") for name, col in cols.items()}
        return t.select(customer_id=t.customer_id, b=t.b.cast("int32"), **vals)

    if purchase_days is None:
        bought = orders.select("customer_id", "day").distinct()
    else:  # the caller's (customer, purchase day) rows, e.g. the analytics' kept ones
        bought = purchase_days.select("customer_id", day=date_day(purchase_days.order_date))
    days = _bucketed(bought, "day", lookup, lo, last)
    od = days.group_by(["customer_id", "b"]).aggregate(n=days.count(), lastd=days.day.max(), firstd=days.day.min())
    parts = [shape(od, n_orders=od.n, last_order_day=od.lastd, first_order_day=od.firstd, seen=od.n)]

    first_cat = first_category_days(ws, last, exclude) if first_categories is None else first_categories
    first_cat = first_cat.filter(first_cat.day <= last)
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
        reg_day=cust.reg_day.min(), undated=ibis.ifelse(cust.reg_day.isnull(), 1, 0).max())  # not bool→int: PostgreSQL has no such cast
    # known from the start when any of its rows has no registration time
    cust = cust.mutate(known_day=ibis.ifelse(cust.undated > 0, lo, cust.reg_day))
    listed = _bucketed(cust, "known_day", lookup, lo, last)
    # one row per customer: listed from its bucket; the registration day itself (which
    # bounds a range too: its temperature counts from then) is merged by its own bucket
    listed = listed.mutate(reg_b=ibis.greatest(listed.reg_day, lo).cast("int64"))
    listed = listed.join(lookup, listed.reg_b == lookup._lk_day, how="left").rename(reg_bucket="_lk_b")
    regs = listed.select(customer_id=listed.customer_id, b=listed.b.cast("int32"),
                         reg_bucket=listed.reg_bucket.cast("int32"), reg_day=listed.reg_day.cast("int32"))
    return parts, regs


_NONE = -1  # "no such day" in the thresholds (day numbers are positive)


@dataclass
class _Fact:
    """One fact's values for the (customer, bucket) groups that have it: ``where`` (group
    numbers, sorted) and ``values`` there.  Facts of the same sources share ``where``."""

    where: np.ndarray
    values: np.ndarray


@dataclass
class _Rows:
    """Per (customer, bucket) activity, sorted by bucket and then customer, as NumPy columns."""

    ids: pa.Array  # every customer id seen, sorted; ``key`` indexes it
    key: np.ndarray
    b: np.ndarray
    cols: dict[str, _Fact]  # float32 (NaN: nothing that bucket), nps_last_value float64
    reg_day: np.ndarray  # per customer (index into ``ids``): the first registration day, NaN if none


@dataclass
class GridInput:
    """What the grid reads from the engine (:func:`grid_input`); the rest is NumPy."""

    days: list[dt.date]
    nums: list[int]
    fetched: list[pa.Table]
    reg: pa.Table
    full_k: list[int]


def grid_input(ws: Any, days: list[dt.date], policy: Policy, exclude: tuple[str, ...],
               purchase_days: Any = None, first_categories: Any = None) -> GridInput:
    """Every engine query of :func:`stage_grid` (the rest, :func:`grid_from`, uses no engine:
    a caller may use the engine in another thread meanwhile)."""
    nums = [to_day(d) for d in days]
    lookup, lo = _bucket_lookup(nums)
    if first_categories is None:
        first_categories = first_category_days(ws, nums[-1], exclude)
    parts, regs = _parts(ws, policy, exclude, lookup, lo, nums[-1], purchase_days, first_categories)
    return GridInput(days=days, nums=nums, fetched=[_fetched(ws, p) for p in parts], reg=regs.to_pyarrow(),
                     full_k=_full_line_k(policy, nums, first_categories))


def _fetched(ws: Any, expr: Any) -> pa.Table:
    """``expr`` as Arrow; from the embedded DuckDB block by block, so that the engine never
    holds the whole result beside its Arrow copy (the orders' rows of a million customers:
    ~0.2 GB less at the grid's peak)."""
    if not ws.embedded:
        return expr.to_pyarrow()
    with warnings.catch_warnings():  # ibis 12 reads DuckDB through a call DuckDB 1.5 deprecates
        warnings.filterwarnings("ignore", "fetch_record_batch", DeprecationWarning)
        return expr.to_pyarrow_batches(chunk_size=122_880).read_all()


def _merged(fetched: list[pa.Table], reg: pa.Table) -> _Rows:
    """The sources' per (customer, bucket) rows, merged and sorted by bucket and customer.

    Customer ids become integers once (their rank among all ids, Arrow's byte order; int32
    with the bucket in one number while that fits: a million customers over 75 days do);
    rows of the same customer and bucket from several sources are combined with the
    fact's own rule (sums add, latest days take the maximum, first days the minimum).
    """
    # a registration adds a row at the bucket it is known and one at its own day's bucket
    reg_rows = [reg.select(["customer_id", "b"]).append_column("seen", pa.array(np.ones(reg.num_rows, np.int32))),
                reg.filter(pc.is_valid(reg["reg_bucket"])).select(["customer_id", "reg_bucket"])
                .rename_columns(["customer_id", "b"])]
    fetched = [*fetched, *reg_rows]
    # the distinct ids, sorted (Arrow's byte order), then each row's index among them, source
    # by source: the ids of every row are never gathered into one array
    ids, keys = _id_keys(fetched)
    sizes = [t.num_rows for t in fetched]
    offsets = np.cumsum([0, *sizes])
    n_k = max(len(ids), 1)
    n_b = 1 + max((pc.max(t["b"]).as_py() or 0 for t in fetched if t.num_rows), default=0)
    small = np.int32 if n_b * n_k < np.iinfo(np.int32).max else np.int64  # a million customers: int32
    composite = np.empty(int(offsets[-1]), small)  # by bucket first: each snapshot day's news is one slice
    for i, (t, key) in enumerate(zip(fetched, keys, strict=True)):
        part = composite[offsets[i]:offsets[i + 1]]
        np.multiply(t["b"].to_numpy(zero_copy_only=False), n_k, out=part, casting="unsafe")
        part += key.astype(small, copy=False)
        if i == len(fetched) - 2:  # each listed customer's first registration day (its row of that table)
            reg_day = np.full(len(ids), np.nan, np.float32)
            reg_day[key] = pc.fill_null(pc.cast(reg["reg_day"], pa.float32()), np.nan).to_numpy()
    del keys
    sort = np.argsort(composite, kind="stable")
    sorted_keys = composite[sort]
    del composite
    first = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]] if len(sort) else np.zeros(0, bool)
    group_key = sorted_keys[first]
    del sorted_keys
    group = np.cumsum(first, dtype=small) - 1  # the (customer, bucket) group of each row, in sorted order
    del first
    # Each fact is kept only for the groups that have it (an event fact for the event rows,
    # not for every order's row): per set of sources, their groups in order, and the values
    # there, combined with the fact's rule where sources overlap.  Within one source a
    # (customer, bucket) has one row at most.
    rows_of = []  # per source: its rows in group order, and their groups
    for i in range(len(fetched)):
        mine = np.flatnonzero((sort >= offsets[i]) & (sort < offsets[i + 1]))
        rows_of.append((sort[mine] - offsets[i], group[mine]))
    del sort, group
    spans: dict[tuple[int, ...], np.ndarray] = {}
    cols: dict[str, _Fact] = {}
    for name in _FACTS:
        srcs = tuple(i for i, t in enumerate(fetched) if name in t.column_names and t.num_rows)
        if srcs not in spans:  # the groups any of these sources has, sorted
            parts = [rows_of[i][1] for i in srcs]
            spans[srcs] = (parts[0] if len(parts) == 1 else _union_sorted(parts)) if parts else np.zeros(0, small)
        where = spans[srcs]
        out, combine = _blank(name, len(where), np.float64 if name == "nps_last_value" else np.float32), _combine(name)
        for i in srcs:
            at, g = rows_of[i]
            pos = slice(None) if len(srcs) == 1 else np.searchsorted(where, g)
            values = pc.fill_null(pc.cast(fetched[i][name], pa.float64()), 0.0 if name in _SUMS else np.nan).to_numpy()
            out[pos] = combine(out[pos], values[at])
        cols[name] = _Fact(where, out)
    # the score given last is taken where its day is known: both come from the same rows
    assert cols["nps_last_value"].where is cols["nps_last_day"].where
    return _Rows(ids=ids, key=group_key % n_k, b=group_key // n_k, cols=cols, reg_day=reg_day)


def _union_sorted(parts: list[np.ndarray]) -> np.ndarray:
    """The distinct values of sorted arrays, sorted (a stable sort merges the sorted runs)."""
    c = np.concatenate(parts)
    c.sort(kind="stable")
    return c[np.r_[True, c[1:] != c[:-1]]] if len(c) else c


def _kept_groups(facts: dict[str, _Fact], keep: np.ndarray) -> dict[str, _Fact]:
    """The facts of the groups where ``keep`` (a mask over groups) holds, groups renumbered."""
    number = np.cumsum(keep) - 1
    done: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # facts sharing ``where`` still share it
    out = {}
    for name, f in facts.items():
        if id(f.where) not in done:
            mask = keep[f.where]
            done[id(f.where)] = (mask, number[f.where[mask]].astype(f.where.dtype))
        mask, where = done[id(f.where)]
        out[name] = _Fact(where, f.values[mask])
    return out


def _id_keys(tables: list[pa.Table]) -> tuple[pa.Array, list[Any]]:
    """The distinct ``customer_id`` of all ``tables`` sorted (Arrow's byte order), and per table
    each row's index among them (int32): one hash pass over every row's id."""
    every = pa.concat_arrays([pc.cast(t["customer_id"], pa.string()).combine_chunks() for t in tables])
    encoded = every.dictionary_encode()
    del every
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    key = rank[encoded.indices.to_numpy(zero_copy_only=False)]
    ids = encoded.dictionary.take(pa.array(order, pa.int64()))
    del encoded, rank
    bounds = np.cumsum([0, *(t.num_rows for t in tables)])
    return ids, [key[lo:hi] for lo, hi in zip(bounds, bounds[1:], strict=False)]


_NEVER = np.int32(np.iinfo(np.int32).max)  # "from no day on" in the day thresholds


def _first_over(iv: np.ndarray, ratio: float) -> np.ndarray:
    """Per interval ``iv`` (positive, float64): the smallest whole ``x >= 0`` with ``x / iv > ratio``.

    The quotient is computed in float64 exactly as :func:`horetsu.stages.classifier.decide`
    does; a correctly rounded division grows with ``x``, so stepping up from just below
    ``ratio * iv`` finds the first whole number that passes, bit for bit."""
    x = np.maximum(np.floor(np.float64(ratio) * iv) - 2, 0)
    while True:
        short = ~(x / iv > ratio)
        if not short.any():
            return x
        x += short


def _day(v: np.ndarray) -> np.ndarray:
    """Whole day numbers (float, NaN for none) as int32, NaN as :data:`_NEVER`."""
    return np.where(np.isnan(v), _NEVER, v).astype(np.int32)


def _thresholds(f: dict[str, np.ndarray], d_first: np.ndarray, policy: Policy) -> dict[str, np.ndarray]:
    """Per row: the rules of ``decide`` as day thresholds, so that a snapshot day needs comparisons only.

    Within a row's range of snapshot days nothing new happens, so the stage is at least
    ``s`` exactly while the day is before a threshold ``t{s}`` (the end of a lookback, or
    never), and the temperature cools and lapses from a day on (``cool``, ``lapse``).  For a
    buyer with one purchase day the shop's typical interval, known only on the snapshot
    day, sets those days: the row keeps its last purchase day there and ``one`` says so.
    """
    st, tp = policy.stages, policy.temperature
    n, n_cat = f["n_orders"], f["n_categories"]

    def until(v: np.ndarray, days: int) -> np.ndarray:  # the stage holds while day < v + days
        return np.where(np.isnan(v), -1, v + days).astype(np.int32)

    sub_active = f["sub_running"] > 0
    sub_ev = sub_active & bool(st.engagement.active_subscription)
    cross = (st.engagement.min_categories > 0) & (n >= 2) & (n_cat >= st.engagement.min_categories)
    eng = sub_ev | cross
    with np.errstate(invalid="ignore"):
        promoter = (f["nps_last_value"] >= st.circulation.nps_promoter_min) & eng
    circ = np.maximum(until(f["last_advocacy_day"], st.circulation.advocacy_lookback_days),
                      np.where(promoter, until(f["nps_last_day"], st.circulation.nps_lookback_days), -1))
    partic = np.maximum(until(f["last_participation_day"], st.engagement.participation_lookback_days), circ)
    contact = np.maximum(until(f["last_contact_event_day"], st.empathy.contact_lookback_days), partic)
    repeat, bought = n >= st.empathy.min_orders, n >= st.landing.min_orders
    # the stage rules, lowest first: bought 1; contact, repeat 2; participation, engagement 3; circulation 4
    t3 = np.where(eng, _NEVER, partic)
    t2 = np.where(eng | repeat, _NEVER, contact)
    t1 = np.where(eng | repeat | bought, _NEVER, contact)
    steps = {s: i for i, s in enumerate(JOURNEY_STEPS)}
    j_base = np.select([(n >= 2) & (n_cat >= 2), f["n_subscriptions"] > 0, n >= 2, n >= 1],
                       [steps["cross_sell"], steps["subscription"], steps["repeat"], steps["trial"]], steps["lead"])
    j_top = ~np.isnan(f["first_advocate_day"])
    with np.errstate(invalid="ignore", divide="ignore"):
        own = np.where(n >= 2, (f["last_order_day"] - f["first_order_day"]).astype(np.float64)
                       / (n.astype(np.float64) - 1), np.nan)
    # temperature: a buyer by the purchase rhythm (a running subscription keeps it active),
    # anyone else by the days since the last touch (registration or event)
    buyer = n >= 1
    last = f["last_order_day"]
    rhythm = buyer & ~sub_active & (n >= 2)
    iv = np.maximum(own[rhythm], tp.min_interval_days)
    cool = np.full(len(n), _NEVER, np.int32)
    lapse = cool.copy()
    cool[rhythm] = last[rhythm] + _first_over(iv, tp.cooling_ratio)
    lapse[rhythm] = last[rhythm] + _first_over(iv, tp.lapsed_ratio)
    one = buyer & ~sub_active & (n < 2)
    cool[one] = lapse[one] = last[one]
    reg = np.where(f["reg_day"] <= d_first, f["reg_day"], np.nan)  # registered by the range's first day
    touch = np.fmax(reg, f["last_event_day"])
    quiet = ~buyer & ~np.isnan(touch)  # cooling once more than the policy's days have passed
    cool[quiet] = touch[quiet] + tp.contact_cooling_days + 1
    lapse[quiet] = touch[quiet] + tp.contact_lapsed_days + 1
    return {
        "t1": t1, "t2": t2, "t3": t3, "t4": circ,
        "j_fixed": np.where(j_top, steps["advocate"], j_base).astype(np.int8),
        "j_full": np.where(j_top | (n < 2), -1, n_cat).astype(np.int16),
        "cool": cool, "lapse": lapse, "one": one.astype(np.int32),
        "own_raw": own,
    }


#: a customer's state in one small integer: stage x 21 + journey step x 3 + temperature
_N_J, _N_T = len(JOURNEY_STEPS), len(TEMPERATURES)
_N_CODES = len(STAGES) * _N_J * _N_T
_CODE_SPAN = 128  # a power of two above every code


def _median_known(own: np.ndarray) -> float | None:
    """``np.median`` of the values that are not NaN (None if none), without copying them out:
    NaN sorts last, so the middle of the first ``m`` (the count of numbers) is the median."""
    m = len(own) - int(np.count_nonzero(np.isnan(own)))
    if m == 0:
        return None
    mid = sorted({(m - 1) // 2, m // 2})
    part = np.partition(own, mid)
    return float(np.mean(part[mid]))


def _state(c: dict[str, np.ndarray], d: int, k: int, one_cool: int, one_lapse: int) -> np.ndarray:
    """Every known customer's state code (see :data:`_N_CODES`) on day ``d``: comparisons only."""
    stage = (d < c["t1"]).view(np.int8) + (d < c["t2"]).view(np.int8)
    stage += (d < c["t3"]).view(np.int8)
    stage += (d < c["t4"]).view(np.int8)
    journey = np.where(c["j_full"] >= k, np.int8(5), c["j_fixed"])
    cool, lapse = c["cool"], c["lapse"]
    if one_cool or one_lapse:  # one purchase day: cools after the shop's interval
        cool, lapse = cool + c["one"] * one_cool, lapse + c["one"] * one_lapse
    temp = (d >= cool).view(np.int8) + (d >= lapse).view(np.int8)  # lapse is never before cool
    stage *= _N_J * _N_T
    stage += journey * np.int8(_N_T)
    stage += temp
    return stage


def stage_grid(
    ws: Any, days: list[dt.date], policy: Policy, exclude: tuple[str, ...], keep: tuple[dt.date, ...] = (),
    purchase_days: Any = None, first_categories: Any = None,
) -> GridResult:
    """Stage, journey step and temperature of every customer at every day of ``days`` (sorted).

    The facts at each day equal those of :func:`horetsu.stages.facts.customer_facts` that
    day; the decisions those of :func:`horetsu.stages.classifier.decide` without P(alive).
    ``purchase_days``: an expression with one row per customer and purchase day
    (``customer_id``, ``order_date``) up to the last day, when the caller already keeps
    one; by default the purchases are read from the orders.  ``first_categories``: what
    :func:`horetsu.stages.facts.first_category_days` gives for the last day, when kept.
    """
    return grid_from(grid_input(ws, days, policy, exclude, purchase_days, first_categories), policy, keep)


def grid_from(given: GridInput, policy: Policy, keep: tuple[dt.date, ...] = ()) -> GridResult:
    """:func:`stage_grid` from what :func:`grid_input` read (NumPy only, no engine)."""
    rows = _merged(given.fetched, given.reg)
    given.fetched, given.reg = [], given.reg.slice(0, 0)  # the merged rows replace them
    return _walk(given.days, given.nums, rows, given.full_k, policy, keep)


def _full_line_k(policy: Policy, nums: list[int], first_categories: Any) -> list[int]:
    """"Full line" per day: max(min categories, ceil(share x the shop's categories known that day))."""
    cats = first_categories.filter(first_categories.day <= nums[-1])
    first_cat = cats.group_by("category").aggregate(day=cats.day.min()).to_pyarrow()
    cat_days = np.sort(np.asarray(first_cat["day"].to_numpy(zero_copy_only=False), dtype=np.int64))
    jp = policy.journey
    shop_cats = np.searchsorted(cat_days, np.asarray(nums, dtype=np.int64), side="right")
    return [max(jp.full_line_min_categories, int(np.ceil(np.float64(c) * jp.full_line_share))) for c in shop_cats]


def _walk(days: list[dt.date], nums: list[int], rows: _Rows, full_k: list[int], policy: Policy,
          keep: tuple[dt.date, ...]) -> GridResult:
    """Step through the snapshot days, vectorised over customers.

    Each day takes that bucket's rows (a slice: rows are by bucket), adds them to the
    customers' facts so far (sums add, latest days take the maximum, first days the
    minimum, the NPS score its latest), turns the changed customers' facts into day
    thresholds (:func:`_thresholds`) and decides every known customer (:func:`_state`).

    A customer exists from their first order, event or registration (subscriptions and
    categories alone do not make one, as in ``customer_facts``); earlier rows still count.
    Customers are renumbered in the order they become known, so that the known ones are
    always a prefix of the arrays: each day works on slices, never on a mask or a copy.
    """
    tp = policy.temperature
    n_days, n_s, n_t = len(nums), len(STAGES), _N_T
    bounds = np.searchsorted(rows.b, np.arange(n_days + 1))  # rows are by bucket: day j's are one slice
    first_b = np.full(len(rows.ids), n_days, np.int64)  # per id: the bucket it becomes known
    seen = np.zeros(len(rows.b), bool)
    seen[rows.cols["seen"].where[rows.cols["seen"].values > 0]] = True
    for j in range(n_days - 1, -1, -1):  # latest first, so that the earliest bucket is written last
        lo, hi = bounds[j], bounds[j + 1]
        first_b[rows.key[lo:hi][seen[lo:hi]]] = j  # a customer has one row per bucket at most
    del seen
    live = np.flatnonzero(first_b < n_days)  # ids ever known (sorted)
    ids = rows.ids.take(pa.array(live))
    in_live = first_b[rows.key] < n_days
    key, b, facts = rows.key, rows.b, rows.cols
    if not in_live.all():  # drop the rows of ids never known
        key, b = key[in_live], b[in_live]
        facts = _kept_groups(facts, in_live)
    del in_live
    reg_day = rows.reg_day[live]
    first_b = first_b[live]
    n_cust = len(live)
    perm = np.argsort(first_b, kind="stable")  # new number -> customer (index into ids)
    renum = np.empty(n_cust, np.int64)
    renum[perm] = np.arange(n_cust)
    # each row's customer, in the new numbering
    ncust = renum[key if n_cust == len(rows.ids) else np.searchsorted(live, key)]
    del key
    reg_day = reg_day[perm]
    known_upto = np.searchsorted(first_b[perm], np.arange(n_days), side="right")
    bounds = np.searchsorted(b, np.arange(n_days + 1))
    cuts: dict[int, np.ndarray] = {}  # per ``where``: where each day's groups start in it
    for f in facts.values():
        cuts.setdefault(id(f.where), np.searchsorted(f.where, bounds))
    acc = {k: _blank(k, n_cust, v.values.dtype) for k, v in facts.items()}  # each customer's facts so far
    cur = {k: np.zeros(n_cust, dtype=v.dtype)  # each customer's thresholds from their facts so far
           for k, v in _thresholds({**{k: a[:0] for k, a in acc.items()}, "reg_day": reg_day[:0]}, 0.0, policy).items()}
    prev = np.zeros(n_cust, dtype=np.int8)  # each known customer's state code on the day before
    tally = np.zeros(_N_CODES, np.int64)  # customers per state code on the day before
    count_rows, flow_rows, change_parts, snaps = [], [], [], []
    keep_days = {to_day(k) for k in keep}
    before = 0  # customers known before this day
    for j in range(n_days):  # snapshot days (dozens), each vectorised over every known customer
        lo, hi = bounds[j], bounds[j + 1]
        if hi > lo:  # news: the facts and thresholds of these customers only (one row each)
            targets = ncust[lo:hi]
            mine = {}
            for k, f in facts.items():
                a, cut = acc[k], cuts[id(f.where)]
                s, e = cut[j], cut[j + 1]  # the groups of this day that have the fact
                if e > s:
                    at, v = ncust[f.where[s:e]], f.values[s:e]
                    if k == "nps_last_value":  # the score given last: this bucket's, if any
                        a[at] = np.where(np.isnan(facts["nps_last_day"].values[s:e]), a[at], v)
                    else:
                        a[at] = _combine(k)(a[at], v)
                mine[k] = a[targets]
            mine["reg_day"] = reg_day[targets]
            for k, v in _thresholds(mine, float(nums[j]), policy).items():
                cur[k][targets] = v
        now = int(known_upto[j])
        med = _median_known(cur["own_raw"][:now])
        fallback = med if med is not None and med > 0 else float(tp.default_interval_days)
        ival = np.array([max(fallback, float(tp.min_interval_days))])
        one_cool, one_lapse = (int(_first_over(ival, r)[0]) for r in (tp.cooling_ratio, tp.lapsed_ratio))
        code = _state({k: v[:now] for k, v in cur.items()}, nums[j], full_k[j], one_cool, one_lapse)
        # only the customers whose state changed (and the newly known ones) are looked at again
        moved = np.flatnonzero(code[:before] != prev[:before])
        sel = np.concatenate([moved, np.arange(before, now)])
        new_codes, old_codes = code[sel], prev[moved]
        tally += np.bincount(new_codes, minlength=_N_CODES)
        tally -= np.bincount(old_codes, minlength=_N_CODES)
        by_state = tally.reshape(n_s, _N_J, n_t)
        count_rows.append(by_state.sum(axis=1).ravel())
        to_stage = new_codes // (_N_J * n_t)
        flow = np.bincount(np.concatenate([old_codes // (_N_J * n_t), np.full(now - before, n_s, np.int8)])
                           .astype(np.int64) * n_s + to_stage, minlength=(n_s + 1) * n_s).reshape(n_s + 1, n_s)
        flow[np.arange(n_s), np.arange(n_s)] += by_state.sum(axis=(1, 2)) - np.bincount(to_stage, minlength=n_s)
        flow_rows.append(flow.ravel())
        change_parts.append((sel, j, new_codes))
        prev[sel] = new_codes
        if nums[j] in keep_days:  # rows in customer id order
            by_id = np.argsort(perm[:now], kind="stable")
            stage, journey, temp = _decoded(code[by_id])
            snaps.append(pa.table({"customer_id": ids.take(pa.array(perm[:now][by_id])),
                                   "as_of": pa.array([days[j]] * now, pa.date32()),
                                   "stage": names_of(STAGES, stage),
                                   "journey_step": names_of(JOURNEY_STEPS, journey),
                                   "temperature": names_of(TEMPERATURES, temp)}, schema=SNAPSHOT_SCHEMA))
        before = now
    counts = np.asarray(count_rows).reshape(n_days, n_s, n_t)
    jj, ss, tt = np.nonzero(counts)
    count_table = pa.table({"as_of": _dates(days, jj), "stage": names_of(STAGES, ss),
                            "temperature": names_of(TEMPERATURES, tt), "customers": pa.array(counts[jj, ss, tt], pa.int64())})
    flows = np.asarray(flow_rows).reshape(n_days, n_s + 1, n_s)
    flows[0] = 0
    jj, ff, tt = np.nonzero(flows)
    from_names = pa.array([*STAGES, NEW], pa.string())
    transitions = pa.table({"period_from": _dates(days, jj - 1), "period_to": _dates(days, jj),
                            "from_stage": from_names.take(pa.array(ff)), "to_stage": names_of(STAGES, tt),
                            "customers": pa.array(flows[jj, ff, tt], pa.int64())})
    # one sort of one integer per change row: customer, then day, then the state code itself
    packed = np.sort(np.concatenate([(perm[sel] * n_days + j) * _CODE_SPAN + c for sel, j, c in change_parts])
                     if change_parts else np.zeros(0, np.int64))
    code, packed = (packed % _CODE_SPAN).astype(np.int8), packed // _CODE_SPAN
    who, jcol = packed // n_days, packed % n_days
    del packed
    changes = StateChanges(ids, who, np.asarray(nums, np.int64)[jcol], *_decoded(code)).narrow()
    snap_table = pa.concat_tables(snaps) if snaps else SNAPSHOT_SCHEMA.empty_table()
    return GridResult(days=days, counts=count_table, transitions=transitions, state_changes=changes,
                      snapshots=snap_table)


def _decoded(code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage, journey step and temperature codes from state codes (:func:`_state`)."""
    return code // (_N_J * _N_T), code % (_N_J * _N_T) // _N_T, code % _N_T


def _dates(days: list[dt.date], j: Any) -> pa.Array:
    return pa.array(days, pa.date32()).take(pa.array(np.asarray(j, dtype=np.int64)))


__all__ = ["GridInput", "GridResult", "grid_days", "grid_from", "grid_input", "history_days", "stage_grid"]
