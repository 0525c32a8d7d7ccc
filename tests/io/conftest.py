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


def _write_csv(path: Path, headers, rows, encoding: str = "utf-8") -> Path:
    """Write dict rows under ``headers`` (missing keys empty), CRLF like the shop systems."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, list(headers), lineterminator="\r\n")
    w.writeheader()
    for r in rows:
        w.writerow({h: r.get(h, "") for h in headers})
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _snapshot(ws) -> dict:
    """Every canonical table's rows (sorted) plus the import log, for before/after comparisons."""
    from horetsu import schema

    out = {}
    for name in schema.TABLES:
        rows = ws.read_arrow(name).to_pylist()
        out[name] = sorted(rows, key=repr)
    out["log"] = ws.read_meta("import_log.json", [])
    return out


@pytest.fixture(name="write_csv")
def write_csv_fixture():
    """``write_csv(path, headers, rows, encoding="utf-8")`` → path (CRLF, missing keys empty)."""
    return _write_csv


@pytest.fixture(name="snapshot")
def snapshot_fixture():
    """``snapshot(ws)`` → every table's rows (sorted) and the import log."""
    return _snapshot
