"""analyze reuses the purchase days its analytics steps keep: the model scores from them
equal the scores computed from the orders (missing totals, same-day and cancelled orders)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from horetsu.analytics.base import make_ctx
from horetsu.analytics.repeat import numbered_days
from horetsu.core.purchases import excluded_statuses
from horetsu.models.scoring import score_workspace

_spec = importlib.util.spec_from_file_location("horetsu_tests_pipeline_property_reuse",
                                               Path(__file__).with_name("test_pipeline_property.py"))
_prop = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_prop)
AS_OF, random_shop = _prop.AS_OF, _prop.random_shop


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
