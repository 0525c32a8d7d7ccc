"""Holdout behaviour on CDNOW (weeks 40-78), the validation design of Fader, Hardie & Lee (2005).

Actual counts are recomputed here from the raw file with pandas; the model-side bounds are
the paper's qualitative result (the cumulative forecast stays close to the actual) plus
horetsu's own measured values as regression checks.
"""

from __future__ import annotations

import pandas as pd
import pytest

from horetsu.models import BetaGeo, ParetoNBD, holdout_report

CALIBRATION_END, OBSERVATION_END = "1997-09-30", "1998-06-30"


def _actual_weekly(tx: pd.DataFrame) -> pd.Series:
    """Repeat purchase days per week since 1997-01-01, computed directly with pandas."""
    days = tx[["customer", "date"]].drop_duplicates()
    first = days.groupby("customer")["date"].transform("min")
    repeat = days[days["date"] > first]
    week = (pd.to_datetime(repeat["date"]) - pd.Timestamp("1997-01-01")).dt.days // 7 + 1
    return week.value_counts().reindex(range(1, 79), fill_value=0).sort_index()


@pytest.fixture(scope="module")
def reports(cdnow_transactions):
    return {
        cls.__name__: holdout_report(cls(), cdnow_transactions, "customer", "date", CALIBRATION_END, OBSERVATION_END)
        for cls in (BetaGeo, ParetoNBD)
    }


def test_actual_tracking_counts_repeat_purchases(reports, cdnow_transactions):
    weekly = _actual_weekly(cdnow_transactions)
    tr = reports["BetaGeo"].tracking
    assert len(tr) == 78
    assert list(tr["actual"]) == list(weekly)
    assert tr["actual_cum"].iloc[38] == 2457  # weeks 1-39: the calibration repeat purchases
    assert tr["actual_cum"].iloc[77] == 2457 + 1882
    assert int(tr["holdout"].sum()) == 39
    assert reports["BetaGeo"].totals["actual_holdout"] == 1882


@pytest.mark.parametrize("name", ["BetaGeo", "ParetoNBD"])
def test_models_track_the_cohort_through_week_78(reports, name):
    rep = reports[name]
    tr = rep.tracking
    # in-sample the cumulative curve ends within 3% of the actual calibration total ...
    assert tr["expected_cum"].iloc[38] == pytest.approx(2457, rel=0.03)
    # ... and out of sample within 5% at week 78 (FHL 2005 Figure 2: both curves stay close to the actual)
    assert tr["expected_cum"].iloc[77] == pytest.approx(4339, rel=0.05)
    # the sum of conditional expectations forecasts weeks 40-78 within 15% (both under-forecast this cohort)
    assert -15 < rep.totals["holdout_error_pct"] < 0


def test_conditional_expectations_by_calibration_frequency(reports):
    bg, pnbd = reports["BetaGeo"].conditional, reports["ParetoNBD"].conditional
    assert list(bg["frequency_label"]) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert bg["customers"].sum() == 2357 and bg["customers"].iloc[0] == 1411
    assert bg["actual"].iloc[0] == pytest.approx(0.237, abs=5e-4)
    # measured: for the 1,411 customers without repeat purchases BG/NBD expects 0.225 (actual 0.237),
    # Pareto/NBD 0.138
    assert bg["expected"].iloc[0] == pytest.approx(bg["actual"].iloc[0], abs=0.02)
    assert pnbd["expected"].iloc[0] < bg["expected"].iloc[0] - 0.05
    # expectations rise with past frequency, like the actuals
    assert bg["expected"].is_monotonic_increasing and pnbd["expected"].is_monotonic_increasing


def test_figures_have_labels_in_both_languages(reports):
    ja = reports["BetaGeo"].figures("ja")
    en = reports["BetaGeo"].figures("en")
    assert set(ja) == set(en) == {"tracking", "incremental", "conditional"}
    assert ja["tracking"].layout.title.text == "累積リピート購入回数：実績と予測"
    assert en["tracking"].layout.title.text == "Cumulative repeat purchases: actual vs expected"
    assert ja["tracking"].layout.xaxis.title.text == "週"
    assert [d.name for d in ja["conditional"].data] == ["実績", "予測"]
    assert list(en["tracking"].data[0].y) == list(reports["BetaGeo"].tracking["actual_cum"])


def test_purchase_days_given_once_per_day_track_the_same_counts(cdnow_transactions):
    """A caller that already has one row per customer and day (analyze keeps such a table)
    skips the grouping and the ids; the weekly actuals stay the paper data's counts."""
    days = cdnow_transactions[["customer", "date"]].drop_duplicates().reset_index(drop=True)
    rep = holdout_report(BetaGeo(), days, "customer", "date", CALIBRATION_END, OBSERVATION_END,
                         keep_ids=False, one_row_per_day=True)
    assert list(rep.tracking["actual"]) == list(_actual_weekly(cdnow_transactions))
    assert rep.totals["actual_holdout"] == 1882 and "customer" not in rep.summary.columns
    assert len(rep.summary) == 2357  # the CDNOW sample's customers, all acquired in calibration
