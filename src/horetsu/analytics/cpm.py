"""CPM (customer portfolio management): five segments × active / lapsed.

Rules with the published defaults (tenure = days from first to last purchase,
lapse = days from the last purchase to the as-of day):

- ``first_time`` 初回: one purchase day
- ``budding`` よちよち: two or more purchase days and tenure < 90
- ``steady`` コツコツ: tenure >= 90 and cumulative spend < ¥70,000
- ``trend`` 流行: 90 <= tenure < 210 and spend >= ¥70,000
- ``loyal`` 優良: tenure >= 210 and spend >= ¥70,000
- ``cpm_active`` is false (離脱) when lapse >= 240 days, true (現役) otherwise.

With ``scale_by_aov = true`` the spend threshold becomes
``spend_jpy × shop average order value / reference_aov_jpy`` (rounded to the yen).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis

from horetsu.analytics.base import Ctx, make_ctx
from horetsu.analytics.summary import customer_summary


def spend_threshold(ctx: Ctx) -> int:
    """The cumulative-spend threshold in yen (scaled by average order value when configured)."""
    cfg = ctx.settings.cpm
    if not cfg.scale_by_aov:
        return int(cfg.spend_jpy)
    o = ctx.paid()
    row = o.aggregate(total=o.total_jpy.sum().cast("int64"), n=o.count()).to_pyarrow().to_pylist()[0]
    if not row["n"]:
        return int(cfg.spend_jpy)
    aov = row["total"] / row["n"]
    return int(round(cfg.spend_jpy * aov / cfg.reference_aov_jpy))


def add_cpm(ctx: Ctx, summary: Any, spend: int | None = None) -> Any:
    """``summary`` with ``cpm_segment`` and ``cpm_active`` (null for customers without a purchase)."""
    spend = spend_threshold(ctx) if spend is None else spend
    short, long_ = ctx.settings.cpm.tenure_days
    s = summary
    tenure, money = s.tenure_days, s.monetary_total
    seg = ibis.cases(
        (s.frequency == 1, "first_time"),
        (tenure < short, "budding"),
        (money < spend, "steady"),
        (tenure < long_, "trend"),
        else_="loyal",
    )
    buyer = s.frequency > 0
    return s.mutate(
        cpm_segment=ibis.ifelse(buyer, seg, ibis.null("string")),
        cpm_active=ibis.ifelse(buyer, s.recency_days < ctx.settings.lapse_days, ibis.null("boolean")),
    )


def cpm(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The customer summary with ``cpm_segment`` and ``cpm_active`` (an Ibis expression)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    return add_cpm(ctx, customer_summary(ws, ctx))


def cells(classified: Any) -> Any:
    """Customers and revenue per (cpm_segment, cpm_active) cell; buyers only."""
    b = classified.filter(classified.cpm_segment.notnull())
    return b.group_by(["cpm_segment", "cpm_active"]).aggregate(
        customers=b.count(),
        revenue=b.monetary_total.sum().cast("int64"),
        mean_monetary=b.monetary_total.cast("float64").mean(),
    )


def cpm_transitions(ws: Any, from_as_of: Any, to_as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """How customers moved between CPM cells from one as-of day to a later one.

    One row per (from_segment, from_active, to_segment, to_active) with a count.
    Customers who had not bought yet on ``from_as_of`` have null ``from_*`` columns.
    """
    to_ctx = make_ctx(ws, to_as_of, exclude_statuses=exclude_statuses)
    from_ctx = make_ctx(ws, from_as_of, exclude_statuses=to_ctx.exclude, settings=to_ctx.settings)
    if from_ctx.as_of > to_ctx.as_of:
        from horetsu.errors import AnalysisError

        raise AnalysisError(
            f"the first as-of date {from_ctx.as_of} is after the second {to_ctx.as_of}",
            ja=f"比較元の基準日 {from_ctx.as_of} が比較先 {to_ctx.as_of} より後です",
        )
    return transitions_between(from_ctx, to_ctx)


def transitions_between(from_ctx: Ctx, to_ctx: Ctx) -> Any:
    before = add_cpm(from_ctx, customer_summary(from_ctx.ws, from_ctx))
    after = add_cpm(to_ctx, to_ctx.shared("summary", lambda: customer_summary(to_ctx.ws, to_ctx)))
    before = before.filter(before.cpm_segment.notnull()).select(
        "customer_id", from_segment=before.cpm_segment, from_active=before.cpm_active
    )
    after = after.filter(after.cpm_segment.notnull()).select(
        "customer_id", to_segment=after.cpm_segment, to_active=after.cpm_active
    )
    j = after.left_join(before, "customer_id").select(
        after.to_segment, after.to_active, before.from_segment, before.from_active
    )
    return j.group_by(["from_segment", "from_active", "to_segment", "to_active"]).aggregate(customers=j.count())


def default_from(as_of: dt.date, days: int = 365) -> dt.date:
    return as_of - dt.timedelta(days=days)


def cpm_cells(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Customers and revenue per CPM cell as of a day (see :func:`cells`)."""
    return cells(cpm(ws, as_of, exclude_statuses=exclude_statuses))
