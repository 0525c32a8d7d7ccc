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


def candidates(head: bytes, *, whole: bool) -> list[str]:
    """Encodings to try, best first, for a file starting with ``head``."""
    if head.startswith(BOM):
        return ["utf-8-sig", *[c for c in CASCADE if c != "utf-8"]]
    found = [enc for enc in CASCADE if decodes(head, enc, final=whole)]
    rest = [enc for enc in CASCADE if enc not in found]
    return found + rest


def detect(head: bytes, *, whole: bool = False) -> str:
    """The first encoding of the cascade that decodes ``head``."""
    return candidates(head, whole=whole)[0]
