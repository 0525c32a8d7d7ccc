"""The generic preset end to end: exact values, counts, quarantine, merging."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from horetsu.errors import InputFileError, MissingFileError, UnknownPresetError
from horetsu.io import import_files
from horetsu.io.quarantine import read_quarantine


JST = dt.timezone(dt.timedelta(hours=9))


def _orders(ws):
    return {r["order_id"]: r for r in ws.read_arrow("orders").to_pylist()}


def test_cp932_file_with_vendor_characters_is_imported_exactly(ws, data_dir, tmp_path):
    path = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "orders.csv")
    res = import_files(ws, [path], "generic").to_dict()
    f = res["files"][0]
    assert f["detected"]["encoding"] == "cp932"
    # 7 data rows: 3 accepted, 3 quarantined (bad date, unknown status, 2 fields), 1 exact duplicate.
    assert f["read"] == 7
    assert (f["accepted"], f["quarantined"], f["duplicates"]) == (3, 3, 1)
    assert f["read"] == f["accepted"] + f["quarantined"] + f["duplicates"]
    o = _orders(ws)
    assert set(o) == {"A001", "A002", "A003"}
    a1 = o["A001"]
    assert a1["customer_id"] == "①㈱髙橋商店"  # vendor characters kept as written
    assert a1["total_jpy"] == 1280  # ￥１，２８０
    assert a1["ordered_at"] == dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)
    assert a1["order_date"] == dt.date(2024, 1, 5)
    assert a1["category"] == "健康食品"
    assert (o["A002"]["status"], o["A002"]["total_jpy"], o["A002"]["order_date"]) == ("cancelled", 2980, dt.date(2024, 1, 6))
    assert (o["A003"]["status"], o["A003"]["order_date"]) == ("returned", dt.date(2024, 1, 7))
    lines = {(r["order_id"], r["line_no"]): r for r in ws.read_arrow("order_lines").to_pylist()}
    assert lines[("A001", 1)]["sku"] == "SP-001" and lines[("A001", 1)]["quantity"] == 1
    assert lines[("A002", 1)]["quantity"] == 2 and lines[("A002", 1)]["unit_price_jpy"] == 1490
    q = read_quarantine(ws.quarantine_dir / [p.name for p in ws.quarantine_dir.iterdir()][0])
    by_line = {int(r["line_number"]): r for r in q}
    assert set(by_line) == {5, 6, 7}
    assert "注文日時" in by_line[5]["reason"] and "2024-13-01" in by_line[5]["reason"]
    assert "ステータス" in by_line[6]["reason"] and "不明" in by_line[6]["reason"]
    assert by_line[7]["raw"] == "A006,C006"
    assert by_line[5]["raw"].startswith("A004,C004,2024-13-01,700")
    assert all(r["source_file"] == str(path) for r in q)
    log = ws.read_meta("import_log.json")
    assert log[-1]["reasons"] == {"columns": 1, "invalid_date": 1, "unknown_status": 1}
    assert {k: log[-1][k] for k in ("preset", "table", "read")} == {"preset": "generic", "table": "orders", "read": 7}


def test_reimport_changes_nothing_and_counts_duplicates(ws, data_dir, tmp_path, snapshot):
    path = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "orders.csv")
    import_files(ws, [path], "generic")
    before = snapshot(ws)
    again = import_files(ws, [path], "generic").to_dict()
    after = snapshot(ws)
    for name in ("orders", "order_lines", "customers", "subscriptions", "events"):
        assert after[name] == before[name]
    f = again["files"][0]
    assert (f["accepted"], f["quarantined"], f["duplicates"]) == (0, 3, 4)
    log = ws.read_meta("import_log.json")
    assert [e["accepted"] for e in log] == [3, 0]  # one entry appended per imported file


def test_progress_callback_is_told_about_each_file(ws, data_dir, tmp_path):
    path = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "orders.csv")
    seen = []
    import_files(ws, [path, path], "generic", progress=lambda **kw: seen.append(kw))
    assert seen[0] == {"total": 4}
    assert sum(kw.get("advance", 0) for kw in seen) == 4
    assert {"description": "orders.csv"} in seen


def test_newer_export_updates_changed_orders_only(ws, tmp_path, write_csv):
    h = ["order_id", "customer_id", "ordered_at", "amount", "status"]
    old = write_csv(tmp_path / "old.csv", h, [
        {"order_id": "1", "customer_id": "c1", "ordered_at": "2024-01-01", "amount": "1000"},
        {"order_id": "2", "customer_id": "c2", "ordered_at": "2024-01-02", "amount": "2000"},
    ])  # fmt: skip
    new = write_csv(tmp_path / "new.csv", h, [
        {"order_id": "1", "customer_id": "c1", "ordered_at": "2024-01-01", "amount": "1000", "status": "refunded"},
        {"order_id": "2", "customer_id": "c2", "ordered_at": "2024-01-02", "amount": "2000"},
        {"order_id": "3", "customer_id": "c1", "ordered_at": "2024-02-01", "amount": "3000"},
    ])  # fmt: skip
    import_files(ws, [old], "generic")
    f = import_files(ws, [new], "generic").to_dict()["files"][0]
    assert (f["read"], f["accepted"], f["duplicates"]) == (3, 2, 1)
    o = _orders(ws)
    assert len(o) == 3
    assert o["1"]["status"] == "refunded" and o["2"]["status"] == "completed" and o["3"]["total_jpy"] == 3000


def test_repeated_order_id_rows_are_lines_summed_into_one_order(ws, tmp_path, write_csv):
    h = ["order_id", "customer_id", "ordered_at", "amount", "sku", "quantity", "category"]
    p = write_csv(tmp_path / "o.csv", h, [
        {"order_id": "9", "customer_id": "c", "ordered_at": "2024-01-01", "amount": "1000", "sku": "A", "quantity": "1", "category": "サプリ"},
        {"order_id": "9", "customer_id": "c", "ordered_at": "2024-01-01", "amount": "600", "sku": "B", "quantity": "3", "category": "化粧品"},
    ])  # fmt: skip
    import_files(ws, [p], "generic")
    o = _orders(ws)["9"]
    assert o["total_jpy"] == 1600 and o["category"] == "サプリ"
    lines = sorted(ws.read_arrow("order_lines").to_pylist(), key=lambda r: r["line_no"])
    assert [(r["line_no"], r["sku"], r["unit_price_jpy"]) for r in lines] == [(1, "A", 1000), (2, "B", 200)]


def test_customers_events_subscriptions_tables_detected(ws, tmp_path, write_csv):
    c = write_csv(tmp_path / "c.csv", ["顧客ID", "登録日", "email", "accepts_email"],
                  [{"顧客ID": "c1", "登録日": "R5.4.1", "email": " Foo@Example.JP ", "accepts_email": "はい"}])  # fmt: skip
    e = write_csv(tmp_path / "e.csv", ["customer_id", "at", "type", "value"], [
        {"customer_id": "c1", "at": "2024-01-01 09:00", "type": "nps_response", "value": "9"},
        {"customer_id": "c1", "at": "2024-01-02 09:00", "type": "nps_response", "value": "11"},
        {"customer_id": "c1", "at": "2024-01-03 09:00", "type": "dance", "value": ""},
        {"customer_id": "c1", "at": "2024-01-04 09:00", "type": "資料請求"},
    ])  # fmt: skip
    s = write_csv(tmp_path / "s.csv", ["subscription_id", "customer_id", "started_at", "cancelled_at", "deliveries"],
                  [{"subscription_id": "s1", "customer_id": "c1", "started_at": "2024-01-01", "cancelled_at": "2024-06-01", "deliveries": "5"}])  # fmt: skip
    res = import_files(ws, [c, e, s], "generic").to_dict()
    assert [f["table"] for f in res["files"]] == ["customers", "events", "subscriptions"]
    assert res["files"][1]["quarantined"] == 2 and res["files"][1]["accepted"] == 2
    cust = ws.read_arrow("customers").to_pylist()[0]
    assert cust["email_norm"] == "foo@example.jp" and cust["accepts_email"] is True
    assert cust["registered_at"] == dt.datetime(2023, 4, 1, tzinfo=JST)
    ev = sorted(ws.read_arrow("events").to_pylist(), key=lambda r: r["at"])
    assert [(r["type"], r["value"]) for r in ev] == [("nps_response", 9.0), ("lead", None)]
    sub = ws.read_arrow("subscriptions").to_pylist()[0]
    assert (sub["status"], sub["deliveries"]) == ("cancelled", 5)
    again = import_files(ws, [e], "generic").to_dict()["files"][0]
    assert (again["accepted"], again["duplicates"], again["quarantined"]) == (0, 2, 2)
    assert ws.read_arrow("events").num_rows == 2


def test_orders_with_subscription_ids_create_subscriptions_with_delivery_counts(ws, tmp_path, write_csv):
    h = ["order_id", "customer_id", "ordered_at", "amount", "subscription_id"]
    p = write_csv(tmp_path / "o.csv", h, [
        {"order_id": str(i), "customer_id": "c", "ordered_at": f"2024-0{i}-01", "amount": "3000", "subscription_id": "S1"}
        for i in (3, 1, 2)
    ])  # fmt: skip
    import_files(ws, [p], "generic")
    seq = {r["order_id"]: r["subscription_seq"] for r in ws.read_arrow("orders").to_pylist()}
    assert seq == {"1": 1, "2": 2, "3": 3}
    sub = ws.read_arrow("subscriptions").to_pylist()[0]
    assert (sub["subscription_id"], sub["customer_id"], sub["deliveries"]) == ("S1", "c", 3)
    assert sub["started_at"] == dt.datetime(2024, 1, 1, tzinfo=JST)


def test_tsv_and_parquet_inputs(ws, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "o.tsv").write_text("order_id\tcustomer_id\tordered_at\tamount\n1\tc1\t2024-01-01\t1,000\n", encoding="utf-8")
    pq.write_table(pa.table({"order_id": ["2"], "customer_id": ["c2"], "ordered_at": ["2024-01-02"], "amount": [500]}),
                   tmp_path / "o.parquet")  # fmt: skip
    res = import_files(ws, [tmp_path / "o.tsv", tmp_path / "o.parquet"], "generic").to_dict()
    assert [f["detected"]["format"] for f in res["files"]] == ["tsv", "parquet"]
    assert {k: v["total_jpy"] for k, v in _orders(ws).items()} == {"1": 1000, "2": 500}


def test_user_mapping_from_horetsu_toml(tmp_path, write_csv):
    import horetsu

    ws = horetsu.init_workspace(tmp_path / "ws")
    cfg = ws.config_path.read_text(encoding="utf-8")
    cfg += '\n[import.mappings.mycart]\ntable = "orders"\ncolumns = { order_id = "受注ID", customer_id = "顧客番号", ordered_at = "受注日", amount = "請求額" }\n'
    ws.config_path.write_text(cfg, encoding="utf-8")
    ws = horetsu.open_workspace(tmp_path / "ws")
    p = write_csv(tmp_path / "x.csv", ["受注ID", "顧客番号", "受注日", "請求額"],
                  [{"受注ID": "M1", "顧客番号": "K1", "受注日": "R6.2.1", "請求額": "￥3,000"}], encoding="cp932")  # fmt: skip
    f = import_files(ws, [p], "mycart").to_dict()["files"][0]
    assert f["preset"] == "mycart" and f["accepted"] == 1
    assert _orders(ws)["M1"]["total_jpy"] == 3000
    bad = write_csv(tmp_path / "y.csv", ["受注ID", "顧客番号"], [{"受注ID": "M2", "顧客番号": "K"}])
    with pytest.raises(InputFileError, match="請求額"):
        import_files(ws, [bad], "mycart")


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        (None, MissingFileError, "not found"),
        (b"", InputFileError, "empty"),
        (b"\x00\x01\x02PK\x03\x04" * 50, InputFileError, "binary"),
        (b"a,b\n1,2\n", InputFileError, "order_id"),
    ],
)
def test_bad_input_fails_with_one_message_and_leaves_workspace_unchanged(ws, tmp_path, data_dir, content, error, match, snapshot):
    good = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "good.csv")
    import_files(ws, [good], "generic")
    before = snapshot(ws)
    qbefore = sorted(p.name for p in ws.quarantine_dir.iterdir())
    bad = tmp_path / "bad.csv"
    if content is not None:
        bad.write_bytes(content)
    with pytest.raises(error, match=match) as exc:
        import_files(ws, [good, bad], "generic", table="orders")
    assert str(bad) in str(exc.value)
    assert snapshot(ws) == before
    assert sorted(p.name for p in ws.quarantine_dir.iterdir()) == qbefore


def test_unknown_preset(ws, data_dir):
    with pytest.raises(UnknownPresetError, match="nosuch"):
        import_files(ws, [data_dir / "orders_cp932.csv"], "nosuch")


def test_rows_of_one_order_with_different_customers_are_quarantined(ws, tmp_path, write_csv):
    h = ["order_id", "customer_id", "ordered_at", "amount", "sku"]
    p = write_csv(tmp_path / "o.csv", h, [
        {"order_id": "7", "customer_id": "c1", "ordered_at": "2024-01-01", "amount": "100", "sku": "A"},
        {"order_id": "7", "customer_id": "c2", "ordered_at": "2024-01-01", "amount": "200", "sku": "B"},
        {"order_id": "7", "customer_id": "c1", "ordered_at": "2024-01-01", "amount": "300", "sku": "C"},
    ])  # fmt: skip
    f = import_files(ws, [p], "generic").to_dict()["files"][0]
    assert (f["accepted"], f["quarantined"], f["reasons"]) == (2, 1, {"conflicting_order": 1})
    assert _orders(ws)["7"]["total_jpy"] == 400
    q = read_quarantine(ws.quarantine_dir / [x.name for x in ws.quarantine_dir.iterdir()][0])
    assert [(r["line_number"], r["raw"]) for r in q] == [("3", "7,c2,2024-01-01,200,B")]
    assert "customer_id" in q[0]["reason"] and "'c2'" in q[0]["reason"]
