"""Exports as the platforms write them (issue 14, items 3 and 4); sources in tests/data/io/*/NOTE.md."""

from __future__ import annotations

import datetime as dt

import pytest

import horetsu
from horetsu.io import import_files
from horetsu.io.presets import amazon, eccube, shopify
from horetsu.io.quarantine import read_quarantine

JST = dt.timezone(dt.timedelta(hours=9))


def _by(ws, name, key="order_id"):
    return {r[key]: r for r in ws.read_arrow(name).to_pylist()}


def _header(path, encoding):
    return path.read_bytes().decode(encoding).split("\n", 1)[0].rstrip("\r").split(",")


def test_eccube_fixtures_have_the_dtb_csv_headers(data_dir):
    head = _header(data_dir / "eccube" / "order_4.3.csv", "cp932")
    assert head == list(eccube.ORDER_HEADERS) and head.count("送料") == 2
    assert head.index("送料") == 23 and head[65] == "送料" and "手数料" not in head and "利用ポイント" not in head
    old = _header(data_dir / "eccube" / "order_4.0.3.csv", "cp932")
    assert old == list(eccube.ORDER_HEADERS_40) and "配送ID" in old and old[old.index("送料ID") + 1] == "送料"
    raw = (data_dir / "eccube" / "order_4.3.csv").read_bytes()
    assert b"\r\n" not in raw and b',"2024-01-05 10:00:00",' in raw  # LF, quoted only where PHP quotes


@pytest.mark.parametrize("name", ["order_4.3.csv", "order_4.0.3.csv"])
def test_eccube_order_csv(ws, data_dir, name):
    f = import_files(ws, [data_dir / "eccube" / name], "eccube").to_dict()["files"][0]
    assert f["detected"]["encoding"] == "cp932"
    assert f["read"] == f["accepted"] + f["quarantined"] + f["duplicates"]
    o = _by(ws, "orders")["1001"]
    # 支払合計 6,080 repeats on six rows and is taken once; the first 送料 (600) is the fee, the
    # second, always empty, must not overwrite it; points are the ポイント line.
    assert (o["total_jpy"], o["shipping_jpy"], o["points_used"]) == (6080, 600, 100)
    assert o["shipped_at"] == dt.datetime(2024, 1, 7, 15, 0, tzinfo=JST)  # the first of two 発送日
    lines = [r for r in ws.read_arrow("order_lines").to_pylist() if r["order_id"] == "1001"]
    assert sorted(r["line_type"] for r in lines) == ["fee", "fee", "point", "product", "product", "shipping"]
    assert {(r["sku"], r["quantity"], r["line_total_jpy"]) for r in lines if r["line_type"] == "product"} == {
        ("AO-1", 2, 5000), ("KO-1", 1, 500)}  # fmt: skip


def test_eccube_statuses_and_unfinished_checkouts(ws, data_dir):
    f = import_files(ws, [data_dir / "eccube" / "order_4.3.csv"], "eccube").to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["quarantined"], f["duplicates"]) == (10, 9, 1, 0)
    assert f["reasons"] == {"unfinished_order": 1}
    o = _by(ws, "orders")
    assert {k: v["status"] for k, v in o.items()} == {
        "1001": "completed", "1002": "cancelled", "1003": "returned", "1005": "completed"}  # fmt: skip
    assert o["1002"]["customer_id"] == "eccube-guest:1002" and o["1005"]["shipped_at"] is None
    (q,) = [r for p in ws.quarantine_dir.glob("*.csv") for r in read_quarantine(p)]
    assert q["line_number"] == "10" and "購入処理中" in q["reason"]


def test_eccube_customer_csv_mail_magazine_becomes_accepts_email(ws, data_dir):
    import_files(ws, [data_dir / "eccube" / "customer_4.3.csv"], "eccube")
    c = _by(ws, "customers", "customer_id")
    assert (c["55"]["accepts_email"], c["56"]["accepts_email"]) == (True, False)
    assert (c["55"]["email_norm"], c["55"]["phone_norm"], c["56"]["phone_norm"]) == (
        "hanako@example.jp", "0612345678", "09011112222")  # fmt: skip
    assert c["55"]["registered_at"] == dt.datetime(2023, 3, 1, 12, tzinfo=JST)


def test_shopify_exports_keep_fulfilled_at_customer_id_phone_and_line_id(ws, data_dir):
    head = _header(data_dir / "shopify" / "orders_export.csv", "utf-8")
    assert head == list(shopify.ORDER_HEADERS) and len(head) == 79
    res = import_files(ws, [data_dir / "shopify" / "orders_export.csv", data_dir / "shopify" / "customers_export.csv"],
                       "shopify").to_dict()  # fmt: skip
    assert [(f["table"], f["accepted"]) for f in res["files"]] == [("orders", 4), ("customers", 2)]
    o = _by(ws, "orders")
    assert o["#1001"]["shipped_at"] == dt.datetime(2024, 1, 7, 15, tzinfo=JST)
    assert (o["#1002"]["status"], o["#1002"]["shipped_at"], o["#1003"]["status"]) == ("refunded", None, "cancelled")
    c = _by(ws, "customers", "customer_id")
    hanako = c["hanako@example.jp"]
    assert (hanako["platform_customer_id"], hanako["phone_norm"], hanako["line_user_id"]) == (
        "7210448301122", "09012345678", "U4af4980629abcdef0123456789abcdef")  # fmt: skip
    assert (c["taro@example.jp"]["platform_customer_id"], c["taro@example.jp"]["line_user_id"]) == ("7210448301123", None)


def test_rakuten_pay_orders_keep_the_shipping_report_time(ws, data_dir):
    f = import_files(ws, [data_dir / "rakuten" / "rakutenpay_orders.csv"], "rakuten").to_dict()["files"][0]
    assert (f["detected"]["encoding"], f["accepted"]) == ("cp932", 2)
    o = _by(ws, "orders")
    first, second = o["123456-20240105-0000000001"], o["123456-20240210-0000000002"]
    assert first["shipped_at"] == dt.datetime(2024, 1, 6, 17, 30, tzinfo=JST)
    assert (second["status"], second["shipped_at"]) == ("cancelled", None)


def test_amazon_all_orders_report(ws, data_dir):
    path = data_dir / "amazon" / "all_orders.txt"
    assert path.read_text(encoding="utf-8").split("\n", 1)[0].split("\t") == list(amazon.HEADERS)
    f = import_files(ws, [path], "amazon").to_dict()["files"][0]
    assert (f["detected"]["delimiter"], f["read"], f["accepted"], f["quarantined"]) == ("\\t", 4, 4, 0)
    o = _by(ws, "orders")
    assert set(o) == {"250-1234567-0000001", "250-1234567-0000002", "250-1234567-0000003"}
    assert all(r["customer_id"] is None for r in o.values())  # no buyer id in this report
    assert ws.read_arrow("customers").num_rows == 0
    a = o["250-1234567-0000001"]
    # 5,000 + 1,980 items, 500 promotion discount: 6,480; 01:00 UTC is 10:00 in Japan.
    assert (a["total_jpy"], a["discount_jpy"], a["status"]) == (6480, 500, "completed")
    assert a["ordered_at"] == dt.datetime(2024, 1, 5, 10, tzinfo=JST)
    assert (o["250-1234567-0000002"]["status"], o["250-1234567-0000003"]["total_jpy"]) == ("cancelled", 2900)
    lines = [r for r in ws.read_arrow("order_lines").to_pylist() if r["order_id"] == "250-1234567-0000001"]
    assert {(r["line_type"], r["sku"], r["quantity"], r["unit_price_jpy"], r["line_total_jpy"]) for r in lines} == {
        ("product", "AO-1", 2, 2500, 5000), ("product", "KO-1", 1, 1980, 1980), ("discount", None, 1, -500, -500)}  # fmt: skip


def test_amazon_orders_without_buyers_pass_analyze_and_the_report_says_so(tmp_path, data_dir):
    """Customer-less orders count as sales, never as a customer; the report names what needs a buyer id."""
    from horetsu.pipeline import analyze
    from horetsu.report.data import ReportData
    from horetsu.report.i18n import Tr
    from horetsu.report.sections.quality import build

    ws = horetsu.init_workspace(tmp_path / "ws")
    import_files(ws, [data_dir / "amazon" / "all_orders.txt"], "amazon")
    import_files(ws, [data_dir / "shopify" / "orders_export.csv"], "shopify")
    analyze(ws, as_of=dt.date(2024, 3, 1))
    customers = ws.read_result("customers").to_pylist()
    assert {r["customer_id"] for r in customers} == {"hanako@example.jp", "taro@example.jp"}
    en = "".join(build(ReportData(ws), Tr("en")).blocks)
    assert "3 orders carry no buyer id" in en and "RFM" in en
    ja = "".join(build(ReportData(ws), Tr("ja")).blocks)
    assert "3 件の注文には購入者IDがありません" in ja
