"""Reading the stored results of ``horetsu analyze`` — the only place the diagnosis does.

Kept in one small function so that it can move to the results-store API in one edit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from horetsu.errors import WorkspaceError

CUSTOMER_COLUMNS = ("customer_id", "first_purchase", "frequency", "stage", "temperature")


@dataclass(frozen=True)
class StoredResults:
    """What the diagnosis reads from ``results/``: the as-of day, customers, the F2 table."""

    as_of: dt.date
    customers: pa.Table
    f2: pa.Table | None


def read_results(ws: Any) -> StoredResults:
    """``results/meta.json`` (as-of), ``customers.parquet`` (a few columns) and ``f2.parquet``."""
    meta_path = ws.results_dir / "meta.json"
    if not ws.has_results() or not meta_path.exists():
        raise WorkspaceError(
            f"no analysis results in {ws.path}; run `horetsu analyze` first",
            ja=f"{ws.path} に分析結果がありません。先に `horetsu analyze` を実行してください",
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    path = ws.result_path("customers")
    present = set(pq.read_schema(path).names)
    customers = pq.read_table(path, columns=[c for c in CUSTOMER_COLUMNS if c in present])
    f2_path = ws.result_path("f2")
    f2 = pq.read_table(f2_path) if f2_path.exists() else None
    return StoredResults(as_of=dt.date.fromisoformat(str(meta["as_of"])[:10]), customers=customers, f2=f2)
