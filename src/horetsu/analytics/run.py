"""The analytics part of ``horetsu analyze``: every time-axis table as of one day.

The customer-level table is computed once on the engine (summary + RFM + CPM +
decile) and brought back as Arrow; aggregates over it run on the embedded DuckDB over
the Arrow data, so they do not recompute the summary.  The pipeline
(:mod:`horetsu.pipeline`) runs these steps, adds models and stages, and writes one
results generation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.analytics.base import Ctx, make_ctx
from horetsu.analytics.summary import customer_summary

from horetsu.analytics.cohorts import cohorts as cohort_grid
from horetsu.analytics.cohorts import pooled
from horetsu.analytics.cpm import add_cpm, default_from, spend_threshold, transitions_between
from horetsu.analytics.cpm import cells as cpm_cell_table
from horetsu.analytics.deciles import add_decile
from horetsu.analytics.deciles import table as decile_table
from horetsu.analytics.repeat import f2, f2_by_category, f2_by_cohort, intervals_category, intervals_sku, ladder
from horetsu.analytics.rfm import add_rfm, thresholds
from horetsu.analytics.rfm import matrix as rfm_matrix_table
from horetsu.analytics.rfm import segment_table as rfm_segment_table
from horetsu.analytics.timeline import timeline, timeline_base

# Result names are a contract with the report and the dashboard (docs/analytics.md).
RESULT_NAMES = (
    "customers",
    "rfm_matrix",
    "rfm_segments",
    "cpm_cells",
    "cpm_transitions",
    "cohorts",
    "cohort_ltv",
    "f2",
    "f2_by_cohort",
    "f2_by_category",
    "ladder",
    "intervals_category",
    "intervals_sku",
    "timeline",
    "timeline_base",
    "deciles",
)

SORT_KEYS: dict[str, list[str]] = {
    "customers": ["customer_id"],
    "rfm_matrix": ["rfm_r", "rfm_f"],
    "rfm_segments": ["rfm_segment"],
    "cpm_cells": ["cpm_segment", "cpm_active"],
    "cpm_transitions": ["from_segment", "from_active", "to_segment", "to_active"],
    "cohorts": ["split", "split_value", "cohort", "months_since"],
    "cohort_ltv": ["split", "split_value", "months_since"],
    "f2": ["window_days"],
    "f2_by_cohort": ["cohort", "window_days"],
    "f2_by_category": ["first_category", "window_days"],
    "ladder": ["step"],
    "intervals_category": ["category"],
    "intervals_sku": ["sku"],
    "timeline": ["month", "kind"],
    "timeline_base": ["month"],
    "deciles": ["decile"],
}


def _sorted(name: str, table: pa.Table) -> pa.Table:
    return sorted_by(table, [k for k in SORT_KEYS.get(name, []) if k in table.column_names])


def sorted_by(table: pa.Table, keys: list[str]) -> pa.Table:
    """``table`` sorted by ``keys``; as it is (no copy) when already in order by the first key."""
    if not keys or table.num_rows == 0:
        return table
    first = table[keys[0]]
    if table.num_rows > 1 and pc.all(pc.less(first.slice(0, table.num_rows - 1), first.slice(1)),
                                     skip_nulls=False).as_py():
        return table  # already in order by a key without ties or nulls: no copy of a wide table
    return table.sort_by([(k, "ascending") for k in keys])


def customer_table(ctx: Ctx) -> tuple[Any, dict[str, Any]]:
    """The customer-level expression (summary + RFM + CPM + decile) and the cut points used."""
    summary = ctx.shared("summary", lambda: customer_summary(ctx.ws, ctx))
    cuts = thresholds(ctx, summary)
    spend = spend_threshold(ctx)
    t = add_rfm(ctx, summary, cuts)
    t = add_cpm(ctx, t, spend)
    t = add_decile(ctx, t)
    return t, {"rfm_cut_points": cuts, "cpm_spend_threshold_jpy": spend}


Step = tuple[str, Callable[[], None]]


def steps(ctx: Ctx, tables: dict[str, pa.Table], meta: dict[str, Any]) -> list[Step]:
    """The analytics steps as (name, function) pairs filling ``tables`` and ``meta``.

    The pipeline (:mod:`horetsu.pipeline`) runs them, then adds models and stages, and
    writes one results generation.
    """
    out: list[Step] = []

    def step(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
        def deco(fn: Callable[[], None]) -> Callable[[], None]:
            out.append((name, fn))
            return fn

        return deco

    @step("customers")
    def _customers() -> None:
        expr, used = customer_table(ctx)
        # by id from the engine (cheap there): the later per-customer columns line up by
        # position, without a reorder of this wide table (an engine whose collation orders
        # differently only costs that reorder, see pipeline.merge_columns)
        tables["customers"] = expr.order_by("customer_id").to_pyarrow()
        meta.update(used)

    @step("customer aggregates")
    def _aggregates() -> None:
        local = ibis.memtable(tables["customers"])
        tables["rfm_matrix"] = rfm_matrix_table(local).to_pyarrow()
        tables["rfm_segments"] = rfm_segment_table(local).to_pyarrow()
        tables["cpm_cells"] = cpm_cell_table(local).to_pyarrow()
        tables["deciles"] = decile_table(local).to_pyarrow()

    @step("cpm transitions")
    def _transitions() -> None:
        days = ctx.settings.cpm.transition_days
        before = make_ctx(ctx.ws, default_from(ctx.as_of, days), exclude_statuses=ctx.exclude,
                          settings=ctx.settings)
        if ctx.store is not None:  # the earlier day's purchase days are the kept ones, cut there
            before = replace(before, days_of=ctx)
        tables["cpm_transitions"] = transitions_between(before, ctx).to_pyarrow()
        meta["cpm_transitions_from"] = before.as_of.isoformat()

    @step("cohorts")
    def _cohort_step() -> None:
        grid = cohort_grid(ctx).to_pyarrow()
        tables["cohorts"] = grid
        tables["cohort_ltv"] = pooled(ibis.memtable(grid)).to_pyarrow()

    @step("repeat")
    def _repeat_step() -> None:
        tables["f2"] = f2(ctx).to_pyarrow()
        tables["f2_by_cohort"] = f2_by_cohort(ctx).to_pyarrow()
        tables["f2_by_category"] = f2_by_category(ctx).to_pyarrow()
        tables["ladder"] = ladder(ctx).to_pyarrow()

    @step("intervals")
    def _intervals() -> None:
        tables["intervals_category"] = intervals_category(ctx).to_pyarrow()
        tables["intervals_sku"] = intervals_sku(ctx).to_pyarrow()

    @step("timeline")
    def _timeline_step() -> None:
        tables["timeline"] = timeline(ctx).to_pyarrow()
        tables["timeline_base"] = timeline_base(ctx).to_pyarrow()

    return out


def sorted_results(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Every table in a stable row order (sorted by its key columns)."""
    return {name: _sorted(name, table) for name, table in tables.items()}
