"""The quiz as data: questions, areas, cost assumptions and fixes, from a TOML file.

The defaults ship in ``horetsu/data/diagnosis.toml``.  A workspace overrides any key under
``[diagnosis]`` in its ``horetsu.toml`` (tables merge key by key, lists replace) or points
``[diagnosis] file = "quiz.toml"`` at a replacement (relative to the workspace).  An invalid
quiz raises :class:`horetsu.errors.ConfigError` naming the file and the key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from horetsu.config import load_toml
from horetsu.config import deep_merge
from horetsu.errors import ConfigError

#: the five relationship stages, in order (METHOD.md); the quiz's first five areas
STAGES: tuple[str, ...] = ("observer", "landing", "empathy", "engagement", "circulation")
AREAS: tuple[str, ...] = (*STAGES, "practice", "foundations")
POOLS: tuple[str, ...] = (
    "observers",
    "new_buyers_12m",
    "lapsed_first_90d",
    "silent_first_90d",
    "repeat_cooled",
    "engaged_cooled",
    "supporters_cooled",
)
VALUES: tuple[str, ...] = ("repeat_value", "ltv_12m", "first_order_value")
CHECKS: tuple[str, ...] = ("step_mails_ran", "nps_measured", "delivery_fast")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Model):
    stage_threshold: float = Field(0.75, gt=0, le=1)
    partly_weight: float = Field(0.5, ge=0, le=1)
    unanswered_open: float = Field(0.5, ge=0, le=1)
    delivery_target_days: float = Field(1, ge=0)
    delivery_contradiction_days: float = Field(3, gt=0)
    f2_window_days: int = Field(90, gt=0)
    lapse_window_days: int = Field(90, gt=0)
    voice_events: list[str] = Field(default_factory=list)
    step_mail_tactics: list[str] = Field(default_factory=lambda: ["step_mail"])
    how_many_gaps: int = Field(5, ge=1, le=50)


class Area(_Model):
    ja: str
    en: str


class Question(_Model):
    area: Literal["observer", "landing", "empathy", "engagement", "circulation", "practice", "foundations"]
    ja: str
    en: str
    gap_ja: str
    gap_en: str
    pool: Literal[POOLS]  # type: ignore[valid-type]
    cost_share: float = Field(ge=0, le=1)
    value: Literal[VALUES]  # type: ignore[valid-type]
    fix: list[str] = Field(min_length=1)
    check: Literal["", "step_mails_ran", "nps_measured", "delivery_fast"] = ""
    item: int | None = None  # the practice standard's item number (66-70)


class Fix(_Model):
    kind: Literal["sequence", "nps", "gate_rule", "tactic", "report", "command"]
    link: str
    ja: str
    en: str


class Quiz(_Model):
    settings: Settings = Settings()
    areas: dict[str, Area]
    questions: dict[str, Question] = Field(min_length=1)
    fixes: dict[str, Fix]

    def in_area(self, area: str) -> list[str]:
        """Question ids of one area, in the file's order."""
        return [qid for qid, q in self.questions.items() if q.area == area]


def default_quiz_path() -> Path:
    return Path(str(resources.files("horetsu") / "data" / "diagnosis.toml"))


def _fail(file: Any, key: str, en: str, ja: str | None = None) -> ConfigError:
    return ConfigError(f"{file}: {key}: {en}", ja=f"{file}: {key}: 診断の設定が正しくありません: {ja or en}")


def build_quiz(overrides: dict[str, Any] | None = None, *, override_file: Any = "horetsu.toml",
               base_file: Path | None = None) -> Quiz:
    """Validate the quiz file (default: the shipped one) merged with ``overrides``."""
    base_file = base_file or default_quiz_path()
    base = load_toml(base_file)
    if not base and not base_file.exists():
        raise _fail(override_file, "diagnosis.file", f"{base_file} does not exist", f"{base_file} がありません")
    overrides = overrides or {}
    merged = deep_merge(base, overrides)

    def where(loc: tuple[Any, ...]) -> Any:
        node: Any = overrides
        for part in loc[:2]:
            if not isinstance(node, dict) or part not in node:
                return base_file
            node = node[part]
        return override_file

    try:
        quiz = Quiz.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        raise _fail(where(loc), ".".join(["diagnosis", *(str(p) for p in loc)]), first["msg"]) from None
    for name in AREAS:
        if name not in quiz.areas:
            raise _fail(where(("areas", name)), f"diagnosis.areas.{name}", "missing", "ありません")
    for qid, q in quiz.questions.items():
        for fid in q.fix:
            if fid not in quiz.fixes:
                key = f"diagnosis.questions.{qid}.fix"
                raise _fail(where(("questions", qid)), key, f"unknown fix {fid!r}; add it under [diagnosis.fixes]",
                            f"対策 {fid!r} は [diagnosis.fixes] にありません")
    return quiz


def load_quiz(ws: Any = None) -> Quiz:
    """The effective quiz of a workspace (the shipped one when ``ws`` is None)."""
    if ws is None:
        return build_quiz()
    section = dict(ws.config.get("diagnosis") or {})
    if not isinstance(ws.config.get("diagnosis", {}), dict):
        raise _fail(ws.config_path, "diagnosis", "must be a table", "テーブルで指定してください")
    base_file = None
    name = section.pop("file", None)
    if name:
        base_file = Path(name) if Path(name).is_absolute() else Path(ws.path) / name
    return build_quiz(section, override_file=ws.config_path, base_file=base_file)
