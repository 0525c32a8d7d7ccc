"""Bilingual names of segments and result values: ``{"key": ("日本語", "English")}``."""

from __future__ import annotations

from horetsu.i18n import Labels

CPM_SEGMENTS: Labels = {
    "first_time": ("初回", "First-time"),
    "budding": ("よちよち", "Budding"),
    "steady": ("コツコツ", "Steady"),
    "trend": ("流行", "Trend"),
    "loyal": ("優良", "Loyal"),
}

CPM_ACTIVITY: Labels = {
    "active": ("現役", "Active"),
    "lapsed": ("離脱", "Lapsed"),
}

RFM_SEGMENTS: Labels = {
    "champions": ("最優良", "Champions"),
    "loyal": ("ロイヤル", "Loyal"),
    "new": ("新規", "New"),
    "potential": ("育成候補", "Potential"),
    "at_risk": ("離反危険", "At risk"),
    "hibernating": ("休眠予備", "Hibernating"),
    "lost": ("離反", "Lost"),
}

TIMELINE_KINDS: Labels = {
    "new": ("新規", "New"),
    "subscription": ("定期", "Subscription"),
    "repeat_2": ("2回目", "2nd purchase"),
    "repeat_3_4": ("3〜4回目", "3rd-4th purchase"),
    "repeat_5_9": ("5〜9回目", "5th-9th purchase"),
    "repeat_10p": ("10回目以上", "10th purchase or later"),
    "no_buyer": ("購入者不明", "Buyer unknown"),
}

COHORT_SPLITS: Labels = {
    "all": ("全体", "All"),
    "first_category": ("初回購入カテゴリ", "First category"),
    "channel": ("獲得チャネル", "Acquisition channel"),
}

ALL_LABELS: dict[str, Labels] = {
    "cpm_segment": CPM_SEGMENTS,
    "cpm_active": CPM_ACTIVITY,
    "rfm_segment": RFM_SEGMENTS,
    "timeline_kind": TIMELINE_KINDS,
    "cohort_split": COHORT_SPLITS,
}


def as_json() -> dict[str, dict[str, dict[str, str]]]:
    """All labels as ``{group: {key: {"ja": ..., "en": ...}}}`` (written to results/meta.json)."""
    return {g: {k: {"ja": ja, "en": en} for k, (ja, en) in labels.items()} for g, labels in ALL_LABELS.items()}
