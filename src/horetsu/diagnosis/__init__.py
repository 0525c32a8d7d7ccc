"""The business diagnosis: "which stage is my business at, and what do I fix first?".

A short quiz (shipped as data, ``horetsu/data/diagnosis.toml``) checked against the shop's
own numbers, ranked by what each gap costs.  See docs/diagnosis.md.

    from horetsu.diagnosis import diagnose, load_quiz, save_diagnosis
    diag = diagnose(ws, {"practice_step_mails": "yes", "practice_nps": "no"})
    diag.business_stage, diag.to_json()["gaps"]
"""

from __future__ import annotations

from horetsu.diagnosis.answers import ANSWER_LABELS, ANSWERS, load_answers, parse_answers, workspace_answers
from horetsu.diagnosis.diagnose import diagnose, save_diagnosis
from horetsu.diagnosis.history import compare, latest, saved
from horetsu.diagnosis.model import Diagnosis
from horetsu.diagnosis.quiz import AREAS, STAGES, Quiz, load_quiz
from horetsu.diagnosis.stepmail import SequenceUplift, StepMailEvidence

__all__ = [
    "ANSWERS",
    "ANSWER_LABELS",
    "AREAS",
    "STAGES",
    "Diagnosis",
    "Quiz",
    "SequenceUplift",
    "StepMailEvidence",
    "compare",
    "diagnose",
    "latest",
    "load_answers",
    "load_quiz",
    "parse_answers",
    "save_diagnosis",
    "saved",
    "workspace_answers",
]
