"""The gate's library API: audiences, unknown names, overrides and the audit log."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest

import horetsu
from horetsu.errors import ConfigError, UnknownCustomerError, UnknownTacticError
gate_with = horetsu.gate
from horetsu.playbook.policy import load_policy

AS_OF = "2025-06-30"


def _shop(shop):
    shop.customer("new", registered=3)          # observer, signed up 3 days ago
    shop.customer("old", registered=100).order("old", 90).order("old", 60)  # empathy
    shop.customer("one", registered=100).order("one", 80)  # landing
    return shop


def test_no_audience_means_every_customer(shop, make_ws):
    res = horetsu.gate(make_ws(_shop(shop)), "discount_coupon", as_of=AS_OF)
    assert res.n_allowed + res.n_blocked == 3
    assert res.blocked.column_names == ["customer_id", "stage", "rule", "reason", "reason_ja"]
    assert res.blocked.column("customer_id").to_pylist() == ["new"]
    assert res.blocked.column("reason_ja").to_pylist() == ["登録3日前。登録から14日以内のため割引は案内しません(観測)"]


def test_audience_from_csv_list_or_table(shop, make_ws, tmp_path):
    ws = make_ws(_shop(shop))
    csv = tmp_path / "aud.csv"
    csv.write_text("customer_id,email\nnew,a@x\none,b@x\n", encoding="utf-8")
    for audience in (csv, str(csv), ["new", "one"], pa.table({"customer_id": ["new", "one"]})):
        res = horetsu.gate(ws, "discount_coupon", audience=audience, as_of=AS_OF)
        assert res.allowed.column("customer_id").to_pylist() == ["one"]
        assert res.blocked.column("customer_id").to_pylist() == ["new"]


def test_cp932_audience_file(shop, make_ws, tmp_path):
    ws = make_ws(_shop(shop))
    csv = tmp_path / "aud.csv"
    csv.write_bytes("顧客ID,氏名\none,髙橋 一郎\n".encode("cp932"))
    res = horetsu.gate(ws, "discount_coupon", audience=csv, as_of=AS_OF)
    assert res.allowed.column("customer_id").to_pylist() == ["one"]


def test_unknown_tactic_is_an_error_with_suggestions(shop, make_ws):
    with pytest.raises(UnknownTacticError, match="did you mean discount_coupon"):
        horetsu.gate(make_ws(_shop(shop)), "discount_coupn", as_of=AS_OF)


def test_unknown_customer_is_an_error_not_a_silent_pass(shop, make_ws):
    with pytest.raises(UnknownCustomerError, match="1 customer id.*ghost") as info:
        horetsu.gate(make_ws(_shop(shop)), "discount_coupon", audience=["one", "ghost"], as_of=AS_OF)
    assert isinstance(info.value, LookupError)


def test_a_customer_not_yet_known_on_the_date_is_unknown(shop, make_ws):
    ws = make_ws(_shop(shop))
    with pytest.raises(UnknownCustomerError):
        horetsu.gate(ws, "mail_magazine", audience=["new"], as_of="2025-06-01")


def test_override_lets_blocked_through_and_is_logged(shop, make_ws):
    ws = make_ws(_shop(shop))
    res = gate_with(ws, "discount_coupon", as_of=AS_OF, override="launch promise to new members",
                                     who="sato")
    assert set(res.allowed.column("customer_id").to_pylist()) == {"new", "old", "one"}
    assert res.overridden and res.n_blocked == 1
    lines = ws.audit_log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["who"] == "sato" and entry["why"] == "launch promise to new members"
    assert entry["tactic"] == "discount_coupon" and entry["customer_ids"] == ["new"]
    assert entry["rules"] == {"timing.discount_after_signup": 1} and entry["at"]
    # a second override appends
    gate_with(ws, "upsell", as_of=AS_OF, override="test", who="sato")
    assert len(ws.audit_log.read_text(encoding="utf-8").splitlines()) == 2


def test_an_empty_override_reason_is_refused(shop, make_ws):
    with pytest.raises(ConfigError):
        gate_with(make_ws(_shop(shop)), "upsell", as_of=AS_OF, override="  ")


def test_catalogue_has_every_tactic_named_in_the_issue():
    names = """newsletter_enclosure mail_magazine long_mail_magazine_series testimonial_enclosure
    subscription_retention outcome_imagery point_program discount_coupon start_book follow_up_email
    follow_up_call step_mail thank_you personal_reply template_reply upsell cross_sell subscription_offer
    vip_invite referral_request review_request nps_survey community_invite immediate_offer
    success_story_push authority_push participation_call ranking_badge special_treatment
    frequent_broadcast""".split()
    policy = load_policy(None)
    assert set(names) <= set(policy.tactics)
    assert len(names) == 30


def test_catalogue_table_lists_where_tactics_are_forbidden():
    from horetsu.playbook.catalogue import catalogue

    rows = {r["tactic"]: r for r in catalogue().to_pylist()}
    assert rows["discount_coupon"]["forbidden_at"] == ["observer"]  # an offer
    assert rows["discount_coupon"]["timing_rules"] == ["discount_after_signup"]
    assert rows["mail_magazine"]["forbidden_at"] == ["empathy"]
    assert rows["ranking_badge"]["forbidden_at"] == ["engagement"]
    assert rows["upsell"]["forbidden_at"] == ["observer", "landing"]
    assert rows["thank_you"]["forbidden_at"] == [] and "circulation" in rows["thank_you"]["recommended_at"]
    assert rows["template_reply"]["name_ja"] == "定型文での返信"
