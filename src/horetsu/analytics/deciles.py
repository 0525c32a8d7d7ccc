"""Decile analysis (デシル分析): buyers in ten groups by cumulative spend, decile 1 = top.

Buyers are sorted by ``monetary_total`` (highest first, ties by ``customer_id``) and
cut into ten groups of equal size: the customer at rank r of n is in decile
``floor((r-1)·10/n) + 1``.  On Spark, where one global sort would run in a single
partition, deciles are cut at approximate quantiles of the spend instead (tied
customers then share a decile); with distinct spends both give the same groups.
With fewer than ten buyers some deciles are empty.
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.analytics.base import Ctx, as_float, make_ctx
from horetsu.analytics.quantiles import bucket, cut_points

TENTHS = [(k, 10) for k in range(1, 10)]


def add_decile(ctx: Ctx, summary: Any) -> Any:
    """``summary`` with ``decile`` (1 = highest spend; null for non-buyers)."""
    buyer = summary.frequency > 0
    if ctx.backend == "pyspark":
        neg = summary.filter(buyer).mutate(neg_monetary=-summary.monetary_total)
        cuts = cut_points(ctx, neg, "neg_monetary", TENTHS)
        decile = bucket(-summary.monetary_total, cuts)
        return summary.mutate(decile=ibis.ifelse(buyer, decile, ibis.null("int64")))
    w = ibis.window(group_by=buyer, order_by=[summary.monetary_total.desc(), summary.customer_id])
    rank = ibis.row_number().over(w)  # 0-based
    t = summary.mutate(_rank=rank, _n=summary.frequency.count(where=buyer).over(ibis.window()))
    decile = (t._rank * 10 // t._n + 1).cast("int64")
    return t.mutate(decile=ibis.ifelse(t.frequency > 0, decile, ibis.null("int64"))).drop("_rank", "_n")


def table(with_decile: Any) -> Any:
    """Per decile: customers, orders, revenue, share and cumulative share of revenue, spend range."""
    b = with_decile.filter(with_decile.decile.notnull())
    t = b.group_by("decile").aggregate(
        customers=b.count(),
        orders=b.orders.sum().cast("int64"),
        revenue=b.monetary_total.sum().cast("int64"),
        min_monetary=b.monetary_total.min(),
        max_monetary=b.monetary_total.max(),
        mean_monetary=b.monetary_total.cast("float64").mean(),
    )
    total = as_float(t.revenue.sum().over(ibis.window()))
    cum = as_float(t.revenue.sum().over(ibis.window(order_by=t.decile, rows=(None, 0))))
    return t.mutate(
        customers=t.customers.cast("int64"),
        revenue_share=as_float(t.revenue) / total,
        cum_revenue_share=cum / total,
    ).order_by("decile")


def deciles(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The decile table as of a day."""
    from horetsu.analytics.summary import customer_summary

    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    return table(add_decile(ctx, customer_summary(ctx)))
