"""Character-encoding detection for Japanese exports.

The cascade is UTF-8 (with or without BOM) → CP932 → EUC-JP.  ``shift_jis`` is
never used: it cannot decode the vendor characters Windows writes (①, ㈱, 髙),
which CP932 covers.  Detection looks at the head of the file; the reader falls
back to the next candidate when a later part does not decode.
"""

from __future__ import annotations

import codecs

CASCADE = ("utf-8", "cp932", "euc-jp")
BOM = codecs.BOM_UTF8


def decodes(data: bytes, encoding: str, *, final: bool) -> bool:
    """True when ``data`` decodes strictly (a cut multibyte tail is fine when not final)."""
    dec = codecs.getincrementaldecoder(encoding)("strict")
    try:
        dec.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def plausibility(text: str) -> float:
    """Share of characters usual in Japanese business files (ASCII, kana, kanji, full-width forms)."""
    if not text:
        return 0.0
    ok = sum(
        1
        for ch in text
        if ch < "\x7f" or "\u3000" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" or "\uff01" <= ch <= "\uff5e"
    )
    return ok / len(text)


def candidates(head: bytes, *, whole: bool) -> list[str]:
    """Encodings to try, best first, for a file starting with ``head``.

    CP932 and EUC-JP often both decode the same bytes (EUC-JP kanji read as CP932 turn into
    half-width katakana and rare kanji); when both do, the more plausible text wins, ties go
    to the cascade order.
    """
    if head.startswith(BOM):
        return ["utf-8-sig", *[c for c in CASCADE if c != "utf-8"]]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"]  # Excel's "Unicode text" (tab-separated UTF-16)
    found = [enc for enc in CASCADE if decodes(head, enc, final=whole)]
    if "cp932" in found and "euc-jp" in found:
        sample = head[:16384]
        score = {e: plausibility(sample.decode(e, errors="ignore")) for e in ("cp932", "euc-jp")}
        if score["euc-jp"] > score["cp932"]:
            found.remove("euc-jp")
            found.insert(found.index("cp932"), "euc-jp")
    rest = [enc for enc in CASCADE if enc not in found]
    return found + rest


def least_damaging(data: bytes, encodings: list[str]) -> str:
    """The encoding that needs the fewest replacement characters for ``data``."""
    return min(encodings, key=lambda e: data.decode(e, errors="replace").count("\ufffd"))


def detect(head: bytes, *, whole: bool = False) -> str:
    """The first encoding of the cascade that decodes ``head``."""
    return candidates(head, whole=whole)[0]
