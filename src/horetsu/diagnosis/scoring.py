"""Scores per area and the business's stage.

An answer scores yes = 1, partly = ``partly_weight`` (0.5), no = 0; "not applicable" and
unknown answers are left out.  An area's score is the mean over its scored questions
(0-100), or None when none is scored.  The business's stage is the earliest of the five
relationship stages whose score is below ``stage_threshold`` (0.75): the first place where
the shop's practices run out.  When every scored stage reaches it, the business stands at
circulation.
"""

from __future__ import annotations

from typing import Any

from horetsu.diagnosis.answers import ANSWER_LABELS
from horetsu.diagnosis.checks import Effective
from horetsu.diagnosis.quiz import AREAS, STAGES, Quiz


def answer_score(answer: str | None, partly_weight: float) -> float | None:
    return {"yes": 1.0, "partly": partly_weight, "no": 0.0}.get(answer or "")


def area_scores(quiz: Quiz, effective: dict[str, Effective]) -> dict[str, dict[str, Any]]:
    out = {}
    for area in AREAS:
        ids = quiz.in_area(area)
        scored = [answer_score(effective[q].answer, quiz.settings.partly_weight) for q in ids]
        scored = [v for v in scored if v is not None]
        out[area] = {
            "score": round(100.0 * sum(scored) / len(scored), 1) if scored else None,
            "scored": len(scored),
            "questions": len(ids),
        }
    return out


def _reason(quiz: Quiz, qid: str, eff: Effective) -> dict[str, Any]:
    q = quiz.questions[qid]
    ja, en = ANSWER_LABELS.get(eff.answer or "", ("未回答", "unanswered"))
    return {"question": qid, "answer": eff.answer, "basis": eff.basis,
            "text": {"en": f"{q.gap_en} — \"{q.en}\": {en}", "ja": f"{q.gap_ja}：「{q.ja}」→ {ja}"}}  # fmt: skip


def business_stage(quiz: Quiz, effective: dict[str, Effective],
                   scores: dict[str, dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """The earliest relationship stage whose practices are missing, and why."""
    threshold = 100.0 * quiz.settings.stage_threshold
    reasons: list[dict[str, Any]] = []
    known = False
    for stage in STAGES:
        score = scores[stage]["score"]
        if score is None:
            area = quiz.areas[stage]
            reasons.append({"question": None, "answer": None, "basis": "unanswered",
                            "text": {"en": f"{area.en}: not answered, so not judged",
                                     "ja": f"{area.ja}：未回答のため判定していません"}})  # fmt: skip
            continue
        known = True
        if score < threshold:
            for qid in quiz.in_area(stage):
                if effective[qid].answer in ("no", "partly"):
                    reasons.append(_reason(quiz, qid, effective[qid]))
            return stage, reasons
    if not known:
        return None, [{"question": None, "answer": None, "basis": "unanswered",
                       "text": {"en": "no question of the five relationship stages is answered",
                                "ja": "5つの関係ステージの質問に回答がありません"}}]  # fmt: skip
    reasons.append({"question": None, "answer": None, "basis": "answer",
                    "text": {"en": "the practices of every relationship stage are in place",
                             "ja": "すべての関係ステージの取り組みが整っています"}})  # fmt: skip
    return "circulation", reasons
