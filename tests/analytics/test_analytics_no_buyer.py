"""Orders without a buyer id (the Amazon All Orders Report) count in the monthly sales, nowhere else."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

import horetsu
from horetsu.analytics import customer_summary, timeline

TS = pa.timestamp("us", tz="Asia/Tokyo")


def _ws(tmp_path):
    ws = horetsu.init_workspace(tmp_path / "ws")
    rows = [  # (order, customer, day, status, total)
        ("o1", "A", dt.date(2025, 1, 10), "completed", 1000),
        ("o2", None, dt.date(2025, 1, 12), "completed", 2500),
        ("o3", None, dt.date(2025, 1, 20), "completed", 500),
        ("o4", None, dt.date(2025, 2, 3), "cancelled", 9999),  # not a purchase
        ("o5", None, dt.date(2025, 2, 5), "completed", 700),
        ("o6", "A", dt.date(2025, 2, 7), "completed", 1200),
    ]
    ws.write_tables({"orders": pa.table({
        "order_id": [r[0] for r in rows],
        "customer_id": pa.array([r[1] for r in rows], pa.string()),
        "ordered_at": pa.array([dt.datetime.combine(r[2], dt.time(12)) for r in rows], TS),
        "order_date": pa.array([r[2] for r in rows], pa.date32()),
        "status": [r[3] for r in rows],
        "total_jpy": pa.array([r[4] for r in rows], pa.int64()),
    })})
    return horetsu.open_workspace(ws.path)


def test_no_buyer_orders_are_a_kind_of_the_monthly_timeline(tmp_path):
    ws = _ws(tmp_path)
    t = {(r["month"], r["kind"]): r for r in timeline(ws, "2025-02-28").to_pyarrow().to_pylist()}
    jan, feb = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    # hand count: January o2 + o3 (2 orders, ¥3,000); February o5 only (o4 was cancelled)
    assert (t[(jan, "no_buyer")]["orders"], t[(jan, "no_buyer")]["revenue"], t[(jan, "no_buyer")]["customers"]) == (2, 3000, 0)
    assert (t[(feb, "no_buyer")]["orders"], t[(feb, "no_buyer")]["revenue"]) == (1, 700)
    assert (t[(jan, "new")]["revenue"], t[(feb, "repeat_2")]["revenue"]) == (1000, 1200)
    # per-buyer analyses do not see them
    assert customer_summary(ws, "2025-02-28").to_pyarrow()["customer_id"].to_pylist() == ["A"]
