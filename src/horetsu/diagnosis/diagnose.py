"""``diagnose(ws, answers) -> Diagnosis``: the quiz checked against the shop's own data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from horetsu.diagnosis import history
from horetsu.diagnosis.answers import parse_answers, workspace_answers
from horetsu.diagnosis.checks import data_answers, resolve
from horetsu.diagnosis.gaps import all_gaps, rank
from horetsu.diagnosis.measures import measure
from horetsu.diagnosis.model import Diagnosis
from horetsu.diagnosis.quiz import Quiz, load_quiz
from horetsu.diagnosis.results import read_results
from horetsu.diagnosis.scoring import area_scores, business_stage
from horetsu.diagnosis.stepmail import StepMailEvidence


def diagnose(
    ws: Any,
    answers: Mapping[str, Any] | None = None,
    *,
    step_mails: StepMailEvidence | None = None,
    quiz: Quiz | None = None,
    compare: bool = True,
    now: dt.datetime | None = None,
) -> Diagnosis:
    """Diagnose the shop of workspace ``ws`` as of its stored results.

    ``answers``: ``{question_id: "yes"|"partly"|"no"|"na"}`` (validated; e.g. a web form's
    fields); None reads ``WORKSPACE/diagnosis/answers.toml`` when it exists.
    ``step_mails``: evidence from the step-mail feature (sends, uplift against holdout);
    None reads the workspace's ``message_sent`` events.  ``compare``: add ``changes``
    against the newest saved diagnosis.  Nothing is saved here: see :func:`save_diagnosis`.
    """
    quiz = quiz or load_quiz(ws)
    given = workspace_answers(ws, quiz) if answers is None else parse_answers(answers, quiz, source="answers")
    stored = read_results(ws)
    m = measure(ws, stored, quiz.settings, step_mails)
    effective, flags = resolve(quiz, given, data_answers(quiz, m))
    scores = area_scores(quiz, effective)
    stage, reasons = business_stage(quiz, effective, scores)
    gaps, unit = rank(all_gaps(quiz, effective, m), quiz.settings.how_many_gaps)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)  # saved times compare as UTC text
    diag = Diagnosis(
        workspace=str(ws.path), shop_name=ws.settings.shop_name or ws.path.name, diagnosed_at=now, quiz=quiz,
        measurements=m, answers=given, effective=effective, business_stage=stage, stage_reasons=reasons,
        scores=scores, gaps=gaps, gaps_ranked_by=unit, contradictions=flags,
    )  # fmt: skip
    if compare:
        before = history.latest(ws, before=now.isoformat(timespec="microseconds"))  # one saved earlier in the same second counts
        if before is not None:
            diag.changes = history.compare(before, diag.to_json())
    return diag


def save_diagnosis(ws: Any, diag: Diagnosis) -> Any:
    """Save ``diag`` with its date in ``WORKSPACE/diagnosis/``; returns the file's path."""
    return history.save(ws, diag.to_json())
