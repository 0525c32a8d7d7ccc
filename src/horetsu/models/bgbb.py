"""BG/BB: beta-geometric / beta-Bernoulli, discrete-time buying (Fader, Hardie & Shang 2010).

For shops whose customers can buy only at fixed opportunities (a yearly catalogue, a
monthly 頒布会 shipment, an annual fair): while alive, a customer buys at each
opportunity with probability p ~ Beta(α, β) and dies before the next one with
probability θ ~ Beta(γ, δ).  For x purchases in n opportunities, the last at t_x::

    L = B(α+x, β+n-x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
        + Σ_{i=0}^{n-t_x-1} B(α+x, β+t_x-x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)

computed as a log-sum-exp over at most max(n - t_x) + 1 terms, vectorised over the
distinct (x, t_x, n) rows, with the analytic gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, gammaln

from horetsu.errors import AnalysisError
from horetsu.models._suffstats import as_float, distinct, dot
from horetsu.models.base import BaseModel, blas_single_threaded


def _check(frequency: Any, recency: Any, n_periods: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = as_float("frequency", frequency)
    t_x = as_float("recency", recency)
    n = as_float("n_periods", n_periods)
    if not (len(x) == len(t_x) == len(n)) or len(x) == 0:
        raise AnalysisError("frequency, recency and n_periods must be non-empty and of the same length",
                            ja="frequency・recency・n_periods は同じ長さで空でないものにしてください")
    whole = np.all(np.round(x) == x) and np.all(np.round(t_x) == t_x) and np.all(np.round(n) == n)
    if not whole or np.any(x < 0) or np.any(x > t_x) or np.any(t_x > n) or np.any((x == 0) & (t_x > 0)):
        raise AnalysisError(
            "BG/BB needs whole numbers with 0 <= frequency <= recency <= n_periods (recency 0 without purchases)",
            ja="BG/BB には 0 <= frequency <= recency <= n_periods の整数が必要です（購入なしなら recency は 0）",
        )
    return x, t_x, n


def _log_terms(alpha: float, beta: float, gamma: float, delta: float, x, t_x, n, k_max: int):
    """Log of each likelihood term, shape (k_max + 1, rows); unused slots are -inf."""
    base = betaln(alpha, beta) + betaln(gamma, delta)
    first = betaln(alpha + x, beta + n - x) + betaln(gamma, delta + n) - base
    i = np.arange(k_max)[:, None]
    used = i < (n - t_x)[None, :]
    with np.errstate(invalid="ignore"):
        rest = betaln(alpha + x, beta + t_x - x + i) + betaln(gamma + 1.0, delta + t_x + i) - base
    return np.vstack([first[None, :], np.where(used, rest, -np.inf)]), used


class BetaGeoBetaBinom(BaseModel):
    """BG/BB model. ``params_`` = {alpha, beta, gamma, delta}; time in opportunities (periods)."""

    param_names = ("alpha", "beta", "gamma", "delta")

    def _default_init(self) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0, 1.0])

    @staticmethod
    def _objective(x: np.ndarray, t_x: np.ndarray, n: np.ndarray, w: np.ndarray):
        k_max = int(np.max(n - t_x)) if len(n) else 0
        i = np.arange(k_max)[:, None]

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, b, g, d = np.exp(theta)
            terms, used = _log_terms(a, b, g, d, x, t_x, n, k_max)
            top = terms.max(axis=0)
            share = np.exp(terms - top)
            total = share.sum(axis=0)
            ll = top + np.log(total)
            share /= total  # softmax weight of each term
            s0, si = share[0], np.where(used, share[1:], 0.0)
            common_a = -digamma(a) + digamma(a + b)
            common_b = -digamma(b) + digamma(a + b)
            common_g = -digamma(g) + digamma(g + d)
            common_d = -digamma(d) + digamma(g + d)
            da = s0 * (digamma(a + x) - digamma(a + b + n)) + (si * (digamma(a + x) - digamma(a + b + t_x + i))).sum(0)
            db = s0 * (digamma(b + n - x) - digamma(a + b + n)) + (
                si * (digamma(np.maximum(b + t_x - x + i, 1e-300)) - digamma(a + b + t_x + i))).sum(0)
            dg = s0 * (digamma(g) - digamma(g + d + n)) + (si * (digamma(g + 1.0) - digamma(g + 1.0 + d + t_x + i))).sum(0)
            dd = s0 * (digamma(d + n) - digamma(g + d + n)) + (si * (digamma(d + t_x + i) - digamma(g + 1.0 + d + t_x + i))).sum(0)
            grad = np.array([
                (dot(w, da) + w.sum() * common_a) * a,
                (dot(w, db) + w.sum() * common_b) * b,
                (dot(w, dg) + w.sum() * common_g) * g,
                (dot(w, dd) + w.sum() * common_d) * d,
            ])
            return -dot(w, ll), -grad

        return nll

    @blas_single_threaded
    def fit(self, frequency: Any, recency: Any, n_periods: Any, weights: Any = None) -> "BetaGeoBetaBinom":
        """Fit on per-customer purchases, last purchase opportunity and number of opportunities."""
        x, t_x, n = _check(frequency, recency, n_periods)
        w = np.ones_like(x) if weights is None else as_float("weights", weights)
        (ux, ut, un), inv = distinct(x, t_x, n)
        uw = np.bincount(inv, weights=w, minlength=len(ux))
        objective = self._objective(ux, ut, un, uw)
        params = self._optimise(objective, uw.sum())
        self._set_fitted(params, objective, uw.sum())
        return self

    def _log_likelihood_rows(self, x, t_x, n) -> np.ndarray:
        p = self._check_fitted()
        k_max = int(np.max(n - t_x)) if np.size(n) else 0
        terms, _ = _log_terms(p["alpha"], p["beta"], p["gamma"], p["delta"], x, t_x, n, k_max)
        top = terms.max(axis=0)
        return top + np.log(np.exp(terms - top).sum(axis=0))

    def p_alive(self, frequency: Any, recency: Any, n_periods: Any) -> np.ndarray:
        """Probability of being alive at the next opportunity (period n + 1)."""
        p = self._check_fitted()
        shape = np.broadcast_shapes(np.shape(frequency), np.shape(recency), np.shape(n_periods))
        x, t_x, n = (np.broadcast_to(np.asarray(v, dtype=float), shape).ravel() for v in (frequency, recency, n_periods))
        a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
        log_alive = betaln(a + x, b + n - x) - betaln(a, b) + betaln(g, d + n + 1) - betaln(g, d)
        return np.exp(log_alive - self._log_likelihood_rows(x, t_x, n)).reshape(shape)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, n_periods: Any) -> np.ndarray:
        """Expected purchases in the next ``t`` opportunities given the history."""
        p = self._check_fitted()
        shape = np.broadcast_shapes(np.shape(t), np.shape(frequency), np.shape(recency), np.shape(n_periods))
        t, x, t_x, n = (np.broadcast_to(np.asarray(v, dtype=float), shape).ravel()
                        for v in (t, frequency, recency, n_periods))
        a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
        log_front = (betaln(a + x + 1.0, b + n - x) - betaln(a, b) - self._log_likelihood_rows(x, t_x, n)
                     + gammaln(g + d) - gammaln(1.0 + d))
        bracket = np.exp(gammaln(1.0 + d + n) - gammaln(g + d + n)) - np.exp(gammaln(1.0 + d + n + t) - gammaln(g + d + n + t))
        return (np.exp(log_front) * d / (g - 1.0) * bracket).reshape(shape)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases in the first ``t`` opportunities of a customer just acquired."""
        p = self._check_fitted()
        a, b, g, d = p["alpha"], p["beta"], p["gamma"], p["delta"]
        t = np.asarray(t, dtype=float)
        ratio = np.exp(gammaln(g + d) - gammaln(g + d + t) + gammaln(1.0 + d + t) - gammaln(1.0 + d))
        return a / (a + b) * d / (g - 1.0) * (1.0 - ratio)
