"""Who each respondent is: per-customer attributes read from the stored analysis results.

:func:`read_customer_results` is the one place this package reads ``results/customers``
(so it moves to the results-store API in one edit).  Stages are never recomputed here.
``first_category`` and ``channel`` are read from the results (analyze stores them); results
written by an older horetsu get them from the same rule (:func:`horetsu.analytics.repeat.acquisition`).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# segment key -> results column(s)
SEGMENTS = {
    "stage": "stage",
    "journey_step": "journey_step",
    "cpm_cell": "cpm_cell",
    "cohort": "cohort",
    "first_category": "first_category",
    "channel": "channel",
}
WANTED = ("customer_id", "stage", "journey_step", "cpm_segment", "cpm_active", "first_purchase", "first_category",
          "channel")  # fmt: skip


def read_customer_results(ws: Any, columns: tuple[str, ...] = WANTED) -> pa.Table | None:
    """The stored ``customers`` result (only ``columns`` that exist), None before the first analyze.

    Results made stale by answers stored since are still the right ones to read here:
    the answers are counted from the events, the attributes from the last analysis.
    """
    from horetsu.results import NoResultsError, load

    try:
        res = load(ws, fresh=False)
    except NoResultsError:
        return None
    present = set(pq.read_schema(res.path("customers")).names)
    return res.customers([c for c in columns if c in present])


def results_as_of(ws: Any) -> str | None:
    meta = ws.results_dir / "meta.json"
    if not meta.exists():
        return None
    import json

    return json.loads(meta.read_text(encoding="utf-8")).get("as_of")


def _firsts(ws: Any, as_of: str | None) -> pa.Table | None:
    """First-purchase category and channel for results written before analyze stored them
    (the same rule: :func:`horetsu.analytics.repeat.acquisition`)."""
    try:
        from horetsu.analytics.base import make_ctx
        from horetsu.analytics.repeat import acquisition
        from horetsu.errors import AnalysisError

        ctx = make_ctx(ws, as_of)
    except (ImportError, AnalysisError):
        return None
    try:
        return acquisition(ctx).to_pyarrow()
    finally:
        ctx.release()


def customer_segments(ws: Any) -> pa.Table | None:
    """customer_id + stage, journey_step, cpm_cell, cohort (YYYY-MM of the first purchase), first_category, channel."""
    t = read_customer_results(ws)
    if t is None:
        return None
    n = t.num_rows

    def col(name: str) -> pa.Array:
        return pc.cast(t.column(name), pa.string()) if name in t.column_names else pa.nulls(n, pa.string())

    if "cpm_segment" in t.column_names:
        active = pc.if_else(pc.fill_null(pc.cast(t.column("cpm_active"), pa.bool_()), False), "active", "lapsed") \
            if "cpm_active" in t.column_names else pa.nulls(n, pa.string())  # fmt: skip
        cell = pc.binary_join_element_wise(col("cpm_segment"), active, "/")
    else:
        cell = pa.nulls(n, pa.string())
    cohort = pc.strftime(t.column("first_purchase"), format="%Y-%m") if "first_purchase" in t.column_names \
        else pa.nulls(n, pa.string())  # fmt: skip
    out = pa.table({"customer_id": col("customer_id"), "stage": col("stage"), "journey_step": col("journey_step"),
                    "cpm_cell": cell, "cohort": cohort, "first_category": col("first_category"),
                    "channel": col("channel")})  # fmt: skip
    if "first_category" not in t.column_names or "channel" not in t.column_names:
        f = _firsts(ws, results_as_of(ws))
        if f is not None and f.num_rows:
            out = out.drop_columns(["first_category", "channel"]).join(f, "customer_id", join_type="left outer",
                                                                        use_threads=False)  # fmt: skip
    return out
