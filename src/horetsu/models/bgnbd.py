"""BG/NBD: beta-geometric / negative binomial distribution (Fader, Hardie & Lee 2005).

While alive a customer buys at Poisson rate λ ~ Gamma(r, α); after each purchase
the customer drops out with probability p ~ Beta(a, b).  For a customer with x
repeat purchases, the last at t_x, observed for T since the first purchase::

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x-1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))

The second term over the first is exp(d) with
d = log a - log(b+x-1) + (r+x)·(log(α+T) - log(α+t_x)), so
log L = common terms + softplus(d) and P(alive) = 1 / (1 + exp(d)).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from horetsu.models._suffstats import Collapsed, collapse, dot
from horetsu.models.base import BaseModel, blas_single_threaded


#: concentrations a + b tried, largest first, where 2F1 overflows (see expected_purchases)
CONCENTRATION_CAPS = (1e6, 3e5, 1e5, 3e4, 1e4, 3e3, 1e3, 3e2, 1e2)


def _expected_if_alive(r: float, a: float, b: float, x: np.ndarray, z: np.ndarray, k: float) -> np.ndarray:
    """E[purchases in (T, T+t]] before weighting by P(alive), with z = t / (alpha + T + t)."""
    # Euler's transformation keeps the hypergeometric factor bounded for heavy buyers (k = shift):
    # ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+k; a+b+x-1+k; z) = (1-z)^(a-1) 2F1(a+b-1+k-r, a-1; a+b+x-1+k; z)
    am1 = a - 1.0 if abs(a - 1.0) > 1e-9 else 1e-9
    with np.errstate(invalid="ignore", over="ignore"):
        tail = np.power(1.0 - z, am1) * hyp2f1(a + b - 1.0 + k - r, am1, a + b + x - 1.0 + k, z)
        return np.asarray((a + b + x - 1.0 + k) / am1 * (1.0 - tail), dtype=float)


def _log_odds_dead(r: float, alpha: float, a: float, b: float, x, t_x, T, shift: int = 0) -> np.ndarray:
    """d = log of (second likelihood term / first); for BG/NBD (shift 0) -inf when x == 0."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.log(a) - np.log(b + x - 1.0 + shift) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    return d if shift else np.where(x > 0, d, -np.inf)


class BetaGeo(BaseModel):
    """BG/NBD model. ``params_`` = {r, alpha, a, b}; time in the unit of the summary."""

    param_names = ("r", "alpha", "a", "b")
    #: 0 for BG/NBD; 1 for MBG/NBD, where a customer may also drop out right after the first purchase
    _shift = 0

    def _default_init(self) -> np.ndarray:
        return np.array([0.5, 5.0, 0.8, 2.5])

    # ------------------------------------------------------------ likelihood
    def _objective(self, c: Collapsed):
        k = float(self._shift)
        xv, tv, Tv = c.x_values, c.t_values, c.T_values
        w = c.w
        # weights summed per distinct x and per distinct T: terms that depend on one column only
        # are then dot products over distinct values, not over rows
        w_x = np.bincount(c.x_index, weights=w, minlength=len(xv))
        w_T = np.bincount(c.T_index, weights=w, minlength=len(Tv))
        wx_T = np.bincount(c.T_index, weights=w * c.x, minlength=len(Tv))
        w_all = float(w.sum())
        repeat = (xv > 0) | (k > 0)  # values of x with the "dropped out after the last purchase" branch
        xm1 = np.where(repeat, xv - 1.0 + k, 1.0)
        # rows are sorted by x, so the rows with that branch are one contiguous block
        first = 0 if k > 0 else int(np.searchsorted(c.x, 0.5))
        x, wr = c.x[first:], w[first:]
        xi, ti, Ti = c.x_index[first:], c.t_index[first:], c.T_index[first:]
        starts = np.flatnonzero(np.diff(xi, prepend=-1))  # where each x group begins
        x_of_group = xi[starts]

        def nll(theta: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = np.exp(theta)
            l_aT_u = np.log(alpha + Tv)
            l_at_u = np.log(alpha + tv)
            diff = l_aT_u[Ti] - l_at_u[ti]
            # d = log(a/(b+x-1+k)) + (r+x)(log(α+T) - log(α+t_x))
            d_x = np.log(a) - np.log(b + xm1)
            rx = r + x
            d = np.maximum(d_x[xi] + rx * diff, -700.0)
            # q = P(dropped out after the last purchase | data); softplus(d) = d - log q
            q = expit(d)
            soft = d - np.log(q)
            wq = wr * q
            per_x = gammaln(r + xv) - gammaln(r) + betaln(a, b + xv + k) - betaln(a, b)
            ll = dot(w_x, per_x) + w_all * r * np.log(alpha) - dot(r * w_T + wx_T, l_aT_u) + dot(wr, soft)
            inv_aT_u = 1.0 / (alpha + Tv)
            inv_at_u = 1.0 / (alpha + tv)
            wq_x = np.zeros(len(xv))
            wq_x[x_of_group] = np.add.reduceat(wq, starts) if len(wq) else 0.0
            g_r = dot(w_x, digamma(r + xv) - digamma(r)) + w_all * np.log(alpha) - dot(w_T, l_aT_u) + dot(wq, diff)
            g_alpha = (w_all * r / alpha - dot(r * w_T + wx_T, inv_aT_u)
                       + dot(wq * rx, inv_aT_u[Ti] - inv_at_u[ti]))
            g_a = dot(w_x, digamma(a + b) - digamma(a + b + xv + k)) + wq.sum() / a
            g_b = (dot(w_x, digamma(b + xv + k) - digamma(a + b + xv + k) - digamma(b) + digamma(a + b))
                   - dot(wq_x, np.where(repeat, 1.0 / (b + xm1), 0.0)))
            grad = np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
            return -float(ll), -grad

        return nll

    @blas_single_threaded
    def fit(self, frequency: Any, recency: Any, T: Any, weights: Any = None) -> "BetaGeo":
        """Fit on per-customer (frequency, recency, T); ``weights`` counts identical customers."""
        self._fit_collapsed(collapse(frequency, recency, T, weights))
        return self

    # ------------------------------------------------------------ predictions
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Probability that the customer has not dropped out by T."""
        p = self._check_fitted()
        x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (frequency, recency, T)))
        return expit(-_log_odds_dead(p["r"], p["alpha"], p["a"], p["b"], x, t_x, big_t, self._shift))

    def expected_purchases(self, t: Any, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """Expected number of purchases in (T, T+t] given the customer's history."""
        p = self._check_fitted()
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        t, x, t_x, big_t = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (t, frequency, recency, T)))
        k = self._shift
        z = t / (alpha + big_t + t)
        base = _expected_if_alive(r, a, b, x, z, k)
        bad = ~np.isfinite(base)
        # SciPy's 2F1 overflows when a + b is huge (the fit found almost no spread in the
        # drop-out probability). Beta(a, b) is then practically a point mass at a/(a+b):
        # evaluate those entries with the same mean and the largest concentration a + b
        # (from CONCENTRATION_CAPS) for which 2F1 is finite. The error is O(1/(a+b)).
        for cap in CONCENTRATION_CAPS:
            if not np.any(bad) or cap >= a + b:
                continue
            scale = cap / (a + b)
            base[bad] = _expected_if_alive(r, a * scale, b * scale, x[bad], z[bad], k)
            bad = ~np.isfinite(base)
        return base * expit(-_log_odds_dead(r, alpha, a, b, x, t_x, big_t, k))

    def expected_purchases_new(self, t: Any) -> np.ndarray:
        """Expected purchases in (0, t] of a customer just acquired (unconditional E[X(t)])."""
        t = np.asarray(t, dtype=float)
        zero = np.zeros_like(t)
        return self.expected_purchases(t, zero, zero, zero)

    def fitted_distribution(self) -> dict[str, float]:
        """Population means implied by the parameters (purchase rate, dropout probability)."""
        p = self._check_fitted()
        return {"mean_rate": p["r"] / p["alpha"], "mean_dropout": p["a"] / (p["a"] + p["b"])}
