"""Properties of the rule engine on generated customers (no workspace: the rules work on a
classified frame, so thousands of cases run in seconds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from horetsu.playbook.rules import anchor_days, evaluate
from horetsu.playbook.policy import build_policy
from horetsu.stages.policy import STAGES

POLICY = build_policy()
TACTICS = sorted(POLICY.tactics)
D = 20_000  # the as-of day number

maybe_day = st.one_of(st.none(), st.integers(min_value=0, max_value=400))


@st.composite
def frames(draw):
    n = draw(st.integers(min_value=1, max_value=25))
    rows = []
    for i in range(n):
        ago = {c: draw(maybe_day) for c in ("reg_day", "first_lead_day", "first_order_day", "last_order_day",
                                            "last_sub_day", "last_contribution_day",
                                            "thanks_day__thanks_before_request")}
        stage = draw(st.sampled_from(STAGES))
        row = {c: (None if v is None else D - v) for c, v in ago.items()}
        row.update({
            "customer_id": f"c{i}", "stage": stage, "stage_ja": POLICY.stage(stage).ja, "as_of_day": D,
            "facts_en": "facts", "facts_ja": "事実",
            "cap_count__message_frequency": draw(st.integers(0, 4)),
            "cap_count__circulation_requests": draw(st.integers(0, 2)),
            "cap_count__circulation_special_treatment": draw(st.integers(0, 2)),
        })
        rows.append(row)
    return pd.DataFrame(rows)


@settings(max_examples=100, deadline=None)
@given(frames(), st.sampled_from(TACTICS))
def test_every_block_is_explained_by_its_rule(frame, tactic):
    ev = evaluate(frame, POLICY, tactic)
    traits = POLICY.tactics[tactic].traits
    assert ((ev.rule != "") == ev.blocked).all()
    assert all(r for r in ev.reason[ev.blocked]) and all(r for r in ev.reason_ja[ev.blocked])
    for i in np.flatnonzero(ev.blocked):
        kind, name, *rest = ev.rule[i].split(".")
        row = frame.iloc[[i]]
        if kind == "stage":
            assert name == row["stage"].iloc[0]
            assert rest[0] in traits and rest[0] in POLICY.stage(name).forbid
        elif kind == "timing":
            rule = POLICY.timing[name]
            since = D - anchor_days(row, rule.anchor).iloc[0]
            assert rule.trait in traits and 0 <= since < rule.days
            ago = " 1 day ago" if since == 1 else f" {int(since)} days ago"
            assert (" today;" if since == 0 else ago) in ev.reason[i]
        elif kind == "cap":
            rule = POLICY.caps[name]
            assert rule.trait in traits and row[f"cap_count__{name}"].iloc[0] >= rule.max
        else:
            assert kind == "thanks" and row["stage"].iloc[0] == "circulation"


@settings(max_examples=60, deadline=None)
@given(frames(), st.sampled_from(TACTICS), st.integers(min_value=1, max_value=60))
def test_a_longer_window_never_lets_anyone_through(frame, tactic, extra):
    base = evaluate(frame, POLICY, tactic).blocked
    longer = POLICY.model_copy(update={"timing": {
        rid: r.model_copy(update={"days": r.days + extra}) for rid, r in POLICY.timing.items()}})
    assert (evaluate(frame, longer, tactic).blocked >= base).all()
