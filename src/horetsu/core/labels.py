"""Names of stages, journey steps and temperatures, and their Japanese and English labels.

Stage labels come from the policy (a shop may rename them); journey steps and
temperatures are fixed here, the one place every layer reads them from.
"""

from __future__ import annotations

STAGES: tuple[str, ...] = ("observer", "landing", "empathy", "engagement", "circulation")
JOURNEY_STEPS: tuple[str, ...] = ("lead", "trial", "repeat", "subscription", "cross_sell", "full_line", "advocate")
TEMPERATURES: tuple[str, ...] = ("active", "cooling", "lapsed")

JOURNEY_LABELS: dict[str, tuple[str, str]] = {
    "lead": ("見込み客(資料請求・登録)", "lead"),
    "trial": ("初回購入(お試し)", "trial purchase"),
    "repeat": ("リピート購入", "repeat purchase"),
    "subscription": ("定期購入", "subscription"),
    "cross_sell": ("関連商品の購入", "cross-sell"),
    "full_line": ("幅広い商品の購入", "full line"),
    "advocate": ("紹介してくれる信奉顧客", "advocate"),
}
TEMPERATURE_LABELS: dict[str, tuple[str, str]] = {
    "active": ("活発", "active"),
    "cooling": ("冷えつつある", "cooling"),
    "lapsed": ("離脱", "lapsed"),
}


def temperature_ja() -> dict[str, str]:
    return {k: v[0] for k, v in TEMPERATURE_LABELS.items()}
