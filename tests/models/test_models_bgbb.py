"""BG/BB on the donation data of Fader, Hardie & Shang (2010), Marketing Science 29(6).

The 11,104 repeat donors of the paper (Table 1: donors per pattern of x donations in
n = 6 yearly opportunities, the last in year t_x) and its estimates alpha 1.204,
beta 0.750, gamma 0.657, delta 2.783, log-likelihood -33,225.6.  Predictions are
compared with lifetimes 0.11.3's BetaGeoBetaBinomFitter on the same data.
"""

from __future__ import annotations

import numpy as np
import pytest

from horetsu.errors import AnalysisError
from horetsu.models import BetaGeoBetaBinom

X = [0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 6]
T_X = [0, 1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 6, 3, 4, 5, 6, 4, 5, 6, 5, 6, 6]
DONORS = [3464, 1091, 277, 129, 78, 119, 129, 613, 255, 155, 173, 234, 322, 181, 225, 357, 240, 284, 512, 335, 728,
          1203]


@pytest.fixture(scope="module")
def model():
    return BetaGeoBetaBinom().fit(X, T_X, [6] * len(X), weights=DONORS)


def test_reproduces_fader_hardie_shang_2010(model):
    assert sum(DONORS) == 11104
    for name, want in {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}.items():
        assert model.params_[name] == pytest.approx(want, abs=6e-4), name
    assert model.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert model.n_customers_ == 11104


def test_predictions_match_lifetimes(model):
    np.testing.assert_allclose(model.expected_purchases(5, [0, 1, 1], [0, 1, 2], 6),
                               [0.0728633, 0.0856957, 0.3142381], rtol=1e-5)
    np.testing.assert_allclose(model.p_alive([0, 1, 3, 6], [0, 1, 6, 6], 6),
                               [0.1081333, 0.0694618, 0.9304336, 0.9304336], rtol=1e-5)


def test_unconditional_expectation_is_the_mean_of_the_conditional_ones(model):
    # E[X(n)] for a new donor equals the average of x over the population after n = 6 years
    simulated_mean = np.average(X, weights=DONORS)
    assert float(model.expected_purchases_new(6)) == pytest.approx(simulated_mean, rel=0.02)
    assert np.all(np.diff(model.expected_purchases_new(np.arange(1, 12))) > 0)


def test_refuses_impossible_histories():
    with pytest.raises(AnalysisError, match="frequency <= recency <= n_periods"):
        BetaGeoBetaBinom().fit([3], [2], [6])
    with pytest.raises(AnalysisError):
        BetaGeoBetaBinom().fit([1], [7], [6])
