"""The published CDNOW results, reproduced from the raw transaction file.

Sources: Fader, Hardie & Lee (2005) "Counting your customers the easy way",
Marketing Science 24(2) (BG/NBD and Pareto/NBD estimates and log-likelihoods,
the worked example E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226);
Fader, Hardie & Lee (2005) "RFM and CLV: using iso-value curves", JMR 42(4)
(Pareto/NBD r=0.55, alpha=10.58, s=0.61, beta=11.67; Gamma-Gamma p=6.25,
q=3.74, gamma=15.44 on 946 repeat buyers); Fader & Hardie (2007) "How to project
customer retention", J. Interactive Marketing 21(1) (sBG estimates).
"""

from __future__ import annotations

import numpy as np
import pytest

from horetsu.models import BetaGeo, GammaGamma, ParetoNBD, ShiftedBetaGeometric


def test_calibration_summary_matches_the_papers_data(cdnow_summary):
    s = cdnow_summary
    assert len(s) == 2357
    assert int((s["frequency"] > 0).sum()) == 946
    # the first customer of the paper's spreadsheet: x = 2, t_x = 30.43, T = 38.86
    first = s[s["customer"] == "0001"].iloc[0]
    assert (first["frequency"], round(first["recency"], 2), round(first["T"], 2)) == (2, 30.43, 38.86)


def test_bgnbd_reproduces_fhl_2005(cdnow_summary):
    s = cdnow_summary
    m = BetaGeo().fit(s["frequency"], s["recency"], s["T"])
    got = m.params_
    for name, published in {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}.items():
        assert got[name] == pytest.approx(published, abs=6e-4), name
    assert m.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    # standard errors exist and are small compared with the estimates
    assert all(0 < m.standard_errors_[k] < got[k] for k in got)


def test_bgnbd_worked_example_at_published_parameters():
    m = BetaGeo()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert m.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.226, abs=5e-4)


def test_paretonbd_reproduces_fhl_2005(cdnow_summary):
    s = cdnow_summary
    m = ParetoNBD().fit(s["frequency"], s["recency"], s["T"])
    got = m.params_
    for name, published in {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}.items():
        assert got[name] == pytest.approx(published, abs=1.5e-3), name
    assert m.log_likelihood_ == pytest.approx(-9595.0, abs=0.05)


def test_gammagamma_reproduces_the_iso_value_paper(cdnow_summary):
    s = cdnow_summary
    repeat = s[s["frequency"] > 0]
    assert len(repeat) == 946
    m = GammaGamma().fit(s["frequency"], s["monetary"])  # zero-repeat customers are left out by the model
    assert m.params_["p"] == pytest.approx(6.25, abs=0.005)
    assert m.params_["q"] == pytest.approx(3.74, abs=0.005)
    assert m.params_["gamma"] == pytest.approx(15.44, abs=0.005)
    assert m.n_customers_ == 946
    # a customer without repeat purchases gets the population mean p*gamma/(q-1)
    p, q, g = m.params_["p"], m.params_["q"], m.params_["gamma"]
    assert m.expected_spend(0, 0.0) == pytest.approx(p * g / (q - 1))


@pytest.mark.parametrize(
    ("survivors", "alpha", "beta"),
    [
        ([1000, 631, 468, 382, 326, 289, 262, 241], 0.704, 1.182),  # "regular"
        ([1000, 869, 743, 653, 593, 551, 517, 491], 0.668, 3.806),  # "high end"
    ],
)
def test_sbg_reproduces_fader_hardie_2007(survivors, alpha, beta):
    m = ShiftedBetaGeometric().fit(survivors)
    assert m.params_["alpha"] == pytest.approx(alpha, abs=6e-4)
    assert m.params_["beta"] == pytest.approx(beta, abs=6e-4)
    # the fitted survival curve passes close to the observed one (within 2.5 points per 100)
    fitted = m.survival(np.arange(len(survivors))) * 1000
    assert np.max(np.abs(fitted - np.array(survivors))) < 25
    # retention rises with tenure (the heterogeneity story of the paper)
    r = m.retention(np.arange(1, 8))
    assert np.all(np.diff(r) > 0)
    assert r[0] == pytest.approx(m.survival(1) / m.survival(0))
