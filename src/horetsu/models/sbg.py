"""Shifted-beta-geometric model of contractual retention (Fader & Hardie 2007).

Each subscriber churns at the end of every period with probability θ ~ Beta(α, β)::

    P(T = t) = B(α+1, β+t-1) / B(α, β)       (churn in period t = 1, 2, ...)
    S(t)     = B(α, β+t) / B(α, β)           (still subscribed after t periods)
    r(t)     = S(t) / S(t-1) = (β+t-1) / (α+β+t-1)

Fitted on the survivor counts of one cohort, n_0 (cohort size), n_1, ..., n_k.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma

from horetsu.errors import AnalysisError
from horetsu.models._suffstats import as_float
from horetsu.models.base import BaseModel, blas_single_threaded


class ShiftedBetaGeometric(BaseModel):
    """sBG model for 定期購入 (subscriptions). ``params_`` = {alpha, beta}."""

    param_names = ("alpha", "beta")

    @blas_single_threaded
    def fit(self, survivors: Any) -> "ShiftedBetaGeometric":
        """Fit on survivors per period, starting with the cohort size (non-increasing counts)."""
        n = as_float("survivors", survivors)
        if len(n) < 2 or n[0] <= 0 or np.any(np.diff(n) > 0) or np.any(n < 0):
            raise AnalysisError(
                "survivors must start with the cohort size and never increase (at least two periods)",
                ja="survivors は契約者数から始まり、増えてはいけません（2 期以上）",
            )
        k = len(n) - 1
        t = np.arange(1, k + 1, dtype=float)
        lost = n[:-1] - n[1:]
        left = n[-1]

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            a, b = np.exp(theta)
            base = betaln(a, b)
            lp = betaln(a + 1.0, b + t - 1.0) - base
            ls = betaln(a, b + k) - base
            d_ab = digamma(a + b)
            # d/da and d/db of log P(T=t) and log S(k)
            dp_a = digamma(a + 1.0) - digamma(a + b + t) - digamma(a) + d_ab
            dp_b = digamma(b + t - 1.0) - digamma(a + b + t) - digamma(b) + d_ab
            ds_a = digamma(a) - digamma(a + b + k) - digamma(a) + d_ab
            ds_b = digamma(b + k) - digamma(a + b + k) - digamma(b) + d_ab
            ll = lost @ lp + left * ls
            grad = np.array([(lost @ dp_a + left * ds_a) * a, (lost @ dp_b + left * ds_b) * b])
            return -float(ll), -grad

        params = self._optimise(nll, n[0])
        self._set_fitted(params, nll, n[0])
        return self

    def survival(self, t: Any) -> np.ndarray:
        """Share of the cohort still subscribed after t periods, S(t)."""
        p = self._check_fitted()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(p["alpha"], p["beta"] + t) - betaln(p["alpha"], p["beta"]))

    def retention(self, t: Any) -> np.ndarray:
        """Retention rate in period t (t >= 1): S(t) / S(t-1)."""
        p = self._check_fitted()
        t = np.asarray(t, dtype=float)
        return (p["beta"] + t - 1.0) / (p["alpha"] + p["beta"] + t - 1.0)

    def churn_probability(self, t: Any) -> np.ndarray:
        """Probability of cancelling in period t, P(T = t)."""
        p = self._check_fitted()
        t = np.asarray(t, dtype=float)
        return np.exp(betaln(p["alpha"] + 1.0, p["beta"] + t - 1.0) - betaln(p["alpha"], p["beta"]))

    def expected_lifetime(self, periods: int) -> float:
        """Expected number of paid periods out of the next ``periods`` (sum of S(t), t=0..periods-1)."""
        return float(self.survival(np.arange(periods)).sum())
