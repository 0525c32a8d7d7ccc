"""The rules of the gate, evaluated as vectorised masks over a classified frame.

Order of evaluation (the first rule that blocks is reported): timing rules, stage
rules, thanks-first rules, frequency caps.  Each blocked row gets a rule id and a
sentence with the facts in English and Japanese.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from horetsu.errors import UnknownTacticError
from horetsu.stages.classifier import has_default_index, num_text, one_day
from horetsu.playbook.policy import Policy, Tactic
from horetsu.stages.policy import STAGES

ANCHOR_TEXT: dict[str, tuple[str, str, str, str]] = {
    # anchor: (fact en prefix, fact ja prefix, "within N days of <en>", "<ja>から")
    "signup": ("signed up", "登録", "sign-up", "登録"),
    "first_purchase": ("first purchase", "初回購入", "the first purchase", "初回購入"),
    "last_purchase": ("last purchase", "最終購入", "the last purchase", "直近の購入"),
    "subscription_start": ("subscription started", "定期購入開始", "the start of a subscription", "定期購入の開始"),
}


def tactic_names(policy: Policy) -> dict[str, tuple[str, str]]:
    """{tactic: (ja name, en name)} of the catalogue."""
    return {name: (tac.ja, tac.en) for name, tac in policy.tactics.items()}


def resolve_tactic(policy: Policy, name: str) -> str:
    """The catalogue id that ``name`` means: the id, the English name or the Japanese name
    (``割引クーポン`` → ``discount_coupon``); a clear error naming close matches otherwise."""
    from horetsu.stages.policy import resolve_name

    return resolve_name(name, tactic_names(policy), what_en="tactic", what_ja="施策", error=UnknownTacticError)


def get_tactic(policy: Policy, name: str) -> Tactic:
    """The catalogue entry for ``name`` (id, English or Japanese name; see :func:`resolve_tactic`)."""
    if name in policy.tactics:
        return policy.tactics[name]
    return policy.tactics[resolve_tactic(policy, name)]


def anchor_days(frame: pd.DataFrame, anchor: str) -> pd.Series:
    def col(c: str) -> pd.Series:
        return pd.to_numeric(frame[c], errors="coerce").astype("float64")

    if anchor == "signup":
        return pd.concat([col("reg_day"), col("first_lead_day")], axis=1).min(axis=1)
    return col({"first_purchase": "first_order_day", "last_purchase": "last_order_day",
                "subscription_start": "last_sub_day"}[anchor])


@dataclass
class Evaluation:
    blocked: np.ndarray  # bool per row
    rule: np.ndarray  # object: rule id or ""
    reason: np.ndarray  # object (empty when evaluated with reasons=False)
    reason_ja: np.ndarray  # object (empty when evaluated with reasons=False)


def evaluate(frame: pd.DataFrame, policy: Policy, tactic: str, *, reasons: bool = True) -> Evaluation:
    """Which rows of ``frame`` (a classified frame) the tactic may not reach, and why.

    Reasons are built only for the rows a rule blocks (string work is the costly part).
    """
    tac = get_tactic(policy, tactic)
    traits = set(tac.traits)
    size = len(frame)
    blocked = np.zeros(size, dtype=bool)
    rule = np.full(size, "", dtype=object)
    # without reasons the two sentence arrays stay empty (a million empty strings per tactic
    # cost more than the rules themselves)
    reason = np.full(size if reasons else 0, "", dtype=object)
    reason_ja = np.full(size if reasons else 0, "", dtype=object)
    if size == 0:
        return Evaluation(blocked, rule, reason, reason_ja)
    if not has_default_index(frame):
        frame = frame.reset_index(drop=True)  # (a copy of every column: only when needed)
    stage = frame["stage"]  # compared in place: pandas' Arrow strings are not copied out as objects
    d = pd.to_numeric(frame["as_of_day"]).astype("float64")

    def apply(mask: np.ndarray, rid: str, make) -> None:
        new = mask & ~blocked
        if not new.any():
            return
        blocked[new] = True
        rule[new] = rid
        if reasons:
            sub = frame[new].reset_index(drop=True)
            en, ja = make(sub, d[new].reset_index(drop=True))
            reason[new] = np.asarray(one_day(en).to_pylist(), dtype=object)
            reason_ja[new] = np.asarray(ja, dtype=object)

    def in_stages(stages: list[str]) -> np.ndarray:
        return frame["stage"].isin(stages).to_numpy() if stages else np.ones(size, dtype=bool)  # hashed, not sorted

    def num(sub: pd.DataFrame, col: str) -> pd.Series:
        if col not in sub:
            return pd.Series(np.nan, index=sub.index)
        return pd.to_numeric(sub[col], errors="coerce").astype("float64")

    # 1. timing rules
    for rid, r in policy.timing.items():
        if r.trait not in traits:
            continue
        since = d - anchor_days(frame, r.anchor)
        mask = in_stages(r.stages) & (since.notna() & (since >= 0) & (since < r.days)).to_numpy()
        fact_en, fact_ja, of_en, of_ja = ANCHOR_TEXT[r.anchor]

        def timing_text(sub, dd, r=r, fact_en=fact_en, fact_ja=fact_ja, of_en=of_en, of_ja=of_ja):
            since = dd - anchor_days(sub, r.anchor)
            s_t = num_text(since)
            today = (since == 0).to_numpy()
            when_en = np.where(today, fact_en + " today", fact_en + " " + s_t + " days ago")
            when_ja = np.where(today, "本日" + fact_ja, fact_ja + s_t + "日前")
            sj = sub["stage_ja"].astype(object).to_numpy()
            return (when_en + "; " + r.what_en + f" within {r.days} days of {of_en} at " + sj,
                    when_ja + "。" + of_ja + f"から{r.days}日以内のため{r.what_ja}(" + sj + ")")

        apply(mask, f"timing.{rid}", timing_text)

    # 2. stage rules: a stage forbids traits
    for sname in STAGES:
        st = policy.stage(sname)
        hit = [t for t in tac.traits if t in st.forbid]
        if not hit:
            continue
        tr = hit[0]

        def stage_text(sub, dd, st=st, tr=tr):
            if "facts_en" in sub:
                fen, fja = sub["facts_en"].astype(object), sub["facts_ja"].astype(object)
            else:
                from horetsu.stages.classifier import facts_text

                fen, fja = facts_text(sub, policy)
            return (fen + f"; {policy.trait_label(tr)} are not used at {st.ja} ({st.en}: {st.state_en})",
                    fja + f"。{st.ja}({st.state_ja})の段階では{policy.trait_label(tr, 'ja')}は行いません")

        apply((stage == sname).to_numpy(dtype=bool, na_value=False), f"stage.{sname}.{tr}", stage_text)

    # 3. thanks before requests
    for rid, r in policy.thanks.items():
        if r.trait not in traits:
            continue
        thanks_col = f"thanks_day__{rid}"
        contrib, thanked = num(frame, "last_contribution_day"), num(frame, thanks_col)
        mask = in_stages(r.stages) & (contrib.notna() & (thanked.isna() | (thanked < contrib))).to_numpy()

        def thanks_text(sub, dd, r=r, thanks_col=thanks_col):
            c_t = num_text(dd - num(sub, "last_contribution_day"))
            th = num(sub, thanks_col)
            t_t = num_text(dd - th)
            sj = sub["stage_ja"].astype(object)
            has = th.notna().to_numpy()
            return ("last contribution " + c_t + " days ago, "
                    + np.where(has, "last thanked " + t_t + " days ago", "never thanked") + f"; {r.what_en} at " + sj,
                    "直近の貢献は" + c_t + "日前、" + np.where(has, "お礼は" + t_t + "日前", "お礼は未送付")
                    + f"。{r.what_ja}(" + sj + ")")

        apply(mask, f"thanks.{rid}", thanks_text)

    # 4. frequency caps
    for rid, r in policy.caps.items():
        if r.trait not in traits:
            continue
        col = f"cap_count__{rid}"
        count = num(frame, col).fillna(0)
        mask = in_stages(r.stages) & (count >= r.max).to_numpy()

        def cap_text(sub, dd, r=r, col=col):
            counts = num(sub, col).fillna(0)
            c_t = num_text(counts)
            sj = sub["stage_ja"].astype(object)
            # "1 special treatment", "2 special treatments"
            one = r.counted_en[:-1] if r.counted_en.endswith("s") else r.counted_en
            noun = pd.Series(np.where(counts.to_numpy() == 1, one, r.counted_en), index=sub.index, dtype=object)
            return ("received " + c_t + " " + noun + f" in the last {r.within_days} days; {r.what_en} at " + sj,
                    f"過去{r.within_days}日に" + c_t + f"{r.counted_ja}を送付済み。{r.what_ja}(" + sj + ")")

        apply(mask, f"cap.{rid}", cap_text)
    return Evaluation(blocked, rule, reason, reason_ja)
