"""``nps wave`` (gate, signed links, the wave record, response rates) and ``nps act`` (follow-up lists)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from horetsu.errors import ConfigError
from horetsu.nps.actions import act_lists
from horetsu.nps.reading import nps_report
from horetsu.nps.record import record_answer
from horetsu.nps.tokens import verify
from horetsu.nps.waves import list_waves, recipients, run_wave

JST = dt.timezone(dt.timedelta(hours=9))
URL = 'https://crm.example.jp/'


@pytest.fixture
def wave_ws(shop, make_ws):
    for cid in ("c1", "c2", "c3"):
        shop.customer(cid, 300).order(cid, 200)
    shop.sent("c3", 1, "mail_magazine").sent("c3", 2, "mail_magazine")  # two messages this week: capped
    shop.event("c2", 40, "nps_response", 3)  # an older answer, before the wave
    return make_ws(shop, f'[mail]\npublic_url = "{URL}"\n')


def test_wave_gates_signs_and_records(wave_ws, tmp_path, capsys):
    from horetsu.cli.app import main

    aud = tmp_path / "aud.csv"
    aud.write_text("customer_id\nc1\nc2\nc3\n", encoding="utf-8")
    out = tmp_path / "links.csv"
    assert main(["nps", "wave", "--audience", str(aud), "--date", "2025-06-30", "--out", str(out),
                 "-w", str(wave_ws.path)]) == 0  # fmt: skip
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["customer_id"] for r in rows] == ["c1", "c2"]  # c3 kept out by the frequency cap
    (wave,) = list_waves(wave_ws)
    assert (wave.date, wave.tactic, wave.recipients, wave.blocked) == ("2025-06-30", "nps_survey", 2, 1)
    assert wave.expires_at == "2025-07-30T23:59:59+09:00"  # 30 days by default
    before_expiry = dt.datetime(2025, 7, 30, 14, 0, tzinfo=dt.UTC)
    for r in rows:
        assert r["url"].startswith("https://crm.example.jp/s/")
        claims = verify(wave_ws, r["url"].rsplit("/", 1)[1], customer_id=r["customer_id"], now=before_expiry)
        assert claims.wave_id == wave.wave_id
    assert sorted(recipients(wave_ws, wave.wave_id).column("customer_id").to_pylist()) == ["c1", "c2"]
    # One of two recipients answers: 50% response; the answer counts at once.
    token = rows[0]["url"].rsplit("/", 1)[1]
    record_answer(wave_ws, token, 10, "早い", now=dt.datetime(2025, 7, 1, 3, tzinfo=dt.UTC))
    rep = nps_report(wave_ws)
    (w,) = rep["waves"]
    assert (w["recipients"], w["responded"], w["response_rate"]) == (2, 1, 0.5)
    assert rep["n"] == 2  # c2's older answer and c1's new one


def test_wave_needs_a_public_url(shop, make_ws):
    shop.customer("c1", 300).order("c1", 200)
    ws = make_ws(shop)
    with pytest.raises(ConfigError, match="public_url"):
        run_wave(ws, ["c1"], "2025-06-30")
    assert run_wave(ws, ["c1"], "2025-06-30", public_url="http://127.0.0.1:8000").links.num_rows == 1


def test_invalid_public_url_setting_names_the_key(shop, make_ws):
    shop.customer("c1", 300).order("c1", 200)
    ws = make_ws(shop, '[mail]\npublic_url = "crm.example.jp"\n')
    with pytest.raises(ConfigError, match=r"\[mail.public_url\]"):
        run_wave(ws, ["c1"], "2025-06-30")


def test_act_lists(shop, make_ws):
    for cid in ("D1", "D2", "D3", "P1", "P2", "P3", "P4", "N1"):
        shop.customer(cid, 400).order(cid, 200)
    shop.event("D1", 1, "nps_response", 2)      # recent detractor: reply personally
    shop.event("D2", 30, "nps_response", 0)     # answered a month ago: off the list
    shop.event("D3", 3, "nps_response", 5).sent("D3", 2, "personal_reply")  # already answered personally
    shop.event("P1", 3, "nps_response", 10)     # promoter not thanked yet: thank first
    shop.event("P2", 25, "nps_response", 9).sent("P2", 20, "thank_you")     # thanked 20 days ago: ask
    shop.event("P3", 10, "nps_response", 10).sent("P3", 5, "thank_you")     # thanked 5 days ago: cooling off
    shop.event("P4", 40, "nps_response", 9).sent("P4", 30, "thank_you").sent("P4", 20, "referral_request")
    shop.event("N1", 2, "nps_response", 8)      # passive: no list
    ws = make_ws(shop)
    lists = {lst.name: lst for lst in act_lists(ws, shop.as_of)}
    ids = {name: lst.rows.column("customer_id").to_pylist() for name, lst in lists.items()}
    assert ids == {
        "detractors_personal_reply": ["D1"],
        "promoters_thank_you": ["P1"],
        "promoters_referral_request": ["P2"],
        "promoters_review_request": ["P2"],
    }
    assert {lst.tactic for lst in lists.values()} == {"personal_reply", "thank_you", "referral_request", "review_request"}
    d1 = lists["detractors_personal_reply"].rows.to_pylist()[0]
    assert d1["due_by"] - d1["answered_at"] == dt.timedelta(hours=48)
    assert all(lst.gate.n_blocked == 0 for lst in lists.values())


def test_act_cli_writes_one_csv_per_list(shop, make_ws, tmp_path):
    from horetsu.cli.app import main

    shop.customer("D1", 400).order("D1", 200).event("D1", 1, "nps_response", 2, note="=HYPERLINK(\"x\")")
    ws = make_ws(shop)
    out = tmp_path / "acts"
    assert main(["nps", "act", "--out", str(out), "--as-of", "2025-06-30", "-w", str(ws.path)]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["detractors_personal_reply.csv", "promoters_thank_you.csv", "promoters_referral_request.csv",
         "promoters_review_request.csv"])  # fmt: skip
    (row,) = list(csv.DictReader((out / "detractors_personal_reply.csv").open(encoding="utf-8")))
    assert row["customer_id"] == "D1" and row["due_by"] == "2025-07-01 12:00"
    assert row["reason"].startswith("'=")  # a formula in a customer's text stays text in a spreadsheet
