"""Acquisition cohorts: month of first purchase × months since then.

For every cohort and month offset m (0 = the acquisition month): the share of the
cohort buying in month m (``active_share``), the share that had made a second purchase
day by the end of month m (``repeat_share``) and the cumulative revenue per acquired
customer (``ltv``, the LTV curve).  The same grid is split by the category of the first
purchase and by the acquisition channel (channel of the first purchase day, else the
customer's channel) when those are known.

``cohort_ltv`` pools the cohorts: for each offset m, revenue per acquired customer over
all cohorts whose month m is complete (ended on or before the as-of day's month start).
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.analytics.base import Ctx, as_float, make_ctx, month_index, month_index_of, month_start
from horetsu.analytics.repeat import firsts, numbered_days

KEYS = ["split", "split_value", "cohort_idx"]
ALL = "*"


def cohort_members(ctx: Ctx) -> Any:
    """One row per (buyer, split): cohort month index, split name/value and the month offset of the 2nd purchase."""
    return ctx.shared("cohort_members", lambda: _cohort_members(ctx))


def _cohort_members(ctx: Ctx) -> Any:
    f = firsts(ctx)
    c = ctx.ws.table("customers")
    c = c.filter(c.customer_id.notnull()).group_by("customer_id").aggregate(cust_channel=c.channel.min())
    f = f.left_join(c, "customer_id").select(f, c.cust_channel)
    f = f.mutate(
        channel=f.first_channel.fill_null(f.cust_channel),
        second_m=month_index(f.date_2) - f.cohort_idx,
    )
    cols = ["customer_id", "cohort_idx", "second_m"]
    parts = [
        f.select(*cols, split=ibis.literal("all"), split_value=ibis.literal(ALL)),
        f.filter(f.first_category.notnull()).select(
            *cols, split=ibis.literal("first_category"), split_value=f.first_category
        ),
        f.filter(f.channel.notnull()).select(*cols, split=ibis.literal("channel"), split_value=f.channel),
    ]
    return parts[0].union(parts[1]).union(parts[2])


def cohorts(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The cohort grid (see module docstring); one row per split, cohort and month offset."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    members = cohort_members(ctx)
    d = numbered_days(ctx)
    d = d.mutate(month_idx=month_index(d.order_date))
    act = d.group_by(["customer_id", "month_idx"]).aggregate(revenue=d.revenue.sum().cast("int64"))
    a = act.join(members, "customer_id").select(
        members.split, members.split_value, members.cohort_idx,
        months_since=act.month_idx - members.cohort_idx, revenue=act.revenue,
    )
    activity = a.group_by([*KEYS, "months_since"]).aggregate(active_customers=a.count(), revenue=a.revenue.sum())
    r = members.filter(members.second_m.notnull())
    repeats = r.group_by([*KEYS, r.second_m.name("months_since")]).aggregate(new_repeaters=r.count())
    sizes = members.group_by(KEYS).aggregate(cohort_size=members.count())

    as_of_idx = month_index_of(ctx.as_of)
    first_idx = month_index_of(_first_day(ctx))
    offsets = ibis.memtable(
        {"months_since": list(range(0, max(as_of_idx - first_idx, 0) + 1))}, schema={"months_since": "int64"}
    )
    grid = sizes.cross_join(offsets)
    grid = grid.filter(grid.cohort_idx + grid.months_since <= as_of_idx)
    on = [*KEYS, "months_since"]
    g = grid.left_join(activity, on).select(grid, activity.active_customers, activity.revenue)
    g = g.left_join(repeats, on).select(g, repeats.new_repeaters)
    g = g.mutate(
        active_customers=g.active_customers.fill_null(0).cast("int64"),
        revenue=g.revenue.fill_null(0).cast("int64"),
        new_repeaters=g.new_repeaters.fill_null(0).cast("int64"),
    )
    w = ibis.window(group_by=[g.split, g.split_value, g.cohort_idx], order_by=g.months_since, rows=(None, 0))
    g = g.mutate(cum_revenue=g.revenue.sum().over(w).cast("int64"), repeaters=g.new_repeaters.sum().over(w).cast("int64"))
    size = as_float(g.cohort_size)
    return g.select(
        "split",
        "split_value",
        cohort=month_start(g.cohort_idx),
        months_since=g.months_since,
        complete=(g.cohort_idx + g.months_since) < as_of_idx,
        cohort_size=g.cohort_size.cast("int64"),
        active_customers=g.active_customers,
        active_share=as_float(g.active_customers) / size,
        repeaters=g.repeaters,
        repeat_share=as_float(g.repeaters) / size,
        revenue=g.revenue,
        cum_revenue=g.cum_revenue,
        ltv=as_float(g.cum_revenue) / size,
    )


def pooled(grid: Any) -> Any:
    """The pooled LTV curve per split value and month offset, over complete months only."""
    g = grid.filter(grid.complete)
    t = g.group_by(["split", "split_value", "months_since"]).aggregate(
        cohorts=g.count(),
        customers=g.cohort_size.sum().cast("int64"),
        cum_revenue=g.cum_revenue.sum().cast("int64"),
        repeaters=g.repeaters.sum().cast("int64"),
    )
    return t.mutate(
        ltv=as_float(t.cum_revenue) / as_float(t.customers),
        repeat_share=as_float(t.repeaters) / as_float(t.customers),
    )


def _first_day(ctx: Ctx) -> Any:
    o = ctx.paid()
    value = o.aggregate(d=o.order_date.min()).to_pyarrow().to_pylist()[0]["d"]
    return value or ctx.as_of


def cohort_ltv(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The pooled LTV curve as of a day (see :func:`pooled`)."""
    return pooled(cohorts(ws, as_of, exclude_statuses=exclude_statuses))
