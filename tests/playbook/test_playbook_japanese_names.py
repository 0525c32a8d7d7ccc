"""Japanese in, not only out (issue 14, item 6): every name shown in Japanese is accepted as
input, and errors are wholly in the chosen language."""

from __future__ import annotations

import csv
import json
import re

import pytest

from horetsu.cli.app import main
from horetsu.errors import PolicyError, UnknownTacticError
from horetsu.playbook.rules import get_tactic, resolve_tactic
from horetsu.playbook.policy import build_policy
from horetsu.stages.policy import resolve_journey_step, resolve_segment, resolve_stage, resolve_temperature

AS_OF = "2025-06-30"
# identifiers a Japanese message may name (file keys and the typed value), not English prose
KEYS = {"campaign", "tactic", "segment", "audience", "send_date", "name", "stage", "temperature", "journey_step",
        "CSV", "YYYY", "MM", "DD", "toml", "TOML",
        "VIP", "NPS"}  # parts of Japanese tactic names (VIP案内, 満足度アンケート(NPS))


def english_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]{2,}", text) if w not in KEYS]


def _shop(shop):
    shop.customer("new", registered=3)                                          # observer, 3 days
    shop.customer("emp", registered=100).order("emp", 90).order("emp", 60)      # empathy
    shop.customer("one", registered=100).order("one", 80)                       # landing
    return shop


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_resolvers_accept_ids_english_and_japanese_names():
    policy = build_policy()
    assert [resolve_stage(policy, s) for s in ("観測", "Observer", "observer", " 着地 ", "ＥＭＰＡＴＨＹ")] == [
        "observer", "observer", "observer", "landing", "empathy"]
    assert [resolve_temperature(s) for s in ("活発", "冷えつつある", "離脱", "Lapsed")] == [
        "active", "cooling", "lapsed", "lapsed"]
    # a journey label with or without its note in brackets (full-width or ASCII)
    assert [resolve_journey_step(s) for s in ("見込み客", "見込み客(資料請求・登録)", "見込み客（資料請求・登録）",
                                              "定期購入", "Repeat purchase", "full_line")] == [
        "lead", "lead", "lead", "subscription", "repeat", "full_line"]
    assert [resolve_tactic(policy, s) for s in ("割引クーポン", "discount_coupon", "お礼のメッセージ")] == [
        "discount_coupon", "discount_coupon", "thank_you"]
    assert get_tactic(policy, "割引クーポン") == policy.tactics["discount_coupon"]
    assert resolve_segment(policy, {"stage": ["着地", "共感"], "temperature": "冷えつつある"}) == {
        "stage": ["landing", "empathy"], "temperature": "cooling"}
    assert resolve_segment(policy, "全員") == "all" and resolve_segment(policy, "観測") == "observer"


def test_a_renamed_stage_is_accepted_under_its_new_name():
    policy = build_policy({"stages": {"observer": {"ja": "様子見"}}})
    assert resolve_stage(policy, "様子見") == "observer"
    with pytest.raises(PolicyError):
        resolve_stage(policy, "観測")


def test_unknown_names_fail_in_each_language_without_the_other():
    policy = build_policy()
    with pytest.raises(UnknownTacticError) as exc:
        get_tactic(policy, "割引クーポンx")
    assert exc.value.message("en") == "unknown tactic '割引クーポンx'; did you mean discount_coupon?"
    assert exc.value.message("ja") == "施策「割引クーポンx」はありません。候補: 割引クーポン"
    with pytest.raises(PolicyError) as exc:
        resolve_stage(policy, "観側")
    assert exc.value.message("ja") == "段階「観側」はありません。候補: 観測"
    assert exc.value.message("en") == "unknown stage '観側'; did you mean observer?"
    with pytest.raises(PolicyError) as exc:
        resolve_stage(policy, "zzz")
    assert exc.value.message("ja") == "段階「zzz」はありません。段階: 観測、着地、共感、関与、循環"
    assert exc.value.message("en") == "unknown stage 'zzz'; stages are observer, landing, empathy, engagement, circulation"
    with pytest.raises(UnknownTacticError) as exc:
        get_tactic(policy, "zzz")
    assert english_words(exc.value.message("ja").replace("zzz", "")) == []


def test_tactics_accepts_a_japanese_stage(capsys, tmp_path):
    assert main(["--lang", "en", "tactics", "--stage", "observer", "-w", str(tmp_path / "none")]) == 0
    by_id = capsys.readouterr().out
    assert main(["--lang", "en", "tactics", "--stage", "観測", "-w", str(tmp_path / "none")]) == 0
    assert capsys.readouterr().out == by_id
    assert "thank_you" in by_id and "upsell" in by_id  # recommended and forbidden at observer
    assert "start_book" not in by_id  # neither
    assert main(["--lang", "ja", "tactics", "--stage", "観側", "-w", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert "段階「観側」はありません" in err and english_words(err) == []
    assert len(err.strip().splitlines()) == 1


def test_gate_accepts_a_japanese_tactic_name(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    runs = {}
    for name in ("discount_coupon", "割引クーポン"):
        out, blocked = tmp_path / f"{name}-a.csv", tmp_path / f"{name}-b.csv"
        assert main(["--lang", "en", "gate", "--tactic", name, "--as-of", AS_OF, "-w", str(ws.path),
                     "--out", str(out), "--blocked", str(blocked)]) == 0
        runs[name] = (read_csv(out), read_csv(blocked), capsys.readouterr().out)
    assert runs["割引クーポン"][:2] == runs["discount_coupon"][:2]
    assert [r["customer_id"] for r in runs["割引クーポン"][1]] == ["new"]  # signed up 3 days ago
    assert "discount_coupon as of 2025-06-30: 2 allowed, 1 blocked" in runs["割引クーポン"][2]


def test_a_typo_in_a_japanese_tactic_is_a_wholly_japanese_error(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    code = main(["--lang", "ja", "gate", "--tactic", "割引クーポソ", "-w", str(ws.path),
                 "--out", str(tmp_path / "a.csv"), "--blocked", str(tmp_path / "b.csv")])
    err = capsys.readouterr().err
    assert code == 7
    assert "施策「割引クーポソ」はありません。候補: 割引クーポン" in err and english_words(err) == []


def test_export_with_a_japanese_tactic_records_the_catalogue_id(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    assert main(["export", "--tactic", "フォローメール", "--format", "line", "--as-of", AS_OF, "--record",
                 "-w", str(ws.path), "--out", str(tmp_path / "line.csv")]) == 0
    rows = read_csv(tmp_path / "line.csv")
    assert {r["施策"] for r in rows} == {"follow_up_email"} and {r["施策名"] for r in rows} == {"フォローメール"}
    notes = ws.read_arrow("events").column("note").to_pylist()
    assert notes and set(notes) == {"follow_up_email"}  # the frequency caps count sends by id


PLAN_JA = """
[[campaign]]
name = "お礼"
tactic = "お礼のメッセージ"
segment = "観測"
send_date = 2025-06-30

[[campaign]]
name = "フォロー"
tactic = "フォローメール"
segment = { stage = ["着地", "共感"], temperature = "冷えつつある" }
send_date = 2025-06-30

[[campaign]]
name = "ガイド"
tactic = "スタートブック"
segment = { journey_step = "初回購入" }
send_date = 2025-06-30
"""

PLAN_IDS = """
[[campaign]]
name = "お礼"
tactic = "thank_you"
segment = "observer"
send_date = 2025-06-30

[[campaign]]
name = "フォロー"
tactic = "follow_up_email"
segment = { stage = ["landing", "empathy"], temperature = "cooling" }
send_date = 2025-06-30

[[campaign]]
name = "ガイド"
tactic = "start_book"
segment = { journey_step = "trial" }
send_date = 2025-06-30
"""


def test_a_plan_may_name_stages_temperatures_and_tactics_in_japanese(shop, make_ws, tmp_path, capsys):
    ws = make_ws(_shop(shop))
    got = {}
    for key, text in (("ja", PLAN_JA), ("ids", PLAN_IDS)):
        plan = tmp_path / f"{key}.toml"
        plan.write_text(text, encoding="utf-8")
        report = tmp_path / f"{key}.json"
        assert main(["--lang", "ja", "plan", "check", str(plan), "-w", str(ws.path), "--report", str(report)]) == 0
        got[key] = json.loads(report.read_text(encoding="utf-8"))["campaigns"]
    assert got["ja"] == got["ids"]
    # new is the observer; one is at the trial step; the cooling landing / empathy customers are
    # those the results store says are cooling (P(alive) may make emp lapsed rather than cooling)
    stored = ws.read_result("customers").to_pylist()
    cooling = sum(1 for r in stored if r["stage"] in ("landing", "empathy") and r["temperature"] == "cooling")
    assert cooling >= 1
    assert [(c["tactic"], c["audience"]) for c in got["ja"]] == [
        ("thank_you", 1), ("follow_up_email", cooling), ("start_book", 1)]


@pytest.mark.parametrize(("body", "code", "words"), [
    ('tactic = "お礼のメッセージ"\nsegment = "観側"\nsend_date = 2025-06-30', 2,
     "campaign[0].segment: 段階「観側」はありません。候補: 観測"),
    ('tactic = "お礼のメッセージ"\nsegment = { temperature = "冷たい" }\nsend_date = 2025-06-30', 2,
     "campaign[0].segment: 温度「冷たい」はありません"),
    ('tactic = "お礼のメッセージ"\nsegment = { "段階" = "観測" }\nsend_date = 2025-06-30', 2,
     "campaign[0].segment: segment の項目「段階」は使えません"),
    ('tactic = "お礼のメッセージx"\nsegment = "観測"\nsend_date = 2025-06-30', 7,
     "campaign[0].tactic: 施策「お礼のメッセージx」はありません。候補: お礼のメッセージ"),
    ('tactic = "お礼のメッセージ"\nsegment = "観測"\naudience = "a.csv"\nsend_date = 2025-06-30', 2,
     "campaign[0]: audience(対象者CSV)と segment のどちらか一方だけを書いてください"),
    ('tactic = "お礼のメッセージ"\nsegment = "観測"', 2, "campaign[0].send_date: 必須の項目がありません"),
    ('tactic = "お礼のメッセージ"\nsegment = "観測"\nsend_date = "来週"', 2,
     "campaign[0].send_date: 日付は YYYY-MM-DD の形で書いてください"),
    ('tactic = = "x"', 2, "TOML の書式が正しくありません(2行目、"),
])
def test_plan_errors_are_wholly_japanese(shop, make_ws, tmp_path, capsys, body, code, words):
    ws = make_ws(_shop(shop))
    plan = tmp_path / "plan.toml"
    plan.write_text('[[campaign]]\nname = "x"\n' if "= =" not in body else "[[campaign]]\n", encoding="utf-8")
    with open(plan, "a", encoding="utf-8") as fh:
        fh.write(body + "\n")
    got = main(["--lang", "ja", "plan", "check", str(plan), "-w", str(ws.path)])
    err = " ".join(capsys.readouterr().err.split())
    assert got == code, err
    assert words in err
    assert english_words(err.replace(str(plan), "")) == [], err
