"""``import_files``: read, normalise, validate and merge export files into a workspace.

All files are read and checked before anything is written; the tables of one
import are then written with a single atomic switch, followed by the quarantine
CSVs and the import log.  A bad file (missing, not a table, a required column
missing) raises :class:`horetsu.errors.InputFileError` and leaves the workspace
exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from horetsu import schema
from horetsu.errors import InputFileError, MissingFileError
from horetsu.io.merge import Merger
from horetsu.io.plausible import set_aside, today_in_japan
from horetsu.io.presets.registry import get_preset
from horetsu.io.quarantine import quarantine_path, write_quarantine
from horetsu.io.reader import raw_line
from horetsu.io.result import FileResult, ImportResult
from horetsu.io.settings import import_settings

LOG = "import_log.json"
LOG_KEYS = ("file", "preset", "table", "read", "accepted", "quarantined", "duplicates", "reasons", "imported_at",
            "detected", "set_aside", "quarantine_file", "generation")  # fmt: skip


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


def import_files(
    ws: Any, paths: Iterable[Any], preset: str, table: str | None = None, progress: Any = None,
    *, today: dt.date | None = None,
) -> ImportResult:
    """Import ``paths`` with ``preset`` into ``ws``; returns per-file counts (see :class:`ImportResult`).

    ``today`` (default: today in Japan) is the day after which (plus one day's grace) an
    order counts as dated in the future and is set aside.
    """
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputFileError("no file given", ja="ファイルが指定されていません")
    settings = import_settings(ws)
    p = get_preset(preset, ws)
    for path in paths:
        if not path.exists():
            raise MissingFileError(f"{path}: file not found", ja=f"{path}: ファイルが見つかりません")
    if table is not None and table not in ("orders", "customers", "events", "subscriptions"):
        raise InputFileError(
            f"unknown table {table!r}; use orders, customers, events or subscriptions",
            ja=f"テーブル {table!r} は指定できません（orders, customers, events, subscriptions）",
        )
    today = today or today_in_japan()
    _tick(progress, total=len(paths) * 2)
    # Read and parse outside the lock (the slow part); read the tables, merge and write
    # inside it, so that rows another writer added meanwhile (a survey answer, a recorded
    # send, another import) are part of what this import merges into.
    parsed_files = []
    for path in paths:
        _tick(progress, description=f"{path.name}")
        source = p.read(path)
        _tick(progress, advance=1)
        parsed = p.parse(source, table)
        named = set_aside(parsed, source, today=today, earliest=settings.earliest_order_date)
        parsed_files.append((path, source, parsed, named))
    stamp = datetime.now(UTC)
    results: list[FileResult] = []
    quarantines: list[tuple[Path, str, list[tuple[int, str, str]]]] = []
    with ws.lock():
        ws.refresh()
        merger = Merger({name: ws.read_arrow(name) for name in schema.TABLES})
        log = ws.read_meta(LOG, []) or []
        try:
            for path, source, parsed, named in parsed_files:
                unchanged = merger.merge(parsed)
                _tick(progress, advance=1)
                fr, qrows = _account(path, p.name, source, parsed, unchanged, stamp)
                fr.set_aside = named
                results.append(fr)
                if qrows:
                    qpath = quarantine_path(ws.quarantine_dir, path, stamp)
                    fr.quarantine_file = str(qpath)
                    quarantines.append((qpath, str(path), qrows))
            # Nothing accepted means nothing new: every row was quarantined or already there.
            if merger.changed and any(fr.accepted for fr in results):
                # The new generation's name is known only after the write; the snapshot of the
                # log inside it records the entries with the generation they produced.
                pending = _entries(results, "@new")
                record = {"by": "import", "preset": p.name, "files": [Path(fr.file).name for fr in results],
                          "accepted": sum(fr.accepted for fr in results)}  # fmt: skip
                snapshot = json.dumps([*log, *pending], ensure_ascii=False, indent=1, default=str)
                gen = ws.write_tables({name: merger.tables[name] for name in sorted(merger.changed)}, record=record,
                                      extra={LOG: snapshot}, keep=settings.keep_generations)  # fmt: skip
            else:
                gen = ws.current_generation("tables")
        finally:
            merger.close()
        for fr in results:
            fr.generation = gen
        log.extend(_entries(results, gen))
        ws.write_meta(LOG, log)
    for qpath, src, rows in quarantines:
        write_quarantine(qpath, src, rows)
    return ImportResult(results)


def _entries(results: list[FileResult], generation: str | None) -> list[dict[str, Any]]:
    out = []
    for fr in results:
        d = {k: v for k, v in fr.to_dict().items() if k in LOG_KEYS}
        d["generation"] = generation
        out.append(d)
    return out


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
