"""NPS and the adjusted-Wald interval against the published example and hand-computed cases."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from horetsu.nps.stats import by_segment, compare, estimate, estimate_arrays, from_scores, variance


def test_published_example_30_50_20():
    # Rocks (2016) / the issue: 30 promoters, 50 passives, 20 detractors -> NPS 10, CI -3.8 to 23.2.
    e = estimate(30, 50, 20)
    assert e.n == 100
    assert e.nps == pytest.approx(10.0)
    assert round(e.ci_low, 1) == -3.8
    assert round(e.ci_high, 1) == 23.2


def test_plain_variance_formula():
    # 100^2 * (0.3 + 0.2 - (0.3 - 0.2)^2) / 100 = 10000 * 0.49 / 100 = 49
    assert variance(0.3, 0.2, 100) == pytest.approx(49.0)


def test_small_hand_computed_case():
    # 2 promoters, 1 passive, 1 detractor: NPS = 100 * (2 - 1) / 4 = 25.
    # Adjusted: n = 7, p = 2.75/7 = 0.392857, d = 1.75/7 = 0.25, centre = 14.2857,
    # var = 10000 * (0.642857 - 0.142857^2) / 7 = 889.213, half = 1.96 * 29.8197 = 58.446
    e = estimate(2, 1, 1)
    assert e.nps == pytest.approx(25.0)
    assert e.variance == pytest.approx(889.213, abs=1e-3)
    assert e.ci_low == pytest.approx(14.2857 - 58.446, abs=2e-3)
    assert e.ci_high == pytest.approx(14.2857 + 58.446, abs=2e-3)


def test_interval_is_clipped_to_the_scale():
    # 5 promoters of 5: n = 8, p = 5.75/8 = 0.71875, d = 0.09375, centre = 62.5,
    # var = 10000 * (0.8125 - 0.390625) / 8 = 527.34, half = 45.01 -> 107.5, clipped to 100.
    e = estimate(5, 0, 0)
    assert e.nps == 100.0
    assert e.ci_high == 100.0
    assert e.ci_low == pytest.approx(62.5 - 1.959964 * np.sqrt(527.34375), abs=1e-3)


def test_no_answers_is_not_a_number():
    a = estimate_arrays([0], [0], [0])
    assert np.isnan(a["nps"][0]) and np.isnan(a["ci_low"][0])


def test_from_scores_counts_each_kind():
    e = from_scores([10, 9, 8, 7, 6, 0])
    assert (e.promoters, e.passives, e.detractors) == (2, 2, 2)
    assert e.nps == 0.0


def test_two_segments_differ_beyond_noise():
    a = estimate(30, 50, 20)  # NPS 10, adjusted variance 47.63
    b = estimate(60, 30, 10)  # NPS 50; n=103, p=60.75/103, d=10.75/103 -> variance 44.52
    assert b.variance == pytest.approx(10000 * (71.5 / 103 - (50 / 103) ** 2) / 103, rel=1e-9)
    out = compare(b, a)
    assert out["difference"] == 40.0
    assert out["margin"] == pytest.approx(round(1.959964 * np.sqrt(a.variance + b.variance), 1))
    assert out["differs"] is True
    c = estimate(35, 45, 20)  # NPS 15: 5 points from a, well inside 1.96 * sqrt(~95) = 19
    assert compare(c, a)["differs"] is False


def test_by_segment_matches_the_single_estimates():
    scores = [10, 9, 3, 7, 10, 10, 0, 8]
    seg = ["a", "a", "a", "a", "b", "b", "b", "b"]
    t = by_segment(pa.table({"score": pa.array(scores, pa.float64()), "k": seg}), "k").to_pylist()
    assert [r["segment"] for r in t] == ["a", "b"]
    a, b = t
    # a: 10, 9, 3, 7 -> 2 promoters, 1 passive, 1 detractor -> 25; rest (b): 2/1/1 -> 25
    assert (a["promoters"], a["passives"], a["detractors"], a["nps"]) == (2, 1, 1, 25.0)
    assert a["ci_low"] == pytest.approx(estimate(2, 1, 1).ci_low)
    assert a["nps_rest"] == 25.0 and a["differs_from_rest"] is False
    assert (b["promoters"], b["passives"], b["detractors"]) == (2, 1, 1)
