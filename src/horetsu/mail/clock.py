"""The one clock every time-dependent decision of the mail engine reads (``--now``)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from horetsu.errors import ConfigError

TOKYO = ZoneInfo("Asia/Tokyo")


def parse_now(value: str | dt.datetime | None) -> dt.datetime:
    """An aware datetime: ``None`` = the real time; naive text is Asia/Tokyo time."""
    if value is None or value == "":
        return dt.datetime.now(dt.timezone.utc)
    if isinstance(value, dt.datetime):
        when = value
    else:
        try:
            when = dt.datetime.fromisoformat(str(value).strip().replace(" ", "T"))
        except ValueError:
            raise ConfigError(f"--now {value!r}: use YYYY-MM-DDTHH:MM (Asia/Tokyo) or ISO 8601 with an offset",
                              ja=f"--now {value!r}: YYYY-MM-DDTHH:MM (日本時間) か時差付きの ISO 8601 で指定してください") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=TOKYO)
    return when


def tokyo_day(now: dt.datetime) -> dt.date:
    return now.astimezone(TOKYO).date()


def in_quiet_hours(now: dt.datetime, start: str, end: str) -> bool:
    """Whether ``now`` (Tokyo time) falls in the quiet hours [start, end) (may wrap midnight)."""
    t = now.astimezone(TOKYO).time()
    a, b = dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    return (a <= t or t < b) if a > b else (a <= t < b)


def at_tokyo(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=TOKYO)
