"""楽天市場 RMS exports: the 楽天ペイ order CSV and the older 受注番号 layout.

One row per product line of an order; order-level amounts repeat on every row of
the order (never summed).  ``ステータス`` 900 / キャンセル確定 is a cancellation;
``注文種別`` 4 / 定期購入 marks a subscription order, linked by ``申込番号`` with
its delivery count in ``申込お届け回数``.  The buyer e-mail is a relay address, so
customers are identified by name + phone.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets._orders import OrderRows, build_line_export, hashed_ids
from horetsu.io.presets.base import Columns, Parsed, Rejects
from horetsu.io.reader import Source

NAME = "rakuten"

# 楽天ペイ受注 CSV (RMS, 2019+) — the columns horetsu reads, in export order.
ORDER_HEADERS: tuple[str, ...] = (
    "注文番号", "ステータス", "サブステータスID", "サブステータス", "注文日時", "注文日", "注文時間",
    "キャンセル期限日", "注文確認日時", "注文確定日時", "発送指示日時", "発送完了報告日時",
    "支払方法名", "クレジットカード支払い方法", "クレジットカード支払い回数", "配送方法", "配送区分",
    "注文種別", "複数送付先フラグ", "送付先一致フラグ", "離島フラグ", "楽天確認中フラグ",
    "警告表示タイプ", "楽天会員フラグ", "購入履歴修正有無フラグ", "商品合計金額", "消費税合計",
    "送料合計", "代引料合計", "請求金額", "合計金額", "ポイント利用額", "クーポン利用総額",
    "店舗発行クーポン利用額", "楽天発行クーポン利用額", "注文者郵便番号1", "注文者郵便番号2",
    "注文者住所:都道府県", "注文者住所:都市区", "注文者住所:町以降", "注文者名字", "注文者名前",
    "注文者名字フリガナ", "注文者名前フリガナ", "注文者電話番号1", "注文者電話番号2",
    "注文者電話番号3", "注文者メールアドレス", "注文者性別", "申込番号", "申込お届け回数",
    "送付先ID", "商品明細ID", "商品ID", "商品名", "商品番号", "商品管理番号", "単価", "個数",
    "送料込別", "税込別", "代引手数料込別", "項目・選択肢", "ポイント倍率",
)  # fmt: skip

# The older RMS 受注 CSV (before 楽天ペイ), keyed by 受注番号.
LEGACY_ORDER_HEADERS: tuple[str, ...] = (
    "受注番号", "受注ステータス", "カード決済ステータス", "入金日", "配送日", "お届け時間帯",
    "お届け日指定", "担当者", "ひとことメモ", "メール差込文(お客様へのメッセージ)", "初期購入合計金額",
    "利用端末", "メールキャリアコード", "ギフトチェック(0:なし/1:あり)", "コメント", "注文日時",
    "複数送付先フラグ", "警告表示フラグ", "楽天会員フラグ", "合計", "消費税(-99999=無効値)",
    "送料(-99999=無効値)", "代引料(-99999=無効値)", "請求金額(-99999=無効値)",
    "合計金額(-99999=無効値)", "ポイント利用額", "注文者郵便番号1", "注文者郵便番号2",
    "注文者住所:都道府県", "注文者住所:都市区", "注文者住所:町以降", "注文者名字", "注文者名前",
    "注文者名字フリガナ", "注文者名前フリガナ", "注文者電話番号1", "注文者電話番号2",
    "注文者電話番号3", "メールアドレス", "注文者性別", "決済方法", "商品ID", "商品名", "商品番号",
    "単価", "個数",
)  # fmt: skip


CANCELLED = ("900", "800", "キャンセル確定", "キャンセル確定待ち", "キャンセル", "キャンセル済み")
SUBSCRIPTION_KINDS = ("4", "5", "定期購入", "頒布会")
_COLS = {c: (c,) for c in (*ORDER_HEADERS, *LEGACY_ORDER_HEADERS)}


def parse(source: Source, table: str | None = None) -> Parsed:
    if table not in (None, "orders"):
        raise InputFileError(
            f"{source.path}: the rakuten preset reads order files only, not {table}",
            ja=f"{source.path}: rakuten プリセットは受注ファイルのみ読めます（{table} は不可）",
        )
    cols = Columns(source, _COLS, exact=True)
    legacy = not cols.has("注文番号") and cols.has("受注番号")
    key_col = "受注番号" if legacy else "注文番号"
    cols.require([key_col, "注文日時"], table="orders")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    key = nz.ident(g(key_col))
    rej.missing(key, key_col)
    rows = OrderRows(key)
    first = pa.array(rows.is_first)
    ordered_at, bad = nz.timestamp(g("注文日時"))
    rej.bad(pc.and_(first, bad), g("注文日時"), "注文日時", "not a date/time", "invalid_date")
    rej.add(pc.and_(first, pc.is_null(ordered_at)), "missing_value", "注文日時", "required value is empty", None)
    total_col = "合計金額(-99999=無効値)" if legacy else "合計金額"
    if not cols.has(total_col):
        total_col = "請求金額(-99999=無効値)" if legacy else "請求金額"
    cols.require([total_col], table="orders")

    def money(c: str, row_level: bool = False) -> pa.Array:
        out, bad = nz.money(g(c))
        mask = bad if row_level else pc.and_(first, bad)
        rej.bad(mask, g(c), c, "not a yen amount", "invalid_amount")
        return pc.if_else(pc.equal(out, -99999), pa.scalar(None, pa.int64()), out)

    total = money(total_col)
    # 発送完了報告日時: when the shop reported the order shipped (the 楽天ペイ layout only).
    shipped, bad = nz.timestamp(g("発送完了報告日時"))
    rej.bad(pc.and_(first, bad), g("発送完了報告日時"), "発送完了報告日時", "not a date/time", "invalid_date")
    rej.add(pc.and_(first, pc.is_null(total)), "missing_value", total_col, "required value is empty", None)
    points = money("ポイント利用額")
    coupon = money("クーポン利用総額")
    if cols.has("店舗発行クーポン利用額"):
        # 合計金額 is before coupons. A coupon the shop issued is a discount on the shop's
        # own revenue (as Shopify's Total is after discounts); coupons issued by 楽天 and
        # points are paid to the shop by 楽天, so they stay in the revenue.
        coupon = money("店舗発行クーポン利用額")
        total = pc.subtract(total, pc.fill_null(coupon, 0))
    shipping = money("送料(-99999=無効値)" if legacy else "送料合計")
    price = money("単価", row_level=True)
    qty, bad = nz.integer(g("個数"))
    rej.bad(bad, g("個数"), "個数", "not a whole number", "invalid_quantity")
    status_src = pc.fill_null(nz.fold(g("受注ステータス" if legacy else "ステータス")), "")
    status = pc.if_else(pc.is_in(status_src, pa.array(CANCELLED)), "cancelled", "completed")
    kind = pc.fill_null(nz.fold(g("注文種別")), "")
    is_sub = pc.is_in(kind, pa.array(SUBSCRIPTION_KINDS))
    app_no = nz.ident(g("申込番号"))
    sub_id = pc.if_else(pc.and_(is_sub, pc.is_valid(app_no)), pc.binary_join_element_wise("rakuten:", app_no, ""),
                        pa.scalar(None, pa.string()))  # fmt: skip
    seq, bad = nz.integer(g("申込お届け回数"))
    rej.bad(bad, g("申込お届け回数"), "申込お届け回数", "not a whole number", "invalid_value")
    seq = pc.if_else(pc.is_valid(sub_id), seq, pa.scalar(None, pa.int64()))
    # Buyers: the e-mail is a relay address, so a customer is name + phone.
    name = nz.blank_to_null(
        pc.binary_join_element_wise(pc.fill_null(nz.fold(g("注文者名字")), ""), pc.fill_null(nz.fold(g("注文者名前")), ""), " ")
    )
    phone = nz.blank_to_null(
        pc.binary_join_element_wise(
            pc.fill_null(nz.digits(g("注文者電話番号1")), ""),
            pc.fill_null(nz.digits(g("注文者電話番号2")), ""),
            pc.fill_null(nz.digits(g("注文者電話番号3")), ""),
            "",
        )
    )
    ident_src = pc.binary_join_element_wise(
        pc.replace_substring_regex(pc.fill_null(name, ""), r"\s", ""), pc.fill_null(phone, ""), "|"
    )
    ident_src = pc.if_else(pc.and_(pc.is_null(name), pc.is_null(phone)), pa.scalar(None, pa.string()), ident_src)
    customer = hashed_ids("rakuten:", ident_src)
    rej.add(pc.and_(first, pc.is_null(customer)), "missing_value", "注文者名字/注文者電話番号1",
            "buyer name and phone are both empty", None)  # fmt: skip
    kana = nz.blank_to_null(pc.binary_join_element_wise(
        pc.fill_null(nz.fold(g("注文者名字フリガナ")), ""), pc.fill_null(nz.fold(g("注文者名前フリガナ")), ""), " "))  # fmt: skip
    postal = nz.blank_to_null(pc.binary_join_element_wise(
        pc.fill_null(nz.digits(g("注文者郵便番号1")), ""), pc.fill_null(nz.digits(g("注文者郵便番号2")), ""), ""))  # fmt: skip
    sku = pc.coalesce(nz.ident(g("商品番号")), nz.ident(g("商品管理番号")), nz.ident(g("商品ID")))
    personal = ("注文者名字", "注文者名前", "注文者名字フリガナ", "注文者名前フリガナ", "注文者電話番号1", "注文者電話番号2",
                "注文者電話番号3", "注文者メールアドレス", "メールアドレス", "注文者郵便番号1", "注文者郵便番号2",
                "注文者住所:都市区", "注文者住所:町以降")  # fmt: skip
    used = [cols.found[c] for c in cols.found if c in personal or c in ("注文番号", "受注番号")]
    return build_line_export(
        source,
        NAME,
        rej,
        rows,
        order={
            "customer_id": customer,
            "ordered_at": ordered_at,
            "status": status,
            "total_jpy": total,
            "discount_jpy": coupon,
            "points_used": points,
            "shipping_jpy": shipping,
            "channel": nz.const("rakuten", n),
            "subscription_id": sub_id,
            "subscription_seq": seq,
            "shipped_at": shipped,
        },
        customers={
            "name": name,
            "name_kana": kana,
            "phone_norm": phone,
            "postal_code": postal,
            "prefecture": nz.fold(g("注文者住所:都道府県")),
        },
        line_type=nz.const("product", n),
        lines={"sku": sku, "product_name": nz.text(g("商品名")), "unit_price_jpy": price, "quantity": qty},
        extra_lines=(("shipping", "shipping_jpy", 1), ("discount", "discount_jpy", -1), ("point", "points_used", -1)),
        used=used,
        columns={"ordered_at": "注文日時", "total_jpy": total_col},
    )
