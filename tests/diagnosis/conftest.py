"""A hand-built shop whose diagnosis is worked out by hand in test_diagnosis_golden.py.

As-of day D = 2025-06-30. Orders (amount in yen, days before D):

* h1..h10 — first purchase 200 days before D (¥4,000 each), shipped after
  1,1,2,2,3,4,4,5,6,7 days (08:00 JST, the previous day in UTC).
  h1, h2, h3 buy again 150 days before D (50 days later); h4 100 days before D (100 days later).
* y1..y4 — first purchase 500 days before D (¥5,000). y1 buys again at 400 (¥3,000),
  y2 at 200 (¥3,000) and at 10 (¥3,000, more than 365 days after the first).
* n1, n2 — first purchase 30 days before D (¥2,000).
* r1 — an order 60 days before D, returned; n1 an order 29 days before D, refunded;
  n2 an order 20 days before D, cancelled.

Events: inquiries h5 (D-190), y3 (D-50), y4 (D-600); NPS answers h6 10 (D-180), y1 9, y2 10,
h1 4 (D-170) then 8 (D-20), h2 7, h3 3, y3 2 (D-400, outside the year) then 6 (D-100);
one campaign send (message_sent, note discount_coupon) 40 days before D.
"""

from __future__ import annotations

import datetime as dt
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

AS_OF = dt.date(2025, 6, 30)
JST = dt.timezone(dt.timedelta(hours=9))
TS = pa.timestamp("us", tz="Asia/Tokyo")


def day(n: int) -> dt.date:
    return AS_OF - dt.timedelta(days=n)


def at(n: int, hour: int = 12) -> dt.datetime:
    d = day(n)
    return dt.datetime(d.year, d.month, d.day, hour, 0, tzinfo=JST)


def shop_tables(*, shipped: bool = True) -> dict[str, pa.Table]:
    orders: list[dict] = []

    def order(cid: str, n: int, total: int, status: str = "completed", ship_after: int | None = None) -> None:
        orders.append({"order_id": f"o{len(orders) + 1:03d}", "customer_id": cid, "ordered_at": at(n),
                       "order_date": day(n), "status": status, "total_jpy": total, "category": "skincare",
                       "shipped_at": at(n - ship_after, hour=8) if ship_after is not None else None})

    ship = [1, 1, 2, 2, 3, 4, 4, 5, 6, 7]
    for i in range(10):
        order(f"h{i + 1}", 200, 4000, ship_after=ship[i])
    for i in range(3):
        order(f"h{i + 1}", 150, 4000)
    order("h4", 100, 4000)
    for i in range(4):
        order(f"y{i + 1}", 500, 5000)
    order("y1", 400, 3000)
    order("y2", 200, 3000)
    order("y2", 10, 3000)
    order("n1", 30, 2000)
    order("n2", 30, 2000)
    order("r1", 60, 6000, status="returned")
    order("n1", 29, 2000, status="refunded")
    order("n2", 20, 2000, status="cancelled")

    events = []

    def event(cid: str, n: int, type_: str, value: float | None = None, note: str | None = None) -> None:
        events.append({"customer_id": cid, "at": at(n), "event_date": day(n), "type": type_, "value": value, "note": note})

    event("h5", 190, "inquiry")
    event("y3", 50, "inquiry")
    event("y4", 600, "inquiry")
    for cid, n, score in [("h6", 180, 10), ("y1", 90, 9), ("y2", 60, 10), ("h1", 170, 4), ("h1", 20, 8), ("h2", 45, 7),
                          ("h3", 40, 3), ("y3", 400, 2), ("y3", 100, 6)]:
        event(cid, n, "nps_response", value=score)
    event("y1", 40, "message_sent", note="discount_coupon")

    o_cols = {"order_id": pa.string(), "customer_id": pa.string(), "ordered_at": TS, "order_date": pa.date32(),
              "status": pa.string(), "total_jpy": pa.int64(), "category": pa.string()}
    if shipped:
        o_cols["shipped_at"] = TS
    e_cols = {"customer_id": pa.string(), "at": TS, "event_date": pa.date32(), "type": pa.string(),
              "value": pa.float64(), "note": pa.string()}
    return {
        "orders": pa.table({k: pa.array([r[k] for r in orders], type=t) for k, t in o_cols.items()}),
        "events": pa.table({k: pa.array([r.get(k) for r in events], type=t) for k, t in e_cols.items()}),
    }


def build_shop(path, *, shipped: bool = True):
    """Write the shop into a new workspace at ``path`` and analyse it as of D."""
    import horetsu
    from horetsu.pipeline import analyze

    ws = horetsu.init_workspace(path)
    tables = shop_tables(shipped=shipped)
    ws.write_tables(tables)
    if shipped:
        # the canonical schema may not carry shipped_at yet: write the column as an import would
        from horetsu.schema import conform

        full = conform("orders", tables["orders"])
        if "shipped_at" not in full.column_names:
            full = full.append_column("shipped_at", tables["orders"]["shipped_at"])
        pq.write_table(full, ws.table_path("orders"))
        ws.refresh()
    analyze(ws, as_of=AS_OF, models=False)
    return ws


@pytest.fixture(scope="session")
def shop_template(tmp_path_factory):
    return build_shop(tmp_path_factory.mktemp("diag") / "shop").path


@pytest.fixture
def shop(shop_template, tmp_path):
    """A private copy of the analysed shop (tests may save diagnoses into it)."""
    import horetsu

    target = tmp_path / "shop"
    shutil.copytree(shop_template, target, symlinks=True)
    return horetsu.open_workspace(target)


#: the hand-written answers of the golden test
ANSWERS = {
    "observer_no_early_offer": "yes", "observer_light_contact": "yes", "observer_open_information": "yes",
    "landing_thanks_and_guide": "yes", "landing_no_upsell": "yes", "landing_check_in": "no",
    "empathy_personal_replies": "yes", "empathy_history_known": "yes", "empathy_segmented_messages": "yes",
    "engagement_voice_invited": "yes", "engagement_no_ranking": "yes", "engagement_subscription_freedom": "yes",
    "circulation_thanks_first": "yes", "circulation_no_overload": "yes", "circulation_respect": "yes",
    "practice_contact_form": "partly", "practice_returns_flow": "yes", "practice_step_mails": "yes",
    "practice_delivery_speed": "yes", "practice_nps": "yes",
    "base_enclosures": "no", "base_journey": "yes", "base_data_used": "yes", "base_organic": "na",
}  # fmt: skip
