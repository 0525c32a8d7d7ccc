"""EC-CUBE 4 exports: the 受注 CSV (one row per 明細) and the 会員 CSV.

Only ``明細区分`` 1 (商品) rows are product lines; 送料 (2), 手数料 (3), 割引 (4),
税 (5) and ポイント (6) rows become order_lines of their own type and never count
as products.  Order totals (合計, 支払合計, ...) repeat on every row of an order
and are taken once, never summed.  ``対応状況`` 注文取消し → cancelled, 返品 → returned.
"""

from __future__ import annotations

NAME = "eccube"

# EC-CUBE 4 管理画面 受注CSV (default columns of csv type 3), in export order.
ORDER_HEADERS: tuple[str, ...] = (
    "注文ID", "注文番号", "会員ID", "お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)",
    "会社名", "郵便番号", "都道府県(ID)", "都道府県(名称)", "住所1", "住所2", "メールアドレス",
    "TEL", "性別(ID)", "性別(名称)", "職業(ID)", "職業(名称)", "誕生日", "ショップ用メモ欄",
    "小計", "値引き", "送料", "手数料", "税金", "合計", "支払合計", "利用ポイント", "加算ポイント",
    "対応状況(ID)", "対応状況(名称)", "支払方法(ID)", "支払方法(名称)", "受注日", "入金日",
    "注文詳細ID", "商品ID", "商品規格ID", "商品名", "商品コード", "規格名1", "規格名2",
    "規格分類名1", "規格分類名2", "価格", "個数", "税率", "税率ルール(ID)", "明細区分(ID)",
    "明細区分(名称)", "配送ID", "配送業者(名称)", "お届け希望日", "お届け時間", "発送日",
)  # fmt: skip

# EC-CUBE 4 会員CSV (default columns of csv type 2).
CUSTOMER_HEADERS: tuple[str, ...] = (
    "会員ID", "お名前(姓)", "お名前(名)", "お名前(セイ)", "お名前(メイ)", "会社名", "郵便番号",
    "都道府県(ID)", "都道府県(名称)", "住所1", "住所2", "メールアドレス", "TEL", "性別(ID)",
    "性別(名称)", "職業(ID)", "職業(名称)", "誕生日", "初回購入日", "最終購入日", "購入回数",
    "ポイント", "備考", "会員ステータス(ID)", "会員ステータス(名称)", "メルマガ", "登録日", "更新日",
)  # fmt: skip
