"""customer_value: monthly increments of expected purchases × expected spend, discounted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from horetsu.models import BetaGeo, GammaGamma, customer_value

MONTH_WEEKS = 365.25 / 12 / 7


class SteadyBuyer:
    """A purchase model with a constant rate per week (a test double with known sums)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate

    def expected_purchases(self, t, frequency, recency, T):
        return np.broadcast_to(self.rate * np.asarray(t, dtype=float), np.broadcast_shapes(np.shape(t), np.shape(frequency)))


class FixedSpend:
    def expected_spend(self, frequency, monetary):
        return np.full(np.shape(frequency), 1000.0)


def _summary():
    return pd.DataFrame({"frequency": [0, 2, 5], "recency": [0.0, 10.0, 30.0], "T": [20.0, 40.0, 40.0],
                         "monetary": [0.0, 1500.0, 800.0]})


def test_discounting_matches_the_annuity_formula():
    s = _summary()
    v = customer_value(SteadyBuyer(0.5), FixedSpend(), s, horizon_months=12, annual_discount=0.10)
    monthly = 1.1 ** (1 / 12) - 1
    per_month = 0.5 * MONTH_WEEKS * 1000.0
    annuity = per_month * (1 - (1 + monthly) ** -12) / monthly
    assert isinstance(v, pd.Series) and list(v.index) == list(s.index)
    np.testing.assert_allclose(v.to_numpy(), annuity, rtol=1e-12)
    # undiscounted: 12 months of purchases at 1000 yen
    v0 = customer_value(SteadyBuyer(0.5), FixedSpend(), s, horizon_months=12, annual_discount=0.0)
    np.testing.assert_allclose(v0.to_numpy(), 0.5 * 12 * MONTH_WEEKS * 1000.0, rtol=1e-12)


def test_real_models_undiscounted_value_is_expected_purchases_times_spend():
    bg = BetaGeo()
    bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    gg = GammaGamma()
    gg.params_ = {"p": 6.25, "q": 3.74, "gamma": 15.44}
    s = _summary()
    v0 = customer_value(bg, gg, s, horizon_months=24, annual_discount=0.0).to_numpy()
    want = bg.expected_purchases(24 * MONTH_WEEKS, s["frequency"], s["recency"], s["T"]) * gg.expected_spend(
        s["frequency"], s["monetary"])
    np.testing.assert_allclose(v0, want, rtol=1e-10)
    v = customer_value(bg, gg, s, horizon_months=24, annual_discount=0.10).to_numpy()
    assert np.all(v < v0) and np.all(v > v0 / 1.1**2)
    # the unit follows the summary: the same customers measured in days give the same value
    days = s.assign(recency=s["recency"] * 7, T=s["T"] * 7)
    bg_days = BetaGeo()
    bg_days.params_ = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
    np.testing.assert_allclose(customer_value(bg_days, gg, days, horizon_months=24, unit="D").to_numpy(), v, rtol=1e-9)


def test_zero_spend_customers_are_left_out_of_the_fit_and_get_the_mean(cdnow_summary):
    s = cdnow_summary
    base = GammaGamma().fit(s["frequency"], s["monetary"])
    extra = pd.DataFrame({"frequency": [3, 1], "monetary": [0.0, 0.0]})
    with_zero = GammaGamma().fit(pd.concat([s["frequency"], extra["frequency"]]),
                                 pd.concat([s["monetary"], extra["monetary"]]))
    assert with_zero.params_ == pytest.approx(base.params_)
    assert with_zero.n_excluded_ == base.n_excluded_ + 2
    assert with_zero.expected_spend(3, 0.0) == pytest.approx(with_zero.population_mean())
    # heavier buyers are shrunk less towards the population mean
    mean = base.population_mean()
    assert abs(base.expected_spend(20, 100.0) - 100.0) < abs(base.expected_spend(1, 100.0) - 100.0)
    assert base.expected_spend(1, 100.0) > mean
