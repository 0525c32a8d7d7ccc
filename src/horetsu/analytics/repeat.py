"""Repeat buying: F2 conversion, the purchase ladder and repurchase intervals.

A "purchase" here is a purchase day (several orders on one day count once), so a
customer who splits a basket into two orders on the same day is still a first-time
buyer.

- F2 within w days: among first-time buyers whose first purchase lies at least w days
  before the as-of day (so the window is fully observed), the share whose second purchase
  day came no more than w days after the first.
- Ladder: customers reaching their 1st, 2nd, ... purchase day, the conversion from the
  previous step and the median/80th percentile of days it took.
- Intervals: days between consecutive purchase days of the same customer in the same
  category (or SKU); the median and 80th percentile suggest when to follow up.
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.analytics.base import Ctx, as_float, days_between, make_ctx, month_index, month_start
from horetsu.analytics.quantiles import grouped_quantiles
from horetsu.analytics.summary import numbered_days

MEDIAN_P80 = [(1, 2), (4, 5)]


#: "the first year" of a customer: the first purchase day and the days at most this many days after it
FIRST_YEAR_DAYS = 365


def purchase_dates(ctx: Ctx) -> Any:
    """``customer_id``, ``order_date``, ``day_no``, ``spend``: one row per customer and
    purchase day (narrow, so that it can be kept after the wider :func:`numbered_days` is
    released)."""
    def narrow() -> Any:
        d = numbered_days(ctx)
        return d.select("customer_id", "order_date", day_no=d.day_no.cast("int32"), spend=d.spend)

    return ctx.shared("purchase_dates", narrow)


def firsts(ctx: Ctx, steps: int = 2) -> Any:
    """Per buyer: first purchase day, its category and channel, acquisition cohort, dates of days 2..steps."""
    return ctx.shared(f"firsts_{steps}", lambda: _firsts(ctx, steps))


def _firsts(ctx: Ctx, steps: int) -> Any:
    d = numbered_days(ctx)
    first = d.day_no == 1
    aggs: dict[str, Any] = {
        "first_date": d.order_date.min(),
        "first_category": d.category.min(where=first),
        "first_channel": d.channel.min(where=first),
        "first_day_revenue": d.revenue.sum(where=first),
        "first_year_revenue": d.revenue.sum(where=days_between(d.order_date, d.first_date) <= FIRST_YEAR_DAYS),
    }
    for k in range(2, steps + 1):
        aggs[f"date_{k}"] = d.order_date.min(where=d.day_no == k)
    f = d.group_by("customer_id").aggregate(**aggs)
    return f.mutate(cohort_idx=month_index(f.first_date))


def acquisition(ctx: Ctx) -> Any:
    """Per buyer, what the first purchase was and how the first year went: ``first_category``
    and ``channel`` of the first purchase day (the channel falls back to the customer list's),
    ``second_purchase`` (the second purchase day), ``first_day_revenue`` and
    ``first_year_revenue`` (purchase days at most :data:`FIRST_YEAR_DAYS` after the first).
    The one rule; analyze stores these in ``results/customers`` and the readers (NPS segments,
    the web list's filter, the diagnosis) read them there."""
    f = firsts(ctx)
    c = ctx.ws.table("customers")
    c = c.group_by("customer_id").aggregate(cust_channel=c.channel.min())
    f = f.left_join(c, "customer_id")
    return f.select(f.customer_id, f.first_category, channel=f.first_channel.fill_null(f.cust_channel),
                    second_purchase=f.date_2, first_day_revenue=f.first_day_revenue.cast("int64"),
                    first_year_revenue=f.first_year_revenue.cast("int64"))


def _f2_rows(ctx: Ctx, f: Any, keys: list[str]) -> Any:
    """Union over the F2 windows of (keys..., window_days, eligible, converted, rate)."""
    parts = []
    age = days_between(ctx.as_of_lit(), f.first_date)
    gap = days_between(f.date_2, f.first_date)
    for w in ctx.settings.f2_windows:
        eligible = age >= w
        aggs = {
            "eligible": f.count(where=eligible),
            "converted": f.count(where=eligible & f.date_2.notnull() & (gap <= w)),
        }
        g = f.group_by(keys).aggregate(**aggs) if keys else f.aggregate(**aggs)
        parts.append(g.mutate(window_days=ibis.literal(w, "int64")))
    u = parts[0]
    for p in parts[1:]:
        u = u.union(p)
    u = u.mutate(
        eligible=u.eligible.cast("int64"),
        converted=u.converted.cast("int64"),
        rate=ibis.ifelse(u.eligible > 0, as_float(u.converted) / as_float(u.eligible), ibis.null("float64")),
    )
    return u.select(*keys, "window_days", "eligible", "converted", "rate")


def f2(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """F2 conversion within each window (30/60/90/180/365 days by default)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    return _f2_rows(ctx, firsts(ctx), [])


def f2_by_cohort(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """F2 conversion per acquisition month (``cohort`` = first day of the month)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    f = firsts(ctx)
    f = f.mutate(cohort=month_start(f.cohort_idx))
    return _f2_rows(ctx, f, ["cohort"])


def f2_by_category(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """F2 conversion per category of the first purchase (null = unknown)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    f = firsts(ctx)
    return _f2_rows(ctx, f, ["first_category"])


def ladder(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Customers reaching purchase day 1..N, conversion from the step before, days taken."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    top = ctx.settings.ladder_max
    d = numbered_days(ctx)
    d = d.filter(d.day_no <= top)
    counts = d.group_by(step=d.day_no).aggregate(customers=d.count(), mean_days=d.gap_days.cast("float64").mean())
    w = ibis.window(order_by=counts.step)
    prev = counts.customers.lag().over(w)
    counts = counts.mutate(
        customers=counts.customers.cast("int64"),
        conversion=ibis.ifelse(prev.notnull(), as_float(counts.customers) / as_float(prev), ibis.null("float64")),
    )
    gaps = grouped_quantiles(d.filter(d.day_no >= 2).mutate(step=d.day_no), ["step"], "gap_days", MEDIAN_P80)
    j = counts.left_join(gaps, "step")
    return j.select(
        step=counts.step.cast("int64"),
        customers=counts.customers,
        conversion=counts.conversion,
        median_days=gaps.q_1_2.cast("int64"),
        p80_days=gaps.q_4_5.cast("int64"),
        mean_days=counts.mean_days,
    ).order_by("step")


def _category_days(ctx: Ctx) -> Any:
    """Distinct (customer_id, key=category, order_date) from paid orders and their product lines."""
    o = ctx.paid()
    a = o.filter(o.category.notnull()).select("customer_id", key=o.category, order_date=o.order_date)
    lines = ctx.ws.table("order_lines")
    lines = lines.filter(lines.category.notnull(), lines.line_type.fill_null("product") == "product")
    b = lines.join(o.select("order_id", "customer_id", "order_date"), "order_id").select(
        "customer_id", key=lines.category, order_date=o.order_date
    )
    return a.union(b, distinct=True)


def _sku_days(ctx: Ctx) -> Any:
    o = ctx.paid()
    lines = ctx.ws.table("order_lines")
    lines = lines.filter(lines.sku.notnull(), lines.line_type.fill_null("product") == "product")
    j = lines.join(o.select("order_id", "customer_id", "order_date"), "order_id")
    return j.select("customer_id", key=lines.sku, order_date=o.order_date).distinct()


def _interval_stats(triples: Any, name: str) -> Any:
    w = ibis.window(group_by=[triples.customer_id, triples.key], order_by=triples.order_date)
    g = triples.mutate(gap_days=days_between(triples.order_date, triples.order_date.lag().over(w)))
    return _gap_stats(g.filter(g.gap_days.notnull()), name)


def _gap_stats(g: Any, name: str) -> Any:
    """Per ``key``: number of gaps, customers, mean, median and 80th percentile of ``gap_days``."""
    stats = g.group_by("key").aggregate(
        intervals=g.count(),
        customers=g.customer_id.nunique(),
        mean_days=g.gap_days.cast("float64").mean(),
    )
    q = grouped_quantiles(g, ["key"], "gap_days", MEDIAN_P80)
    j = stats.join(q, "key")
    return j.select(
        **{name: stats.key},
        intervals=stats.intervals.cast("int64"),
        customers=stats.customers.cast("int64"),
        median_days=q.q_1_2.cast("int64"),
        p80_days=q.q_4_5.cast("int64"),
        mean_days=stats.mean_days,
    )


def intervals_category(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Repurchase intervals per category; the row with a null category covers all purchase days."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    cat = _interval_stats(_category_days(ctx), "category")
    d = numbered_days(ctx)  # already carries the gap to the previous purchase day
    g = d.filter(d.gap_days.notnull()).mutate(key=ibis.literal("*", "string"))
    overall = _gap_stats(g, "category").mutate(category=ibis.null("string"))
    return cat.union(overall)


def intervals_sku(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Repurchase intervals per SKU (needs order lines)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    return _interval_stats(_sku_days(ctx), "sku")
