"""Numerical stability: the Pareto/NBD tail integral and heavy buyers / long histories."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import hyp2f1

from horetsu.models import BetaGeo, ParetoNBD
from horetsu.models.special import log1mexp, log_pnbd_tail


def _log_tail_by_quadrature(r, alpha, s, beta, x, t):
    """log[(r+s+x) ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ], integrand scaled at τ = t to avoid underflow."""

    def logf(tau):
        return -(r + x) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau)

    f0 = logf(t)
    # substitute τ = t + u/(1-u) to map [t, ∞) onto [0, 1)
    val, _ = quad(lambda u: np.exp(logf(t + u / (1 - u)) - f0) / (1 - u) ** 2, 0, 1, limit=400, epsabs=0, epsrel=1e-11)
    return np.log(r + s + x) + f0 + np.log(val)


@pytest.mark.parametrize(
    ("r", "alpha", "s", "beta"),
    [(0.55, 10.58, 0.61, 11.67), (0.55, 20.0, 0.61, 3.0), (2.0, 1.5, 0.3, 40.0), (0.9, 5.0, 1.0, 5.0)],
)
@pytest.mark.parametrize(("x", "t"), [(0, 0.0), (2, 30.43), (15, 5.0), (300, 38.0), (2000, 400.0)])
def test_tail_matches_quadrature(r, alpha, s, beta, x, t):
    got = float(log_pnbd_tail(r, alpha, s, beta, np.array([x]), np.array([t]))[0])
    want = _log_tail_by_quadrature(r, alpha, s, beta, x, t)
    assert np.isfinite(got)
    assert got == pytest.approx(want, rel=1e-8, abs=1e-8)


def test_log1mexp_is_accurate_at_both_ends():
    u = np.array([-1e-12, -0.1, -1.0, -50.0, 0.0])
    got = log1mexp(u)
    assert got[0] == pytest.approx(np.log(1e-12), rel=1e-6)
    assert got[1] == pytest.approx(np.log(1 - np.exp(-0.1)))
    assert got[3] == pytest.approx(-np.exp(-50.0), rel=1e-9)
    assert got[4] == -np.inf


def test_pareto_nbd_heavy_buyers_and_long_histories_stay_finite():
    m = ParetoNBD()
    m.params_ = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
    x = np.array([0, 1, 50, 500, 5000, 20000])
    t_x = np.array([0, 10, 100, 400, 4999, 9000])
    T = np.array([1, 20, 120, 500, 5000, 10000.0])
    pa = m.p_alive(x, t_x, T)
    ep = m.expected_purchases(52.0, x, t_x, T)
    assert np.all(np.isfinite(pa)) and np.all((pa >= 0) & (pa <= 1))
    assert np.all(np.isfinite(ep)) and np.all(ep >= 0)
    # a customer who bought 5000 times, the last one a day ago, is surely alive and buys ~ once a week
    assert pa[4] > 0.99
    assert ep[4] == pytest.approx(52 * (0.55 + 5000) / (10.58 + 5000), rel=0.05)
    # someone who bought 20000 times and then stopped for 1000 weeks is surely gone
    assert pa[5] < 1e-100


def test_pareto_nbd_fit_with_heavy_buyers_is_finite():
    # an ordinary Pareto/NBD population plus two customers with thousands of purchases
    rng = np.random.default_rng(3)
    n = 3000
    lam, mu = rng.gamma(0.6, 1 / 8.0, n), rng.gamma(0.8, 1 / 15.0, n)
    T = rng.uniform(26.0, 78.0, n)
    alive_for = np.minimum(rng.exponential(1 / mu), T)
    x = rng.poisson(lam * alive_for)
    t_x = np.where(x > 0, alive_for * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    x, t_x, T = np.append(x, [3000, 8000]), np.append(t_x, [590.0, 899.0]), np.append(T, [600.0, 900.0])
    m = ParetoNBD().fit(x, t_x, T)
    assert np.isfinite(m.log_likelihood_)
    assert all(np.isfinite(v) and v > 0 for v in m.params_.values())
    assert np.all(np.isfinite(m.p_alive(x, t_x, T)))


def test_bgnbd_transformed_expectation_equals_the_textbook_formula():
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    m = BetaGeo()
    m.params_ = {"r": r, "alpha": alpha, "a": a, "b": b}
    x, t_x, T, t = np.array([0, 1, 4, 9]), np.array([0, 5, 20.0, 35]), np.array([38.86, 30, 38, 38.86]), 39.0
    textbook = (
        (a + b + x - 1) / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t)))
        / (1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x))
    )
    np.testing.assert_allclose(m.expected_purchases(t, x, t_x, T), textbook, rtol=1e-10)


def test_bgnbd_heavy_buyers_stay_finite():
    m = BetaGeo()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    x = np.array([1000, 5000])
    ep = m.expected_purchases(np.array([[1.0], [10.0], [52.0]]), x, np.array([99.0, 499.0]), np.array([100.0, 500.0]))
    assert np.all(np.isfinite(ep))
    assert np.all(np.diff(ep, axis=0) > 0)  # more time, more purchases


@pytest.mark.parametrize(("alpha", "beta"), [(10.58, 11.67), (20.0, 3.0)])
def test_tail_gradient_matches_finite_differences(alpha, beta):
    from horetsu.models.special import log_pnbd_tail_grad

    r, s = 0.55, 0.61
    x, t = np.array([0.0, 2.0, 40.0]), np.array([0.0, 30.43, 12.0])
    value, grad = log_pnbd_tail_grad(r, alpha, s, beta, x, t)
    np.testing.assert_allclose(value, log_pnbd_tail(r, alpha, s, beta, x, t), rtol=1e-13)
    base = np.array([r, alpha, s, beta])
    for i in range(4):
        h = 1e-6 * base[i]
        up, down = base.copy(), base.copy()
        up[i] += h
        down[i] -= h
        num = (log_pnbd_tail(*up, x, t) - log_pnbd_tail(*down, x, t)) / (2 * h)
        np.testing.assert_allclose(grad[i], num, rtol=1e-6, atol=1e-8)


def test_pareto_nbd_objective_gradient_matches_finite_differences(cdnow_summary):
    from horetsu.models._suffstats import collapse

    s = cdnow_summary
    f = ParetoNBD._objective(collapse(s["frequency"], s["recency"], s["T"]))
    theta = np.log([0.5, 3.0, 0.7, 20.0])
    _, grad = f(theta)
    num = [(f(theta + 1e-6 * e)[0] - f(theta - 1e-6 * e)[0]) / 2e-6 for e in np.eye(4)]
    np.testing.assert_allclose(grad, num, rtol=1e-6)
