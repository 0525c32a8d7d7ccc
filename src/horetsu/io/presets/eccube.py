"""EC-CUBE 4 exports: the 受注 CSV (one row per 明細) and the 会員 CSV.

Only ``明細区分`` 1 (商品) rows are product lines; 送料 (2), 手数料 (3), 割引 (4),
税 (5) and ポイント (6) rows become order_lines of their own type and never count
as products.  Order totals (合計, 支払合計, ...) repeat on every row of an order
and are taken once, never summed.  ``対応状況`` 注文取消し → cancelled, 返品 → returned.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets._orders import OrderRows, build_line_export, per_order, prefecture_from_code
from horetsu.io.presets.base import Columns, Parsed, Rejects, exact_duplicates, raw_json
from horetsu.io.reader import Source

NAME = "eccube"

# EC-CUBE 4.0.4+ 受注CSV (csv_type 3), the enabled rows of dtb_csv in sort order
# (src/Eccube/Resource/doctrine/import_csv/ja/dtb_csv.csv; see tests/data/io/eccube/NOTE.md).
# 送料 appears twice: the order's delivery_fee_total, then Shipping.shipping_delivery_fee,
# a field the Shipping entity no longer has, so the second column is always empty.
ORDER_HEADERS: tuple[str, ...] = (
    "注文ID", "注文番号", "会員ID", "お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)", "会社名",
    "郵便番号", "都道府県(ID)", "都道府県(名称)", "住所1", "住所2", "メールアドレス", "TEL", "性別(ID)",
    "性別(名称)", "職業(ID)", "職業(名称)", "誕生日", "ショップ用メモ欄", "小計", "値引き", "送料", "税金",
    "合計", "支払合計", "対応状況(ID)", "対応状況(名称)", "支払方法(ID)", "支払方法(名称)", "受注日", "入金日",
    "注文詳細ID", "商品ID", "商品規格ID", "商品名", "商品コード", "規格名1", "規格名2", "規格分類名1",
    "規格分類名2", "価格", "個数", "税率", "税率ルール(ID)", "明細区分(ID)", "明細区分(名称)", "出荷ID",
    "配送先_お名前(姓)", "配送先_お名前(名)", "配送先_お名前(セイ)", "配送先_お名前(メイ)", "配送先_会社名",
    "配送先_郵便番号", "配送先_都道府県(ID)", "配送先_都道府県(名称)", "配送先_住所1", "配送先_住所2",
    "配送先_TEL", "配送業者(ID)", "配送業者(名称)", "お届け時間ID", "お届け時間(名称)", "お届け希望日", "送料",
    "発送日", "出荷伝票番号", "配達用メモ", "出荷メール送信日",
)  # fmt: skip
# 4.0.0 - 4.0.3 name the shipping 配送ID, and 4.0.x (to 4.0.6) has 送料ID before the second 送料.
ORDER_HEADERS_40: tuple[str, ...] = tuple(
    h for x in ORDER_HEADERS for h in ({"出荷ID": ("配送ID",), "お届け希望日": ("お届け希望日", "送料ID")}.get(x, (x,)))
)

# EC-CUBE 4 会員CSV (csv_type 2); 4.1 added ポイント at the end.  A shop that uses the
# メルマガ plugin may add its flag (Customer.mailmaga_flg, 1/0) as a column of its own naming.
CUSTOMER_HEADERS: tuple[str, ...] = (
    "会員ID", "お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)", "会社名", "郵便番号",
    "都道府県(ID)", "都道府県(名称)", "住所1", "住所2", "メールアドレス", "TEL", "性別(ID)",
    "性別(名称)", "職業(ID)", "職業(名称)", "誕生日", "初回購入日", "最終購入日", "購入回数",
    "ショップ用メモ欄", "会員ステータス(ID)", "会員ステータス(名称)", "登録日", "更新日", "ポイント",
)  # fmt: skip
MAILMAGA = ("メルマガ", "メルマガ配信", "メルマガフラグ", "メルマガ配信希望", "メールマガジン", "メールマガジン送付について",
            "mailmaga_flg", "plg_mailmagazine_flg")  # fmt: skip


# 明細区分(ID) of EC-CUBE 4 (OrderItemType): 1 商品, 2 送料, 3 手数料, 4 割引, 5 税, 6 ポイント.
ITEM_TYPES = {"1": "product", "2": "shipping", "3": "fee", "4": "discount", "5": "tax", "6": "point",
              "商品": "product", "送料": "shipping", "手数料": "fee", "割引": "discount", "税": "tax",
              "ポイント": "point"}  # fmt: skip
# 対応状況(ID) of EC-CUBE 4 (mtb_order_status): 1 新規受付, 3 注文取消し, 4 対応中, 5 発送済み,
# 6 入金済み, 7 決済処理中, 8 購入処理中, 9 返品.  7 and 8 are checkouts that never finished
# (the admin's order list hides them): they are set aside, not counted as purchases.
STATUS = {"3": "cancelled", "9": "returned", "注文取消し": "cancelled", "キャンセル": "cancelled", "返品": "returned",
          "7": "unfinished", "8": "unfinished", "決済処理中": "unfinished", "購入処理中": "unfinished"}  # fmt: skip
_ALIASES = {
    "注文番号": ("注文番号",), "注文ID": ("注文ID",), "会員ID": ("会員ID",), "受注日": ("受注日", "注文日"),
    "合計": ("合計",), "支払合計": ("支払合計",), "値引き": ("値引き",), "送料": ("送料",), "手数料": ("手数料",),
    "利用ポイント": ("利用ポイント", "使用ポイント"), "対応状況(ID)": ("対応状況(ID)",),
    "対応状況(名称)": ("対応状況(名称)", "対応状況"), "商品名": ("商品名",), "商品コード": ("商品コード",),
    "価格": ("価格", "商品価格", "単価"), "個数": ("個数", "数量"), "明細区分(ID)": ("明細区分(ID)",),
    "明細区分(名称)": ("明細区分(名称)", "明細区分"), "メールアドレス": ("メールアドレス",), "TEL": ("TEL", "電話番号"),
    "お名前(姓)": ("お名前(姓)",), "お名前(名)": ("お名前(名)",), "お名前(セイ)": ("お名前(セイ)",),
    "お名前(メイ)": ("お名前(メイ)",), "郵便番号": ("郵便番号",), "都道府県(名称)": ("都道府県(名称)", "都道府県"),
    "都道府県(ID)": ("都道府県(ID)",), "登録日": ("登録日",), "メルマガ": MAILMAGA,
    "カテゴリ": ("カテゴリ", "カテゴリ名"), "発送日": ("発送日",),
}  # fmt: skip


def parse(source: Source, table: str | None = None) -> Parsed:
    if table not in (None, "orders", "customers"):
        raise InputFileError(
            f"{source.path}: the eccube preset reads orders or customers, not {table}",
            ja=f"{source.path}: eccube プリセットは受注か会員のファイルのみ読めます（{table} は不可）",
        )
    cols = Columns(source, _ALIASES, exact=True)
    if table == "customers" or (table is None and not cols.has("注文番号") and not cols.has("注文ID")):
        return parse_customers(source, cols)
    return parse_orders(source, cols)


def _name(g) -> tuple[pa.Array, pa.Array]:
    name = nz.blank_to_null(pc.binary_join_element_wise(
        pc.fill_null(nz.fold(g("お名前(姓)")), ""), pc.fill_null(nz.fold(g("お名前(名)")), ""), " "))  # fmt: skip
    kana = nz.blank_to_null(pc.binary_join_element_wise(
        pc.fill_null(nz.fold(g("お名前(セイ)")), ""), pc.fill_null(nz.fold(g("お名前(メイ)")), ""), " "))  # fmt: skip
    return name, kana


def _pref(g) -> pa.Array:
    return pc.coalesce(nz.fold(g("都道府県(名称)")), prefecture_from_code(nz.fold(g("都道府県(ID)"))))


def parse_orders(source: Source, cols: Columns) -> Parsed:
    key_col = "注文番号" if cols.has("注文番号") else "注文ID"
    cols.require([key_col, "会員ID", "受注日", "支払合計" if cols.has("支払合計") else "合計"], table="orders")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    key = nz.ident(g(key_col))
    rej.missing(key, key_col)
    rows = OrderRows(key)
    first = pa.array(rows.is_first)
    customer = nz.ident(g("会員ID"))
    # 会員ID 0 / empty = guest purchase: the order itself stands for the customer.
    guest = pc.or_(pc.is_null(customer), pc.equal(pc.fill_null(customer, ""), "0"))
    customer = pc.if_else(guest, pc.binary_join_element_wise("eccube-guest:", pc.fill_null(key, ""), ""), customer)
    ordered_at, bad = nz.timestamp(g("受注日"))
    rej.bad(pc.and_(first, bad), g("受注日"), cols.name("受注日"), "not a date/time", "invalid_date")
    rej.add(pc.and_(first, pc.is_null(ordered_at)), "missing_value", cols.name("受注日"), "required value is empty", None)

    def money(c: str, row_level: bool = False) -> pa.Array:
        out, bad = nz.money(g(c))
        rej.bad(bad if row_level else pc.and_(first, bad), g(c), cols.name(c), "not a yen amount", "invalid_amount")
        return out

    total_col = "支払合計" if cols.has("支払合計") else "合計"
    total = money(total_col)  # taken from the order's first row, never summed over rows
    rej.add(pc.and_(first, pc.is_null(total)), "missing_value", cols.name(total_col), "required value is empty", None)
    discount = money("値引き")
    shipping = money("送料")
    points, bad = nz.integer(g("利用ポイント"))
    rej.bad(pc.and_(first, bad), g("利用ポイント"), cols.name("利用ポイント"), "not a whole number", "invalid_value")
    price = money("価格", row_level=True)
    qty, bad = nz.integer(g("個数"))
    rej.bad(bad, g("個数"), cols.name("個数"), "not a whole number", "invalid_quantity")
    st_src = pc.coalesce(nz.fold(g("対応状況(ID)")), nz.fold(g("対応状況(名称)")))
    st_key = pc.fill_null(st_src, "")
    status = pc.fill_null(pc.take(pa.array(list(STATUS.values())), pc.index_in(st_key, pa.array(list(STATUS)))), "completed")
    unfinished = pc.and_(first, pc.equal(status, "unfinished"))
    rej.add(unfinished, "unfinished_order", cols.name("対応状況(ID)") if cols.has("対応状況(ID)") else cols.name("対応状況(名称)"),
            "checkout never finished (決済処理中 / 購入処理中), not a purchase", st_src)  # fmt: skip
    # 発送日 is per shipping (row); an order's shipped_at is its first shipment.
    shipped_row, bad = nz.timestamp(g("発送日"))
    rej.bad(bad, g("発送日"), cols.name("発送日"), "not a date/time", "invalid_date")
    shipped = per_order(key, shipped_row, "min")
    it_src = pc.coalesce(nz.fold(g("明細区分(ID)")), nz.fold(g("明細区分(名称)")))
    line_type = pc.take(pa.array(list(ITEM_TYPES.values())), pc.index_in(pc.fill_null(it_src, "1"), pa.array(list(ITEM_TYPES))))
    rej.bad(pc.and_(pc.is_valid(it_src), pc.is_null(line_type)), it_src, cols.name("明細区分(ID)"),
            "unknown 明細区分", "invalid_value")  # fmt: skip
    line_type = pc.fill_null(line_type, "product")
    # Tax lines are part of the product prices in horetsu's model: keep them as a fee-like line.
    line_type = pc.if_else(pc.equal(line_type, "tax"), "fee", line_type)
    # The default 受注CSV has no 利用ポイント column: points used are the ポイント (6) lines.
    pt_row = pc.if_else(pc.equal(line_type, "point"), pc.multiply(pc.fill_null(price, 0), pc.fill_null(qty, 1)),
                        pa.scalar(None, pa.int64()))  # fmt: skip
    points = pc.coalesce(points, pc.abs(per_order(key, pt_row, "sum")))
    name, kana = _name(g)
    is_product = pc.equal(line_type, "product")
    sku = pc.if_else(is_product, nz.ident(g("商品コード")), pa.scalar(None, pa.string()))
    personal = ("お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)", "メールアドレス", "TEL", "郵便番号")
    used = [cols.found[c] for c in cols.found if c in personal or c == key_col]
    used += [c for c in source.table.column_names if c.startswith(("住所", "お届け先", "会社名", "誕生日"))]
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
            "discount_jpy": discount,
            "points_used": points,
            "shipping_jpy": shipping,
            "category": None,
            "shipped_at": shipped,
        },
        customers={
            "email_norm": nz.email(g("メールアドレス")),
            "phone_norm": nz.digits(g("TEL")),
            "name": name,
            "name_kana": kana,
            "postal_code": nz.digits(g("郵便番号")),
            "prefecture": _pref(g),
        },
        line_type=line_type,
        lines={
            "sku": sku,
            "product_name": nz.text(g("商品名")),
            "category": pc.if_else(is_product, nz.fold(g("カテゴリ")), pa.scalar(None, pa.string())) if cols.has("カテゴリ") else None,
            "unit_price_jpy": price,
            "quantity": qty,
        },
        used=used,
        columns={"ordered_at": cols.name("受注日"), "total_jpy": cols.name(total_col)},
    )


def parse_customers(source: Source, cols: Columns) -> Parsed:
    cols.require(["会員ID"], table="customers")
    n = source.table.num_rows
    g = lambda c: cols.get(c) if cols.has(c) else pa.nulls(n, pa.string())  # noqa: E731
    rej = Rejects(n)
    cid = nz.ident(g("会員ID"))
    rej.missing(cid, "会員ID")
    reg, bad = nz.timestamp(g("登録日"))
    rej.bad(bad, g("登録日"), "登録日", "not a date/time", "invalid_date")
    acc, bad = nz.boolean(g("メルマガ"))
    rej.bad(bad, g("メルマガ"), cols.name("メルマガ"), "not yes/no", "invalid_value")
    valid = ~rej.mask
    dup = exact_duplicates(source.table, pc.fill_null(cid, ""), valid)
    keep = pa.array(pc.indices_nonzero(pa.array(valid & ~dup)))
    name, kana = _name(g)
    t = pa.table(
        {
            "customer_id": cid.take(keep),
            "source": nz.const("eccube", len(keep)),
            "email_norm": nz.email(g("メールアドレス")).take(keep),
            "phone_norm": nz.digits(g("TEL")).take(keep),
            "name": name.take(keep),
            "name_kana": kana.take(keep),
            "postal_code": nz.digits(g("郵便番号")).take(keep),
            "prefecture": _pref(g).take(keep),
            "registered_at": reg.take(keep),
            "accepts_email": acc.take(keep),
        }
    )
    personal = {"お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)", "メールアドレス", "TEL", "郵便番号"}
    used = [cols.found[c] for c in cols.found if c in personal or c == "会員ID"] + [
        c for c in source.table.column_names if c.startswith(("住所", "会社名", "誕生日"))
    ]
    raw = raw_json(source, used, keep.to_numpy())
    if raw is not None:
        t = t.append_column("raw", raw)
    keys = pc.if_else(pa.array(valid), cid, pa.scalar(None, pa.string()))
    return Parsed("customers", keys, {"customers": t}, rej, dup)
