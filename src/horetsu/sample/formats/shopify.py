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
from horetsu.sample.formats._table import build, choose, const, spread
from horetsu.sample.formats.generic import write_csv
from horetsu.sample.names import PREFECTURES
from horetsu.sample.shop import Shop

FILES = ("orders_export.csv", "customers_export.csv")
ORDER_NUMBER_BASE = 1001
CUSTOMER_ID_BASE = 6_000_000_000_000
ORDER_ID_BASE = 5_000_000_000_000
STATUS_CODES = ("completed", "cancelled", "returned", "refunded")


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
    n, m = len(L["line_order"]), o.num_rows
    line, first = L["line_order"], L["first_line"]
    cust = pc.index_in(o["customer_id"], value_set=c["customer_id"]).to_numpy(zero_copy_only=False)
    status = pc.index_in(o["status"], value_set=pa.array(STATUS_CODES)).to_numpy(zero_copy_only=False)
    is_sub = o["subscription_id"].is_valid().to_numpy(zero_copy_only=False)
    seq = pc.fill_null(o["subscription_seq"], 0).to_numpy()
    phone_order = pc.equal(o["channel"], "phone").to_numpy(zero_copy_only=False)
    source = np.where(is_sub & (seq >= 2), 2, np.where(phone_order, 1, 0))
    created = _shopify_time(o["ordered_at"])
    cancelled = status == 1
    per_cust = cust[line]

    def order_level(values, keep=None) -> pa.Array:
        """An order field: on the order's first line only."""
        k = first if keep is None else first & np.asarray(keep)[line]
        return spread(values, line, k)

    def customer_level(values) -> pa.Array:
        return spread(values, per_cust, first)

    cols = {
        "Name": spread(pc.binary_join_element_wise("#", pa.array(ORDER_NUMBER_BASE + np.arange(m)).cast(pa.string()), ""), line),
        "Email": spread(c["email"], per_cust),
        "Financial Status": order_level(choose(("paid", "voided", "refunded", "refunded"), status)),
        "Paid at": order_level(created, ~cancelled),
        "Fulfillment Status": order_level(choose(("fulfilled", "unfulfilled"), cancelled)),
        "Accepts Marketing": customer_level(choose(("no", "yes"), c["accepts_email"].to_numpy(zero_copy_only=False))),
        "Currency": order_level(const("JPY", m)),
        "Subtotal": order_level(L["subtotal"]),
        "Shipping": order_level(L["shipping"]),
        "Taxes": order_level(np.floor(L["total"] * 8 / 108).astype(np.int64)),
        "Total": order_level(L["total"]),
        "Discount Code": order_level(o["coupon"]),
        "Discount Amount": order_level(L["discount"]),
        "Shipping Method": order_level(const("宅配便", m)),
        "Created at": spread(created, line),
        "Lineitem quantity": L["line_qty"],
        "Lineitem name": L["line_name"],
        "Lineitem price": L["line_price"],
        "Lineitem sku": L["line_sku"],
        "Lineitem requires shipping": const("true", n),
        "Lineitem taxable": const("true", n),
        "Lineitem fulfillment status": spread(const("fulfilled", m), line, ~cancelled[line]),
        "Billing Name": customer_level(c["name"]),
        "Billing Province": customer_level(_province_codes(c["prefecture"])),
        "Billing Country": order_level(const("JP", m)),
        "Billing Phone": customer_level(c["phone"]),
        "Billing Province Name": customer_level(c["prefecture"]),
        "Cancelled at": order_level(created, cancelled),  # cancelled within the same session
        "Payment Method": order_level(const("Shopify Payments", m)),
        "Refunded Amount": order_level(np.where(status >= 2, L["total"], 0)),
        "Vendor": const("ほれつう堂", n),
        "Id": order_level(ORDER_ID_BASE + np.arange(m, dtype=np.int64)),
        "Tags": order_level(choose(("", "定期購入"), is_sub)),
        "Source": order_level(choose(("web", "shopify_draft_order", "subscription_contract"), source)),
        "Phone": customer_level(c["phone"]),
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
    tags = choose(("", "見込み客"), count == 0)
    cols = {
        "Customer ID": _customer_numbers(shop),
        "First Name": pc.list_element(parts, 1),
        "Last Name": pc.list_element(parts, 0),
        "Email": c["email"],
        "Accepts Email Marketing": choose(("no", "yes"), c["accepts_email"].to_numpy(zero_copy_only=False)),
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
