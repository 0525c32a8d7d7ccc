"""Stage, journey step and temperature per customer, with the evidence that decided them.

The facts come from :mod:`horetsu.stages.facts` (one Ibis query); the decisions here are
vectorised column operations over one row per customer (NumPy / pandas), never a loop.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from horetsu.stages.facts import facts_table, resolve_as_of
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES, Policy, load_policy

OUTPUT_COLUMNS = (
    "customer_id",
    "stage",
    "stage_ja",
    "stage_rule",
    "journey_step",
    "temperature",
    "stage_evidence",
    "stage_evidence_ja",
    "next_action",
    "next_action_reason",
    "next_action_reason_ja",
)


def _s(values: Any) -> pd.Series:
    return pd.Series(values, dtype=object)


def num_text(values: pd.Series) -> pd.Series:
    """Integers as text (``""`` where missing), vectorised."""
    out = values.round().astype("Int64").astype(str)
    return out.where(values.notna(), "").astype(object)


def _ago(d: pd.Series, day: pd.Series) -> pd.Series:
    return d - day


def _f(frame: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


def decide(
    frame: pd.DataFrame, policy: Policy, customers: pd.DataFrame | None = None, *, evidence: bool = True
) -> pd.DataFrame:
    """Add stage, journey and temperature columns (and, with ``evidence``, the sentences)."""
    f = frame.reset_index(drop=True).copy()
    st, jp, tp = policy.stages, policy.journey, policy.temperature
    d = _f(f, "as_of_day")
    n = _f(f, "n_orders").fillna(0)
    f["n_orders"] = n
    n_cat = _f(f, "n_categories").fillna(0)

    def within(col: str, days: int) -> pd.Series:
        v = _f(f, col)
        return (v.notna() & ((d - v) < days)).to_numpy()

    sub_active = (_f(f, "sub_active").fillna(0) > 0).to_numpy()
    sub_ev = sub_active & st.engagement.active_subscription
    cross = (st.engagement.min_categories > 0) & (n >= 2).to_numpy() & (n_cat >= st.engagement.min_categories).to_numpy()
    partic = within("last_participation_day", st.engagement.participation_lookback_days)
    advocacy = within("last_advocacy_day", st.circulation.advocacy_lookback_days)
    promoter = (
        within("nps_last_day", st.circulation.nps_lookback_days)
        & (_f(f, "nps_last_value") >= st.circulation.nps_promoter_min).to_numpy()
        & (sub_ev | cross)
    )
    contact = within("last_contact_event_day", st.empathy.contact_lookback_days)
    repeat = (n >= st.empathy.min_orders).to_numpy()
    bought = (n >= st.landing.min_orders).to_numpy()

    rules = [
        ("circulation", "circulation.advocacy", advocacy),
        ("circulation", "circulation.nps_promoter", promoter),
        ("engagement", "engagement.subscription", sub_ev),
        ("engagement", "engagement.cross_category", cross),
        ("engagement", "engagement.participation", partic),
        ("empathy", "empathy.repeat_purchase", repeat),
        ("empathy", "empathy.personal_contact", contact),
        ("landing", "landing.first_purchase", bought),
    ]
    conds = [r[2] for r in rules]
    f["stage"] = np.select(conds, [r[0] for r in rules], default="observer")
    f["stage_rule"] = np.select(conds, [r[1] for r in rules], default="observer.no_purchase")
    f["stage_no"] = f["stage"].map({s: i for i, s in enumerate(STAGES)}).astype("int64")
    f["stage_ja"] = f["stage"].map({s: policy.stage(s).ja for s in STAGES})

    # ------------------------------------------------------------ journey (seed 001)
    has_sub = (_f(f, "n_subscriptions").fillna(0) > 0).to_numpy()
    adv_ever = _f(f, "first_advocate_day").notna().to_numpy()
    full_k = _f(f, "full_line_k")
    j_conds = [
        adv_ever,
        (n >= 2).to_numpy() & (n_cat >= full_k).to_numpy(),
        (n >= 2).to_numpy() & (n_cat >= 2).to_numpy(),
        has_sub,
        (n >= 2).to_numpy(),
        (n >= 1).to_numpy(),
    ]
    f["journey_step"] = np.select(j_conds, list(reversed(JOURNEY_STEPS[1:])), default="lead")

    f["sub_active"] = sub_active
    _temperature(f, policy, customers, d, n, sub_active)
    if evidence:
        add_evidence(f, policy)
    return f


def _temperature(
    f: pd.DataFrame, policy: Policy, customers: pd.DataFrame | None, d: pd.Series, n: pd.Series, sub_active: np.ndarray
) -> None:
    tp = policy.temperature
    first, last = _f(f, "first_order_day"), _f(f, "last_order_day")
    own = (last - first) / (n - 1).where(n >= 2)
    shop = own[n >= 2].median()
    fallback = float(shop) if pd.notna(shop) and shop > 0 else tp.default_interval_days
    interval = own.where(n >= 2, fallback).clip(lower=tp.min_interval_days)
    recency = d - last
    ratio = recency / interval
    level = np.select([ratio > tp.lapsed_ratio, ratio > tp.cooling_ratio], [2, 1], default=0)
    level = np.where(sub_active, 0, level)
    # non-buyers: days since the last contact of any kind
    last_touch = pd.concat([_f(f, "reg_day"), _f(f, "last_event_day")], axis=1).max(axis=1)
    quiet = d - last_touch
    touch_level = np.select(
        [quiet > tp.contact_lapsed_days, quiet > tp.contact_cooling_days], [2, 1], default=0
    )
    buyer = (n >= 1).to_numpy()
    level = np.where(buyer, level, touch_level)
    p_alive = pd.Series(np.nan, index=f.index)
    if customers is not None and "p_alive" in customers.columns and len(customers):
        pa_map = customers.drop_duplicates("customer_id").set_index("customer_id")["p_alive"]
        p_alive = pd.to_numeric(f["customer_id"].map(pa_map), errors="coerce").astype("float64")
        p_level = np.select(
            [p_alive < tp.p_alive_lapsed, p_alive < tp.p_alive_cooling], [2, 1], default=0
        )
        level = np.where(buyer & p_alive.notna().to_numpy(), np.maximum(level, p_level), level)
    f["temperature"] = np.asarray(TEMPERATURES, dtype=object)[level]
    f["expected_interval_days"] = interval.where(buyer)
    f["p_alive"] = p_alive
    f["_temp_ratio"] = ratio
    f["_quiet_days"] = quiet


def facts_text(f: pd.DataFrame, policy: Policy) -> tuple[pd.Series, pd.Series]:
    """The facts behind a stage as short sentences (English, Japanese), vectorised.

    Works on any subset of a decided frame (the gate builds them for blocked rows only).
    """
    f = f.reset_index(drop=True)
    parts = _fact_parts(f)
    return parts["facts_en"], parts["facts_ja"]


def add_evidence(f: pd.DataFrame, policy: Policy) -> None:
    """Add ``facts_en/_ja`` and ``stage_evidence/_ja`` (rule, facts and temperature) in place."""
    parts = _fact_parts(f)
    rule_en = {
        "circulation.advocacy": "referral or testimonial",
        "circulation.nps_promoter": "NPS promoter with loyal buying",
        "engagement.subscription": "active subscription",
        "engagement.cross_category": "repeat buying across categories",
        "engagement.participation": "participation",
        "empathy.repeat_purchase": "repeat purchase",
        "empathy.personal_contact": "personal two-way contact",
        "landing.first_purchase": "first purchase",
        "observer.no_purchase": "contact without a purchase",
    }
    rule_ja = {
        "circulation.advocacy": "紹介・お客様の声",
        "circulation.nps_promoter": "推奨者かつ継続購入",
        "engagement.subscription": "定期購入中",
        "engagement.cross_category": "複数カテゴリのリピート",
        "engagement.participation": "参加",
        "empathy.repeat_purchase": "リピート購入",
        "empathy.personal_contact": "個別のやり取り",
        "landing.first_purchase": "初回購入",
        "observer.no_purchase": "購入前の接点",
    }
    head_en = (f["stage"].map({s: policy.stage(s).en for s in STAGES}) + " ("
               + f["stage_rule"].map(rule_en) + "): ").astype(object).to_numpy()
    head_ja = (f["stage_ja"] + "(" + f["stage_rule"].map(rule_ja) + "): ").astype(object).to_numpy()
    rec, n = parts["rec"], parts["n"]
    sub_active = f["sub_active"].to_numpy(dtype=bool)
    ratio = f["_temp_ratio"]
    ratio_t = ratio.round(1).astype(str).where(ratio.notna(), "").astype(object)
    interval_t = num_text(f["expected_interval_days"])
    quiet_t = num_text(f["_quiet_days"])
    temp = f["temperature"].astype(object)
    t_ja = temp.map({"active": "活発", "cooling": "冷えつつある", "lapsed": "離脱"})
    buyer = (n >= 1).to_numpy()
    p = f["p_alive"]
    p_t = p.round(2).astype(str).astype(object)
    p_en = np.where(p.notna() & buyer, ", P(alive) " + p_t, "")
    p_ja = np.where(p.notna() & buyer, "、生存確率 " + p_t, "")
    temp_en = np.where(
        sub_active & buyer, temp + ": subscription running",
        np.where(buyer, temp + ": " + rec + " days since the last purchase, " + ratio_t + "x the usual "
                 + interval_t + "-day interval" + p_en,
                 temp + ": no contact for " + quiet_t + " days"),
    )
    temp_ja = np.where(
        sub_active & buyer, "温度 " + t_ja + ": 定期購入が継続中",
        np.where(buyer, "温度 " + t_ja + ": 最終購入から" + rec + "日、普段の間隔" + interval_t + "日の" + ratio_t
                 + "倍" + p_ja,
                 "温度 " + t_ja + ": 接点なし" + quiet_t + "日"),
    )
    f["facts_en"] = parts["facts_en"].to_numpy()
    f["facts_ja"] = parts["facts_ja"].to_numpy()
    f["stage_evidence"] = head_en + parts["facts_en"].to_numpy() + "; " + temp_en
    f["stage_evidence_ja"] = head_ja + parts["facts_ja"].to_numpy() + "。" + temp_ja


def _fact_parts(f: pd.DataFrame) -> dict[str, Any]:
    f = f.reset_index(drop=True)
    d = _f(f, "as_of_day")
    n = _f(f, "n_orders").fillna(0)
    n_cat = _f(f, "n_categories").fillna(0)
    sub_active = f["sub_active"].to_numpy(dtype=bool) if "sub_active" in f else (_f(f, "sub_active").fillna(0) > 0).to_numpy()
    rec = num_text(d - _f(f, "last_order_day"))
    n_t = num_text(n)
    ncat_t = num_text(n_cat)
    rule = f["stage_rule"].to_numpy()
    cross = rule == "engagement.cross_category"
    one = (n == 1).to_numpy()
    none = (n == 0).to_numpy()
    cat_en = np.where(cross, " in " + ncat_t + " categories", "")
    cat_ja = np.where(cross, "(" + ncat_t + "カテゴリ)", "")
    purch_en = np.select(
        [none, one],
        ["no purchase yet", "1 purchase, " + rec + " days ago"],
        default=n_t + " purchases" + cat_en + ", last " + rec + " days ago",
    )
    purch_ja = np.select(
        [none, one],
        ["購入なし", "購入1回(" + rec + "日前)"],
        default="購入" + n_t + "回" + cat_ja + "、最終購入" + rec + "日前",
    )
    sub_days = num_text(d - _f(f, "last_sub_day"))
    had_sub = (_f(f, "n_subscriptions").fillna(0) > 0).to_numpy()
    sub_en = np.select(
        [sub_active, had_sub], ["subscription active, started " + sub_days + " days ago", "subscription ended"],
        default="no subscription",
    )
    sub_ja = np.select(
        [sub_active, had_sub], ["定期購入中(" + sub_days + "日前に開始)", "定期購入は終了"], default="定期購入なし"
    )
    signup = pd.concat([_f(f, "reg_day"), _f(f, "first_lead_day")], axis=1).min(axis=1)
    su = num_text(d - signup)
    has_su = signup.notna().to_numpy()
    ago = {c: num_text(d - _f(f, c)) for c in (
        "last_participation_day", "last_advocacy_day", "nps_last_day", "last_contact_event_day")}
    nps_v = num_text(_f(f, "nps_last_value"))
    extra_en = np.select(
        [rule == "circulation.advocacy", rule == "circulation.nps_promoter", rule == "engagement.participation",
         rule == "empathy.personal_contact", rule == "observer.no_purchase"],
        [
            "referral or testimonial " + ago["last_advocacy_day"] + " days ago",
            "NPS score " + nps_v + " given " + ago["nps_last_day"] + " days ago",
            "took part (review, survey or community) " + ago["last_participation_day"] + " days ago",
            "personal inquiry " + ago["last_contact_event_day"] + " days ago",
            np.where(has_su, "signed up " + su + " days ago", "on the customer list"),
        ],
        default="",
    )
    extra_ja = np.select(
        [rule == "circulation.advocacy", rule == "circulation.nps_promoter", rule == "engagement.participation",
         rule == "empathy.personal_contact", rule == "observer.no_purchase"],
        [
            "紹介・お客様の声 " + ago["last_advocacy_day"] + "日前",
            "NPS " + nps_v + "点(" + ago["nps_last_day"] + "日前)",
            "レビュー・アンケート等への参加 " + ago["last_participation_day"] + "日前",
            "個別の問い合わせ " + ago["last_contact_event_day"] + "日前",
            np.where(has_su, "登録" + su + "日前", "顧客リストに登録済み"),
        ],
        default="",
    )
    extra_en = np.asarray(extra_en, dtype=object)
    extra_ja = np.asarray(extra_ja, dtype=object)
    sep_en = np.where(extra_en != "", "; ", "").astype(object)
    sep_ja = np.where(extra_ja != "", "、", "").astype(object)
    facts_en = pd.Series(np.asarray(purch_en, dtype=object) + "; " + np.asarray(sub_en, dtype=object) + sep_en + extra_en)
    facts_ja = pd.Series(np.asarray(purch_ja, dtype=object) + "、" + np.asarray(sub_ja, dtype=object) + sep_ja + extra_ja)
    return {"facts_en": facts_en, "facts_ja": facts_ja, "rec": rec, "n": n}


def _customers_frame(customers: Any) -> pd.DataFrame | None:
    if customers is None:
        return None
    if isinstance(customers, pa.Table):
        cols = [c for c in ("customer_id", "p_alive") if c in customers.column_names]
        return customers.select(cols).to_pandas() if "customer_id" in cols else None
    if isinstance(customers, pd.DataFrame):
        return customers
    return None


def classify_frame(
    ws: Any, as_of: Any = None, customers: Any = None, policy: Policy | None = None, *, evidence: bool = True
) -> tuple[pd.DataFrame, dt.date]:
    """Facts plus decisions for every customer known on ``as_of`` (a pandas frame).

    ``evidence=False`` skips the sentences (history snapshots and the gate do not need
    them for every customer)."""
    policy = policy or load_policy(ws)
    day = resolve_as_of(ws, as_of)
    facts = facts_table(ws, day, policy).to_pandas()
    frame = decide(facts, policy, _customers_frame(customers), evidence=evidence)
    return frame.sort_values("customer_id", kind="stable").reset_index(drop=True), day


def classify(ws: Any, as_of: Any = None, customers: Any = None) -> pa.Table:
    """Stage, journey step, temperature, evidence and next best action per customer.

    ``customers`` is an optional Arrow table with per-customer results (``p_alive`` is
    used for the temperature when present).  Returns one row per customer known on
    ``as_of`` (default: the latest day in the data) with :data:`OUTPUT_COLUMNS`.
    """
    from horetsu.playbook.nba import next_best_action

    policy = load_policy(ws)
    frame, _ = classify_frame(ws, as_of, customers, policy)
    frame = next_best_action(frame, policy)
    out = frame[list(OUTPUT_COLUMNS)]
    fields = [pa.field(c, pa.string()) for c in OUTPUT_COLUMNS]
    return pa.Table.from_pandas(out, schema=pa.schema(fields), preserve_index=False)
