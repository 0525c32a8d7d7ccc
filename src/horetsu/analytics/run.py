"""``analyze``: compute every metric as of one day and write ``results/`` atomically.

The customer-level table is computed once on the engine (summary + RFM + CPM +
decile), brought back as Arrow, enriched with model scores and relationship stages
when those parts are installed, and written with all other results in one atomic
switch of the ``results`` folder.  Aggregates over that customer table run on the
embedded DuckDB over the Arrow data, so they do not recompute the summary.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.analytics import labels as _labels
from horetsu.analytics.base import Ctx, make_ctx
from horetsu.analytics.summary import customer_summary
from horetsu.errors import AnalysisError, ConvergenceError

# The package re-exports functions named like these modules, so take the modules themselves.
_cohorts = importlib.import_module("horetsu.analytics.cohorts")
_cpm = importlib.import_module("horetsu.analytics.cpm")
_deciles = importlib.import_module("horetsu.analytics.deciles")
_repeat = importlib.import_module("horetsu.analytics.repeat")
_rfm = importlib.import_module("horetsu.analytics.rfm")
_timeline = importlib.import_module("horetsu.analytics.timeline")

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


@dataclass
class AnalyzeResult:
    """What :func:`analyze` computed and wrote."""

    as_of: dt.date
    tables: dict[str, pa.Table]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def customers(self) -> pa.Table:
        return self.tables["customers"]

    def headline(self) -> dict[str, Any]:
        """A few numbers for a terminal summary."""
        c = self.customers
        buyers = pc.sum(pc.greater(c["frequency"], 0)).as_py() or 0
        active = pc.sum(pc.fill_null(c["cpm_active"], False)).as_py() or 0
        f2 = {r["window_days"]: r["rate"] for r in self.tables["f2"].to_pylist()}
        return {
            "customers": c.num_rows,
            "buyers": buyers,
            "active": active,
            "revenue": pc.sum(c["monetary_total"]).as_py() or 0,
            "repeaters": pc.sum(pc.greater_equal(c["frequency"], 2)).as_py() or 0,
            "f2_90": f2.get(90),
            "cpm": {(r["cpm_segment"], r["cpm_active"]): r["customers"] for r in self.tables["cpm_cells"].to_pylist()},
        }


def _sorted(name: str, table: pa.Table) -> pa.Table:
    keys = [k for k in SORT_KEYS.get(name, []) if k in table.column_names]
    if not keys or table.num_rows == 0:
        return table
    return table.sort_by([(k, "ascending") for k in keys])


def _optional(module: str, attr: str) -> Callable[..., Any] | None:
    """``module.attr`` if that part of horetsu exists yet; real import errors propagate."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name and (module == exc.name or module.startswith(exc.name + ".")):
            return None
        raise
    fn = getattr(mod, attr, None)
    return fn if callable(fn) else None


def _with_model_metadata(customers: pa.Table, as_of: dt.date, models: dict[str, Any] | None) -> pa.Table:
    """State in the Parquet file itself what the model columns mean (time unit, horizons)."""
    keys = ("time_unit", "unit_days", "horizon_days", "clv_horizon_months", "annual_discount", "currency",
            "purchase_model", "spend_model", "skipped")  # fmt: skip
    about = {"as_of": str(as_of), **{k: v for k, v in (models or {}).items() if k in keys}}
    metadata = dict(customers.schema.metadata or {})
    metadata[b"horetsu.models"] = json.dumps(about, ensure_ascii=False, default=str).encode()
    return customers.replace_schema_metadata(metadata)


#: columns the purchase and spend models add to results/customers.parquet
MODEL_COLUMNS = ("p_alive", "expected_purchases_365d", "clv_12m")


def merge_columns(base: pa.Table, extra: pa.Table, key: str = "customer_id") -> pa.Table:
    """Add ``extra``'s columns to ``base`` by ``key`` (left join by position; base columns win)."""
    if key not in extra.column_names:
        return base
    idx = pc.index_in(base[key], value_set=extra[key])
    for name in extra.column_names:
        if name == key or name in base.column_names:
            continue
        base = base.append_column(name, extra[name].take(idx))
    return base


def customer_table(ctx: Ctx) -> tuple[Any, dict[str, Any]]:
    """The customer-level expression (summary + RFM + CPM + decile) and the cut points used."""
    summary = ctx.shared("summary", lambda: customer_summary(ctx.ws, ctx))
    cuts = _rfm.thresholds(ctx, summary)
    spend = _cpm.spend_threshold(ctx)
    t = _rfm.add_rfm(ctx, summary, cuts)
    t = _cpm.add_cpm(ctx, t, spend)
    t = _deciles.add_decile(ctx, t)
    return t, {"rfm_cut_points": cuts, "cpm_spend_threshold_jpy": spend}


def analyze(
    ws: Any,
    as_of: Any = None,
    progress: Any = None,
    *,
    exclude_statuses: Any = None,
    models: bool = True,
    stages: bool = True,
) -> AnalyzeResult:
    """Compute every analysis as of ``as_of`` and write ``results/*.parquet`` + ``results/meta.json``.

    ``models`` / ``stages``: add model scores and relationship stages to ``customers``
    when those parts of horetsu are installed (set False to skip them).
    """
    ctx = make_ctx(ws, as_of, exclude_statuses=exclude_statuses).caching()
    tables: dict[str, pa.Table] = {}
    meta: dict[str, Any] = {}

    steps: list[tuple[str, Callable[[], None]]] = []

    def step(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
        def deco(fn: Callable[[], None]) -> Callable[[], None]:
            steps.append((name, fn))
            return fn

        return deco

    @step("customers")
    def _customers() -> None:
        expr, used = customer_table(ctx)
        tables["customers"] = expr.to_pyarrow()
        meta.update(used)

    @step("customer aggregates")
    def _aggregates() -> None:
        local = ibis.memtable(tables["customers"])
        tables["rfm_matrix"] = _rfm.matrix(local).to_pyarrow()
        tables["rfm_segments"] = _rfm.segment_table(local).to_pyarrow()
        tables["cpm_cells"] = _cpm.cells(local).to_pyarrow()
        tables["deciles"] = _deciles.table(local).to_pyarrow()

    @step("cpm transitions")
    def _transitions() -> None:
        days = ctx.settings.cpm.transition_days
        before = make_ctx(ws, _cpm.default_from(ctx.as_of, days), exclude_statuses=ctx.exclude, settings=ctx.settings)
        tables["cpm_transitions"] = _cpm.transitions_between(before, ctx).to_pyarrow()
        meta["cpm_transitions_from"] = before.as_of.isoformat()

    @step("cohorts")
    def _cohort_step() -> None:
        grid = _cohorts.cohorts(ctx).to_pyarrow()
        tables["cohorts"] = grid
        tables["cohort_ltv"] = _cohorts.pooled(ibis.memtable(grid)).to_pyarrow()

    @step("repeat")
    def _repeat_step() -> None:
        tables["f2"] = _repeat.f2(ctx).to_pyarrow()
        tables["f2_by_cohort"] = _repeat.f2_by_cohort(ctx).to_pyarrow()
        tables["f2_by_category"] = _repeat.f2_by_category(ctx).to_pyarrow()
        tables["ladder"] = _repeat.ladder(ctx).to_pyarrow()

    @step("intervals")
    def _intervals() -> None:
        tables["intervals_category"] = _repeat.intervals_category(ctx).to_pyarrow()
        tables["intervals_sku"] = _repeat.intervals_sku(ctx).to_pyarrow()

    @step("timeline")
    def _timeline_step() -> None:
        tables["timeline"] = _timeline.timeline(ctx).to_pyarrow()
        tables["timeline_base"] = _timeline.timeline_base(ctx).to_pyarrow()

    @step("models")
    def _models() -> None:
        score = _optional("horetsu.models", "score_workspace") if models else None
        if score is None:
            meta["models"] = None
            return
        try:
            scores, model_meta = score(ws, ctx.as_of, exclude_statuses=list(ctx.exclude))
        except (AnalysisError, ConvergenceError) as exc:
            # A young shop (no repeat buyer yet) or a fit that failed: everything else is
            # still worth having. The model columns stay, empty, and meta says why.
            n = tables["customers"].num_rows
            for name in MODEL_COLUMNS:
                tables["customers"] = tables["customers"].append_column(name, pa.nulls(n, pa.float64()))
            meta["models"] = {"skipped": exc.message("en"), "skipped_ja": exc.message("ja")}
            return
        tables["customers"] = merge_columns(tables["customers"], scores)
        meta["models"] = model_meta

    @step("stages")
    def _stages() -> None:
        classify = _optional("horetsu.stages", "classify") if stages else None
        if classify is None:
            meta["stages"] = None
            return
        staged = classify(ws, ctx.as_of, customers=tables["customers"])
        tables["customers"] = merge_columns(tables["customers"], staged)
        meta["stages"] = {"columns": [c for c in staged.column_names if c != "customer_id"]}

    if progress is not None:
        progress.update(total=len(steps))
    timings: dict[str, float] = {}
    try:
        for name, fn in steps:
            if progress is not None:
                progress.update(description=name)
            started = time.perf_counter()
            fn()
            timings[name] = round(time.perf_counter() - started, 3)
            if progress is not None:
                progress.advance(1)
    finally:
        ctx.release()

    tables = {name: _sorted(name, tables[name]) for name in RESULT_NAMES}
    meta.update(
        {
            "as_of": ctx.as_of.isoformat(),
            "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": ctx.backend,
            "exclude_statuses": list(ctx.exclude),
            "timings_s": timings,
            "settings": ctx.settings.model_dump(mode="json"),
            "results": {name: {"rows": t.num_rows, "columns": t.column_names} for name, t in tables.items()},
            "labels": _labels.as_json(),
        }
    )
    payload = json.dumps(meta, ensure_ascii=False, indent=1, default=str)
    tables["customers"] = _with_model_metadata(tables["customers"], ctx.as_of, meta.get("models"))
    ws.write_results({**tables, "meta.json": payload})
    return AnalyzeResult(as_of=ctx.as_of, tables=tables, meta=meta)
