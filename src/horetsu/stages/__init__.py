"""Relationship stages (観測・着地・共感・関与・循環), the seven-step journey and temperature.

Public functions (see docs/stages.md)::

    classify(ws, as_of=None, customers=None)            per-customer stage, journey, temperature
    load_stage_policy(ws)                               the effective stage rules (the whole
                                                        policy with tactics: horetsu.playbook.policy)
    stage_distribution(ws, as_of=None, ...)             customers per stage × temperature
    stage_history(ws, start=None, end=None, freq)       snapshots (month ends by default)
    transition_matrix(ws, start, end=None)              counts from stage to stage
    movement_stats(snapshots)                           moved / stalled / cooled per stage
    stalled_customers(snapshots, percentile=0.8)        who is stuck, and for how long
    rfm_by_stage / cpm_by_stage / journey_funnel        overlays for the report
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "classify": "horetsu.stages.classifier",
    "classify_frame": "horetsu.stages.classifier",
    "load_stage_policy": "horetsu.stages.policy",
    "build_stage_policy": "horetsu.stages.policy",
    "StagePolicy": "horetsu.stages.policy",
    "STAGES": "horetsu.stages.policy",
    "JOURNEY_STEPS": "horetsu.stages.policy",
    "TEMPERATURES": "horetsu.stages.policy",
    "stage_distribution": "horetsu.stages.history",
    "stage_history": "horetsu.stages.history",
    "snapshot_dates": "horetsu.stages.history",
    "spells": "horetsu.stages.history",
    "transition_matrix": "horetsu.stages.history",
    "transition_matrix_from_snapshots": "horetsu.stages.history",
    "movement_stats": "horetsu.stages.history",
    "stalled_customers": "horetsu.stages.history",
    "rfm_by_stage": "horetsu.stages.overlays",
    "cpm_by_stage": "horetsu.stages.overlays",
    "journey_funnel": "horetsu.stages.overlays",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'horetsu.stages' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
