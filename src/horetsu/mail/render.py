"""Templates → messages: Jinja2 with StrictUndefined, the legal footer and RFC 8058 headers.

A template is ``WORKSPACE/sequences/templates/NAME.LANG.txt``: a ``Subject:`` line, a
blank line and the body, which must place ``{{ footer }}`` (the sender's name, postal
address, contact and the unsubscribe sentence with its link, 特定電子メール法).  A template
that lacks it, uses a variable that is not defined, or settings without the footer's
values are refused before anything is sent.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import jinja2.meta

from horetsu.errors import MailSettingsError, TemplateError
from horetsu.mail.tokens import make_token

LEGAL_KEYS = ("from_address", "sender_name", "postal_address", "contact", "public_url")
VARIABLES = ("name", "shop_name", "category", "expected_date", "sender_name", "footer", "unsubscribe_url",
             "survey_url")  # survey_url: nps_survey steps only (horetsu.mail.survey)

FOOTER = {
    "ja": ("--\n{sender_name}\n{postal_address}\nお問い合わせ: {contact}\n"
           "このメールは配信を希望された方にお送りしています。今後の配信を希望されない場合は、"
           "次のURLから停止できます。\n{url}"),
    "en": ("--\n{sender_name}\n{postal_address}\nContact: {contact}\n"
           "You receive this mail because you agreed to hear from us. To stop further mail, "
           "use this link:\n{url}"),
}


def check_settings(cfg: Any) -> None:
    """Every value the legal footer and the unsubscribe link need, or a typed error."""
    missing = [k for k in LEGAL_KEYS if not str(getattr(cfg, k, "") or "").strip()]
    if missing:
        keys = ", ".join(f"[mail] {k}" for k in missing)
        raise MailSettingsError(f"{keys} must be set before any mail is sent (sender, postal address, contact and "
                                "the unsubscribe link are required by law)",
                                ja=f"{keys} を設定するまでメールは送れません(送信者名・住所・連絡先・配信停止リンクは法律上必要です)")
    scheme = urlsplit(cfg.public_url).scheme
    host = urlsplit(cfg.public_url).hostname or ""
    if scheme != "https" and not (scheme == "http" and host in ("127.0.0.1", "localhost")):
        raise MailSettingsError("[mail] public_url must be an https:// address (one-click unsubscribe, RFC 8058)",
                                ja="[mail] public_url は https:// のアドレスにしてください(RFC 8058 のワンクリック配信停止)")


@dataclass(frozen=True)
class Template:
    name: str
    lang: str
    subject: jinja2.Template
    body: jinja2.Template


def _env() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True)


def load_template(folder: Path, name: str, lang: str) -> Template:
    path = Path(folder) / f"{name}.{lang}.txt"
    if not path.exists():
        raise TemplateError(f"template {path} does not exist", ja=f"テンプレート {path} がありません")
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n\n")
    if not sep or not head.startswith("Subject:"):
        raise TemplateError(f"{path}: the first line must be 'Subject: ...' followed by a blank line",
                            ja=f"{path}: 1行目は 'Subject: ...'、その後に空行が必要です")
    env = _env()
    try:
        ast = env.parse(body)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{path}: line {exc.lineno + 2}: {exc.message}", ja=f"{path}: {exc.lineno + 2}行目: {exc.message}") from None
    used = jinja2.meta.find_undeclared_variables(ast)
    if "footer" not in used:
        raise TemplateError(f"{path}: the body must contain {{{{ footer }}}} (sender, address, contact and unsubscribe link)",
                            ja=f"{path}: 本文に {{{{ footer }}}}(送信者・住所・連絡先・配信停止リンク)が必要です")
    unknown = sorted(used - set(VARIABLES))
    if unknown:
        raise TemplateError(f"{path}: undefined variable(s) {', '.join(unknown)}; known: {', '.join(VARIABLES)}",
                            ja=f"{path}: 未定義の変数 {', '.join(unknown)}。使える変数: {', '.join(VARIABLES)}")
    return Template(name, lang, env.from_string(head[len("Subject:"):].strip()), env.from_string(body))


def unsubscribe_url(cfg: Any, secret: bytes, channel: str, address: str) -> str:
    return cfg.public_url.rstrip("/") + "/u/" + make_token(secret, channel, address)


def render(tpl: Template, cfg: Any, context: dict[str, Any], url: str) -> tuple[str, str]:
    """(subject, body); an undefined variable raises :class:`TemplateError`."""
    footer = FOOTER.get(tpl.lang, FOOTER["en"]).format(
        sender_name=cfg.sender_name, postal_address=cfg.postal_address, contact=cfg.contact, url=url)
    ctx = {**context, "sender_name": cfg.sender_name, "footer": footer, "unsubscribe_url": url}
    try:
        return tpl.subject.render(ctx), tpl.body.render(ctx)
    except jinja2.UndefinedError as exc:
        raise TemplateError(f"template {tpl.name}.{tpl.lang}: {exc.message}", ja=f"テンプレート {tpl.name}.{tpl.lang}: {exc.message}") from None


def sample_context(lang: str) -> dict[str, Any]:
    """Values for a dry render (every variable a template may use)."""
    return {"name": "山田 花子" if lang == "ja" else "Hanako Yamada", "shop_name": "shop", "category": "item",
            "expected_date": "2026-01-01", "survey_url": "https://example.jp/s/sample"}


def open_url(cfg: Any, secret: bytes, row_id: int, message_id: str) -> str:
    """The open-tracking image of one outbox row (``[mail] track_opens``; see docs/mail.md)."""
    from horetsu.mail.tokens import open_token

    return cfg.public_url.rstrip("/") + "/o/" + open_token(secret, row_id, message_id)


def _html(body: str, pixel_url: str) -> str:
    from html import escape

    return ('<!doctype html><html><body><div style="white-space:pre-wrap;font-family:sans-serif">'
            f'{escape(body)}</div><img src="{escape(pixel_url)}" width="1" height="1" alt=""></body></html>')


def build_email(cfg: Any, *, to: str, subject: str, body: str, message_id: str, url: str,
                pixel_url: str = "") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = email.utils.formataddr((cfg.sender_name, cfg.from_address))
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(body)
    if pixel_url:  # the same text as HTML, with the 1×1 image whose first load records "opened"
        msg.add_alternative(_html(body, pixel_url), subtype="html")
    return msg

