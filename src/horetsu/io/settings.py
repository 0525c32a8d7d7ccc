"""The ``[import]`` section of ``horetsu.toml``, declared once.

``earliest_order_date``: orders dated before this day are set aside as implausible
(default 1990-01-01: no shop export of this kind goes back further).
``keep_generations``: how many earlier generations of the canonical tables stay on
disk for ``horetsu rollback`` / ``horetsu import --undo`` (unchanged tables are hard
links, so a generation costs only the tables an import rewrote).
``mappings``: user-defined presets, see :mod:`horetsu.io.presets.mapping`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from horetsu.config import StrictModel

DEFAULT_EARLIEST = dt.date(1990, 1, 1)
DEFAULT_KEEP = 5


class ImportSettings(StrictModel):
    earliest_order_date: dt.date = DEFAULT_EARLIEST
    keep_generations: int = Field(default=DEFAULT_KEEP, ge=1, le=100)
    mappings: dict[str, Any] = Field(default_factory=dict)


def import_settings(ws: Any) -> ImportSettings:
    """The validated ``[import]`` section of ``ws`` (defaults when there is no workspace)."""
    if ws is None or not hasattr(ws, "section"):
        return ImportSettings()
    return ws.section("import", ImportSettings)
