"""Playbook: tactic catalogue, gate rules, next best action, plan checks and exports.

The gate itself is ``horetsu.playbook.gate.gate`` (also ``horetsu.gate``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["GateResult", "next_best_action", "check_plan", "export_audience", "catalogue"]


def __getattr__(name: str) -> Any:
    if name == "GateResult":
        from horetsu.playbook.gate import GateResult

        return GateResult
    if name == "next_best_action":
        from horetsu.playbook.nba import next_best_action

        return next_best_action
    if name == "check_plan":
        from horetsu.playbook.plan import check_plan

        return check_plan
    if name == "export_audience":
        from horetsu.playbook.exports import export_audience

        return export_audience
    if name == "catalogue":
        from horetsu.playbook.catalogue import catalogue

        return catalogue
    raise AttributeError(f"module 'horetsu.playbook' has no attribute {name!r}")
