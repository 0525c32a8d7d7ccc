"""The quiz as data: the shipped file, workspace overrides, answers files and their errors."""

from __future__ import annotations

import pytest

from horetsu.diagnosis import diagnose, load_answers, load_quiz, parse_answers
from horetsu.diagnosis.measures import median_from_histogram
from horetsu.errors import ConfigError

from .conftest import ANSWERS


def test_the_shipped_quiz_covers_the_stages_the_practice_items_and_the_other_gaps():
    quiz = load_quiz()
    assert 18 <= len(quiz.questions) <= 26
    for area in ("observer", "landing", "empathy", "engagement", "circulation"):
        assert len(quiz.in_area(area)) >= 2, area
    assert sorted(q.item for q in quiz.questions.values() if q.item) == [66, 67, 68, 69, 70]
    assert {"base_enclosures", "base_journey", "base_data_used", "base_organic"} <= set(quiz.questions)
    for q in quiz.questions.values():
        assert q.ja and q.en and q.ja != q.en and q.gap_ja and q.gap_en
        assert all(f in quiz.fixes for f in q.fix)


def test_answers_file_in_english_or_japanese(tmp_path):
    quiz = load_quiz()
    path = tmp_path / "a.toml"
    path.write_text('[answers]\npractice_nps = "はい"\nlanding_check_in = "一部"\nbase_organic = "該当なし"\n'
                    'practice_step_mails = "no"\n', encoding="utf-8")
    assert load_answers(path, quiz) == {"practice_nps": "yes", "landing_check_in": "partly", "base_organic": "na",
                                        "practice_step_mails": "no"}


@pytest.mark.parametrize(("body", "key", "what"), [
    ('[answers]\npractice_nsp = "yes"\n', "answers.practice_nsp", "unknown question"),
    ('[answers]\npractice_nps = "maybe"\n', "answers.practice_nps", "is not an answer"),
    ('[answer]\npractice_nps = "yes"\n', "answer", "unknown key"),
])  # fmt: skip
def test_a_wrong_answers_file_names_the_file_and_the_key(tmp_path, body, key, what):
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_answers(path, load_quiz())
    assert str(path) in err.value.message("en") and key in err.value.message("en") and what in err.value.message("en")
    assert str(path) in err.value.message("ja") and key in err.value.message("ja")


def test_a_web_form_dict_is_validated_the_same_way():
    with pytest.raises(ConfigError, match="web form: answers.x"):
        parse_answers({"x": "yes"}, load_quiz(), source="web form")


def test_an_invalid_override_names_horetsu_toml_and_the_key(ws):
    (ws.path / "horetsu.toml").write_text("[diagnosis.questions.practice_nps]\ncost_share = 2\n", encoding="utf-8")
    import horetsu

    with pytest.raises(ConfigError) as err:
        load_quiz(horetsu.open_workspace(ws.path))
    msg = err.value.message("en")
    assert "horetsu.toml" in msg and "diagnosis.questions.practice_nps.cost_share" in msg


def test_an_unknown_fix_is_an_error(ws):
    (ws.path / "horetsu.toml").write_text('[diagnosis.questions.practice_nps]\nfix = ["nps:wav"]\n', encoding="utf-8")
    import horetsu

    with pytest.raises(ConfigError, match="unknown fix 'nps:wav'"):
        load_quiz(horetsu.open_workspace(ws.path))


def test_the_ranking_follows_the_estimate_when_an_assumption_changes(shop):
    """base_enclosures costs 7 × 0.5 × ¥3,000 = ¥10,500 with cost_share 0.5: now first."""
    import horetsu

    with open(shop.path / "horetsu.toml", "a", encoding="utf-8") as fh:
        fh.write("\n[diagnosis.questions.base_enclosures]\ncost_share = 0.5\n[diagnosis.settings]\nhow_many_gaps = 3\n")
    doc = diagnose(horetsu.open_workspace(shop.path), ANSWERS, compare=False).to_json()
    assert [(g["id"], g["cost"]["yen"]) for g in doc["gaps"]] == [
        ("base_enclosures", 10500), ("practice_step_mails", 2100), ("landing_check_in", 1680)]


def test_a_quiz_file_replaces_the_shipped_one(ws):
    import horetsu

    from horetsu.diagnosis.quiz import default_quiz_path

    text = default_quiz_path().read_text(encoding="utf-8").replace("Slow shipping (69)", "Shipping too slow (69)")
    (ws.path / "quiz.toml").write_text(text, encoding="utf-8")
    (ws.path / "horetsu.toml").write_text('[diagnosis]\nfile = "quiz.toml"\n', encoding="utf-8")
    quiz = load_quiz(horetsu.open_workspace(ws.path))
    assert quiz.questions["practice_delivery_speed"].gap_en == "Shipping too slow (69)"


def test_median_of_a_histogram():
    import numpy as np

    assert median_from_histogram(np.array([3, 1, 2]), np.array([1, 1, 1])) == 2.0
    assert median_from_histogram(np.array([1, 5]), np.array([2, 2])) == 3.0
    assert median_from_histogram(np.array([0, 9]), np.array([3, 1])) == 0.0


def test_docs_cover_every_question_kpi_setting_and_the_command():
    from pathlib import Path

    from horetsu.diagnosis.kpis import DEFINITIONS
    from horetsu.diagnosis.quiz import Settings

    root = Path(__file__).resolve().parents[2]
    doc = (root / "docs" / "diagnosis.md").read_text(encoding="utf-8")
    quiz = load_quiz()
    for qid in quiz.questions:
        assert f"| `{qid}` |" in doc, qid
    for kid in DEFINITIONS:
        assert f"`{kid}`" in doc, kid
    for key in Settings.model_fields:
        assert f"| `{key}` |" in doc, key
    for fid in quiz.fixes:
        assert fid.split(":")[0] in doc
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "`horetsu diagnose" in readme and "docs/diagnosis.md" in readme


def test_empty_form_fields_are_unanswered():
    assert parse_answers({"practice_nps": "", "landing_check_in": "no", "base_organic": None}, load_quiz()) == {
        "landing_check_in": "no"}
