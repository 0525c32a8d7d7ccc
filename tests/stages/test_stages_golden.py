"""A golden shop of 30 hand-built customers on 2025-06-30.

Every expected stage, journey step, temperature and gate outcome below was written by
hand from the method (METHOD.md, seeds 001 and 003) and the documented default windows
(docs/stages.md, docs/playbook.md) before the code was run.

Temperature of one-time buyers uses the shop's median interval.  The repeat buyers' own
mean intervals are: G10 60, G11 40, G13 40, G14 40, G16 30, G17 50, G20 30, G21 100,
G22 100, G23 100, G24 30, G26 30, G27 60, G28 60 → sorted 30 30 30 30 40 40 40 | 50 60
60 60 100 100 100 → median (40 + 50) / 2 = 45 days.
"""

from __future__ import annotations

import pytest

import horetsu
from horetsu.stages import classify, load_stage_policy

AS_OF = "2025-06-30"


def build(shop):
    s = shop
    s.customer("G01", registered=3)
    s.customer("G02", registered=40)
    s.customer("G03", registered=200)
    s.customer("G04", registered=400)
    s.customer("G05", registered=None).event("G05", 10, "lead")
    s.customer("G06", registered=30).order("G06", 20, status="refunded")
    s.customer("G07", registered=5).order("G07", 5)
    s.customer("G08", registered=50).order("G08", 45)
    s.customer("G09", registered=70).order("G09", 60).order("G09", 10, status="cancelled")
    s.customer("G10", registered=120).order("G10", 100).order("G10", 40)
    s.customer("G11", registered=60).order("G11", 50).order("G11", 10)
    s.customer("G12", registered=60).event("G12", 20, "inquiry")
    s.customer("G13", registered=200).order("G13", 130).order("G13", 90)
    s.customer("G14", registered=320).order("G14", 300).order("G14", 260)
    s.customer("G15", registered=25).order("G15", 20).sub("G15", 20)
    s.customer("G16", registered=110).sub("G16", 100)
    for d in (100, 70, 40, 10):
        s.order("G16", d)
    s.customer("G17", registered=90).order("G17", 80, category="skincare").order("G17", 30, category="food")
    s.customer("G18", registered=120).order("G18", 100).event("G18", 30, "review")
    s.customer("G19", registered=520).order("G19", 500).event("G19", 400, "review")
    s.customer("G20", registered=210).sub("G20", 200, cancelled=50)
    for d in (200, 170, 140, 110, 80):
        s.order("G20", d)
    for cid in ("G21", "G22", "G23"):
        s.customer(cid, registered=310).order(cid, 300).order(cid, 200).order(cid, 100)
        s.event(cid, 40, "referral_made")
    s.sent("G22", 35, "thank_you")
    s.sent("G23", 35, "thank_you").sent("G23", 20, "referral_request")
    s.customer("G24", registered=210).sub("G24", 200).order("G24", 200).order("G24", 170).order("G24", 140)
    s.event("G24", 30, "nps_response", value=10)
    s.customer("G25", registered=60).order("G25", 50).event("G25", 20, "nps_response", value=10)
    s.customer("G26", registered=150).order("G26", 120, category="skincare").order("G26", 90, category="food")
    s.order("G26", 60, category="bath")
    for cid in ("G27", "G28"):
        s.customer(cid, registered=200).order(cid, 90).order(cid, 30)
    s.sent("G27", 2, "mail_magazine").sent("G27", 5, "follow_up_email")
    s.sent("G28", 2, "mail_magazine").sent("G28", 8, "follow_up_email")
    s.customer("G29", registered=14).order("G29", 14)
    s.customer("G30", registered=13)
    return s


# id: (stage, journey_step, temperature)
EXPECTED = {
    "G01": ("observer", "lead", "active"),
    "G02": ("observer", "lead", "active"),
    "G03": ("observer", "lead", "cooling"),
    "G04": ("observer", "lead", "lapsed"),
    "G05": ("observer", "lead", "active"),
    "G06": ("observer", "lead", "active"),
    "G07": ("landing", "trial", "active"),
    "G08": ("landing", "trial", "active"),
    "G09": ("landing", "trial", "active"),
    "G10": ("empathy", "repeat", "active"),
    "G11": ("empathy", "repeat", "active"),
    "G12": ("empathy", "lead", "active"),
    "G13": ("empathy", "repeat", "cooling"),
    "G14": ("empathy", "repeat", "lapsed"),
    "G15": ("engagement", "subscription", "active"),
    "G16": ("engagement", "subscription", "active"),
    "G17": ("engagement", "cross_sell", "active"),
    "G18": ("engagement", "trial", "cooling"),
    "G19": ("landing", "trial", "lapsed"),
    "G20": ("empathy", "subscription", "cooling"),
    "G21": ("circulation", "advocate", "active"),
    "G22": ("circulation", "advocate", "active"),
    "G23": ("circulation", "advocate", "active"),
    "G24": ("circulation", "subscription", "active"),
    "G25": ("engagement", "trial", "active"),
    "G26": ("engagement", "full_line", "cooling"),
    "G27": ("empathy", "repeat", "active"),
    "G28": ("empathy", "repeat", "active"),
    "G29": ("landing", "trial", "active"),
    "G30": ("observer", "lead", "active"),
}

OBSERVERS = ["G01", "G02", "G03", "G04", "G05", "G06", "G30"]

# tactic: {blocked id: rule}; every other customer is allowed
GATE = {
    "discount_coupon": {
        "G01": "timing.discount_after_signup", "G05": "timing.discount_after_signup",
        "G07": "timing.discount_after_signup", "G30": "timing.discount_after_signup",
        "G02": "stage.observer.offer", "G03": "stage.observer.offer", "G04": "stage.observer.offer",
        "G06": "stage.observer.offer", "G27": "cap.message_frequency",
    },
    "referral_request": {
        **{c: "stage.observer.referral_ask" for c in OBSERVERS},
        **{c: "timing.referral_after_purchase" for c in ("G07", "G11", "G15", "G16", "G29")},
        "G21": "thanks.thanks_before_request", "G23": "cap.circulation_requests",
        "G27": "cap.message_frequency",
    },
    "mail_magazine": {c: "stage.empathy.broadcast" for c in ("G10", "G11", "G12", "G13", "G14", "G20", "G27", "G28")},
    "subscription_offer": {
        **{c: "stage.observer.subscription_push" for c in OBSERVERS},
        **{c: "timing.subscription_after_first_purchase" for c in ("G07", "G15", "G29")},
        "G27": "cap.message_frequency",
    },
    "cross_sell": {
        **{c: "stage.observer.offer" for c in OBSERVERS},
        "G15": "timing.cross_sell_after_subscription_start", "G27": "cap.message_frequency",
    },
}

NEXT = {
    "G01": "thank_you",        # observer: make it feel safe
    "G04": "outcome_imagery",  # lapsed observer: the cooling list first
    "G10": "personal_reply",   # empathy: personal treatment
    "G13": "follow_up_call",   # cooling at empathy
    "G19": "follow_up_call",   # lapsed at landing
    "G21": "thank_you",        # circulation: explicit thanks
    "G27": "wait",             # message cap reached: leave them alone
}


@pytest.fixture(scope="module")
def golden_ws(tmp_path_factory):
    import importlib.util
    import sys
    from pathlib import Path

    name = "horetsu_tests_shop_builder"
    mod = sys.modules.get(name)
    if mod is None:  # pragma: no cover - conftest loads it first
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("shop_builder.py"))
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    import datetime as dt

    ws = horetsu.init_workspace(tmp_path_factory.mktemp("golden") / "ws")
    build(mod.Shop(dt.date(2025, 6, 30))).write(ws)
    return ws


@pytest.fixture(scope="module")
def golden(golden_ws):
    return {r["customer_id"]: r for r in classify(golden_ws, AS_OF).to_pylist()}


def test_every_customer_is_classified_as_written_down(golden):
    got = {cid: (r["stage"], r["journey_step"], r["temperature"]) for cid, r in golden.items()}
    assert got == EXPECTED


@pytest.mark.parametrize("tactic", sorted(GATE))
def test_gate_outcome_as_written_down(golden_ws, tactic):
    res = horetsu.gate(golden_ws, tactic, as_of=AS_OF)
    blocked = {r["customer_id"]: r["rule"] for r in res.blocked.to_pylist()}
    assert blocked == GATE[tactic]
    assert set(res.allowed.column("customer_id").to_pylist()) == set(EXPECTED) - set(GATE[tactic])


def test_reasons_carry_the_facts(golden_ws):
    res = horetsu.gate(golden_ws, "discount_coupon", audience=["G01", "G27"], as_of=AS_OF)
    reasons = {r["customer_id"]: r["reason"] for r in res.blocked.to_pylist()}
    assert reasons["G01"] == "signed up 3 days ago; discounts are not offered within 14 days of sign-up at 観測"
    assert reasons["G27"] == (
        "received 2 messages in the last 7 days; no more than 2 messages are sent within 7 days at 共感")
    res = horetsu.gate(golden_ws, "referral_request", audience=["G21"], as_of=AS_OF)
    assert res.blocked.column("reason").to_pylist() == [
        "last contribution 40 days ago, never thanked; requests wait until the last contribution has been "
        "thanked at 循環"]


@pytest.fixture(scope="module")
def golden_actions(golden_ws):
    """The next actions as the pipeline stores them (models off: temperature from the rhythm alone)."""
    from horetsu.pipeline import analyze

    analyze(golden_ws, AS_OF, models=False)
    return {r["customer_id"]: r for r in golden_ws.read_result("customers").to_pylist() if r["stage"]}


def test_next_best_action_as_written_down(golden_actions):
    golden = golden_actions
    assert {cid: golden[cid]["next_action"] for cid in NEXT} == NEXT
    assert golden["G27"]["next_action_reason"].startswith("every recommended tactic is blocked for now: received 2")
    assert "Thank-you message" in golden["G21"]["next_action_reason"]
    assert golden["G21"]["next_action_reason_ja"].startswith("循環・活発")


def test_stage_distribution_counts(golden_ws):
    from horetsu.stages import stage_distribution

    dist = {(r["stage"], r["temperature"]): r["customers"] for r in stage_distribution(golden_ws, AS_OF).to_pylist()}
    assert len(dist) == 15
    assert dist[("observer", "active")] == 5 and dist[("observer", "cooling")] == 1
    assert dist[("empathy", "active")] == 5 and dist[("empathy", "lapsed")] == 1
    assert dist[("circulation", "active")] == 4
    assert sum(dist.values()) == 30


@pytest.mark.parametrize("as_of", ["2025-01-15", AS_OF])
def test_compiled_once_sql_gives_the_same_facts_as_the_expression(golden_ws, as_of):
    import datetime as dt

    from horetsu.stages.facts import customer_facts, facts_table

    policy = load_stage_policy(golden_ws)
    day = dt.date.fromisoformat(as_of)
    exclude = ("cancelled", "returned", "refunded")
    direct = customer_facts(golden_ws, day, policy, exclude).to_pyarrow().sort_by("customer_id")
    reused = facts_table(golden_ws, day, policy, exclude).sort_by("customer_id")
    assert reused.equals(direct)
    assert golden_ws._horetsu_facts_sql is not None
