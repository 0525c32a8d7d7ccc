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
