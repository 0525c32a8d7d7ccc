"""Vectorised normalisation of Japanese export values (Arrow in, Arrow out).

Every function takes a string array and returns the parsed array with nulls
where the value is empty, plus (for parsers) a boolean array ``bad`` marking
non-empty values that could not be parsed.  No Python loop touches the rows.

NFKC is applied only where it is safe: :func:`fold` normalises a value when it
holds nothing but plain text, full-width ASCII, half-width katakana and ordinary
kana/kanji; values with circled numbers (①), enclosed CJK (㈱), unit signs or
compatibility ideographs are kept exactly as written.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.schema import TZ

# Characters NFKC would rewrite into something else than their plain form.
_UNSAFE = (
    r"[\x{00A0}-\x{00FF}\x{2100}-\x{24FF}\x{2460}-\x{24FF}\x{2F00}-\x{2FDF}"
    r"\x{3200}-\x{33FF}\x{F900}-\x{FAFF}\x{FE30}-\x{FE4F}\x{1D400}-\x{1D7FF}\x{2F800}-\x{2FA1F}]"
)
_HYPHENS = r"[\x{2010}-\x{2015}\x{2043}\x{2212}\x{FE58}\x{FE63}\x{FF0D}\x{30FC}\x{FF70}]"
_HYPHENS_NO_CHOON = r"[\x{2010}-\x{2015}\x{2043}\x{2212}\x{FE58}\x{FE63}\x{FF0D}]"

ERA_BASE = {"令和": 2018, "R": 2018, "平成": 1988, "H": 1988, "昭和": 1925, "S": 1925, "大正": 1911, "T": 1911}


def const(value: str | int, n: int) -> pa.Array:
    """An array of ``n`` copies of ``value`` (string or int64), built without a Python list."""
    if isinstance(value, int):
        return pa.array(np.full(n, value, dtype=np.int64))
    raw = value.encode("utf-8")
    offsets = np.arange(0, (n + 1) * len(raw), len(raw) or 1, dtype=np.int64)[: n + 1] if raw else np.zeros(n + 1, np.int64)
    return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw * n)).cast(pa.string())


def as_str(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """A plain string array (chunks combined)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != pa.string():
        arr = arr.cast(pa.string())
    return arr


def blank_to_null(arr: pa.Array) -> pa.Array:
    """Trim whitespace (incl. the ideographic space) and turn empty strings into nulls."""
    arr = pc.utf8_trim(as_str(arr), " \t\r\n\u3000\ufeff")
    return pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.string()), arr)


def nfkc(arr: pa.Array) -> pa.Array:
    return pc.utf8_normalize(arr, "NFKC")


def _mask_np(mask: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def on_subset(arr: pa.Array, mask: pa.Array, fn) -> pa.Array:
    """``fn`` applied only to the rows where ``mask`` is true; other rows unchanged."""
    m = _mask_np(mask)
    if not m.any():
        return arr
    if m.all():
        return fn(arr)
    idx = pa.array(np.flatnonzero(m))
    return pc.replace_with_mask(arr, pa.array(m), fn(arr.take(idx)).cast(arr.type))


def non_ascii(arr: pa.Array) -> pa.Array:
    return pc.invert(pc.fill_null(pc.string_is_ascii(arr), True))


# Characters whose presence means NFKC could change the value (width forms, ideographic
# space, combining voiced marks, and the unsafe set, which _fold_unicode then leaves alone).
_FOLDABLE = r"[\x{FF01}-\x{FFEF}\x{3000}\x{3099}\x{309A}]|" + _UNSAFE


def fold(arr: pa.Array) -> pa.Array:
    """Trimmed, NFKC-normalised where safe (see module doc), empty → null."""
    arr = blank_to_null(arr)
    wide = non_ascii(arr)
    if not _mask_np(wide).any():
        return arr
    foldable = pc.and_(wide, pc.fill_null(pc.match_substring_regex(arr, _FOLDABLE), False))
    return on_subset(arr, foldable, _fold_unicode)


def _fold_unicode(arr: pa.Array) -> pa.Array:
    unsafe = pc.fill_null(pc.match_substring_regex(arr, _UNSAFE), False)
    if not pc.any(unsafe).as_py():
        return blank_to_null(nfkc(arr))
    return blank_to_null(pc.if_else(unsafe, arr, nfkc(arr)))


def ident(arr: pa.Array) -> pa.Array:
    """An identifier: folded, hyphen variants → '-', spaces inside kept."""
    arr = fold(arr)
    return on_subset(arr, non_ascii(arr), lambda a: pc.replace_substring_regex(a, _HYPHENS_NO_CHOON, "-"))


def text(arr: pa.Array) -> pa.Array:
    """Free text kept as written (only trimmed; empty → null)."""
    return blank_to_null(arr)


def _int(arr: pa.Array) -> pa.Array:
    """Digits-only strings → int64 (anything else → null)."""
    ok = pc.fill_null(pc.match_substring_regex(arr, r"^\d{1,18}$"), False)
    return pc.cast(pc.if_else(ok, arr, pa.scalar(None, pa.string())), pa.int64())


def _bad(parsed: pa.Array, source: pa.Array) -> pa.Array:
    return pc.and_(pc.is_valid(source), pc.is_null(parsed))


def _plain_int_or(src: pa.Array, quick: pa.Array, slow: Any) -> tuple[pa.Array, pa.Array]:
    """Cast the values of ``quick`` that are plain integers; only the rest of ``src`` goes
    through ``slow`` (NFKC and regexes). Returns (values, bad mask)."""
    plain = pc.fill_null(pc.match_substring_regex(quick, r"^-?\d{1,15}$"), False)
    fast = pc.cast(pc.if_else(plain, quick, pa.scalar(None, pa.string())), pa.int64())
    rest = pc.and_(pc.is_valid(src), pc.invert(plain))
    if not _mask_np(rest).any():
        return fast, pa.array(np.zeros(len(src), dtype=bool))
    out = on_subset(fast, rest, lambda _: slow(src.filter(rest)))
    return out, _bad(out, src)


def money(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Integer yen from ``￥１，２８０`` / ``1,280円`` / ``¥1,280`` / ``△500`` / ``1280.00``."""
    src = blank_to_null(arr)
    quick = pc.replace_substring(pc.replace_substring(src, ",", ""), "円", "")
    return _plain_int_or(src, quick, _money_slow)


def _money_slow(src: pa.Array) -> pa.Array:
    s = nfkc(src)
    s = pc.replace_substring_regex(s, r"[¥\\円,\s]|JPY|jpy|税込|税抜", "")
    s = pc.replace_substring_regex(s, r"^[△▲]", "-")
    s = pc.replace_substring_regex(s, _HYPHENS_NO_CHOON, "-")
    ok = pc.fill_null(pc.match_substring_regex(s, r"^[-+]?\d{1,15}(\.\d+)?$"), False)
    s = pc.if_else(ok, s, pa.scalar(None, pa.string()))
    as_float = pc.cast(s, pa.float64())
    rounded = pc.round(as_float, 0, round_mode="half_towards_infinity")
    return pc.cast(rounded, pa.int64())


def integer(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """A whole number (quantities, counts): ``３`` → 3, ``1,000`` → 1000, ``2.0`` → 2."""
    src = blank_to_null(arr)
    return _plain_int_or(src, src, _integer_slow)


def _integer_slow(src: pa.Array) -> pa.Array:
    s = pc.replace_substring(nfkc(src), ",", "")
    ok = pc.fill_null(pc.match_substring_regex(s, r"^[-+]?\d{1,15}(\.0+)?$"), False)
    s = pc.if_else(ok, pc.replace_substring_regex(s, r"\.0+$", ""), pa.scalar(None, pa.string()))
    return pc.cast(s, pa.int64())


def number(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """A real number (event values, NPS)."""
    src = blank_to_null(arr)
    s = pc.replace_substring(nfkc(src), ",", "")
    ok = pc.fill_null(pc.match_substring_regex(s, r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"), False)
    s = pc.if_else(ok, s, pa.scalar(None, pa.string()))
    out = pc.cast(s, pa.float64())
    return out, _bad(out, src)


_TRUE = ["1", "true", "t", "yes", "y", "はい", "可", "許可", "希望する", "希望", "受け取る", "購読", "subscribed", "opted_in", "on"]
_FALSE = ["0", "false", "f", "no", "n", "いいえ", "不可", "拒否", "希望しない", "受け取らない", "解除", "unsubscribed",
          "not_subscribed", "opted_out", "off", "pending", "invalid", "redacted"]  # fmt: skip


def boolean(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    src = blank_to_null(arr)
    s = pc.utf8_lower(nfkc(src))
    out = pc.if_else(
        pc.is_in(s, pa.array(_TRUE)),
        True,
        pc.if_else(pc.is_in(s, pa.array(_FALSE)), False, pa.scalar(None, pa.bool_())),
    )
    return out, _bad(out, src)


def email(arr: pa.Array) -> pa.Array:
    return pc.utf8_lower(fold(arr))


def digits(arr: pa.Array) -> pa.Array:
    """Only the digits (phone numbers, postal codes); empty → null."""
    return blank_to_null(pc.replace_substring_regex(nfkc(blank_to_null(arr)), r"\D", ""))


def phone(arr: pa.Array) -> pa.Array:
    """A phone number as domestic digits: ``'+81 90-1234-5678`` and ``090-1234-5678`` → ``09012345678``.

    Spreadsheet exports (Shopify) prefix numbers with ``'``; an international +81 number
    becomes the domestic form so that one customer has one spelling.
    """
    s = pc.replace_substring_regex(nfkc(blank_to_null(arr)), r"^[\s']+", "")
    s = pc.replace_substring_regex(s, r"^\+81[\s-]*(\(0\))?[\s-]*0?", "0")
    return digits(s)


_LINE_USER_ID = r"^U[0-9a-f]{32}$"


def line_user_id(arr: pa.Array) -> pa.Array:
    """A LINE user id (``U`` + 32 hex digits) or null; anything else is not one."""
    s = pc.utf8_trim_whitespace(fold(arr))
    ok = pc.fill_null(pc.match_substring_regex(s, _LINE_USER_ID), False)
    return pc.if_else(ok, s, pa.scalar(None, pa.string()))


def platform_id(arr: pa.Array) -> pa.Array:
    """An id as a shop system exported it, without the ``'`` spreadsheets need to keep it text."""
    return blank_to_null(pc.replace_substring_regex(ident(arr), r"^'", ""))


def _era_to_western(s: pa.Array) -> pa.Array:
    pattern = (
        r"^(?P<era>令和|平成|昭和|大正|R|H|S|T)\s*(?P<y>\d{1,2}|元)\s*[年./-]\s*(?P<m>\d{1,2})\s*[月./-]\s*"
        r"(?P<d>\d{1,2})\s*日?(?P<rest>.*)$"
    )
    is_era = pc.fill_null(pc.match_substring_regex(s, pattern), False)
    if not pc.any(is_era).as_py():
        return s
    parts = pc.extract_regex(s, pattern)
    era = pc.struct_field(parts, "era")
    eras = pa.array(list(ERA_BASE))
    bases = pa.array(list(ERA_BASE.values()), pa.int64())
    base = pc.fill_null(pc.take(bases, pc.index_in(era, eras)), 0)
    y = _int(pc.replace_substring(pc.struct_field(parts, "y"), "元", "1"))
    year = pc.cast(pc.add(base, pc.fill_null(y, 0)), pa.string())
    western = pc.binary_join_element_wise(
        year, "-", pc.struct_field(parts, "m"), "-", pc.struct_field(parts, "d"), pc.struct_field(parts, "rest"), ""
    )
    return pc.if_else(is_era, western, s)


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


_FAST = (("%Y-%m-%d %H:%M:%S", 19), ("%Y-%m-%d %H:%M", 16), ("%Y-%m-%d", 10))


def _fast_local(src: pa.Array) -> pa.Array:
    """Zero-padded ASCII ``YYYY-MM-DD[ HH:MM[:SS]]`` (``/`` or ``-``) → naive local time; else null.

    The format of the first value is tried on every row; the other formats only on what is left.
    """
    s = pc.replace_substring(src, "/", "-")
    n = pc.utf8_length(s)
    first = pc.drop_null(n)
    order = list(_FAST)
    if len(first):
        order.sort(key=lambda f: f[1] != first[0].as_py())
    parsed = pa.nulls(len(s), pa.timestamp("us"))
    for fmt, length in order:
        todo = _mask_np(pc.and_(pc.equal(n, length), pc.is_null(parsed)))
        if not todo.any():
            continue
        if todo.all():
            parsed = pc.strptime(s, format=fmt, unit="us", error_is_null=True)
            continue
        sub = pc.strptime(s.filter(pa.array(todo)), format=fmt, unit="us", error_is_null=True)
        parsed = pc.replace_with_mask(parsed, pa.array(todo), sub)
    # strptime rolls 02-30 over to 03-01: only days 29-31 can do that, check those.
    late = pc.and_(pc.is_valid(parsed), pc.greater_equal(pc.utf8_slice_codeunits(s, 8, 10), "29"))
    if not _mask_np(late).any():
        return parsed
    day = _int(pc.if_else(late, pc.utf8_slice_codeunits(s, 8, 10), pa.scalar(None, pa.string())))
    rolled = pc.and_(late, pc.not_equal(pc.day(parsed), day))
    return pc.if_else(pc.fill_null(rolled, False), pa.scalar(None, parsed.type), parsed)


def _fast_offset(src: pa.Array) -> pa.Array:
    """``2024-01-05T10:00:00+09:00`` / ``2024-01-05 10:00:00 +0900`` (25 characters) → JST; else null."""
    out = None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S %z"):
        p = pc.strptime(src, format=fmt, unit="us", error_is_null=True)
        out = p if out is None else pc.coalesce(out, p)
    late = pc.and_(pc.is_valid(out), pc.greater_equal(pc.utf8_slice_codeunits(src, 8, 10), "29"))
    if _mask_np(late).any():  # strptime rolls 02-30 over: check the written local date
        local = _fast_local(pc.replace_substring(pc.utf8_slice_codeunits(src, 0, 19), "T", " "))
        out = pc.if_else(pc.fill_null(pc.and_(late, pc.is_null(local)), False), pa.scalar(None, out.type), out)
    return out.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz=TZ))


def _to_jst(local: pa.Array, offset_min: np.ndarray | int) -> pa.Array:
    local_us = np.asarray(pc.fill_null(pc.cast(local, pa.int64()), 0).to_numpy(zero_copy_only=False))
    off_us = np.asarray(offset_min, dtype=np.int64) * 60_000_000
    mask = np.asarray(pc.is_null(local).to_numpy(zero_copy_only=False))
    utc = pa.array(local_us - off_us, type=pa.int64(), mask=mask)
    return utc.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us", tz=TZ))


def timestamp(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """See :func:`_timestamp_slow`; common zero-padded spellings take a fast path."""
    src = blank_to_null(arr)
    fast = _to_jst(_fast_local(src), 540)
    rest = pc.and_(pc.is_valid(src), pc.is_null(fast))
    iso = pc.and_(rest, pc.equal(pc.utf8_length(src), 25))
    if _mask_np(iso).any():
        fast = on_subset(fast, iso, lambda _: _fast_offset(src.filter(iso)))
        rest = pc.and_(pc.is_valid(src), pc.is_null(fast))
    if not _mask_np(rest).any():
        return fast, pa.array(np.zeros(len(src), dtype=bool))
    out = on_subset(fast, rest, lambda _: _timestamp_slow(src.filter(rest)))
    return out, _bad(out, src)


def _timestamp_slow(src: pa.Array) -> pa.Array:
    """Timezone-aware JST timestamps from the usual Japanese and ISO spellings.

    Accepted: ``2024/01/05 10:00``, ``2024-01-05T10:00:00+09:00``, ``2024-01-05 10:00:00 +0900``,
    ``2024年1月5日``, ``令和6年1月5日``, ``R6.1.5``, ``H31/4/30``, ``20240105``.  Values without an
    offset are Japan time.
    """
    s = nfkc(src)
    s = pc.replace_substring_regex(s, _HYPHENS_NO_CHOON, "-")
    s = _era_to_western(s)
    s = pc.replace_substring_regex(s, r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日", r"\1-\2-\3")
    s = pc.replace_substring_regex(s, r"(\d{1,2})\s*時\s*(\d{1,2})\s*分(\s*(\d{1,2})\s*秒)?", r"\1:\2:\4")
    s = pc.replace_substring_regex(s, r":$", ":00")
    s = pc.replace_substring_regex(s, r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})", r"\1-\2-\3")
    s = pc.replace_substring_regex(s, r"^(\d{4})(\d{2})(\d{2})(\s|T|$)", r"\1-\2-\3\4")
    s = pc.replace_substring_regex(s, r"^(\d{4}-\d{1,2}-\d{1,2})[T\s]+", r"\1 ")
    s = pc.replace_substring_regex(s, r"\s*\((月|火|水|木|金|土|日)\)", "")
    s = pc.replace_substring_regex(s, r"(\d{1,2}:\d{2}:\d{2})[.,]\d+", r"\1")
    # Offset: Z, +09:00, +0900, JST.
    tz = pc.extract_regex(s, r"^(?P<body>.*?)\s*(?P<tz>Z|UTC|GMT|JST|[+-]\d{2}:?\d{2})$")
    has_tz = pc.is_valid(tz)
    body = pc.if_else(has_tz, pc.struct_field(tz, "body"), s)
    tzs = pc.if_else(has_tz, pc.struct_field(tz, "tz"), pa.scalar(None, pa.string()))
    parsed = None
    for fmt in _FORMATS:
        p = pc.strptime(body, format=fmt, unit="us", error_is_null=True)
        parsed = p if parsed is None else pc.coalesce(parsed, p)
    # strptime rolls 2024-02-30 over to 03-01: check the calendar fields survived.
    ymd = pc.extract_regex(body, r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})")
    m_in = _int(pc.struct_field(ymd, "m"))
    d_in = _int(pc.struct_field(ymd, "d"))
    same = pc.and_(pc.equal(pc.month(parsed), m_in), pc.equal(pc.day(parsed), d_in))
    parsed = pc.if_else(pc.fill_null(same, False), parsed, pa.scalar(None, parsed.type))
    # Offset in minutes east of UTC (JST when absent or named).
    sign = pc.if_else(pc.starts_with(pc.fill_null(tzs, ""), "-"), -1, 1)
    hhmm = pc.replace_substring_regex(pc.fill_null(tzs, ""), r"[^0-9]", "")
    hh = _int(pc.utf8_slice_codeunits(hhmm, 0, 2))
    mm = _int(pc.utf8_slice_codeunits(hhmm, 2, 4))
    hh = pc.if_else(pc.equal(hhmm, ""), 0, hh)
    mm = pc.if_else(pc.equal(hhmm, ""), 0, mm)
    offset = pc.multiply(sign, pc.add(pc.multiply(hh, 60), mm))
    is_utc = pc.is_in(pc.fill_null(tzs, ""), pa.array(["Z", "UTC", "GMT"]))
    offset = pc.if_else(pc.or_(is_utc, pc.is_valid(tzs)), offset, 540)
    offset = pc.if_else(pc.equal(pc.fill_null(tzs, ""), "JST"), 540, offset)
    return _to_jst(parsed, np.asarray(offset.to_numpy(zero_copy_only=False), dtype=np.int64))


def jst_date(ts: pa.Array) -> pa.Array:
    """The Japanese calendar day of a timestamp (date32)."""
    local = pc.local_timestamp(ts) if ts.type.tz else ts
    return pc.cast(pc.floor_temporal(local, unit="day"), pa.date32())
