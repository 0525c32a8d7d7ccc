"""What counts as a purchase, and the default as-of day.

- A purchase is an order with a customer whose status is not excluded by
  ``[analysis] exclude_statuses`` (cancelled, returned and refunded by default); an
  order without a status counts as completed.
- The default as-of day is the latest day with any activity in the data (an order of
  any status, an event, a registration), and never later than today in Asia/Tokyo:
  an export dated in the future must not move "today" for the whole analysis.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from horetsu.core.dates import date_day, from_day, parse_date, today, ts_day
from horetsu.core.settings import load as load_settings
from horetsu.errors import AnalysisError


def excluded_statuses(ws: Any = None, override: Any = None) -> tuple[str, ...]:
    """The order statuses that are not purchases: ``override``, else the workspace's setting."""
    if override is not None:
        return tuple(str(s) for s in override)
    if ws is None:
        from horetsu.core.settings import DEFAULT_EXCLUDE

        return tuple(DEFAULT_EXCLUDE)
    return tuple(load_settings(ws).exclude_statuses)


def is_purchase(orders: Any, exclude: tuple[str, ...]) -> Any:
    """Ibis predicate over an orders table: the order counts as a purchase."""
    import ibis

    if not exclude:
        return ibis.literal(True)
    return ~orders.status.fill_null("completed").isin(list(exclude))


def purchases(ws: Any, exclude: tuple[str, ...], until_day: Any = None) -> Any:
    """Orders that count as purchases (with a customer and a day), up to a day number if given.

    Adds ``day`` (the day number of ``order_date``).
    """
    o = ws.table("orders")
    o = o.filter(o.customer_id.notnull(), o.order_date.notnull(), is_purchase(o, exclude))
    o = o.mutate(day=date_day(o.order_date))
    return o if until_day is None else o.filter(o.day <= until_day)


def latest_activity_day(ws: Any) -> int | None:
    """The latest day number with an order, an event or a registration (None: no data)."""
    orders, events, customers = ws.table("orders"), ws.table("events"), ws.table("customers")
    found = []
    for expr in (date_day(orders.order_date).max(), date_day(events.event_date).max(),
                 ts_day(customers.registered_at).max()):
        value = expr.to_pyarrow().as_py()
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            found.append(int(value))
    return max(found) if found else None


def default_as_of(ws: Any, *, empty_ok: bool = False) -> dt.date:
    """The latest day with activity in the data, never after today (Asia/Tokyo).

    A workspace without any data is an error, or today with ``empty_ok`` (the stage
    engine's functions then return empty tables).
    """
    day = latest_activity_day(ws)
    if day is None and empty_ok:
        return today()
    if day is None:
        raise AnalysisError(
            "there are no orders, events or customers in the workspace; import data first (`horetsu import`)",
            ja="ワークスペースにデータがありません。先に `horetsu import` で取り込んでください",
        )
    return min(from_day(day), today())


def resolve_as_of(ws: Any, as_of: Any = None, *, empty_ok: bool = False) -> dt.date:
    """``as_of`` parsed, or the default as-of day of the workspace."""
    return parse_date(as_of) or default_as_of(ws, empty_ok=empty_ok)
