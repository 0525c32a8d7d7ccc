"""F2, ladder, intervals, cohorts and the monthly timeline on the hand-worked shop.

Day counts worked by hand (2024 is a leap year): A's purchase days 01-10, 03-10, 09-10
(gaps 60, 184); D 01-01, 03-31 (90); F 11-01, 12-01 (30); H 01-31, 07-31, 12-31 (182, 153).
"""

from __future__ import annotations

import datetime as dt

import pytest

from horetsu import analytics as A

D = dt.date
AS_OF = D(2024, 12, 31)


def rows(expr):
    return expr.to_pyarrow().to_pylist()


def test_f2_windows(hand_ws):
    got = {r["window_days"]: (r["eligible"], r["converted"]) for r in rows(A.f2(hand_ws, AS_OF))}
    # first-purchase ages: A 356, B 426, D 365, E 240, F 60, H 335; second after A 60, D 90, F 30, H 182
    assert got == {30: (6, 1), 60: (6, 2), 90: (5, 2), 180: (5, 2), 365: (2, 1)}
    rate = {r["window_days"]: r["rate"] for r in rows(A.f2(hand_ws, AS_OF))}
    assert rate[90] == pytest.approx(0.4, rel=1e-12) and rate[365] == pytest.approx(0.5, rel=1e-12)


def test_f2_by_cohort_and_category(hand_ws):
    c = {(r["cohort"], r["window_days"]): (r["eligible"], r["converted"]) for r in rows(A.f2_by_cohort(hand_ws, AS_OF))}
    assert c[(D(2024, 1, 1), 90)] == (3, 2)  # A, D, H acquired in January; A and D within 90 days
    assert c[(D(2024, 1, 1), 180)] == (3, 2)  # H's second purchase came after 182 days
    assert c[(D(2024, 11, 1), 30)] == (1, 1)  # F
    assert c[(D(2024, 11, 1), 90)] == (0, 0)  # not observable yet
    k = {(r["first_category"], r["window_days"]): (r["eligible"], r["converted"]) for r in rows(A.f2_by_category(hand_ws, AS_OF))}
    # first-day categories: A body (min of body/skin), B skin, D food, F skin, E/H unknown
    assert k[("skin", 30)] == (2, 1)
    assert k[("body", 60)] == (1, 1)
    assert k[("food", 90)] == (1, 1)
    assert k[(None, 365)] == (0, 0)


def test_ladder(hand_ws):
    got = [(r["step"], r["customers"], r["median_days"], r["p80_days"]) for r in rows(A.ladder(hand_ws, AS_OF))]
    assert got == [(1, 6, None, None), (2, 4, 60, 182), (3, 2, 153, 184)]
    lad = {r["step"]: r for r in rows(A.ladder(hand_ws, AS_OF))}
    assert lad[1]["conversion"] is None
    assert lad[2]["conversion"] == pytest.approx(4 / 6, rel=1e-12)
    assert lad[3]["conversion"] == pytest.approx(0.5, rel=1e-12)
    assert lad[2]["mean_days"] == pytest.approx(90.5, rel=1e-12)


def test_intervals_by_category_and_sku(hand_ws):
    got = {r["category"]: (r["intervals"], r["customers"], r["median_days"], r["p80_days"]) for r in rows(A.intervals_category(hand_ws, AS_OF))}
    assert got == {
        "skin": (4, 3, 60, 184),  # 30, 60, 153, 184
        "food": (1, 1, 90, 90),
        None: (6, 4, 90, 182),  # all purchase days: 30, 60, 90, 153, 182, 184
    }
    mean = {r["category"]: r["mean_days"] for r in rows(A.intervals_category(hand_ws, AS_OF))}
    assert mean["skin"] == pytest.approx(106.75, rel=1e-12) and mean[None] == pytest.approx(116.5, rel=1e-12)
    sku = {r["sku"]: (r["intervals"], r["median_days"], r["p80_days"]) for r in rows(A.intervals_sku(hand_ws, AS_OF))}
    assert sku == {"SKIN-1": (2, 60, 184)}


def test_cohorts_grid(hand_ws):
    grid = rows(A.cohorts(hand_ws, AS_OF))
    jan = {r["months_since"]: r for r in grid if r["split"] == "all" and r["cohort"] == D(2024, 1, 1)}
    assert sorted(jan) == list(range(12))
    assert jan[0]["cohort_size"] == 3 and jan[0]["active_customers"] == 3 and jan[0]["revenue"] == 51000
    assert jan[1]["active_customers"] == 0 and jan[1]["cum_revenue"] == 51000
    assert jan[2]["active_customers"] == 2 and jan[2]["repeaters"] == 2 and jan[2]["cum_revenue"] == 106000
    assert jan[6]["repeaters"] == 3 and jan[6]["repeat_share"] == pytest.approx(1.0)
    assert jan[8]["cum_revenue"] == 147000
    assert jan[11]["cum_revenue"] == 148000 and jan[11]["ltv"] == pytest.approx(148000 / 3, rel=1e-12)
    assert jan[11]["complete"] is False and jan[10]["complete"] is True
    assert jan[2]["active_share"] == pytest.approx(2 / 3, rel=1e-12)
    nov23 = [r for r in grid if r["split"] == "all" and r["cohort"] == D(2023, 11, 1)]
    assert len(nov23) == 14 and all(r["cum_revenue"] == 3000 for r in nov23)
    cats = {(r["split_value"], r["cohort"]) for r in grid if r["split"] == "first_category"}
    assert cats == {("body", D(2024, 1, 1)), ("food", D(2024, 1, 1)), ("skin", D(2023, 11, 1)), ("skin", D(2024, 11, 1))}
    chans = {(r["split_value"], r["cohort"]) for r in grid if r["split"] == "channel"}
    # A's first order channel, B's, and D's channel from the customers table
    assert chans == {("web", D(2024, 1, 1)), ("rakuten", D(2023, 11, 1)), ("line", D(2024, 1, 1))}


def test_cohort_ltv_pools_complete_months(hand_ws):
    ltv = {(r["split"], r["months_since"]): r for r in rows(A.cohort_ltv(hand_ws, AS_OF))}
    m0, m1 = ltv[("all", 0)], ltv[("all", 1)]
    assert (m0["cohorts"], m0["customers"], m0["cum_revenue"]) == (4, 6, 61000)
    assert m0["ltv"] == pytest.approx(61000 / 6, rel=1e-12)
    # the November 2024 cohort's month 1 (December) is not complete yet
    assert (m1["cohorts"], m1["customers"], m1["cum_revenue"]) == (3, 5, 57000)


def test_timeline_by_kind(hand_ws):
    got = {(r["month"], r["kind"]): (r["customers"], r["orders"], r["revenue"]) for r in rows(A.timeline(hand_ws, AS_OF))}
    assert got == {
        (D(2023, 11, 1), "new"): (1, 1, 3000),
        (D(2024, 1, 1), "new"): (3, 4, 51000),
        (D(2024, 3, 1), "repeat_2"): (2, 2, 55000),
        (D(2024, 5, 1), "new"): (1, 2, 3000),
        (D(2024, 7, 1), "repeat_2"): (1, 1, 1000),
        (D(2024, 9, 1), "repeat_3_4"): (1, 1, 40000),
        (D(2024, 11, 1), "new"): (1, 1, 4000),
        (D(2024, 12, 1), "subscription"): (1, 1, 4000),
        (D(2024, 12, 1), "repeat_3_4"): (1, 1, 1000),
    }


def test_timeline_base_lost_and_active(hand_ws):
    base = {r["month"]: r for r in rows(A.timeline_base(hand_ws, AS_OF))}
    assert len(base) == 14  # 2023-11 .. 2024-12
    # B lapses 2024-06-28, D 2024-11-26, E exactly on the as-of day 2024-12-31
    lost = {m: r["lost_customers"] for m, r in base.items() if r["lost_customers"]}
    assert lost == {D(2024, 6, 1): 1, D(2024, 11, 1): 1, D(2024, 12, 1): 1}
    active = [base[m]["active_base"] for m in sorted(base)]
    assert active == [1, 1, 4, 4, 4, 4, 5, 4, 4, 4, 4, 4, 4, 3]
    assert base[D(2024, 1, 1)]["new_customers"] == 3 and base[D(2024, 1, 1)]["buyers"] == 3


def test_reactivation_after_a_lapse(make_ws):
    ws = make_ws(
        "k",
        [
            ("k1", "K", D(2023, 12, 1), "completed", 2000, "food", None, None),
            ("k2", "K", D(2024, 9, 1), "completed", 2000, "food", None, None),  # 275 days later
        ],
    )
    base = {r["month"]: r for r in rows(A.timeline_base(ws, AS_OF))}
    assert base[D(2024, 7, 1)]["lost_customers"] == 1  # 2023-12-01 + 240 days = 2024-07-28
    assert base[D(2024, 9, 1)]["reactivated_customers"] == 1
    assert [base[m]["active_base"] for m in sorted(base)] == [1] * 7 + [0, 0] + [1] * 4
