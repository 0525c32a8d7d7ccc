"""Quiz answers: yes / partly / no / na, from a TOML file, a web form or a dict.

A file holds one table ``[answers]`` with a question id per key::

    [answers]
    practice_step_mails = "yes"
    practice_nps = "no"
    landing_check_in = "partly"
    base_organic = "na"          # not applicable

Japanese values are accepted too (はい / 一部 / いいえ / 該当なし).  Questions left out (or
an empty form field) are unanswered.  Errors name the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from horetsu.config import load_toml
from horetsu.diagnosis.quiz import Quiz
from horetsu.errors import ConfigError, MissingFileError

ANSWERS: tuple[str, ...] = ("yes", "partly", "no", "na")
ANSWER_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("はい", "yes"),
    "partly": ("一部", "partly"),
    "no": ("いいえ", "no"),
    "na": ("該当なし", "not applicable"),
}
_ALIASES = {
    "yes": "yes", "y": "yes", "true": "yes", "はい": "yes",
    "partly": "partly", "partial": "partly", "一部": "partly", "一部だけ": "partly",
    "no": "no", "n": "no", "false": "no", "いいえ": "no",
    "na": "na", "n/a": "na", "not applicable": "na", "not_applicable": "na", "該当なし": "na",
}  # fmt: skip

#: where a workspace keeps its own answers (used when no file is given)
WORKSPACE_ANSWERS = Path("diagnosis") / "answers.toml"


def parse_answers(values: Mapping[str, Any], quiz: Quiz, *, source: Any = "answers") -> dict[str, str]:
    """Validate ``{question_id: answer}``; the error names ``source`` and the key."""
    out: dict[str, str] = {}
    for key, raw in values.items():
        if key not in quiz.questions:
            raise ConfigError(
                f"{source}: answers.{key}: unknown question; questions are {', '.join(quiz.questions)}",
                ja=f"{source}: answers.{key}: この質問はありません（質問: {', '.join(quiz.questions)}）",
            )
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue  # an empty form field: unanswered
        if isinstance(raw, bool):
            raw = "yes" if raw else "no"
        value = _ALIASES.get(str(raw).strip().lower()) if isinstance(raw, str | bool) else None
        if value is None:
            raise ConfigError(
                f"{source}: answers.{key}: {raw!r} is not an answer; use yes, partly, no or na",
                ja=f"{source}: answers.{key}: {raw!r} は回答として使えません。yes / partly / no / na（はい / 一部 / いいえ / 該当なし）",
            )
        out[key] = value
    return out


def load_answers(path: Any, quiz: Quiz) -> dict[str, str]:
    """Answers from a TOML file with an ``[answers]`` table."""
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such answers file", ja=f"{path}: 回答ファイルがありません")
    data = load_toml(path)
    extra = [k for k in data if k != "answers"]
    if extra:
        raise ConfigError(
            f"{path}: {extra[0]}: unknown key; the file holds one table [answers]",
            ja=f"{path}: {extra[0]}: 不明なキーです。ファイルには [answers] の表だけを書きます",
        )
    answers = data.get("answers", {})
    if not isinstance(answers, dict):
        raise ConfigError(f"{path}: answers: must be a table", ja=f"{path}: answers: 表（テーブル）で指定してください")
    return parse_answers(answers, quiz, source=path)


def workspace_answers(ws: Any, quiz: Quiz) -> dict[str, str]:
    """The workspace's own answers file (``WORKSPACE/diagnosis/answers.toml``), or none."""
    path = Path(ws.path) / WORKSPACE_ANSWERS
    return load_answers(path, quiz) if path.exists() else {}
