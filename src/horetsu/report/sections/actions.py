"""Action plan per stage: do / don't from the policy, reach, and what the gate would block."""

from __future__ import annotations

from typing import Any

import pandas as pd

from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import STAGES, Tr
from horetsu.report.model import Section, explain, table

# Tactics shops use most often; the gate is run for each on the whole customer base.
COMMON_TACTICS = ("mail_magazine", "discount_coupon", "subscription_offer", "upsell", "referral_request",
                  "review_request")


def load_policy(ws: Any) -> dict[str, Any]:
    """The workspace's effective policy (shipped defaults merged with ``[policy]``) as plain data."""
    from horetsu.playbook.policy import load_policy as _load

    return dict(_load(ws).model_dump())


def _name(policy: dict[str, Any], kind: str, key: str, tr: Tr) -> str:
    entry = (policy.get(kind) or {}).get(key) or {}
    if isinstance(entry, dict):
        return str(entry.get(tr.lang) or entry.get("en") or key)
    return key


def rule_label(policy: dict[str, Any], rule: str, tr: Tr) -> str:
    """A readable name for a rule id: ``stage.<stage>.<trait>`` or ``<group>.<name>`` of the policy."""
    parts = rule.split(".")
    if len(parts) == 3 and parts[0] == "stage":
        return f"{tr.stage(parts[1])}: {_name(policy, 'traits', parts[2], tr)}"
    if len(parts) == 2:
        entry = (policy.get(parts[0]) or {}).get(parts[1]) or {}
        if isinstance(entry, dict):
            text = entry.get(f"what_{tr.lang}") or entry.get(f"why_{tr.lang}")
            if text:
                return str(text)
    return rule


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("actions", tr("sec.actions"))
    cust = data.get("customers", columns=["customer_id", "stage", "temperature"])
    if cust is None or "stage" not in cust:
        sec.missing.append("results/customers.parquet: stage")
        return sec
    policy = load_policy(data.ws)
    stages_pol = policy.get("stages") or {}
    temp = cust["temperature"].astype(str) if "temperature" in cust else pd.Series("active", index=cust.index)
    # everyone in the stage is counted, as in the stage section; the cooling list serves the cooling and the
    # lapsed, as the next best action does (horetsu.playbook.nba)
    everyone = cust.groupby("stage").size()
    warm = cust[temp == "active"].groupby("stage").size()
    cooling = cust[temp != "active"].groupby("stage").size()

    rows = []
    sep = tr("list.sep")
    reach: dict[str, int] = {}
    for stage in STAGES:
        sp = stages_pol.get(stage) or {}
        rec = list(sp.get("recommend") or [])
        rec_cool = list(sp.get("recommend_cooling") or [])
        forbid = list(sp.get("forbid") or [])
        n_warm, n_cool = int(warm.get(stage, 0)), int(cooling.get(stage, 0))
        for t in rec:
            reach[t] = reach.get(t, 0) + n_warm
        for t in rec_cool:
            reach[t] = reach.get(t, 0) + n_cool
        rows.append((
            tr.stage(stage),
            tr.num(everyone.get(stage, 0)),
            tr.num(n_warm),
            tr.num(n_cool),
            str(sp.get(f"goal_{tr.lang}") or ""),
            sep.join(_name(policy, "tactics", t, tr) for t in rec) or tr("none"),
            sep.join(_name(policy, "tactics", t, tr) for t in rec_cool) or tr("none"),
            sep.join(_name(policy, "traits", t, tr) for t in forbid) or tr("none"),
        ))
    sec.blocks.append(table([tr("t.stage"), tr("t.in_stage"), tr("t.n_active"), tr("t.n_cooling_lapsed"), tr("t.goal"),
                             tr("t.do"), tr("t.cooling"), tr("t.dont")], rows, numeric=(1, 2, 3))
                      + explain("actions-customers", tr("ex.actions")))
    if reach:
        items = sorted(reach.items(), key=lambda kv: -kv[1])
        sec.chart("reach", figures.horizontal_bars(
            [_name(policy, "tactics", t, tr) for t, _ in items], {tr("s.customers"): [n for _, n in items]},
            tr("fig.action_reach"), tr("ax.customers"), tr("ax.tactic"), tr, colours=(theme.GREEN,)))
    gated = data.derived.gate_counts(COMMON_TACTICS)
    if gated is None or not len(gated):
        sec.missing.append("horetsu.playbook.gate")
    else:
        names = [_name(policy, "tactics", t, tr) for t in gated["tactic"]]
        sec.chart("gate", figures.horizontal_bars(
            names, {tr("s.allowed"): gated["allowed"].tolist(), tr("s.blocked"): gated["blocked"].tolist()},
            tr("fig.gate_blocked"), tr("ax.customers"), tr("ax.tactic"), tr, colours=(theme.BLUE, theme.VERMILLION)))
        sec.blocks.append(table(
            [tr("t.tactic"), tr("s.allowed"), tr("t.blocked"), tr("t.rule")],
            [(n, tr.num(r.allowed), tr.num(r.blocked), rule_label(policy, r.rule, tr) if r.rule else "–") for n, r in zip(names, gated.itertuples(),
                                                                                        strict=True)],
            numeric=(1, 2)))
        worst = gated.loc[gated["blocked"].idxmax()]
        total = int(worst["allowed"] + worst["blocked"])
        sec.takeaway = tr("tk.actions", tactic=_name(policy, "tactics", worst["tactic"], tr),
                          blocked=tr.num(worst["blocked"]), share=tr.pct(worst["blocked"] / max(total, 1)))
    sec.action = tr("act.actions")
    return sec
