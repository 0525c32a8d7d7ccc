"""Analysis settings: the ``[analysis]`` section of horetsu.toml.

Example::

    [analysis]
    exclude_statuses = ["cancelled", "returned", "refunded"]
    lapse_days = 240

    [analysis.rfm]
    method = "grid"                  # "quantile" (default) or "grid"
    recency_days = [30, 90, 180, 365]

    [analysis.cpm]
    tenure_days = [90, 210]
    spend_jpy = 70000
    scale_by_aov = true

Read with ``ws.section("analysis", AnalysisSettings)`` so that a wrong value names the
file and the key (``horetsu.toml: [analysis.rfm.method] ...``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from horetsu.config import StrictModel
from horetsu.schema import ORDER_STATUSES

DEFAULT_EXCLUDE = ("cancelled", "returned", "refunded")


def _ascending(values: tuple[float, ...], n: int) -> tuple[float, ...]:
    if len(values) != n:
        raise ValueError(f"needs exactly {n} values, got {len(values)}")
    if any(b <= a for a, b in zip(values, values[1:], strict=False)):
        raise ValueError("values must be strictly ascending")
    if any(v < 0 for v in values):
        raise ValueError("values must not be negative")
    return values


class RFMSettings(StrictModel):
    """How R, F and M scores (1-5) are assigned.

    ``quantile``: quintiles of the customers' own distribution (discrete quantiles).
    ``grid``: fixed thresholds; the defaults are a grid commonly used by Japanese
    mail-order shops (days since the last purchase, purchase days, cumulative yen).
    """

    method: Literal["quantile", "grid"] = "quantile"
    # R = 5 when recency <= 30, 4 when <= 90, 3 when <= 180, 2 when <= 365, else 1.
    recency_days: tuple[int, int, int, int] = (30, 90, 180, 365)
    # F = 2 from 2 purchase days, 3 from 3, 4 from 5, 5 from 10.
    frequency: tuple[int, int, int, int] = (2, 3, 5, 10)
    # M = 2 from ¥10,000, 3 from ¥30,000, 4 from ¥50,000, 5 from ¥100,000.
    monetary_jpy: tuple[int, int, int, int] = (10_000, 30_000, 50_000, 100_000)

    @field_validator("recency_days", "frequency", "monetary_jpy")
    @classmethod
    def _check(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        return _ascending(v, 4)  # type: ignore[return-value]


class CPMSettings(StrictModel):
    """Customer Portfolio Management thresholds (published defaults)."""

    tenure_days: tuple[int, int] = (90, 210)
    spend_jpy: int = Field(70_000, gt=0)
    # When true, the spend threshold becomes spend_jpy × (shop AOV / reference_aov_jpy).
    scale_by_aov: bool = False
    reference_aov_jpy: int = Field(7_000, gt=0)
    # `horetsu analyze` compares the portfolio with this many days before the as-of day.
    transition_days: int = Field(365, gt=0)

    @field_validator("tenure_days")
    @classmethod
    def _check(cls, v: tuple[int, int]) -> tuple[int, int]:
        return _ascending(v, 2)  # type: ignore[return-value]


class AnalysisSettings(StrictModel):
    """The ``[analysis]`` section."""

    exclude_statuses: tuple[str, ...] = DEFAULT_EXCLUDE
    lapse_days: int = Field(240, gt=0)
    f2_windows: tuple[int, ...] = (30, 60, 90, 180, 365)
    ladder_max: int = Field(5, ge=2, le=20)
    rfm: RFMSettings = RFMSettings()
    cpm: CPMSettings = CPMSettings()

    @field_validator("exclude_statuses")
    @classmethod
    def _statuses(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [s for s in v if s not in ORDER_STATUSES]
        if unknown:
            raise ValueError(f"unknown status {unknown[0]!r}; statuses are {', '.join(ORDER_STATUSES)}")
        return v

    @field_validator("f2_windows")
    @classmethod
    def _windows(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or any(b <= a for a, b in zip(v, v[1:], strict=False)) or v[0] <= 0:
            raise ValueError("windows must be positive and strictly ascending")
        return v


def load(ws) -> AnalysisSettings:  # noqa: ANN001 - Workspace, avoids an import cycle
    """The validated ``[analysis]`` section of the workspace."""
    return ws.section("analysis", AnalysisSettings)
