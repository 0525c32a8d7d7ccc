"""Near-zero dropout: a flat likelihood, compared with lifetimes 0.11.3 on the same data.

The data are the benchmark's ``nodrop1m`` shape at 100,000 customers (BG/NBD population with
the CDNOW parameters but b = 2426, T uniform over 26-39 weeks, continuous times, seed 0:
``python benchmarks/bench_models.py --sizes nodrop1m --n 100000 --libs horetsu lifetimes``
fits both libraries on exactly these customers).  The peer's figures below come from that run
(lifetimes 0.11.3 in its own environment, 2026-12-02).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaln

from horetsu.models import BetaGeo, ParetoNBD
from horetsu.models.paretonbd import _log_terms

#: lifetimes 0.11.3 on the data below: BetaGeoFitter converged, ParetoNBDFitter stopped on the flat ridge
LIFETIMES_BGNBD = {"r": 0.2439671101146797, "alpha": 4.437912029843302, "a": 0.0017217666410785, "b": 0.4390753544266797}
LIFETIMES_PNBD = {"r": 0.24490198957285, "alpha": 4.466835415049787, "s": 0.014646815759100235, "beta": 99.33361186575242}
TRUE_PURCHASE = {"r": 0.243, "alpha": 4.414}


@pytest.fixture(scope="module")
def nodrop():
    """The benchmark's simulation (benchmarks/bench_models.py: simulate_bgnbd, days=False), seed 0."""
    n, r, alpha, a, b = 100_000, 0.243, 4.414, 0.793, 2426.0
    rng = np.random.default_rng(0)
    lam, p = rng.gamma(r, 1.0 / alpha, n), rng.beta(a, b, n)
    T = rng.uniform(26.0, 39.0, n)
    arrivals = rng.poisson(lam * T)
    x = np.minimum(arrivals, rng.geometric(p))
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    return x, t_x, T


def exact_pnbd_ll(params: dict[str, float], x, t_x, T) -> float:
    """The Pareto/NBD log-likelihood per customer through SciPy's 2F1 (no tables, no collapsing)."""
    r, alpha, s, beta = (params[k] for k in ("r", "alpha", "s", "beta"))
    alive, died = _log_terms(r, alpha, s, beta, x, t_x, T)
    return float(np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                        + np.logaddexp(alive, died)))


def test_bgnbd_equals_lifetimes_to_four_digits_where_it_converges(nodrop):
    m = BetaGeo().fit(*nodrop)
    assert {k: f"{v:.4g}" for k, v in m.params_.items()} == {k: f"{v:.4g}" for k, v in LIFETIMES_BGNBD.items()}
    # the purchase process is recovered (the truth within 3 standard errors)
    for k, v in TRUE_PURCHASE.items():
        assert abs(m.params_[k] - v) < 3 * m.standard_errors_[k], k


def test_pareto_nbd_on_a_flat_likelihood_beats_the_peer_and_says_what_it_cannot_identify(nodrop):
    x, t_x, T = nodrop
    m = ParetoNBD().fit(x, t_x, T)
    # the purchase process is recovered
    for k, v in TRUE_PURCHASE.items():
        assert abs(m.params_[k] - v) < 3 * m.standard_errors_[k], k
    # the dropout parameters are not: the fit says so instead of pretending ...
    assert m.not_identified_ and set(m.not_identified_) <= {"s", "beta"}
    for k in m.not_identified_:
        assert m.standard_errors_[k] > m.params_[k] or not np.isfinite(m.standard_errors_[k])
    assert "r" not in m.not_identified_ and "alpha" not in m.not_identified_
    # ... and its point is at least as likely as the point where lifetimes stopped (exact function)
    ours, peer = exact_pnbd_ll(m.params_, x, t_x, T), exact_pnbd_ll(LIFETIMES_PNBD, x, t_x, T)
    assert ours == pytest.approx(m.log_likelihood_, rel=1e-9)
    assert ours > peer
    # whatever the dropout parameters, almost everybody is alive, as in the data
    assert float(np.median(m.p_alive(x, t_x, T))) > 0.95


def test_a_well_identified_fit_reports_nothing_unidentified():
    rng = np.random.default_rng(5)
    n = 5_000
    lam, mu = rng.gamma(0.55, 1 / 10.6, n), rng.gamma(0.61, 1 / 11.7, n)
    T = rng.uniform(26.0, 39.0, n)
    alive_for = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * alive_for)
    t_x = np.where(x > 0, alive_for * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    m = ParetoNBD().fit(x, t_x, T)
    assert m.not_identified_ == () and m.flat_ridge_ is False
