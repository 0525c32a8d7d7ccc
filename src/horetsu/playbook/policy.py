"""The whole policy: the stage rules plus the playbook's tactics, traits, timing, caps and thanks.

Defaults ship in ``horetsu/data/policy.toml``; a shop overrides any key in its
``horetsu.toml`` under ``[policy]`` (tables merge key by key, lists replace).  An invalid
policy raises :class:`horetsu.errors.PolicyError` naming the file, the key and the problem.

The stage rules (evidence, journey, temperature) are :class:`horetsu.stages.policy.StagePolicy`;
:class:`Policy` extends it with what only the playbook reads: the tactic catalogue and
the traits it is described by, each stage's forbidden traits and recommended tactics, and
the gate's timing, cap and thanks rules.  Validating a :class:`Policy` checks the whole
file (unknown keys anywhere are errors) and that every name a rule uses exists.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from horetsu.stages.policy import (
    STAGES,
    CirculationStage,
    EmpathyStage,
    EngagementStage,
    LandingStage,
    StageBase,
    StagePolicy,
    Stages,
    policy_error,
    validate_policy,
)

__all__ = [
    "ANCHORS", "CapRule", "Policy", "Tactic", "ThanksRule", "TimingRule", "TraitLabel",
    "build_policy", "load_policy",
]

ANCHORS: tuple[str, ...] = ("signup", "first_purchase", "last_purchase", "subscription_start")

_FORBID_EXTRA = ConfigDict(extra="forbid", frozen=True)


class _Model(BaseModel):
    model_config = _FORBID_EXTRA


class StageTactics(_Model):
    """What the playbook keeps in a stage's table: traits it forbids, tactics it recommends."""

    forbid: list[str] = Field(default_factory=list)
    recommend: list[str] = Field(default_factory=list)
    recommend_cooling: list[str] = Field(default_factory=list)


class ObserverRules(StageBase, StageTactics):
    pass


class LandingRules(LandingStage, StageTactics):
    pass


class EmpathyRules(EmpathyStage, StageTactics):
    pass


class EngagementRules(EngagementStage, StageTactics):
    pass


class CirculationRules(CirculationStage, StageTactics):
    pass


class StageRules(Stages):
    observer: ObserverRules
    landing: LandingRules
    empathy: EmpathyRules
    engagement: EngagementRules
    circulation: CirculationRules

    def get(self, name: str) -> Any:
        return getattr(self, name)


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


class Policy(StagePolicy):
    """The effective policy: stage rules (inherited) and the playbook's rules."""

    stages: StageRules
    traits: dict[str, TraitLabel]
    tactics: dict[str, Tactic]
    timing: dict[str, TimingRule] = Field(default_factory=dict)
    caps: dict[str, CapRule] = Field(default_factory=dict)
    thanks: dict[str, ThanksRule] = Field(default_factory=dict)

    # ----------------------------------------------------------------- helpers
    def stage(self, name: str) -> Any:
        """The stage's rules and its tactic lists (``forbid``, ``recommend``...)."""
        return self.stages.get(name)

    def tactics_with_trait(self, trait: str) -> list[str]:
        return sorted(name for name, tac in self.tactics.items() if trait in tac.traits)

    def trait_label(self, trait: str, lang: str = "en") -> str:
        lab = self.traits[trait]
        return lab.ja if lang == "ja" else lab.en


# --------------------------------------------------------------------- loading
def _check_references(policy: Policy, where: Any) -> None:
    """Names used by rules must exist (a typo must not silently disable a rule)."""

    def trait(key: str, name: str) -> None:
        if name not in policy.traits:
            raise policy_error(
                where(key), key, f"unknown trait {name!r}; add it under [policy.traits] or fix the name",
                f"特性 {name!r} は定義されていません",
            )

    def stage(key: str, name: str) -> None:
        if name not in STAGES:
            raise policy_error(
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
                    raise policy_error(where(key), key, f"unknown tactic {tac!r}", f"施策 {tac!r} はカタログにありません")
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
    policy, where = validate_policy(Policy, overrides, override_file=override_file, base=base)
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
