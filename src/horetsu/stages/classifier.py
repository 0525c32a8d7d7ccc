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
import pyarrow.compute as pc

from horetsu.core.labels import temperature_ja
from horetsu.core.purchases import excluded_statuses, resolve_as_of
from horetsu.stages.facts import OPEN_END_DAY, facts_table
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES
from horetsu.stages.policy import StagePolicy as Policy
from horetsu.stages.policy import load_stage_policy as load_policy

OUTPUT_COLUMNS = (
    "customer_id",
    "stage",
    "stage_ja",
    "stage_rule",
    "journey_step",
    "temperature",
    "stage_evidence",
    "stage_evidence_ja",
)


def num_text(values: pd.Series) -> pd.Series:
    """Integers as text (``""`` where missing), vectorised."""
    out = values.round().astype("Int64").astype(str)
    return out.where(values.notna(), "").astype(object)


def one_day(texts: Any) -> pa.Array:
    """English sentences with "1 days" made "1 day" (not "11 days" or "2.1 days"), vectorised."""
    arr = texts if isinstance(texts, (pa.Array, pa.ChunkedArray)) else pa.array(np.asarray(texts, dtype=object))
    return pc.replace_substring_regex(arr, r"(^|[^0-9.,])1 days\b", r"\11 day")  # RE2: \1 is group 1, then "1 day"


def has_default_index(frame: pd.DataFrame) -> bool:
    """True when the frame's index is 0, 1, 2, ...: positions and labels agree, no reset needed."""
    return isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1


def names_of(names: Any, codes: Any) -> pa.Array:
    """``names[codes]`` as Arrow strings (no Python string per row)."""
    return pa.array(list(names), pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def texts_of(names: Any, codes: Any) -> pd.Series:
    """``names[codes]`` as a pandas column of Arrow strings."""
    return names_of(names, codes).to_pandas()


def categories_of(names: Any, codes: Any) -> pd.Series:
    """``names[codes]`` as a pandas categorical: each distinct text is kept once, however many
    rows share it (a few sentences for a million customers)."""
    enc = pa.array(list(names), pa.string()).dictionary_encode()
    index = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Series(pd.Categorical.from_codes(index[np.asarray(codes, dtype=np.int64)],
                                               categories=pd.Index(enc.dictionary.to_pandas())))


def _f(frame: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(frame[col], errors="coerce").astype("float64")


def decide(
    frame: pd.DataFrame, policy: Policy, customers: pd.DataFrame | None = None, *, evidence: bool = True,
    copy: bool = True,
) -> pd.DataFrame:
    """Add stage, journey and temperature columns (and, with ``evidence``, the sentences).

    ``copy=False``: add them to ``frame`` itself when it has the default index (the
    pipeline's own frame: a copy of a million rows costs more than the rules)."""
    f = frame if (has_default_index(frame) and not copy) else frame.reset_index(drop=True).copy()
    st = policy.stages
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
    which = np.select(conds, list(range(len(rules))), default=len(rules))  # the first rule that holds
    stage_no = np.asarray([STAGES.index(r[0]) for r in rules] + [STAGES.index("observer")], dtype=np.int64)[which]
    f["stage"] = texts_of(STAGES, stage_no)
    f["stage_rule"] = texts_of([r[1] for r in rules] + ["observer.no_purchase"], which)
    f["stage_no"] = stage_no
    f["stage_ja"] = texts_of([policy.stage(s).ja for s in STAGES], stage_no)

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
    steps = [*reversed(JOURNEY_STEPS[1:]), "lead"]
    f["journey_step"] = texts_of(steps, np.select(j_conds, list(range(len(steps) - 1)), default=len(steps) - 1))

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
        ids = customers["customer_id"].to_numpy()
        if len(ids) == len(f) and np.array_equal(ids, f["customer_id"].to_numpy()):  # row by row: no look-up
            p_alive = pd.Series(pd.to_numeric(customers["p_alive"], errors="coerce").to_numpy(dtype="float64"),
                                index=f.index)
        else:
            pa_map = customers.drop_duplicates("customer_id").set_index("customer_id")["p_alive"]
            p_alive = pd.to_numeric(f["customer_id"].map(pa_map), errors="coerce").astype("float64")
        p_level = np.select(
            [p_alive < tp.p_alive_lapsed, p_alive < tp.p_alive_cooling], [2, 1], default=0
        )
        level = np.where(buyer & p_alive.notna().to_numpy(), np.maximum(level, p_level), level)
    f["temperature"] = texts_of(TEMPERATURES, level)
    f["expected_interval_days"] = interval.where(buyer)
    f["p_alive"] = p_alive
    f["_temp_ratio"] = ratio
    f["_quiet_days"] = quiet


# ------------------------------------------------------------------ sentences (Arrow kernels)
def _pnum(values: Any) -> pa.Array:
    """Rounded integers as text, ``""`` where missing."""
    arr = pa.array(np.asarray(values, dtype="float64"), from_pandas=True)
    return pc.fill_null(pc.cast(pc.cast(pc.round(arr), pa.int64(), safe=False), pa.string()), "")


def _pdec(values: Any, digits: int) -> pa.Array:
    arr = pa.array(np.round(np.asarray(values, dtype="float64"), digits), from_pandas=True)
    return pc.fill_null(pc.cast(arr, pa.string()), "")


def _lookup(values: pd.Series, mapping: dict[str, str]) -> pa.Array:
    """``values.map(mapping)`` as Arrow strings, looked up in Arrow (null where unmapped)."""
    keys = pa.array(list(mapping), pa.string())
    return pa.array(list(mapping.values()), pa.string()).take(pc.index_in(pa.array(values, pa.string()), value_set=keys))


def _cat(*parts: Any) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _const(text: str, n: int) -> pa.Array:
    return pc.fill_null(pa.nulls(n, pa.string()), text)


def _select(conds: list[np.ndarray], values: list[Any], default: Any, n: int) -> pa.Array:
    out = _const(default, n) if isinstance(default, str) else default
    for cond, value in reversed(list(zip(conds, values))):
        out = pc.if_else(pa.array(np.asarray(cond, dtype=bool)), value, out)
    return out


def _series(arr: pa.Array) -> pd.Series:
    return arr.to_pandas()  # pandas' Arrow-backed strings: no Python objects per row


RULE_TEXT: dict[str, tuple[str, str]] = {
    "circulation.advocacy": ("紹介・お客様の声", "referral or testimonial"),
    "circulation.nps_promoter": ("推奨者かつ継続購入", "NPS promoter with loyal buying"),
    "engagement.subscription": ("定期購入中", "active subscription"),
    "engagement.cross_category": ("複数カテゴリのリピート", "repeat buying across categories"),
    "engagement.participation": ("参加", "participation"),
    "empathy.repeat_purchase": ("リピート購入", "repeat purchase"),
    "empathy.personal_contact": ("個別のやり取り", "personal two-way contact"),
    "landing.first_purchase": ("初回購入", "first purchase"),
    "observer.no_purchase": ("購入前の接点", "contact without a purchase"),
}


def facts_text(f: pd.DataFrame, policy: Policy) -> tuple[pd.Series, pd.Series]:
    """The facts behind a stage as short sentences (English, Japanese), vectorised.

    Works on any subset of a decided frame (the gate builds them for blocked rows only).
    """
    parts = _fact_parts(f.reset_index(drop=True))
    return _series(parts["facts_en"]), _series(parts["facts_ja"])


def add_evidence(f: pd.DataFrame, policy: Policy) -> None:
    """Add ``facts_en/_ja`` and ``stage_evidence/_ja`` (rule, facts and temperature) in place."""
    for name, texts in evidence_texts(f, policy).items():
        f[name] = _series(texts).set_axis(f.index)


def evidence_texts(f: pd.DataFrame, policy: Policy) -> dict[str, pa.Array]:
    """``facts_en/_ja`` and ``stage_evidence/_ja`` of a decided frame as Arrow strings (row order)."""
    size = len(f)
    parts = _fact_parts(f)
    stage_en = _lookup(f["stage"], {s: policy.stage(s).en for s in STAGES})
    rule_en = _lookup(f["stage_rule"], {k: v[1] for k, v in RULE_TEXT.items()})
    rule_ja = _lookup(f["stage_rule"], {k: v[0] for k, v in RULE_TEXT.items()})
    head_en = _cat(stage_en, " (", rule_en, "): ")
    head_ja = _cat(pa.array(f["stage_ja"], pa.string()), "(", rule_ja, "): ")
    rec, n = parts["rec"], parts["n"]
    sub_active = f["sub_active"].to_numpy(dtype=bool)
    buyer = (n >= 1).to_numpy()
    temp = pa.array(f["temperature"], pa.string())
    t_ja = _lookup(f["temperature"], temperature_ja())
    ratio_t = _pdec(f["_temp_ratio"], 1)
    interval_t = _pnum(f["expected_interval_days"])
    quiet_t = _pnum(f["_quiet_days"])
    p = f["p_alive"].to_numpy(dtype="float64")
    has_p = ~np.isnan(p) & buyer
    p_t = _pdec(p, 2)
    p_en = pc.if_else(pa.array(has_p), _cat(", P(alive) ", p_t), "")
    p_ja = pc.if_else(pa.array(has_p), _cat("、生存確率 ", p_t), "")
    running = sub_active & buyer
    temp_en = _select(
        [running, buyer],
        [_cat(temp, ": subscription running"),
         _cat(temp, ": ", rec, " days since the last purchase, ", ratio_t, "x the usual ", interval_t,
              "-day interval", p_en)],
        _cat(temp, ": no contact for ", quiet_t, " days"), size)
    temp_ja = _select(
        [running, buyer],
        [_cat("温度 ", t_ja, ": 定期購入が継続中"),
         _cat("温度 ", t_ja, ": 最終購入から", rec, "日、普段の間隔", interval_t, "日の", ratio_t, "倍", p_ja)],
        _cat("温度 ", t_ja, ": 接点なし", quiet_t, "日"), size)
    facts_en = one_day(parts["facts_en"])  # "1 days" never spans the joins below: fixed part by part
    return {"facts_en": facts_en, "facts_ja": parts["facts_ja"],
            "stage_evidence": _cat(head_en, facts_en, "; ", one_day(temp_en)),
            "stage_evidence_ja": _cat(head_ja, parts["facts_ja"], "。", temp_ja)}


def _fact_parts(f: pd.DataFrame) -> dict[str, Any]:
    f = f.reset_index(drop=True)
    size = len(f)
    d = _f(f, "as_of_day")
    n = _f(f, "n_orders").fillna(0)
    n_cat = _f(f, "n_categories").fillna(0)
    sub_active = (f["sub_active"].to_numpy(dtype=bool) if "sub_active" in f
                  else (_f(f, "sub_active").fillna(0) > 0).to_numpy())
    rec = _pnum(d - _f(f, "last_order_day"))
    n_t = _pnum(n)
    ncat_t = _pnum(n_cat)
    rules = pa.array(f["stage_rule"], pa.string())

    def rule_is(name: str) -> pa.Array:
        return pc.fill_null(pc.equal(rules, name), False)

    cross = rule_is("engagement.cross_category")
    one = (n == 1).to_numpy()
    none = (n == 0).to_numpy()
    cat_en = pc.if_else(cross, _cat(" in ", ncat_t, " categories"), "")
    cat_ja = pc.if_else(cross, _cat("(", ncat_t, "カテゴリ)"), "")
    purch_en = _select([none, one], ["no purchase yet", _cat("1 purchase, ", rec, " days ago")],
                       _cat(n_t, " purchases", cat_en, ", last ", rec, " days ago"), size)
    purch_ja = _select([none, one], ["購入なし", _cat("購入1回(", rec, "日前)")],
                       _cat("購入", n_t, "回", cat_ja, "、最終購入", rec, "日前"), size)
    sub_days = _pnum(d - _f(f, "last_sub_day"))
    had_sub = (_f(f, "n_subscriptions").fillna(0) > 0).to_numpy()
    quiet = none & ~had_sub & ~sub_active  # "no subscription" says nothing about a non-buyer
    sub_en = _select([sub_active, had_sub, quiet], [_cat("; subscription active, started ", sub_days, " days ago"),
                                                    "; subscription ended", ""], "; no subscription", size)
    sub_ja = _select([sub_active, had_sub, quiet], [_cat("、定期購入中(", sub_days, "日前に開始)"), "、定期購入は終了", ""],
                     "、定期購入なし", size)
    signup = pd.concat([_f(f, "reg_day"), _f(f, "first_lead_day")], axis=1).min(axis=1)
    su = _pnum(d - signup)
    has_su = pa.array(signup.notna().to_numpy())
    ago = {c: _pnum(d - _f(f, c)) for c in (
        "last_participation_day", "last_advocacy_day", "nps_last_day", "last_contact_event_day")}
    nps_v = _pnum(_f(f, "nps_last_value"))
    conds = [rule_is(name).to_numpy(zero_copy_only=False) for name in (
        "circulation.advocacy", "circulation.nps_promoter", "engagement.participation", "empathy.personal_contact",
        "observer.no_purchase")]
    extra_en = _select(conds, [
        _cat("; referral or testimonial ", ago["last_advocacy_day"], " days ago"),
        _cat("; NPS score ", nps_v, " given ", ago["nps_last_day"], " days ago"),
        _cat("; took part (review, survey or community) ", ago["last_participation_day"], " days ago"),
        _cat("; personal inquiry ", ago["last_contact_event_day"], " days ago"),
        pc.if_else(has_su, _cat("; signed up ", su, " days ago"), "; on the customer list"),
    ], "", size)
    extra_ja = _select(conds, [
        _cat("、紹介・お客様の声 ", ago["last_advocacy_day"], "日前"),
        _cat("、NPS ", nps_v, "点(", ago["nps_last_day"], "日前)"),
        _cat("、レビュー・アンケート等への参加 ", ago["last_participation_day"], "日前"),
        _cat("、個別の問い合わせ ", ago["last_contact_event_day"], "日前"),
        pc.if_else(has_su, _cat("、登録", su, "日前"), "、顧客リストに登録済み"),
    ], "", size)
    return {"facts_en": _cat(purch_en, sub_en, extra_en), "facts_ja": _cat(purch_ja, sub_ja, extra_ja),
            "rec": rec, "n": n}


def _customers_frame(customers: Any) -> pd.DataFrame | None:
    if customers is None:
        return None
    if isinstance(customers, pa.Table):
        cols = [c for c in ("customer_id", "p_alive") if c in customers.column_names]
        return customers.select(cols).to_pandas() if "customer_id" in cols else None
    if isinstance(customers, pd.DataFrame):
        return customers
    return None


def advance(frame: pd.DataFrame, day: int) -> pd.DataFrame:
    """Stored facts as of a later day number: only the as-of day and running subscriptions move.

    Valid when nothing happened between the facts' day and ``day`` (no order, event or
    registration): the days stored in the facts then say everything a fresh query would.
    """
    f = frame.copy()
    until = pd.to_numeric(f.get("sub_active_until"), errors="coerce") if "sub_active_until" in f else None
    active = pd.to_numeric(f["sub_active"], errors="coerce").fillna(0) > 0
    if until is not None:
        active &= until.fillna(OPEN_END_DAY) > day
    f["sub_active"] = active.astype("int64")
    f["as_of_day"] = np.int64(day)
    return f


def classify_frame(
    ws: Any,
    as_of: Any = None,
    customers: Any = None,
    policy: Policy | None = None,
    *,
    evidence: bool = True,
    exclude_statuses: Any = None,
) -> tuple[pd.DataFrame, dt.date]:
    """Facts plus decisions for every customer known on ``as_of`` (a pandas frame).

    ``customers``: per-customer model results (``p_alive``) used for the temperature.
    ``evidence=False`` skips the sentences (history snapshots do not need them)."""
    policy = policy or load_policy(ws)
    day = resolve_as_of(ws, as_of, empty_ok=True)
    exclude = excluded_statuses(ws, exclude_statuses)
    facts = facts_table(ws, day, policy, exclude).to_pandas()
    frame = decide(facts, policy, _customers_frame(customers), evidence=evidence)
    return frame.sort_values("customer_id", kind="stable").reset_index(drop=True), day


def classify(ws: Any, as_of: Any = None, customers: Any = None, *, exclude_statuses: Any = None) -> pa.Table:
    """Stage, journey step, temperature and evidence per customer (:data:`OUTPUT_COLUMNS`).

    ``customers`` is an optional Arrow table with per-customer results (``p_alive`` is
    used for the temperature when present).  One row per customer known on ``as_of``
    (default: :func:`horetsu.core.purchases.default_as_of`).  The next best action is
    the playbook's (see :func:`horetsu.pipeline.analyze`).
    """
    policy = load_policy(ws)
    frame, _ = classify_frame(ws, as_of, customers, policy, exclude_statuses=exclude_statuses)
    out = frame[list(OUTPUT_COLUMNS)]
    fields = [pa.field(c, pa.string()) for c in OUTPUT_COLUMNS]
    return pa.Table.from_pandas(out, schema=pa.schema(fields), preserve_index=False)
