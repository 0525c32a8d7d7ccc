"""Next best action: the first recommended tactic of the customer's stage that no rule blocks.

Cooling or lapsed customers try the stage's ``recommend_cooling`` list first.  When every
candidate is blocked the action is ``wait`` (leave them alone for now), with the first
blocking reason.  Loops run over stages and tactics (a handful), never over customers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from horetsu.core.labels import temperature_ja
from horetsu.playbook.rules import evaluate
from horetsu.playbook.policy import Policy
from horetsu.stages.policy import STAGES

WAIT = "wait"


def _candidates(policy: Policy, stage: str, cooling: bool) -> list[str]:
    st = policy.stage(stage)
    first = list(st.recommend_cooling) if cooling else []
    return list(dict.fromkeys(first + list(st.recommend)))


def next_best_action(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Add ``next_action``, ``next_action_reason`` and ``next_action_reason_ja`` columns."""
    f = frame.reset_index(drop=True).copy()
    size = len(f)
    action = np.full(size, "", dtype=object)
    why = np.full(size, "", dtype=object)
    why_ja = np.full(size, "", dtype=object)
    stage = f["stage"].to_numpy()
    cooling = f["temperature"].isin(["cooling", "lapsed"]).to_numpy()
    temp_ja = f["temperature"].map(temperature_ja()).to_numpy()
    temp_en = f["temperature"].to_numpy()
    for sname in STAGES:
        st = policy.stage(sname)
        for cool in (False, True):
            rows = np.flatnonzero((stage == sname) & (cooling == cool))
            if rows.size == 0:
                continue
            sub = f.iloc[rows]
            open_ = np.ones(rows.size, dtype=bool)
            first_block = np.full(rows.size, "", dtype=object)
            first_block_ja = np.full(rows.size, "", dtype=object)
            for name in _candidates(policy, sname, cool):
                ev = evaluate(sub, policy, name, reasons=True)
                take = open_ & ~ev.blocked
                tac = policy.tactics[name]
                idx = rows[take]
                action[idx] = name
                why[idx] = (st.en + ", " + temp_en[idx] + ": " + st.goal_en + "; " + tac.en
                            + " is the first recommended tactic that no rule blocks")
                why_ja[idx] = (st.ja + "・" + temp_ja[idx] + ": " + st.goal_ja + "。" + tac.ja
                               + "はどのルールにも当たらない最初の推奨施策です")
                note = open_ & ev.blocked & (first_block == "")
                first_block[note] = ev.reason[note]
                first_block_ja[note] = ev.reason_ja[note]
                open_ &= ~take
                if not open_.any():
                    break
            idx = rows[open_]
            if idx.size:
                action[idx] = WAIT
                why[idx] = "every recommended tactic is blocked for now: " + first_block[open_].astype(str)
                why_ja[idx] = "推奨施策はいずれも今は行えません: " + first_block_ja[open_].astype(str)
    f["next_action"] = action
    f["next_action_reason"] = why
    f["next_action_reason_ja"] = why_ja
    return f
