"""NPS answers from a form export: Google Forms CSV or any CSV with customer, score, texts, time.

A Google Forms answer export (the "Download responses (.csv)" of the Responses tab) has
a ``タイムスタンプ`` (English UI: ``Timestamp``) column first, then, when the form collects
addresses, ``メールアドレス`` / ``Email Address``, then one column per question headed by
the question text as written in the form.  Its timestamps read ``2024/01/07 7:41:40 午後
GMT+9`` (English: ``PM``; the sheet view shows ``2024/01/07 19:41:41``).

Columns are found by header: the score is the 0–10 question (a header mentioning
recommend / おすすめ / 勧め / 0〜10, else the column whose values are whole numbers 0–10);
the customer is a customer-id column, or an e-mail matched against the customers
table's ``email_norm``; the texts are the "reason" and "what could we do better"
questions (by keyword, else the remaining text columns in order).  Each accepted row
becomes an ``nps_response`` event (value = score, texts in the payload and note).
Rejected rows go to the quarantine with their reason: score outside 0–10, unknown
customer, an e-mail shared by several customers, an unparsable time.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets.base import Parsed, Rejects, exact_duplicates, norm_key, raw_json
from horetsu.io.reader import Source

NAME = "nps"

TIME = ("タイムスタンプ", "timestamp", "answered_at", "回答日時", "回答日", "日時", "submitted_at", "date", "at")
CUSTOMER = ("customer_id", "顧客id", "会員id", "顧客番号", "会員番号", "お客様番号", "customer", "customerid")
EMAIL = ("email", "e-mail", "メールアドレス", "メール", "emailaddress", "eメールアドレス", "mail")
SCORE_EXACT = ("score", "nps", "スコア", "点数", "value")
SCORE_WORDS = ("recommend", "おすすめ", "すすめ", "オススメ", "勧め", "推奨", "薦め", "0〜10", "0~10", "0-10", "0から10")
REASON_WORDS = ("reason", "理由", "why", "なぜ", "きっかけ")
IMPROVE_WORDS = ("improve", "better", "改善", "もっと", "要望", "ご意見")


def _folded(name: str) -> str:
    return unicodedata.normalize("NFKC", name).lower()


def _find(names: list[str], exact: tuple[str, ...], words: tuple[str, ...] = (), taken: set[str] = frozenset()) -> str | None:
    keys = {norm_key(a) for a in exact}
    for n in names:
        if n not in taken and norm_key(n) in keys:
            return n
    for w in words:
        for n in names:
            if n not in taken and _folded(w) in _folded(n):
                return n
    return None


def _score_like(source: Source, names: list[str], taken: set[str]) -> str | None:
    """The first column whose non-empty values are mostly whole numbers 0–10."""
    for n in names:
        if n in taken:
            continue
        v = nz.blank_to_null(nz.as_str(source.table.column(n)))
        filled = len(v) - v.null_count
        if filled == 0:
            continue
        ok = pc.match_substring_regex(nz.nfkc(v), r"^(10|[0-9])(\.0+)?$")
        if (pc.sum(pc.cast(ok, pa.int64())).as_py() or 0) >= 0.8 * filled:
            return n
    return None


def detect(source: Source) -> dict[str, str | None]:
    """Which column holds what (``time, customer_id, email, score, reason, improve``)."""
    names = list(source.table.column_names)
    found: dict[str, str | None] = {}
    found["time"] = _find(names, TIME)
    found["customer_id"] = _find(names, CUSTOMER, ("顧客id", "会員id", "customer id", "お客様番号", "会員番号"))
    found["email"] = _find(names, EMAIL, ("メールアドレス", "email", "e-mail"), {found["customer_id"] or ""})
    taken = {v for v in found.values() if v}
    found["score"] = _find(names, SCORE_EXACT, SCORE_WORDS, taken) or _score_like(source, names, taken)
    taken |= {found["score"] or ""}
    found["reason"] = _find(names, ("reason", "理由"), REASON_WORDS, taken)
    taken |= {found["reason"] or ""}
    found["improve"] = _find(names, ("improve",), IMPROVE_WORDS, taken)
    taken |= {found["improve"] or ""}
    rest = [n for n in names if n not in taken and not _score_like(source, [n], set())]
    for key in ("reason", "improve"):
        if found[key] is None and rest:
            found[key] = rest.pop(0)
    return found


_FORMS_TS = (
    r"^(?P<a>\d{1,4})/(?P<b>\d{1,2})/(?P<c>\d{1,4})\s+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?"
    r"(?:\s*(?P<ap>午前|午後|AM|PM|am|pm))?(?:\s*GMT(?P<off>[+-]\d{1,2})(?::?(?P<offm>\d{2}))?)?$"
)


def _pad(arr: pa.Array, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(arr, pa.string()), width=width, padding="0")


def forms_timestamp(arr: pa.Array) -> tuple[pa.Array, pa.Array]:
    """Google Forms times (``2024/01/07 7:41:40 午後 GMT+9``, ``1/7/2024 19:41:40``) and the usual spellings."""
    src = nz.blank_to_null(nz.as_str(arr))
    m = pc.extract_regex(nz.nfkc(src), _FORMS_TS)
    f = {k: nz.blank_to_null(pc.struct_field(m, k)) for k in ("a", "b", "c", "h", "mi", "s", "ap", "off", "offm")}
    a = pc.cast(f["a"], pa.int64())
    year_first = pc.greater(pc.utf8_length(f["a"]), 2)
    year = pc.if_else(year_first, a, pc.cast(f["c"], pa.int64()))
    month = pc.if_else(year_first, pc.cast(f["b"], pa.int64()), a)  # M/D/YYYY (US sheet view)
    day = pc.if_else(year_first, pc.cast(f["c"], pa.int64()), pc.cast(f["b"], pa.int64()))
    hour = pc.cast(f["h"], pa.int64())
    ap = pc.fill_null(f["ap"], "")
    pm = pc.is_in(ap, pa.array(["午後", "PM", "pm"]))
    twelve = pc.is_in(ap, pa.array(["午前", "AM", "am", "午後", "PM", "pm"]))
    hour = pc.if_else(twelve, pc.add(pc.if_else(pc.equal(hour, 12), 0, hour), pc.if_else(pm, 12, 0)), hour)
    off = pc.cast(pc.replace_substring(pc.fill_null(f["off"], "+9"), "+", ""), pa.int64())
    sign = pc.if_else(pc.less(off, 0), "-", "+")
    offm = pc.fill_null(f["offm"], "00")
    text = pc.binary_join_element_wise(
        _pad(year, 4), "-", _pad(month, 2), "-", _pad(day, 2), " ", _pad(hour, 2), ":", f["mi"], ":",
        pc.fill_null(f["s"], "00"), " ", sign, _pad(pc.abs(off), 2), offm, "",
    )  # fmt: skip
    rebuilt = pc.if_else(pc.is_valid(m), text, src)
    out, _ = nz.timestamp(rebuilt)
    bad = pc.and_(pc.is_valid(src), pc.is_null(out))
    return out, bad


def _email_index(customers: pa.Table) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Distinct e-mails → customer id, and the e-mails that several customers share."""
    t = customers.select(["customer_id", "email_norm"]).filter(pc.is_valid(customers.column("email_norm")))
    g = t.group_by("email_norm", use_threads=False).aggregate([("customer_id", "min"), ("customer_id", "count_distinct")])
    shared = g.filter(pc.greater(g.column("customer_id_count_distinct"), 1)).column("email_norm")
    return g.column("email_norm"), g.column("customer_id_min"), shared


def _payload(reason: pa.Array, improve: pa.Array, extra: pa.Array | None) -> pa.Array:
    import duckdb

    n = len(reason)
    t = pa.table({"r": reason, "i": improve, "x": extra if extra is not None else pa.nulls(n, pa.string()),
                  "__i": pa.array(np.arange(n, dtype=np.int64))})  # fmt: skip
    con = duckdb.connect()
    try:
        con.register("t", t)
        out = con.execute(
            "SELECT CAST(to_json(struct_pack(reason := r, improve := i, source := 'import', "
            "wave_id := CAST(NULL AS VARCHAR), token_id := CAST(NULL AS VARCHAR), form := CAST(x AS JSON))) AS VARCHAR) "
            "FROM t ORDER BY __i"
        ).to_arrow_table()
    finally:
        con.close()
    return nz.as_str(out.column(0))


def bind(ws: Any):
    """``parse`` with the workspace's customers at hand (e-mails and ids are matched against them)."""

    def parse_bound(source: Source, table: str | None = None) -> Parsed:
        customers = ws.read_arrow("customers") if ws is not None else None
        return parse(source, table, customers=customers)

    return parse_bound


def parse(source: Source, table: str | None = None, *, customers: pa.Table | None = None) -> Parsed:
    if table not in (None, "events"):
        raise InputFileError(f"{source.path}: the nps preset imports events (nps_response), not {table}",
                             ja=f"{source.path}: nps プリセットの取込先は events（nps_response）です（{table} は不可）")  # fmt: skip
    found = detect(source)
    missing = [label for key, label in (("time", "タイムスタンプ / Timestamp / answered_at"),
                                        ("score", "the 0-10 score question / 0〜10 の点数の設問")) if not found[key]]  # fmt: skip
    if not found["customer_id"] and not found["email"]:
        missing.append("customer_id / メールアドレス / Email Address")
    if missing:
        p = source.path
        raise InputFileError(f"{p}: required column missing for NPS answers: {', '.join(missing)}",
                             ja=f"{p}: NPS 回答に必要な列がありません: {', '.join(missing)}")  # fmt: skip
    n = source.table.num_rows
    rej = Rejects(n)
    col = lambda k: nz.as_str(source.table.column(found[k])) if found[k] else pa.nulls(n, pa.string())  # noqa: E731
    cid = nz.ident(col("customer_id"))
    mail = nz.email(col("email"))
    who = found["customer_id"] or found["email"]
    rej.add(pc.and_(pc.is_null(cid), pc.is_null(mail)), "missing_value", who, "no customer id or e-mail", None)
    at, bad = forms_timestamp(col("time"))
    rej.bad(bad, col("time"), found["time"], "not a date/time", "invalid_date")
    rej.missing(at, found["time"])
    raw_score = col("score")
    score, bad = nz.number(raw_score)
    rej.bad(bad, raw_score, found["score"], "not a number", "invalid_value")
    rej.missing(score, found["score"])
    outside = pc.or_(pc.or_(pc.less(score, 0), pc.greater(score, 10)), pc.not_equal(pc.floor(score), score))
    rej.bad(outside, raw_score, found["score"], "NPS answer outside 0-10", "invalid_value")
    customers = customers if customers is not None else pa.table({"customer_id": pa.array([], pa.string()),
                                                                  "email_norm": pa.array([], pa.string())})  # fmt: skip
    known_ids = pc.unique(customers.column("customer_id").combine_chunks())
    emails, email_ids, shared = _email_index(customers)
    by_mail = pc.take(email_ids, pc.index_in(mail, emails))
    resolved = pc.coalesce(cid, by_mail)
    via_mail = pc.and_(pc.is_null(cid), pc.is_valid(mail))
    rej.bad(pc.and_(via_mail, pc.is_in(mail, shared)), mail, found["email"] or who,
            "e-mail shared by several customers", "ambiguous_customer")  # fmt: skip
    unknown = pc.or_(pc.and_(pc.is_valid(cid), pc.invert(pc.is_in(cid, known_ids))),
                     pc.and_(via_mail, pc.is_null(by_mail)))  # fmt: skip
    rej.bad(unknown, pc.coalesce(cid, mail), who, "unknown customer", "unknown_customer")
    valid = ~rej.mask
    near = pc.binary_join_element_wise(pc.fill_null(resolved, ""), pc.fill_null(col("time"), ""), "|")
    dup = exact_duplicates(source.table, near, valid)
    keep_idx = np.flatnonzero(valid & ~dup)
    take = pa.array(keep_idx)
    reason = nz.text(col("reason")).take(take)
    improve = nz.text(col("improve")).take(take)
    used = [v for v in found.values() if v]
    extra = raw_json(source, used, keep_idx)
    note = pc.binary_join_element_wise(pc.fill_null(reason, ""), pc.fill_null(improve, ""), "\n")
    note = nz.blank_to_null(note)
    ev = pa.table({
        "customer_id": resolved.take(take),
        "at": at.take(take),
        "type": nz.const("nps_response", len(keep_idx)),
        "value": score.take(take),
        "note": note,
        "payload": _payload(reason, improve, extra),
    })  # fmt: skip
    ev = ev.append_column("event_date", nz.jst_date(ev.column("at").combine_chunks()))
    keys = pa.array(np.where(valid, np.arange(n), -1))
    notes = {"event_rows": keep_idx, "columns": {k: v for k, v in found.items() if v}}
    return Parsed("events", keys, {"events": ev}, rej, dup, notes=notes)
