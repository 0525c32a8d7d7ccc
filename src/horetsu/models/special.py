"""Special functions the models need, computed in log space so they never overflow.

The Pareto/NBD likelihood contains the integral

    A(t) = ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ
         = (m+t)^-(r+s+x) · 2F1(r+s+x, b'; r+s+x+1; |α-β|/(m+t)) / (r+s+x)

with m = max(α, β) and b' = s+1 when α ≥ β, else r+x (Fader & Hardie, "A note on
deriving the Pareto/NBD model and related expressions", 2005).  For heavy buyers
or long histories the hypergeometric factor and the power both explode while their
product stays small, which is where naive code returns inf or NaN.

Euler's transformation 2F1(a, b; c; z) = (1-z)^(c-a-b) 2F1(c-a, c-b; c; z) with
c = a+1 turns it into (1-z)^(1-b') · 2F1(1, c-b'; c; z).  That second series has
positive terms bounded by z^n, so its value lies in [1, 1/(1-z)]: its logarithm is
always finite.  Everything else is kept as a sum of logarithms.
"""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

__all__ = ["log1mexp", "log_pnbd_tail", "log_hyp2f1_one"]


def log1mexp(u: np.ndarray) -> np.ndarray:
    """log(1 - exp(u)) for u <= 0, accurate near 0 and for very negative u (Mächler 2012)."""
    u = np.minimum(np.asarray(u, dtype=float), 0.0)
    with np.errstate(divide="ignore"):
        return np.where(u > -np.log(2.0), np.log(-np.expm1(u)), np.log1p(-np.exp(u)))


def log_hyp2f1_one(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(1, b; c; z) for 0 <= z < 1 and 0 < b <= c (a positive, bounded series)."""
    return np.log(hyp2f1(1.0, b, c, z))


def log_pnbd_tail(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """log of G(t) = (r+s+x) · A(t), the Pareto/NBD tail integral times (r+s+x).

    Written per case so that every power is a logarithm:

    - α ≥ β: -(r+x)·log(α+t) - s·log(β+t) + log 2F1(1, r+x; r+s+x+1; (α-β)/(α+t))
    - α < β: -(s+1)·log(β+t) - (r+x-1)·log(α+t) + log 2F1(1, s+1; r+s+x+1; (β-α)/(β+t))

    Where z exceeds Z_SPLIT_VALUE the series is slow and SciPy can overflow (heavy buyers): those
    entries are computed as in :func:`log_pnbd_tail_grad` (series at z = Z_SPLIT plus quadrature).
    """
    x, t = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(t, dtype=float))
    far = (abs(alpha - beta) / (max(alpha, beta) + t)) > Z_SPLIT_VALUE
    if np.any(far):
        out = np.empty(x.shape)
        out[~far] = _log_tail_series(r, alpha, s, beta, x[~far], t[~far])
        out[far] = _log_tail_grad_split(r, alpha, s, beta, x[far], t[far], min(alpha, beta), max(alpha, beta),
                                        with_grad=False)[0]
        return out
    return _log_tail_series(r, alpha, s, beta, x, t)


def _log_tail_series(r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    c = r + s + x + 1.0
    la = np.log(alpha + t)
    lb = np.log(beta + t)
    if alpha >= beta:
        z = (alpha - beta) / (alpha + t)
        return -(r + x) * la - s * lb + log_hyp2f1_one(r + x, c, z)
    z = (beta - alpha) / (beta + t)
    return -(s + 1.0) * lb - (r + x - 1.0) * la + log_hyp2f1_one(np.full_like(x, s + 1.0), c, z)


def _dlog_hyp2f1_one(
    b: np.ndarray, c: np.ndarray, z: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """log 2F1(1, b; c; z) and its partial derivatives with respect to b, c and z.

    d/dz is exact (d/dz 2F1(1,b;c;z) = b/c · 2F1(2, b+1; c+1; z)); d/db and d/dc are
    five-point central differences of the logarithm of the bounded series (step 2e-4
    relative: truncation error O(h^4) and rounding error ~1e-12; checked against mpmath to
    1e-9 at z within 1e-5 of 1).  A two-point difference with a step small enough for its
    truncation error has a rounding noise of 1e-10, which left Newton steps wandering at the
    optimum of large fits.
    """
    f = hyp2f1(1.0, b, c, z)
    log_f = np.log(f)

    def diff(fn, v: np.ndarray) -> np.ndarray:
        h = np.minimum(2e-4 * np.maximum(v, 1.0), v / 4.0)
        return (8.0 * (fn(h) - fn(-h)) - (fn(2 * h) - fn(-2 * h))) / (12.0 * h)

    d_b = diff(lambda h: np.log(hyp2f1(1.0, b + h, c, z)), b)
    d_c = diff(lambda h: np.log(hyp2f1(1.0, b, c + h, z)), c)
    d_z = b / c * hyp2f1(2.0, b + 1.0, c + 1.0, z) / f
    return log_f, d_b, d_c, d_z


#: above this argument the series 2F1(1, b; c; z) converges slowly (hundreds of microseconds
#: per value near z = 1 in SciPy): the tail is then split at the point where z = Z_SPLIT
Z_SPLIT = 0.5
#: the same for values without gradients (predictions over every customer): SciPy's series is
#: still fast and accurate to 0.9, and quadrature per customer costs more
Z_SPLIT_VALUE = 0.9
#: Gauss-Legendre rule used on each panel of the split-off part of the integral
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
#: widest panel, in log(min(α, β) + τ) (the integrand is analytic within π of the real axis)
PANEL_WIDTH = 0.5


def log_pnbd_tail_grad(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log G(t) (see :func:`log_pnbd_tail`) and its gradient, shape (4, n), in (r, alpha, s, beta).

    Where the hypergeometric argument z = |α-β| / (max(α, β) + t) exceeds Z_SPLIT (t small
    against |α-β|: the near-zero-dropout shape, or very unequal α and β), the integral is split
    at t1 with z(t1) = Z_SPLIT, where min(α, β) + t1 = |α-β|:

        A(t) = A(t1) + ∫_t^t1 (α+τ)^-(r+x) (β+τ)^-(s+1) dτ,

    the first part by the series (fast at z = Z_SPLIT), the second by Gauss-Legendre panels in
    log(min(α, β) + τ), with the gradient differentiated under the integral (the terms from
    t1's dependence on α and β cancel).  The cost per value is then bounded whatever the data.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    big, small = max(alpha, beta), min(alpha, beta)
    far = (abs(alpha - beta) / (big + t)) > Z_SPLIT
    if np.any(far):
        value, grad = np.empty(len(x)), np.empty((4, len(x)))
        near = ~far
        value[near], grad[:, near] = _log_tail_grad_series(r, alpha, s, beta, x[near], t[near])
        value[far], grad[:, far] = _log_tail_grad_split(r, alpha, s, beta, x[far], t[far], small, big)
        return value, grad
    return _log_tail_grad_series(r, alpha, s, beta, x, t)


#: entries per block of the split computation (bounds its memory: block × points × 8 bytes)
SPLIT_BLOCK = 4096


def _log_tail_grad_split(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray, small: float, big: float,
    with_grad: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """log G (and its gradient) where z > Z_SPLIT, in blocks of SPLIT_BLOCK entries."""
    if len(x) <= SPLIT_BLOCK:
        return _split_block(r, alpha, s, beta, x, t, small, big, with_grad)
    value = np.empty(len(x))
    grad = np.empty((4, len(x))) if with_grad else None
    for lo in range(0, len(x), SPLIT_BLOCK):
        part = slice(lo, lo + SPLIT_BLOCK)
        v, g = _split_block(r, alpha, s, beta, x[part], t[part], small, big, with_grad)
        value[part] = v
        if grad is not None:
            grad[:, part] = g
    return value, grad


def _split_block(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray, small: float, big: float,
    with_grad: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Series at t1 plus quadrature over [t, t1] (see :func:`log_pnbd_tail_grad`)."""
    gap = big - small
    t1 = np.full_like(t, gap * (1.0 / Z_SPLIT) - big)  # z(t1) = Z_SPLIT, i.e. small + t1 = gap / Z_SPLIT - gap
    if with_grad:
        v1, g1 = _log_tail_grad_series(r, alpha, s, beta, x, t1)
    else:
        v1, g1 = _log_tail_series(r, alpha, s, beta, x, t1), None
    k = r + s + x
    # A(t1) = G(t1) / k and its gradient (G's gradient minus that of log k)
    d_logk = np.stack([1.0 / k, 0.0 * k, 1.0 / k, 0.0 * k])
    u0, u1 = np.log(small + t), np.log(small + t1)
    # the log-integrand is concave in u; where it falls at u0 with slope -λ it is below
    # e^-40 of its start after 40/λ: integrate to there only, in panels of at most 2.5/λ
    e0 = small + t
    slope = 1.0 - (r + x) * e0 / (e0 + (alpha - small)) - (s + 1.0) * e0 / (e0 + (beta - small))
    lam = np.maximum(-slope, 0.0)
    with np.errstate(divide="ignore"):
        length = np.minimum(u1 - u0, np.where(lam > 0, 40.0 / lam, np.inf))
        width = np.minimum(PANEL_WIDTH, np.where(lam > 0, 2.5 / lam, np.inf))
    ratio = length / width
    ratio = ratio[np.isfinite(ratio)]  # non-finite entries (parameters far out of range) stay NaN
    n_panels = min(1000, max(1, int(np.ceil(float(np.max(ratio)))) if ratio.size else 1))
    h = length / n_panels
    # points: (entries, panels * 8)
    offs = (np.arange(n_panels)[:, None] + (_GL_X[None, :] + 1.0) / 2.0).ravel()
    wts = np.tile(_GL_W / 2.0, n_panels)
    u = u0[:, None] + h[:, None] * offs[None, :]
    e_u = np.exp(u)
    la = np.log(e_u + (alpha - small))
    lb = np.log(e_u + (beta - small))
    lf = -(r + x)[:, None] * la - (s + 1.0) * lb + u  # log of integrand times d tau / du
    ref = np.maximum(np.max(lf, axis=1), v1 - np.log(k))  # common scale of both parts
    f = np.exp(lf - ref[:, None]) * (wts[None, :] * h[:, None])
    j = f.sum(axis=1)
    a1 = np.exp(v1 - np.log(k) - ref)
    total = a1 + j
    value = np.log(k) + ref + np.log(total)
    if not with_grad:
        return value, None
    d_j = np.stack([
        -(f * la).sum(axis=1),
        -(r + x) * (f / (e_u + (alpha - small))).sum(axis=1),
        -(f * lb).sum(axis=1),
        -(s + 1.0) * (f / (e_u + (beta - small))).sum(axis=1),
    ])
    grad = d_logk + (a1 * (g1 - d_logk) + d_j) / total
    return value, grad


def _log_tail_grad_series(
    r: float, alpha: float, s: float, beta: float, x: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log G and its gradient from the series 2F1(1, b; c; z) (fast for z up to about Z_SPLIT)."""
    c = r + s + x + 1.0
    la = np.log(alpha + t)
    lb = np.log(beta + t)
    if alpha >= beta:
        b_ = r + x
        z = (alpha - beta) / (alpha + t)
        log_f, d_b, d_c, d_z = _dlog_hyp2f1_one(b_, c, z)
        value = -(r + x) * la - s * lb + log_f
        grad = np.stack([
            -la + d_b + d_c,
            -(r + x) / (alpha + t) + d_z * (beta + t) / (alpha + t) ** 2,
            -lb + d_c,
            -s / (beta + t) - d_z / (alpha + t),
        ])
    else:
        b_ = np.full_like(x, s + 1.0)
        z = (beta - alpha) / (beta + t)
        log_f, d_b, d_c, d_z = _dlog_hyp2f1_one(b_, c, z)
        value = -(s + 1.0) * lb - (r + x - 1.0) * la + log_f
        grad = np.stack([
            -la + d_c,
            -(r + x - 1.0) / (alpha + t) - d_z / (beta + t),
            -lb + d_b + d_c,
            -(s + 1.0) / (beta + t) + d_z * (alpha + t) / (beta + t) ** 2,
        ])
    return value, grad
