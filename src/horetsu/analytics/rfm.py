"""RFM: recency, frequency and monetary scores (1-5), named segments, the R×F matrix.

Scores come from quintiles of the buyers' own distribution (``method = "quantile"``,
discrete quantiles, ties stay together) or from the fixed grid in ``[analysis.rfm]``
(``method = "grid"``).  R is 5 for the most recent buyers; F counts purchase days.
Customers without a purchase get null scores and no segment.
"""

from __future__ import annotations

from typing import Any

import ibis

from horetsu.analytics.base import Ctx, make_ctx
from horetsu.analytics.quantiles import bucket, cut_points_many
from horetsu.analytics.summary import customer_summary

QUINTILES = [(1, 5), (2, 5), (3, 5), (4, 5)]


def thresholds(ctx: Ctx, summary: Any) -> dict[str, list[Any]]:
    """Cut points for R (days), F (purchase days) and M (yen); scores rise past each one.

    For F and M a value strictly above the k-th cut point earns score k+1; for R a value
    strictly above the k-th cut point loses one point from 5.
    """
    cfg = ctx.settings.rfm
    if cfg.method == "grid":
        # grid values are lower bounds ("from"); strictly-above cuts are bound - 1 for integers
        return {
            "r": list(cfg.recency_days),
            "f": [v - 1 for v in cfg.frequency],
            "m": [v - 1 for v in cfg.monetary_jpy],
        }
    buyers = summary.filter(summary.frequency > 0)
    cuts = cut_points_many(ctx, buyers, ["recency_days", "frequency", "monetary_total"], QUINTILES)
    return {"r": cuts["recency_days"], "f": cuts["frequency"], "m": cuts["monetary_total"]}


def segment(r: Any, f: Any) -> Any:
    """Named segment from the R and F scores (every one of the 25 cells has a name)."""
    return ibis.cases(
        ((r >= 4) & (f >= 4), "champions"),
        ((r >= 3) & (f >= 3), "loyal"),
        ((r >= 4) & (f == 1), "new"),
        (r >= 3, "potential"),
        (f >= 3, "at_risk"),
        (r == 2, "hibernating"),
        else_="lost",
    )


def add_rfm(ctx: Ctx, summary: Any, cuts: dict[str, list[Any]] | None = None) -> Any:
    """``summary`` with ``rfm_r, rfm_f, rfm_m, rfm_segment`` (null for non-buyers)."""
    cuts = cuts or thresholds(ctx, summary)
    buyer = summary.frequency > 0
    null = ibis.null("int64")
    r = ibis.ifelse(buyer, 6 - bucket(summary.recency_days, cuts["r"]), null)
    f = ibis.ifelse(buyer, bucket(summary.frequency, cuts["f"]), null)
    m = ibis.ifelse(buyer, bucket(summary.monetary_total, cuts["m"]), null)
    t = summary.mutate(rfm_r=r, rfm_f=f, rfm_m=m)
    return t.mutate(rfm_segment=ibis.ifelse(buyer, segment(t.rfm_r, t.rfm_f), ibis.null("string")))


def rfm(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The customer summary with RFM scores and segment (an Ibis expression)."""
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses)
    return add_rfm(ctx, customer_summary(ws, ctx))


def matrix(scored: Any) -> Any:
    """R×F cells (buyers only): customers, revenue, mean M score. Empty cells are absent."""
    b = scored.filter(scored.rfm_r.notnull())
    return b.group_by(["rfm_r", "rfm_f"]).aggregate(
        customers=b.count(),
        revenue=b.monetary_total.sum().cast("int64"),
        mean_rfm_m=b.rfm_m.cast("float64").mean(),
    )


def segment_table(scored: Any) -> Any:
    """Per named segment: customers and revenue."""
    b = scored.filter(scored.rfm_segment.notnull())
    return b.group_by("rfm_segment").aggregate(customers=b.count(), revenue=b.monetary_total.sum().cast("int64"))


def rfm_matrix(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """The R×F matrix as of a day (see :func:`matrix`)."""
    return matrix(rfm(ws, as_of, exclude_statuses=exclude_statuses))


def rfm_segments(ws: Any, as_of: Any = None, *, exclude_statuses: Any = None) -> Any:
    """Customers and revenue per named RFM segment as of a day."""
    return segment_table(rfm(ws, as_of, exclude_statuses=exclude_statuses))
