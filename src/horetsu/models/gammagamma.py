"""Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Fader & Hardie note).

A customer's transaction values are Gamma(p, ν) around a personal mean p/ν, with
ν ~ Gamma(q, γ) across customers.  The mean m̄ of x transactions then has density::

    f(m̄ | x) = Γ(px+q) / (Γ(px) Γ(q)) · γ^q (m̄x)^(px-1) x / (γ + m̄x)^(px+q)

Only customers with at least one repeat purchase and a positive mean spend
inform the fit; customers with zero spend (free orders, full refunds kept as
completed) are left out of the fit and get the population mean as expectation
when they have no repeat purchase.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, gammaln

from horetsu.errors import AnalysisError
from horetsu.models._suffstats import as_float, distinct, dot
from horetsu.models.base import BaseModel, blas_single_threaded


class GammaGamma(BaseModel):
    """Gamma-Gamma spend model. ``params_`` = {p, q, gamma}."""

    param_names = ("p", "q", "gamma")

    def _default_init(self) -> np.ndarray:
        return np.array([1.0, 1.0, 1.0])

    @blas_single_threaded
    def fit(self, frequency: Any, monetary: Any, weights: Any = None) -> "GammaGamma":
        """Fit on repeat buyers: ``frequency`` > 0 and ``monetary`` (mean repeat spend) > 0."""
        x = as_float("frequency", frequency)
        m = as_float("monetary", monetary)
        w = np.ones_like(x) if weights is None else as_float("weights", weights)
        if not (len(x) == len(m) == len(w)):
            raise AnalysisError("frequency and monetary must have the same length", ja="frequency と monetary の長さが違います")
        keep = (x > 0) & (m > 0) & (w > 0)
        if keep.sum() < 2:
            raise AnalysisError(
                "the Gamma-Gamma spend model needs repeat buyers with positive spend; there are fewer than 2",
                ja="Gamma-Gamma モデルには金額が正のリピート購入者が 2 人以上必要です",
            )
        x, m, w = x[keep], m[keep], w[keep]
        # collapse identical (x, m̄) rows
        (ux, um), inv = distinct(x, m)  # hashed: no sort of the pairs
        uw = np.bincount(inv.ravel(), weights=w, minlength=len(ux))
        log_mx = np.log(um * ux)

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            p, q, g = np.exp(theta)
            px = p * ux
            lgx = np.log(g + um * ux)
            ll = gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + (px - 1) * log_mx + np.log(ux) - (px + q) * lgx
            d_pxq = digamma(px + q)
            g_p = ux * (d_pxq - digamma(px) + log_mx - lgx)
            g_q = d_pxq - digamma(q) + np.log(g) - lgx
            g_g = q / g - (px + q) / (g + um * ux)
            grad = np.array([dot(uw, g_p) * p, dot(uw, g_q) * q, dot(uw, g_g) * g])
            return -dot(uw, ll), -grad

        params = self._optimise(nll, uw.sum())
        self._set_fitted(params, nll, uw.sum())
        self.n_excluded_ = int((~keep).sum())
        return self

    def expected_spend(self, frequency: Any, monetary: Any) -> np.ndarray:
        """Expected spend per transaction given x repeat purchases with mean spend m̄.

        Customers without repeat purchases (or with zero recorded spend) get the
        population mean pγ/(q-1).
        """
        par = self._check_fitted()
        p, q, g = par["p"], par["q"], par["gamma"]
        x, m = np.broadcast_arrays(np.asarray(frequency, dtype=float), np.asarray(monetary, dtype=float))
        x = np.where((x > 0) & (m > 0), x, 0.0)
        m = np.where(x > 0, m, 0.0)
        if q <= 1.0:
            raise AnalysisError(
                f"the fitted spend distribution has no finite mean (q = {q:.3g} <= 1)",
                ja=f"推定された金額分布の平均が有限ではありません (q = {q:.3g} <= 1)",
            )
        return (p * (g + x * m)) / (p * x + q - 1.0)

    def population_mean(self) -> float:
        """Mean spend per transaction across all customers, pγ/(q-1)."""
        return float(self.expected_spend(0.0, 0.0))
