"""What the sequences read about each customer: the stored results plus the anchor days.

The stage and temperature come from ``results/customers.parquet`` (and the customer's
``expected_interval_days`` when the results carry it); the shop's interval per category
from ``results/intervals_category.parquet``; the purchase, subscription and sign-up days
and the first category from the canonical tables, in one Ibis query.  This is the one
place the mail engine reads analysis results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute

from horetsu.core.dates import to_day
from horetsu.core.purchases import excluded_statuses, purchases
from horetsu.stages.facts import _categories

COLUMNS = ("customer_id", "stage", "temperature", "expected_interval_days", "first_day", "last_day",
           "n_days", "sub_day", "reg_day", "first_category", "name", "email", "accepts_email")
#: results/customers.parquet column → the name the sequences use
FROM_RESULTS = {"customer_id": "customer_id", "stage": "stage", "temperature": "temperature",
                "expected_interval_days": "expected_interval_days", "first_order_day": "first_day",
                "last_order_day": "last_day", "n_orders": "n_days", "last_sub_day": "sub_day", "reg_day": "reg_day"}


def ensure_results(ws: Any, day: dt.date) -> Any:
    """Results valid for the mail clock's day: refreshed when stale (a send recorded since counts
    for the caps), recomputed as of ``day`` when the clock is behind them (dry runs, tests)."""
    from horetsu import results as _results

    res = _results.try_load(ws)
    if res is not None and res.as_of <= day:  # fresh: no need to load the pipeline
        return res
    from horetsu.pipeline import analyze, ensure

    res = ensure(ws, as_of=day)
    if res.as_of > day:
        analyze(ws, as_of=day)
        ws.refresh()
        from horetsu.results import load

        res = load(ws)
    return res


def _results(ws: Any, day: dt.date) -> pa.Table:
    res = ensure_results(ws, day)
    table = res.customers(list(FROM_RESULTS))
    table = table.filter(pa.compute.is_valid(table["stage"])).rename_columns([FROM_RESULTS[c] for c in table.column_names])
    types = {"customer_id": pa.string(), "stage": pa.string(), "temperature": pa.string()}
    return table.cast(pa.schema([(c, types.get(c, pa.float64())) for c in table.column_names]))


def category_intervals(ws: Any) -> pa.Table:
    """(category, median_days) of the shop; empty when the analysis has none."""
    path = ws.result_path("intervals_category")
    if not path.exists():
        return pa.table({"category": pa.array([], pa.string()), "median_days": pa.array([], pa.float64())})
    t = ws.read_result("intervals_category")
    return pa.table({"category": t.column("category"), "median_days": t.column("median_days").cast(pa.float64())})


def customer_table(ws: Any, today: dt.date) -> pa.Table:
    """One row per staged customer with :data:`COLUMNS` (days as day numbers), from the results
    store plus the first category and the contact fields of the customers table."""
    res = ibis.memtable(_results(ws, today))
    d = ibis.literal(to_day(today), type="int64")
    o = purchases(ws, excluded_statuses(ws), d)
    cats = _categories(ws, o)
    # the first category: the smallest on the customer's first categorised day (two aggregates, no window)
    first = cats.group_by("customer_id").aggregate(_d0=cats.day.min()).rename(_c="customer_id")
    on_first = cats.join(first, (cats.customer_id == first._c) & (cats.day == first._d0))
    first_cat = on_first.group_by("customer_id").aggregate(first_category=on_first.category.min())
    c = ws.table("customers")
    c = c.filter(c.customer_id.notnull())
    cagg = c.group_by("customer_id").aggregate(
        name=c.name.arbitrary(), email=c.email_norm.arbitrary(), accepts_email=c.accepts_email.arbitrary())
    out = res
    for part in (first_cat, cagg):
        part = part.rename(_k="customer_id")
        out = out.left_join(part, out.customer_id == part._k).drop("_k")
    return out.select(*COLUMNS).to_pyarrow()
