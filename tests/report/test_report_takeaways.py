"""Small hand-worked cases for the rules behind takeaways (no workspace needed)."""

from __future__ import annotations

import pandas as pd

from horetsu.report.i18n import Tr
from horetsu.report.sections import clv, cohorts


def test_cooling_valuable_uses_the_top_spend_quintile_of_buyers():
    cust = pd.DataFrame({
        "customer_id": ["lead", "a", "b", "c", "d", "e", "f"],
        "monetary_total": [0, 1000, 2000, 3000, 4000, 5000, 4500],
        "temperature": ["cooling", "cooling", "active", "cooling", "cooling", "cooling", "active"],
        "p_alive": [None, 0.3, 0.9, 0.4, 0.4, 0.3, 0.9],
    })
    rows, threshold = clv.cooling_valuable(cust)
    # buyers' spend sorted 1000, 2000, 3000, 4000, 4500, 5000: the 80th percentile sits at position 0.8 × 5 = 4
    assert threshold == 4500.0
    assert rows["customer_id"].tolist() == ["e"]  # f spent more than 4,500 but is active


def test_cohort_trend_compares_recent_cohorts_with_older_ones():
    months = pd.date_range("2025-01-01", periods=9, freq="MS")
    df = pd.DataFrame({"cohort": months, "months_since": 3, "cohort_size": [10] * 9,
                       "ltv": [100.0] * 3 + [90.0] * 6})
    assert abs(cohorts.recent_vs_older(df) - (-0.10)) < 1e-12
    assert "10.0%" in cohorts._trend_action(df, Tr("en")) and "less" in cohorts._trend_action(df, Tr("en"))
    steady = df.assign(ltv=[100.0] * 3 + [102.0] * 6)
    assert "+2.0%" in cohorts._trend_action(steady, Tr("ja"))
    assert cohorts.recent_vs_older(df.head(8)) is None  # too few cohorts to compare


def test_holdout_length_follows_the_history():
    from horetsu.pipeline import holdout_weeks

    assert holdout_weeks(1278) == 26  # the sample shop: three and a half years
    assert holdout_weeks(210) == 10  # 30 weeks of history: a third is 10 weeks
    assert holdout_weeks(30) == 4  # never under four weeks
