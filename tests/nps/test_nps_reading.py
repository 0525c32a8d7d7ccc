"""NPS by stage on a small hand-built shop, counted from the stored answers without a new analyze."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from horetsu.nps.reading import nps_report, search_texts
from horetsu.nps.stats import estimate

JST = dt.timezone(dt.timedelta(hours=9))


def _answers(ws, rows):
    """Append nps_response events as the survey and the importer store them."""
    from horetsu import schema
    from horetsu.nps.answers import note, payload

    at = pa.array([r[1] for r in rows], schema.TS)
    t = pa.table({
        "customer_id": [r[0] for r in rows], "at": at, "event_date": [r[1].date() for r in rows],
        "type": ["nps_response"] * len(rows), "value": [float(r[2]) for r in rows],
        "note": [note(r[3], None) for r in rows],
        "payload": [payload(reason=r[3], improve=r[4] if len(r) > 4 else None, source="survey") for r in rows],
    })  # fmt: skip
    old = ws.read_arrow("events")
    ws.write_tables({"events": pa.concat_tables([old, schema.conform("events", t)])})


@pytest.fixture
def analysed(_template, tmp_path):
    """A private copy of the analysed shop (analysis runs once per module)."""
    import shutil

    import horetsu

    path, shop = _template
    shutil.copytree(path, tmp_path / "ws", symlinks=True)
    return horetsu.open_workspace(tmp_path / "ws"), shop


def _day(shop, days_ago, hour=12):
    d = shop.day(days_ago)
    return dt.datetime(d.year, d.month, d.day, hour, tzinfo=JST)


def test_nps_by_stage_by_hand(analysed):
    ws, shop = analysed
    stages = dict(zip(*[ws.read_result("customers").column(c).to_pylist() for c in ("customer_id", "stage")], strict=True))
    assert stages == {"L1": "landing", "L2": "landing", "L3": "landing", "L4": "landing", "E1": "empathy",
                      "E2": "empathy", "E3": "empathy", "G1": "engagement", "G2": "engagement"}  # fmt: skip
    # Answers stored after the analysis: they count at once, with the stages of the stored results.
    _answers(ws, [("L1", _day(shop, 5), 10, "良い"), ("L2", _day(shop, 5), 9, None), ("L3", _day(shop, 4), 5, None),
                  ("L4", _day(shop, 4), 3, "遅い"), ("E1", _day(shop, 3), 10, None), ("E2", _day(shop, 3), 8, None),
                  ("E3", _day(shop, 3), 7, None), ("G1", _day(shop, 2), 9, None), ("G2", _day(shop, 2), 10, None)])  # fmt: skip
    rep = nps_report(ws)
    # overall: promoters L1 L2 E1 G1 G2 = 5, passives E2 E3 = 2, detractors L3 L4 = 2 -> 100 * 3 / 9 = 33.3
    assert (rep["n"], rep["promoters"], rep["passives"], rep["detractors"]) == (9, 5, 2, 2)
    assert rep["nps"] == 33.3
    by = rep["by_stage"]
    assert set(by) == {"landing", "empathy", "engagement"}
    assert (by["landing"]["n"], by["landing"]["nps"]) == (4, 0.0)  # 2 promoters, 2 detractors
    assert (by["empathy"]["n"], by["empathy"]["nps"]) == (3, 33.3)  # 1 promoter, 2 passives
    assert (by["engagement"]["n"], by["engagement"]["nps"]) == (2, 100.0)
    low, high = estimate(2, 0, 2).ci_low, estimate(2, 0, 2).ci_high
    assert (by["landing"]["ci_low"], by["landing"]["ci_high"]) == (round(low, 1), round(high, 1))
    assert by["landing"]["differs_from_rest"] is False  # nine answers prove nothing yet
    assert set(rep["by_journey_step"]) and set(rep["by_cpm_cell"]) and set(rep["by_cohort"])


def test_new_customer_counts_before_the_next_analyze_and_months_are_japanese(analysed):
    ws, shop = analysed
    shop2_customer = pa.table({"customer_id": ["N1"], "source": ["test"]})
    from horetsu import schema

    ws.write_tables({"customers": pa.concat_tables([ws.read_arrow("customers"), schema.conform("customers", shop2_customer)])})
    first = dt.datetime(2025, 6, 1, 0, 30, tzinfo=JST)  # still May in UTC
    _answers(ws, [("N1", first, 0, "ｻﾎﾟｰﾄの返信が遅い"), ("L1", first, 9, "GREAT service")])
    rep = nps_report(ws)
    assert rep["n"] == 2 and rep["nps"] == 0.0
    assert rep["by_stage"]["unclassified"]["n"] == 1 and rep["by_stage"]["landing"]["n"] == 1
    assert set(rep["by_month"]) == {"2025-06"}
    hits = search_texts(ws, "サポート").to_pylist()  # half-width katakana found by full-width
    assert [(h["customer_id"], h["score"], h["stage"]) for h in hits] == [("N1", 0.0, "unclassified")]
    assert [h["customer_id"] for h in search_texts(ws, "great").to_pylist()] == ["L1"]
    assert search_texts(ws, "nothing like this").num_rows == 0
    assert search_texts(ws, "").num_rows == 2


def test_cli_texts(analysed, capsys):
    from horetsu.cli.app import main

    ws, shop = analysed
    _answers(ws, [("L1", _day(shop, 5), 2, "ｻﾎﾟｰﾄが遅い", "返信を早く"), ("E1", _day(shop, 3), 9, "丁寧", None)])
    assert main(["nps", "texts", "--search", "サポート", "--json", "-w", str(ws.path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    row = json.loads(line)
    assert (row["customer_id"], row["score"], row["stage"], row["improve"]) == ("L1", 2.0, "landing", "返信を早く")
    assert main(["--lang", "en", "nps", "texts", "-w", str(ws.path)]) == 0
    out = capsys.readouterr().out
    assert "2 answers with text" in out and "丁寧" in out


def test_answers_feed_the_promoter_rule(analysed):
    ws, shop = analysed
    from horetsu.stages import classify

    _answers(ws, [("G1", _day(shop, 2), 9, None), ("G2", _day(shop, 2), 4, None)])
    staged = classify(ws, shop.as_of)  # what the next analyze stores
    stages = dict(zip(*[staged.column(c).to_pylist() for c in ("customer_id", "stage")], strict=True))
    assert stages["G1"] == "circulation"  # promoter with engagement-level loyalty
    assert stages["G2"] == "engagement"


def test_cli_report_json_keys(analysed, capsys):
    from horetsu.cli.app import main

    ws, shop = analysed
    _answers(ws, [("L1", _day(shop, 5), 10, None), ("E1", _day(shop, 3), 6, None)])
    assert main(["nps", "report", "--json", "-w", str(ws.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("n", "nps", "ci_low", "ci_high", "by_stage"):
        assert key in data
    assert data["n"] == 2 and data["nps"] == 0.0
    for stage in ("landing", "empathy"):
        assert {"n", "nps", "ci_low", "ci_high"} <= set(data["by_stage"][stage])
    assert data["by_stage"]["landing"]["nps"] == 100.0 and data["by_stage"]["empathy"]["nps"] == -100.0
    assert list(data["by_stage"]) == ["landing", "empathy"]  # in stage order
    assert main(["--lang", "ja", "nps", "report", "-w", str(ws.path)]) == 0
    out = capsys.readouterr().out
    assert "NPS +0.0" in out and "段階別" in out and "着地" in out and "+100.0" in out and "-100.0" in out
