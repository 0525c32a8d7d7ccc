"""Speed whatever the data: the Pareto/NBD tail at hard points and fits on hard data shapes.

The reference for the special function is mpmath at 40 digits, through the plain
hypergeometric form of the tail (Fader & Hardie 2005 note), which horetsu's code does not use:

    log G = -(r+s+x) log(M+t) + log 2F1(r+s+x, b'; r+s+x+1; |α-β|/(M+t)),

M = max(α, β), b' = s+1 when α ≥ β else r+x; derivatives by mpmath's numerical differentiation.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from horetsu.models import BetaGeo, ParetoNBD
from horetsu.models._tails import TailTable
from horetsu.models.paretonbd import _log_terms
from horetsu.models.special import log_pnbd_tail, log_pnbd_tail_grad


def _mp_log_tail(r, alpha, s, beta, x, t):
    """At the caller's working precision (mpmath's diff raises it while differentiating)."""
    r, alpha, s, beta, x, t = (mp.mpf(v) for v in (r, alpha, s, beta, x, t))
    k = r + s + x
    if alpha >= beta:
        m, b2, z = alpha, s + 1, (alpha - beta) / (alpha + t)
    else:
        m, b2, z = beta, r + x, (beta - alpha) / (beta + t)
    return -k * mp.log(m + t) + mp.log(mp.hyp2f1(k, b2, k + 1, z))


def _mp_value(r, alpha, s, beta, x, t):
    with mp.workdps(40):
        return float(_mp_log_tail(r, alpha, s, beta, x, t))


def _mp_grad(r, alpha, s, beta, x, t):
    with mp.workdps(40):
        p = [mp.mpf(v) for v in (r, alpha, s, beta)]
        out = []
        for i in range(4):
            def f(v, i=i):
                q = list(p)
                q[i] = v
                return _mp_log_tail(*q, x, t)
            out.append(float(mp.diff(f, p[i])))
        return np.array(out)


HARD_PARAMETERS = [
    # near-zero dropout: what Pareto/NBD fits when almost nobody leaves (tiny s and beta)
    (0.2477, 4.481, 0.0015674, 0.017068),
    # beta far above alpha: z = (β-α)/(β+t) within 1e-4 .. 1e-5 of 1
    (0.243, 4.4, 0.5, 1e4),
    (0.3, 0.5, 20.0, 1e5),
    # large parameters, alpha far above beta
    (2.0, 40.0, 30.0, 1.5),
    (0.5, 100.0, 0.3, 0.01),
    # equal and nearly equal alpha and beta (z = 0 and z tiny)
    (0.55, 10.58, 0.61, 10.58),
    (0.55, 10.58, 0.61, 10.5801),
]
HARD_POINTS = [(0, 0.0), (1, 0.5), (3, 1e-4), (10, 39.0), (200, 0.01), (500, 38.0), (2000, 1.0)]


@pytest.mark.parametrize("params", HARD_PARAMETERS)
def test_tail_and_gradient_match_mpmath_at_hard_points(params):
    x = np.array([p[0] for p in HARD_POINTS], dtype=float)
    t = np.array([p[1] for p in HARD_POINTS])
    value, grad = log_pnbd_tail_grad(*params, x, t)
    plain = log_pnbd_tail(*params, x, t)
    for i, (xi, ti) in enumerate(HARD_POINTS):
        want = _mp_value(*params, xi, ti)
        assert value[i] == pytest.approx(want, rel=1e-12, abs=1e-12), (xi, ti)
        assert plain[i] == pytest.approx(want, rel=1e-12, abs=1e-12), (xi, ti)
        if xi > 200:
            continue  # mpmath's derivatives of long series are slow; the values are checked
        want_g = _mp_grad(*params, xi, ti)
        assert np.all(np.abs(grad[:, i] - want_g) <= 1e-8 * np.maximum(1.0, np.abs(want_g))), (xi, ti, grad[:, i], want_g)


def _rows(n, seed=1):
    """Continuous (x, t) rows sorted by x, with t down to 1e-4 and exactly 0."""
    rng = np.random.default_rng(seed)
    x = np.sort(np.minimum(rng.geometric(0.3, n) - 1, 40)).astype(float)
    T = rng.uniform(26.0, 39.0, n)
    t = np.where(x > 0, T * rng.beta(2.0, 1.0, n) ** 3, 0.0)
    t[x > 0][:20] = rng.uniform(0, 1e-3, 20)
    return x, t


@pytest.mark.parametrize("params", [HARD_PARAMETERS[0], HARD_PARAMETERS[1], (0.5, 9.8, 1.03, 28.4)])
def test_tail_table_interpolation_matches_mpmath(params):
    x, t = _rows(60_000)
    tab = TailTable(x, t, 39.0)
    # the point of the table: almost every row is interpolated, and the exact work is a
    # small, bounded number of evaluations
    assert len(tab.interp) > 0.98 * len(x)
    assert tab.n_exact_evaluations < 0.1 * len(x)
    value, state = tab.evaluate(*params)
    rng = np.random.default_rng(2)
    picks = np.r_[rng.choice(tab.interp, 8, replace=False), np.flatnonzero(x > 0)[np.argsort(t[x > 0])[:2]]]
    for i in picks:
        assert value[i] == pytest.approx(_mp_value(*params, x[i], t[i]), rel=1e-11, abs=1e-11), (x[i], t[i])
    for i in picks[:3]:
        w = np.zeros(len(x))
        w[i] = 1.0
        got = tab.vjp(state, w)
        want = _mp_grad(*params, x[i], t[i])
        assert np.all(np.abs(got - want) <= 1e-8 * np.maximum(1.0, np.abs(want))), (x[i], t[i], got, want)


def _simulate_bgnbd(n, r, alpha, a, b, seed):
    """BG/NBD customers with T uniform over 26-39 weeks and continuous times (the CDNOW shape)."""
    rng = np.random.default_rng(seed)
    lam, p = rng.gamma(r, 1.0 / alpha, n), rng.beta(a, b, n)
    T = rng.uniform(26.0, 39.0, n)
    arrivals = rng.poisson(lam * T)
    x = np.minimum(arrivals, rng.geometric(p))
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    return x, t_x, T


def _simulate_pnbd(n, r, alpha, s, beta, seed):
    rng = np.random.default_rng(seed)
    lam, mu = rng.gamma(r, 1.0 / alpha, n), rng.gamma(s, 1.0 / beta, n)
    T = rng.uniform(26.0, 39.0, n)
    alive_for = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * alive_for)
    t_x = np.where(x > 0, alive_for * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return x, t_x, T


def _within(model, truth, n_se=3.0):
    for name, true_value in truth.items():
        est, se = model.params_[name], model.standard_errors_[name]
        assert abs(est - true_value) < n_se * se, f"{name}: {est:.4g} ± {se:.2g} vs true {true_value}"


CDNOW_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def test_bgnbd_recovers_the_cdnow_shape():
    x, t_x, T = _simulate_bgnbd(30_000, **CDNOW_BGNBD, seed=11)
    m = BetaGeo().fit(x, t_x, T)
    assert m.n_distinct_ == len(x)  # continuous times: every customer is a row of its own
    _within(m, CDNOW_BGNBD)


def test_pareto_nbd_recovers_the_cdnow_shape_and_is_the_exact_optimum():
    truth = {"r": 0.5533, "alpha": 10.578, "s": 0.6062, "beta": 11.669}
    x, t_x, T = _simulate_pnbd(30_000, **truth, seed=12)
    m = ParetoNBD().fit(x, t_x, T)
    _within(m, truth)

    # the optimum of the interpolated likelihood is the optimum of the exact one
    def exact_ll(p):
        r, alpha, s, beta = p
        from scipy.special import gammaln
        alive, died = _log_terms(r, alpha, s, beta, x, t_x, T)
        return float(np.sum(gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                            + np.logaddexp(alive, died)))

    best = np.array(list(m.params_.values()))
    at_best = exact_ll(best)
    assert m.log_likelihood_ == pytest.approx(at_best, rel=1e-10)
    for i in range(4):
        for step in (1e-3, -1e-3):
            p = best.copy()
            p[i] *= 1.0 + step
            assert exact_ll(p) < at_best


def test_bgnbd_near_zero_dropout():
    truth = {**CDNOW_BGNBD, "b": 2426.0}  # mean dropout probability after a purchase 3e-4
    x, t_x, T = _simulate_bgnbd(30_000, **truth, seed=13)
    m = BetaGeo().fit(x, t_x, T)
    # the purchase process is recovered; a and b are then identified only through their
    # ratio (a Beta distribution squeezed against 0), which must say "almost nobody leaves"
    _within(m, {k: truth[k] for k in ("r", "alpha")})
    assert m.fitted_distribution()["mean_dropout"] < 0.05  # CDNOW shape: 0.25
    assert float(np.median(m.p_alive(x, t_x, T))) > 0.95


def test_pareto_nbd_near_zero_dropout():
    truth = {"r": 0.5533, "alpha": 10.578, "s": 0.5, "beta": 5000.0}  # mean lifetime ~10,000 weeks
    x, t_x, T = _simulate_pnbd(30_000, **truth, seed=14)
    m = ParetoNBD().fit(x, t_x, T)
    _within(m, {k: truth[k] for k in ("r", "alpha")})
    # almost nobody has left: P(alive) close to 1 for the typical customer
    assert float(np.median(m.p_alive(x, t_x, T))) > 0.95
