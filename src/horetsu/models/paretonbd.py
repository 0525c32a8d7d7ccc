"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); lifetimes are
exponential with rate μ ~ Gamma(s, β).  With G(t) from
:func:`horetsu.models.special.log_pnbd_tail` the likelihood is (Fader & Hardie
2005 note)::

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · (G(t_x) - G(T)) ]

evaluated as a log-sum-exp of two log terms; G is computed once per distinct
(x, t) pair.  There is no closed-form gradient (it would need derivatives of 2F1
with respect to its parameters), so the optimiser uses finite differences of this
cheap objective.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, gammaln

from horetsu.models._suffstats import Collapsed, collapse, distinct
from horetsu.models.base import BaseModel
from horetsu.models.special import log1mexp, log_pnbd_tail


def _log_terms(r: float, alpha: float, s: float, beta: float, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """(log of the 'alive at T' term, log of the 'died in (t_x, T]' term), without common factors."""
    x = np.asarray(x, dtype=float)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    g_tx = log_pnbd_tail(r, alpha, s, beta, x, t_x)
    g_T = log_pnbd_tail(r, alpha, s, beta, x, T)
    died = np.log(s) - np.log(r + s + x) + g_tx + log1mexp(g_T - g_tx)
    return alive, died


class ParetoNBD(BaseModel):
    """Pareto/NBD model. ``params_`` = {r, alpha, s, beta}; time in the unit of the summary."""

    param_names = ("r", "alpha", "s", "beta")
    analytic_gradient = False

    def _default_init(self) -> np.ndarray:
        return np.array([0.5, 10.0, 0.5, 10.0])

    @staticmethod
    def _objective(c: Collapsed):
        # Everything but the final log-sum-exp depends on a distinct (x, t_x) or (x, T) pair
        (xt, tt), inv_t = distinct(c.x, c.t_x)
        (xT, TT), inv_T = distinct(c.x, c.T)
        xv, xi, w = c.x_values, c.x_index, c.w
        w_x = np.bincount(xi, weights=w, minlength=len(xv))

        def nll(theta: np.ndarray) -> tuple[float, None]:
            r, alpha, s, beta = np.exp(theta)
            per_x = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            alive_T = -(r + xT) * np.log(alpha + TT) - s * np.log(beta + TT)
            shift_t = np.log(s) - np.log(r + s + xt)  # log s/(r+s+x) folded into both tails
            g_tx = (log_pnbd_tail(r, alpha, s, beta, xt, tt) + shift_t)[inv_t]
            g_T = (log_pnbd_tail(r, alpha, s, beta, xT, TT) + np.log(s) - np.log(r + s + xT))[inv_T]
            # log(1 - exp(u)) in one pass: its absolute error is what matters once added to g_tx
            u = np.minimum(g_T - g_tx, 0.0)
            with np.errstate(divide="ignore"):
                died = g_tx + np.log(-np.expm1(u))
            ll = w_x @ per_x + w @ np.logaddexp(alive_T[inv_T], died)
            return -float(ll), None

        return nll

    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> "ParetoNBD":
        """Fit on per-customer (frequency, recency, T); ``weights`` counts identical customers."""
        c = collapse(frequency, recency, T, weights)
        objective = self._objective(c)
        params = self._optimise(lambda th: objective(th), c.n_customers)
        self._set_fitted(params, objective, c.n_customers)
        self.n_distinct_ = len(c.w)
        return self

    # ------------------------------------------------------------ predictions
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Probability that the customer is still alive at T."""
        p = self._check_fitted()
        x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (frequency, recency, T)))
        alive, died = _log_terms(p["r"], p["alpha"], p["s"], p["beta"], x, t_x, big_t)
        return expit(alive - died)

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected number of purchases in (T, T+t] given the customer's history."""
        p = self._check_fitted()
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        t, x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, frequency, recency, T)))
        sm1 = s - 1.0 if abs(s - 1.0) > 1e-9 else 1e-9
        # (1 - ((β+T)/(β+T+t))^(s-1)) / (s-1), written with expm1 for accuracy
        frac = -np.expm1(sm1 * (np.log(beta + big_t) - np.log(beta + big_t + t))) / sm1
        rate = (r + x) * (beta + big_t) / (alpha + big_t)
        return rate * frac * self.p_alive(x, t_x, big_t)

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases in (0, t] of a customer just acquired (unconditional E[X(t)])."""
        p = self._check_fitted()
        r, alpha, s, beta = p["r"], p["alpha"], p["s"], p["beta"]
        t = np.asarray(t, dtype=float)
        sm1 = s - 1.0 if abs(s - 1.0) > 1e-9 else 1e-9
        return r * beta / alpha * (-np.expm1(sm1 * (np.log(beta) - np.log(beta + t)))) / sm1
