"""The hand-built shop of conftest.py, diagnosed by hand first, then by horetsu.

Worked out by hand (D = 2025-06-30):

* F2 within 90 days (results/f2): eligible = first purchase at least 90 days before D =
  h1..h10 and y1..y4 = 14; converted within 90 days = h1, h2, h3 → 3/14.
* Hidden churn: cohort = first purchase in (D-455, D-90] = h1..h10 (10). No second purchase
  day within 90 days: h4 (came back after 100 days) and h5..h10 → 7/10 = 0.7. Of those, h5
  (inquiry 10 days after) and h6 (NPS 20 days after) spoke: silent 5/10.
* 12-month cohort = first purchase in (D-730, D-365] = y1..y4. Second purchase within 365
  days: y1 (100 days), y2 (300 days) → 2/4. Spend within 365 days: 8,000 + 8,000 + 5,000 +
  5,000 (y2's third purchase is 490 days after the first) → LTV 6,500. A second purchase adds
  8,000 − 5,000 = 3,000 (the value of a repeat buyer).
* Delivery: the ten shipped orders took 1,1,2,2,3,4,4,5,6,7 days → median (3 + 4) / 2 = 3.5;
  shipped within 1 day: 2/10.
* Orders of the last 12 months that are not cancelled: 18 paid + 1 returned + 1 refunded = 20;
  returned or refunded 2 → 0.1. Inquiries in the year: h5, y3 → 2 per 20 orders → 10 per 100.
* NPS (each customer's latest answer within the year): promoters h6, y1, y2; passives h1 (8,
  the later answer), h2; detractors h3, y3 (6; the 2 is older than a year) → 3/2/2, n 7,
  NPS = 100 · (3 − 2) / 7 = 14.29. Adjusted Wald: n' 10, p' 0.375, d' 0.275, centre 0.1,
  var (0.65 − 0.01) / 10 = 0.064, half-width 1.959964 · 0.252982 = 0.495835 → −39.58 … 59.58.
* Step mails: one send recorded (a coupon campaign), none from a sequence → none ran.

Answers (conftest.ANSWERS): everything yes except landing_check_in no, practice_contact_form
partly, base_enclosures no, base_organic na. The data contradicts two "yes": step mails (none
ran) and fast delivery (median 3.5 ≥ 3 days); both count as "no".

* Scores: observer 100; landing 2/3 → 66.7; empathy, engagement, circulation 100; practice
  (0.5 + 1 + 0 + 0 + 1) / 5 → 50; foundations (0 + 1 + 1) / 3 → 66.7 (na left out).
* Business stage: landing (the first stage under 75), because of landing_check_in.
* Gaps (pool × open × cost_share × value): lapsed first-time buyers 7, silent 5, value 3,000:
  practice_step_mails 7·1·0.10 = 0.70 → ¥2,100; landing_check_in 7·1·0.08 = 0.56 → ¥1,680;
  practice_delivery_speed 7·1·0.05 = 0.35 → ¥1,050; base_enclosures 7·1·0.03 = 0.21 → ¥630;
  practice_contact_form 5·0.5·0.05 = 0.125 → ¥375.
"""

from __future__ import annotations

import pytest

from horetsu.diagnosis import diagnose

from .conftest import ANSWERS


@pytest.fixture(scope="module")
def doc(shop_template):
    import horetsu

    return diagnose(horetsu.open_workspace(shop_template), ANSWERS, compare=False).to_json()


def test_kpis_match_the_hand_computed_values(doc):
    k = doc["kpis"]
    assert doc["as_of"] == "2025-06-30"
    assert k["f2_conversion"]["value"] == pytest.approx(3 / 14)
    assert k["f2_conversion"]["n"] == 14
    assert k["hidden_churn_90d"]["value"] == pytest.approx(0.7)
    assert k["hidden_churn_90d"]["n"] == 10
    assert k["hidden_churn_90d"]["silent_share"] == pytest.approx(0.5)
    assert k["repeat_rate_12m"]["value"] == pytest.approx(0.5)
    assert k["ltv_12m"]["value"] == pytest.approx(6500)
    assert doc["values"]["repeat_value"] == 3000
    assert k["delivery_days_median"]["value"] == pytest.approx(3.5)
    assert k["delivery_days_median"]["n"] == 10
    assert k["delivery_days_median"]["within_target_share"] == pytest.approx(0.2)
    assert k["return_share"]["value"] == pytest.approx(0.1)
    assert k["return_share"]["n"] == 20
    assert k["inquiries_per_100_orders"]["value"] == pytest.approx(10.0)
    nps = k["nps"]
    assert (nps["promoters"], nps["passives"], nps["detractors"], nps["n"]) == (3, 2, 2, 7)
    assert nps["value"] == pytest.approx(100 / 7)
    assert nps["ci_low"] == pytest.approx(-39.58, abs=0.01)
    assert nps["ci_high"] == pytest.approx(59.58, abs=0.01)
    assert k["step_mails"]["value"] is False and k["step_mails"]["sent"] == 0


def test_stage_scores_and_reasons(doc):
    assert doc["business_stage"] == "landing"
    assert [r["question"] for r in doc["stage_reasons"]] == ["landing_check_in"]
    scores = {a: s["score"] for a, s in doc["scores"].items()}
    assert scores == {"observer": 100.0, "landing": 66.7, "empathy": 100.0, "engagement": 100.0,
                      "circulation": 100.0, "practice": 50.0, "foundations": 66.7}


def test_contradicted_answers_are_flagged(doc):
    flags = {c["question"]: c for c in doc["contradictions"]}
    assert set(flags) == {"practice_step_mails", "practice_delivery_speed"}
    assert flags["practice_step_mails"]["data_answer"] == "no"
    assert flags["practice_delivery_speed"]["kpi"] == "delivery_days_median"
    assert "3.5" in flags["practice_delivery_speed"]["text"]["en"]
    assert "3.5" in flags["practice_delivery_speed"]["text"]["ja"]
    assert doc["answers"]["practice_step_mails"] == {"given": "yes", "used": "no", "basis": "contradicted"}
    # an answer the data confirms is not flagged
    assert doc["answers"]["practice_nps"] == {"given": "yes", "used": "yes", "basis": "answer"}


def test_gaps_in_the_order_of_the_hand_estimate(doc):
    assert doc["gaps_ranked_by"] == "yen"
    got = [(g["id"], g["cost"]["customers"], g["cost"]["yen"]) for g in doc["gaps"]]
    assert got == [
        ("practice_step_mails", 0.7, 2100),
        ("landing_check_in", 0.56, 1680),
        ("practice_delivery_speed", 0.35, 1050),
        ("base_enclosures", 0.21, 630),
        ("practice_contact_form", 0.12, 375),  # 0.125 shown with two decimals
    ]
    assert [f["id"] for f in doc["gaps"][0]["fix"]][0] == "sequence:first_purchase"
    assert all(f["kind"] and f["text"]["ja"] and f["text"]["en"] for g in doc["gaps"] for f in g["fix"])


def test_the_json_holds_the_contract_keys(doc):
    for key in ("business_stage", "kpis", "gaps"):
        assert key in doc
    for key in ("f2_conversion", "repeat_rate_12m", "hidden_churn_90d", "ltv_12m", "delivery_days_median",
                "return_share", "nps"):
        assert key in doc["kpis"]
    assert all({"id", "cost", "fix"} <= set(g) for g in doc["gaps"])
    # a reference is either cited or says plainly that there is none
    assert doc["kpis"]["nps"]["reference"]["source"].startswith("NTTコム")
    assert doc["kpis"]["f2_conversion"]["reference"]["kind"] == "none"
