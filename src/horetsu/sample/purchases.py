"""One-off orders: first purchase, then BG/NBD repeat timing and Gamma-Gamma spend.

The simulation is exact in continuous time.  For buyer i with first purchase at t0
and T = end - t0 weeks: lambda ~ Gamma(r, alpha), p ~ Beta(a, b), the number of
repeat purchases before dropping out K ~ Geometric(p) (dropout happens right after
the K-th repeat), N ~ Poisson(lambda T) arrivals in (0, T] placed as sorted uniforms,
and the observed repeats are the first min(K, N) arrivals.
"""

from __future__ import annotations

import numpy as np

from horetsu.sample import catalogue
from horetsu.sample._arrays import pick_in_groups, rank_in_segment
from horetsu.sample.params import HORIZON_WEEKS, BGNBD, GammaGamma, Population

COUPONS: tuple[str, ...] = ("", "WELCOME500", "REPEAT10")


def products_by_category(subscribable: bool = False) -> list[np.ndarray]:
    cat = catalogue.arrays()
    ok = cat["sub_price"] > 0 if subscribable else np.ones(len(cat["sku"]), bool)
    return [np.flatnonzero((cat["category"] == k) & ok) for k in range(len(catalogue.CATEGORIES))]


def draw(
    rng: np.random.Generator,
    cust: dict[str, np.ndarray],
    bg: BGNBD,
    gg: GammaGamma,
    pop: Population,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Return (one-off orders, per-buyer truth).  Orders are not yet sorted by time."""
    buyers = np.flatnonzero(cust["is_buyer"])
    nb = len(buyers)
    t0 = cust["first_purchase"][buyers]
    T = HORIZON_WEEKS - t0
    lam = rng.gamma(bg.r, 1.0 / bg.alpha, nb)
    p = rng.beta(bg.a, bg.b, nb)
    K = rng.geometric(p)
    N = rng.poisson(lam * T)
    X = np.minimum(K, N)

    owner = np.repeat(np.arange(nb), N)
    u = rng.random(len(owner))
    u = u[np.argsort(owner + u, kind="stable")]  # sorted within each buyer
    keep = rank_in_segment(owner, N) < X[owner]
    rep_owner = owner[keep]
    rep_t = t0[rep_owner] + u[keep] * T[rep_owner]

    nu = rng.gamma(gg.q, 1.0 / gg.gamma, nb)
    rep_amount = np.maximum(np.rint(rng.gamma(gg.p, 1.0 / nu[rep_owner])), 1).astype(np.int64)

    # First orders: a trial set of the home category, or a regular order.
    home = cust["home_category"][buyers]
    trial = rng.random(nb) < pop.trial_first_share
    cat = catalogue.arrays()
    first_amount_regular = np.maximum(np.rint(rng.gamma(gg.p, 1.0 / nu)), 1).astype(np.int64)

    # Cross-category buying: each buyer strays from the home category with prob c.
    c = rng.beta(1.2, 5.0, nb)
    stray = rng.random(len(rep_owner)) < c[rep_owner]
    shift = rng.integers(1, len(catalogue.CATEGORIES), len(rep_owner))
    rep_cat = np.where(stray, (home[rep_owner] + shift) % len(catalogue.CATEGORIES), home[rep_owner])

    groups = products_by_category()
    first_prod = pick_in_groups(rng, home, groups)
    rep_prod = pick_in_groups(rng, rep_cat, groups)

    n_rep = len(rep_owner)
    o_owner = np.concatenate([np.arange(nb), rep_owner])
    o_t = np.concatenate([t0, rep_t])
    o_amount = np.concatenate([np.where(trial, cat["trial_price"][home], first_amount_regular), rep_amount])
    o_cat = np.concatenate([home, rep_cat])
    o_prod = np.concatenate([first_prod, rep_prod])
    o_trial = np.concatenate([trial, np.zeros(n_rep, bool)])
    o_seq = np.concatenate([np.zeros(nb, np.int64), rank_in_segment(rep_owner, X) + 1])
    price = cat["price"][o_prod]
    qty = np.clip(np.rint(o_amount / price), 1, 6).astype(np.int64)
    qty[o_trial] = 1

    # Coupons: a welcome discount on regular first orders from paid channels, a 10% repeat coupon.
    paid_channel = np.isin(cust["channel"][buyers], (1, 2))
    welcome = ~trial & paid_channel & (rng.random(nb) < 0.5)
    repeat_coupon = rng.random(n_rep) < pop.coupon_share
    coupon = np.concatenate([np.where(welcome, 1, 0), np.where(repeat_coupon, 2, 0)])
    discount = np.where(coupon == 1, 500, np.where(coupon == 2, np.rint(o_amount / 9.0), 0)).astype(np.int64)

    orders = {
        "customer": buyers[o_owner],
        "t": o_t,
        "amount": o_amount,
        "category": o_cat,
        "product": o_prod,
        "trial": o_trial,
        "quantity": qty,
        "coupon": coupon,
        "discount": discount,
        "repeat_seq": o_seq,
    }
    truth = {"customer": buyers, "lam": lam, "p": p, "K": K, "X": X, "nu": nu, "T": T}
    return orders, truth


def status_twins(
    rng: np.random.Generator, orders: dict[str, np.ndarray], registered: np.ndarray, pop: Population
) -> dict[str, np.ndarray]:
    """Extra non-completed orders placed shortly before some completed ones.

    A customer orders, cancels (or returns, or is refunded) and orders again; the
    completed orders keep following the BG/NBD process exactly.
    """
    n = len(orders["t"])
    u = rng.random(n)
    edges = np.cumsum([pop.cancel_twin, pop.return_twin, pop.refund_twin])
    status = np.where(u < edges[0], 1, np.where(u < edges[1], 2, np.where(u < edges[2], 3, 0)))
    idx = np.flatnonzero(status > 0)
    twin = {k: v[idx] for k, v in orders.items()}
    room = np.minimum(2.0 / 7.0, twin["t"] - registered[twin["customer"]])
    twin["t"] = twin["t"] - rng.random(len(idx)) * np.maximum(room, 0.0)
    twin["status"] = status[idx]
    return twin
