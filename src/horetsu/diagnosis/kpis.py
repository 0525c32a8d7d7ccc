"""One diagnosis KPI: its value (or why there is none), definition and reference."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from horetsu.diagnosis.references import NO_REFERENCE_EN, NO_REFERENCE_JA, REFERENCES

#: KPI id → (unit, which direction is better, ja label, en label, ja definition, en definition)
DEFINITIONS: dict[str, tuple[str, str | None, str, str, str, str]] = {
    "f2_conversion": (
        "share", "higher", "F2転換率", "F2 conversion",
        "初回購入から{f2}日以内に2回目の購入日があった人の割合（results/f2、全期間の初回購入者）",
        "share of first-time buyers with a second purchase day within {f2} days (results/f2, every acquisition month)",
    ),
    "repeat_rate_12m": (
        "share", "higher", "12か月リピート率", "12-month repeat rate",
        "基準日の24〜12か月前に初回購入した人のうち、初回から365日以内に2回目の購入日があった割合",
        "customers whose first purchase was 12-24 months before the as-of day: share with a second purchase day "
        "within 365 days of the first",
    ),
    "ltv_12m": (
        "yen", "higher", "12か月LTV（1人あたり）", "12-month LTV per customer",
        "同じ顧客群の、初回購入日から365日以内の購入金額の平均（返品・キャンセルを除く）",
        "the same customers' mean spend within 365 days of their first purchase day (paid orders only)",
    ),
    "hidden_churn_90d": (
        "share", "lower", "隠れ離脱（90日）", "Hidden churn (90 days)",
        "基準日の{lapse}日前までの12か月に初回購入した人のうち、{lapse}日以内に2回目の購入日がなかった割合"
        "（うち、その間に問い合わせ・レビュー・NPSなどの声もなかった人の割合も表示）",
        "first-time buyers of the 12 months ending {lapse} days before the as-of day: share without a second "
        "purchase day within {lapse} days (the silent part: of whom the shop heard nothing either)",
    ),
    "delivery_days_median": (
        "days", "lower", "出荷までの日数（中央値）", "Days to shipment (median)",
        "直近12か月の注文で、注文日から出荷日までの日数の中央値（出荷日のある注文のみ）",
        "median days from the order day to the shipping day over the last 12 months' orders with a shipping date",
    ),
    "return_share": (
        "share", "lower", "返品率", "Return share",
        "直近12か月の注文（キャンセルを除く）のうち、返品・返金になった注文の割合",
        "orders of the last 12 months (cancelled ones left out) that were returned or refunded",
    ),
    "inquiries_per_100_orders": (
        "per100", None, "注文100件あたりの問い合わせ", "Inquiries per 100 orders",
        "直近12か月の問い合わせ（inquiry）件数 ÷ 注文件数 × 100",
        "inquiry events of the last 12 months per 100 orders of the same months",
    ),
    "nps": (
        "nps", "higher", "NPS", "NPS",
        "直近12か月の nps_response（各顧客の最新の回答）：推奨者（9〜10）の割合 − 批判者（0〜6）の割合、95%信頼区間は修正Wald法",
        "nps_response events of the last 12 months (each customer's latest answer): % promoters (9-10) − "
        "% detractors (0-6); 95% interval by adjusted Wald",
    ),
    "step_mails": (
        "flag", None, "ステップメール", "Step mails",
        "直近12か月にステップメールが配信されたか、配信数と、シーケンスごとの対照群との差",
        "whether step mails were sent in the last 12 months, how many, and each sequence's uplift against its holdout",
    ),
}


@dataclass
class Kpi:
    id: str
    value: Any
    n: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    reason_en: str = ""  # why there is no value
    reason_ja: str = ""

    @property
    def has_data(self) -> bool:
        return self.value is not None

    def to_json(self, **fmt: Any) -> dict[str, Any]:
        unit, better, label_ja, label_en, def_ja, def_en = DEFINITIONS[self.id]
        ref = REFERENCES.get(self.id)
        out: dict[str, Any] = {
            "value": self.value,
            "status": "ok" if self.has_data else "no_data",
            "unit": unit,
            "better": better,
            "n": self.n,
            "label": {"ja": label_ja, "en": label_en},
            "definition": {"ja": def_ja.format(**fmt), "en": def_en.format(**fmt)},
            "reference": ref.to_json() if ref else {"kind": "none", "en": NO_REFERENCE_EN, "ja": NO_REFERENCE_JA},
            **self.detail,
        }
        if not self.has_data:
            out["reason"] = {"en": self.reason_en, "ja": self.reason_ja}
        return out


def no_data(kpi_id: str, en: str, ja: str, **detail: Any) -> Kpi:
    return Kpi(kpi_id, None, detail=dict(detail), reason_en=en, reason_ja=ja)
