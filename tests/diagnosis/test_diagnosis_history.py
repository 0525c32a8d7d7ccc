"""Saved diagnoses: two in the same second are both kept, in order, and the later compares with the earlier."""

from __future__ import annotations

from types import SimpleNamespace

from horetsu.diagnosis import history


def _doc(at: str, answer: str) -> dict:
    return {"as_of": "2026-09-30", "diagnosed_at": at, "kpis": {}, "answers": {"landing_check_in": {"used": answer}}}


def test_same_second_diagnoses_are_both_kept_in_order(tmp_path):
    ws = SimpleNamespace(path=tmp_path)
    at = "2026-12-03T07:07:30+00:00"
    first = history.save(ws, _doc(at, "no"))
    second = history.save(ws, _doc(at, "yes"))
    third = history.save(ws, _doc(at, "no"))
    assert [p.name for p in (first, second, third)] == [
        "2026-09-30_20261203T070730.json", "2026-09-30_20261203T070730_002.json", "2026-09-30_20261203T070730_003.json"]
    assert [d["answers"]["landing_check_in"]["used"] for d in history.saved(ws)] == ["no", "yes", "no"]
    assert not list(tmp_path.glob("diagnosis/.*"))  # no temporary file left behind
    # a diagnosis made later within that second sees the last one saved as "before"
    assert history.latest(ws, before="2026-12-03T07:07:30.500000+00:00") == history.saved(ws)[-1]
    assert history.latest(ws, before="2026-12-03T07:07:30+00:00") is None
