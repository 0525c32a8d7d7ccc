"""Bilingual labels.

Each module keeps its own labels next to the code that uses them, as
``{"key": ("日本語", "English")}``; :func:`label` picks one.  Keeping the pairs
together makes a missing translation impossible to write.
"""

from __future__ import annotations

from collections.abc import Mapping

Labels = Mapping[str, tuple[str, str]]


def label(labels: Labels, key: str, lang: str = "en") -> str:
    ja, en = labels[key]
    return ja if lang == "ja" else en


def fmt_int(n: float | int) -> str:
    """Thousands separators, no decimals: 1234567 -> '1,234,567'."""
    return f"{round(n):,}"


def fmt_yen(n: float | int, lang: str = "en") -> str:
    return f"{round(n):,}円" if lang == "ja" else f"¥{round(n):,}"


def fmt_pct(x: float, digits: int = 1) -> str:
    return f"{x * 100:.{digits}f}%"


#: Japanese for the validation errors settings and policy files meet most (pydantic error types)
VALIDATION_JA: dict[str, str] = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "この項目は使えません(綴りを確認してください)",
    "int_parsing": "整数で指定してください",
    "int_type": "整数で指定してください",
    "int_from_float": "整数で指定してください",
    "float_parsing": "数値で指定してください",
    "float_type": "数値で指定してください",
    "bool_parsing": "true か false で指定してください",
    "bool_type": "true か false で指定してください",
    "string_type": "文字列で指定してください",
    "list_type": "リスト([...])で指定してください",
    "tuple_type": "リスト([...])で指定してください",
    "dict_type": "テーブルで指定してください",
    "model_type": "テーブルで指定してください",
    "date_parsing": "日付を YYYY-MM-DD の形式で指定してください",
    "date_from_datetime_parsing": "日付を YYYY-MM-DD の形式で指定してください",
    "greater_than": "値が小さすぎます",
    "greater_than_equal": "値が小さすぎます",
    "less_than": "値が大きすぎます",
    "less_than_equal": "値が大きすぎます",
    "too_short": "要素が足りません",
    "too_long": "要素が多すぎます",
    "literal_error": "使える値ではありません",
    "enum": "使える値ではありません",
}


def validation_ja(error: Mapping) -> str:
    """A pydantic error (one item of ``exc.errors()``) in Japanese, with its limit where it has one."""
    kind = str(error.get("type", ""))
    text = VALIDATION_JA.get(kind, "値が正しくありません")
    ctx = error.get("ctx") or {}
    limits = {"gt": "{}より大きい値", "ge": "{}以上", "lt": "{}未満", "le": "{}以下", "expected": "候補: {}"}
    for key, form in limits.items():
        if key in ctx:
            text += "(" + form.format(ctx[key]) + ")"
            break
    return text
