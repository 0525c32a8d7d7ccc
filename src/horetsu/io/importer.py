"""``import_files``: read, normalise, validate and merge export files into a workspace.

All files are read and checked before anything is written; the tables of one
import are then written with a single atomic switch, followed by the quarantine
CSVs and the import log.  A bad file (missing, not a table, a required column
missing) raises :class:`horetsu.errors.InputFileError` and leaves the workspace
exactly as it was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from horetsu import schema
from horetsu.errors import InputFileError, MissingFileError
from horetsu.io.merge import Merger
from horetsu.io.presets.registry import get_preset
from horetsu.io.quarantine import quarantine_path, write_quarantine
from horetsu.io.reader import raw_line
from horetsu.io.result import FileResult, ImportResult

LOG = "import_log.json"


def _tick(progress: Any, **kw: Any) -> None:
    if progress is None:
        return
    if callable(progress) and not hasattr(progress, "update"):
        progress(**kw)
        return
    adv = kw.pop("advance", 0)
    if hasattr(progress, "update") and kw:
        progress.update(**kw)
    if adv and hasattr(progress, "advance"):
        progress.advance(adv)


def import_files(ws: Any, paths: Iterable[Any], preset: str, table: str | None = None, progress: Any = None) -> ImportResult:
    """Import ``paths`` with ``preset`` into ``ws``; returns per-file counts (see :class:`ImportResult`)."""
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputFileError("no file given", ja="ファイルが指定されていません")
    p = get_preset(preset, ws)
    for path in paths:
        if not path.exists():
            raise MissingFileError(f"{path}: file not found", ja=f"{path}: ファイルが見つかりません")
    if table is not None and table not in ("orders", "customers", "events", "subscriptions"):
        raise InputFileError(
            f"unknown table {table!r}; use orders, customers, events or subscriptions",
            ja=f"テーブル {table!r} は指定できません（orders, customers, events, subscriptions）",
        )
    _tick(progress, total=len(paths) * 2)
    merger = Merger({name: ws.read_arrow(name) for name in schema.TABLES})
    stamp = datetime.now(UTC)
    results: list[FileResult] = []
    quarantines: list[tuple[Path, str, list[tuple[int, str, str]]]] = []
    try:
        for path in paths:
            _tick(progress, description=f"{path.name}")
            source = p.read(path)
            _tick(progress, advance=1)
            parsed = p.parse(source, table)
            unchanged = merger.merge(parsed)
            _tick(progress, advance=1)
            fr, qrows = _account(path, p.name, source, parsed, unchanged, stamp)
            results.append(fr)
            if qrows:
                qpath = quarantine_path(ws.quarantine_dir, path, stamp)
                fr.quarantine_file = str(qpath)
                quarantines.append((qpath, str(path), qrows))
        # Nothing accepted means nothing new: every row was quarantined or already there.
        if merger.changed and any(fr.accepted for fr in results):
            ws.write_tables({name: merger.tables[name] for name in sorted(merger.changed)})
    finally:
        merger.close()
    for qpath, src, rows in quarantines:
        write_quarantine(qpath, src, rows)
    log = ws.read_meta(LOG, []) or []
    log.extend(
        {k: v for k, v in fr.to_dict().items() if k in ("file", "preset", "table", "read", "accepted", "quarantined",
                                                          "duplicates", "reasons", "imported_at", "detected")}
        for fr in results
    )  # fmt: skip
    ws.write_meta(LOG, log)
    return ImportResult(results)


def _account(path: Path, preset: str, source: Any, parsed: Any, unchanged: np.ndarray, stamp: datetime):
    n = source.table.num_rows
    rejected = parsed.rejects.mask
    dup = parsed.dup & ~rejected
    same = unchanged & ~rejected & ~dup
    reasons: Counter = Counter()
    qrows: list[tuple[int, str, str]] = []
    for inv in source.invalid:
        reasons[inv.kind] += 1
        qrows.append((inv.line, f"row: {inv.reason}", inv.raw))
    idx, kinds, texts = parsed.rejects.rows()
    if len(idx):
        cols = source.table.column_names
        sub = source.table.take(idx).to_pylist()
        for i, kind, text, row in zip(idx, kinds, texts, sub, strict=True):
            reasons[kind] += 1
            qrows.append((int(source.lines[i]), text, raw_line([row[c] for c in cols], source.delimiter or ",")))
    quarantined = len(source.invalid) + int(rejected.sum())
    duplicates = int(dup.sum()) + int(same.sum())
    fr = FileResult(
        file=str(path),
        preset=preset,
        table=parsed.entity,
        read=n + len(source.invalid),
        accepted=n - int(rejected.sum()) - duplicates,
        quarantined=quarantined,
        duplicates=duplicates,
        reasons=dict(sorted(reasons.items())),
        detected=source.detected(),
        imported_at=stamp.isoformat(timespec="seconds"),
    )
    return fr, qrows
