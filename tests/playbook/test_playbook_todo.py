"""``horetsu todo`` (issue 14, item 10): per customer the next action, its reason and what not
to do now, most valuable first, as a file Excel opens (xlsx, or CSV in UTF-8 with a BOM)."""

from __future__ import annotations

import csv
import io
import sys

import pyarrow as pa
import pytest

from horetsu.cli.app import main

AS_OF = "2025-06-30"
EVIL = "=HYPERLINK(\"http://x\")"  # a name a spreadsheet must not run as a formula


@pytest.fixture(scope="module")
def todo_ws(tmp_path_factory):
    """A hand-built shop, analysed once, with the to-do list written as ja CSV, en CSV and ja xlsx."""
    import datetime as dt

    import horetsu
    from horetsu.pipeline import analyze

    shop = sys.modules["horetsu_tests_shop_builder_pb"].Shop(dt.date.fromisoformat(AS_OF))
    shop.customer("007", registered=3, name=EVIL)                                  # observer, signed up 3 days ago
    shop.customer("emp", registered=100, name="髙橋 一郎").order("emp", 90).order("emp", 60)  # empathy, ¥6,000
    shop.customer("one", registered=100, name="鈴木 次郎").order("one", 80)          # landing, ¥3,000
    shop.customer("big", registered=100, name="大口 様").order("big", 20, total=50000)  # landing, ¥50,000
    root = tmp_path_factory.mktemp("todo")
    ws = horetsu.init_workspace(root / "ws")
    shop.write(ws)
    analyze(ws, AS_OF)
    # the stored results are what the list reads: set the values a hand can check
    res = ws.read_result("customers")
    ids = res.column("customer_id").to_pylist()
    clv = {"emp": 5000.0, "one": 5000.0}  # big and 007: no model value (null) → after them, by spend
    res = res.set_column(res.column_names.index("clv_12m"), "clv_12m",
                         pa.array([clv.get(i) for i in ids], pa.float64()))
    i = res.column_names.index("next_action_reason")
    res = res.set_column(i, "next_action_reason", pa.array(
        ["stored reason for " + c for c in ids], pa.string()))
    ws.write_results({"customers": res}, replace_all=False)
    files = {"ja.csv": root / "todo-ja.csv", "en.csv": root / "todo-en.csv", "ja.xlsx": root / "todo-ja.xlsx"}
    for key, path in files.items():
        assert main(["--lang", key[:2], "todo", "--out", str(path), "-w", str(ws.path)]) == 0
    return ws, files


def read_csv(path):
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_the_todo_list_in_japanese_as_csv(todo_ws):
    rows = read_csv(todo_ws[1]["ja.csv"])
    assert list(rows[0]) == ["顧客ID", "氏名", "メールアドレス", "ステージ", "温度", "今後12か月の予測購入額(円)",
                             "累計購入額(円)", "次の一手", "次の一手の理由", "今は控えること", "控える理由(最初の施策)"]
    # by value: clv_12m 5,000 for emp and one (emp spent more), then no clv: big ¥50,000, 007 ¥0
    assert [r["顧客ID"] for r in rows] == ["emp", "one", "big", "007"]
    assert [r["今後12か月の予測購入額(円)"] for r in rows] == ["5000", "5000", "", ""]
    assert [r["累計購入額(円)"] for r in rows] == ["6000", "3000", "50000", "0"]
    by = {r["顧客ID"]: r for r in rows}
    assert [by[c]["ステージ"] for c in ("emp", "one", "big", "007")] == ["共感", "着地", "着地", "観測"]
    assert by["emp"]["氏名"] == "髙橋 一郎" and by["emp"]["メールアドレス"] == "emp@example.jp"
    # a name starting with "=" is written as text, not run as a formula
    assert by["007"]["氏名"] == "'" + EVIL
    # observer three days after sign-up: no discount (the stage forbids it, and the 14-day rule),
    # no long mail-magazine series; thanks are recommended, never blocked
    not_now = by["007"]["今は控えること"].split("、")
    assert "割引クーポン" in not_now and "長文メルマガ連投" in not_now and "お礼のメッセージ" not in not_now
    # empathy: no one-size-fits-all mail magazine (the stage rule the gate tests also check)
    assert "メルマガ" in by["emp"]["今は控えること"].split("、")
    assert by["emp"]["控える理由(最初の施策)"].endswith("の段階では一律施策は行いません")
    # the stored Japanese reason of the next action (analyze wrote it)
    assert by["one"]["次の一手の理由"].startswith("着地・")


def test_the_todo_list_reads_the_stored_next_action(todo_ws):
    import pyarrow.parquet as pq

    ws, files = todo_ws
    stored = {r["customer_id"]: r for r in pq.read_table(ws.result_path("customers")).to_pylist()}
    rows = {r["customer_id"]: r for r in read_csv(files["en.csv"])}
    assert rows["one"]["next_action_reason"] == "stored reason for one"  # read, not recomputed
    names = {"thank_you": "Thank-you message"}
    for cid, r in rows.items():
        assert r["next_action_reason"] == "stored reason for " + cid
        assert r["stage"] == {"observer": "Observer", "landing": "Landing", "empathy": "Empathy"}[stored[cid]["stage"]]
    assert rows["007"]["next_action"] == names.get(stored["007"]["next_action"], rows["007"]["next_action"])
    assert "Discount coupon" in rows["007"]["not_now"].split(", ")


def test_the_todo_list_as_xlsx_keeps_text_and_numbers(todo_ws):
    from openpyxl import load_workbook

    files = todo_ws[1]
    sheet = load_workbook(files["ja.xlsx"]).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    as_csv = read_csv(files["ja.csv"])
    assert rows[0] == list(as_csv[0])
    assert [r[0] for r in rows[1:]] == ["emp", "one", "big", "007"]  # "007" keeps its zeros
    assert [r[6] for r in rows[1:]] == [6000, 3000, 50000, 0]  # numbers, for sorting in Excel
    assert rows[1][5] == 5000 and rows[3][5] is None
    for got, want in zip(rows[1:], as_csv, strict=True):
        assert [("" if v is None else str(v)) for v in got] == list(want.values())
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no formulas


def test_todo_errors_are_one_line(todo_ws, make_ws, shop, tmp_path, capsys):
    ws = todo_ws[0]
    out = tmp_path / "todo.csv"
    assert main(["--lang", "en", "todo", "--date", "2025-07-01", "--out", str(out), "-w", str(ws.path)]) == 3
    err = capsys.readouterr().err
    assert "as of 2025-06-30" in err and "horetsu analyze --as-of 2025-07-01" in err
    assert main(["--lang", "ja", "todo", "--date", "2025-7-1", "--out", str(out), "-w", str(ws.path)]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["--lang", "ja", "todo", "--out", str(tmp_path / "todo.txt"), "-w", str(ws.path)]) == 2
    assert ".xlsx か .csv" in capsys.readouterr().err
    assert not out.exists()
    fresh = make_ws(shop)  # never analysed
    assert main(["--lang", "en", "todo", "--out", str(out), "-w", str(fresh.path)]) == 3
    err = capsys.readouterr().err
    assert "horetsu analyze" in err and len(err.strip().splitlines()) == 1
