"""A small hand-worked shop (see the table below) and helpers for the analytics tests.

Customers and paid orders up to the as-of day 2024-12-31 (JST days):

| id | purchase days (yen)                                          | notes                              |
|----|--------------------------------------------------------------|------------------------------------|
| A  | 01-10 (10,000 + 5,000, two orders) · 03-10 (20,000) · 09-10 (40,000) | channel web, categories skin/body |
| B  | 2023-11-01 (3,000)                                           | 2024-02-15 order cancelled; rakuten |
| C  | —                                                            | only order cancelled               |
| D  | 01-01 (35,000) · 03-31 (35,000)                               | tenure exactly 90, spend exactly ¥70,000 |
| E  | 05-05 (1,000 + 2,000 same day)                               | lapse exactly 240 days on the as-of day |
| F  | 11-01 (4,000) · 12-01 (4,000, subscription s1)               | subscription running               |
| H  | 01-31 (1,000) · 07-31 (1,000) · 12-31 (1,000)                 | body category only on order lines  |
| I  | 2025-01-15                                                   | not in customers; first order after as-of |
| J  | 2025-02-01                                                   | in customers, first order after as-of |
| L  | —                                                            | a lead in customers                |
| G  | —                                                            | registered 2025-02-01 (after as-of) |
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

D = dt.date
JST = ZoneInfo("Asia/Tokyo")
AS_OF = D(2024, 12, 31)


def _ts(d: dt.date | None) -> dt.datetime | None:
    return None if d is None else dt.datetime(d.year, d.month, d.day, 10, 0, tzinfo=JST)


def orders_table(rows: list[tuple]) -> pa.Table:
    """rows: (order_id, customer_id, date, status, total, category, channel, subscription_id)."""
    cols = list(zip(*rows, strict=True))
    return pa.table(
        {
            "order_id": pa.array(cols[0], pa.string()),
            "customer_id": pa.array(cols[1], pa.string()),
            "ordered_at": pa.array([_ts(d) for d in cols[2]], pa.timestamp("us", tz="Asia/Tokyo")),
            "order_date": pa.array(cols[2], pa.date32()),
            "status": pa.array(cols[3], pa.string()),
            "total_jpy": pa.array(cols[4], pa.int64()),
            "category": pa.array(cols[5], pa.string()),
            "channel": pa.array(cols[6], pa.string()),
            "subscription_id": pa.array(cols[7], pa.string()),
        }
    )


HAND_ORDERS = [
    ("a1", "A", D(2024, 1, 10), "completed", 10000, "skin", "web", None),
    ("a2", "A", D(2024, 1, 10), "completed", 5000, "body", "web", None),
    ("a3", "A", D(2024, 3, 10), "completed", 20000, "skin", "web", None),
    ("a4", "A", D(2024, 9, 10), "completed", 40000, "skin", "web", None),
    ("b1", "B", D(2023, 11, 1), "completed", 3000, "skin", "rakuten", None),
    ("b2", "B", D(2024, 2, 15), "cancelled", 8000, "skin", "rakuten", None),
    ("c1", "C", D(2024, 5, 1), "cancelled", 9000, "skin", None, None),
    ("d1", "D", D(2024, 1, 1), "completed", 35000, "food", None, None),
    ("d2", "D", D(2024, 3, 31), "completed", 35000, "food", None, None),
    ("e1", "E", D(2024, 5, 5), "completed", 1000, None, None, None),
    ("e2", "E", D(2024, 5, 5), None, 2000, None, None, None),
    ("f1", "F", D(2024, 11, 1), "completed", 4000, "skin", None, None),
    ("f2", "F", D(2024, 12, 1), "completed", 4000, "skin", None, "s1"),
    ("h1", "H", D(2024, 1, 31), "completed", 1000, None, None, None),
    ("h2", "H", D(2024, 7, 31), "completed", 1000, "skin", None, None),
    ("h3", "H", D(2024, 12, 31), "completed", 1000, "skin", None, None),
    ("i1", "I", D(2025, 1, 15), "completed", 5000, "skin", None, None),
    ("j1", "J", D(2025, 2, 1), "completed", 6000, "skin", None, None),
]

HAND_LINES = pa.table(
    {
        "order_id": ["a1", "a3", "a4", "a4", "h1", "h1"],
        "line_no": pa.array([1, 1, 1, 2, 1, 2], pa.int32()),
        "line_type": ["product", "product", "product", "product", "product", "shipping"],
        "sku": ["SKIN-1", "SKIN-1", "SKIN-1", "SKIN-2", "BODY-1", None],
        "category": ["skin", "skin", "skin", "skin", "body", "fees"],
        "quantity": pa.array([1, 1, 1, 1, 1, 1], pa.int64()),
        "line_total_jpy": pa.array([10000, 20000, 30000, 10000, 500, 500], pa.int64()),
    }
)

HAND_CUSTOMERS = pa.table(
    {
        "customer_id": ["A", "B", "C", "D", "L", "J", "G"],
        "registered_at": pa.array(
            [None, None, None, None, _ts(D(2024, 6, 1)), None, _ts(D(2025, 2, 1))],
            pa.timestamp("us", tz="Asia/Tokyo"),
        ),
        "channel": [None, None, None, "line", None, None, None],
    }
)

HAND_SUBS = pa.table(
    {
        "subscription_id": ["s1", "s2"],
        "customer_id": ["F", "B"],
        "status": ["active", "cancelled"],
        "started_at": pa.array([_ts(D(2024, 12, 1)), _ts(D(2023, 11, 1))], pa.timestamp("us", tz="Asia/Tokyo")),
        "cancelled_at": pa.array([None, _ts(D(2024, 6, 1))], pa.timestamp("us", tz="Asia/Tokyo")),
    }
)


@pytest.fixture
def hand_ws(tmp_path):
    import horetsu

    ws = horetsu.init_workspace(tmp_path / "hand")
    ws.write_tables(
        {
            "orders": orders_table(HAND_ORDERS),
            "order_lines": HAND_LINES,
            "customers": HAND_CUSTOMERS,
            "subscriptions": HAND_SUBS,
        }
    )
    return ws


@pytest.fixture
def make_ws(tmp_path):
    """Build a workspace from order rows (see :func:`orders_table`) and optional other tables."""
    import horetsu

    def build(name: str, order_rows: list[tuple], **tables: pa.Table):
        ws = horetsu.init_workspace(tmp_path / name)
        ws.write_tables({"orders": orders_table(order_rows), **tables})
        return ws

    return build

# The PostgreSQL and PySpark fixtures (pg_url, spark_con, spark_publish) live in tests/conftest.py.
