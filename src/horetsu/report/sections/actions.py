"""Action plan per stage: do / don't from the policy, reach, and what the gate would block."""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

import pandas as pd

from horetsu.errors import HoretsuError
from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import STAGES, Tr
from horetsu.report.model import Section, table

# Tactics shops use most often; the gate is run for each on the whole customer base.
COMMON_TACTICS = ("mail_magazine", "discount_coupon", "subscription_offer", "upsell", "referral_request",
                  "review_request")


def load_policy(ws: Any) -> dict[str, Any]:
    """The effective policy: the stages module's loader when present, else the shipped TOML."""
    try:
        from horetsu.stages.policy import load_policy as _load  # type: ignore[import-not-found]
    except ImportError:
        _load = None
    if _load is not None:
        pol = _load(ws)
        if hasattr(pol, "model_dump"):
            pol = pol.model_dump()
        return dict(pol)
    text = resources.files("horetsu").joinpath("data/policy.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _name(policy: dict[str, Any], kind: str, key: str, tr: Tr) -> str:
    entry = (policy.get(kind) or {}).get(key) or {}
    if isinstance(entry, dict):
        return str(entry.get(tr.lang) or entry.get("en") or key)
    return key


def _gate_counts(ws: Any, tactics: tuple[str, ...], tr: Tr) -> pd.DataFrame | None:
    try:
        from horetsu.playbook.gate import gate  # type: ignore[import-not-found]
    except ImportError:
        return None
    rows = []
    for tactic in tactics:
        try:
            res = gate(ws, tactic)
        except HoretsuError:
            continue
        blocked = _arrow_or_pandas(res.blocked)
        allowed = _arrow_or_pandas(res.allowed)
        top_rule = ""
        if len(blocked) and "rule" in blocked:
            top_rule = str(blocked["rule"].value_counts().index[0])
        rows.append({"tactic": tactic, "allowed": len(allowed), "blocked": len(blocked), "rule": top_rule})
    return pd.DataFrame(rows) if rows else None


def _arrow_or_pandas(x: Any) -> pd.DataFrame:
    if isinstance(x, pd.DataFrame):
        return x
    if hasattr(x, "to_pandas"):
        return x.to_pandas()
    return pd.DataFrame(x)


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("actions", tr("sec.actions"))
    cust = data.get("customers", columns=["customer_id", "stage", "temperature"])
    if cust is None or "stage" not in cust:
        sec.missing.append("results/customers.parquet: stage")
        return sec
    policy = load_policy(data.ws)
    stages_pol = policy.get("stages") or {}
    temp = cust["temperature"].astype(str) if "temperature" in cust else pd.Series("active", index=cust.index)
    warm = cust[temp == "active"].groupby("stage").size()
    cooling = cust[temp == "cooling"].groupby("stage").size()

    rows = []
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
            tr.num(n_warm + n_cool),
            str(sp.get(f"goal_{tr.lang}") or ""),
            "、".join(_name(policy, "tactics", t, tr) for t in rec) if tr.ja else
            "; ".join(_name(policy, "tactics", t, tr) for t in rec),
            ("、" if tr.ja else "; ").join(_name(policy, "tactics", t, tr) for t in rec_cool) or tr("none"),
            ("、" if tr.ja else "; ").join(_name(policy, "traits", t, tr) for t in forbid) or tr("none"),
        ))
    sec.blocks.append(table([tr("t.stage"), tr("t.customers"), tr("t.goal"), tr("t.do"), tr("t.cooling"),
                             tr("t.dont")], rows, numeric=(1,)))
    if reach:
        items = sorted(reach.items(), key=lambda kv: -kv[1])
        sec.chart("reach", figures.horizontal_bars(
            [_name(policy, "tactics", t, tr) for t, _ in items], {tr("s.customers"): [n for _, n in items]},
            tr("fig.action_reach"), tr("ax.customers"), tr("ax.tactic"), tr, colours=(theme.GREEN,)))
    gated = _gate_counts(data.ws, COMMON_TACTICS, tr)
    if gated is None:
        sec.missing.append("horetsu.playbook.gate")
    else:
        names = [_name(policy, "tactics", t, tr) for t in gated["tactic"]]
        sec.chart("gate", figures.horizontal_bars(
            names, {tr("s.allowed"): gated["allowed"].tolist(), tr("s.blocked"): gated["blocked"].tolist()},
            tr("fig.gate_blocked"), tr("ax.customers"), tr("ax.tactic"), tr, colours=(theme.BLUE, theme.VERMILLION)))
        sec.blocks.append(table(
            [tr("t.tactic"), tr("s.allowed"), tr("t.blocked"), tr("t.rule")],
            [(n, tr.num(r.allowed), tr.num(r.blocked), r.rule or "–") for n, r in zip(names, gated.itertuples(),
                                                                                        strict=True)],
            numeric=(1, 2)))
        worst = gated.loc[gated["blocked"].idxmax()]
        total = int(worst["allowed"] + worst["blocked"])
        sec.takeaway = tr("tk.actions", tactic=_name(policy, "tactics", worst["tactic"], tr),
                          blocked=tr.num(worst["blocked"]), share=tr.pct(worst["blocked"] / max(total, 1)))
    sec.action = tr("act.actions")
    return sec
