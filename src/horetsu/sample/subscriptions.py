"""定期購入: subscriptions whose length follows a shifted-beta-geometric process.

Each subscriber has theta ~ Beta(alpha, beta); after every delivery the subscriber
cancels with probability theta, so the number of deliveries D ~ Geometric(theta).
Deliveries fall every ``interval_days`` from the start; what lies past the end of
the window is censored (the subscription is still active).
"""

from __future__ import annotations

import numpy as np

from horetsu.sample import catalogue
from horetsu.sample._arrays import choice, pick_in_groups, rank_in_segment
from horetsu.sample.params import HORIZON_WEEKS, SBG, Population
from horetsu.sample.purchases import products_by_category

INTERVALS = np.array([30, 60, 90])
INTERVAL_WEIGHTS = np.array([0.7, 0.2, 0.1])
CANCEL_REASONS: tuple[str, ...] = (
    "使い切れない",
    "効果を感じない",
    "価格が高い",
    "お届け間隔が合わない",
    "その他",
)
CANCEL_REASON_WEIGHTS = np.array([0.32, 0.25, 0.2, 0.13, 0.1])


def draw(
    rng: np.random.Generator, cust: dict[str, np.ndarray], sbg: SBG, pop: Population
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Return (subscriptions, delivery orders).  Neither is sorted yet."""
    buyers = np.flatnonzero(cust["is_buyer"])
    wants = buyers[rng.random(len(buyers)) < pop.subscribe_share]
    start = cust["first_purchase"][wants] + 1.0 + rng.exponential(5.0, len(wants))
    ok = start < HORIZON_WEEKS
    who, start = wants[ok], start[ok]
    n = len(who)
    interval = INTERVALS[choice(rng, INTERVAL_WEIGHTS, n)]
    iv_weeks = interval / 7.0
    product = pick_in_groups(rng, cust["home_category"][who], products_by_category(subscribable=True))
    theta = rng.beta(sbg.alpha, sbg.beta, n)
    D = rng.geometric(theta)
    possible = np.floor((HORIZON_WEEKS - start) / iv_weeks).astype(np.int64) + 1
    observed = np.minimum(D, possible)
    cancel_t = start + (D - 1) * iv_weeks + rng.uniform(0.3, 0.9, n) * iv_weeks
    cancelled = (D <= possible) & (cancel_t < HORIZON_WEEKS)
    reason = choice(rng, CANCEL_REASON_WEIGHTS, n)
    subs = {
        "customer": who,
        "start": start,
        "interval": interval,
        "product": product,
        "theta": theta,
        "D": D,
        "possible": possible,
        "deliveries": observed,
        "cancelled": cancelled,
        "cancel_t": cancel_t,
        "reason": reason,
    }

    owner = np.repeat(np.arange(n), observed)
    seq = rank_in_segment(owner, observed) + 1
    cat = catalogue.arrays()
    sub_price = cat["sub_price"][product[owner]]
    amount = np.where(seq == 1, np.rint(sub_price * 0.5 / 10) * 10, sub_price).astype(np.int64)
    deliveries = {
        "sub": owner,
        "customer": who[owner],
        "t": start[owner] + (seq - 1) * iv_weeks[owner],
        "amount": amount,
        "category": cat["category"][product[owner]],
        "product": product[owner],
        "quantity": np.ones(len(owner), np.int64),
        "seq": seq,
    }
    return subs, deliveries
