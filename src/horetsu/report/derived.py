"""Tables the report reads from the results store beyond the analytics tables.

The pipeline (:mod:`horetsu.pipeline`) stores stage snapshots, the flow between them,
moved / stalled / cooled, the journey funnel, the purchase model's holdout check and the
gate's counts per tactic.  Each accessor returns ``None`` when the result is missing (the
section then says what is missing); nothing here recomputes a customer's stage.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow.parquet as pq



@dataclass
class StoredHoldout:
    """The stored holdout check: weekly tracking (pandas), calibration end, totals."""

    tracking: pd.DataFrame
    calibration_periods: float
    unit: str = "W"
    totals: dict[str, float] = field(default_factory=dict)


class Derived:
    """Reads the pipeline's results once per report build (shared by the ja and en pages)."""

    def __init__(self, ws: Any, as_of: Any = None, models_meta: dict[str, Any] | None = None) -> None:
        self.ws = ws
        self.as_of = as_of
        self._cache: dict[str, Any] = {}

    def _table(self, name: str) -> Any:
        if name not in self._cache:
            path = self.ws.result_path(name)
            self._cache[name] = pq.read_table(path) if path.exists() else None
        return self._cache[name]

    def _frame(self, name: str) -> pd.DataFrame | None:
        table = self._table(name)
        return None if table is None or table.num_rows == 0 else table.to_pandas()

    def snapshots(self) -> Any:
        return self._table("stage_snapshots")

    def stage_flow(self) -> pd.DataFrame | None:
        return self._frame("stage_flow")

    def stage_monthly(self) -> pd.DataFrame | None:
        """as_of (month ends and the as-of day), stage, temperature, customers."""
        return self._frame("stage_monthly")

    def stage_transitions(self) -> pd.DataFrame | None:
        """period_from, period_to, from_stage, to_stage, customers between consecutive snapshots."""
        return self._frame("stage_transitions")

    def movement(self) -> pd.DataFrame | None:
        return self._frame("stage_movement")

    def funnel(self) -> pd.DataFrame | None:
        return self._frame("funnel")

    def gate_counts(self, tactics: tuple[str, ...]) -> pd.DataFrame | None:
        """tactic, allowed, blocked, rule (the most frequent blocking rule), in ``tactics``' order."""
        df = self._frame("gate_counts")
        if df is None:
            return None
        df = df[df["tactic"].isin(tactics)]
        order = {t: i for i, t in enumerate(tactics)}
        return df.sort_values("tactic", key=lambda s: s.map(order)).reset_index(drop=True)

    def holdout(self) -> StoredHoldout | None:
        table = self._table("holdout")
        if table is None or table.num_rows == 0:
            return None
        about = json.loads((table.schema.metadata or {}).get(b"horetsu.holdout", b"{}"))
        return StoredHoldout(table.to_pandas(), float(about.get("calibration_periods", 0.0)),
                             str(about.get("unit", "W")), dict(about.get("totals") or {}))
