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

import ibis

from horetsu.core.dates import end_of_day_ts, require_date
from horetsu.core.purchases import default_as_of, is_purchase
from horetsu.core.settings import AnalysisSettings
from horetsu.core.settings import load as load_settings

def parse_date(value: Any) -> dt.date:
    """A calendar day from a date, a datetime (its JST day) or an ISO string (see horetsu.core.dates)."""
    return require_date(value)


@dataclass(frozen=True)
class Ctx:
    """What every metric needs: the workspace, the as-of day and the settings."""

    ws: Any
    as_of: dt.date
    settings: AnalysisSettings
    exclude: tuple[str, ...]
    # When a dict, intermediate tables used by several metrics are computed once and
    # kept in the engine (:meth:`Workspace.keep`: compressed on DuckDB) — see :meth:`shared`.
    store: dict[str, Any] | None = field(default=None, compare=False)
    # A later context (same exclusions) whose kept purchase days this one reads up to its
    # own as-of day instead of grouping the orders again (see summary.numbered_days).
    days_of: Ctx | None = field(default=None, compare=False)

    @property
    def backend(self) -> str:
        return str(self.ws.con.name)

    def as_of_lit(self) -> Any:
        return ibis.literal(self.as_of, type="date")

    def end_ts(self) -> Any:
        """The first instant after the as-of day (JST), for timestamp columns."""
        return end_of_day_ts(self.as_of)

    def shared(self, name: str, build: Any) -> Any:
        """``build()``, computed once per analysis run when caching is on."""
        if self.store is None:
            return build()
        if name not in self.store:
            self.store[name] = self.ws.keep(build())
        return self.store[name]

    def caching(self) -> Ctx:
        """A copy of this context that caches shared intermediate tables (release with :meth:`release`)."""
        return replace(self, store={})

    def release(self, keep: tuple[str, ...] = ()) -> None:
        """Drop the cached intermediate tables from the engine, all but those named in ``keep``."""
        for name, table in list((self.store or {}).items()):
            if name in keep:
                continue
            try:
                self.ws.forget(table)
            except Exception:  # noqa: BLE001 - best effort: a kept table also dies with the connection
                pass
            del self.store[name]  # type: ignore[union-attr]

    def orders(self) -> Any:
        """Orders with a customer, on or before the as-of day, any status."""
        o = self.ws.table("orders")
        return o.filter(o.customer_id.notnull(), o.order_date.notnull(), o.order_date <= self.as_of_lit())

    def is_paid(self, o: Any) -> Any:
        """True for orders that count as purchases (horetsu.core.purchases decides)."""
        return is_purchase(o, self.exclude)

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
    """Resolve settings, excluded statuses and the as-of day (default: horetsu.core.purchases.default_as_of)."""
    if isinstance(ws, Ctx):
        if as_of is None or parse_date(as_of) == ws.as_of:
            return ws
        ws = ws.ws
    if isinstance(as_of, Ctx):
        return as_of
    settings = settings or load_settings(ws)
    exclude = tuple(settings.exclude_statuses if exclude_statuses is None else exclude_statuses)
    if as_of is None:
        as_of = default_as_of(ws)
    return Ctx(ws=ws, as_of=parse_date(as_of), settings=settings, exclude=exclude)


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
