"""The stage rules of the policy: stage evidence, journey, temperature, as data.

Defaults ship in ``horetsu/data/policy.toml``; a shop overrides any key in its
``horetsu.toml`` under ``[policy]`` (tables merge key by key, lists replace).  An invalid
policy raises :class:`horetsu.errors.PolicyError` naming the file, the key and the problem.

This module knows no tactic: the same file's tactics, traits, timing, caps and thanks (and
each stage's ``forbid`` / ``recommend`` lists) belong to the playbook
(:mod:`horetsu.playbook.policy`), whose :class:`~horetsu.playbook.policy.Policy` extends
:class:`StagePolicy` and validates the whole file.  Loading only the stage rules here
leaves out the keys that the shipped defaults have and the stage models do not declare
(the playbook's loader reports any mistake in those); any other unknown key is an error.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from horetsu.core.labels import (  # noqa: F401 - re-exported: the stage API names them
    JOURNEY_LABELS,
    JOURNEY_STEPS,
    STAGES,
    TEMPERATURE_LABELS,
    TEMPERATURES,
)
from horetsu.config import deep_merge
from horetsu.errors import PolicyError

__all__ = [
    "JOURNEY_LABELS", "JOURNEY_STEPS", "STAGES", "TEMPERATURE_LABELS", "TEMPERATURES", "StagePolicy",
    "build_stage_policy", "load_stage_policy", "stage_label", "validate_policy",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageBase(_Model):
    ja: str
    en: str
    state_en: str = ""
    state_ja: str = ""
    goal_en: str = ""
    goal_ja: str = ""


class LandingStage(StageBase):
    min_orders: int = Field(1, ge=1)


class EmpathyStage(StageBase):
    min_orders: int = Field(2, ge=2)
    contact_events: list[str] = Field(default_factory=lambda: ["inquiry"])
    contact_lookback_days: int = Field(365, ge=1)


class EngagementStage(StageBase):
    active_subscription: bool = True
    min_categories: int = Field(2, ge=0)  # 0 disables cross-category evidence
    participation_events: list[str] = Field(default_factory=list)
    participation_lookback_days: int = Field(365, ge=1)


class CirculationStage(StageBase):
    advocacy_events: list[str] = Field(default_factory=lambda: ["referral_made", "testimonial"])
    advocacy_lookback_days: int = Field(730, ge=1)
    nps_promoter_min: float = Field(9.0, ge=0, le=10)
    nps_lookback_days: int = Field(365, ge=1)


class Stages(_Model):
    observer: StageBase
    landing: LandingStage
    empathy: EmpathyStage
    engagement: EngagementStage
    circulation: CirculationStage

    def get(self, name: str) -> StageBase:
        return getattr(self, name)


class Journey(_Model):
    lead_events: list[str] = Field(default_factory=lambda: ["lead", "signup"])
    full_line_min_categories: int = Field(3, ge=2)
    full_line_share: float = Field(0.8, gt=0, le=1)
    advocate_events: list[str] = Field(default_factory=lambda: ["referral_made"])


class Temperature(_Model):
    cooling_ratio: float = Field(1.5, gt=0)
    lapsed_ratio: float = Field(3.0, gt=0)
    default_interval_days: float = Field(60, gt=0)
    min_interval_days: float = Field(14, gt=0)
    p_alive_cooling: float = Field(0.5, ge=0, le=1)
    p_alive_lapsed: float = Field(0.2, ge=0, le=1)
    contact_cooling_days: int = Field(90, ge=1)
    contact_lapsed_days: int = Field(365, ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> "Temperature":
        if self.lapsed_ratio <= self.cooling_ratio:
            raise ValueError("lapsed_ratio must be larger than cooling_ratio")
        if self.p_alive_lapsed >= self.p_alive_cooling:
            raise ValueError("p_alive_lapsed must be smaller than p_alive_cooling")
        if self.contact_lapsed_days <= self.contact_cooling_days:
            raise ValueError("contact_lapsed_days must be larger than contact_cooling_days")
        return self


class Messages(_Model):
    sent_event_types: list[str] = Field(default_factory=lambda: ["message_sent"])


class StagePolicy(_Model):
    """The stage rules: what the stage, journey and temperature engine reads."""

    stages: Stages
    journey: Journey = Journey()
    temperature: Temperature = Temperature()
    messages: Messages = Messages()

    def stage(self, name: str) -> StageBase:
        return self.stages.get(name)


# --------------------------------------------------------------------- loading
def default_policy_path() -> Path:
    return Path(str(resources.files("horetsu") / "data" / "policy.toml"))


def _has_path(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    node: Any = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return False
    return True


def policy_error(file: Any, key: str, what_en: str, what_ja: str | None = None) -> PolicyError:
    """The error for one bad key of the policy, naming the file it came from."""
    # no square brackets around the key: the CLI prints messages through Rich, whose
    # markup would swallow "[policy.x.y]" as a style tag
    return PolicyError(
        f"{file}: {key}: {what_en}",
        ja=f"{file}: {key}: ポリシーが正しくありません: {what_ja or what_en}",
    )


P = TypeVar("P", bound=BaseModel)


def validate_policy(
    model: type[P],
    overrides: dict[str, Any] | None = None,
    *,
    override_file: Any = "horetsu.toml",
    base: dict[str, Any] | None = None,
) -> tuple[P, Any]:
    """Validate the default policy merged with ``overrides`` (the ``[policy]`` table) as ``model``.

    Returns the model and ``where(dotted_key)``: the file a key came from (the shop's
    ``horetsu.toml`` when it overrides that table, else the shipped defaults), for the
    messages of later checks.
    """
    default_file = default_policy_path()
    if base is None:
        with open(default_file, "rb") as fh:
            base = tomllib.load(fh)
    overrides = overrides or {}
    if not isinstance(overrides, dict):
        raise policy_error(override_file, "policy", "must be a table", "テーブルで指定してください")
    merged = deep_merge(base, overrides)

    def where(dotted: str) -> Any:
        parts = tuple(dotted.split("."))[1:]
        return override_file if _has_path(overrides, parts[:2]) else default_file

    try:
        policy = model.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        key = ".".join(["policy", *(str(p) for p in loc)])
        from horetsu.i18n import validation_ja

        raise policy_error(where(key), key, first["msg"], validation_ja(first)) from None
    return policy, where


def _own_keys(data: Any, defaults: Any, model: Any) -> Any:
    """``data`` without the keys that ``defaults`` has at the same place and ``model`` does not
    declare (another layer's keys in the same file), recursively through nested models."""
    if not (isinstance(data, dict) and isinstance(defaults, dict)
            and isinstance(model, type) and issubclass(model, BaseModel)):
        return data
    fields = model.model_fields
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in fields:
            out[key] = _own_keys(value, defaults.get(key), fields[key].annotation)
        elif key not in defaults:
            out[key] = value  # unknown everywhere: left in for the validation to report
    return out


def build_stage_policy(
    overrides: dict[str, Any] | None = None,
    *,
    override_file: Any = "horetsu.toml",
    base: dict[str, Any] | None = None,
) -> StagePolicy:
    """The stage rules of the default policy merged with ``overrides``."""
    if base is None:
        with open(default_policy_path(), "rb") as fh:
            base = tomllib.load(fh)
    if isinstance(overrides, dict):
        overrides = _own_keys(overrides, base, StagePolicy)
    return validate_policy(StagePolicy, overrides, override_file=override_file, base=_own_keys(base, base, StagePolicy))[0]


def load_stage_policy(ws: Any = None) -> StagePolicy:
    """The effective stage rules of a workspace (defaults merged with ``[policy]`` in horetsu.toml).

    When the playbook already loaded the whole policy for ``ws``, that object serves (it
    extends :class:`StagePolicy`); otherwise only the stage rules are read and validated.
    """
    if ws is None:
        return build_stage_policy()
    for attr in ("_horetsu_policy", "_horetsu_stage_policy"):
        cached = getattr(ws, attr, None)
        if cached is not None:
            return cached
    policy = build_stage_policy(ws.config.get("policy") or {}, override_file=ws.config_path)
    try:
        ws._horetsu_stage_policy = policy
    except AttributeError:  # pragma: no cover - exotic workspace objects
        pass
    return policy


def stage_label(policy: StagePolicy, name: str, lang: str = "en") -> str:
    st = policy.stage(name)
    return st.ja if lang == "ja" else st.en


# ------------------------------------------------------------ name resolution
# Every name shown in Japanese is accepted as input too.  One place decides how a typed
# name maps to a stage, temperature, journey step or tactic: the identifier itself, the
# English label (any case) or the Japanese label (NFKC; a journey label also without its
# parenthesised note, e.g. 見込み客).  Errors are whole sentences in each language.
def _norm(text: Any) -> str:
    import unicodedata

    return unicodedata.normalize("NFKC", str(text)).strip().casefold()


def _short(label: str) -> str:
    """``見込み客(資料請求・登録)`` → ``見込み客`` (after NFKC the brackets are ASCII)."""
    return label.split("(", 1)[0].strip()


def resolve_name(
    value: Any, names: dict[str, tuple[str, str]], *, what_en: str, what_ja: str, error: type = PolicyError
) -> str:
    """The identifier ``value`` names among ``names`` ({id: (ja label, en label)}).

    Unknown names raise ``error`` listing close matches (or every name): identifiers in
    English, Japanese labels in Japanese.
    """
    import difflib

    typed = _norm(value)
    lookup: dict[str, str] = {}
    for ident, (ja, en) in names.items():
        for alias in (ident, en, ja, _short(_norm(ja))):
            lookup.setdefault(_norm(alias), ident)
    if typed in lookup:
        return lookup[typed]
    close = difflib.get_close_matches(typed, list(lookup), n=3, cutoff=0.5)
    close_ids = list(dict.fromkeys(lookup[c] for c in close))
    ids = close_ids or list(names)
    hint_en = (f"did you mean {', '.join(ids)}?" if close_ids else f"{what_en}s are {', '.join(ids)}")
    hint_ja = ("候補: " if close_ids else f"{what_ja}: ") + "、".join(names[i][0] for i in ids)
    raise error(f"unknown {what_en} {str(value)!r}; {hint_en}", ja=f"{what_ja}「{value}」はありません。{hint_ja}")


def stage_names(policy: "StagePolicy | None" = None) -> dict[str, tuple[str, str]]:
    """{stage: (ja, en)} from the policy (a shop may rename its stages)."""
    policy = policy or build_stage_policy()
    return {s: (policy.stage(s).ja, policy.stage(s).en) for s in STAGES}


def resolve_stage(policy: "StagePolicy | None", value: Any) -> str:
    """``観測`` / ``Observer`` / ``observer`` → ``observer``; unknown names raise PolicyError."""
    return resolve_name(value, stage_names(policy), what_en="stage", what_ja="段階")


def resolve_temperature(value: Any) -> str:
    """``冷えつつある`` / ``Cooling`` / ``cooling`` → ``cooling``."""
    return resolve_name(value, TEMPERATURE_LABELS, what_en="temperature", what_ja="温度")


def resolve_journey_step(value: Any) -> str:
    """``定期購入`` / ``subscription`` / ``見込み客`` → the journey step id."""
    return resolve_name(value, JOURNEY_LABELS, what_en="journey step", what_ja="ジャーニーの段階")


#: the keys of a segment table in a plan file, with their labels
SEGMENT_KEYS: dict[str, tuple[str, str]] = {
    "stage": ("段階", "stage"),
    "temperature": ("温度", "temperature"),
    "journey_step": ("ジャーニーの段階", "journey step"),
}
_ALL = ("all", "全員", "すべて")


def resolve_segment(policy: "StagePolicy | None", segment: Any) -> Any:
    """A plan's ``segment`` with every name turned into its id.

    ``"観測"`` → ``"observer"``; ``{stage = ["着地", "共感"], temperature = "冷えつつある"}`` →
    ``{"stage": ["landing", "empathy"], "temperature": "cooling"}``; ``"全員"`` → ``"all"``.
    Values of other types are returned unchanged (the plan's schema reports them).
    """
    if isinstance(segment, str):
        return "all" if _norm(segment) in _ALL else resolve_stage(policy, segment)
    if not isinstance(segment, dict):
        return segment
    one = {"stage": lambda v: resolve_stage(policy, v), "temperature": resolve_temperature,
           "journey_step": resolve_journey_step}
    out: dict[str, Any] = {}
    for key, value in segment.items():
        if key not in one:
            raise PolicyError(
                f"segment key {key!r} must be one of {', '.join(SEGMENT_KEYS)}",
                ja=f"segment の項目「{key}」は使えません。使える項目: "
                + "、".join(f"{k}({ja})" for k, (ja, _en) in SEGMENT_KEYS.items()),
            )
        if isinstance(value, str):
            out[key] = one[key](value)
        elif isinstance(value, list):
            out[key] = [one[key](v) if isinstance(v, str) else v for v in value]
        else:
            out[key] = value
    return out
