"""``analyze`` and ``horetsu analyze``: every result written at once, with meta.json."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq

from horetsu.analytics import RESULT_NAMES
from horetsu.pipeline import PIPELINE_RESULTS, analyze, merge_columns
from horetsu.cli.app import main

REQUIRED = [
    "customer_id", "first_purchase", "last_purchase", "frequency", "orders", "recency_days", "tenure_days",
    "monetary_total", "rfm_r", "rfm_f", "rfm_m", "rfm_segment", "cpm_segment", "cpm_active",
]


class Bar:
    def __init__(self):
        self.total, self.done, self.names = None, 0, []

    def update(self, total=None, description=None):
        if total is not None:
            self.total = total
        if description is not None:
            self.names.append(description)

    def advance(self, n=1):
        self.done += n


def test_analyze_writes_all_results_and_meta(hand_ws):
    bar = Bar()
    result = analyze(hand_ws, "2024-12-31", progress=bar, models=False, stages=False)
    assert bar.total == bar.done == len(bar.names) and bar.total >= 5
    files = sorted(p.name for p in hand_ws.results_dir.iterdir())
    assert files == sorted([f"{n}.parquet" for n in RESULT_NAMES] + ["meta.json"])
    cust = pq.read_table(hand_ws.result_path("customers"))
    assert set(REQUIRED) <= set(cust.column_names)
    assert cust["customer_id"].to_pylist() == ["A", "B", "C", "D", "E", "F", "H", "J", "L"]
    # a lead and a customer whose only order was cancelled keep a row with empty purchase fields
    leads = {r["customer_id"]: r for r in cust.to_pylist() if r["frequency"] == 0}
    assert set(leads) == {"C", "J", "L"} and all(r["cpm_segment"] is None for r in leads.values())
    d = {r["customer_id"]: r for r in cust.to_pylist()}
    assert (d["D"]["cpm_segment"], d["D"]["cpm_active"], d["D"]["rfm_segment"]) == ("trend", False, "hibernating")
    meta = json.loads((hand_ws.results_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["as_of"] == "2024-12-31"
    assert meta["settings"]["cpm"]["spend_jpy"] == 70000 and meta["settings"]["lapse_days"] == 240
    assert meta["rfm_cut_points"]["r"] == [30, 112, 240, 275]
    assert meta["cpm_transitions_from"] == "2024-01-01"  # 2024 has 366 days
    assert meta["labels"]["cpm_segment"]["budding"] == {"ja": "よちよち", "en": "Budding"}
    assert meta["results"]["customers"]["rows"] == 9
    assert result.tables["f2"].num_rows == 5
    assert result.as_of == dt.date(2024, 12, 31)
    # a second run replaces the whole results generation atomically
    analyze(hand_ws, "2024-06-30", models=False, stages=False)
    assert json.loads((hand_ws.results_dir / "meta.json").read_text())["as_of"] == "2024-06-30"
    assert "H" in pq.read_table(hand_ws.result_path("customers"))["customer_id"].to_pylist()


def test_analyze_adds_model_scores_stages_and_history(hand_ws):
    result = analyze(hand_ws, "2024-12-31")
    cols = set(result.customers.column_names)
    assert {"p_alive", "expected_purchases_365d", "clv_12m"} <= cols
    assert result.meta["models"] is not None
    assert {"stage", "journey_step", "temperature", "stage_evidence", "next_action"} <= cols
    assert set(REQUIRED) <= cols
    files = {p.name for p in hand_ws.results_dir.iterdir()}
    assert {f"{n}.parquet" for n in PIPELINE_RESULTS if n != "holdout"} <= files


def test_merge_columns_is_a_left_join_by_id():
    import pyarrow as pa

    base = pa.table({"customer_id": ["a", "b", "c"], "x": [1, 2, 3]})
    extra = pa.table({"customer_id": ["c", "a"], "x": [9, 9], "p": [0.3, 0.1], "ev": [["u"], ["v", "w"]]})
    out = merge_columns(base, extra)
    assert out.column_names == ["customer_id", "x", "p", "ev"]
    assert out["x"].to_pylist() == [1, 2, 3]
    assert out["p"].to_pylist() == [0.1, None, 0.3] and out["ev"].to_pylist() == [["v", "w"], None, ["u"]]


def test_cli_analyze_prints_summary(hand_ws, capsys):
    code = main(["--lang", "en", "analyze", "--workspace", str(hand_ws.path), "--as-of", "2024-12-31"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Analysis as of 2024-12-31" in out and "Buyers" in out and "¥162,000" in out
    assert "CPM Loyal" in out
    assert hand_ws.result_path("cpm_cells").exists()


def test_cli_analyze_bad_date_and_engine_are_one_line(hand_ws, capsys):
    code = main(["--lang", "ja", "analyze", "-w", str(hand_ws.path), "--as-of", "2024/99/99"])
    err = capsys.readouterr().err
    assert code == 2 and "日付" in err and "Traceback" not in err  # a bad --as-of is a bad setting
    code = main(["analyze", "-w", str(hand_ws.path), "--engine", "nosuchengine://x"])
    err = capsys.readouterr().err
    assert code == 3 and "nosuchengine" in err and "Traceback" not in err


def test_analyze_before_the_first_order(hand_ws):
    result = analyze(hand_ws, "2020-01-01", models=False, stages=False)
    cust = {r["customer_id"]: r for r in result.customers.to_pylist()}
    # only listed customers registered by then (or with no registration date) exist, none has bought
    assert set(cust) == {"A", "B", "C", "D", "J"}
    assert all(r["frequency"] == 0 and r["cpm_segment"] is None for r in cust.values())
    assert result.tables["cpm_cells"].num_rows == 0 and result.tables["deciles"].num_rows == 0
    assert [r["eligible"] for r in result.tables["f2"].to_pylist()] == [0, 0, 0, 0, 0]
    base = result.tables["timeline_base"].to_pylist()
    assert len(base) == 1 and base[0]["active_base"] == 0
