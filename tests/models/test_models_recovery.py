"""Recovering known parameters: the sample shop (horetsu.sample) and a simulated Pareto/NBD population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from horetsu.models import BetaGeo, GammaGamma, ParetoNBD, rfm_summary


@pytest.fixture(scope="module")
def sample_shop(tmp_path_factory):
    from horetsu.sample import generate

    info = generate(tmp_path_factory.mktemp("shop"), customers=20000, seed=0)
    orders = pd.read_csv(info.files[[f.name for f in info.files].index("orders.csv")], dtype=str)
    # the simulator's BG/NBD covers completed one-off orders (see SampleInfo.params["notes"])
    orders = orders[(orders["status"] == "completed") & orders["subscription_id"].isna()].copy()
    orders["day"] = pd.to_datetime(orders["ordered_at"].str[:10]).dt.date  # JST calendar day
    orders["amount"] = orders["amount"].astype(float)
    summary = rfm_summary(orders, "customer_id", "day", "amount", calibration_end=info.params["end"][:10])
    return info.params, summary


def _within(fitted, truth, n_se: float = 3.0):
    for name, true_value in truth.items():
        est, se = fitted.params_[name], fitted.standard_errors_[name]
        assert abs(est - true_value) < n_se * se, f"{name}: {est:.4g} ± {se:.2g} vs true {true_value}"


def test_bgnbd_recovers_the_sample_shop(sample_shop):
    params, s = sample_shop
    m = BetaGeo().fit(s["frequency"], s["recency"], s["T"])
    _within(m, params["bgnbd"])


def test_gammagamma_recovers_the_sample_shop(sample_shop):
    params, s = sample_shop
    m = GammaGamma().fit(s["frequency"], s["monetary"])
    _within(m, params["gamma_gamma"])
    t = params["gamma_gamma"]
    assert m.population_mean() == pytest.approx(t["p"] * t["gamma"] / (t["q"] - 1), rel=0.05)


def simulate_pareto_nbd(n, r, alpha, s, beta, seed=0):
    """Draw (x, t_x, T) from the Pareto/NBD story, vectorised."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    T = rng.uniform(26.0, 78.0, n)
    alive_for = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * alive_for)
    # the last of x uniform arrival times on [0, alive_for] is alive_for * Beta(x, 1)
    t_x = np.where(x > 0, alive_for * rng.beta(np.maximum(x, 1), 1.0), 0.0)
    return x, np.round(t_x * 7) / 7, np.round(T * 7) / 7


def test_paretonbd_recovers_simulated_parameters():
    truth = {"r": 0.6, "alpha": 8.0, "s": 0.8, "beta": 15.0}
    x, t_x, T = simulate_pareto_nbd(30000, **truth)
    m = ParetoNBD().fit(x, t_x, T)
    _within(m, truth, n_se=3.5)


def test_weights_equal_repeated_rows():
    x, t_x, T = simulate_pareto_nbd(3000, 0.6, 8.0, 0.8, 15.0, seed=2)
    df = pd.DataFrame({"x": x, "t": t_x, "T": T})
    grouped = df.groupby(["x", "t", "T"]).size().reset_index(name="n")
    assert len(grouped) < len(df)
    full = BetaGeo().fit(df["x"], df["t"], df["T"])
    weighted = BetaGeo().fit(grouped["x"], grouped["t"], grouped["T"], weights=grouped["n"])
    for k in full.params_:
        assert weighted.params_[k] == pytest.approx(full.params_[k], rel=1e-5)
    assert weighted.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-9)


def test_large_data_path_reaches_the_same_optimum(monkeypatch):
    """The subsample-then-Newton path (many distinct rows) and plain L-BFGS-B agree."""
    from horetsu.models import base

    x, t_x, T = simulate_pareto_nbd(20000, 0.6, 8.0, 0.8, 15.0, seed=5)
    monkeypatch.setattr(base, "WARM_START_ROWS", 2000)
    fast = BetaGeo().fit(x, t_x, T)
    assert fast.n_distinct_ > 2000
    monkeypatch.setattr(base, "WARM_START_ROWS", 10**9)
    plain = BetaGeo().fit(x, t_x, T)
    for k in plain.params_:
        assert fast.params_[k] == pytest.approx(plain.params_[k], rel=2e-5)
        assert fast.standard_errors_[k] == pytest.approx(plain.standard_errors_[k], rel=1e-2)
    assert fast.log_likelihood_ >= plain.log_likelihood_ - 1e-6
    # fractional weights cannot be thinned: the fit falls back to the plain path
    monkeypatch.setattr(base, "WARM_START_ROWS", 2000)
    halves = BetaGeo().fit(x, t_x, T, weights=np.full(len(x), 0.4))
    assert halves.params_ == pytest.approx(plain.params_, rel=1e-4)
