"""Stage evidence rules, temperature thresholds and policy validation, each at its edges."""

from __future__ import annotations

import pytest

from horetsu.errors import ConfigError, PolicyError
from horetsu.playbook.policy import load_policy
from horetsu.stages import classify

AS_OF = "2025-06-30"


def rows(ws, as_of=AS_OF, customers=None):
    return {r["customer_id"]: r for r in classify(ws, as_of, customers=customers).to_pylist()}


def test_output_columns_follow_the_contract(shop, make_ws):
    shop.customer("a", registered=10)
    t = classify(make_ws(shop), AS_OF)
    assert t.column_names[:2] == ["customer_id", "stage"]
    for col in ("journey_step", "temperature", "stage_evidence", "stage_evidence_ja", "stage_rule"):
        assert col in t.column_names


def test_repeat_buyer_evidence_reads_like_a_sentence(shop, make_ws):
    shop.customer("r", registered=200).order("r", 90).order("r", 41)
    r = rows(make_ws(shop))["r"]
    assert (r["stage"], r["stage_rule"], r["journey_step"]) == ("empathy", "empathy.repeat_purchase", "repeat")
    assert "2 purchases, last 41 days ago; no subscription" in r["stage_evidence"]
    assert "購入2回、最終購入41日前、定期購入なし" in r["stage_evidence_ja"]


def test_cancelled_returned_refunded_orders_are_not_purchases(shop, make_ws):
    shop.customer("x", registered=100).order("x", 80).order("x", 50, status="returned")
    shop.order("x", 40, status="cancelled").order("x", 30, status="refunded")
    shop.customer("p", registered=100).order("p", 80).order("p", 50, status="partially_refunded")
    got = rows(make_ws(shop))
    assert got["x"]["stage"] == "landing" and got["x"]["journey_step"] == "trial"
    assert got["p"]["stage"] == "empathy"


def test_customers_not_yet_known_are_left_out(shop, make_ws):
    shop.customer("future", registered=-5).customer("now", registered=0)
    got = rows(make_ws(shop))
    assert set(got) == {"now"}


@pytest.mark.parametrize(("days", "stage"), [(364, "engagement"), (365, "landing")])
def test_participation_counts_for_365_days(shop, make_ws, days, stage):
    shop.customer("c", registered=500).order("c", 400).event("c", days, "review")
    assert rows(make_ws(shop))["c"]["stage"] == stage


@pytest.mark.parametrize(("days", "stage"), [(729, "circulation"), (730, "empathy")])
def test_advocacy_counts_for_730_days(shop, make_ws, days, stage):
    shop.customer("c", registered=900).order("c", 800).order("c", 760).event("c", days, "referral_made")
    got = rows(make_ws(shop))["c"]
    assert got["stage"] == stage
    assert got["journey_step"] == "advocate"  # a milestone is never lost


@pytest.mark.parametrize(("score", "days", "rule"), [
    (9.0, 364, "circulation.nps_promoter"),
    (8.9, 364, "engagement.subscription"),
    (9.0, 365, "engagement.subscription"),
])
def test_nps_promoter_with_loyal_buying(shop, make_ws, score, days, rule):
    shop.customer("c", registered=500).order("c", 400).sub("c", 400).event("c", days, "nps_response", value=score)
    assert rows(make_ws(shop))["c"]["stage_rule"] == rule


def test_nps_promoter_without_loyal_buying_is_engagement(shop, make_ws):
    shop.customer("c", registered=100).order("c", 50).event("c", 20, "nps_response", value=10)
    assert rows(make_ws(shop))["c"]["stage_rule"] == "engagement.participation"


@pytest.mark.parametrize(("days", "stage"), [(364, "empathy"), (365, "observer")])
def test_personal_inquiry_counts_for_365_days(shop, make_ws, days, stage):
    shop.customer("c", registered=500).event("c", days, "inquiry")
    assert rows(make_ws(shop))["c"]["stage"] == stage


@pytest.mark.parametrize(("cancelled", "stage"), [(0, "landing"), (-1, "engagement"), (None, "engagement")])
def test_subscription_is_active_until_its_cancellation_day(shop, make_ws, cancelled, stage):
    shop.customer("c", registered=100).order("c", 90).sub("c", 90, cancelled=cancelled)
    assert rows(make_ws(shop))["c"]["stage"] == stage


def test_cancelled_status_without_a_date_is_not_active(shop, make_ws):
    shop.customer("c", registered=100).order("c", 90).sub("c", 90, status="cancelled")
    assert rows(make_ws(shop))["c"]["stage"] == "landing"


def test_cross_category_repeat_is_engagement_and_cross_sell(shop, make_ws):
    shop.customer("c", registered=100).order("c", 90, category="skincare").order("c", 30, category="food")
    got = rows(make_ws(shop))["c"]
    assert (got["stage_rule"], got["journey_step"]) == ("engagement.cross_category", "cross_sell")
    assert "2 purchases in 2 categories, last 30 days ago" in got["stage_evidence"]


def test_stage_moves_down_when_a_subscription_ends(shop, make_ws):
    shop.customer("c", registered=300).order("c", 200).order("c", 170).sub("c", 200, cancelled=100)
    ws = make_ws(shop)
    assert rows(ws, "2025-01-01")["c"]["stage"] == "engagement"  # 180 days before AS_OF: running
    now = rows(ws)["c"]
    assert now["stage"] == "empathy"
    assert now["journey_step"] == "subscription"
    assert "subscription ended" in now["stage_evidence"]


# ---------------------------------------------------------------- temperature
@pytest.mark.parametrize(("recency", "temp"), [(60, "active"), (61, "cooling"), (120, "cooling"), (121, "lapsed")])
def test_temperature_from_the_customers_own_rhythm(shop, make_ws, recency, temp):
    # own interval: 40 days; cooling above 1.5x (60 days), lapsed above 3x (120 days)
    shop.customer("c", registered=400).order("c", recency + 40).order("c", recency)
    assert rows(make_ws(shop))["c"]["temperature"] == temp


@pytest.mark.parametrize(("p_alive", "temp"), [(0.5, "active"), (0.49, "cooling"), (0.2, "cooling"), (0.19, "lapsed")])
def test_p_alive_can_only_make_it_colder(shop, make_ws, p_alive, temp):
    import pyarrow as pa

    shop.customer("c", registered=400).order("c", 50).order("c", 10)  # rhythm alone: active
    customers = pa.table({"customer_id": ["c"], "p_alive": [p_alive], "frequency": [1]})
    got = rows(make_ws(shop), customers=customers)["c"]
    assert got["temperature"] == temp
    assert f"P(alive) {p_alive}" in got["stage_evidence"]


def test_high_p_alive_does_not_warm_a_lapsed_rhythm(shop, make_ws):
    import pyarrow as pa

    shop.customer("c", registered=400).order("c", 300).order("c", 260)
    customers = pa.table({"customer_id": ["c"], "p_alive": [0.99]})
    assert rows(make_ws(shop), customers=customers)["c"]["temperature"] == "lapsed"


def test_one_time_buyers_use_the_shop_median_interval(shop, make_ws):
    # repeat buyers' own intervals: 20, 30, 100 -> median 30
    shop.customer("a", registered=400).order("a", 60).order("a", 40)
    shop.customer("b", registered=400).order("b", 60).order("b", 30)
    shop.customer("c", registered=400).order("c", 110).order("c", 10)
    shop.customer("one45", registered=400).order("one45", 45)  # 1.5x 30 -> active
    shop.customer("one46", registered=400).order("one46", 46)  # cooling
    shop.customer("one91", registered=400).order("one91", 91)  # > 3x -> lapsed
    got = rows(make_ws(shop))
    assert [got[c]["temperature"] for c in ("one45", "one46", "one91")] == ["active", "cooling", "lapsed"]


@pytest.mark.parametrize(("quiet", "temp"), [(90, "active"), (91, "cooling"), (365, "cooling"), (366, "lapsed")])
def test_non_buyers_cool_with_silence(shop, make_ws, quiet, temp):
    shop.customer("c", registered=quiet)
    assert rows(make_ws(shop))["c"]["temperature"] == temp


def test_running_subscription_is_active(shop, make_ws):
    shop.customer("c", registered=400).order("c", 300).order("c", 290).sub("c", 300)
    assert rows(make_ws(shop))["c"]["temperature"] == "active"


# ---------------------------------------------------------------- policy
def test_shop_override_changes_a_threshold(shop, make_ws):
    shop.customer("c", registered=500).order("c", 400).event("c", 200, "review")
    ws = make_ws(shop, "[policy.stages.engagement]\nparticipation_lookback_days = 180\n")
    assert rows(ws)["c"]["stage"] == "landing"


@pytest.mark.parametrize(("toml", "key", "words", "stage_rule"), [
    ('[policy.temperature]\nlapsed_ratio = "often"\n', "policy.temperature.lapsed_ratio", "valid number", True),
    ("[policy.stages.landing]\nmin_order = 2\n", "policy.stages.landing.min_order", "Extra inputs", True),
    ('[policy.stages.landing]\nforbid = ["upsel"]\n', "policy.stages.landing.forbid", "unknown trait 'upsel'", False),
    ("[policy.temperature]\nlapsed_ratio = 1.0\n", "policy.temperature", "larger than cooling_ratio", True),
    ('[policy.timing.x]\ntrait = "discount"\nanchor = "birthday"\ndays = 3\nwhat_en = "a"\nwhat_ja = "b"\n',
     "policy.timing.x.anchor", "signup", False),
    ('[policy.caps.message_frequency]\nstages = ["obsever"]\n', "policy.caps.message_frequency.stages",
     "unknown stage 'obsever'", False),
])
def test_invalid_policy_names_file_key_and_problem(shop, make_ws, toml, key, words, stage_rule):
    # the whole policy (the playbook's loader, which analyze, gate, plan and the web use) reports
    # every mistake; classify, which reads only the stage rules, reports the stage rules' mistakes
    # and is not stopped by a mistake in a tactic, timing, cap or thanks rule (it reads none)
    ws = make_ws(shop.customer("c", registered=1), toml)
    with pytest.raises(PolicyError) as info:
        load_policy(ws)
    msg = str(info.value)
    assert msg.startswith(str(ws.config_path))
    assert f": {key}: " in msg and words in msg
    assert isinstance(info.value, ConfigError) and isinstance(info.value, ValueError)
    if stage_rule:
        with pytest.raises(PolicyError) as info:
            classify(ws, AS_OF)
        assert str(info.value) == msg
    else:
        assert rows(ws)["c"]["stage"] == "observer"


def test_default_policy_validates_and_is_bilingual():
    policy = load_policy(None)
    for name, tac in policy.tactics.items():
        assert tac.ja and tac.en and tac.ja != tac.en, name
    for rule in [*policy.timing.values(), *policy.caps.values(), *policy.thanks.values()]:
        assert rule.what_en and rule.what_ja and rule.why_en and rule.why_ja


def test_two_orders_on_one_day_are_one_purchase(shop, make_ws):
    shop.customer("c", registered=100).order("c", 50).order("c", 50, category="food")
    got = rows(make_ws(shop))["c"]
    assert (got["stage"], got["journey_step"]) == ("landing", "trial")


def test_the_shops_excluded_statuses_are_honoured(shop, make_ws):
    shop.customer("c", registered=100).order("c", 80).order("c", 50, status="returned")
    ws = make_ws(shop, '[analysis]\nexclude_statuses = ["cancelled"]\n')
    assert rows(ws)["c"]["stage"] == "empathy"  # a returned order still counts for this shop
