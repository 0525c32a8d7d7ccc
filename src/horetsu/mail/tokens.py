"""Signed per-recipient unsubscribe tokens (HMAC-SHA256; not guessable, not forgeable)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import Any

from horetsu.errors import TokenError

SECRET_FILE = ".mail_secret"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mail_secret(ws: Any, configured: str = "") -> bytes:
    """``[mail] secret`` or the workspace's ``.mail_secret`` file (created 0600 on first use)."""
    if configured:
        return configured.encode("utf-8")
    from horetsu.workspace import secret_file

    return secret_file(Path(ws.path) / SECRET_FILE, lambda: secrets.token_urlsafe(48)).encode("utf-8")


def make_token(secret: bytes, channel: str, address: str) -> str:
    payload = f"{channel}\n{address}".encode("utf-8")
    sig = hmac.new(secret, b"unsubscribe\n" + payload, hashlib.sha256).digest()[:20]
    return f"{_b64(payload)}.{_b64(sig)}"


def read_token(secret: bytes, token: str) -> tuple[str, str]:
    """(channel, address) of a valid token; :class:`TokenError` for anything else."""
    bad = TokenError("this unsubscribe link is not valid", ja="この配信停止リンクは無効です")
    try:
        head, sig = token.split(".", 1)
        payload, given = _unb64(head), _unb64(sig)
    except (ValueError, TypeError):
        raise bad from None
    want = hmac.new(secret, b"unsubscribe\n" + payload, hashlib.sha256).digest()[:20]
    if not hmac.compare_digest(want, given):
        raise bad
    try:
        channel, address = payload.decode("utf-8").split("\n", 1)
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    return channel, address
