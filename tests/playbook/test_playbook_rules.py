"""One test per gate rule: a customer just inside the rule's window is blocked, one just
outside is not.  Expected outcomes are read off the method's table and the documented
windows (docs/playbook.md), not off the code."""

from __future__ import annotations

import pytest

import horetsu
from horetsu.playbook.policy import load_policy

CUSTOM_TACTICS = """
[policy.tactics.auto_reply]
ja = "自動返信"
en = "Automatic reply"
traits = ["message", "auto_response"]

[policy.tactics.usage_monitoring]
ja = "利用状況の管理通知"
en = "Usage monitoring notice"
traits = ["message", "control"]
"""


AS_OF = "2025-06-30"  # the shop fixture's date


def outcome(ws, tactic, ids=None):
    res = horetsu.gate(ws, tactic, audience=ids, as_of=AS_OF)
    blocked = {r["customer_id"]: r for r in res.blocked.to_pylist()}
    allowed = set(res.allowed.column("customer_id").to_pylist())
    return allowed, blocked


# ------------------------------------------------------------------ timing rules
def test_discount_within_14_days_of_signup(shop, make_ws):
    # landing customers (one purchase on the day they signed up)
    shop.customer("in13", registered=13).order("in13", 13)
    shop.customer("out14", registered=14).order("out14", 14)
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "discount_coupon")
    assert blocked["in13"]["rule"] == "timing.discount_after_signup"
    assert blocked["in13"]["reason"] == (
        "signed up 13 days ago; discounts are not offered within 14 days of sign-up at 着地")
    assert "out14" in allowed


def test_discount_example_sentence_at_observer(shop, make_ws):
    shop.customer("c3", registered=3)
    ws = make_ws(shop)
    _, blocked = outcome(ws, "discount_coupon")
    assert blocked["c3"]["stage"] == "observer"
    assert blocked["c3"]["reason"] == "signed up 3 days ago; discounts are not offered within 14 days of sign-up at 観測"


def test_signup_falls_back_to_the_first_lead_event(shop, make_ws):
    shop.customer("lead", registered=None).order("lead", 40).event("lead", 13, "lead")
    shop.customer("lead_out", registered=None).order("lead_out", 40).event("lead_out", 14, "lead")
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "discount_coupon")
    assert blocked["lead"]["rule"] == "timing.discount_after_signup"
    assert "lead_out" in allowed


def test_no_subscription_push_within_30_days_of_first_purchase(shop, make_ws):
    shop.customer("in29", registered=100).order("in29", 29)
    shop.customer("out30", registered=100).order("out30", 30)
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "subscription_offer")
    assert blocked["in29"]["rule"] == "timing.subscription_after_first_purchase"
    assert blocked["in29"]["reason"].startswith("first purchase 29 days ago; subscription offers are not made")
    assert "out30" in allowed


def test_no_cross_sell_within_60_days_of_subscription_start(shop, make_ws):
    shop.customer("in59", registered=200).order("in59", 100).sub("in59", 59)
    shop.customer("out60", registered=200).order("out60", 100).sub("out60", 60)
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "cross_sell")
    assert blocked["in59"]["rule"] == "timing.cross_sell_after_subscription_start"
    assert blocked["in59"]["stage"] == "engagement"
    assert "subscription started 59 days ago" in blocked["in59"]["reason"]
    assert "out60" in allowed


def test_no_referral_ask_within_30_days_of_a_purchase(shop, make_ws):
    shop.customer("in29", registered=300).order("in29", 200).order("in29", 29)
    shop.customer("out30", registered=300).order("out30", 200).order("out30", 30)
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "referral_request")
    assert blocked["in29"]["rule"] == "timing.referral_after_purchase"
    assert blocked["in29"]["reason"] == (
        "last purchase 29 days ago; referral requests are not made within 30 days of the last purchase at 共感")
    assert "out30" in allowed


def test_a_shop_can_lengthen_a_window(shop, make_ws):
    shop.customer("d20", registered=20).order("d20", 20)
    ws = make_ws(shop, "[policy.timing.discount_after_signup]\ndays = 21\n")
    _, blocked = outcome(ws, "discount_coupon")
    assert blocked["d20"]["rule"] == "timing.discount_after_signup"
    assert "within 21 days" in blocked["d20"]["reason"]


# ------------------------------------------------------------------ stage rules
def _stage_shop(shop):
    """One customer per stage with old dates, so that no timing rule applies."""
    shop.customer("observer", registered=200)
    shop.customer("landing", registered=200).order("landing", 100)
    shop.customer("empathy", registered=300).order("empathy", 150).order("empathy", 100)
    shop.customer("engagement", registered=300).order("engagement", 150).sub("engagement", 150)
    shop.customer("circulation", registered=400).order("circulation", 300).order("circulation", 200)
    shop.event("circulation", 100, "referral_made").sent("circulation", 95, "thank_you")
    return shop


STAGE_RULES = [
    # (stage, trait, tactic, neighbour stage where the same tactic is allowed)
    ("observer", "offer", "immediate_offer", "landing"),
    ("observer", "subscription_push", "subscription_offer", "landing"),
    ("observer", "vip_invite", "vip_invite", "landing"),
    ("observer", "high_frequency", "frequent_broadcast", "landing"),
    ("observer", "long_form", "long_mail_magazine_series", "landing"),
    ("observer", "authority_push", "authority_push", "landing"),
    ("observer", "participation_ask", "community_invite", "landing"),
    ("observer", "referral_ask", "referral_request", "landing"),
    ("landing", "upsell", "upsell", "empathy"),
    ("landing", "success_push", "success_story_push", "empathy"),
    ("empathy", "template", "template_reply", "landing"),
    ("empathy", "auto_response", "auto_reply", "landing"),
    ("empathy", "broadcast", "mail_magazine", "landing"),
    ("engagement", "control", "usage_monitoring", "empathy"),
    ("engagement", "scoring", "ranking_badge", "empathy"),
    ("engagement", "command", "participation_call", "empathy"),
]


@pytest.fixture(scope="module")
def stage_ws(tmp_path_factory):
    import datetime as dt
    import sys

    shop = sys.modules["horetsu_tests_shop_builder_pb"].Shop(dt.date(2025, 6, 30))
    ws = horetsu.init_workspace(tmp_path_factory.mktemp("stages") / "ws")
    with open(ws.config_path, "a", encoding="utf-8") as fh:
        fh.write("\n" + CUSTOM_TACTICS)
    ws = horetsu.open_workspace(ws.path)
    _stage_shop(shop).write(ws)
    return ws


@pytest.mark.parametrize(("stage", "trait", "tactic", "neighbour"), STAGE_RULES)
def test_stage_forbids_trait(stage_ws, stage, trait, tactic, neighbour):
    ws = stage_ws
    allowed, blocked = outcome(ws, tactic, [stage, neighbour])
    assert blocked[stage]["rule"] == f"stage.{stage}.{trait}"
    assert blocked[stage]["stage"] == stage
    ja = load_policy(ws).stage(stage).ja
    assert f"are not used at {ja}" in blocked[stage]["reason"]
    assert neighbour in allowed


def test_every_forbidden_example_of_the_method_is_a_rule():
    policy = load_policy(None)
    expected = {
        "observer": {"offer", "subscription_push", "vip_invite", "high_frequency", "long_form",
                     "authority_push", "participation_ask", "referral_ask"},
        "landing": {"upsell", "success_push"},
        "empathy": {"template", "auto_response", "broadcast"},
        "engagement": {"control", "scoring", "command"},
    }
    for stage, traits in expected.items():
        assert set(policy.stage(stage).forbid) == traits
    # the circulation stage is protected by caps and the thanks-first rule, not bans
    assert set(policy.caps) >= {"message_frequency", "circulation_requests", "circulation_special_treatment"}
    assert set(policy.thanks) == {"thanks_before_request", "thanks_before_perks"}
    assert {r.anchor for r in policy.timing.values()} == {"signup", "first_purchase", "subscription_start",
                                                           "last_purchase"}


# ------------------------------------------------------------------ caps and thanks
def test_message_frequency_cap(shop, make_ws):
    for cid in ("in", "out"):
        shop.customer(cid, registered=300).order(cid, 150).order(cid, 100)
    shop.sent("in", 0, "mail_magazine").sent("in", 6, "follow_up_email")
    shop.sent("out", 0, "mail_magazine").sent("out", 7, "follow_up_email")
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "personal_reply")
    assert blocked["in"]["rule"] == "cap.message_frequency"
    assert blocked["in"]["reason"] == (
        "received 2 messages in the last 7 days; no more than 2 messages are sent within 7 days at 共感")
    assert "out" in allowed


def _circulation(shop, cid):
    shop.customer(cid, registered=400).order(cid, 300).order(cid, 200)
    shop.event(cid, 150, "referral_made").sent(cid, 140, "thank_you")
    return shop


def test_circulation_request_cap(shop, make_ws):
    _circulation(shop, "in").sent("in", 89, "review_request")
    _circulation(shop, "out").sent("out", 90, "review_request")
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "referral_request")
    assert blocked["in"]["rule"] == "cap.circulation_requests"
    assert blocked["in"]["stage"] == "circulation"
    assert "out" in allowed


def test_circulation_special_treatment_cap(shop, make_ws):
    _circulation(shop, "in").sent("in", 179, "vip_invite")
    _circulation(shop, "out").sent("out", 180, "vip_invite")
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "special_treatment")
    assert blocked["in"]["rule"] == "cap.circulation_special_treatment"
    assert blocked["in"]["reason"].startswith("received 1 special treatment in the last 180 days;")
    assert "out" in allowed


def test_thanks_before_request(shop, make_ws):
    for cid in ("never", "before", "same_day"):
        shop.customer(cid, registered=400).order(cid, 300).order(cid, 200).event(cid, 10, "referral_made")
    shop.sent("before", 11, "thank_you")
    shop.sent("same_day", 10, "thank_you")
    ws = make_ws(shop)
    allowed, blocked = outcome(ws, "review_request")
    assert blocked["never"]["rule"] == "thanks.thanks_before_request"
    assert blocked["never"]["reason"].startswith("last contribution 10 days ago, never thanked;")
    assert blocked["before"]["rule"] == "thanks.thanks_before_request"
    assert "last thanked 11 days ago" in blocked["before"]["reason"]
    assert "same_day" in allowed


def test_caps_limited_to_circulation_do_not_touch_other_stages(shop, make_ws):
    shop.customer("emp", registered=300).order("emp", 150).order("emp", 100).sent("emp", 20, "review_request")
    ws = make_ws(shop)
    allowed, _ = outcome(ws, "review_request")
    assert "emp" in allowed


def test_a_same_day_anchor_reads_today(shop, make_ws):
    shop.customer("d0", registered=0).order("d0", 0)
    ws = make_ws(shop)
    _, blocked = outcome(ws, "discount_coupon")
    assert blocked["d0"]["reason"] == "signed up today; discounts are not offered within 14 days of sign-up at 着地"
    assert blocked["d0"]["reason_ja"] == "本日登録。登録から14日以内のため割引は案内しません(着地)"
