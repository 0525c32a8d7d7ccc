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
from horetsu.stages.classifier import categories_of, has_default_index, texts_of
from horetsu.playbook.policy import Policy
from horetsu.stages.policy import STAGES, TEMPERATURES

WAIT = "wait"


def _candidates(policy: Policy, stage: str, cooling: bool) -> list[str]:
    st = policy.stage(stage)
    first = list(st.recommend_cooling) if cooling else []
    return list(dict.fromkeys(first + list(st.recommend)))


def next_best_action(frame: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Add ``next_action``, ``next_action_reason`` and ``next_action_reason_ja`` columns.

    The frame is changed in place when it has the default index (and returned).  A chosen
    tactic's reason depends only on the stage, the temperature and the tactic: those few
    sentences are written once and shared.  A customer left to wait gets the reason of
    their stage's first candidate, which blocks every waiting customer.
    """
    f = frame if has_default_index(frame) else frame.reset_index(drop=True)
    size = len(f)
    actions = [""]
    action = np.zeros(size, dtype=np.int64)  # index into ``actions``
    texts, texts_ja = [""], [""]
    code = np.zeros(size, dtype=np.int64)  # index into ``texts``
    stage = f["stage"].to_numpy()
    temp_names = list(dict.fromkeys(TEMPERATURES))
    temp_code = f["temperature"].map({t: i for i, t in enumerate(temp_names)}).fillna(-1).to_numpy(dtype=np.int64)
    cooling = np.isin(temp_code, [temp_names.index("cooling"), temp_names.index("lapsed")])
    waiting: list[tuple[np.ndarray, list[str]]] = []
    for sname in STAGES:
        st = policy.stage(sname)
        for cool in (False, True):
            rows = np.flatnonzero((stage == sname) & (cooling == cool))
            if rows.size == 0:
                continue
            sub = f.iloc[rows]
            open_ = np.ones(rows.size, dtype=bool)
            candidates = _candidates(policy, sname, cool)
            for name in candidates:
                ev = evaluate(sub, policy, name, reasons=False)
                take = open_ & ~ev.blocked
                if take.any():
                    tac = policy.tactics[name]
                    idx = rows[take]
                    action[idx] = len(actions)
                    actions.append(name)
                    for t, temp in enumerate(temp_names):
                        mine = idx[temp_code[idx] == t]
                        if mine.size == 0:
                            continue
                        code[mine] = len(texts)
                        texts.append(f"{st.en}, {temp}: {st.goal_en}; {tac.en} is the first recommended tactic "
                                     "that no rule blocks")
                        texts_ja.append(f"{st.ja}・{temperature_ja().get(temp, temp)}: {st.goal_ja}。{tac.ja}"
                                        "はどのルールにも当たらない最初の推奨施策です")
                open_ &= ~take
                if not open_.any():
                    break
            if open_.any():
                waiting.append((rows[open_], candidates))
    for idx, candidates in waiting:
        action[idx] = len(actions)
        actions.append(WAIT)
        first_block = first_block_ja = np.full(idx.size, "", dtype=object)
        if candidates:  # every candidate blocks these rows, the first one too: its reason is the first
            ev = evaluate(f.iloc[idx], policy, candidates[0], reasons=True)
            first_block, first_block_ja = ev.reason, ev.reason_ja
        code[idx] = len(texts) + np.arange(idx.size)  # one sentence per waiting customer
        texts.extend("every recommended tactic is blocked for now: " + first_block.astype(str))
        texts_ja.extend("推奨施策はいずれも今は行えません: " + first_block_ja.astype(str))
    f["next_action"] = texts_of(actions, action)
    f["next_action_reason"] = categories_of(texts, code)  # a few sentences shared by a million rows
    f["next_action_reason_ja"] = categories_of(texts_ja, code)
    return f
