"""Sequences as data: one TOML file per sequence in ``WORKSPACE/sequences/``.

A file names its ``trigger``, what stops it (``stop_when``), the ``holdout`` share and
its ``[[steps]]``; each step has a ``tactic`` from the catalogue, a ``template`` and its
time: ``delay_days`` after the trigger, or ``at = "expected_repurchase"`` with
``offset_days``.  Every error names the file and the key.
"""

from __future__ import annotations

import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from horetsu.errors import SequenceError
from horetsu.stages.policy import STAGES

TRIGGERS = ("first_purchase", "repeat_purchase", "subscription_start", "signup", "cooling")
STOP_WHEN = ("purchased", "stage_changed", "unsubscribed")
CHANNELS = ("email", "line")


class Step(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tactic: str
    template: str
    delay_days: int | None = None
    at: Literal["expected_repurchase"] | None = None
    offset_days: int = 0
    channel: Literal["email", "line"] = "email"

    @field_validator("template", "tactic")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", value) or ".." in value:
            raise ValueError("use letters, digits, '_', '-' and '.' only (a file name in sequences/templates/)")
        return value

    @model_validator(mode="after")
    def _one_time(self) -> "Step":
        if (self.delay_days is None) == (self.at is None):
            raise ValueError('give either delay_days or at = "expected_repurchase" (with offset_days)')
        if self.delay_days is not None and self.delay_days < 0:
            raise ValueError("delay_days must be 0 or more")
        return self


class Sequence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    trigger: str
    stop_when: list[Literal["purchased", "stage_changed", "unsubscribed"]] = ["purchased", "unsubscribed"]
    holdout: float = 0.10
    enabled: bool = True
    steps: list[Step]

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, value: str) -> str:
        if value in TRIGGERS:
            return value
        if value.startswith("stage_entered:") and value.split(":", 1)[1] in STAGES:
            return value
        raise ValueError(f"unknown trigger {value!r}; use one of {', '.join(TRIGGERS)} or stage_entered:<{'|'.join(STAGES)}>")

    @field_validator("holdout")
    @classmethod
    def _share(cls, value: float) -> float:
        if not 0.0 <= value < 1.0:
            raise ValueError("holdout is a share from 0 to below 1 (e.g. 0.10)")
        return value

    @field_validator("steps")
    @classmethod
    def _some(cls, value: list[Step]) -> list[Step]:
        if not value:
            raise ValueError("a sequence needs at least one [[steps]]")
        return value

    @property
    def trigger_kind(self) -> str:
        return self.trigger.split(":", 1)[0]

    @property
    def trigger_stage(self) -> str | None:
        return self.trigger.split(":", 1)[1] if ":" in self.trigger else None


def parse_sequence(data: dict[str, Any], file: Any, tactics: Any = None) -> Sequence:
    """Validate one sequence; ``tactics`` (names) checks every step's tactic."""
    name = Path(str(file)).stem
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}", name):
        raise SequenceError(f"{file}: the file name must use letters, digits, '_', '-' and '.' only",
                            ja=f"{file}: ファイル名には英数字と _ - . だけを使ってください")
    try:
        seq = Sequence.model_validate({"name": name, **data})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if p != "function-after[_one_time(), Step]")
        raise SequenceError(f"{file}: [{loc}] {first['msg']}", ja=f"{file}: [{loc}] の値が正しくありません: {first['msg']}") from None
    if tactics is not None:
        for i, step in enumerate(seq.steps):
            if step.tactic not in tactics:
                raise SequenceError(
                    f"{file}: [steps.{i}.tactic] unknown tactic {step.tactic!r} (see `horetsu tactics`)",
                    ja=f"{file}: [steps.{i}.tactic] 施策 {step.tactic!r} はカタログにありません（`horetsu tactics` を参照）",
                )
    return seq


def sequences_dir(ws: Any) -> Path:
    return Path(ws.path) / "sequences"


def load_sequences(ws: Any, *, policy: Any = None, only_enabled: bool = True) -> dict[str, Sequence]:
    """Every sequence in ``WORKSPACE/sequences/*.toml`` by name (sorted)."""
    from horetsu.config import load_toml
    from horetsu.playbook.policy import load_policy

    policy = policy or load_policy(ws)
    out: dict[str, Sequence] = {}
    folder = sequences_dir(ws)
    if not folder.exists():
        return out
    for path in sorted(folder.glob("*.toml")):
        seq = parse_sequence(load_toml(path), path, tactics=set(policy.tactics))
        if seq.enabled or not only_enabled:
            out[seq.name] = seq
    return out


def default_sequences_root() -> Any:
    return resources.files("horetsu") / "data" / "sequences"


def install_defaults(ws: Any) -> list[Path]:
    """Copy the shipped sequences and templates into the workspace (never overwrites)."""
    src = default_sequences_root()
    dest = sequences_dir(ws)
    written: list[Path] = []
    for sub in ("", "templates"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
        folder = src / sub if sub else src
        for entry in folder.iterdir():
            if entry.is_file() and entry.name.endswith((".toml", ".txt")):
                target = dest / sub / entry.name
                if not target.exists():
                    with resources.as_file(entry) as real:
                        shutil.copyfile(real, target)
                    written.append(target)
    return written
