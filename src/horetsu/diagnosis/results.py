"""Reading the stored results of ``horetsu analyze`` — the only place the diagnosis does.

Kept in one small function so that it can move to the results-store API in one edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from horetsu.results import load

CUSTOMER_COLUMNS = ("customer_id", "first_purchase", "frequency", "stage", "temperature", "second_purchase",
                    "first_day_revenue", "first_year_revenue")


@dataclass(frozen=True)
class StoredResults:
    """What the diagnosis reads from ``results/``: the as-of day, customers, the F2 table."""

    as_of: dt.date
    customers: pa.Table
    f2: pa.Table | None


def read_results(ws: Any) -> StoredResults:
    """The as-of day, ``customers`` (a few columns) and ``f2`` from the results store.

    (:func:`horetsu.results.load`; the CLI refreshes stale results before it gets here.)
    """
    res = load(ws, fresh=False)
    present = set(pq.read_schema(res.path("customers")).names)
    customers = res.customers([c for c in CUSTOMER_COLUMNS if c in present])
    f2 = res.table("f2") if res.has("f2") else None
    return StoredResults(as_of=res.as_of, customers=customers, f2=f2)
