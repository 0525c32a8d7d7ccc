"""Dates: one parser, one "today", one day numbering.

Every calendar day in horetsu is a day of the Japanese calendar (Asia/Tokyo).  Day
numbers count days from 1970-01-01 so that day arithmetic is plain integer arithmetic
on every engine; timestamps are shifted by +9 h before their day is taken, which does
not depend on an engine's session time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from horetsu.errors import ConfigError
from horetsu.schema import TZ

EPOCH = dt.date(1970, 1, 1)
JST_OFFSET_S = 9 * 3600


class InvalidDateError(ConfigError):
    """A date given by a user (flag, setting, plan) is not a date."""


def parse_date(value: Any) -> dt.date | None:
    """A calendar day from ``None``/``""`` (None), a date, a datetime (its JST day) or text.

    Text is ``YYYY-MM-DD`` (``YYYY/MM/DD`` too), optionally followed by a time.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(TZ))
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        return parse_date(value.to_pydatetime())
    text = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidDateError(
            f"invalid date {value!r}; use YYYY-MM-DD",
            ja=f"日付 {value!r} が正しくありません。YYYY-MM-DD の形式で指定してください",
        ) from None


def require_date(value: Any) -> dt.date:
    """Like :func:`parse_date`, but an empty value is an error too."""
    day = parse_date(value)
    if day is None:
        raise InvalidDateError("a date is required (YYYY-MM-DD)", ja="日付を YYYY-MM-DD の形式で指定してください")
    return day


def today() -> dt.date:
    """Today in Asia/Tokyo."""
    return dt.datetime.now(ZoneInfo(TZ)).date()


def to_day(value: dt.date) -> int:
    """Day number of a calendar day (days since 1970-01-01)."""
    return (value - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def date_day(col: Any) -> Any:
    """Ibis: day number of a date column."""
    import ibis

    return col.delta(ibis.date(EPOCH.year, EPOCH.month, EPOCH.day), unit="day").cast("int64")


def ts_day(col: Any) -> Any:
    """Ibis: day number (Japanese calendar) of a timestamp column."""
    return ((col.epoch_seconds() + JST_OFFSET_S) / 86400).floor().cast("int64")


def end_of_day_ts(day: dt.date) -> Any:
    """Ibis literal: the first instant after ``day`` in Asia/Tokyo."""
    import ibis

    nxt = day + dt.timedelta(days=1)
    return ibis.literal(dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(TZ)), type=f"timestamp('{TZ}')")
