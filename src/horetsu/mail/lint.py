"""``horetsu mail lint``: prove that no step can reach a customer a rule forbids then.

Symbolic, not sampled: the trigger fixes which stages a customer can be in while the
sequence runs and how each anchor day of the timing rules relates to the trigger day;
a step's earliest send time is its ``delay_days`` (or the shortest interval the planner
uses plus ``offset_days``).  A step fails when a stage it can reach forbids one of its
tactic's traits, or when a timing rule's window may still be open at its earliest send.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from horetsu.stages.policy import STAGES

BUYER_STAGES = tuple(s for s in STAGES if s != "observer")


@dataclass(frozen=True)
class Finding:
    sequence: str
    step: int
    tactic: str
    rule: str
    message_en: str
    message_ja: str


def reachable_stages(seq: Any) -> tuple[str, ...]:
    """Stages a customer can be in while the sequence runs (conservative)."""
    kind, stage = seq.trigger_kind, seq.trigger_stage
    if kind == "stage_entered":
        return (stage,) if "stage_changed" in seq.stop_when else tuple(STAGES)
    if kind == "signup":
        # no purchase while it runs (stop_when purchased): every stage that needs no order
        return tuple(s for s in STAGES if s != "landing") if "purchased" in seq.stop_when else tuple(STAGES)
    return BUYER_STAGES  # a purchase or a subscription has happened


def anchor_relation(seq: Any, anchor: str) -> str:
    """How a rule's anchor day relates to the trigger day: ``same``, ``before`` or ``unknown``."""
    kind = seq.trigger_kind
    stops = "purchased" in seq.stop_when
    if anchor == "first_purchase":
        if kind == "first_purchase":
            return "same"
        if kind in ("repeat_purchase", "cooling") or (kind == "subscription_start" and stops):
            return "before"
    if anchor == "last_purchase" and stops:
        if kind in ("first_purchase", "repeat_purchase"):
            return "same"
        if kind in ("cooling", "subscription_start"):
            return "before"
    if anchor == "signup" and kind == "signup":
        return "same"
    if anchor == "subscription_start" and kind == "subscription_start" and stops:
        return "same"
    return "unknown"


def lint_sequences(sequences: dict[str, Any], policy: Any) -> list[Finding]:
    out: list[Finding] = []
    min_iv = int(policy.temperature.min_interval_days)
    for seq in sequences.values():
        stages = reachable_stages(seq)
        for i, step in enumerate(seq.steps, start=1):
            traits = policy.tactics[step.tactic].traits
            earliest = step.delay_days if step.delay_days is not None else max(0, min_iv + step.offset_days)
            for sname in stages:
                bad = [t for t in traits if t in policy.stage(sname).forbid]
                if bad:
                    out.append(Finding(seq.name, i, step.tactic, f"stage.{sname}.{bad[0]}",
                                       f"{seq.name} step {i} ({step.tactic}) can reach customers at {sname}, where {bad[0]} is forbidden",
                                       f"{seq.name} のステップ{i}({step.tactic})は {policy.stage(sname).ja} の顧客に届き得ますが、その段階では {bad[0]} は禁止です"))
                    break
            for rid, rule in policy.timing.items():
                if rule.trait not in traits or (rule.stages and not set(rule.stages) & set(stages)):
                    continue
                rel = anchor_relation(seq, rule.anchor)
                if rel == "unknown" or earliest < rule.days:
                    why = (f"its {rule.anchor} day is not fixed by the trigger {seq.trigger}" if rel == "unknown"
                           else f"the earliest send is {earliest} days after {rule.anchor}, the rule needs {rule.days}")
                    out.append(Finding(seq.name, i, step.tactic, f"timing.{rid}",
                                       f"{seq.name} step {i} ({step.tactic}) may fall inside timing.{rid}: {why}",
                                       f"{seq.name} のステップ{i}({step.tactic})は timing.{rid} の期間内に送られる可能性があります"))
    return out


def lint(ws: Any) -> list[Finding]:
    from horetsu.mail.sequences import load_sequences
    from horetsu.playbook.policy import load_policy

    policy = load_policy(ws)
    return lint_sequences(load_sequences(ws, policy=policy, only_enabled=False), policy)
