"""The unsubscribe action behind the signed link (library level; the web view calls it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from horetsu.mail.tokens import mail_secret, read_token


def unsubscribe(ws: Any, token: str, *, how: str = "one_click", now: dt.datetime | None = None) -> tuple[str, str]:
    """Verify ``token`` and suppress its address; (channel, address). :class:`TokenError` if forged."""
    from horetsu.mail.clock import parse_now
    from horetsu.mail.consent import suppress
    from horetsu.mail.db import open_db
    from horetsu.mail.worker import mail_settings

    open_db(ws)
    channel, address = read_token(mail_secret(ws, mail_settings(ws).secret), token)
    suppress(ws, address, channel=channel, reason=how, source="unsubscribe link", now=now or parse_now(None))
    return channel, address


def check(ws: Any, token: str) -> tuple[str, str]:
    """(channel, address) of a valid token, without acting (the GET page)."""
    from horetsu.mail.db import open_db
    from horetsu.mail.worker import mail_settings

    open_db(ws)
    return read_token(mail_secret(ws, mail_settings(ws).secret), token)
