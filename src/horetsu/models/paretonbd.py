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

from horetsu.models._suffstats import Collapsed, collapse, dot
from horetsu.models.base import BaseModel, blas_single_threaded
from horetsu.models._tails import TailTable
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
    _large_sample_restart = True

    def _default_init(self) -> np.ndarray:
        return np.array([0.5, 10.0, 0.5, 10.0])

    @staticmethod
    def _objective(c: Collapsed):
        # Per collapsed row: the two tails log G(x, t_x) and log G(x, T) come from tables that
        # interpolate them in t (see horetsu.models._tails), their gradients through the
        # tables' adjoints; terms of one column (x or T) are computed per distinct value.
        xv, xi, w = c.x_values, c.x_index, c.w
        Tv, Ti = c.T_values, c.T_index
        x = c.x
        tmax = float(c.T.max())
        tab_t, tab_T = TailTable(x, c.t_x, tmax), TailTable(x, c.T, tmax)
        # rows are grouped by x: per-x sums are segment sums; with continuous times every row
        # has its own T (T_index is the identity) and per-T terms need no gather or scatter
        starts = np.flatnonzero(np.r_[True, xi[1:] != xi[:-1]])
        x_of_group = xi[starts]
        t_identity = len(Tv) == len(w) and bool(np.all(Ti == np.arange(len(w))))

        def sum_x(v: np.ndarray) -> np.ndarray:
            out = np.zeros(len(xv))
            out[x_of_group] = np.add.reduceat(v, starts)
            return out

        def by_T(v: np.ndarray) -> np.ndarray:
            return v if t_identity else v[Ti]

        def sum_T(v: np.ndarray) -> np.ndarray:
            return v if t_identity else np.bincount(Ti, weights=v, minlength=len(Tv))

        w_x = sum_x(w)
        n_w = float(w.sum())

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, s, beta = np.exp(theta)
            per_x = gammaln(r + xv) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
            la_u, lb_u = np.log(alpha + Tv), np.log(beta + Tv)
            # log s/(r+s+x), folded into both tails
            shift = (np.log(s) - np.log(r + s + xv))[xi]
            g_t, state_t = tab_t.evaluate(r, alpha, s, beta)
            g_T, state_T = tab_T.evaluate(r, alpha, s, beta)
            g_t += shift
            # with a = alive - g_t and u = g_T - g_t <= 0 the row's likelihood is
            # e^g_t · D, D = e^a + 1 - e^u (the second part, 1 - e^u, is the died-in-(t_x, T]
            # term, written with expm1 so that it stays accurate when t_x is close to T),
            # and the weights of the three log terms in the gradient are e^a/D, 1/D, e^u/D
            la_T = by_T(la_u)
            a = by_T(-r * la_u - s * lb_u) - g_t
            a -= x * la_T
            u = g_T
            u += shift
            u -= g_t
            np.minimum(u, 0.0, out=u)
            m = np.maximum(a, 0.0)  # factor e^m out so that nothing overflows
            e_a = np.exp(a - m)
            e_m = np.exp(-m)
            d = e_a - np.expm1(u) * e_m
            ll = dot(w_x, per_x) + dot(w, g_t + m + np.log(d))
            wd = w / d
            c_alive = wd * e_a
            c_t = wd * e_m  # weight of d log G(t_x)
            c_T = c_t * np.exp(u)  # weight of d log G(T)
            ca_T = sum_T(c_alive)
            cax_T = sum_T(c_alive * x)
            wd_x = sum_x(c_t - c_T)  # the shift's weight
            d_shift = dot(wd_x, 1.0 / (r + s + xv))
            grad = np.array([
                dot(w_x, digamma(r + xv) - digamma(r)) + n_w * np.log(alpha) - d_shift - dot(ca_T, la_u),
                n_w * r / alpha - dot(r * ca_T + cax_T, 1.0 / (alpha + Tv)),
                n_w * np.log(beta) + wd_x.sum() / s - d_shift - dot(ca_T, lb_u),
                n_w * s / beta - s * dot(ca_T, 1.0 / (beta + Tv)),
            ])
            grad += tab_t.vjp(state_t, c_t) - tab_T.vjp(state_T, c_T)
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
