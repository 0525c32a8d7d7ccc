"""What the shop's data says about a quiz answer, and where it contradicts the answer.

A question with a ``check`` can be answered by the data: step mails ran or not, NPS is
measured or not, shipping is fast or not.  The data's answer is used when nobody answered,
and replaces a contradicted answer in the scores and costs (the contradiction is flagged).
A contradiction is a "yes" or "partly" where the data says "no", or a "no" where it says "yes".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from horetsu.diagnosis.answers import ANSWER_LABELS
from horetsu.diagnosis.measures import Measurements
from horetsu.diagnosis.quiz import Quiz


@dataclass(frozen=True)
class DataAnswer:
    answer: str  # yes | partly | no
    kpi: str
    en: str  # what the data shows
    ja: str


@dataclass(frozen=True)
class Effective:
    """The answer used for scores and costs, and where it came from."""

    answer: str | None  # yes | partly | no | na | None (unknown)
    basis: str  # answer | data | contradicted | unanswered


@dataclass(frozen=True)
class Contradiction:
    question: str
    answer: str
    data_answer: str
    kpi: str
    en: str
    ja: str

    def to_json(self) -> dict[str, Any]:
        return {"question": self.question, "answer": self.answer, "data_answer": self.data_answer, "kpi": self.kpi,
                "text": {"en": self.en, "ja": self.ja}}  # fmt: skip


def _step_mails(m: Measurements) -> DataAnswer | None:
    sm = m.step_mails
    if sm.running is None:
        return None
    if sm.running:
        return DataAnswer("yes", "step_mails", f"{sm.sent:,} step-mail sends are recorded in the last 12 months",
                          f"直近12か月に {sm.sent:,} 通のステップメール配信の記録があります")
    return DataAnswer("no", "step_mails", "no step-mail send is recorded in the last 12 months",
                      "直近12か月にステップメールの配信記録がありません")


def _nps(m: Measurements) -> DataAnswer:
    k = m.kpis["nps"]
    if k.has_data:
        return DataAnswer("yes", "nps", f"{k.n:,} customers answered the NPS survey in the last 12 months",
                          f"直近12か月に {k.n:,} 人が NPS に回答しています")
    return DataAnswer("no", "nps", "no nps_response event in the last 12 months", "直近12か月に NPS の回答がありません")


def _delivery(m: Measurements) -> DataAnswer | None:
    k = m.kpis["delivery_days_median"]
    if not k.has_data:
        return None
    s = m.settings
    d = k.value
    answer = "yes" if d <= s.delivery_target_days else ("partly" if d < s.delivery_contradiction_days else "no")
    return DataAnswer(answer, "delivery_days_median",
                      f"the median time from order to shipment is {d:g} days over {k.n:,} orders",
                      f"注文から出荷までの中央値は {d:g} 日です（{k.n:,} 件）")


_CHECKS = {"step_mails_ran": _step_mails, "nps_measured": _nps, "delivery_fast": _delivery}


def data_answers(quiz: Quiz, m: Measurements) -> dict[str, DataAnswer]:
    """The data's answer to every question with a ``check`` the data can decide."""
    out = {}
    for qid, q in quiz.questions.items():
        if q.check:
            got = _CHECKS[q.check](m)
            if got is not None:
                out[qid] = got
    return out


def _conflicts(answer: str, data: str) -> bool:
    return (answer in ("yes", "partly") and data == "no") or (answer == "no" and data == "yes")


def resolve(quiz: Quiz, answers: dict[str, str], data: dict[str, DataAnswer]) -> tuple[dict[str, Effective], list[Contradiction]]:
    """The effective answer of every question and the contradictions found."""
    effective: dict[str, Effective] = {}
    flags: list[Contradiction] = []
    for qid in quiz.questions:
        given, seen = answers.get(qid), data.get(qid)
        if given is None:
            effective[qid] = Effective(seen.answer, "data") if seen else Effective(None, "unanswered")
        elif seen is not None and given != "na" and _conflicts(given, seen.answer):
            effective[qid] = Effective(seen.answer, "contradicted")
            ja_given, en_given = ANSWER_LABELS[given]
            flags.append(Contradiction(
                qid, given, seen.answer, seen.kpi,
                f"Answered \"{en_given}\", but {seen.en}.", f"回答は「{ja_given}」ですが、{seen.ja}。"))  # fmt: skip
        else:
            effective[qid] = Effective(given, "answer")
    return effective, flags
