"""One row per customer: the customer's time axis in numbers.

Columns: ``customer_id, first_purchase, last_purchase, frequency`` (distinct purchase
days), ``orders, recency_days`` (as-of day − last purchase), ``tenure_days`` (last −
first purchase), ``age_days`` (as-of day − first purchase), ``monetary_total, monetary_mean``
(per order), ``categories`` (distinct product categories bought), ``subscription_active``.

Every customer known on the as-of day gets a row: the customers table (unless
registered later) and everyone with an order on or before that day.  A customer
without a paid purchase has ``frequency = orders = 0``, ``monetary_total = 0`` and
nulls in the date, day-count and mean columns.

The whole summary is one query: one aggregation of the orders per customer, the
distinct (customer, category) pairs, the running subscriptions and the customer list,
joined once.
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.core import subscriptions
from horetsu.core.dates import to_day
from horetsu.analytics.base import Ctx, as_float, days_between, make_ctx

COLUMNS = (
    "customer_id",
    "first_purchase",
    "last_purchase",
    "frequency",
    "orders",
    "recency_days",
    "tenure_days",
    "age_days",
    "monetary_total",
    "monetary_mean",
    "categories",
    "subscription_active",
)


def purchase_days(ctx: Ctx) -> Any:
    """One row per (customer, day with a paid order): orders, revenue (missing totals as 0), spend
    (missing when no order that day has a total), first category/channel, subscription."""
    o = ctx.paid()
    return o.group_by(["customer_id", "order_date"]).aggregate(
        orders=o.count(),
        revenue=o.total_jpy.sum().fill_null(0).cast("int64"),
        spend=o.total_jpy.sum().cast("int64"),  # as given: missing when no order that day has a total
        category=o.category.min(),
        channel=o.channel.min(),
        subscription=o.subscription_id.notnull().any(),
    )


def numbered_days(ctx: Ctx) -> Any:
    """Purchase days with ``day_no`` (1 = first purchase day) and ``gap_days`` since the previous one.

    Kept in the engine for the whole run when ``ctx`` caches.  A context whose ``days_of``
    names a later one (same exclusions) reads that one's days up to its own as-of day: the
    numbering and the gaps of the earlier days do not depend on later ones."""
    if ctx.days_of is not None:
        d = numbered_days(ctx.days_of)
        return d.filter(d.order_date <= ctx.as_of_lit())
    return ctx.shared("numbered_days", lambda: _numbered_days(ctx))


def _numbered_days(ctx: Ctx) -> Any:
    d = purchase_days(ctx)
    w = ibis.window(group_by=d.customer_id, order_by=d.order_date)
    d = d.mutate(day_no=(ibis.row_number().over(w) + 1).cast("int64"), prev_date=d.order_date.lag().over(w),
                 first_date=d.order_date.first().over(w))
    return d.mutate(gap_days=days_between(d.order_date, d.prev_date)).drop("prev_date")


def customer_categories(ctx: Ctx) -> Any:
    """Distinct (customer_id, category) pairs from paid orders and their product lines."""
    o = ctx.paid()
    from_orders = o.filter(o.category.notnull()).select("customer_id", "category")
    lines = ctx.ws.table("order_lines")
    lines = lines.filter(lines.category.notnull(), lines.line_type.fill_null("product") == "product")
    from_lines = lines.join(o.select("order_id", "customer_id"), "order_id").select("customer_id", "category")
    return from_orders.union(from_lines, distinct=True)


def active_subscribers(ctx: Ctx) -> Any:
    """Customers with a subscription running at the end of the as-of day (horetsu.core.subscriptions)."""
    s = subscriptions.with_days(ctx.ws.table("subscriptions"))
    s = s.filter(subscriptions.running(s, to_day(ctx.as_of)))
    return s.select("customer_id").distinct()


def _per_customer(ctx: Ctx) -> Any:
    """Per customer with any order up to the as-of day: purchase dates, counts and spend.

    When the run keeps the purchase days anyway (a caching context, or one reading a later
    one's days), they are aggregated: 7.7M day rows instead of 10M orders, and no distinct
    count (1.9 s -> 0.5 s at 1M customers, docs/performance.md).  Otherwise one pass over
    the orders, with purchase days as a COUNT(DISTINCT order_date).  Both read the purchase
    rule from ``ctx.paid()`` / ``ctx.is_paid()``; tests hold them equal.
    """
    o = ctx.orders()
    if ctx.store is not None or ctx.days_of is not None:
        d = numbered_days(ctx)
        per = d.group_by("customer_id").aggregate(
            first_purchase=d.order_date.min(), last_purchase=d.order_date.max(), frequency=d.count(),
            orders=d.orders.sum(), monetary_total=d.spend.sum())
        # a customer whose orders are all cancelled or returned still has a row
        ids = o.select(_any_id=o.customer_id).distinct()
        j = ids.left_join(per, ids._any_id == per.customer_id)
        return j.select(customer_id=j._any_id, first_purchase=j.first_purchase, last_purchase=j.last_purchase,
                        frequency=j.frequency.fill_null(0).cast("int64"), orders=j.orders.fill_null(0).cast("int64"),
                        monetary_total=j.monetary_total.cast("int64"))
    paid = ctx.is_paid(o)
    return o.group_by("customer_id").aggregate(
        first_purchase=o.order_date.min(where=paid),
        last_purchase=o.order_date.max(where=paid),
        frequency=o.order_date.nunique(where=paid),
        orders=o.count(where=paid),
        monetary_total=o.total_jpy.sum(where=paid),
    )


def customer_summary(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The per-customer summary as an Ibis expression (see the module docstring)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    per = _per_customer(ctx)
    cats = customer_categories(ctx)
    ncat = cats.group_by("customer_id").aggregate(categories=cats.count())
    subs = active_subscribers(ctx).mutate(subscription_active=ibis.literal(True))
    c = ctx.ws.table("customers")
    listed = c.filter(c.customer_id.notnull(), c.registered_at.isnull() | (c.registered_at < ctx.end_ts()))
    listed = listed.select(listed_id=listed.customer_id).distinct()

    j = per.outer_join(listed, per.customer_id == listed.listed_id)
    t = j.select(
        customer_id=j.customer_id.fill_null(j.listed_id),
        **{col: j[col] for col in per.columns if col != "customer_id"},
    ).view()
    t = t.left_join(ncat, "customer_id").select(t, ncat.categories)
    t = t.left_join(subs, "customer_id").select(t, subs.subscription_active)
    as_of_lit = ctx.as_of_lit()
    t = t.mutate(
        frequency=t.frequency.fill_null(0).cast("int64"),
        orders=t.orders.fill_null(0).cast("int64"),
        monetary_total=t.monetary_total.fill_null(0).cast("int64"),
        recency_days=days_between(as_of_lit, t.last_purchase),
        tenure_days=days_between(t.last_purchase, t.first_purchase),
        age_days=days_between(as_of_lit, t.first_purchase),
        monetary_mean=ibis.ifelse(t.orders > 0, as_float(t.monetary_total) / as_float(t.orders), ibis.null("float64")),
        categories=t.categories.fill_null(0).cast("int64"),
        subscription_active=t.subscription_active.fill_null(False),
    )
    return t.select(*COLUMNS)
