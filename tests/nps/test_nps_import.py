"""``horetsu import FILE --preset nps``: Google Forms exports (Japanese headers, CP932 and UTF-8)
and plain CSVs, with every row accepted, quarantined with its reason, or counted as a duplicate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest


from horetsu.errors import InputFileError
from horetsu.io import import_files
from horetsu.io.quarantine import read_quarantine
from horetsu.nps.answers import load_answers

JST = dt.timezone(dt.timedelta(hours=9))
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shop_ws(shop, make_ws):
    for c in "abcde":
        shop.customer(c, 400, email=f"{c}@example.jp").order(c, 300)
    shop.customer("f", 400, email="shared@example.jp").customer("g", 400, email="shared@example.jp")
    return make_ws(shop)


EXPECTED = [  # customer, answered at (JST), score, reason, improve
    ("a", dt.datetime(2025, 6, 1, 9, 15, 2, tzinfo=JST), 10.0, "肌の調子が良くなりました", "特にありません"),
    ("b", dt.datetime(2025, 6, 1, 12, 3, 44, tzinfo=JST), 9.0, "梱包が丁寧で、手書きのメッセージが嬉しかった", None),
    ("c", dt.datetime(2025, 6, 2, 20, 30, 0, tzinfo=JST), 7.0, "まあまあです", "送料をもう少し安くしてほしい"),
    ("d", dt.datetime(2025, 6, 3, 0, 0, 1, tzinfo=JST), 3.0, "届くのが遅かった", "配送を早くしてください。ｻﾎﾟｰﾄの返信も遅い"),
    ("e", dt.datetime(2025, 6, 4, 10, 0, 0, tzinfo=JST), 0.0, "肌に合わなかった", None),
]


@pytest.mark.parametrize("name,encoding", [("forms_ja_utf8.csv", "utf-8"), ("forms_ja_cp932.csv", "cp932")])
def test_google_forms_export_with_japanese_headers(shop_ws, name, encoding):
    res = import_files(shop_ws, [DATA / name], "nps").files[0]
    assert res.detected["encoding"] == encoding
    assert (res.table, res.read, res.accepted, res.quarantined, res.duplicates) == ("events", 9, 5, 4, 0)
    assert res.read == res.accepted + res.quarantined + res.duplicates
    assert res.reasons == {"invalid_date": 1, "invalid_value": 1, "missing_value": 1, "unknown_customer": 1}
    got = [(r["customer_id"], r["answered_at"], r["score"], r["reason"], r["improve"])
           for r in load_answers(shop_ws).to_pylist()]  # fmt: skip
    assert got == EXPECTED  # 午前/午後 12-hour times, B@Example.jp matched to b case-insensitively
    q = {int(r["line_number"]): r["reason"] for r in read_quarantine(res.quarantine_file)}
    assert set(q) == {7, 8, 9, 10}
    assert "unknown customer" in q[7] and "nobody@example.jp" in q[7]
    assert "outside 0-10" in q[8] and "'11'" in q[8]
    assert "not a date/time" in q[9] and "昨日の夕方" in q[9]
    assert "no customer id or e-mail" in q[10]
    ev = [e for e in shop_ws.read_arrow("events").to_pylist() if e["type"] == "nps_response"]
    assert len(ev) == 5 and {e["value"] for e in ev} == {10.0, 9.0, 7.0, 3.0, 0.0}


def test_the_same_answers_in_the_other_encoding_are_duplicates(shop_ws):
    import_files(shop_ws, [DATA / "forms_ja_utf8.csv"], "nps")
    res = import_files(shop_ws, [DATA / "forms_ja_cp932.csv"], "nps").files[0]
    assert (res.accepted, res.quarantined, res.duplicates) == (0, 4, 5)
    assert load_answers(shop_ws).num_rows == 5


def test_google_forms_export_with_english_headers(shop_ws):
    res = import_files(shop_ws, [DATA / "forms_en_utf8.csv"], "nps").files[0]
    assert (res.read, res.accepted, res.quarantined) == (2, 2, 0)
    got = [(r["customer_id"], r["answered_at"], r["score"], r["reason"], r["improve"])
           for r in load_answers(shop_ws).to_pylist()]  # fmt: skip
    assert got == [("a", dt.datetime(2025, 6, 1, 9, 15, 2, tzinfo=JST), 10.0, "Great skin, fast delivery", None),
                   ("c", dt.datetime(2025, 6, 2, 20, 30, tzinfo=JST), 6.0, "Too expensive, sadly", "Cheaper shipping")]


def test_plain_csv_with_customer_id(shop_ws, tmp_path):
    f = tmp_path / "answers.csv"
    f.write_text(
        "customer_id,score,reason,improve,answered_at\n"
        "a,10,good,,2025-06-01 10:00\n"
        "b,10.5,half points,,2025-06-01 10:00\n"
        "zz,8,who?,,2025-06-01 10:00\n"
        "f,8,,,2025-06-01 10:00\n"
        "c,abc,,,2025-06-01 10:00\n"
        "d,-1,,,2025-06-01 10:00\n"
        "a,10,good,,2025-06-01 10:00\n",
        encoding="utf-8",
    )
    res = import_files(shop_ws, [f], "nps").files[0]
    assert (res.read, res.accepted, res.quarantined, res.duplicates) == (7, 2, 4, 1)
    assert res.reasons == {"invalid_value": 3, "unknown_customer": 1}
    assert [(r["customer_id"], r["score"]) for r in load_answers(shop_ws).to_pylist()] == [("a", 10.0), ("f", 8.0)]


def test_email_shared_by_two_customers_is_quarantined(shop_ws, tmp_path):
    f = tmp_path / "answers.csv"
    f.write_text("Timestamp,Email Address,Score\n2025/06/01 9:00:00 AM GMT+9,shared@example.jp,9\n", encoding="utf-8")
    res = import_files(shop_ws, [f], "nps").files[0]
    assert (res.accepted, res.quarantined, res.reasons) == (0, 1, {"ambiguous_customer": 1})


def test_a_file_without_a_score_question_is_refused_and_changes_nothing(shop_ws, tmp_path):
    f = tmp_path / "form.csv"
    f.write_text("タイムスタンプ,メールアドレス,ご感想\n2025/06/01 9:00:00 午前 GMT+9,a@example.jp,よかった\n", encoding="utf-8")
    before = shop_ws.read_arrow("events")
    with pytest.raises(InputFileError, match="score"):
        import_files(shop_ws, [f], "nps")
    assert shop_ws.read_arrow("events").equals(before)


def test_cli_import_preset_nps(shop_ws, capsys):
    import json

    from horetsu.cli.app import main

    assert main(["import", str(DATA / "forms_ja_cp932.csv"), "--preset", "nps", "-w", str(shop_ws.path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["read"], data["accepted"], data["quarantined"]) == (9, 5, 4)
