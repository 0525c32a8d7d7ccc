"""Per-recipient link tokens: unsubscribe (opaque, keyed in the ops DB) and open tracking.

An unsubscribe token is ``base64url(HMAC-SHA256(secret, "unsubscribe-v2", channel, address))``
cut to 24 bytes (32 characters): it reveals nothing about the address, cannot be guessed
or forged without the secret, and is the same for every mail to one address.  The web app
finds the address through the ``UnsubscribeKey`` row written when the link is first put in
a mail, and checks the MAC again before acting, so a row alone does not make a token valid.

Links sent before this format carried the address readably (``payload.signature`` with a
dot); they are still honoured (:func:`read_legacy_token`): the law wants every link already
sent to keep working.  No new link is made in that format.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from pathlib import Path
from typing import Any, Iterable

from horetsu.errors import TokenError

SECRET_FILE = ".mail_secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _bad() -> TokenError:
    return TokenError("this link is not valid", ja="このリンクは無効です")


def mail_secret(ws: Any, configured: str = "") -> bytes:
    """``[mail] secret`` or the workspace's ``.mail_secret`` file (created 0600 on first use)."""
    if configured:
        return configured.encode("utf-8")
    from horetsu.workspace import secret_file

    return secret_file(Path(ws.path) / SECRET_FILE, lambda: secrets.token_urlsafe(48)).encode("utf-8")


# ------------------------------------------------------------------ unsubscribe (opaque)


def make_token(secret: bytes, channel: str, address: str) -> str:
    """The opaque unsubscribe token of (channel, address): 32 URL-safe characters, no personal data."""
    mac = hmac.new(secret, b"unsubscribe-v2\n" + f"{channel}\n{address}".encode("utf-8"), hashlib.sha256)
    return _b64(mac.digest()[:24])


def register(secret: bytes, pairs: Iterable[tuple[str, str]], now: Any) -> dict[tuple[str, str], str]:
    """Write the ``UnsubscribeKey`` rows of ``pairs`` (idempotent, one bulk insert); {pair: token}."""
    from horetsu.mail.models import UnsubscribeKey

    tokens = {(c, a): make_token(secret, c, a) for c, a in set(pairs) if a}
    if tokens:
        UnsubscribeKey.objects.bulk_create(
            [UnsubscribeKey(token=t, channel=c, address=a, created_at=now) for (c, a), t in tokens.items()],
            ignore_conflicts=True, batch_size=1000)
    return tokens


def read_token(secret: bytes, token: str) -> tuple[str, str]:
    """(channel, address) of a valid token (opaque, or a legacy link); :class:`TokenError` otherwise."""
    if "." in token:
        return read_legacy_token(secret, token)
    from horetsu.mail.models import UnsubscribeKey

    row = UnsubscribeKey.objects.filter(token=token[:64]).values_list("channel", "address").first()
    if row is None or not hmac.compare_digest(make_token(secret, row[0], row[1]), token):
        raise _bad()
    return row[0], row[1]


def read_legacy_token(secret: bytes, token: str) -> tuple[str, str]:
    """A link of the first format (``base64(channel, address).signature``), still honoured."""
    try:
        head, sig = token.split(".", 1)
        payload, given = _unb64(head), _unb64(sig)
    except (ValueError, TypeError):
        raise _bad() from None
    want = hmac.new(secret, b"unsubscribe\n" + payload, hashlib.sha256).digest()[:20]
    if not hmac.compare_digest(want, given):
        raise _bad()
    try:
        channel, address = payload.decode("utf-8").split("\n", 1)
    except (UnicodeDecodeError, ValueError):
        raise _bad() from None
    return channel, address


# ------------------------------------------------------------------ open tracking


def open_token(secret: bytes, row_id: int, message_id: str) -> str:
    """The open-tracking token of one outbox row: its id and a MAC over id and Message-ID."""
    head = struct.pack(">Q", row_id)
    mac = hmac.new(secret, b"open\n" + head + message_id.encode("utf-8"), hashlib.sha256).digest()[:16]
    return _b64(head + mac)


def read_open_token(secret: bytes, token: str) -> int:
    """The outbox row id of a valid open token; :class:`TokenError` otherwise."""
    from horetsu.mail.models import Message

    try:
        raw = _unb64(token[:64])
    except (ValueError, TypeError):
        raise _bad() from None
    if len(raw) != 24:
        raise _bad()
    row_id = struct.unpack(">Q", raw[:8])[0]
    mid = Message.objects.filter(id=row_id).values_list("message_id", flat=True).first()
    if mid is None or not hmac.compare_digest(open_token(secret, row_id, mid), token):
        raise _bad()
    return row_id
