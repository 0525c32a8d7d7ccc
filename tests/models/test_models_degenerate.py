"""BG/NBD predictions stay finite when the fit leaves no spread in the drop-out probability."""

from __future__ import annotations

import warnings

import numpy as np

from horetsu.models import BetaGeo


def test_expected_purchases_with_huge_a_and_b_match_the_fixed_p_limit():
    # A fit on a real workspace once gave a ~ 1.3e5 and b ~ 1.3e6; SciPy's 2F1 overflowed
    # and the holdout plot turned into NaN. When a + b -> infinity, Beta(a, b) is a point
    # mass at p = a / (a + b) and, for a fixed p, E[X(t)] has a closed form (hand-derived:
    # sum over Poisson counts of (1 - (1-p)^n) / p, mixed over the Gamma(r, alpha) rates):
    #     E[X(t)] = (1 - (alpha / (alpha + p t))^r) / p
    r, alpha, p, total = 0.37, 5.0, 0.089, 1.4e6
    model = BetaGeo()
    model.params_ = {"r": r, "alpha": alpha, "a": p * total, "b": (1 - p) * total}
    t = np.array([5.0, 50.0, 500.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = model.expected_purchases_new(t)
        cond = model.expected_purchases(t, np.array([0.0, 3.0, 40.0]), np.array([0.0, 20.0, 70.0]), 78.0)
    limit = (1 - (alpha / (alpha + p * t)) ** r) / p
    # the capped evaluation is exact to O(1/(a+b)) of the cap used: 1% at the longest horizons
    np.testing.assert_allclose(got, limit, rtol=1e-2)
    assert abs(got[0] / limit[0] - 1) < 1e-4
    assert np.all(np.isfinite(cond)) and np.all(cond > 0)
