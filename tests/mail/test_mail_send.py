"""Step mails end to end: the CLI, a real SMTP server on loopback, the one clock (--now)."""

from __future__ import annotations

import sqlite3

import pytest

from mailkit import WELCOME, cli, make_shop, runs

pytestmark = pytest.mark.xdist_group("mail")


def states(ws):
    con = sqlite3.connect(ws / "ops.sqlite3")
    try:
        return con.execute("SELECT customer_id, step, state, reason, rule, message_id FROM horetsu_mail_message ORDER BY customer_id, step").fetchall()
    finally:
        con.close()


def test_due_steps_arrive_once_with_the_legal_footer_and_rfc8058_headers(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com", "b@example.com"], smtp_port=smtp.port)
    cli(ws, "mail", "run", "--now", "2026-09-30T10:00")
    cli(ws, "mail", "run", "--now", "2026-09-30T10:05")  # the same step is never enqueued twice
    got = smtp.messages()
    assert sorted(m["to"][0] for m in got) == ["a@example.com", "b@example.com"]
    for m in got:
        assert m["list_unsubscribe"].startswith("<http://127.0.0.1:8000/u/")
        assert m["list_unsubscribe_post"] == "List-Unsubscribe=One-Click"
        for needed in ("テスト商店", "東京都千代田区1-1-1", "support@example.jp", m["list_unsubscribe"][1:-1]):
            assert needed in m["body"]
    rows = states(ws)
    assert [r[2] for r in rows] == ["sent", "sent"]
    assert {r[5] for r in rows} == {m["message_id"] for m in got}
    out = cli(ws, "mail", "status").stdout
    cells = [[c.strip() for c in x.split("│")[1:-1]] for x in out.splitlines() if x.count("│") == 6]
    assert ["welcome", "1", "sent", "", "2"] in cells  # per step: state, reason, count


def test_before_the_due_time_nothing_goes_and_the_next_step_follows_its_day(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port)
    runs(ws, "2026-09-29T12:00")  # the purchase day: step 1 is due tomorrow
    assert smtp.messages() == []
    runs(ws, "2026-09-30T10:00", "2026-10-01T10:00")
    assert [m["subject"] for m in smtp.messages()] == ["Thank you for your order", "How are you getting on?"]


def test_quiet_hours_hold_mail_until_morning(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port)
    out = runs(ws, "2026-09-30T22:30", "2026-10-01T06:00", "2026-10-01T08:59:59")
    assert [r["quiet"] for r in out] == [True, True, True] and smtp.messages() == []
    runs(ws, "2026-10-01T09:00")  # step 1 (due 9-30 09:00) still within its 24 h; step 2 due today
    assert sorted(m["subject"] for m in smtp.messages()) == ["How are you getting on?", "Thank you for your order"]


def test_expired_steps_are_dropped_with_a_reason_not_burst(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port)
    runs(ws, "2026-09-30T23:00", "2026-10-02T10:00")  # enqueued in quiet hours, then downtime: step 1 is 49 h late, step 2 25 h late
    assert smtp.messages() == []
    assert [(r[1], r[2], r[3]) for r in states(ws)] == [(1, "skipped", "expired"), (2, "skipped", "expired")]


def test_the_rolling_cap_per_channel(tmp_path, smtp):
    seq = WELCOME.replace("delay_days = 2", "delay_days = 1")  # two steps due the same day
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port, sequence=seq, extra_toml="cap_max = 1")
    runs(ws, "2026-09-30T10:00")
    assert len(smtp.messages()) == 1
    assert [(r[2], r[3]) for r in states(ws)] == [("sent", ""), ("skipped", "cap")]


def test_4xx_is_retried_with_backoff_then_sent_and_5xx_suppresses(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["temp@example.com", "bad@example.com", "ok@example.com"], smtp_port=smtp.port)
    runs(ws, "2026-09-30T10:00")
    assert [m["to"][0] for m in smtp.messages()] == ["ok@example.com"]  # one failure never stops a batch
    assert [r[2] for r in states(ws) if r[1] == 1] == ["failed_temp", "failed_perm", "sent"]
    runs(ws, "2026-09-30T10:00:30")  # before the 60 s backoff
    assert len(smtp.messages()) == 1
    runs(ws, "2026-09-30T10:01:30", "2026-10-01T10:00")
    got = [m["to"][0] for m in smtp.messages()]
    assert sorted(got[:2]) == ["ok@example.com", "temp@example.com"]
    assert sorted(got[2:]) == ["ok@example.com", "temp@example.com"]  # step 2: never to the bounced address
    rows = states(ws)
    assert [(r[1], r[2], r[3]) for r in rows if r[0] == "C001"] == [(1, "failed_perm", "smtp_550"), (2, "skipped", "unsubscribed")]
    con = sqlite3.connect(ws / "ops.sqlite3")
    assert con.execute("SELECT address, reason FROM horetsu_mail_suppression").fetchall() == [("bad@example.com", "bounce")]


UNSUB = """
import sys
import horetsu
from horetsu.mail.unsubscribe import unsubscribe
ws = horetsu.open_workspace(sys.argv[3])
print(unsubscribe(ws, sys.argv[1]))
"""


def test_unsubscribe_between_two_runs_stops_the_next_message(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com", "b@example.com"], smtp_port=smtp.port)
    runs(ws, "2026-09-30T10:00")
    link = next(m for m in smtp.messages() if m["to"] == ["a@example.com"])["list_unsubscribe"][1:-1]
    token = link.rsplit("/", 1)[1]
    import base64

    readable = ("a@example.com", base64.urlsafe_b64encode(b"email\na@example.com").decode().rstrip("=")[:12],
                base64.urlsafe_b64encode(b"a@example.com").decode().rstrip("=")[:12])
    assert not any(x in link for x in readable) and len(token) == 32  # opaque: no address, not even encoded
    bad = cli(ws, token[:-2] + "xx", check=False, script=UNSUB)
    assert bad.returncode != 0 and "not valid" in bad.stderr  # a forged token does nothing
    cli(ws, token, script=UNSUB)
    runs(ws, "2026-10-01T10:00")
    second = [m["to"][0] for m in smtp.messages()[2:]]
    assert second == ["b@example.com"]
    assert ("C000", 2, "skipped", "unsubscribed") in [r[:4] for r in states(ws)]


def test_no_consent_record_means_no_mail(tmp_path, smtp):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port)
    import horetsu
    import pyarrow as pa

    w = horetsu.open_workspace(ws)
    c = w.read_arrow("customers")
    w.write_tables({"customers": c.set_column(c.column_names.index("accepts_email"), "accepts_email", pa.array([False]))})
    runs(ws, "2026-09-30T10:00")
    assert smtp.messages() == []
    assert [(r[2], r[3]) for r in states(ws)] == [("skipped", "no_consent")]


def test_the_gate_at_send_time_skips_a_customer_whose_stage_changed(tmp_path, smtp):
    seq = WELCOME.replace('tactic = "thank_you"', 'tactic = "step_mail"')  # a template: forbidden at empathy
    ws = make_shop(tmp_path / "ws", ["a@example.com", "b@example.com"], smtp_port=smtp.port, sequence=seq)
    runs(ws, "2026-09-30T08:00")  # enqueued (gate passes), held by quiet hours
    import datetime as dt

    import horetsu
    import pyarrow as pa
    from horetsu import schema

    w = horetsu.open_workspace(ws)  # customer a writes to the shop: empathy from now on
    ev = pa.table({"customer_id": ["C000"], "event_date": pa.array([dt.date(2026, 9, 30)], pa.date32()), "type": ["inquiry"]})
    w.write_tables({"events": schema.conform("events", ev)})
    runs(ws, "2026-09-30T09:30")
    assert [m["to"][0] for m in smtp.messages()] == ["b@example.com"]
    row = [r for r in states(ws) if r[0] == "C000" and r[1] == 1][0]
    assert row[2:5] == ("skipped", "gate", "stage.empathy.template")


@pytest.mark.parametrize("case", ["undefined", "no_footer", "settings"])
def test_templates_and_settings_are_refused_before_anything_is_sent(tmp_path, smtp, case):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=smtp.port)
    tpl = ws / "sequences" / "templates" / "fp_follow_up.en.txt"
    if case == "undefined":
        tpl.write_text("Subject: hi\n\n{{ name }} {{ coupon_code }}\n{{ footer }}\n", encoding="utf-8")
    elif case == "no_footer":
        tpl.write_text("Subject: hi\n\n{{ name }}\n", encoding="utf-8")
    else:
        toml = (ws / "horetsu.toml").read_text(encoding="utf-8")
        (ws / "horetsu.toml").write_text(toml.replace('postal_address = "東京都千代田区1-1-1"\n', ""), encoding="utf-8")
    out = cli(ws, "mail", "run", "--now", "2026-09-30T10:00", check=False)
    assert out.returncode == 9, out.stderr
    want = {"undefined": "coupon_code", "no_footer": "footer", "settings": "[mail] postal_address"}[case]
    assert want in out.stderr
    assert smtp.messages() == []  # step 1 (a valid template) was not sent either
