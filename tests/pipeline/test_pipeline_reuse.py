"""analyze reuses the purchase days its analytics steps keep: the model scores from them
equal the scores computed from the orders (missing totals, same-day and cancelled orders)."""

from __future__ import annotations

import datetime as dt

import pyarrow.compute as pc

from horetsu.analytics.base import make_ctx
from horetsu.analytics.repeat import numbered_days
from horetsu.core.purchases import excluded_statuses
from horetsu.models.scoring import score_workspace
from horetsu_tests_pipeline_property import AS_OF, random_shop


def test_scores_from_kept_purchase_days_equal_scores_from_orders(shop, make_ws):
    shop = random_shop(shop, 5, n=40)
    # a day whose only order has no total, a day with one missing and one known total,
    # two orders on one day, and a cancelled order
    shop.order("R01", 30, total=None).order("R02", 45, total=None).order("R02", 45, total=2500)
    shop.order("R03", 12).order("R03", 12, total=800).order("R04", 9, status="cancelled", total=99999)
    ws = make_ws(shop)
    day = dt.date.fromisoformat(str(AS_OF))
    exclude = excluded_statuses(ws, None)
    ctx = make_ctx(ws, day, exclude_statuses=exclude).caching()
    try:
        kept, kept_meta = score_workspace(ws, day, exclude_statuses=list(exclude), purchase_days=numbered_days(ctx))
    finally:
        ctx.release()
    fresh, fresh_meta = score_workspace(ws, day, exclude_statuses=list(exclude))
    assert fresh.num_rows >= 25 and kept.equals(fresh)
    assert kept_meta == fresh_meta


def test_stage_facts_from_kept_purchase_days_equal_facts_from_orders(shop, make_ws):
    from horetsu.playbook.policy import load_policy
    from horetsu.stages.facts import facts_table

    shop = random_shop(shop, 8, n=40)
    shop.order("R01", 30, total=None).order("R02", 45, total=None).order("R02", 45, total=2500)
    shop.order("R05", 20, total=None).order("R03", 12).order("R03", 12, total=800)
    shop.order("R04", 9, status="cancelled", total=99999)
    shop.customer("N1", registered=100).order("N1", 50, total=None).order("N1", 20, total=None)
    ws = make_ws(shop)
    day = dt.date.fromisoformat(str(AS_OF))
    exclude = excluded_statuses(ws, None)
    policy = load_policy(ws)
    ctx = make_ctx(ws, day, exclude_statuses=exclude).caching()
    try:
        kept = facts_table(ws, day, policy, exclude, purchase_days=numbered_days(ctx))
    finally:
        ctx.release()
    fresh = facts_table(ws, day, policy, exclude)
    assert kept.schema == fresh.schema and fresh.num_rows >= 40
    assert kept.sort_by("customer_id").equals(fresh.sort_by("customer_id"))
    spend = dict(zip(fresh["customer_id"].to_pylist(), fresh["spend_jpy"].to_pylist()))
    assert spend["N1"] is None  # no total known on any purchase day: unknown, not zero
    n1 = fresh.filter(pc.equal(fresh["customer_id"], "N1")).to_pylist()[0]
    assert n1["n_orders"] == 2 and n1["second_order_day"] - n1["first_order_day"] == 30


def test_customer_summary_from_kept_purchase_days_equals_summary_from_orders(shop, make_ws):
    """The summary (and the CPM transitions' summary a year earlier) read the run's kept
    purchase days; a fresh one groups the orders: every column of every row is equal,
    including a customer whose only orders were cancelled and days with missing totals."""
    from dataclasses import replace

    from horetsu.analytics.summary import customer_summary

    shop = random_shop(shop, 11, n=40)
    shop.order("R01", 30, total=None).order("R02", 45, total=None).order("R02", 45, total=2500)
    shop.order("R03", 12).order("R03", 12, total=800).order("Z9", 9, status="cancelled", total=99999)
    shop.order("Z9", 400, status="returned", total=5000).order("R03", 500, total=1200)
    ws = make_ws(shop)
    day = dt.date.fromisoformat(str(AS_OF))
    exclude = excluded_statuses(ws, None)
    earlier = day - dt.timedelta(days=365)
    ctx = make_ctx(ws, day, exclude_statuses=exclude).caching()
    try:
        kept = customer_summary(ws, ctx).to_pyarrow()
        kept_before = customer_summary(ws, replace(make_ctx(ws, earlier, exclude_statuses=exclude), days_of=ctx)).to_pyarrow()
    finally:
        ctx.release()
    fresh = customer_summary(ws, day, exclude_statuses=exclude).to_pyarrow()
    fresh_before = customer_summary(ws, earlier, exclude_statuses=exclude).to_pyarrow()
    for a, b in ((kept, fresh), (kept_before, fresh_before)):
        assert a.schema == b.schema and b.num_rows >= 20
        assert a.sort_by("customer_id").equals(b.sort_by("customer_id"))
    z9 = fresh.filter(pc.equal(fresh["customer_id"], "Z9")).to_pylist()[0]
    assert z9["frequency"] == 0 and z9["orders"] == 0 and z9["first_purchase"] is None  # cancelled only
    assert fresh_before.num_rows < fresh.num_rows  # the earlier day knows fewer customers
    z9_before = fresh_before.filter(pc.equal(fresh_before["customer_id"], "Z9")).to_pylist()[0]
    assert z9_before["frequency"] == 0 and z9_before["monetary_total"] == 0  # only a returned order then


def test_facts_and_grid_from_kept_first_category_days_equal_those_from_the_orders(shop, make_ws):
    """analyze computes each customer's first day per category once, for its as-of day, and
    the stage facts and the grid read it; read for that day or an earlier one, they give what
    joining the orders again gives (a category bought again later counts from its first day)."""
    from horetsu.analytics.base import make_ctx
    from horetsu.core.dates import to_day
    from horetsu.playbook.policy import load_policy
    from horetsu.stages.facts import facts_table, first_category_days
    from horetsu.stages.grid import history_days, stage_grid

    shop = random_shop(shop, 13, n=40)
    shop.order("R01", 200, category="tea").order("R01", 3, category="tea").order("R01", 2, category="wine")
    ws = make_ws(shop)
    day = dt.date.fromisoformat(str(AS_OF))
    exclude = excluded_statuses(ws, None)
    policy = load_policy(ws)
    kept = ws.keep(first_category_days(ws, to_day(day), exclude))
    try:
        for d in (day, day - dt.timedelta(days=90)):
            days_then = numbered_days(make_ctx(ws, d, exclude_statuses=exclude))
            got = facts_table(ws, d, policy, exclude, purchase_days=days_then, first_categories=kept)
            want = facts_table(ws, d, policy, exclude)
            assert got.sort_by("customer_id").equals(want.sort_by("customer_id"))
            assert pc.max(want["n_categories"]).as_py() >= 2
        days, _ = history_days(ws, day, ())
        fresh, from_kept = stage_grid(ws, days, policy, exclude), stage_grid(ws, days, policy, exclude,
                                                                               first_categories=kept)
        assert from_kept.counts.equals(fresh.counts) and from_kept.transitions.equals(fresh.transitions)
        assert from_kept.snapshots.equals(fresh.snapshots)
    finally:
        ws.forget(kept)
