"""Time-axis analytics: RFM, CPM, cohorts, F2, intervals, timeline, deciles.

Every function takes the workspace and an ``as_of`` day (default: :func:`horetsu.core.purchases.default_as_of`), excludes cancelled / returned / refunded orders unless told otherwise
(``exclude_statuses=`` or ``[analysis] exclude_statuses`` in horetsu.toml) and
returns an Ibis expression: call ``.to_pyarrow()`` or ``.to_pandas()`` at the edge.
:func:`horetsu.pipeline.analyze` computes everything and writes ``results/``.  See docs/analytics.md.
"""

from __future__ import annotations

from horetsu.analytics.cohorts import cohort_ltv, cohorts
from horetsu.analytics.cpm import cpm, cpm_cells, cpm_transitions
from horetsu.analytics.deciles import deciles
from horetsu.analytics.labels import ALL_LABELS
from horetsu.analytics.repeat import f2, f2_by_category, f2_by_cohort, intervals_category, intervals_sku, ladder
from horetsu.analytics.rfm import rfm, rfm_matrix, rfm_segments
from horetsu.analytics.run import RESULT_NAMES
from horetsu.analytics.settings import AnalysisSettings, CPMSettings, RFMSettings
from horetsu.analytics.summary import customer_summary
from horetsu.analytics.timeline import timeline, timeline_base

__all__ = [
    "ALL_LABELS",
    "RESULT_NAMES",
    "AnalysisSettings",
    "CPMSettings",
    "RFMSettings",
    "cohort_ltv",
    "cohorts",
    "cpm",
    "cpm_cells",
    "cpm_transitions",
    "customer_summary",
    "deciles",
    "f2",
    "f2_by_category",
    "f2_by_cohort",
    "intervals_category",
    "intervals_sku",
    "ladder",
    "rfm",
    "rfm_matrix",
    "rfm_segments",
    "timeline",
    "timeline_base",
]
