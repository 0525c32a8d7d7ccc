"""The ``[analysis]`` settings; declared in :mod:`horetsu.core.settings` (read by every layer)."""

from horetsu.core.settings import (  # noqa: F401 - re-exported for the analytics API
    DEFAULT_EXCLUDE,
    AnalysisSettings,
    CPMSettings,
    RFMSettings,
    load,
)

__all__ = ["DEFAULT_EXCLUDE", "AnalysisSettings", "CPMSettings", "RFMSettings", "load"]
