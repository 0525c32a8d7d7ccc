"""Export allowed audiences: Shopify / Klaviyo CSVs for segments and a LINE-friendly list.

Only customers the gate allowed are exported (the caller passes a :class:`GateResult`),
and only those with a contact point and consent for the channel: e-mail for Shopify and
Klaviyo needs an explicit opt-in (``accepts_email`` true; Japan's 特定電子メール法 asks for
prior consent to marketing e-mail), LINE needs no refusal (``accepts_line`` not false).
Skipped customers are counted, never dropped silently.

Each tool gets its own formats: Shopify's ``Customer ID`` is Shopify's own customer id
(``platform_customer_id`` of customers imported from Shopify; empty for others, so that
Shopify matches them by e-mail); phone numbers for Shopify and Klaviyo are E.164
(``+819012345678``; numbers that are not valid Japanese numbers are left empty, never
guessed); the LINE list carries the LINE user id where one was imported. A workspace
whose customers table lacks ``platform_customer_id`` / ``line_user_id`` falls back to
the horetsu customer id and an empty column.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from horetsu.errors import ConfigError

FORMATS = ("shopify", "klaviyo", "line")
ENCODINGS = ("utf-8", "utf-8-sig", "cp932")

SHOPIFY_HEADERS = ("Customer ID", "First Name", "Last Name", "Email", "Phone", "Accepts Email Marketing", "Tags")
KLAVIYO_HEADERS = ("Email", "Phone Number", "First Name", "Last Name", "External ID", "horetsu_stage",
                   "horetsu_tactic")
LINE_HEADERS = ("顧客ID", "氏名", "電話番号", "メールアドレス", "ステージ", "施策", "施策名", "LINEユーザーID")
#: optional customer columns read when present (the import fills them where the platform has them)
OPTIONAL_COLUMNS = ("platform_customer_id", "line_user_id")


@dataclass
class ExportResult:
    path: Path
    fmt: str
    encoding: str
    rows: int
    skipped_no_consent: int
    skipped_no_contact: int
    replaced_characters: int = 0
    customer_ids: list[str] | None = None


def _split_name(name: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Japanese order: family name first.  "山田 太郎" → last 山田, first 太郎."""
    parts = name.fillna("").astype(str).str.strip().str.split(r"[ \u3000]+", n=1, regex=True)
    last = parts.str[0].fillna("")
    first = parts.str[1].fillna("")
    return first.astype(object), last.astype(object)


def phone_e164(phone: pd.Series) -> pd.Series:
    """Japanese phone numbers in E.164: ``090-1234-5678`` → ``+819012345678``, ``03-1234-5678``
    → ``+81312345678``; ``+81 90 ...`` and ``8190...`` (a ``+`` lost on import) are kept as +81.

    A number is taken only when its national part has a valid Japanese length: ten digits
    for 020/050/060/070/080/090 (mobile, IP, M2M, 0800), nine for the others (fixed lines,
    0120, 0570). Anything else (too short, ``00`` prefixes, other countries) becomes ``""``.
    """
    text = phone.astype(object).where(phone.notna(), "").astype(str).str.normalize("NFKC")
    digits = text.str.replace(r"\D", "", regex=True)
    national = digits.str.replace(r"^(?:0(?!0)|81)", "", regex=True).where(
        digits.str.match(r"^(?:0(?!0)|81)"), "")
    national = national.where(~(digits.str.startswith("81") & national.str.match(r"^0[1-9]")),
                              national.str[1:])  # +81 (0)3-...: the trunk 0 written after the country code
    valid = national.str.fullmatch(r"[2-9]0\d{8}|[1-9][1-9]\d{7}")
    return ("+81" + national).where(valid, "").astype(object)


def _optional(cust: pd.DataFrame, name: str) -> pd.Series:
    """A customer column the workspace may not have yet (then all missing)."""
    if name in cust.columns:
        return cust[name].astype(object).where(cust[name].notna(), None)
    return pd.Series([None] * len(cust), index=cust.index, dtype=object)


def _atomic_write(text: str, path: Path, encoding: str) -> int:
    """Write ``text``; returns how many characters CP932 could not encode (as ``?``)."""
    replaced = 0
    if encoding == "cp932":
        bad = {ch for ch in set(text) if ord(ch) > 127 and _not_cp932(ch)}  # distinct characters only
        replaced = sum(text.count(ch) for ch in bad)
        data = text.encode("cp932", errors="replace")
    else:
        data = text.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return replaced


def _not_cp932(ch: str) -> bool:
    try:
        ch.encode("cp932")
        return False
    except UnicodeEncodeError:
        return True


def export_audience(
    ws: Any, result: Any, fmt: str, path: Any, *, encoding: str | None = None, tactic: str | None = None
) -> ExportResult:
    """Write the allowed customers of ``result`` (a GateResult) in ``fmt`` to ``path``."""
    if fmt not in FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; use {', '.join(FORMATS)}",
                          ja=f"出力形式 {fmt!r} はありません。{', '.join(FORMATS)} から選んでください")
    enc = (encoding or "utf-8").lower().replace("_", "-")
    if enc in ("shift-jis", "sjis", "shift_jis", "windows-31j"):
        enc = "cp932"
    if enc not in ENCODINGS:
        raise ConfigError(f"unknown encoding {encoding!r}; use {', '.join(ENCODINGS)}",
                          ja=f"文字コード {encoding!r} は使えません。{', '.join(ENCODINGS)} から選んでください")
    tactic = tactic or getattr(result, "tactic", "")
    allowed = result.allowed.to_pandas() if hasattr(result, "allowed") else pd.DataFrame(result)
    cust = ws.read_arrow("customers").to_pandas()
    cust = cust.drop_duplicates("customer_id")
    # a workspace that never imported platform ids (column absent or all empty) keeps horetsu ids
    has_platform_id = "platform_customer_id" in cust.columns and cust["platform_customer_id"].notna().any()
    for name in OPTIONAL_COLUMNS:
        cust[name] = _optional(cust, name)
    cols = ["customer_id", "source", "email_norm", "phone_norm", "name", "accepts_email", "accepts_line",
            *OPTIONAL_COLUMNS]
    df = allowed.merge(cust[cols], on="customer_id", how="left")
    line_id = df["line_user_id"].fillna("").astype(str)
    if fmt == "line":
        # LINE messages reach people who followed the shop's account: not refused is enough
        consent = df["accepts_line"].astype("boolean").fillna(True).astype(bool)
    else:
        # marketing e-mail needs prior opt-in in Japan (特定電子メール法): only an explicit yes
        consent = df["accepts_email"].astype("boolean").fillna(False).astype(bool)
    if fmt == "line":
        contact = df["phone_norm"].fillna("").astype(str).str.len().gt(0) | df["email_norm"].fillna("").astype(str).str.len().gt(0)
        contact |= df["name"].fillna("").astype(str).str.len().gt(0) | line_id.str.len().gt(0)
    else:
        contact = df["email_norm"].fillna("").astype(str).str.contains("@", regex=False)
    no_consent = int((~consent).sum())
    no_contact = int((consent & ~contact).sum())
    df = df[consent & contact].reset_index(drop=True)
    first, last = _split_name(df["name"])
    if fmt == "shopify":
        if has_platform_id:  # Shopify's own id for its customers; others are matched by e-mail
            from_shopify = df["source"].fillna("").astype(str).eq("shopify")
            shopify_id = df["platform_customer_id"].fillna("").astype(str).where(from_shopify, "")
        else:  # a workspace imported before platform ids were kept: as before
            shopify_id = df["customer_id"]
        out = pd.DataFrame({
            "Customer ID": shopify_id, "First Name": first, "Last Name": last, "Email": df["email_norm"],
            "Phone": phone_e164(df["phone_norm"]), "Accepts Email Marketing": "yes",
            "Tags": "horetsu:" + str(tactic) + ", horetsu-stage:" + df["stage"].astype(str),
        }, columns=list(SHOPIFY_HEADERS))
    elif fmt == "klaviyo":
        out = pd.DataFrame({
            "Email": df["email_norm"], "Phone Number": phone_e164(df["phone_norm"]), "First Name": first,
            "Last Name": last,
            "External ID": df["customer_id"], "horetsu_stage": df["stage"], "horetsu_tactic": tactic,
        }, columns=list(KLAVIYO_HEADERS))
    else:
        from horetsu.playbook.policy import load_policy
        from horetsu.stages.policy import STAGES

        policy = load_policy(ws)
        ja_stage = {s: policy.stage(s).ja for s in STAGES}
        tac_ja = policy.tactics[tactic].ja if tactic in policy.tactics else ""
        out = pd.DataFrame({
            "顧客ID": df["customer_id"], "氏名": df["name"], "電話番号": df["phone_norm"],
            "メールアドレス": df["email_norm"], "ステージ": df["stage"].map(ja_stage), "施策": tactic,
            "施策名": tac_ja, "LINEユーザーID": df["line_user_id"].fillna("").astype(str),
        }, columns=list(LINE_HEADERS))
    text = out.to_csv(index=False, lineterminator="\r\n" if enc != "utf-8" else "\n")
    p = Path(path)
    replaced = _atomic_write(text, p, enc)
    return ExportResult(p, fmt, enc, len(out), no_consent, no_contact, replaced,
                        df["customer_id"].astype(str).tolist())


def record_sends(ws: Any, customer_ids: Any, tactic: str, day: Any) -> int:
    """Append one ``message_sent`` event per customer (``note`` = the tactic) dated ``day``.

    The frequency caps and the thanks-first rule read these events, so recording what
    was exported keeps the next gate honest.  Returns the number of events written.
    """
    import datetime as dt

    import pyarrow as pa

    from horetsu.schema import TS
    from horetsu.core.dates import parse_date

    ids = [str(x) for x in customer_ids]
    if not ids:
        return 0
    when = parse_date(day)
    jst = dt.timezone(dt.timedelta(hours=9))
    at = dt.datetime(when.year, when.month, when.day, 12, 0, tzinfo=jst)
    new = pa.table({
        "customer_id": pa.array(ids, pa.string()),
        "at": pa.array([at] * len(ids), TS),
        "event_date": pa.array([when] * len(ids), pa.date32()),
        "type": pa.array(["message_sent"] * len(ids), pa.string()),
        "note": pa.array([tactic] * len(ids), pa.string()),
    })
    ws.append_rows("events", new, record={"by": "recorded sends"})
    return len(ids)
