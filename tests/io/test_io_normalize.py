"""Vectorised value parsers against hand-written expectations."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from horetsu.io import normalize as nz

JST = dt.timezone(dt.timedelta(hours=9))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024/01/05 10:00", dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        ("2024-01-05T10:00:00+09:00", dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        ("2024-01-05T01:00:00Z", dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        ("2024-01-05 10:00:00 +0900", dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        ("2024-01-04 20:00:00 -0500", dt.datetime(2024, 1, 5, 10, 0, tzinfo=JST)),
        ("令和6年1月5日", dt.datetime(2024, 1, 5, tzinfo=JST)),
        ("令和元年5月1日", dt.datetime(2019, 5, 1, tzinfo=JST)),
        ("R6.1.5", dt.datetime(2024, 1, 5, tzinfo=JST)),
        ("H31.4.30", dt.datetime(2019, 4, 30, tzinfo=JST)),
        ("平成31年4月30日", dt.datetime(2019, 4, 30, tzinfo=JST)),
        ("2024年1月5日 9時5分", dt.datetime(2024, 1, 5, 9, 5, tzinfo=JST)),
        ("２０２４／０１／０５", dt.datetime(2024, 1, 5, tzinfo=JST)),
        ("20240105", dt.datetime(2024, 1, 5, tzinfo=JST)),
        ("2024-1-5 9:05", dt.datetime(2024, 1, 5, 9, 5, tzinfo=JST)),
        ("2024-01-31T23:30:00-01:00", dt.datetime(2024, 2, 1, 9, 30, tzinfo=JST)),
    ],
)
def test_dates_in_japanese_and_iso_spellings(text, expected):
    ts, bad = nz.timestamp(pa.array([text]))
    assert ts[0].as_py() == expected
    assert bad[0].as_py() is False


@pytest.mark.parametrize("text", ["2024-02-30", "2023-13-01", "yesterday", "R6.13.1", "2024-02-30T10:00:00+09:00",
                                  "2023/02/29 10:00:00"])
def test_impossible_dates_are_flagged_not_rolled_over(text):
    ts, bad = nz.timestamp(pa.array([text]))
    assert ts[0].as_py() is None
    assert bad[0].as_py() is True


def test_empty_date_is_null_but_not_bad():
    ts, bad = nz.timestamp(pa.array(["", None, "　"]))
    assert ts.to_pylist() == [None, None, None]
    assert bad.to_pylist() == [False, False, False]


def test_jst_day_of_a_late_evening_utc_time():
    ts, _ = nz.timestamp(pa.array(["2024-01-04T16:30:00Z"]))  # 01:30 on the 5th in Japan
    assert nz.jst_date(ts)[0].as_py() == dt.date(2024, 1, 5)


@pytest.mark.parametrize(
    ("text", "yen"),
    [("￥１，２８０", 1280), ("1,280円", 1280), ("¥1,280", 1280), ("△500", -500), ("▲500", -500),
     ("1280.00", 1280), ("-300", -300), ("1,280 円", 1280), ("0", 0)],
)  # fmt: skip
def test_money(text, yen):
    out, bad = nz.money(pa.array([text]))
    assert out[0].as_py() == yen
    assert not bad[0].as_py()


@pytest.mark.parametrize("text", ["abc", "12a", "1.2.3", "¥"])
def test_money_rejects_non_amounts(text):
    out, bad = nz.money(pa.array([text]))
    assert out[0].as_py() is None and bad[0].as_py()


def test_fold_keeps_vendor_characters_and_folds_width():
    out = nz.fold(pa.array(["①㈱髙橋", "ＡＢ１２３", "ﾔﾏﾀﾞ ﾀﾛｳ", "　x　", ""])).to_pylist()
    assert out == ["①㈱髙橋", "AB123", "ヤマダ タロウ", "x", None]


def test_ident_maps_hyphen_variants():
    assert nz.ident(pa.array(["A‐1", "A−1", "Ａ－１"])).to_pylist() == ["A-1", "A-1", "A-1"]


def test_integer_and_boolean():
    n, bad = nz.integer(pa.array(["３", "1,000", "2.0", "2.5", ""]))
    assert n.to_pylist() == [3, 1000, 2, None, None]
    assert bad.to_pylist() == [False, False, False, True, False]
    b, bad = nz.boolean(pa.array(["yes", "no", "はい", "希望しない", "maybe"]))
    assert b.to_pylist() == [True, False, True, False, None]
    assert bad.to_pylist() == [False, False, False, False, True]


def test_digits_for_phones():
    assert nz.digits(pa.array(["０９０－１２３４－５６７８", "(03) 1234 5678"])).to_pylist() == ["09012345678", "0312345678"]
