"""`horetsu diagnose` as users run it, and the report section."""

from __future__ import annotations

import json
import shutil

from horetsu.cli.app import main

from .conftest import ANSWERS


def _answers_file(tmp_path, answers=ANSWERS):
    path = tmp_path / "answers.toml"
    path.write_text("[answers]\n" + "".join(f'{k} = "{v}"\n' for k, v in answers.items()), encoding="utf-8")
    return path


def test_json_output_and_the_saved_file(shop, tmp_path, capsys):
    code = main(["diagnose", "-w", str(shop.path), "--answers", str(_answers_file(tmp_path)), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["business_stage"] == "landing"
    assert [g["id"] for g in doc["gaps"]][:2] == ["practice_step_mails", "landing_check_in"]
    assert doc["kpis"]["hidden_churn_90d"]["value"] == 0.7
    files = list((shop.path / "diagnosis").glob("2025-06-30_*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text(encoding="utf-8"))["business_stage"] == "landing"


def test_terminal_output_in_japanese_and_english(shop, tmp_path, capsys):
    answers = _answers_file(tmp_path)
    assert main(["diagnose", "-w", str(shop.path), "--answers", str(answers), "--lang", "ja", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "着地" in out and "データと食い違う回答" in out and "practice_step_mails" in out and "損失の大きい課題" in out
    assert main(["--lang", "en", "diagnose", "-w", str(shop.path), "--answers", str(answers), "--no-save"]) == 0
    out = capsys.readouterr().out
    assert "Landing" in out and "Answers the data contradicts" in out and "The gaps that cost the most" in out
    assert not (shop.path / "diagnosis").exists()


def test_the_workspace_answers_file_is_used_by_default(shop, capsys):
    (shop.path / "diagnosis").mkdir()
    _answers_file(shop.path / "diagnosis")
    assert main(["diagnose", "-w", str(shop.path), "--json", "--no-save"]) == 0
    assert json.loads(capsys.readouterr().out)["business_stage"] == "landing"


def test_shops_side_by_side(shop, tmp_path, capsys):
    other = tmp_path / "other"
    shutil.copytree(shop.path, other, symlinks=True)
    better = {**ANSWERS, "landing_check_in": "yes"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = _answers_file(tmp_path / "a"), _answers_file(tmp_path / "b", better)
    args = ["diagnose", "-w", str(shop.path), "-w", str(other), "--answers", str(a), "--answers", str(b), "--no-save"]
    assert main([*args, "--json"]) == 0
    docs = json.loads(capsys.readouterr().out)["shops"]
    assert [d["business_stage"] for d in docs] == ["landing", "circulation"]
    assert [d["workspace"] for d in docs] == [str(shop.path), str(other)]
    assert main(["--lang", "en", *args]) == 0
    out = capsys.readouterr().out
    assert "Shops side by side" in out and "shop" in out and "other" in out


def test_answers_must_match_the_workspaces(shop, tmp_path, capsys):
    code = main(["--lang", "en", "diagnose", "-w", str(shop.path), "-w", str(shop.path),
                 "--answers", str(_answers_file(tmp_path))])
    assert code == 2
    assert "once per --workspace" in capsys.readouterr().err


def test_a_bad_answers_file_is_one_line_with_file_and_key(shop, tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text('[answers]\npractice_nps = "sometimes"\n', encoding="utf-8")
    code = main(["--lang", "en", "diagnose", "-w", str(shop.path), "--answers", str(path)])
    err = capsys.readouterr().err
    assert code == 2 and "answers.practice_nps" in err and "bad.toml" in err and "Traceback" not in err


def test_help_has_an_example(capsys):
    assert main(["diagnose", "--help"]) == 0
    out = capsys.readouterr().out
    assert "horetsu diagnose" in out.replace("\n", " ") and "Example:" in out


def test_the_report_has_a_diagnosis_section_in_both_languages(shop):
    from horetsu.report import build_report
    from horetsu.report.data import ReportData
    from horetsu.report.i18n import Tr
    from horetsu.report.sections import diagnosis as section

    (shop.path / "diagnosis").mkdir()
    _answers_file(shop.path / "diagnosis")
    ja = build_report(shop, lang="ja", out=shop.path / "r-ja.html").read_text(encoding="utf-8")
    part = ja[ja.index('id="sec-diagnosis"'):]
    for w in ("事業診断", "事業のステージ: 着地", "隠れ離脱", "70.0%", 'data-kpi="diag-nps"', "データと食い違う回答"):
        assert w in part, w
    en = section.build(ReportData(shop), Tr("en"))
    assert en.takeaway.startswith("Business stage: Landing")
    assert "Hidden churn" in en.blocks[0] and "70.0%" in en.blocks[0]
    assert en.action.startswith("No step mails running (68)")
    assert not list((shop.path / "diagnosis").glob("*.json"))  # the report saves nothing
