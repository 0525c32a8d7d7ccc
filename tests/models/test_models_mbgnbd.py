"""MBG/NBD (Batislam, Denizel & Filiztekin 2007) against the peer libraries on CDNOW.

Expected values: BTYDplus's published CDNOW estimates (r 0.525, alpha 6.183, a 0.891,
b 1.614), which lifetimes 0.11.3's ModifiedBetaGeoFitter also gives on the same summary
(r 0.5248, alpha 6.183, a 0.8914, b 1.614; E[Y(39)|2, 30.43, 38.86] = 1.26267,
P(alive | 2, 30.43, 38.86) = 0.70613, P(alive | 0, 0, 38.86) = 0.38971,
E[X(39)] = 1.18228; run with benchmarks/.venvs/lifetimes).
"""

from __future__ import annotations

import numpy as np
import pytest

from horetsu.models import BetaGeo, ModifiedBetaGeo
from horetsu.models._suffstats import collapse


def test_mbgnbd_matches_btydplus_and_lifetimes(cdnow_summary):
    s = cdnow_summary
    m = ModifiedBetaGeo().fit(s["frequency"], s["recency"], s["T"])
    for name, want in {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}.items():
        assert m.params_[name] == pytest.approx(want, abs=6e-4), name
    assert float(m.expected_purchases(39, 2, 30.43, 38.86)) == pytest.approx(1.26267, abs=2e-5)
    assert float(m.p_alive(2, 30.43, 38.86)) == pytest.approx(0.70613, abs=2e-5)
    # unlike BG/NBD, a customer without repeat purchases may already be gone
    assert float(m.p_alive(0, 0, 38.86)) == pytest.approx(0.38971, abs=2e-5)
    assert float(m.expected_purchases_new(39)) == pytest.approx(1.18228, abs=2e-5)


@pytest.mark.parametrize(("cls", "theta"), [(BetaGeo, [0.3, 4.0, 0.9, 2.0]), (ModifiedBetaGeo, [0.5, 6.0, 1.2, 1.5])])
def test_analytic_gradient_matches_finite_differences(cls, theta, cdnow_summary):
    s = cdnow_summary
    f = cls()._objective(collapse(s["frequency"], s["recency"], s["T"]))
    th = np.log(theta)
    _, grad = f(th)
    num = [(f(th + 1e-6 * e)[0] - f(th - 1e-6 * e)[0]) / 2e-6 for e in np.eye(4)]
    np.testing.assert_allclose(grad, num, rtol=1e-6)
