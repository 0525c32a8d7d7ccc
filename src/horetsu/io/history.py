"""Undo an import: the kept table generations, and switching back to one of them.

Every import that changes the tables writes a new generation (``.gen/tables-000012``)
and records its parent; the last ``[import] keep_generations`` earlier generations stay
on disk.  :func:`undo_target` finds the generation before the last import,
:func:`rollback` points the workspace at a kept generation and puts the import log and
the quarantine files back as they were then (files of undone imports move to
``quarantine/undone/``, and back again when a later generation is chosen).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from horetsu.errors import WorkspaceError
from horetsu.io.importer import LOG

UNDONE = "undone"


def generations(ws: Any) -> list[dict[str, Any]]:
    """The kept generations, oldest first (``name, seq, parent, at, by, files, accepted, current``)."""
    return ws.generations()


def resolve(ws: Any, gen: str) -> str:
    """``3``, ``000003`` or ``tables-000003`` → the kept generation's folder name."""
    names = {r["name"]: r for r in ws.generations()}
    text = str(gen).strip()
    if text in names:
        return text
    if text.isdigit():
        for name, r in names.items():
            if r.get("seq") == int(text):
                return name
    raise WorkspaceError(
        f"no kept generation {gen!r}; `horetsu history` lists them",
        ja=f"世代 {gen!r} は残っていません。`horetsu history` で一覧できます",
    )


def undo_target(ws: Any) -> tuple[str, list[dict[str, Any]]]:
    """The generation before the last import, and the generations an undo leaves (newest first)."""
    gens = {r["name"]: r for r in ws.generations()}
    name = ws.current_generation("tables")
    chain: list[dict[str, Any]] = []
    while name in gens and len(chain) <= len(gens):
        r = gens[name]
        chain.append(r)
        if r.get("by") == "import":
            parent = r.get("parent")
            if parent not in gens:
                raise WorkspaceError(
                    f"the generation before the last import ({parent}) is no longer kept",
                    ja=f"最後の取り込みの前の世代（{parent}）はもう残っていません",
                )
            return parent, chain
        name = r.get("parent")
    raise WorkspaceError(
        "nothing to undo: no import among the kept generations",
        ja="元に戻せる取り込みがありません（残っている世代に取り込みがありません）",
    )


def _ancestors(ws: Any, name: str) -> set[str]:
    gens = {r["name"]: r for r in ws.generations()}
    out: set[str] = set()
    while name and name not in out:
        out.add(name)
        name = (gens.get(name) or {}).get("parent")
    return out


def _log_at(ws: Any, name: str, current_log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    snap = ws.generation_file(name, LOG)
    if snap.exists():
        try:
            entries = json.loads(snap.read_text(encoding="utf-8"))
        except ValueError:
            entries = None
        if isinstance(entries, list):
            return [{**e, "generation": name} if e.get("generation") == "@new" else e for e in entries]
    keep = _ancestors(ws, name)
    return [e for e in current_log if e.get("generation") is None or e.get("generation") in keep]


def _move_quarantine(ws: Any, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
    qdir: Path = ws.quarantine_dir
    aside = qdir / UNDONE
    was = {e.get("quarantine_file") for e in before if e.get("quarantine_file")}
    now = {e.get("quarantine_file") for e in after if e.get("quarantine_file")}
    for f in was - now:
        src = Path(f)
        if src.exists() and src.parent == qdir:
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(src, aside / src.name)
    for f in now - was:
        dst = Path(f)
        if not dst.exists() and (aside / dst.name).exists():
            os.replace(aside / dst.name, dst)


def rollback(ws: Any, gen: str) -> dict[str, Any]:
    """Point the workspace at the kept generation ``gen``; returns what changed."""
    name = resolve(ws, gen)
    before = ws.current_generation("tables")
    log = ws.read_meta(LOG, []) or []
    after = _log_at(ws, name, log)
    ws.switch_generation(name)
    ws.write_meta(LOG, after)
    _move_quarantine(ws, log, after)
    kept = {json.dumps(e, sort_keys=True, default=str) for e in after}
    undone = [e for e in log if json.dumps(e, sort_keys=True, default=str) not in kept]
    return {"from": before, "to": name, "undone": undone, "results_stale": ws.has_results()}


def undo(ws: Any) -> dict[str, Any]:
    """Return to the generation before the last import."""
    target, _ = undo_target(ws)
    return rollback(ws, target)
