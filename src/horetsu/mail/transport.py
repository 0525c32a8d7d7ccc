"""Delivery: SMTP (``[mail] smtp_url``) and the LINE Messaging API push, with typed outcomes.

``Outcome.kind``: ``sent``, ``temp`` (4xx, network trouble, 429: retry with backoff) or
``perm`` (5xx for SMTP: the address is suppressed).
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from horetsu.errors import MailSettingsError


@dataclass(frozen=True)
class Outcome:
    kind: str  # sent | temp | perm
    code: int = 0
    detail: str = ""


def wire_bytes(cfg: Any, *, to: str, subject: str, body: str, message_id: str, url: str) -> bytes:
    """The message :func:`horetsu.mail.render.build_email` describes, as the bytes sent after DATA.

    Built with the ``compat32`` classes (no header parsing per message): the same headers and
    the same decoded text, with the body in UTF-8 base64 so any server accepts it, and the
    subject in RFC 2047 encoded words folded at 76 characters.
    """
    import email.utils
    from email.charset import BASE64, Charset
    from email.header import Header
    from email.mime.text import MIMEText

    subject, to = _one_line(subject), _one_line(to)  # no header injection through a name in the subject
    charset = Charset("utf-8")
    charset.header_encoding = charset.body_encoding = BASE64
    msg = MIMEText(body, "plain", charset)
    msg["From"] = email.utils.formataddr((cfg.sender_name, cfg.from_address), charset="utf-8")
    msg["To"] = to
    msg["Subject"] = subject if subject.isascii() else Header(subject, "utf-8").encode(linesep="\r\n")
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = message_id
    msg["List-Unsubscribe"] = f"<{url}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return msg.as_bytes(policy=_WIRE)


class SmtpTransport:
    """One SMTP connection per batch: ``smtp://`` uses STARTTLS when offered, ``smtps://`` TLS."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise MailSettingsError("[mail] smtp_url must look like smtp://user:pass@host:587 or smtps://user:pass@host:465",
                                    ja="[mail] smtp_url は smtp://user:pass@host:587 か smtps://user:pass@host:465 の形で指定してください")
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 587)
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.timeout = timeout
        self._con: smtplib.SMTP | None = None

    def _open(self) -> smtplib.SMTP:
        ctx = ssl.create_default_context()
        if self.tls:
            con: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=ctx)
        else:
            con = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            con.ehlo()
            if con.has_extn("starttls"):
                con.starttls(context=ctx)
                con.ehlo()
            elif self.user and self.host not in ("127.0.0.1", "localhost", "::1"):
                con.close()
                raise MailSettingsError(f"{self.host} offers no STARTTLS: the password would travel in clear",
                                        ja=f"{self.host} は STARTTLS に対応していません(パスワードが平文で送られます)")
        if self.user:
            con.login(self.user, self.password)
        return con

    def send(self, msg: Any, to: str, sender: str = "") -> Outcome:
        """Send ``msg`` (an e-mail message, or its bytes with the envelope ``sender``) to ``to``
        over this transport's connection, opened once and reused for message after message."""
        try:
            if self._con is None:
                self._con = self._open()
            if isinstance(msg, bytes):
                refused = self._con.sendmail(sender, [to], msg)
            else:
                refused = self._con.send_message(msg, to_addrs=[to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            self._reset()
            return Outcome("perm" if code >= 500 else "temp", code, _text(text))
        except smtplib.SMTPResponseException as exc:  # sender refused, data error, ...
            self._reset()
            return Outcome("perm" if exc.smtp_code >= 500 else "temp", exc.smtp_code, _text(exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, timeout, refused connection
            self.close()
            return Outcome("temp", 0, type(exc).__name__)
        if refused:
            code, text = next(iter(refused.values()))
            return Outcome("perm" if code >= 500 else "temp", code, _text(text))
        return Outcome("sent", 250)

    def _reset(self) -> None:
        try:
            if self._con is not None:
                self._con.rset()
        except (smtplib.SMTPException, OSError):
            self.close()

    def close(self) -> None:
        if self._con is not None:
            try:
                self._con.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._con = None


def _one_line(value: str) -> str:
    return " ".join(value.splitlines()) if ("\n" in value or "\r" in value) else value


def _wire_policy() -> Any:
    from email.policy import compat32

    return compat32.clone(linesep="\r\n", max_line_length=998)  # long words (links) stay whole


_WIRE = _wire_policy()


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def retry_key(message_id: str) -> str:
    """The X-Line-Retry-Key of a message: a UUID derived from its Message-ID (same on every resend)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "horetsu-line:" + message_id))


class LineTransport:
    """Push one text message through the LINE Messaging API (idempotent by the retry key)."""

    def __init__(self, token: str, api_url: str = "https://api.line.me", timeout: float = 30.0) -> None:
        if not token:
            raise MailSettingsError("[mail] line_channel_access_token is needed for the line channel",
                                    ja="line チャネルには [mail] line_channel_access_token が必要です")
        self.token, self.api_url, self.timeout = token, api_url.rstrip("/"), timeout

    def push(self, user_id: str, text: str, message_id: str) -> Outcome:
        body = json.dumps({"to": user_id, "messages": [{"type": "text", "text": text[:5000]}]}).encode("utf-8")
        req = urllib.request.Request(self.api_url + "/v2/bot/message/push", data=body, method="POST", headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            "X-Line-Retry-Key": retry_key(message_id)})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return Outcome("sent", resp.status)
        except urllib.error.HTTPError as exc:
            if exc.code == 409:  # this retry key was accepted before: the message went out once
                return Outcome("sent", 409, exc.headers.get("X-Line-Accepted-Request-Id", ""))
            if exc.code == 429 or exc.code >= 500:
                return Outcome("temp", exc.code)
            return Outcome("perm", exc.code)
        except OSError as exc:
            return Outcome("temp", 0, type(exc).__name__)

    def close(self) -> None:
        pass
