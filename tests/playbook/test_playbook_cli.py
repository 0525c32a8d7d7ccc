"""The gate, plan check, export and tactics commands, run through the real CLI entry point."""

from __future__ import annotations

import csv
import json

import pytest

from horetsu.cli.app import main

AS_OF = "2025-06-30"


def _shop(shop):
    shop.customer("new", registered=3, name="佐藤 花子")                     # observer, 3 days
    shop.customer("emp", registered=100, name="髙橋 一郎").order("emp", 90).order("emp", 60)  # empathy
    shop.customer("one", registered=100, name="鈴木 次郎").order("one", 80)  # landing
    shop.customer("one_nomail", registered=100, accepts_email=False, accepts_line=False).order("one_nomail", 80)
    return shop


def read_csv(path, encoding="utf-8"):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_gate_writes_allowed_and_blocked(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    out, blocked = tmp_path / "allowed.csv", tmp_path / "blocked.csv"
    code = main(["--lang", "en", "gate", "--tactic", "discount_coupon", "--as-of", AS_OF, "--workspace", str(ws.path),
                 "--out", str(out), "--blocked", str(blocked)])
    assert code == 0
    assert "3 allowed, 1 blocked" in capsys.readouterr().out
    assert [r["customer_id"] for r in read_csv(out)] == ["emp", "one", "one_nomail"]
    rows = read_csv(blocked)
    assert list(rows[0]) == ["customer_id", "stage", "rule", "reason"]
    assert rows == [{"customer_id": "new", "stage": "observer", "rule": "timing.discount_after_signup",
                     "reason": "signed up 3 days ago; discounts are not offered within 14 days of sign-up at 観測"}]


def test_gate_with_audience_and_override(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    aud = tmp_path / "aud.csv"
    aud.write_text("customer_id\nnew\nemp\n", encoding="utf-8")
    out, blocked = tmp_path / "a.csv", tmp_path / "b.csv"
    code = main(["--lang", "ja", "gate", "--tactic", "mail_magazine", "--audience", str(aud), "--as-of", AS_OF,
                 "-w", str(ws.path), "--out", str(out), "--blocked", str(blocked), "--override", "店長の判断"])
    assert code == 0
    assert {r["customer_id"] for r in read_csv(out)} == {"new", "emp"}
    assert read_csv(blocked)[0]["rule"] == "stage.empathy.broadcast"
    assert read_csv(blocked)[0]["reason"].endswith("共感(お店と人としての関係ができ始めている)の段階では一律施策は行いません")
    assert "上書き" in capsys.readouterr().out
    entry = json.loads(ws.audit_log.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["why"] == "店長の判断" and entry["customer_ids"] == ["emp"]


@pytest.mark.parametrize(("args", "code", "words"), [
    (["--tactic", "discount"], 7, "unknown tactic 'discount'"),
    (["--tactic", "upsell", "--audience", "MISSING"], 4, "does not exist"),
])
def test_gate_errors_are_one_line(shop, make_ws, tmp_path, capsys, args, code, words):
    ws = make_ws(_shop(shop))
    args = [a if a != "MISSING" else str(tmp_path / "nope.csv") for a in args]
    got = main(["--lang", "en", "gate", *args, "-w", str(ws.path), "--out", str(tmp_path / "a.csv"),
                "--blocked", str(tmp_path / "b.csv")])
    err = capsys.readouterr().err
    assert got == code
    assert words in err and "Traceback" not in err


def test_invalid_policy_fails_the_gate_with_file_and_key(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop), "[policy.caps.message_frequency]\nmax = -1\n")
    got = main(["--lang", "en", "gate", "--tactic", "upsell", "-w", str(ws.path), "--out", str(tmp_path / "a.csv"),
                "--blocked", str(tmp_path / "b.csv")])
    err = " ".join(capsys.readouterr().err.split())
    assert got == 2
    assert "horetsu.toml: policy.caps.message_frequency.max:" in err and "greater than or equal to 0" in err


PLAN_OK = """
[[campaign]]
name = "Start book for new buyers"
tactic = "start_book"
segment = "landing"
send_date = 2025-06-30
"""

PLAN_BAD = """
[[campaign]]
name = "Follow-up"
tactic = "follow_up_email"
segment = { stage = ["landing", "empathy"] }
send_date = 2025-06-30

[[campaign]]
name = "Outcome imagery"
tactic = "outcome_imagery"
segment = { stage = ["landing", "empathy"] }
send_date = 2025-07-01

[[campaign]]
name = "Coupon"
tactic = "discount_coupon"
audience = "coupon.csv"
send_date = 2025-07-02
"""


def test_plan_check_passes(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_OK, encoding="utf-8")
    assert main(["--lang", "en", "plan", "check", str(plan), "-w", str(ws.path)]) == 0
    assert "Every campaign passes" in capsys.readouterr().out


def test_plan_check_fails_with_counts_by_rule(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN_BAD, encoding="utf-8")
    (tmp_path / "coupon.csv").write_text("customer_id\nnew\none\n", encoding="utf-8")
    report = tmp_path / "check.json"
    code = main(["--lang", "en", "plan", "check", str(plan), "-w", str(ws.path), "--report", str(report),
                 "--blocked-dir", str(tmp_path / "blocked")])
    err = capsys.readouterr().err
    assert code == 8
    assert "1 of 3 campaigns would reach 2 customers a rule forbids" in " ".join(err.split())
    got = json.loads(report.read_text(encoding="utf-8"))
    assert not got["ok"]
    c1, c2, c3 = got["campaigns"]
    # 1: three landing/empathy customers, nothing blocks a follow-up email
    assert (c1["audience"], c1["allowed"], c1["blocked"]) == (3, 3, 0)
    # 2: the day after, the plan's own follow-up makes the second message within 7 days: still allowed
    assert (c2["allowed"], c2["blocked"]) == (3, 0)
    # 3: "new" signed up 5 days before 07-02 (discount window); "one" has had 2 messages from this plan
    assert c3["rules"] == {"timing.discount_after_signup": 1, "cap.message_frequency": 1}
    assert (tmp_path / "blocked" / "campaign03_blocked.csv").exists()


def test_plan_with_both_audience_and_segment_is_invalid(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    plan = tmp_path / "plan.toml"
    plan.write_text('[[campaign]]\nname = "x"\ntactic = "upsell"\nsegment = "all"\naudience = "a.csv"\n'
                    "send_date = 2025-06-30\n", encoding="utf-8")
    code = main(["--lang", "en", "plan", "check", str(plan), "-w", str(ws.path)])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "plan.toml: campaign[0]: " in err and "exactly one of audience" in err


def test_export_line_list_in_cp932(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    out = tmp_path / "line.csv"
    code = main(["--lang", "en", "export", "--tactic", "discount_coupon", "--format", "line", "--encoding", "cp932",
                 "--as-of", AS_OF, "-w", str(ws.path), "--out", str(out)])
    assert code == 0
    rows = read_csv(out, encoding="cp932")
    # "new" is blocked by the gate; "one_nomail" refused LINE messages
    assert [(r["顧客ID"], r["氏名"], r["ステージ"]) for r in rows] == [("emp", "髙橋 一郎", "共感"), ("one", "鈴木 次郎", "着地")]
    assert rows[0]["施策名"] == "割引クーポン"
    assert "Left out 1 without consent" in capsys.readouterr().out


def test_export_shopify_with_bom_for_excel(shop, make_ws, tmp_path):
    # e-mail consent unknown: left out (marketing e-mail needs a prior opt-in in Japan)
    ws = make_ws(_shop(shop).customer("unknown", registered=100, accepts_email=None).order("unknown", 80))
    out = tmp_path / "shopify.csv"
    assert main(["export", "--tactic", "follow_up_email", "--format", "shopify", "--encoding", "utf-8-sig",
                 "--as-of", AS_OF, "-w", str(ws.path), "--out", str(out)]) == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = read_csv(out, encoding="utf-8-sig")
    assert list(rows[0]) == ["Customer ID", "First Name", "Last Name", "Email", "Phone", "Accepts Email Marketing", "Tags"]
    byid = {r["Customer ID"]: r for r in rows}
    assert set(byid) == {"new", "emp", "one"}  # one_nomail refused e-mail, unknown never agreed
    assert (byid["emp"]["Last Name"], byid["emp"]["First Name"]) == ("髙橋", "一郎")
    assert byid["emp"]["Tags"] == "horetsu:follow_up_email, horetsu-stage:empathy"


def test_export_klaviyo(shop, make_ws, tmp_path):
    ws = make_ws(_shop(shop))
    out = tmp_path / "k.csv"
    assert main(["export", "--tactic", "upsell", "--format", "klaviyo", "--as-of", AS_OF, "-w", str(ws.path),
                 "--out", str(out)]) == 0
    rows = read_csv(out)
    # upsell is forbidden at landing and offers at observer: only the empathy customer
    assert [(r["External ID"], r["Email"], r["horetsu_stage"]) for r in rows] == [("emp", "emp@example.jp", "empathy")]


def test_tactics_lists_where_a_tactic_is_forbidden(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", "en", "tactics", "--stage", "observer"]) == 0
    out = capsys.readouterr().out
    assert "discount_coupon" in out and "long_mail_magazine_series" in out
    assert "upsell" in out  # an offer: forbidden at observer as well


@pytest.mark.parametrize("cmd", [["gate"], ["plan", "check"], ["export"], ["tactics"]])
def test_every_command_has_help_with_an_example(cmd, capsys):
    assert main([*cmd, "--help"]) == 0
    assert "Example: horetsu" in capsys.readouterr().out


def test_recorded_sends_count_towards_the_frequency_cap(shop, make_ws, tmp_path):
    import horetsu

    ws = make_ws(_shop(shop))
    for i, tactic in enumerate(("follow_up_email", "outcome_imagery")):
        assert main(["export", "--tactic", tactic, "--format", "klaviyo", "--as-of", AS_OF, "--record",
                     "-w", str(ws.path), "--out", str(tmp_path / f"k{i}.csv")]) == 0
    sent = horetsu.open_workspace(ws.path).read_arrow("events").to_pylist()
    assert sorted((e["customer_id"], e["note"]) for e in sent if e["type"] == "message_sent") == [
        ("emp", "follow_up_email"), ("emp", "outcome_imagery"), ("new", "follow_up_email"),
        ("new", "outcome_imagery"), ("one", "follow_up_email"), ("one", "outcome_imagery")]
    res = horetsu.gate(horetsu.open_workspace(ws.path), "personal_reply", as_of=AS_OF)
    blocked = {r["customer_id"]: r["rule"] for r in res.blocked.to_pylist()}
    assert blocked == {c: "cap.message_frequency" for c in ("emp", "new", "one")}
