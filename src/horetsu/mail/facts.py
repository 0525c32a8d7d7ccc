"""What the sequences read about each customer: the stored results plus the anchor days.

The stage and temperature come from ``results/customers.parquet`` (and the customer's
``expected_interval_days`` when the results carry it); the shop's interval per category
from ``results/intervals_category.parquet``; the purchase, subscription and sign-up days
and the first category from the canonical tables, in one Ibis query.  This is the one
place the mail engine reads analysis results (to be replaced by the results-store API).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from horetsu.stages.facts import _categories, _ts_day, to_day, valid_orders

COLUMNS = ("customer_id", "stage", "temperature", "expected_interval_days", "first_day", "last_day",
           "n_days", "sub_day", "reg_day", "first_category", "name", "email", "accepts_email")


def _results(ws: Any) -> pa.Table:
    res = ws.read_result("customers")
    keep = [c for c in ("customer_id", "stage", "temperature", "expected_interval_days") if c in res.column_names]
    res = res.select(keep)
    if "expected_interval_days" not in keep:
        res = res.append_column("expected_interval_days", pa.nulls(res.num_rows, pa.float64()))
    return res.cast(pa.schema([("customer_id", pa.string()), ("stage", pa.string()), ("temperature", pa.string()),
                               ("expected_interval_days", pa.float64())]))


def category_intervals(ws: Any) -> pa.Table:
    """(category, median_days) of the shop; empty when the analysis has none."""
    path = ws.result_path("intervals_category")
    if not path.exists():
        return pa.table({"category": pa.array([], pa.string()), "median_days": pa.array([], pa.float64())})
    t = ws.read_result("intervals_category")
    return pa.table({"category": t.column("category"), "median_days": t.column("median_days").cast(pa.float64())})


def customer_table(ws: Any, today: dt.date) -> pa.Table:
    """One row per customer in the results with :data:`COLUMNS` (days as day numbers)."""
    d = ibis.literal(to_day(today), type="int64")
    o = valid_orders(ws, d)
    agg = o.group_by("customer_id").aggregate(first_day=o.day.min(), last_day=o.day.max(), n_days=o.day.nunique())
    cats = _categories(ws, o)
    ranked = cats.mutate(rn=ibis.row_number().over(ibis.window(group_by=cats.customer_id, order_by=[cats.day, cats.category])))
    first_cat = ranked.filter(ranked.rn == 0).select("customer_id", first_category=ranked.category)
    subs = ws.table("subscriptions")
    subs = subs.filter(subs.customer_id.notnull(), subs.started_at.notnull()).mutate(sd=_ts_day(subs.started_at))
    subs = subs.filter(subs.sd <= d)
    subagg = subs.group_by("customer_id").aggregate(sub_day=subs.sd.max())
    c = ws.table("customers")
    c = c.filter(c.customer_id.notnull()).mutate(rd=_ts_day(c.registered_at))
    cagg = c.group_by("customer_id").aggregate(
        reg_day=c.rd.min(), name=c.name.arbitrary(), email=c.email_norm.arbitrary(),
        accepts_email=c.accepts_email.arbitrary())
    res = ibis.memtable(_results(ws))
    out = res
    for part in (agg, first_cat, subagg, cagg):
        part = part.rename(_k="customer_id")
        out = out.left_join(part, out.customer_id == part._k).drop("_k")
    return out.select(*COLUMNS).to_pyarrow()
