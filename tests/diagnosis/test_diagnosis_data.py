"""What the exports cannot tell is "no data"; the step-mail hook; diagnoses over time."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from horetsu.diagnosis import SequenceUplift, StepMailEvidence, diagnose, save_diagnosis, saved

from .conftest import ANSWERS, AS_OF, at, day


def _rewrite(ws, name, fn):
    path = ws.table_path(name)
    pq.write_table(fn(pq.read_table(path)), path)
    ws.refresh()


def test_without_a_shipping_column_delivery_is_no_data_and_cannot_contradict(shop):
    _rewrite(shop, "orders", lambda t: t.drop_columns(["shipped_at"]))
    doc = diagnose(shop, ANSWERS, compare=False).to_json()
    k = doc["kpis"]["delivery_days_median"]
    assert k["value"] is None and k["status"] == "no_data" and "shipped_at" in k["reason"]["en"]
    assert "practice_delivery_speed" not in {c["question"] for c in doc["contradictions"]}
    assert doc["answers"]["practice_delivery_speed"]["used"] == "yes"


def test_an_all_null_shipping_column_is_no_data(shop):
    _rewrite(shop, "orders", lambda t: t.set_column(t.schema.get_field_index("shipped_at"), "shipped_at",
                                                    pa.nulls(t.num_rows, t["shipped_at"].type)))
    k = diagnose(shop, {}, compare=False).to_json()["kpis"]["delivery_days_median"]
    assert k["status"] == "no_data" and k["reason"]["ja"]


def test_without_any_send_recorded_step_mails_are_no_data(shop):
    import pyarrow.compute as pc

    _rewrite(shop, "events", lambda t: t.filter(pc.not_equal(t["type"], "message_sent")))
    doc = diagnose(shop, ANSWERS, compare=False).to_json()
    assert doc["kpis"]["step_mails"]["status"] == "no_data"
    assert "practice_step_mails" not in {c["question"] for c in doc["contradictions"]}


def test_a_send_whose_payload_names_a_sequence_is_a_step_mail(shop):
    def add(t):
        row = pa.table({"customer_id": ["h7"], "at": pa.array([at(5)], t["at"].type), "event_date": [day(5)],
                        "type": ["message_sent"], "value": pa.array([None], pa.float64()), "note": ["thank_you"],
                        "payload": ['{"sequence": "first_purchase", "step": 1}']})
        return pa.concat_tables([t, row.select(t.column_names).cast(t.schema)])

    _rewrite(shop, "events", add)
    doc = diagnose(shop, ANSWERS, compare=False).to_json()
    assert doc["kpis"]["step_mails"]["value"] is True and doc["kpis"]["step_mails"]["sent"] == 1
    assert "practice_step_mails" not in {c["question"] for c in doc["contradictions"]}


def test_the_step_mail_feature_hands_in_its_evidence(shop):
    """The hook: sends and, per sequence, repurchases against the holdout (Wald interval by hand)."""
    ev = StepMailEvidence(running=True, sent=120, source="mail",
                          sequences=(SequenceUplift("first_purchase", 100, 30, 20, 4),))
    doc = diagnose(shop, {"practice_step_mails": "no"}, step_mails=ev, compare=False).to_json()
    k = doc["kpis"]["step_mails"]
    assert k["value"] is True and k["source"] == "mail"
    seq = k["sequences"][0]
    # uplift 0.30 - 0.20 = 0.10; se = sqrt(.3*.7/100 + .2*.8/20) = sqrt(0.0021 + 0.008) = 0.100499
    assert seq["uplift"] == pytest.approx(0.10)
    assert seq["ci_low"] == pytest.approx(0.10 - 1.959964 * 0.100499, abs=1e-5)
    flags = {c["question"]: c for c in doc["contradictions"]}
    assert flags["practice_step_mails"]["answer"] == "no" and flags["practice_step_mails"]["data_answer"] == "yes"


def test_nps_answered_no_while_answers_exist_is_flagged_and_yes_without_them_too(shop):
    doc = diagnose(shop, {"practice_nps": "no"}, compare=False).to_json()
    assert [c["question"] for c in doc["contradictions"]] == ["practice_nps"]
    import pyarrow.compute as pc

    _rewrite(shop, "events", lambda t: t.filter(pc.not_equal(t["type"], "nps_response")))
    doc = diagnose(shop, {"practice_nps": "yes"}, compare=False).to_json()
    assert doc["kpis"]["nps"]["status"] == "no_data" and doc["kpis"]["nps"]["measured"] is False
    flag = doc["contradictions"][0]
    assert flag["question"] == "practice_nps" and "nps_response" in flag["text"]["en"]


def test_unanswered_questions_the_data_decides_use_the_data(shop):
    doc = diagnose(shop, {}, compare=False).to_json()
    assert doc["answers"]["practice_nps"] == {"given": None, "used": "yes", "basis": "data"}
    assert doc["answers"]["practice_step_mails"] == {"given": None, "used": "no", "basis": "data"}
    assert doc["answers"]["landing_check_in"] == {"given": None, "used": None, "basis": "unanswered"}
    assert doc["business_stage"] is None and doc["contradictions"] == []


def test_the_next_diagnosis_shows_what_improved(shop):
    first = diagnose(shop, ANSWERS, now=dt.datetime(2025, 7, 1, 9, 0, tzinfo=dt.UTC))
    path = save_diagnosis(shop, first)
    assert path.parent == shop.path / "diagnosis" and path.name.startswith("2025-06-30_20250701T0900")
    better = {**ANSWERS, "landing_check_in": "yes", "base_enclosures": "partly"}
    second = diagnose(shop, better, now=dt.datetime(2025, 8, 1, 9, 0, tzinfo=dt.UTC))
    ch = second.to_json()["changes"]
    assert ch["previous_diagnosed_at"] == "2025-07-01T09:00:00+00:00"
    assert ch["business_stage"] == {"before": "landing", "after": "circulation", "moved": "up"}
    assert ch["gaps_closed"] == ["landing_check_in"]
    assert ch["scores"]["landing"] == {"before": 66.7, "after": 100.0, "change": 33.3}
    assert ch["scores"]["foundations"]["change"] == pytest.approx(16.6, abs=0.1)
    save_diagnosis(shop, second)
    assert [d["diagnosed_at"] for d in saved(shop)] == ["2025-07-01T09:00:00+00:00", "2025-08-01T09:00:00+00:00"]
    assert AS_OF.isoformat() == saved(shop)[-1]["as_of"]


def test_kpi_changes_know_which_direction_is_better():
    from horetsu.diagnosis import compare

    before = {"kpis": {"hidden_churn_90d": {"value": 0.7, "better": "lower"}, "nps": {"value": 10.0, "better": "higher"},
                       "inquiries_per_100_orders": {"value": 5.0, "better": None}}}
    after = {"kpis": {"hidden_churn_90d": {"value": 0.6, "better": "lower"}, "nps": {"value": 5.0, "better": "higher"},
                      "inquiries_per_100_orders": {"value": 8.0, "better": None}}}
    ch = compare(before, after)
    assert ch["improved"] == ["hidden_churn_90d"] and ch["worsened"] == ["nps"]
    assert ch["kpis"]["inquiries_per_100_orders"]["improved"] is None


def test_with_no_voice_events_every_lapsed_buyer_is_silent(shop):
    import horetsu

    with open(shop.path / "horetsu.toml", "a", encoding="utf-8") as fh:
        fh.write("\n[diagnosis.settings]\nvoice_events = []\n")
    k = diagnose(horetsu.open_workspace(shop.path), {}, compare=False).to_json()["kpis"]["hidden_churn_90d"]
    assert k["value"] == pytest.approx(0.7) and k["silent_share"] == pytest.approx(0.7)
