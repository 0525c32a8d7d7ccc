"""Amazon seller central: the All Orders Report (``GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL``).

Tab-separated, one row per order item; the order fields (``purchase-date``,
``order-status``, ...) repeat on every item row.  The report carries no buyer e-mail,
name or id, so the orders are kept for product and time analytics with no customer
(``customer_id`` empty); per-buyer analyses (RFM, repeat rate, stages, models) do not
see them.  Amounts: ``item-price`` is the line amount (quantity × unit price, tax
included on amazon.co.jp); the order total is the sum over its items of item-price +
shipping-price + gift-wrap-price − item-promotion-discount − ship-promotion-discount.
Rows in another currency than JPY are quarantined.  Header list and sources:
tests/data/io/amazon/NOTE.md.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets._orders import OrderRows, build_line_export, per_order
from horetsu.io.presets.base import Columns, Parsed, Rejects
from horetsu.io.reader import Source

NAME = "amazon"

HEADERS: tuple[str, ...] = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "order-channel", "url", "ship-service-level", "product-name", "sku",
    "asin", "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
    "gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
)  # fmt: skip
CANCELLED = ("cancelled", "canceled", "キャンセル", "キャンセル済み")
_COLS = {c: (c,) for c in HEADERS}
_MONEY = ("item-price", "shipping-price", "gift-wrap-price", "item-promotion-discount", "ship-promotion-discount")


def parse(source: Source, table: str | None = None) -> Parsed:
    if table not in (None, "orders"):
        raise InputFileError(
            f"{source.path}: the amazon preset reads the All Orders Report only, not {table}",
            ja=f"{source.path}: amazon プリセットは全注文レポートのみ読めます（{table} は不可）",
        )
    cols = Columns(source, _COLS, exact=True)
    cols.require(["amazon-order-id", "purchase-date", "item-price"], table="orders")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    key = nz.ident(g("amazon-order-id"))
    rej.missing(key, "amazon-order-id")
    rows = OrderRows(key)
    first = pa.array(rows.is_first)
    ordered_at, bad = nz.timestamp(g("purchase-date"))
    rej.bad(pc.and_(first, bad), g("purchase-date"), "purchase-date", "not a date/time", "invalid_date")
    rej.add(pc.and_(first, pc.is_null(ordered_at)), "missing_value", "purchase-date", "required value is empty", None)
    currency = pc.utf8_upper(pc.fill_null(nz.fold(g("currency")), "JPY"))
    rej.bad(pc.not_equal(currency, "JPY"), g("currency"), "currency", "not yen", "invalid_amount")
    money = {}
    for c in _MONEY:
        money[c], bad = nz.money(g(c))
        rej.bad(bad, g(c), c, "not a yen amount", "invalid_amount")
    qty, bad = nz.integer(g("quantity"))
    rej.bad(bad, g("quantity"), "quantity", "not a whole number", "invalid_quantity")
    item = pc.fill_null(money["item-price"], 0)
    shipping = pc.add(pc.fill_null(money["shipping-price"], 0), pc.fill_null(money["gift-wrap-price"], 0))
    discount = pc.add(pc.abs(pc.fill_null(money["item-promotion-discount"], 0)),
                      pc.abs(pc.fill_null(money["ship-promotion-discount"], 0)))  # fmt: skip
    line_total = pc.subtract(pc.add(item, shipping), discount)
    total = per_order(key, line_total, "sum")
    status_src = pc.utf8_lower(pc.fill_null(nz.fold(g("order-status")), ""))
    status = pc.if_else(pc.is_in(status_src, pa.array(CANCELLED)), "cancelled", "completed")
    q = pc.fill_null(qty, 1)
    unit = pc.if_else(pc.greater(q, 0), pc.divide(item, pc.if_else(pc.greater(q, 0), q, 1)), item)
    used = [c for c in source.table.column_names if c.startswith("ship-") and c != "ship-service-level"]
    used += ["amazon-order-id"]
    return build_line_export(
        source,
        NAME,
        rej,
        rows,
        order={
            "customer_id": pa.nulls(n, pa.string()),  # no buyer id in this report
            "ordered_at": ordered_at,
            "status": status,
            "total_jpy": total,
            "discount_jpy": per_order(key, discount, "sum"),
            "shipping_jpy": per_order(key, shipping, "sum"),
            "channel": nz.fold(g("sales-channel")),
        },
        customers={},
        line_type=nz.const("product", n),
        lines={"sku": nz.ident(g("sku")), "product_name": nz.text(g("product-name")), "unit_price_jpy": unit,
               "quantity": qty, "line_total_jpy": item},  # fmt: skip
        extra_lines=(("shipping", "shipping_jpy", 1), ("discount", "discount_jpy", -1)),
        used=used,
        columns={"ordered_at": "purchase-date", "total_jpy": "item-price"},
    )
