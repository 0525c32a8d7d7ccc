"""Orders that cannot be true are set aside with their reason (issue 14, item 1)."""

from __future__ import annotations

import datetime as dt

import horetsu
from horetsu.io import import_files
from horetsu.io.quarantine import read_quarantine

TODAY = dt.date(2026, 12, 2)
H = ["order_id", "customer_id", "ordered_at", "amount", "status"]


def _q(ws):
    rows = []
    for p in sorted(ws.quarantine_dir.glob("*.csv")):
        rows += read_quarantine(p)
    return {r["raw"].split(",")[0]: r["reason"] for r in rows}


def test_future_epoch_and_negative_orders_go_to_quarantine(ws, tmp_path, write_csv):
    path = write_csv(tmp_path / "o.csv", H, [
        {"order_id": "ok", "customer_id": "c1", "ordered_at": "2026-11-30 10:00", "amount": "1000"},
        {"order_id": "tomorrow", "customer_id": "c1", "ordered_at": "2026-12-03 23:00", "amount": "1000"},  # grace
        {"order_id": "d2", "customer_id": "c2", "ordered_at": "2026-12-04 00:10", "amount": "1000"},
        {"order_id": "y2099", "customer_id": "c3", "ordered_at": "2099-01-01", "amount": "1000"},
        {"order_id": "y1970", "customer_id": "c4", "ordered_at": "1970-01-01", "amount": "1000"},
        {"order_id": "y1990", "customer_id": "c5", "ordered_at": "1990-01-01", "amount": "1000"},  # the first plausible day
        {"order_id": "neg", "customer_id": "c6", "ordered_at": "2025-05-05", "amount": "-500", "status": "完了"},
        {"order_id": "refund", "customer_id": "c7", "ordered_at": "2025-05-05", "amount": "-500", "status": "返金"},
        {"order_id": "return", "customer_id": "c8", "ordered_at": "2025-05-05", "amount": "△300", "status": "返品"},
    ])  # fmt: skip
    f = import_files(ws, [path], "generic", today=TODAY).to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["quarantined"], f["duplicates"]) == (9, 5, 4, 0)
    assert f["reasons"] == {"date_in_future": 2, "date_too_early": 1, "negative_total": 1}
    orders = {r["order_id"]: r for r in ws.read_arrow("orders").to_pylist()}
    assert set(orders) == {"ok", "tomorrow", "y1990", "refund", "return"}
    assert orders["return"]["total_jpy"] == -300
    # customers known only from a set-aside order are not created
    assert {r["customer_id"] for r in ws.read_arrow("customers").to_pylist()} == {"c1", "c5", "c7", "c8"}
    q = _q(ws)
    assert set(q) == {"d2", "y2099", "y1970", "neg"}
    assert q["y2099"].startswith("ordered_at: after today (2026-12-02")
    assert "'2099-01-01'" in q["y2099"] and "今日（2026-12-02、日本時間）より後の日付" in q["y2099"]
    assert "1990-01-01 より前の日付" in q["y1970"] and "'1970-01-01'" in q["y1970"]
    assert q["neg"].startswith("amount: negative total") and "'-500'" in q["neg"] and "返品・返金ではない" in q["neg"]
    log = ws.read_meta("import_log.json")[-1]
    named = {(e["order_id"], e["kind"], e["value"]) for e in log["set_aside"]}
    assert named == {("d2", "date_in_future", "2026-12-04 00:10"), ("y2099", "date_in_future", "2099-01-01"),
                     ("y1970", "date_too_early", "1970-01-01"), ("neg", "negative_total", "-500")}  # fmt: skip


def test_earliest_order_date_is_a_setting(tmp_path, write_csv):
    ws = horetsu.init_workspace(tmp_path / "ws")
    (ws.path / "horetsu.toml").write_text('[import]\nearliest_order_date = 2010-04-01\n', encoding="utf-8")
    ws = horetsu.open_workspace(ws.path)
    path = write_csv(tmp_path / "o.csv", H, [
        {"order_id": "a", "customer_id": "c1", "ordered_at": "2010-03-31", "amount": "1000"},
        {"order_id": "b", "customer_id": "c1", "ordered_at": "2010-04-01", "amount": "1000"},
    ])  # fmt: skip
    f = import_files(ws, [path], "generic", today=TODAY).to_dict()["files"][0]
    assert (f["accepted"], f["quarantined"]) == (1, 1)
    assert "before 2010-04-01" in _q(ws)["a"]


def test_every_row_of_a_multi_row_order_is_set_aside(ws, tmp_path, write_csv):
    """A Shopify order over three rows, dated 2099 on its first row only: all three rows go."""
    h = ["Name", "Email", "Financial Status", "Total", "Created at", "Lineitem quantity", "Lineitem name",
         "Lineitem price", "Lineitem sku"]  # fmt: skip
    path = write_csv(tmp_path / "orders_export.csv", h, [
        {"Name": "#1", "Email": "a@example.jp", "Financial Status": "paid", "Total": "3000",
         "Created at": "2099-01-01 10:00:00 +0900", "Lineitem quantity": "1", "Lineitem name": "A", "Lineitem price": "1000"},
        {"Name": "#1", "Lineitem quantity": "1", "Lineitem name": "B", "Lineitem price": "1000"},
        {"Name": "#1", "Lineitem quantity": "1", "Lineitem name": "C", "Lineitem price": "1000"},
        {"Name": "#2", "Email": "b@example.jp", "Financial Status": "paid", "Total": "1000",
         "Created at": "2026-01-01 10:00:00 +0900", "Lineitem quantity": "1", "Lineitem name": "A", "Lineitem price": "1000"},
    ])  # fmt: skip
    f = import_files(ws, [path], "shopify", today=TODAY).to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["quarantined"], f["duplicates"]) == (4, 1, 3, 0)
    assert f["reasons"] == {"date_in_future": 3}
    assert [r["order_id"] for r in ws.read_arrow("orders").to_pylist()] == ["#2"]
    assert {r["order_id"] for r in ws.read_arrow("order_lines").to_pylist()} == {"#2"}
    reasons = [r["reason"] for p in ws.quarantine_dir.glob("*.csv") for r in read_quarantine(p)]
    assert len(reasons) == 3 and all(r.startswith("Created at: after today") and "2099-01-01 10:00:00 +0900" in r for r in reasons)
    assert len(ws.read_meta("import_log.json")[-1]["set_aside"]) == 1  # named once per order


def test_cli_sets_aside_2099_and_1970_against_the_real_today(tmp_path, write_csv):
    from horetsu.cli.app import main

    path = write_csv(tmp_path / "o.csv", H, [
        {"order_id": "a", "customer_id": "c1", "ordered_at": "2099-01-01", "amount": "1000"},
        {"order_id": "b", "customer_id": "c1", "ordered_at": "1970-01-01", "amount": "1000"},
        {"order_id": "c", "customer_id": "c1", "ordered_at": "2024-01-01", "amount": "1000"},
    ])  # fmt: skip
    horetsu.init_workspace(tmp_path / "ws")  # import refuses a missing workspace (issue 14.9)
    assert main(["import", str(path), "-w", str(tmp_path / "ws"), "--json"]) == 0
    ws = horetsu.open_workspace(tmp_path / "ws")
    assert [r["order_id"] for r in ws.read_arrow("orders").to_pylist()] == ["c"]


def test_report_quality_section_names_what_was_set_aside(ws, tmp_path, write_csv):
    from horetsu.report.data import ReportData
    from horetsu.report.i18n import Tr
    from horetsu.report.sections.quality import build

    path = write_csv(tmp_path / "o.csv", H, [
        {"order_id": "ok", "customer_id": "c1", "ordered_at": "2026-11-30", "amount": "1000"},
        {"order_id": "y2099", "customer_id": "c3", "ordered_at": "2099-01-01", "amount": "1000"},
    ])  # fmt: skip
    import_files(ws, [path], "generic", today=TODAY)
    html = {lang: "".join(build(ReportData(ws), Tr(lang)).blocks) for lang in ("ja", "en")}
    assert "o.csv line 3: order y2099 (ordered_at = 2099-01-01) — Order dated after today" in html["en"]
    assert "o.csv 3行目: 注文 y2099（ordered_at = 2099-01-01）— 今日より後の注文日" in html["ja"]
