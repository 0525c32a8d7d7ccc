"""Sales on the time axis, per calendar month.

``timeline``: revenue, orders and customers per month and kind of purchase day —
``new`` (the customer's first purchase day), ``subscription`` (a later day with a
subscription order), ``repeat_2``, ``repeat_3_4``, ``repeat_5_9``, ``repeat_10p`` (by
purchase-day number), and ``no_buyer``: orders that carry no buyer id (the Amazon All
Orders Report), counted for the month's orders and revenue with no customers.

``timeline_base``: per month, customers acquired, reactivated (buying again after
having lapsed), lost (the day ``lapse_days`` after their last purchase falls in the
month, on or before the as-of day) and the active base at the end of the month
(or on the as-of day for its own month).  A customer is active from a purchase day
until ``lapse_days`` have passed without another one.
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.analytics.base import Ctx, make_ctx, month_grid, month_index, month_start
from horetsu.analytics.repeat import numbered_days


def purchase_kind(d: Any) -> Any:
    return ibis.cases(
        (d.day_no == 1, "new"),
        (d.subscription, "subscription"),
        (d.day_no == 2, "repeat_2"),
        (d.day_no <= 4, "repeat_3_4"),
        (d.day_no <= 9, "repeat_5_9"),
        else_="repeat_10p",
    )


def timeline(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Revenue, orders and customers per month and kind of purchase."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    d = numbered_days(ctx)
    d = d.mutate(month_idx=month_index(d.order_date), kind=purchase_kind(d))
    t = d.group_by(["month_idx", "kind"]).aggregate(
        customers=d.customer_id.nunique(),
        orders=d.orders.sum().cast("int64"),
        revenue=d.revenue.sum().cast("int64"),
    )
    t = t.select(month_idx=t.month_idx, kind=t.kind, customers=t.customers.cast("int64"),
                 orders=t.orders.cast("int64"), revenue=t.revenue.cast("int64"))
    o = ctx.ws.table("orders")
    anon = o.filter(o.customer_id.isnull(), o.order_date.notnull(), o.order_date <= ctx.as_of_lit(), ctx.is_paid(o))
    anon = anon.mutate(month_idx=month_index(anon.order_date))
    a = anon.group_by("month_idx").aggregate(orders=anon.count().cast("int64"),
                                             revenue=anon.total_jpy.sum().cast("int64"))
    a = a.select(month_idx=a.month_idx, kind=ibis.literal("no_buyer"), customers=ibis.literal(0, "int64"),
                 orders=a.orders, revenue=a.revenue.fill_null(0))
    t = t.union(a, distinct=False)
    return t.select(month=month_start(t.month_idx), kind=t.kind, customers=t.customers,
                    orders=t.orders, revenue=t.revenue)


def spells(ctx: Ctx) -> Any:
    """Active spells: (customer_id, start, last purchase day, lapse day, first spell?)."""
    lapse = ctx.settings.lapse_days
    d = numbered_days(ctx)
    d = d.mutate(new_spell=(d.day_no == 1) | (d.gap_days >= lapse))
    w = ibis.window(group_by=d.customer_id, order_by=d.order_date, rows=(None, 0))
    d = d.mutate(spell=ibis.ifelse(d.new_spell, 1, 0).cast("int64").sum().over(w))
    s = d.group_by(["customer_id", "spell"]).aggregate(start=d.order_date.min(), last=d.order_date.max())
    return s.mutate(lapse_date=s.last + ibis.interval(days=lapse))


def timeline_base(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """New, reactivated, lost customers and the active base per month."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    s = spells(ctx)
    s = s.mutate(start_idx=month_index(s.start), lapse_idx=month_index(s.lapse_date))
    starts = s.group_by(month_idx=s.start_idx).aggregate(
        new_customers=s.count(where=s.spell == 1), reactivated_customers=s.count(where=s.spell > 1)
    )
    lost_s = s.filter(s.lapse_date <= ctx.as_of_lit())
    lost = lost_s.group_by(month_idx=lost_s.lapse_idx).aggregate(lost_customers=lost_s.count())
    d = numbered_days(ctx)
    d = d.mutate(month_idx=month_index(d.order_date))
    buys = d.group_by("month_idx").aggregate(buyers=d.customer_id.nunique(), revenue=d.revenue.sum().cast("int64"))

    first = s.aggregate(m=s.start.min()).to_pyarrow().to_pylist()[0]["m"] or ctx.as_of
    grid = month_grid(first, ctx.as_of)
    g = grid.left_join(starts, "month_idx").select(grid.month_idx, starts.new_customers, starts.reactivated_customers)
    g = g.left_join(lost, "month_idx").select(g, lost.lost_customers)
    g = g.left_join(buys, "month_idx").select(g, buys.buyers, buys.revenue)
    g = g.mutate(
        new_customers=g.new_customers.fill_null(0).cast("int64"),
        reactivated_customers=g.reactivated_customers.fill_null(0).cast("int64"),
        lost_customers=g.lost_customers.fill_null(0).cast("int64"),
        buyers=g.buyers.fill_null(0).cast("int64"),
        revenue=g.revenue.fill_null(0).cast("int64"),
    )
    w = ibis.window(order_by=g.month_idx, rows=(None, 0))
    net = g.new_customers + g.reactivated_customers - g.lost_customers
    g = g.mutate(active_base=net.sum().over(w).cast("int64"))
    return g.select(
        month=month_start(g.month_idx),
        new_customers=g.new_customers,
        reactivated_customers=g.reactivated_customers,
        lost_customers=g.lost_customers,
        active_base=g.active_base,
        buyers=g.buyers,
        revenue=g.revenue,
    )
