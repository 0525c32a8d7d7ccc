"""Small helpers shared by the section builders."""

from __future__ import annotations

from typing import Any

import pandas as pd

from horetsu.report.data import ReportData
from horetsu.report.model import Section


def col(df: pd.DataFrame, *names: str) -> str:
    """The first of ``names`` that is a column of ``df`` (results may name things slightly differently)."""
    for n in names:
        if n in df.columns:
            return n
    raise KeyError(f"none of {names} in {list(df.columns)}")


def need(sec: Section, data: ReportData, *names: str) -> dict[str, pd.DataFrame] | None:
    """Load results ``names``; record the missing ones on ``sec`` and return None if any is missing."""
    got: dict[str, Any] = {}
    for n in names:
        df = data.get(n)
        if df is None:
            sec.missing.append(f"results/{n}.parquet")
        else:
            got[n] = df
    return None if sec.missing else got


def need_columns(sec: Section, df: pd.DataFrame, name: str, *columns: str) -> bool:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        sec.missing.append(f"results/{name}.parquet: {', '.join(missing)}")
        return False
    return True
