"""The product range of the simulated shop: health foods and cosmetics, prices in yen."""

from __future__ import annotations

import numpy as np

# (sku, product name, category, list price, subscription price or 0)
PRODUCTS: tuple[tuple[str, str, str, int, int], ...] = (
    ("SP-001", "マルチビタミン＆ミネラル 30日分", "サプリメント", 2980, 2480),
    ("SP-002", "発酵黒にんにく粒 30日分", "サプリメント", 3980, 3280),
    ("SP-003", "DHA・EPA オメガ3 60粒", "サプリメント", 4280, 3580),
    ("SP-004", "乳酸菌プラス 30包", "サプリメント", 3480, 2980),
    ("AJ-001", "国産大麦若葉の青汁 30包", "青汁", 3240, 2680),
    ("AJ-002", "ケール青汁 粉末 300g", "青汁", 3980, 3380),
    ("SK-001", "うるおい化粧水 150mL", "スキンケア", 3300, 2970),
    ("SK-002", "美容液 ライスセラム 30mL", "スキンケア", 5800, 4980),
    ("SK-003", "オールインワンゲル 80g", "スキンケア", 4400, 3740),
    ("SK-004", "やさしい洗顔フォーム 120g", "スキンケア", 1980, 0),
    ("HC-001", "アミノ酸シャンプー 400mL", "ヘアケア", 2860, 2430),
    ("HC-002", "頭皮ケア トリートメント 400g", "ヘアケア", 3080, 0),
    ("TE-001", "国産ごぼう茶 30包", "健康茶", 1980, 1680),
    ("TE-002", "なた豆茶 ティーバッグ 30包", "健康茶", 2160, 1840),
    ("TE-003", "ルイボスティー 50包", "健康茶", 1680, 0),
    ("BC-001", "コラーゲンドリンク 10本", "美容ドリンク", 4320, 3670),
    ("BC-002", "酵素ドリンク 720mL", "美容ドリンク", 5400, 4590),
)

# First-order trial sets (お試しセット): (sku, name, category, price)
TRIALS: tuple[tuple[str, str, str, int], ...] = (
    ("TR-SP", "サプリメント お試し7日分", "サプリメント", 980),
    ("TR-AJ", "青汁 お試し10包", "青汁", 500),
    ("TR-SK", "スキンケア トライアルセット", "スキンケア", 1980),
    ("TR-HC", "ヘアケア トライアルパウチ", "ヘアケア", 980),
    ("TR-TE", "健康茶 お試し5包", "健康茶", 300),
    ("TR-BC", "美容ドリンク お試し3本", "美容ドリンク", 1500),
)

CATEGORIES: tuple[str, ...] = ("サプリメント", "青汁", "スキンケア", "ヘアケア", "健康茶", "美容ドリンク")
# How likely a new customer's home category is (sums to 1).
CATEGORY_WEIGHTS = np.array([0.28, 0.16, 0.26, 0.10, 0.12, 0.08])


def arrays() -> dict[str, np.ndarray]:
    """The catalogue as NumPy arrays (indexable by a product number)."""
    cat_index = {c: i for i, c in enumerate(CATEGORIES)}
    return {
        "sku": np.array([p[0] for p in PRODUCTS]),
        "name": np.array([p[1] for p in PRODUCTS]),
        "category": np.array([cat_index[p[2]] for p in PRODUCTS]),
        "price": np.array([p[3] for p in PRODUCTS], dtype=np.int64),
        "sub_price": np.array([p[4] for p in PRODUCTS], dtype=np.int64),
        "trial_sku": np.array([t[0] for t in TRIALS]),
        "trial_name": np.array([t[1] for t in TRIALS]),
        "trial_price": np.array([t[3] for t in TRIALS], dtype=np.int64),
    }
