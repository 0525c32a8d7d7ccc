"""The gaps that cost the most, ordered by an estimate of what each costs.

For a question whose practice is missing (effective answer no, partly, or unknown):

    open      = 1 for no, 1 − partly_weight for partly, unanswered_open when unknown
    customers = pool × open × cost_share        (customers lost per year)
    yen       = customers × value               (yen per year)

``pool`` is a number of customers the data counts (e.g. first-time buyers lapsed within
90 days), ``value`` what one is worth (e.g. the 12-month value a second purchase adds:
LTV of repeaters − LTV of one-time buyers); ``cost_share`` is the quiz's stated assumption.
Gaps are ranked by yen when every costed gap has a yen value, otherwise by customers; ties
keep the quiz's order.  Gaps whose pool the data cannot count come after the costed ones;
gaps costing nothing are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from horetsu.diagnosis.checks import Effective
from horetsu.diagnosis.measures import Measurements
from horetsu.diagnosis.quiz import Quiz


@dataclass
class Gap:
    id: str
    area: str
    answer: str | None
    basis: str
    open: float
    pool: str
    pool_size: float | None
    cost_share: float
    value: str
    value_yen: float | None
    customers: float | None
    yen: float | None
    fixes: list[dict[str, Any]] = field(default_factory=list)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    item: int | None = None  # the practice standard's item number

    def to_json(self, unit: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "area": self.area,
            "item": self.item,
            "title": self.texts["title"],
            "question": self.texts["question"],
            "answer": self.answer,
            "basis": self.basis,
            "cost": {
                "customers": None if self.customers is None else round(self.customers, 2),
                "yen": None if self.yen is None else round(self.yen),
                "ranked_by": unit,
                "pool": self.pool,
                "pool_size": self.pool_size,
                "open": self.open,
                "cost_share": self.cost_share,
                "value": self.value,
                "value_yen": None if self.value_yen is None else round(self.value_yen),
            },
            "fix": self.fixes,
        }


def _open(eff: Effective, quiz: Quiz) -> float:
    s = quiz.settings
    return {"no": 1.0, "partly": 1.0 - s.partly_weight, "yes": 0.0, "na": 0.0}.get(eff.answer or "", s.unanswered_open)


def all_gaps(quiz: Quiz, effective: dict[str, Effective], m: Measurements) -> list[Gap]:
    out = []
    for qid, q in quiz.questions.items():
        eff = effective[qid]
        share = _open(eff, quiz)
        if share <= 0:
            continue
        pool = m.pools.get(q.pool)
        value = m.values.get(q.value)
        customers = None if pool is None else pool * share * q.cost_share
        yen = None if customers is None or value is None else customers * value
        fixes = [{"id": f, "kind": quiz.fixes[f].kind, "link": quiz.fixes[f].link,
                  "text": {"ja": quiz.fixes[f].ja, "en": quiz.fixes[f].en}} for f in q.fix]  # fmt: skip
        out.append(Gap(qid, q.area, eff.answer, eff.basis, share, q.pool, pool, q.cost_share, q.value, value,
                       customers, yen, fixes,
                       {"title": {"ja": q.gap_ja, "en": q.gap_en}, "question": {"ja": q.ja, "en": q.en}},
                       q.item))  # fmt: skip
    return out


def rank(gaps: list[Gap], how_many: int) -> tuple[list[Gap], str]:
    """The ``how_many`` costliest gaps and the unit they were ranked by ("yen" or "customers")."""
    costed = [g for g in gaps if g.customers is not None]
    unit = "yen" if costed and all(g.yen is not None for g in costed) else "customers"
    order = {g.id: i for i, g in enumerate(gaps)}
    key = (lambda g: g.yen) if unit == "yen" else (lambda g: g.customers)
    ranked = sorted((g for g in costed if key(g) > 0), key=lambda g: (-key(g), order[g.id]))
    unknown = [g for g in gaps if g.customers is None]
    return (ranked + unknown)[:how_many], unit
