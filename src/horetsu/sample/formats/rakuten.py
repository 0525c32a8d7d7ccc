"""楽天 RMS layout: the 楽天ペイ受注 CSV (``rakuten_orders.csv``), CP932 like a real download.

Column names come from ``horetsu.io.presets.rakuten``.  One row per product line;
order-level amounts repeat on every row of an order.  ステータス 700 = 支払手続き済,
900 = キャンセル確定 (returns and refunds are shown as cancelled with a サブステータス);
注文種別 4 marks 定期購入 deliveries, linked by 申込番号 with 申込お届け回数.
The buyer's e-mail is a per-order relay address, as on 楽天.  Only buyers appear.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from horetsu.io.presets.rakuten import ORDER_HEADERS
from horetsu.sample.formats import lines
from horetsu.sample.formats._table import build, choose, const, spread
from horetsu.sample.formats.generic import replacing
from horetsu.sample.shop import Shop

FILES = ("rakuten_orders.csv",)
SHOP_NUMBER = "384910"
CHUNK_ROWS = 200_000
STATUS_CODES = ("completed", "cancelled", "returned", "refunded")


def _order_numbers(ordered_at: pa.Array) -> pa.Array:
    """``384910-20240105-0000001001``: shop, order date, running number."""
    day = pc.replace_substring(pc.utf8_slice_codeunits(ordered_at, 0, 10), "-", "")
    run = pc.utf8_lpad(pa.array(np.arange(1, len(ordered_at) + 1) + 1000).cast(pa.string()), 10, "0")
    return pc.binary_join_element_wise(SHOP_NUMBER, day, run, "-")


def orders_table(shop: Shop, seed: int = 0) -> pa.Table:
    o, c = shop.orders, shop.customers
    L = lines.split(o, seed)
    n, m = len(L["line_order"]), o.num_rows
    line = L["line_order"]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
    cust = pc.index_in(o["customer_id"], value_set=c["customer_id"]).to_numpy(zero_copy_only=False)
    status = pc.index_in(o["status"], value_set=pa.array(STATUS_CODES)).to_numpy(zero_copy_only=False)
    is_sub = o["subscription_id"].is_valid().to_numpy(zero_copy_only=False)
    local = pc.utf8_replace_slice(pc.utf8_slice_codeunits(o["ordered_at"], 0, 19), 10, 11, " ")
    parts = pc.split_pattern(c["name"], " ")
    kana = pc.split_pattern(c["name_kana"], " ")
    phone = pc.split_pattern(c["phone"], "-")
    relay = pc.binary_join_element_wise(
        pa.array(rng.integers(16**11, 16**12, m)).cast(pa.string()), "pc.fw.rakuten.ne.jp", "@"
    )
    postal = rng.integers(0, 10**7, m)
    per_cust = cust[line]

    def per_order(values) -> pa.Array:  # order-level values repeat on every line
        return spread(values, line)

    def per_customer(values) -> pa.Array:
        return spread(values, per_cust)

    cols = {
        "注文番号": per_order(_order_numbers(o["ordered_at"])),
        "ステータス": per_order(choose(("700", "900", "900", "900"), status)),
        "サブステータス": per_order(choose(("", "", "返品", "返金"), status)),
        "注文日時": per_order(local),
        "注文日": per_order(pc.utf8_slice_codeunits(local, 0, 10)),
        "注文時間": per_order(pc.utf8_slice_codeunits(local, 11, 19)),
        "支払方法名": const("クレジットカード", n),
        "配送方法": const("宅配便", n),
        "注文種別": per_order(choose(("1", "4"), is_sub)),
        "楽天会員フラグ": const("1", n),
        "商品合計金額": per_order(L["subtotal"]),
        "消費税合計": per_order(np.floor(L["total"] * 8 / 108).astype(np.int64)),
        "送料合計": per_order(L["shipping"]),
        "代引料合計": per_order(np.zeros(m, np.int64)),
        "合計金額": per_order(L["subtotal"] + L["shipping"]),
        "クーポン利用総額": per_order(L["discount"]),
        "店舗発行クーポン利用額": per_order(L["discount"]),
        "ポイント利用額": per_order(np.zeros(m, np.int64)),
        "請求金額": per_order(L["total"]),
        "注文者郵便番号1": per_order(pc.utf8_lpad(pa.array(postal // 10000).cast(pa.string()), 3, "0")),
        "注文者郵便番号2": per_order(pc.utf8_lpad(pa.array(postal % 10000).cast(pa.string()), 4, "0")),
        "注文者住所:都道府県": per_customer(c["prefecture"]),
        "注文者名字": per_customer(pc.list_element(parts, 0)),
        "注文者名前": per_customer(pc.list_element(parts, 1)),
        "注文者名字フリガナ": per_customer(pc.list_element(kana, 0)),
        "注文者名前フリガナ": per_customer(pc.list_element(kana, 1)),
        "注文者電話番号1": per_customer(pc.list_element(phone, 0)),
        "注文者電話番号2": per_customer(pc.list_element(phone, 1)),
        "注文者電話番号3": per_customer(pc.list_element(phone, 2)),
        "注文者メールアドレス": per_order(relay),
        "申込番号": per_order(pc.fill_null(o["subscription_id"], "")),
        "申込お届け回数": per_order(pc.fill_null(o["subscription_seq"].cast(pa.string()), "")),
        "商品明細ID": np.arange(1, n + 1, dtype=np.int64) + 10_000_000,
        "商品名": L["line_name"],
        "商品番号": L["line_sku"],
        "商品管理番号": L["line_sku_lower"],
        "単価": L["line_price"],
        "個数": L["line_qty"],
        "送料込別": const("送料別", n),
        "税込別": const("税込", n),
    }
    return build(ORDER_HEADERS, cols, n)


def write_cp932(table: pa.Table, path: Path) -> None:
    """CSV in CP932 (Windows Japanese), transcoded chunk by chunk to bound memory."""
    with replacing(path) as tmp, open(tmp, "wb") as fh:
        for start in range(0, max(table.num_rows, 1), CHUNK_ROWS):
            buf = io.BytesIO()
            opts = pacsv.WriteOptions(include_header=start == 0, quoting_style="all_valid")
            pacsv.write_csv(table.slice(start, CHUNK_ROWS), buf, write_options=opts)
            fh.write(buf.getvalue().decode("utf-8").replace("\n", "\r\n").encode("cp932"))


def write(shop: Shop, out_dir: Path) -> list[Path]:
    path = out_dir / FILES[0]
    write_cp932(orders_table(shop), path)
    return [path]
