"""The canonical model: one Arrow schema per workspace table.

Money is integer yen, times are timezone-aware (Asia/Tokyo), IDs are strings.
``order_date`` / ``event_date`` hold the Japanese calendar day of the timestamp so
that day-level analytics behave the same on every engine, whatever its session
time zone.
"""

from __future__ import annotations

import pyarrow as pa

TZ = "Asia/Tokyo"
TS = pa.timestamp("us", tz=TZ)

ORDER_STATUSES = ("completed", "cancelled", "returned", "refunded", "partially_refunded")
LINE_TYPES = ("product", "shipping", "fee", "discount", "point")
EVENT_TYPES = (
    "lead",
    "inquiry",
    "review",
    "referral_made",
    "referral_received",
    "nps_response",
    "email_open",
    "email_click",
    "complaint",
    "return_request",
    "community_post",
    "testimonial",
    "survey_response",
    "signup",
    "unsubscribe",
    "message_sent",  # a campaign send recorded by `horetsu export --record` (frequency caps)
)

CUSTOMERS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("source", pa.string()),
        ("email_norm", pa.string()),
        ("phone_norm", pa.string()),
        ("name", pa.string()),
        ("name_kana", pa.string()),
        ("postal_code", pa.string()),
        ("prefecture", pa.string()),
        ("registered_at", TS),
        ("accepts_email", pa.bool_()),
        ("accepts_line", pa.bool_()),
        ("channel", pa.string()),
        ("raw", pa.string()),  # JSON of the source row's unmapped columns
        ("platform_customer_id", pa.string()),  # the shop system's own id (Shopify Customer ID), when exported
        ("line_user_id", pa.string()),  # LINE user id (U + 32 hex), when an export carries one
    ]
)

ORDERS = pa.schema(
    [
        ("order_id", pa.string()),
        ("source", pa.string()),
        ("customer_id", pa.string()),
        ("ordered_at", TS),
        ("order_date", pa.date32()),
        ("status", pa.string()),
        ("total_jpy", pa.int64()),
        ("discount_jpy", pa.int64()),
        ("points_used", pa.int64()),
        ("shipping_jpy", pa.int64()),
        ("channel", pa.string()),
        ("coupon", pa.string()),
        ("category", pa.string()),  # main category of the order (first product line)
        ("subscription_id", pa.string()),
        ("subscription_seq", pa.int32()),
        ("raw", pa.string()),
        ("shipped_at", TS),  # when the order was shipped (Shopify Fulfilled at, EC-CUBE 発送日, 楽天 発送完了報告日時)
    ]
)

ORDER_LINES = pa.schema(
    [
        ("order_id", pa.string()),
        ("line_no", pa.int32()),
        ("line_type", pa.string()),
        ("sku", pa.string()),
        ("product_name", pa.string()),
        ("category", pa.string()),
        ("unit_price_jpy", pa.int64()),
        ("quantity", pa.int64()),
        ("line_total_jpy", pa.int64()),
    ]
)

SUBSCRIPTIONS = pa.schema(
    [
        ("subscription_id", pa.string()),
        ("customer_id", pa.string()),
        ("sku", pa.string()),
        ("status", pa.string()),
        ("started_at", TS),
        ("cancelled_at", TS),
        ("cancel_reason", pa.string()),
        ("interval_days", pa.int32()),
        ("deliveries", pa.int32()),
    ]
)

EVENTS = pa.schema(
    [
        ("customer_id", pa.string()),
        ("at", TS),
        ("event_date", pa.date32()),
        ("type", pa.string()),
        ("value", pa.float64()),
        ("note", pa.string()),
        ("payload", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "customers": CUSTOMERS,
    "orders": ORDERS,
    "order_lines": ORDER_LINES,
    "subscriptions": SUBSCRIPTIONS,
    "events": EVENTS,
}

# Primary keys used to merge a newer export into the workspace.
KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "orders": ("order_id",),
    "order_lines": ("order_id", "line_no"),
    "subscriptions": ("subscription_id",),
    "events": (),  # events are append-only; exact duplicates are dropped
}


def empty(name: str) -> pa.Table:
    """An empty table with the canonical schema ``name``."""
    return TABLES[name].empty_table()


def conform(name: str, table: pa.Table) -> pa.Table:
    """Cast ``table`` to the canonical schema, adding missing nullable columns."""
    schema = TABLES[name]
    cols = []
    for field in schema:
        if field.name in table.column_names:
            cols.append(table.column(field.name).cast(field.type))
        else:
            cols.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(cols, schema=schema)
