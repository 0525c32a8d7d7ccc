"""Why an outbox row was not sent, in Japanese and English: one catalogue for the web app's
``/mail`` pages and the report's step-mail section (no Django here)."""

from __future__ import annotations

from horetsu.i18n import Labels

# reason code -> (日本語, English); codes not listed (smtp_550, temp_451, line_400) speak for themselves
REASON_LABELS: Labels = {
    "gate": ("施策ルールで停止", "blocked by a rule"),
    "holdout": ("対照群", "holdout"),
    "expired": ("期限切れ", "expired"),
    "no_address": ("アドレスなし", "no address"),
    "no_line_link": ("LINE未連携", "no linked LINE id"),
    "no_consent": ("同意なし", "no consent"),
    "unsubscribed": ("配信停止済み", "unsubscribed"),
    "cap": ("送信回数の上限", "frequency cap"),
    "stopped:purchased": ("購入したため終了", "stopped: purchased"),
    "stopped:stage_changed": ("ステージが変わったため終了", "stopped: stage changed"),
    "sequence_removed": ("シーケンス削除", "sequence removed"),
    "retries_exhausted": ("再試行の上限", "retries exhausted"),
}


def reason_label(reason: str, ja: bool) -> str:
    """The words for ``reason`` (an unlisted code, e.g. ``smtp_550``, is shown as it is)."""
    pair = REASON_LABELS.get(reason)
    return reason if pair is None else pair[0 if ja else 1]
