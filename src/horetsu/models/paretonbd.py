"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); lifetimes are
exponential with rate μ ~ Gamma(s, β).  With G(t) from
:func:`horetsu.models.special.log_pnbd_tail` the likelihood is (Fader & Hardie
2005 note)::

    L = Γ(r+x) α^r β^s / Γ(r) · [ (α+T)^-(r+x) (β+T)^-s + s/(r+s+x) · (G(t_x) - G(T)) ]

evaluated as a log-sum-exp of two log terms; G and its gradient are computed
once per distinct (x, t) pair.  The gradient is analytic except for the
derivatives of the bounded series 2F1(1, b; c; z) with respect to b and c, which
are central differences (see :mod:`horetsu.models.special`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import digamma, expit, gammaln

from horetsu.models._suffstats import Collapsed, collapse, distinct, dot, logaddexp_and_share, matvec
from horetsu.models.base import BaseModel, blas_single_threaded
from horetsu.models.special import log1mexp, log_pnbd_tail, log_pnbd_tail_grad


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

    def _default_init(self) -> np.ndarray:
        return np.array([0.5, 10.0, 0.5, 10.0])

    @staticmethod
    def _objective(c: Collapsed):
        # Everything but the final log-sum-exp depends on a distinct (x, t_x) or (x, T) pair,
        # so the gradient is assembled from per-row weights summed per pair (bincount).
        (xt, tt), inv_t = distinct(c.x, c.t_x)
        (xT, TT), inv_T = distinct(c.x, c.T)
        xv, xi, w = c.x_values, c.x_index, c.w
        w_x = np.bincount(xi, weights=w, minlength=len(xv))
        n_t, n_T = len(xt), len(xT)

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, s, beta = np.exp(theta)
            per_x = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            la_T, lb_T = np.log(alpha + TT), np.log(beta + TT)
            alive_T = -(r + xT) * la_T - s * lb_T
            # log s/(r+s+x), folded into both tails
            shift_t = np.log(s) - np.log(r + s + xt)
            shift_T = np.log(s) - np.log(r + s + xT)
            g_t, dg_t = log_pnbd_tail_grad(r, alpha, s, beta, xt, tt)
            g_T, dg_T = log_pnbd_tail_grad(r, alpha, s, beta, xT, TT)
            g_t = g_t + shift_t
            g_T = g_T + shift_T
            gt_row = g_t[inv_t]
            u = np.minimum(g_T[inv_T] - gt_row, 0.0)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                em1 = np.expm1(-u)  # 1/ρ with ρ = e^u / (1 - e^u); 0 when t_x = T
                # log(1 - e^u) = log(e^-u - 1) + u, accurate near 0; ≈ -e^u far below
                died = gt_row + np.where(u < -30.0, -np.exp(u), np.log(em1) + u)
                ll_rows, p_alive = logaddexp_and_share(alive_T[inv_T], died)
                wd = w * (1.0 - p_alive)
                rho = np.where(em1 > 0, 1.0 / em1, 0.0)
            ll = dot(w_x, per_x) + dot(w, ll_rows)
            # per-pair weights of d(alive), d(g_t) and d(g_T)
            c_alive = np.bincount(inv_T, weights=w * p_alive, minlength=n_T)
            c_t = np.bincount(inv_t, weights=wd * (1.0 + rho), minlength=n_t)
            c_T = np.bincount(inv_T, weights=wd * rho, minlength=n_T)
            d_shift_t = np.stack([-1.0 / (r + s + xt), 0 * xt, 1.0 / s - 1.0 / (r + s + xt), 0 * xt])
            d_shift_T = np.stack([-1.0 / (r + s + xT), 0 * xT, 1.0 / s - 1.0 / (r + s + xT), 0 * xT])
            d_alive = np.stack([-la_T, -(r + xT) / (alpha + TT), -lb_T, -s / (beta + TT)])
            d_per_x = np.array([
                dot(w_x, digamma(r + xv) - digamma(r)) + w_x.sum() * np.log(alpha),
                w_x.sum() * r / alpha,
                w_x.sum() * np.log(beta),
                w_x.sum() * s / beta,
            ])
            grad = d_per_x + matvec(d_alive, c_alive) + matvec(dg_t + d_shift_t, c_t) - matvec(dg_T + d_shift_T, c_T)
            return -float(ll), -grad * np.array([r, alpha, s, beta])

        return nll

    @blas_single_threaded
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> "ParetoNBD":
        """Fit on per-customer (frequency, recency, T); ``weights`` counts identical customers."""
        self._fit_collapsed(collapse(frequency, recency, T, weights))
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
