"""Shared building blocks: the as-of date, the paid orders, day and month arithmetic.

Every metric is computed "as of" a calendar day (JST): orders after it do not exist
yet, and orders whose status is excluded (cancelled, returned, refunded by default)
are not purchases.  ``orders.order_date`` holds the JST day, so day arithmetic gives
the same answer on every engine.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo

import ibis

from horetsu.analytics.settings import AnalysisSettings
from horetsu.analytics.settings import load as load_settings
from horetsu.errors import AnalysisError
from horetsu.schema import TZ

# Subscription statuses that mean "no longer running" when no cancellation time is known.
ENDED_SUBSCRIPTION = ("cancelled", "canceled", "ended", "expired", "paused")


def parse_date(value: Any) -> dt.date:
    """A calendar day from a date, a datetime (its JST day) or an ISO string."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(TZ))
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            raise AnalysisError(
                f"invalid date {value!r}; use YYYY-MM-DD",
                ja=f"日付 {value!r} が正しくありません。YYYY-MM-DD の形式で指定してください",
            ) from None
    raise AnalysisError(f"invalid date {value!r}", ja=f"日付 {value!r} が正しくありません")


@dataclass(frozen=True)
class Ctx:
    """What every metric needs: the workspace, the as-of day and the settings."""

    ws: Any
    as_of: dt.date
    settings: AnalysisSettings
    exclude: tuple[str, ...]
    # When a dict, intermediate tables used by several metrics are computed once and
    # kept in the engine (Ibis ``cache()``: a temporary table) — see :meth:`shared`.
    store: dict[str, Any] | None = field(default=None, compare=False)

    @property
    def backend(self) -> str:
        return str(self.ws.con.name)

    def as_of_lit(self) -> Any:
        return ibis.literal(self.as_of, type="date")

    def end_ts(self) -> Any:
        """The first instant after the as-of day (JST), for timestamp columns."""
        nxt = self.as_of + dt.timedelta(days=1)
        return ibis.literal(dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZoneInfo(TZ)), type=f"timestamp('{TZ}')")

    def shared(self, name: str, build: Any) -> Any:
        """``build()``, computed once per analysis run when caching is on."""
        if self.store is None:
            return build()
        if name not in self.store:
            self.store[name] = build().cache()
        return self.store[name]

    def caching(self) -> Ctx:
        """A copy of this context that caches shared intermediate tables (release with :meth:`release`)."""
        return replace(self, store={})

    def release(self) -> None:
        """Drop the cached intermediate tables from the engine."""
        for table in (self.store or {}).values():
            try:
                table.release()
            except Exception:  # noqa: BLE001 - best effort: a temp table also dies with the connection
                pass
        if self.store is not None:
            self.store.clear()

    def orders(self) -> Any:
        """Orders with a customer, on or before the as-of day, any status."""
        o = self.ws.table("orders")
        return o.filter(o.customer_id.notnull(), o.order_date.notnull(), o.order_date <= self.as_of_lit())

    def is_paid(self, o: Any) -> Any:
        """True for orders that count as purchases (status not excluded; no status = completed)."""
        if not self.exclude:
            return ibis.literal(True)
        return ~o.status.fill_null("completed").isin(list(self.exclude))

    def paid(self) -> Any:
        o = self.orders()
        return o.filter(self.is_paid(o))


def make_ctx(
    ws: Any,
    as_of: Any = None,
    *,
    exclude_statuses: Any = None,
    settings: AnalysisSettings | None = None,
) -> Ctx:
    """Resolve settings, excluded statuses and the as-of day (default: last paid order day)."""
    if isinstance(ws, Ctx):
        if as_of is None or parse_date(as_of) == ws.as_of:
            return ws
        ws = ws.ws
    if isinstance(as_of, Ctx):
        return as_of
    settings = settings or load_settings(ws)
    exclude = tuple(settings.exclude_statuses if exclude_statuses is None else exclude_statuses)
    if as_of is None:
        as_of = last_order_date(ws, exclude)
    return Ctx(ws=ws, as_of=parse_date(as_of), settings=settings, exclude=exclude)


def last_order_date(ws: Any, exclude: tuple[str, ...] = ()) -> dt.date:
    """The last day with a paid order (or with any order when none is paid)."""
    o = ws.table("orders")
    paid = ~o.status.fill_null("completed").isin(list(exclude)) if exclude else ibis.literal(True)
    row = o.aggregate(
        last_paid=o.order_date.max(where=paid & o.customer_id.notnull()),
        last_any=o.order_date.max(),
    ).to_pyarrow().to_pylist()[0]
    value = row["last_paid"] or row["last_any"]
    if value is None:
        raise AnalysisError(
            "there are no orders in the workspace; import orders first (`horetsu import`)",
            ja="ワークスペースに受注がありません。先に `horetsu import` で受注を取り込んでください",
        )
    return parse_date(value)


def days_between(later: Any, earlier: Any) -> Any:
    """Whole days from ``earlier`` to ``later`` (dates), as int64."""
    return later.delta(earlier, unit="day").cast("int64")


def month_index(date: Any) -> Any:
    """Months since year 0 (year*12 + month-1): month arithmetic without intervals."""
    return (date.year().cast("int64") * 12 + date.month().cast("int64") - 1).cast("int64")


def month_index_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: Any) -> Any:
    """The first day of the month with the given :func:`month_index`."""
    return ibis.date((index // 12).cast("int32"), (index % 12 + 1).cast("int32"), ibis.literal(1, "int32"))


def month_grid(first: dt.date, last: dt.date) -> Any:
    """A small in-memory table of month indices from ``first``'s month to ``last``'s."""
    lo, hi = month_index_of(first), month_index_of(last)
    return ibis.memtable({"month_idx": list(range(lo, max(hi, lo) + 1))}, schema={"month_idx": "int64"})


def as_float(x: Any) -> Any:
    return x.cast("float64")
