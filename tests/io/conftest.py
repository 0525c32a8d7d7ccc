"""Fixtures for the importer tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "io"


@pytest.fixture
def data_dir() -> Path:
    return DATA


def write_csv(path: Path, headers, rows, encoding: str = "utf-8") -> Path:
    """Write dict rows under ``headers`` (missing keys empty), CRLF like the shop systems."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(headers), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({h: r.get(h, "") for h in headers})
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def snapshot(ws) -> dict:
    """Every canonical table's rows (sorted) plus the import log, for before/after comparisons."""
    from horetsu import schema

    out = {}
    for name in schema.TABLES:
        rows = ws.read_arrow(name).to_pylist()
        out[name] = sorted(rows, key=repr)
    out["log"] = ws.read_meta("import_log.json", [])
    return out
