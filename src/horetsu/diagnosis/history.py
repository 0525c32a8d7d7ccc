"""Diagnoses over time: each saved with its date in ``WORKSPACE/diagnosis/``, the next compared with it.

Files are named ``<as-of>_<diagnosed at, UTC>.json`` and written atomically; they hold
:meth:`Diagnosis.to_json`.  :func:`compare` says, between two of them, how the business
stage, every numeric KPI (improved = moved in its better direction), every area score
and every answer moved.
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

from horetsu.diagnosis.quiz import STAGES

FOLDER = "diagnosis"


def folder(ws: Any) -> Path:
    return Path(ws.path) / FOLDER


def save(ws: Any, doc: dict[str, Any]) -> Path:
    """Write one diagnosis (its JSON form) next to the earlier ones; returns the path."""
    where = folder(ws)
    where.mkdir(parents=True, exist_ok=True)
    stamp = doc["diagnosed_at"].replace(":", "").replace("-", "")[:15]
    tmp = where / f".{doc['as_of']}_{stamp}.{uuid.uuid4().hex}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    try:
        for n in range(1, 1000):  # two diagnoses in one second: both kept, never one over the other
            path = where / (f"{doc['as_of']}_{stamp}.json" if n == 1 else f"{doc['as_of']}_{stamp}_{n:03d}.json")
            try:
                os.link(tmp, path)  # atomic, and refuses an existing name
                return path
            except FileExistsError:
                continue
        raise FileExistsError(str(path))
    finally:
        tmp.unlink(missing_ok=True)


def saved(ws: Any) -> list[dict[str, Any]]:
    """Every saved diagnosis, oldest first (unreadable files are skipped)."""
    docs = []
    for path in sorted(folder(ws).glob("*.json")) if folder(ws).exists() else []:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if isinstance(doc, dict) and "diagnosed_at" in doc:
            docs.append(doc)
    return sorted(docs, key=lambda d: str(d["diagnosed_at"]))  # stable: same-second ones keep their file order


def latest(ws: Any, before: str | None = None) -> dict[str, Any] | None:
    """The newest saved diagnosis (diagnosed strictly before ``before``, an ISO time, when given)."""
    docs = [d for d in saved(ws) if before is None or str(d["diagnosed_at"]) < before]
    return docs[-1] if docs else None


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def compare(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What moved from ``before`` to ``after`` (both :meth:`Diagnosis.to_json` documents)."""
    kpis = {}
    for kid, now in (after.get("kpis") or {}).items():
        then = (before.get("kpis") or {}).get(kid) or {}
        a, b = _num(then.get("value")), _num(now.get("value"))
        if a is None or b is None:
            continue
        better = now.get("better")
        improved = None if better is None or a == b else ((b > a) == (better == "higher"))
        kpis[kid] = {"before": a, "after": b, "change": b - a, "improved": improved}
    scores = {}
    for area, now in (after.get("scores") or {}).items():
        a, b = _num(((before.get("scores") or {}).get(area) or {}).get("score")), _num(now.get("score"))
        if a is not None and b is not None:
            scores[area] = {"before": a, "after": b, "change": round(b - a, 1)}
    closed, opened = [], []
    for qid, now in (after.get("answers") or {}).items():
        then = ((before.get("answers") or {}).get(qid) or {}).get("used")
        if now.get("used") == "yes" and then in ("no", "partly"):
            closed.append(qid)
        elif now.get("used") in ("no", "partly") and then == "yes":
            opened.append(qid)
    sb, sa = before.get("business_stage"), after.get("business_stage")
    moved = None
    if sb in STAGES and sa in STAGES:
        moved = "up" if STAGES.index(sa) > STAGES.index(sb) else ("down" if STAGES.index(sa) < STAGES.index(sb) else "same")
    return {
        "previous_diagnosed_at": before.get("diagnosed_at"),
        "previous_as_of": before.get("as_of"),
        "business_stage": {"before": sb, "after": sa, "moved": moved},
        "kpis": kpis,
        "scores": scores,
        "gaps_closed": closed,
        "gaps_opened": opened,
        "improved": sorted([k for k, v in kpis.items() if v["improved"]]),
        "worsened": sorted([k for k, v in kpis.items() if v["improved"] is False]),
    }
