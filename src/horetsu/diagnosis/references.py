"""Reference points for the diagnosis KPIs, each with its published source, or none.

Only sources that were read are cited.  Where no published figure exists for Japanese
mail-order shops, the reference is ``None`` and the diagnosis compares the shop with its
own previous diagnosis instead (``changes``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Reference:
    kind: str  # "benchmark" (a published survey) | "method" (the method's own target)
    en: str
    ja: str
    source: str
    url: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


NO_REFERENCE_EN = "No published reference for Japanese mail-order shops; compare with the shop's previous diagnosis."
NO_REFERENCE_JA = "通販事業者向けの公表された基準値はありません。前回の診断と比べてください。"

REFERENCES: dict[str, Reference] = {
    "nps": Reference(
        kind="benchmark",
        en="Japanese e-commerce sites average below zero: general EC −29.2, apparel EC −20.7 (2018); "
        "mail-order cosmetics −12.0 (2022). Panel surveys of large sites' users, not a shop's own buyers.",
        ja="日本のECサイトは平均がマイナス：総合EC −29.2、アパレルEC −20.7（2018年）、通販化粧品 −12.0（2022年）。"
        "大手サイト利用者へのパネル調査で、自社の購入者への調査とは条件が異なります。",
        source="NTTコム オンライン・マーケティング・ソリューション, NPS®ベンチマーク調査2018 (ECサイト) and "
        "業界横断分析シリーズ 第1弾 (2022 surveys)",
        url="https://www.nttcoms.com/service/nps/report/ec/2018/",
    ),
    "delivery_days_median": Reference(
        kind="method",
        en="The method's target: ship on the day of the order or the next (same-day shipping for morning orders).",
        ja="方法論の目標：注文当日か翌日に出荷（午前の注文は当日出荷）。",
        source="西村公児（株式会社ルーチェ）, 通販の実践基準書 item 69 (post-purchase experience, items 66–70)",
    ),
}
