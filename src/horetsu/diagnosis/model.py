"""The diagnosis of one shop on one day: what ``diagnose`` returns."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from horetsu.diagnosis.checks import Contradiction, Effective
from horetsu.diagnosis.gaps import Gap
from horetsu.diagnosis.measures import Measurements
from horetsu.diagnosis.quiz import AREAS, Quiz

SCHEMA_VERSION = 1


@dataclass
class Diagnosis:
    """Stage, scores, KPIs, ranked gaps and flags; :meth:`to_json` is the stable shape."""

    workspace: str
    shop_name: str
    diagnosed_at: dt.datetime
    quiz: Quiz
    measurements: Measurements
    answers: dict[str, str]
    effective: dict[str, Effective]
    business_stage: str | None
    stage_reasons: list[dict[str, Any]]
    scores: dict[str, dict[str, Any]]
    gaps: list[Gap]
    gaps_ranked_by: str
    contradictions: list[Contradiction]
    changes: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.measurements.as_of

    @property
    def kpis(self) -> dict[str, Any]:
        return self.measurements.kpis

    def area_label(self, area: str | None, lang: str = "en") -> str:
        if area is None:
            return "–"
        a = self.quiz.areas[area]
        return a.ja if lang == "ja" else a.en

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data; every text is given in Japanese and English."""
        s = self.quiz.settings
        fmt = {"f2": s.f2_window_days, "lapse": s.lapse_window_days}
        m = self.measurements
        return {
            "schema_version": SCHEMA_VERSION,
            "workspace": self.workspace,
            "shop_name": self.shop_name,
            "as_of": self.as_of.isoformat(),
            "diagnosed_at": self.diagnosed_at.isoformat(timespec="seconds"),
            "business_stage": self.business_stage,
            "business_stage_label": (
                {"ja": self.area_label(self.business_stage, "ja"), "en": self.area_label(self.business_stage, "en")}
                if self.business_stage else None),
            "stage_reasons": self.stage_reasons,
            "scores": {a: {**self.scores[a], "label": {"ja": self.quiz.areas[a].ja, "en": self.quiz.areas[a].en}}
                       for a in AREAS},
            "kpis": {k: v.to_json(**fmt) for k, v in m.kpis.items()},
            "stages": m.stages,
            "gaps": [g.to_json(self.gaps_ranked_by) for g in self.gaps],
            "gaps_ranked_by": self.gaps_ranked_by,
            "contradictions": [c.to_json() for c in self.contradictions],
            "answers": {q: {"given": self.answers.get(q), "used": e.answer, "basis": e.basis}
                        for q, e in self.effective.items()},
            "pools": m.pools,
            "values": {k: (None if v is None else round(v)) for k, v in m.values.items()},
            "changes": self.changes,
        }  # fmt: skip

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=1, default=str)
