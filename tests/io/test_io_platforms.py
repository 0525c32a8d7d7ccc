"""Platform presets: Shopify, 楽天, EC-CUBE, CDNOW."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow.compute as pc
from horetsu.io import import_files
from horetsu.io.presets import eccube, rakuten, shopify


JST = dt.timezone(dt.timedelta(hours=9))
CDNOW = Path(__file__).resolve().parents[1] / "data" / "cdnow"  # project copy, see SOURCE.md there


def _by(ws, table, key="order_id"):
    return {r[key]: r for r in ws.read_arrow(table).to_pylist()}


def _lines(ws, order_id):
    return sorted((r for r in ws.read_arrow("order_lines").to_pylist() if r["order_id"] == order_id), key=lambda r: r["line_no"])


def test_shopify_order_over_several_rows_is_one_order(ws, tmp_path, write_csv):
    first = {"Name": "#1001", "Email": "Hanako@Example.jp", "Financial Status": "paid", "Subtotal": "3000",
             "Shipping": "500", "Total": "3300", "Discount Code": "WELCOME", "Discount Amount": "200",
             "Created at": "2024-01-05 10:00:00 +0900", "Lineitem quantity": "2", "Lineitem name": "青汁",
             "Lineitem price": "1000", "Lineitem sku": "AO-1", "Billing Name": "山田 花子", "Billing Province": "JP-13",
             "Accepts Marketing": "yes", "Source": "web"}  # fmt: skip
    rows = [
        first,
        {"Name": "#1001", "Lineitem quantity": "1", "Lineitem name": "酵素", "Lineitem price": "1000", "Lineitem sku": "KO-1"},
        {"Name": "#1002", "Email": "hanako@example.jp", "Financial Status": "refunded", "Total": "1000",
         "Created at": "2024-02-05 10:00:00 +0900", "Lineitem quantity": "1", "Lineitem name": "青汁",
         "Lineitem price": "1000", "Lineitem sku": "AO-1", "Source": "subscription_contract"},
        {"Name": "#1003", "Email": "taro@example.jp", "Financial Status": "paid", "Total": "1000",
         "Created at": "2024-02-06 10:00:00 +0900", "Cancelled at": "2024-02-06 12:00:00 +0900",
         "Lineitem quantity": "1", "Lineitem price": "1000", "Lineitem sku": "AO-1"},
    ]  # fmt: skip
    p = write_csv(tmp_path / "orders_export.csv", shopify.ORDER_HEADERS, rows)
    f = import_files(ws, [p], "shopify").to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["quarantined"], f["duplicates"]) == (4, 4, 0, 0)
    o = _by(ws, "orders")
    assert set(o) == {"#1001", "#1002", "#1003"}
    a = o["#1001"]
    assert (a["customer_id"], a["total_jpy"], a["discount_jpy"], a["shipping_jpy"], a["coupon"]) == (
        "hanako@example.jp", 3300, 200, 500, "WELCOME")
    assert a["ordered_at"] == dt.datetime(2024, 1, 5, 10, tzinfo=JST)
    assert [(r["line_type"], r["sku"], r["quantity"], r["line_total_jpy"]) for r in _lines(ws, "#1001")] == [
        ("product", "AO-1", 2, 2000), ("product", "KO-1", 1, 1000), ("shipping", None, 1, 500), ("discount", None, 1, -200)]
    assert o["#1002"]["status"] == "refunded" and o["#1002"]["subscription_id"] is not None
    assert o["#1003"]["status"] == "cancelled"
    cust = _by(ws, "customers", "customer_id")["hanako@example.jp"]
    assert (cust["name"], cust["prefecture"], cust["accepts_email"]) == ("山田 花子", "東京都", True)
    # The customers export fills in what the orders did not have, keyed by e-mail.
    c = write_csv(tmp_path / "customers_export.csv", shopify.CUSTOMER_HEADERS, [
        {"Customer ID": "77", "First Name": "花子", "Last Name": "山田", "Email": "hanako@example.jp",
         "Accepts Email Marketing": "no", "Phone": "+81 90-1234-5678"}])  # fmt: skip
    f = import_files(ws, [c], "shopify").to_dict()["files"][0]
    assert (f["table"], f["accepted"]) == ("customers", 1)
    cust = _by(ws, "customers", "customer_id")["hanako@example.jp"]
    assert (cust["accepts_email"], cust["phone_norm"], cust["prefecture"]) == (False, "09012345678", "東京都")
    assert '"Customer ID":"77"' in cust["raw"]  # the platform's own id is kept


def test_shopify_continuation_row_of_a_rejected_order_is_quarantined_too(ws, tmp_path, write_csv):
    rows = [{"Name": "#1", "Email": "a@x.jp", "Total": "abc", "Created at": "2024-01-05 10:00:00 +0900",
             "Lineitem quantity": "1", "Lineitem price": "10"},
            {"Name": "#1", "Lineitem quantity": "1", "Lineitem price": "10"}]  # fmt: skip
    p = write_csv(tmp_path / "o.csv", shopify.ORDER_HEADERS, rows)
    f = import_files(ws, [p], "shopify").to_dict()["files"][0]
    assert (f["accepted"], f["quarantined"]) == (0, 2)
    assert f["reasons"] == {"invalid_amount": 1, "order_rejected": 1}


def _eccube_rows():
    e = {"注文番号": "1001", "会員ID": "55", "受注日": "2024/01/05 10:00:00", "小計": "5500", "値引き": "500",
         "送料": "600", "合計": "5,500", "支払合計": "5,500", "利用ポイント": "100", "対応状況(ID)": "5",
         "対応状況(名称)": "発送済み", "お名前(姓)": "佐藤", "お名前(名)": "花子", "メールアドレス": "h@example.jp"}  # fmt: skip
    return [
        dict(e, 商品コード="AO-1", 商品名="青汁", 価格="2,750", 個数="2", **{"明細区分(ID)": "1", "明細区分(名称)": "商品"}),
        dict(e, 商品名="送料", 価格="600", 個数="1", **{"明細区分(ID)": "2", "明細区分(名称)": "送料"}),
        dict(e, 商品名="手数料", 価格="330", 個数="1", **{"明細区分(ID)": "3", "明細区分(名称)": "手数料"}),
        dict(e, 商品名="割引", 価格="-500", 個数="1", **{"明細区分(ID)": "4", "明細区分(名称)": "割引"}),
        dict(e, 商品名="ポイント", 価格="-100", 個数="1", **{"明細区分(ID)": "6", "明細区分(名称)": "ポイント"}),
        dict(e, 注文番号="1002", 会員ID="56", 合計="1,000", 支払合計="1,000", 商品コード="KO-1", 商品名="酵素", 価格="1000",
             個数="1", **{"対応状況(ID)": "3", "対応状況(名称)": "注文取消し", "明細区分(ID)": "1"}),
        dict(e, 注文番号="1003", 会員ID="57", 合計="1,000", 支払合計="1,000", 商品コード="KO-1", 商品名="酵素", 価格="1000",
             個数="1", **{"対応状況(ID)": "9", "対応状況(名称)": "返品", "明細区分(ID)": "1"}),
    ]  # fmt: skip


def test_eccube_non_product_lines_and_totals_not_summed(ws, tmp_path, write_csv):
    p = write_csv(tmp_path / "order.csv", eccube.ORDER_HEADERS, _eccube_rows(), encoding="cp932")
    f = import_files(ws, [p], "eccube").to_dict()["files"][0]
    assert (f["read"], f["accepted"]) == (7, 7)
    o = _by(ws, "orders")
    # 5 rows of order 1001 each repeat 支払合計 5,500: the order total is 5,500, not 27,500.
    assert o["1001"]["total_jpy"] == 5500
    assert (o["1001"]["discount_jpy"], o["1001"]["shipping_jpy"], o["1001"]["points_used"]) == (500, 600, 100)
    lines = _lines(ws, "1001")
    assert [r["line_type"] for r in lines] == ["product", "shipping", "fee", "discount", "point"]
    products = [r for r in lines if r["line_type"] == "product"]
    assert [(r["sku"], r["quantity"], r["line_total_jpy"]) for r in products] == [("AO-1", 2, 5500)]
    assert all(r["sku"] is None for r in lines if r["line_type"] != "product")
    assert (o["1002"]["status"], o["1003"]["status"]) == ("cancelled", "returned")
    assert _by(ws, "customers", "customer_id")["55"]["name"] == "佐藤 花子"


def test_eccube_customer_csv(ws, tmp_path, write_csv):
    p = write_csv(tmp_path / "customer.csv", [*eccube.CUSTOMER_HEADERS, "メルマガ"], [
        {"会員ID": "55", "お名前(姓)": "佐藤", "お名前(名)": "花子", "お名前(セイ)": "サトウ", "お名前(メイ)": "ハナコ",
         "都道府県(名称)": "大阪府", "メールアドレス": "H@Example.jp", "TEL": "06-1234-5678", "登録日": "2023-03-01 12:00:00",
         "メルマガ": "希望する"}], encoding="cp932")  # fmt: skip
    f = import_files(ws, [p], "eccube").to_dict()["files"][0]
    assert (f["table"], f["accepted"]) == ("customers", 1)
    c = _by(ws, "customers", "customer_id")["55"]
    assert (c["name_kana"], c["prefecture"], c["email_norm"], c["phone_norm"], c["accepts_email"]) == (
        "サトウ ハナコ", "大阪府", "h@example.jp", "0612345678", True)
    assert c["registered_at"] == dt.datetime(2023, 3, 1, 12, tzinfo=JST)


def _rakuten_rows():
    base = {"注文日時": "2024-01-05 10:00:00", "合計金額": "3,980", "送料合計": "0", "ポイント利用額": "100",
            "注文者名字": "髙橋", "注文者名前": "一郎", "注文者電話番号1": "090", "注文者電話番号2": "1234",
            "注文者電話番号3": "5678", "注文者住所:都道府県": "東京都", "ステータス": "500",
            "注文者メールアドレス": "abc123@pc.fw.rakuten.ne.jp"}  # fmt: skip
    return [
        dict(base, 注文番号="100-20240105-01", 注文種別="4", 申込番号="SUB-1", 申込お届け回数="1", 商品番号="AO-1", 商品名="青汁", 単価="3980", 個数="1"),
        dict(base, 注文番号="100-20240205-01", 注文日時="2024-02-05 10:00:00", 注文種別="4", 申込番号="SUB-1", 申込お届け回数="2",
             商品番号="AO-1", 商品名="青汁", 単価="3980", 個数="1", 注文者メールアドレス="zzz999@pc.fw.rakuten.ne.jp"),
        dict(base, 注文番号="100-20240305-01", 注文日時="2024-03-05 10:00:00", 注文種別="1", ステータス="900",
             商品番号="KO-1", 商品名="酵素", 単価="1990", 個数="2"),
        dict(base, 注文番号="100-20240305-01", 注文日時="2024-03-05 10:00:00", 注文種別="1", ステータス="900",
             商品番号="KO-2", 商品名="おまけ", 単価="0", 個数="1"),
    ]  # fmt: skip


def test_rakuten_subscription_rows_are_linked_to_a_subscription(ws, tmp_path, write_csv):
    p = write_csv(tmp_path / "rakuten.csv", rakuten.ORDER_HEADERS, _rakuten_rows(), encoding="cp932")
    f = import_files(ws, [p], "rakuten").to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["detected"]["encoding"]) == (4, 4, "cp932")
    o = _by(ws, "orders")
    s1, s2, normal = o["100-20240105-01"], o["100-20240205-01"], o["100-20240305-01"]
    assert s1["subscription_id"] == s2["subscription_id"] == "rakuten:SUB-1"
    assert (s1["subscription_seq"], s2["subscription_seq"]) == (1, 2)
    assert normal["subscription_id"] is None and normal["status"] == "cancelled"
    assert normal["total_jpy"] == 3980  # repeated on both rows, taken once
    # Relay e-mails differ, the buyer is the same person: one customer (name + phone).
    assert s1["customer_id"] == s2["customer_id"] == normal["customer_id"]
    sub = _by(ws, "subscriptions", "subscription_id")["rakuten:SUB-1"]
    assert (sub["customer_id"], sub["deliveries"], sub["status"], sub["sku"]) == (s1["customer_id"], 2, "active", "AO-1")
    assert sub["started_at"] == dt.datetime(2024, 1, 5, 10, tzinfo=JST)
    c = _by(ws, "customers", "customer_id")[s1["customer_id"]]
    assert (c["name"], c["phone_norm"], c["prefecture"]) == ("髙橋 一郎", "09012345678", "東京都")


def test_rakuten_legacy_layout(ws, tmp_path, write_csv):
    rows = [{"受注番号": "200-1", "受注ステータス": "処理済", "注文日時": "2019/03/01 12:00:00", "合計金額(-99999=無効値)": "2,000",
             "注文者名字": "鈴木", "注文者名前": "次郎", "注文者電話番号1": "03", "注文者電話番号2": "1111",
             "注文者電話番号3": "2222", "商品番号": "X-1", "商品名": "石鹸", "単価": "1000", "個数": "2"},
            {"受注番号": "200-2", "受注ステータス": "キャンセル", "注文日時": "2019/03/02 12:00:00", "合計金額(-99999=無効値)": "-99999",
             "注文者名字": "鈴木", "注文者名前": "次郎", "商品番号": "X-1", "単価": "1000", "個数": "1"}]  # fmt: skip
    p = write_csv(tmp_path / "old.csv", rakuten.LEGACY_ORDER_HEADERS, rows, encoding="cp932")
    f = import_files(ws, [p], "rakuten").to_dict()["files"][0]
    assert (f["accepted"], f["quarantined"]) == (1, 1)  # -99999 is "no value": the total is missing
    assert _by(ws, "orders")["200-1"]["total_jpy"] == 2000


def test_platform_reimport_is_idempotent(ws, tmp_path, write_csv, snapshot):
    r = write_csv(tmp_path / "r.csv", rakuten.ORDER_HEADERS, _rakuten_rows(), encoding="cp932")
    e = write_csv(tmp_path / "e.csv", eccube.ORDER_HEADERS, _eccube_rows(), encoding="cp932")
    import_files(ws, [r], "rakuten")
    import_files(ws, [e], "eccube")
    before = snapshot(ws)
    res = import_files(ws, [r], "rakuten").to_dict()
    res2 = import_files(ws, [e], "eccube").to_dict()
    after = snapshot(ws)
    for name in ("orders", "order_lines", "customers", "subscriptions"):
        assert after[name] == before[name]
    assert (res["accepted"], res["duplicates"], res2["accepted"], res2["duplicates"]) == (0, 4, 0, 7)


def test_cdnow_both_files_match_the_published_counts(ws):
    res = import_files(ws, [CDNOW / "CDNOW_master.txt", CDNOW / "CDNOW_sample.txt"], "cdnow").to_dict()
    master, sample = res["files"]
    # SOURCE.md: 69,659 rows of 23,570 customers; the sample 6,919 rows of 2,357 customers.
    assert (master["read"], master["accepted"], master["quarantined"]) == (69659, 69659, 0)
    assert (sample["read"], sample["quarantined"]) == (6919, 0)
    orders = ws.read_arrow("orders")
    assert orders.num_rows == 69659  # the sample's orders are the same orders (master ids)
    assert pc.count_distinct(orders.column("customer_id")).as_py() == 23570
    o = _by(ws, "orders")["cdnow-00004-19970101-1"]
    assert o["order_date"] == dt.date(1997, 1, 1) and o["total_jpy"] == 29
    assert '"dollar_value": 29.33' in o["raw"] and '"sample_id": "0001"' in o["raw"]


def test_shopify_first_subscription_order_counts_as_the_first_delivery(ws, tmp_path, write_csv):
    def row(name, day, source, tags):
        return {"Name": name, "Email": "sub@example.jp", "Financial Status": "paid", "Total": "3000",
                "Created at": f"2024-0{day}-01 10:00:00 +0900", "Lineitem quantity": "1", "Lineitem price": "3000",
                "Lineitem sku": "AO-30", "Source": source, "Tags": tags}  # fmt: skip

    rows = [
        row("#2001", 1, "web", "Subscription First Order"),  # first delivery: a web order with a tag
        row("#2002", 2, "subscription_contract", "Subscription Recurring Order"),
        row("#2003", 3, "subscription_contract", ""),
        row("#2004", 4, "web", ""),  # an ordinary one-off order of the same product
    ]
    import_files(ws, [write_csv(tmp_path / "orders_export.csv", shopify.ORDER_HEADERS, rows)], "shopify")
    o = _by(ws, "orders")
    sub = o["#2001"]["subscription_id"]
    assert sub is not None
    assert [o[k]["subscription_id"] for k in ("#2002", "#2003")] == [sub, sub]
    assert [o[k]["subscription_seq"] for k in ("#2001", "#2002", "#2003")] == [1, 2, 3]
    assert o["#2004"]["subscription_id"] is None
    subs = _by(ws, "subscriptions", "subscription_id")
    assert list(subs) == [sub] and subs[sub]["deliveries"] == 3


def test_rakuten_total_is_net_of_the_shops_own_coupon_but_not_of_rakuten_coupons_or_points(ws, tmp_path, write_csv):
    base = {"ステータス": "700", "注文日時": "2024-04-06 10:00:00", "注文者名字": "田中", "注文者名前": "花",
            "注文者電話番号1": "090", "注文者電話番号2": "0000", "注文者電話番号3": "1111",
            "商品番号": "AO-1", "単価": "1906", "個数": "1", "合計金額": "1906"}  # fmt: skip
    rows = [
        # hand-worked: 1906 - shop coupon 500 = 1406 (what Shopify's Total or a generic amount would hold)
        {**base, "注文番号": "1-A", "店舗発行クーポン利用額": "500", "楽天発行クーポン利用額": "0",
         "クーポン利用総額": "500", "請求金額": "1406"},
        # a 楽天 coupon (300) and points (200) are paid to the shop by 楽天: revenue stays 1906
        {**base, "注文番号": "1-B", "店舗発行クーポン利用額": "0", "楽天発行クーポン利用額": "300",
         "クーポン利用総額": "300", "ポイント利用額": "200", "請求金額": "1406"},
    ]  # fmt: skip
    import_files(ws, [write_csv(tmp_path / "r.csv", rakuten.ORDER_HEADERS, rows, encoding="cp932")], "rakuten")
    o = _by(ws, "orders")
    assert (o["1-A"]["total_jpy"], o["1-A"]["discount_jpy"]) == (1406, 500)
    assert (o["1-B"]["total_jpy"], o["1-B"]["discount_jpy"], o["1-B"]["points_used"]) == (1906, 0, 200)
