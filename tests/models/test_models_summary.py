"""rfm_summary on a hand-worked example, identical on pandas, Arrow and Ibis input."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from horetsu.errors import AnalysisError
from horetsu.models import rfm_summary

D = dt.date


def _transactions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cid": ["c1", "c1", "c1", "c1", "c1", "c2", "c3", None],
            "day": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 1, 8), D(2024, 1, 15), D(2024, 2, 10),
                    D(2024, 1, 10), D(2024, 2, 5), D(2024, 1, 3)],
            "amount": [100.0, 50.0, 200.0, 300.0, 400.0, 80.0, 10.0, 999.0],
        }
    )


def _check_weeks(s: pd.DataFrame) -> None:
    # c3 first bought after the calibration end: not a customer yet; the row without id is ignored
    assert list(s["cid"]) == ["c1", "c2"]
    c1, c2 = s.iloc[0], s.iloc[1]
    # c1: 1 Jan (two orders merged), 8 Jan, 15 Jan in calibration; 10 Feb in holdout
    assert c1["frequency"] == 2
    assert c1["recency"] == pytest.approx(14 / 7)
    assert c1["T"] == pytest.approx(30 / 7)
    assert c1["monetary"] == pytest.approx((200 + 300) / 2)
    assert c1["frequency_holdout"] == 1
    assert c1["monetary_holdout"] == pytest.approx(400)
    assert c1["duration_holdout"] == pytest.approx(29 / 7)
    assert (c2["frequency"], c2["recency"], c2["monetary"], c2["frequency_holdout"]) == (0, 0, 0, 0)
    assert c2["T"] == pytest.approx(21 / 7)


def test_hand_worked_example_pandas():
    s = rfm_summary(_transactions(), "cid", "day", "amount", calibration_end="2024-01-31", observation_end="2024-02-29")
    _check_weeks(s)
    assert s.attrs["unit"] == "W"


def test_same_result_from_arrow_and_an_ibis_table_in_the_engine():
    tx = _transactions()
    from_arrow = rfm_summary(pa.Table.from_pandas(tx, preserve_index=False), "cid", "day", "amount",
                             calibration_end=D(2024, 1, 31), observation_end=D(2024, 2, 29))
    _check_weeks(from_arrow)
    con = ibis.duckdb.connect()
    table = con.create_table("tx", pa.Table.from_pandas(tx, preserve_index=False))
    from_ibis = rfm_summary(table, "cid", "day", "amount", calibration_end="2024-01-31", observation_end="2024-02-29")
    _check_weeks(from_ibis)


def test_days_unit_and_default_dates():
    s = rfm_summary(_transactions(), "cid", "day", "amount", unit="D")
    # without dates the whole history is calibration, ending at the last purchase day (10 Feb)
    assert "frequency_holdout" not in s.columns
    c1 = s[s["cid"] == "c1"].iloc[0]
    assert (c1["frequency"], c1["recency"], c1["T"]) == (3, 40.0, 40.0)
    assert c1["monetary"] == pytest.approx((200 + 300 + 400) / 3)
    c3 = s[s["cid"] == "c3"].iloc[0]
    assert (c3["frequency"], c3["T"]) == (0, 5.0)


def test_without_value_column_monetary_is_zero():
    s = rfm_summary(_transactions(), "cid", "day", calibration_end="2024-01-31")
    assert list(s["monetary"]) == [0.0, 0.0]
    assert list(s["frequency"]) == [2, 0]


def test_timestamps_are_reduced_to_days():
    tx = _transactions().dropna()
    tx["at"] = pd.to_datetime(tx["day"]) + pd.to_timedelta([1, 20, 3, 4, 5, 6, 7], unit="h")
    s = rfm_summary(tx, "cid", "at", "amount", calibration_end="2024-01-31", observation_end="2024-02-29")
    _check_weeks(s)


def test_friendly_errors():
    with pytest.raises(AnalysisError, match="not in the transactions"):
        rfm_summary(_transactions(), "customer", "day")
    with pytest.raises(AnalysisError, match="unknown time unit"):
        rfm_summary(_transactions(), "cid", "day", unit="fortnight")
    with pytest.raises(AnalysisError, match="after observation_end"):
        rfm_summary(_transactions(), "cid", "day", calibration_end="2024-03-01", observation_end="2024-02-01")
