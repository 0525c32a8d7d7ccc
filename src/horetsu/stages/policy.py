"""The policy: stage evidence, journey, temperature, tactics and gate rules, as data.

Defaults ship in ``horetsu/data/policy.toml``; a shop overrides any key in its
``horetsu.toml`` under ``[policy]`` (tables merge key by key, lists replace).  An invalid
policy raises :class:`horetsu.errors.PolicyError` naming the file, the key and the problem.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

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
    "ANCHORS", "JOURNEY_LABELS", "JOURNEY_STEPS", "STAGES", "TEMPERATURE_LABELS", "TEMPERATURES", "Policy",
    "build_policy", "load_policy", "stage_label",
]

ANCHORS: tuple[str, ...] = ("signup", "first_purchase", "last_purchase", "subscription_start")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StageBase(_Model):
    ja: str
    en: str
    state_en: str = ""
    state_ja: str = ""
    goal_en: str = ""
    goal_ja: str = ""
    forbid: list[str] = Field(default_factory=list)
    recommend: list[str] = Field(default_factory=list)
    recommend_cooling: list[str] = Field(default_factory=list)


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


class TraitLabel(_Model):
    ja: str
    en: str


class Tactic(_Model):
    ja: str
    en: str
    traits: list[str] = Field(min_length=1)


class TimingRule(_Model):
    trait: str
    anchor: Literal["signup", "first_purchase", "last_purchase", "subscription_start"]
    days: int = Field(ge=1)
    stages: list[str] = Field(default_factory=list)
    what_en: str
    what_ja: str
    why_en: str = ""
    why_ja: str = ""


class CapRule(_Model):
    trait: str
    counted_trait: str
    max: int = Field(ge=0)
    within_days: int = Field(ge=1)
    stages: list[str] = Field(default_factory=list)
    counted_en: str = "messages"
    counted_ja: str = "通のメッセージ"
    what_en: str
    what_ja: str
    why_en: str = ""
    why_ja: str = ""


class ThanksRule(_Model):
    trait: str
    stages: list[str] = Field(default_factory=list)
    contribution_events: list[str] = Field(min_length=1)
    gratitude_trait: str = "gratitude"
    what_en: str
    what_ja: str
    why_en: str = ""
    why_ja: str = ""


class Messages(_Model):
    sent_event_types: list[str] = Field(default_factory=lambda: ["message_sent"])


class Policy(_Model):
    stages: Stages
    journey: Journey = Journey()
    temperature: Temperature = Temperature()
    traits: dict[str, TraitLabel]
    tactics: dict[str, Tactic]
    timing: dict[str, TimingRule] = Field(default_factory=dict)
    caps: dict[str, CapRule] = Field(default_factory=dict)
    thanks: dict[str, ThanksRule] = Field(default_factory=dict)
    messages: Messages = Messages()

    # ----------------------------------------------------------------- helpers
    def stage(self, name: str) -> StageBase:
        return self.stages.get(name)

    def tactics_with_trait(self, trait: str) -> list[str]:
        return sorted(name for name, tac in self.tactics.items() if trait in tac.traits)

    def trait_label(self, trait: str, lang: str = "en") -> str:
        lab = self.traits[trait]
        return lab.ja if lang == "ja" else lab.en


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


def _fail(file: Any, key: str, what_en: str, what_ja: str | None = None) -> PolicyError:
    # no square brackets around the key: the CLI prints messages through Rich, whose
    # markup would swallow "[policy.x.y]" as a style tag
    return PolicyError(
        f"{file}: {key}: {what_en}",
        ja=f"{file}: {key}: ポリシーが正しくありません: {what_ja or what_en}",
    )


def _check_references(policy: Policy, where: Any) -> None:
    """Names used by rules must exist (a typo must not silently disable a rule)."""

    def trait(key: str, name: str) -> None:
        if name not in policy.traits:
            raise _fail(
                where(key), key, f"unknown trait {name!r}; add it under [policy.traits] or fix the name",
                f"特性 {name!r} は定義されていません",
            )

    def stage(key: str, name: str) -> None:
        if name not in STAGES:
            raise _fail(
                where(key), key, f"unknown stage {name!r}; stages are {', '.join(STAGES)}",
                f"ステージ {name!r} はありません。ステージ: {', '.join(STAGES)}",
            )

    for name, tac in policy.tactics.items():
        for tr in tac.traits:
            trait(f"policy.tactics.{name}.traits", tr)
    for sname in STAGES:
        st = policy.stage(sname)
        for tr in st.forbid:
            trait(f"policy.stages.{sname}.forbid", tr)
        for field in ("recommend", "recommend_cooling"):
            for tac in getattr(st, field):
                if tac not in policy.tactics:
                    key = f"policy.stages.{sname}.{field}"
                    raise _fail(where(key), key, f"unknown tactic {tac!r}", f"施策 {tac!r} はカタログにありません")
    for kind in ("timing", "caps", "thanks"):
        for rid, rule in getattr(policy, kind).items():
            trait(f"policy.{kind}.{rid}.trait", rule.trait)
            for extra in ("counted_trait", "gratitude_trait"):
                if hasattr(rule, extra):
                    trait(f"policy.{kind}.{rid}.{extra}", getattr(rule, extra))
            for s in rule.stages:
                stage(f"policy.{kind}.{rid}.stages", s)


def build_policy(
    overrides: dict[str, Any] | None = None,
    *,
    override_file: Any = "horetsu.toml",
    base: dict[str, Any] | None = None,
) -> Policy:
    """Validate the default policy merged with ``overrides`` (the ``[policy]`` table)."""
    default_file = default_policy_path()
    if base is None:
        with open(default_file, "rb") as fh:
            base = tomllib.load(fh)
    overrides = overrides or {}
    if not isinstance(overrides, dict):
        raise _fail(override_file, "policy", "must be a table", "テーブルで指定してください")
    merged = deep_merge(base, overrides)

    def where(dotted: str) -> Any:
        parts = tuple(dotted.split("."))[1:]
        return override_file if _has_path(overrides, parts[:2]) else default_file

    try:
        policy = Policy.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        key = ".".join(["policy", *(str(p) for p in loc)])
        from horetsu.i18n import validation_ja

        raise _fail(where(key), key, first["msg"], validation_ja(first)) from None
    _check_references(policy, where)
    return policy


def load_policy(ws: Any = None) -> Policy:
    """The effective policy of a workspace (defaults merged with ``[policy]`` in horetsu.toml)."""
    if ws is None:
        return build_policy()
    cached = getattr(ws, "_horetsu_policy", None)
    if cached is not None:
        return cached
    policy = build_policy(ws.config.get("policy") or {}, override_file=ws.config_path)
    try:
        ws._horetsu_policy = policy
    except AttributeError:  # pragma: no cover - exotic workspace objects
        pass
    return policy


def stage_label(policy: Policy, name: str, lang: str = "en") -> str:
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


def stage_names(policy: "Policy | None" = None) -> dict[str, tuple[str, str]]:
    """{stage: (ja, en)} from the policy (a shop may rename its stages)."""
    policy = policy or build_policy()
    return {s: (policy.stage(s).ja, policy.stage(s).en) for s in STAGES}


def resolve_stage(policy: "Policy | None", value: Any) -> str:
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


def resolve_segment(policy: "Policy | None", segment: Any) -> Any:
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
