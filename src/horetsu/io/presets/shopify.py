"""Shopify exports: the orders export (one row per line item) and the customers export.

Facts about the orders export: the order key is ``Name`` (e.g. ``#1001``); order-level
fields (Email, Financial Status, Total, Created at, ...) are filled only on the
first row of an order, later rows carry the line items; cancellations are in
``Cancelled at``, refunds in ``Financial Status`` (refunded / partially_refunded);
subscription renewals are marked in ``Source`` (e.g. ``subscription_contract``), first
orders of a subscription by their ``Tags`` (``Subscription First Order``, ``定期購入``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets._orders import OrderRows, amount_lines, prefecture_from_code
from horetsu.io.presets.base import Columns, Parsed, Rejects, exact_duplicates, raw_json
from horetsu.io.reader import Source

NAME = "shopify"

# Column order of the Shopify admin "Export orders" CSV (plain CSV file); sources in
# tests/data/io/shopify/NOTE.md.  The export carries no customer id: orders are keyed to
# customers by e-mail, Shopify's own id comes from the customers export.
ORDER_HEADERS: tuple[str, ...] = (
    "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
    "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code",
    "Discount Amount", "Shipping Method", "Created at", "Lineitem quantity", "Lineitem name",
    "Lineitem price", "Lineitem compare at price", "Lineitem sku", "Lineitem requires shipping",
    "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
    "Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
    "Billing Province", "Billing Country", "Billing Phone", "Shipping Name", "Shipping Street",
    "Shipping Address1", "Shipping Address2", "Shipping Company", "Shipping City", "Shipping Zip",
    "Shipping Province", "Shipping Country", "Shipping Phone", "Notes", "Note Attributes",
    "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance",
    "Employee", "Location", "Device ID", "Id",
    "Tags", "Risk Level", "Source", "Lineitem discount", "Tax 1 Name", "Tax 1 Value",
    "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value", "Tax 4 Name", "Tax 4 Value",
    "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties", "Billing Province Name",
    "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
    "Payment References",
)  # fmt: skip

# Column order of the Shopify admin "Export customers" CSV.  ``Customer ID`` and phone
# numbers are written with a leading ``'`` so that spreadsheets keep them as text.
CUSTOMER_HEADERS: tuple[str, ...] = (
    "Customer ID", "First Name", "Last Name", "Email", "Accepts Email Marketing",
    "Default Address Company", "Default Address Address1", "Default Address Address2",
    "Default Address City", "Default Address Province Code", "Default Address Country Code",
    "Default Address Zip", "Default Address Phone", "Phone", "Accepts SMS Marketing",
    "Total Spent", "Total Orders", "Note", "Tax Exempt", "Tags",
)  # fmt: skip


_ORDER_COLS = {c: (c,) for c in ORDER_HEADERS}
_CUSTOMER_COLS = {c: (c,) for c in (*CUSTOMER_HEADERS, "Accepts Marketing", "Province Code", "Province", "Zip",
                                    "Company", "Address1", "City", "Created at")}  # fmt: skip
_CUSTOMER_COLS["Customer ID"] = ("Customer ID", "Id")  # older exports call it Id


def parse(source: Source, table: str | None = None) -> Parsed:
    names = {c.lower() for c in source.table.column_names}
    if table == "customers" or (table is None and "name" not in names and "email" in names):
        return parse_customers(source)
    if table not in (None, "orders"):
        raise InputFileError(
            f"{source.path}: the shopify preset reads orders or customers, not {table}",
            ja=f"{source.path}: shopify プリセットは注文か顧客のファイルのみ読めます（{table} は不可）",
        )
    return parse_orders(source)


def _fin_status(fin: pa.Array, cancelled: pa.Array) -> pa.Array:
    f = pc.utf8_lower(pc.fill_null(fin, ""))
    st = pc.if_else(pc.equal(f, "refunded"), "refunded", "completed")
    st = pc.if_else(pc.equal(f, "partially_refunded"), "partially_refunded", st)
    st = pc.if_else(pc.equal(f, "voided"), "cancelled", st)
    return pc.if_else(pc.is_valid(cancelled), "cancelled", st)


def parse_orders(source: Source) -> Parsed:
    cols = Columns(source, _ORDER_COLS, exact=True)
    cols.require(["Name", "Created at", "Total"], table="orders")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    key = nz.ident(g("Name"))
    rej.missing(key, "Name")
    rows = OrderRows(key)
    first = pa.array(rows.is_first)
    created, bad = nz.timestamp(g("Created at"))
    rej.bad(pc.and_(first, bad), g("Created at"), "Created at", "not a date/time", "invalid_date")
    rej.add(pc.and_(first, pc.is_null(created)), "missing_value", "Created at", "required value is empty", None)
    total, bad = nz.money(g("Total"))
    rej.bad(pc.and_(first, bad), g("Total"), "Total", "not a yen amount", "invalid_amount")
    rej.add(pc.and_(first, pc.is_null(total)), "missing_value", "Total", "required value is empty", None)
    qty, bad = nz.integer(g("Lineitem quantity"))
    rej.bad(bad, g("Lineitem quantity"), "Lineitem quantity", "not a whole number", "invalid_quantity")
    price, bad = nz.money(g("Lineitem price"))
    rej.bad(bad, g("Lineitem price"), "Lineitem price", "not a yen amount", "invalid_amount")
    money = {}
    for c in ("Discount Amount", "Shipping", "Refunded Amount", "Lineitem discount"):
        money[c], bad = nz.money(g(c))
        rej.bad(bad, g(c), c, "not a yen amount", "invalid_amount")
    cancelled, bad = nz.timestamp(g("Cancelled at"))
    rej.bad(bad, g("Cancelled at"), "Cancelled at", "not a date/time", "invalid_date")
    fulfilled, bad = nz.timestamp(g("Fulfilled at"))
    rej.bad(pc.and_(first, bad), g("Fulfilled at"), "Fulfilled at", "not a date/time", "invalid_date")
    rows.reject_orphans(rej, "Name")
    valid = ~rej.mask
    dup = exact_duplicates(source.table, key, valid)
    keep_first = rows.is_first & valid
    fi = pa.array(np.flatnonzero(keep_first))
    email = nz.email(g("Email"))
    customer = pc.coalesce(email, pc.binary_join_element_wise("guest:", key, ""))
    source_col = nz.fold(g("Source"))
    # Renewals carry Source "subscription_contract"; the FIRST order of a subscription is
    # an ordinary web order that subscription apps tag ("Subscription First Order", 定期購入).
    tags = pc.utf8_lower(nz.fold(g("Tags")))
    is_sub = pc.or_kleene(
        pc.match_substring(pc.utf8_lower(source_col), "subscription"),
        pc.or_kleene(pc.match_substring(tags, "subscription"), pc.match_substring(tags, "定期")),
    )
    is_sub = pc.fill_null(is_sub, False)
    sku = nz.ident(g("Lineitem sku"))
    sub_id = pc.if_else(is_sub, pc.binary_join_element_wise("shopify:", customer, ":", pc.fill_null(sku, ""), ""),
                        pa.scalar(None, pa.string()))  # fmt: skip
    orders = pa.table(
        {
            "order_id": key.take(fi),
            "source": nz.const("shopify", len(fi)),
            "customer_id": customer.take(fi),
            "ordered_at": created.take(fi),
            "status": _fin_status(g("Financial Status"), cancelled).take(fi),
            "total_jpy": total.take(fi),
            "discount_jpy": money["Discount Amount"].take(fi),
            "shipping_jpy": money["Shipping"].take(fi),
            "channel": source_col.take(fi),
            "coupon": nz.fold(g("Discount Code")).take(fi),
            "subscription_id": sub_id.take(fi),
            "shipped_at": fulfilled.take(fi),
        }
    )
    orders = orders.append_column("order_date", nz.jst_date(orders.column("ordered_at").combine_chunks()))
    used = [c for c in cols.found.values() if not c.startswith(("Tax ", "Billing", "Shipping "))]
    raw = raw_json(source, [*used, *[c for c in source.table.column_names if c.startswith(("Billing", "Shipping "))]],
                   np.flatnonzero(keep_first))  # fmt: skip
    if raw is not None:
        orders = orders.append_column("raw", raw)
    # Lines: product rows, then one shipping and one discount line per order.
    li = np.flatnonzero(valid & ~dup & pc.fill_null(pc.or_(pc.is_valid(nz.blank_to_null(g("Lineitem name"))), pc.is_valid(sku)), False).to_numpy(zero_copy_only=False))  # noqa: E501
    lt = pa.array(li)
    q = pc.fill_null(qty.take(lt), 1)
    p = pc.fill_null(price.take(lt), 0)
    product = pa.table(
        {
            "order_id": key.take(lt),
            "line_no": pa.array(rows.rank[li] + 1, pa.int64()),
            "line_type": nz.const("product", len(li)),
            "sku": sku.take(lt),
            "product_name": nz.text(g("Lineitem name")).take(lt),
            "category": pa.nulls(len(li), pa.string()),  # Shopify's export carries no category
            "unit_price_jpy": p,
            "quantity": q,
            "line_total_jpy": pc.subtract(pc.multiply(p, q), pc.fill_null(money["Lineitem discount"].take(lt), 0)),
        }
    )
    extra = amount_lines(
        orders.column("order_id"),
        [("shipping", money["Shipping"].take(fi), 1), ("discount", money["Discount Amount"].take(fi), -1)],
    )
    lines = pa.concat_tables([product, *extra])
    phone = pc.coalesce(nz.phone(g("Phone")), nz.phone(g("Billing Phone")))
    acc, _ = nz.boolean(g("Accepts Marketing"))
    customers = pa.table(
        {
            "customer_id": customer.take(fi),
            "source": nz.const("shopify", len(fi)),
            "email_norm": email.take(fi),
            "phone_norm": phone.take(fi),
            "name": nz.fold(g("Billing Name")).take(fi),
            "postal_code": nz.digits(g("Billing Zip")).take(fi),
            "prefecture": prefecture_from_code(
                pc.coalesce(nz.fold(g("Billing Province Name")), nz.fold(g("Billing Province")))
            ).take(fi),
            "accepts_email": acc.take(fi),
        }
    )
    customers = _first_per(customers, "customer_id")
    keys = pc.if_else(pa.array(valid), key, pa.scalar(None, pa.string()))
    return Parsed("orders", keys, {"orders": orders, "order_lines": lines, "customers": customers}, rej, dup,
                  notes={"columns": {"ordered_at": "Created at", "total_jpy": "Total"}})


def _first_per(t: pa.Table, key: str) -> pa.Table:
    from horetsu.io.presets.base import group_first

    firsts, _ = group_first(t.column(key).combine_chunks())
    return t.take(pa.array(firsts))


def _line_ids(source: Source, n: int) -> pa.Array:
    """A LINE user id from a metafield column such as ``LINE user ID (customer.metafields.…)``."""
    from horetsu.io.presets.base import norm_key

    for name in source.table.column_names:
        k = norm_key(name)
        if "line" in k and ("userid" in k or "ユーザーid" in k):
            return nz.line_user_id(nz.as_str(source.table.column(name)))
    return pa.nulls(n, pa.string())


def parse_customers(source: Source) -> Parsed:
    cols = Columns(source, _CUSTOMER_COLS, exact=True)
    if not (cols.has("Email") or cols.has("Customer ID")):
        cols.require(["Email"], table="customers")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    email = nz.email(g("Email"))
    sid = nz.platform_id(g("Customer ID"))
    cid = pc.coalesce(email, pc.binary_join_element_wise("shopify:", sid, ""))
    rej.add(pc.is_null(cid), "missing_value", "Email", "neither Email nor Customer ID is filled", None)
    acc_src = g("Accepts Email Marketing") if cols.has("Accepts Email Marketing") else g("Accepts Marketing")
    acc, bad = nz.boolean(acc_src)
    rej.bad(bad, acc_src, "Accepts Email Marketing", "not yes/no", "invalid_value")
    valid = ~rej.mask
    dup = exact_duplicates(source.table, pc.fill_null(cid, ""), valid)
    keep = pa.array(np.flatnonzero(valid & ~dup))
    last = nz.fold(g("Last Name"))
    first = nz.fold(g("First Name"))
    name = pc.binary_join_element_wise(pc.fill_null(last, ""), pc.fill_null(first, ""), " ")
    name = nz.blank_to_null(name)
    pref = pc.coalesce(nz.fold(g("Default Address Province Code")), nz.fold(g("Province Code")), nz.fold(g("Province")))
    t = pa.table(
        {
            "customer_id": cid.take(keep),
            "source": nz.const("shopify", len(keep)),
            "email_norm": email.take(keep),
            "phone_norm": pc.coalesce(nz.phone(g("Phone")), nz.phone(g("Default Address Phone"))).take(keep),
            "name": name.take(keep),
            "postal_code": pc.coalesce(nz.digits(g("Default Address Zip")), nz.digits(g("Zip"))).take(keep),
            "prefecture": prefecture_from_code(pref).take(keep),
            "accepts_email": acc.take(keep),
            "platform_customer_id": sid.take(keep),
            "line_user_id": _line_ids(source, n).take(keep),
        }
    )
    mapped = ("Email", "First Name", "Last Name", "Phone", "Default Address Phone", "Default Address Zip", "Zip",
              "Default Address Province Code", "Province Code", "Province", "Accepts Email Marketing",
              "Accepts Marketing", "Default Address Address1", "Default Address Address2", "Address1")  # fmt: skip
    raw = raw_json(source, [cols.found[c] for c in mapped if c in cols.found], np.asarray(keep))
    if raw is not None:
        t = t.append_column("raw", raw)
    keys = pc.if_else(pa.array(valid), cid, pa.scalar(None, pa.string()))
    return Parsed("customers", keys, {"customers": t}, rej, dup)
