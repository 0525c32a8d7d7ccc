"""Survey tokens: signed, single-use, expiring links bound to one customer and one wave.

A token is ``BASE64URL(payload) "." BASE64URL(HMAC-SHA256(secret, purpose | payload))``
with the compact JSON payload ``{"c": customer_id, "w": wave_id, "x": expiry (Unix
seconds), "j": token id}``.  It is signed, not encrypted: it carries the customer id and
the wave id (no name, no e-mail).  The secret is 32 random bytes kept in
``WORKSPACE/nps/secret.key`` with permissions 0600, created on first use, never in the
repository; deleting it invalidates every link ever sent.

"Single use" means: a token whose id already has an answer (see
:func:`horetsu.nps.answers.load_answers`) is refused with :class:`TokenUsedError`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from horetsu.errors import HoretsuError, WorkspaceError

PURPOSE = b"horetsu-nps-survey-v1|"
SECRET_FILE = "secret.key"


class TokenError(HoretsuError, ValueError):
    """A survey link cannot be used."""

    exit_code = 9
    reason = "invalid"


class TokenTamperedError(TokenError):
    """The token is malformed or its signature does not match (changed, truncated, another workspace)."""

    reason = "tampered"


class TokenExpiredError(TokenError):
    """The token's expiry has passed."""

    reason = "expired"


class TokenWrongCustomerError(TokenError):
    """The token belongs to another customer."""

    reason = "wrong_customer"


class TokenUsedError(TokenError):
    """The token has already been answered."""

    reason = "already_answered"


@dataclass(frozen=True)
class Claims:
    """What a valid token says."""

    customer_id: str
    wave_id: str
    expires_at: dt.datetime
    token_id: str


def nps_dir(ws: Any) -> Path:
    return Path(ws.path) / "nps"


def secret(ws: Any) -> bytes:
    """The workspace's signing secret, created (0600) on first use; a readable-by-others file is refused."""
    from horetsu.workspace import secret_file

    path = nps_dir(ws) / SECRET_FILE
    text = secret_file(path, lambda: secrets.token_hex(32))
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
    except ValueError:
        pass
    raise WorkspaceError(f"{path} is empty or damaged", ja=f"{path} が空か壊れています")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, PURPOSE + body.encode("ascii"), hashlib.sha256).digest())


def make_token(ws: Any, customer_id: str, wave_id: str, expires_at: dt.datetime, *, key: bytes | None = None,
               token_id: str | None = None) -> tuple[str, str]:  # fmt: skip
    """A signed token for ``customer_id`` in ``wave_id``; returns ``(token, token_id)``."""
    key = key if key is not None else secret(ws)
    tid = token_id or _b64(secrets.token_bytes(9))
    claims = {"c": str(customer_id), "w": str(wave_id), "x": int(expires_at.timestamp()), "j": tid}
    body = _b64(json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return f"{body}.{_sign(key, body)}", tid


def read_token(ws: Any, token: str, *, key: bytes | None = None) -> Claims:
    """Check the signature only (no expiry or use check): the claims of an authentic token."""
    key = key if key is not None else secret(ws)
    tampered = TokenTamperedError("this survey link is not valid", ja="このアンケートのリンクは無効です")
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 1024:
        raise tampered
    body, sig = token.split(".")
    try:
        body.encode("ascii")
        sig.encode("ascii")
    except UnicodeEncodeError:
        raise tampered from None
    if not hmac.compare_digest(_sign(key, body), sig):
        raise tampered
    try:
        data = json.loads(_unb64(body))
        return Claims(str(data["c"]), str(data["w"]), dt.datetime.fromtimestamp(int(data["x"]), dt.UTC), str(data["j"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise tampered from None


def verify(ws: Any, token: str, *, customer_id: str | None = None, now: dt.datetime | None = None,
           answered: Any = None) -> Claims:  # fmt: skip
    """The claims of a usable token, or a typed :class:`TokenError`.

    ``customer_id``: the customer the caller expects (e.g. the person signed in); ``answered``:
    token ids already answered (default: read with :func:`horetsu.nps.answers.load_answers`).
    """
    claims = read_token(ws, token)
    now = now or dt.datetime.now(dt.UTC)
    if now >= claims.expires_at:
        raise TokenExpiredError("this survey link has expired", ja="このアンケートのリンクは有効期限が切れています")
    if customer_id is not None and str(customer_id) != claims.customer_id:
        raise TokenWrongCustomerError("this survey link was sent to someone else",
                                      ja="このアンケートのリンクは別のお客様あてのものです")  # fmt: skip
    if answered is None:
        from horetsu.nps.answers import load_answers

        answered = load_answers(ws).column("token_id").drop_null().to_pylist()
    if claims.token_id in set(answered):
        raise TokenUsedError("this survey has already been answered — thank you",
                             ja="このアンケートにはすでにご回答いただいています。ありがとうございました")  # fmt: skip
    return claims
