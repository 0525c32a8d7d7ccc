"""Who the customers are: leads and buyers, when they arrive, names, places, channels."""

from __future__ import annotations

import numpy as np

from horetsu.sample import catalogue, names
from horetsu.sample._arrays import choice
from horetsu.sample.params import HORIZON_WEEKS, START, Population

# Acquisition channels (codes) and their weights for buyers; "referral" is assigned apart.
CHANNELS: tuple[str, ...] = ("search_ad", "sns_ad", "affiliate", "organic", "newspaper", "referral")
CHANNEL_WEIGHTS = np.array([0.24, 0.24, 0.13, 0.27, 0.12])
# Seasonality of acquisition by calendar month (year-end gifts, New Year resolutions).
MONTH_FACTOR = np.array([1.15, 0.9, 1.0, 1.0, 1.05, 0.95, 1.0, 0.9, 0.95, 1.0, 1.2, 1.35])


def acquisition_weeks(rng: np.random.Generator, n: int) -> np.ndarray:
    """Arrival times in weeks: a growing shop with seasonal peaks (inverse CDF over days)."""
    days = int(np.ceil(HORIZON_WEEKS * 7))
    day = np.arange(days)
    dates = np.datetime64(START.date()) + day
    month = dates.astype("datetime64[M]").astype(int) % 12
    w = (1.0 + 1.5 * day / days) * MONTH_FACTOR[month]
    k = choice(rng, w, n)
    weeks = (k + rng.random(n)) / 7.0
    return np.minimum(weeks, HORIZON_WEEKS * (1 - 1e-9))


def draw(rng: np.random.Generator, n: int, pop: Population) -> dict[str, np.ndarray]:
    """Customers sorted by registration time (customer numbers follow registration)."""
    is_buyer = rng.random(n) >= pop.lead_share
    acq = acquisition_weeks(rng, n)
    lead_first = is_buyer & (rng.random(n) < pop.lead_first_share)
    # Direct buyers register while checking out (minutes to hours before the order);
    # former leads signed up weeks earlier.
    delay = np.where(lead_first, rng.exponential(4.0, n), rng.uniform(5 / 10080, 3 / 168, n))
    # A sign-up cannot precede the opening of the shop: spread those over the time before.
    delay = np.where(delay < acq, delay, acq * rng.random(n))
    registered = np.where(is_buyer, acq - delay, acq)
    order = np.argsort(registered, kind="stable")
    c: dict[str, np.ndarray] = {
        "is_buyer": is_buyer[order],
        "lead_first": lead_first[order],
        "registered": registered[order],
        "first_purchase": np.where(is_buyer, acq, np.nan)[order],
    }
    m = n
    channel = choice(rng, CHANNEL_WEIGHTS, m)
    referred = c["is_buyer"] & (rng.random(m) < pop.referral_share)
    c["channel"] = np.where(referred, CHANNELS.index("referral"), channel)
    c["home_category"] = choice(rng, catalogue.CATEGORY_WEIGHTS, m)
    c["family"] = choice(rng, names.family_weights(), m)
    c["given"] = choice(rng, names.given_weights(), m)
    c["prefecture"] = choice(rng, names.prefecture_weights(), m)
    accepts = np.where(c["is_buyer"], pop.accepts_email_buyer, pop.accepts_email_lead)
    c["accepts_email"] = rng.random(m) < accepts
    c["phone"] = rng.integers(0, 10**8, m)
    c["mobile_prefix"] = choice(rng, np.array([0.5, 0.35, 0.15]), m)  # 090 / 080 / 070
    c["mail_domain"] = choice(rng, np.array([0.4, 0.35, 0.25]), m)
    # Orders by phone are common for customers found through newspaper adverts.
    phone_pref = np.where(c["channel"] == CHANNELS.index("newspaper"), 0.6, 0.05)
    u = rng.random(m)
    c["order_channel"] = np.where(u < phone_pref, 1, np.where(rng.random(m) < 0.08, 2, 0))
    return c


ORDER_CHANNELS: tuple[str, ...] = ("web", "phone", "line")
MAIL_DOMAINS: tuple[str, ...] = ("example.jp", "example.com", "example.net")
MOBILE_PREFIXES: tuple[str, ...] = ("090", "080", "070")
