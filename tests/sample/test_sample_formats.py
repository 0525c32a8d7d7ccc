"""Shopify and 楽天 layouts carry the same shop as the generic files."""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest

from horetsu.io.presets import rakuten as rakuten_preset
from horetsu.io.presets import shopify as shopify_preset
from horetsu.sample import generate

N = 1500


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    base = tmp_path_factory.mktemp("formats")
    return {fmt: generate(base / fmt, customers=N, seed=11, fmt=fmt) for fmt in ("generic", "shopify", "rakuten")}


def _text(path, encoding):
    data = path.read_bytes().decode(encoding)
    return pacsv.read_csv(
        pa.BufferReader(data.encode("utf-8")),
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )


def _as_str_table(path, encoding="utf-8"):
    table = _text(path, encoding)
    return pa.table({n: pc.cast(table[n], pa.string()) for n in table.column_names})


def test_shopify_orders_match_the_generic_orders(three):
    generic = read(three["generic"].out_dir / "orders.csv")
    shop = _as_str_table(three["shopify"].out_dir / "orders_export.csv")
    assert tuple(shop.column_names) == shopify_preset.ORDER_HEADERS
    first = shop.filter(pc.is_valid(shop["Total"]))
    # One order per Name, in order-number order; totals are the paid amounts.
    assert len(pc.unique(shop["Name"])) == first.num_rows == generic.num_rows
    assert first["Total"].to_pylist() == [str(a) for a in generic["amount"].to_pylist()]
    assert shop.num_rows > generic.num_rows  # some orders span several line items
    money = {k: np.array(first[k].to_pylist(), dtype=np.int64) for k in ("Subtotal", "Shipping", "Discount Amount", "Total")}
    assert np.all(money["Subtotal"] + money["Shipping"] - money["Discount Amount"] == money["Total"])
    lines_total = pc.multiply(pc.cast(shop["Lineitem price"], pa.int64()), pc.cast(shop["Lineitem quantity"], pa.int64()))
    per_name = pa.table({"Name": shop["Name"], "v": lines_total}).group_by("Name").aggregate([("v", "sum")])
    sums = dict(zip(per_name["Name"].to_pylist(), per_name["v_sum"].to_pylist(), strict=True))
    assert [sums[n] for n in first["Name"].to_pylist()] == money["Subtotal"].tolist()
    status = generic["status"].to_pylist()
    fin = first["Financial Status"].to_pylist()
    assert all((s == "completed") == (f == "paid") for s, f in zip(status, fin, strict=True))
    assert all((s == "cancelled") == (c is not None) for s, c in zip(status, first["Cancelled at"].to_pylist(), strict=True))
    renewals = generic.filter(pc.greater_equal(pc.fill_null(generic["subscription_seq"], 0), 2)).num_rows
    assert pc.sum(pc.equal(first["Source"], "subscription_contract")).as_py() == renewals > 0


def test_shopify_customers_export_has_everyone_with_totals(three):
    generic_c = read(three["generic"].out_dir / "customers.csv")
    generic_o = read(three["generic"].out_dir / "orders.csv")
    cust = _as_str_table(three["shopify"].out_dir / "customers_export.csv")
    assert tuple(cust.column_names) == shopify_preset.CUSTOMER_HEADERS
    assert cust["Email"].to_pylist() == generic_c["email"].to_pylist()
    completed = generic_o.filter(pc.equal(generic_o["status"], "completed"))
    assert sum(int(v) for v in cust["Total Spent"].to_pylist()) == pc.sum(completed["amount"]).as_py()
    assert sum(int(v) for v in cust["Total Orders"].to_pylist()) == generic_o.num_rows


def test_rakuten_file_is_cp932_with_subscription_links(three):
    path = three["rakuten"].out_dir / "rakuten_orders.csv"
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rk = _as_str_table(path, "cp932")
    assert tuple(rk.column_names) == rakuten_preset.ORDER_HEADERS
    generic = read(three["generic"].out_dir / "orders.csv")
    assert len(pc.unique(rk["注文番号"])) == generic.num_rows
    by_order = rk.group_by("注文番号").aggregate([("請求金額", "min"), ("請求金額", "max")])
    # Order-level amounts repeat on every line of an order.
    assert by_order["請求金額_min"].to_pylist() == by_order["請求金額_max"].to_pylist()
    subs = generic.filter(pc.is_valid(generic["subscription_id"]))
    sub_rows = rk.filter(pc.equal(rk["注文種別"], "4"))
    assert sub_rows.num_rows == subs.num_rows > 0
    assert sub_rows["申込番号"].to_pylist() == subs["subscription_id"].to_pylist()
    assert [int(v) for v in sub_rows["申込お届け回数"].to_pylist()] == subs["subscription_seq"].to_pylist()
    completed = pc.sum(pc.equal(generic["status"], "completed")).as_py()
    assert len(pc.unique(rk.filter(pc.equal(rk["ステータス"], "700"))["注文番号"])) == completed


def test_platform_layouts_are_deterministic(tmp_path, three):
    for fmt in ("shopify", "rakuten"):
        again = generate(tmp_path / fmt, customers=N, seed=11, fmt=fmt)
        for a, b in zip(three[fmt].files, again.files, strict=True):
            assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


@pytest.mark.parametrize("fmt", ["shopify", "rakuten"])
def test_platform_layout_imports_as_the_same_orders(three, fmt, tmp_path):
    import horetsu
    from horetsu.io import import_files

    ws = horetsu.init_workspace(tmp_path / "ws")
    result = import_files(ws, three[fmt].files, fmt).to_dict()
    assert result["quarantined"] == 0
    generic = read(three["generic"].out_dir / "orders.csv")
    orders = ws.read_arrow("orders")
    assert orders.num_rows == generic.num_rows
    completed = pc.equal(generic["status"], "completed")
    assert pc.sum(pc.equal(orders["status"], "completed")).as_py() == pc.sum(completed).as_py()
    paid = pc.sum(generic.filter(completed)["amount"]).as_py()
    gross = paid + pc.sum(generic.filter(completed)["discount"]).as_py()
    got = pc.sum(orders.filter(pc.equal(orders["status"], "completed"))["total_jpy"]).as_py()
    assert got in (paid, gross)  # paid total, or the total before coupons (楽天 合計金額)
    assert len(pc.unique(orders["customer_id"])) == len(pc.unique(generic["customer_id"]))
