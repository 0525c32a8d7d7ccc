"""Words and number formats for showing a diagnosis (terminal, report, web), in ja and en.

Everything here reads the JSON form (:meth:`Diagnosis.to_json`), so a saved diagnosis of
another shop or another day is shown the same way.
"""

from __future__ import annotations

import math
from typing import Any

from horetsu.i18n import Labels

LABELS: Labels = {
    "title": ("事業診断", "Business diagnosis"),
    "as_of": ("基準日", "As of"),
    "stage": ("事業のステージ", "Business stage"),
    "stage_none": ("未判定（質問に回答してください）", "not judged (answer the quiz)"),
    "why": ("理由", "Why"),
    "scores": ("分野ごとのスコア", "Score per area"),
    "area": ("分野", "Area"),
    "score": ("スコア", "Score"),
    "answered": ("回答数", "Answered"),
    "kpis": ("自社データの数値", "The shop's own numbers"),
    "kpi": ("指標", "Measure"),
    "value": ("値", "Value"),
    "base": ("母数", "Base"),
    "reference": ("参考値・出典", "Reference and source"),
    "no_data": ("データなし", "no data"),
    "stages": ("関係ステージ別の顧客数", "Customers per relationship stage"),
    "customers": ("顧客数", "Customers"),
    "cooling": ("冷えつつある", "Cooling"),
    "lapsed": ("離脱", "Lapsed"),
    "stall": ("最も多くのお客様が冷えている段階", "Where most customers cooled"),
    "gaps": ("損失の大きい課題", "The gaps that cost the most"),
    "gap": ("課題", "Gap"),
    "cost_customers": ("失う顧客（年）", "Customers lost / year"),
    "cost_yen": ("損失額（年）", "Cost / year"),
    "fix": ("horetsu での対策", "What closes it in horetsu"),
    "ranked_by_yen": ("損失額の推定順（前提は docs/diagnosis.md）", "Ordered by estimated yen (assumptions in docs/diagnosis.md)"),
    "ranked_by_customers": ("失う顧客数の推定順（金額はデータ不足で推定できません）",
                            "Ordered by estimated customers (too little data for yen)"),
    "flags": ("データと食い違う回答", "Answers the data contradicts"),
    "changes": ("前回の診断からの変化", "Since the previous diagnosis"),
    "improved": ("改善", "Improved"),
    "worsened": ("悪化", "Worsened"),
    "closed": ("解消した課題", "Gaps closed"),
    "none": ("なし", "none"),
    "saved": ("診断を保存しました", "Diagnosis saved"),
    "compare": ("ショップの比較", "Shops side by side"),
    "yes": ("はい", "yes"),
    "no": ("いいえ", "no"),
    "basis.data": ("データから", "from the data"),
    "basis.unanswered": ("未回答", "unanswered"),
    "basis.contradicted": ("データと食い違い", "contradicted by data"),
    "basis.answer": ("回答", "answer"),
    "basis": ("根拠", "Basis"),
    "no_reference": ("公表された基準値なし（前回の診断と比較）", "no published reference (compare with the previous diagnosis)"),
}


def tr(key: str, lang: str) -> str:
    ja, en = LABELS[key]
    return ja if lang == "ja" else en


def pick(pair: dict[str, str] | None, lang: str) -> str:
    if not pair:
        return ""
    return pair.get(lang) or pair.get("en") or ""


def _bad(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def yen(x: Any, lang: str) -> str:
    if _bad(x):
        return "–"
    return f"{round(float(x)):,}円" if lang == "ja" else f"¥{round(float(x)):,}"


def kpi_value(kpi: dict[str, Any], lang: str) -> str:
    """One KPI's value as text ("no data" when the exports cannot tell)."""
    v = kpi.get("value")
    if kpi.get("status") == "no_data" or v is None:
        return tr("no_data", lang)
    unit = kpi.get("unit")
    if unit == "share":
        return f"{100 * float(v):.1f}%"
    if unit == "yen":
        return yen(v, lang)
    if unit == "days":
        return f"{float(v):g}日" if lang == "ja" else f"{float(v):g} days"
    if unit == "per100":
        return f"{float(v):.1f}"
    if unit == "nps":
        ci = f"{kpi['ci_low']:+.1f} 〜 {kpi['ci_high']:+.1f}" if lang == "ja" else f"{kpi['ci_low']:+.1f} to {kpi['ci_high']:+.1f}"
        return f"{float(v):+.1f} (95% CI {ci})"
    if unit == "flag":
        sent = kpi.get("sent") or 0
        return f"{tr('yes' if v else 'no', lang)} ({sent:,})"
    return str(v)


def kpi_note(kpi: dict[str, Any], lang: str) -> str:
    """The reference (with its source) or, for no data, the reason."""
    if kpi.get("status") == "no_data":
        return pick(kpi.get("reason"), lang)
    ref = kpi.get("reference") or {}
    if ref.get("kind") == "none":
        return tr("no_reference", lang)
    text = ref.get(lang) or ref.get("en") or ""
    return f"{text} [{ref['source']}]" if ref.get("source") else text


def score(x: Any) -> str:
    return "–" if _bad(x) else f"{float(x):.0f}"
