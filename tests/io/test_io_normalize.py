"""Vectorised value parsers against hand-written expectations."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# ---------------------------------------------------------------- properties

FULLWIDTH = str.maketrans("0123456789,-", "０１２３４５６７８９，－")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-10**12, 10**12), min_size=1, max_size=20))
def test_money_round_trips_every_spelling(values):
    spellings = {
        "plain": [str(v) for v in values],
        "comma_yen": [f"{v:,}円" for v in values],
        "yen_sign": [f"¥{v:,}" for v in values],
        "fullwidth": ["￥" + f"{v:,}".translate(FULLWIDTH) for v in values],
        "decimals": [f"{v}.00" for v in values],
    }
    for name, texts in spellings.items():
        out, bad = nz.money(pa.array(texts))
        assert out.to_pylist() == values, name
        assert not any(bad.to_pylist()), name


moments = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)


@settings(max_examples=80, deadline=None)
@given(st.lists(moments, min_size=1, max_size=20), st.integers(-12, 14))
def test_timestamps_round_trip_local_and_offset_spellings(values, offset_h):
    want = [v.replace(tzinfo=JST) for v in values]
    for fmt in ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S+09:00", "%Y-%m-%d %H:%M:%S +0900"):
        ts, bad = nz.timestamp(pa.array([v.strftime(fmt) for v in values]))
        assert ts.to_pylist() == want, fmt
        assert not any(bad.to_pylist())
    tz = dt.timezone(dt.timedelta(hours=offset_h))
    sign = "+" if offset_h >= 0 else "-"
    texts = [v.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(offset_h):02d}:00" for v in values]
    ts, _ = nz.timestamp(pa.array(texts))
    assert ts.to_pylist() == [v.replace(tzinfo=tz).astimezone(JST) for v in values]
    days = [v.date() for v in want]
    assert nz.jst_date(nz.timestamp(pa.array([v.strftime("%Y/%m/%d %H:%M") for v in values]))[0]).to_pylist() == days


@settings(max_examples=80, deadline=None)
@given(st.dates(min_value=dt.date(2019, 5, 1), max_value=dt.date(2060, 12, 31)))
def test_reiwa_dates(d):
    y = d.year - 2018
    era = "元" if y == 1 else str(y)
    for text in (f"令和{era}年{d.month}月{d.day}日", f"R{y}.{d.month}.{d.day}", f"R{y}/{d.month:02d}/{d.day:02d}"):
        ts, bad = nz.timestamp(pa.array([text]))
        assert ts[0].as_py() == dt.datetime(d.year, d.month, d.day, tzinfo=JST), text
