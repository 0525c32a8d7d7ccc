"""A shop with no repeat buyer yet still gets every analysis; only the model columns are empty."""

from __future__ import annotations

import json

from horetsu.cli.app import main


def test_analyze_without_repeat_buyers_writes_results_and_says_why_models_are_missing(tmp_path, capsys):
    src = tmp_path / "orders.csv"
    src.write_text(
        "order_id,customer_id,ordered_at,amount\nA1,C1,2024-01-05,1280\nA2,C2,2024-02-05,3000\nA3,C3,2024-03-01,500\n",
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    assert main(["init", "-w", str(ws)]) == 0
    assert main(["import", str(src), "-w", str(ws), "--json"]) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "analyze", "-w", str(ws)]) == 0
    out = capsys.readouterr().out
    assert "Models skipped" in out and "bought twice" in out
    import pyarrow.parquet as pq

    customers = pq.read_table(ws / "results" / "customers.parquet").sort_by("customer_id").to_pylist()
    # hand-checked: three one-time buyers, ¥1,280 / ¥3,000 / ¥500, all first_time at CPM
    assert [(c["customer_id"], c["monetary_total"], c["cpm_segment"]) for c in customers] == [
        ("C1", 1280, "first_time"), ("C2", 3000, "first_time"), ("C3", 500, "first_time")]
    assert all(c["p_alive"] is None and c["clv_12m"] is None for c in customers)
    meta = json.loads((ws / "results" / "meta.json").read_text(encoding="utf-8"))
    assert "bought twice" in meta["models"]["skipped"] and "リピート" in meta["models"]["skipped_ja"]
    assert (ws / "results" / "cohorts.parquet").exists()


def test_the_parquet_file_states_time_unit_and_horizon(tmp_path):
    import pyarrow.parquet as pq

    import horetsu
    from horetsu.pipeline import analyze
    from horetsu.sample import generate

    info = generate(tmp_path / "shop", customers=600, seed=3)
    ws = horetsu.init_workspace(tmp_path / "ws")
    from horetsu.io import import_files

    import_files(ws, info.files, "generic")
    analyze(ws)
    about = json.loads(pq.read_schema(ws.result_path("customers")).metadata[b"horetsu.models"])
    assert (about["time_unit"], about["unit_days"], about["horizon_days"], about["clv_horizon_months"]) == ("W", 7.0, 365, 12)
    assert about["as_of"] == "2026-09-30"  # the sample shop's last day
