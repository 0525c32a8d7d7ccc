"""Whether a subscription is running on a day: decided here, once.

A subscription runs at the end of day *d* when it started on or before *d* and either
its cancellation time falls after *d*, or it has no cancellation time and its status is
not one of :data:`ENDED_STATUSES`.  **Paused counts as not running**: no deliveries go
out while a subscription is paused, so it is evidence neither of an active subscription
(stage engagement) nor a reason to call the customer warm.  When only the status says a
subscription ended (no time), it is taken as never running: the export does not say when
it stopped.
"""

from __future__ import annotations

from typing import Any

from horetsu.core.dates import ts_day

ENDED_STATUSES: tuple[str, ...] = ("cancelled", "canceled", "ended", "expired", "paused")


def with_days(subs: Any) -> Any:
    """Subscriptions with a customer and a start, plus ``start_day`` and ``end_day`` numbers."""
    subs = subs.filter(subs.customer_id.notnull(), subs.started_at.notnull())
    return subs.mutate(start_day=ts_day(subs.started_at), end_day=ts_day(subs.cancelled_at))


def running(subs: Any, day: Any) -> Any:
    """Ibis predicate over :func:`with_days` rows: running at the end of day number ``day``."""
    ended_by_status = subs.status.lower().isin(list(ENDED_STATUSES)).fill_null(False)
    open_ended = subs.end_day.isnull() & ~ended_by_status
    return (subs.start_day <= day) & (open_ended | (subs.end_day > day).fill_null(False))
