"""The quarantine: rejected rows with their reason, one CSV per imported file.

Columns: ``source_file, line_number, reason, raw`` (UTF-8 with BOM so that Excel
opens it correctly).  ``reason`` names the column and the value; ``raw`` is the
row as it was in the file.
"""

from __future__ import annotations

import csv
import os
import uuid
from datetime import datetime
from pathlib import Path

COLUMNS = ("source_file", "line_number", "reason", "raw")


def quarantine_path(qdir: Path, source: Path, stamp: datetime) -> Path:
    return qdir / f"{source.stem}.{stamp.strftime('%Y%m%dT%H%M%S')}.{uuid.uuid4().hex[:6]}.csv"


def write_quarantine(path: Path, source_file: str, rows: list[tuple[int, str, str]]) -> None:
    """Write ``(line_number, reason, raw)`` rows atomically (temporary name, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for line, reason, raw in sorted(rows, key=lambda r: r[0]):
            w.writerow([source_file, line, reason, raw])
    os.replace(tmp, path)


def read_quarantine(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))
