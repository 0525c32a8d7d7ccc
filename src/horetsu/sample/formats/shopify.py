"""Shopify layout: ``orders_export.csv`` (one row per line item) and ``customers_export.csv``.

Column names come from ``horetsu.io.presets.shopify`` so the writer and the reader
cannot drift apart.  Order-level fields are filled on an order's first row only;
returns appear as refunds; subscription renewals carry ``Source`` =
``subscription_contract``.  Events and the subscription list have no Shopify export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.io.presets.shopify import CUSTOMER_HEADERS, ORDER_HEADERS
from horetsu.sample.formats import lines
from horetsu.sample.formats._table import blank_unless, build, const
from horetsu.sample.formats.generic import write_csv
from horetsu.sample.names import PREFECTURES
from horetsu.sample.shop import Shop

FILES = ("orders_export.csv", "customers_export.csv")
ORDER_NUMBER_BASE = 1001
CUSTOMER_ID_BASE = 6_000_000_000_000
ORDER_ID_BASE = 5_000_000_000_000


def _shopify_time(iso: pa.Array) -> pa.Array:
    """``2024-01-05T10:00:00+09:00`` -> ``2024-01-05 10:00:00 +0900`` (Shopify's export form)."""
    body = pc.utf8_replace_slice(pc.utf8_slice_codeunits(iso, 0, 19), 10, 11, " ")
    return pc.binary_join_element_wise(body, " +0900", "")


def _province_codes(pref: pa.Array) -> pa.Array:
    names = pa.array([p for p, _ in PREFECTURES])
    idx = pc.index_in(pref, value_set=names).to_numpy(zero_copy_only=False) + 1
    return pc.binary_join_element_wise("JP-", pc.utf8_lpad(pa.array(idx).cast(pa.string()), 2, "0"), "")


def _customer_numbers(shop: Shop) -> np.ndarray:
    return CUSTOMER_ID_BASE + np.arange(shop.customers.num_rows, dtype=np.int64) * 7 + 11


def orders_table(shop: Shop, seed: int = 0) -> pa.Table:
    o, c = shop.orders, shop.customers
    L = lines.split(o, seed)
    n = len(L["line_order"])
    row = pa.array(L["line_order"])
    first = L["first_line"]
    cust_row = pc.index_in(o["customer_id"], value_set=c["customer_id"])
    status = o["status"].to_numpy(zero_copy_only=False)
    financial = np.where(status == "completed", "paid", np.where(status == "cancelled", "voided", "refunded"))
    channel = o["channel"].to_numpy(zero_copy_only=False)
    is_sub = o["subscription_id"].is_valid().to_numpy(zero_copy_only=False)
    seq = pc.fill_null(o["subscription_seq"], 0).to_numpy()
    source = np.where(is_sub & (seq >= 2), "subscription_contract", np.where(channel == "phone", "shopify_draft_order", "web"))
    created = _shopify_time(o["ordered_at"])
    cancelled_at = _shopify_time(o["ordered_at"])  # cancelled within the same session
    email = c["email"].take(cust_row)
    accepts = pc.if_else(c["accepts_email"].take(cust_row), "yes", "no")
    name = c["name"].take(cust_row)
    pref = c["prefecture"].take(cust_row)
    phone = c["phone"].take(cust_row)
    tags = np.where(is_sub, "定期購入", "")
    refunded = np.where(np.isin(status, ("returned", "refunded")), L["total"], 0)

    def order_level(values) -> pa.Array:
        arr = values if isinstance(values, pa.Array) else pa.array(np.asarray(values))
        return blank_unless(arr.take(row), first)

    cols = {
        "Name": pc.binary_join_element_wise("#", pa.array(ORDER_NUMBER_BASE + np.arange(o.num_rows)).cast(pa.string()), "").take(row),
        "Email": email.take(row),
        "Financial Status": order_level(financial),
        "Paid at": order_level(blank_unless(created, status != "cancelled")),
        "Fulfillment Status": order_level(np.where(status == "cancelled", "unfulfilled", "fulfilled")),
        "Accepts Marketing": order_level(accepts),
        "Currency": order_level(const("JPY", o.num_rows)),
        "Subtotal": order_level(L["subtotal"]),
        "Shipping": order_level(L["shipping"]),
        "Taxes": order_level(np.floor(L["total"] * 8 / 108).astype(np.int64)),
        "Total": order_level(L["total"]),
        "Discount Code": order_level(pc.fill_null(o["coupon"], "")),
        "Discount Amount": order_level(L["discount"]),
        "Shipping Method": order_level(const("宅配便", o.num_rows)),
        "Created at": created.take(row),
        "Lineitem quantity": L["line_qty"],
        "Lineitem name": L["line_name"],
        "Lineitem price": L["line_price"],
        "Lineitem sku": L["line_sku"],
        "Lineitem requires shipping": const("true", n),
        "Lineitem taxable": const("true", n),
        "Lineitem fulfillment status": blank_unless(pa.array(np.full(n, "fulfilled")), status[L["line_order"]] != "cancelled"),
        "Billing Name": order_level(name),
        "Billing Province": order_level(_province_codes(pref)),
        "Billing Country": order_level(const("JP", o.num_rows)),
        "Billing Phone": order_level(phone),
        "Billing Province Name": order_level(pref),
        "Cancelled at": order_level(blank_unless(cancelled_at, status == "cancelled")),
        "Payment Method": order_level(const("Shopify Payments", o.num_rows)),
        "Refunded Amount": order_level(refunded),
        "Vendor": const("ほれつう堂", n),
        "Id": order_level(ORDER_ID_BASE + np.arange(o.num_rows, dtype=np.int64)),
        "Tags": order_level(tags),
        "Source": order_level(source),
        "Phone": order_level(phone),
    }
    return build(ORDER_HEADERS, cols, n)


def customers_table(shop: Shop) -> pa.Table:
    c, o = shop.customers, shop.orders
    n = c.num_rows
    completed = pc.equal(o["status"], "completed")
    cust_row = pc.index_in(o["customer_id"], value_set=c["customer_id"]).to_numpy(zero_copy_only=False)
    ok = completed.to_numpy(zero_copy_only=False)
    spent = np.bincount(cust_row[ok], weights=o["amount"].to_numpy()[ok], minlength=n).astype(np.int64)
    count = np.bincount(cust_row, minlength=n)
    parts = pc.split_pattern(c["name"], " ")
    tags = pc.if_else(pc.equal(pa.array(count), 0), "見込み客", "")
    cols = {
        "Customer ID": _customer_numbers(shop),
        "First Name": pc.list_element(parts, 1),
        "Last Name": pc.list_element(parts, 0),
        "Email": c["email"],
        "Accepts Email Marketing": pc.if_else(c["accepts_email"], "yes", "no"),
        "Default Address Province Code": _province_codes(c["prefecture"]),
        "Default Address Country Code": const("JP", n),
        "Default Address Phone": c["phone"],
        "Phone": c["phone"],
        "Accepts SMS Marketing": const("no", n),
        "Total Spent": spent,
        "Total Orders": count,
        "Tax Exempt": const("no", n),
        "Tags": tags,
    }
    return build(CUSTOMER_HEADERS, cols, n)


def write(shop: Shop, out_dir: Path) -> list[Path]:
    paths = [out_dir / FILES[0], out_dir / FILES[1]]
    write_csv(orders_table(shop), paths[0])
    write_csv(customers_table(shop), paths[1])
    return paths
