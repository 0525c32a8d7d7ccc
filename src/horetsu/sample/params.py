"""The true parameters of the simulated shop, declared once.

Every behaviour the simulator draws from is set here, so model tests can compare
what they recover with what was used.  Time is measured in weeks from ``START``;
the window ends at ``END`` (a fixed date, so the same seed gives the same bytes).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

JST = timezone(timedelta(hours=9))
START = datetime(2023, 4, 1, 0, 0, 0, tzinfo=JST)
END = datetime(2026, 9, 30, 23, 59, 59, tzinfo=JST)
WEEK_SECONDS = 7 * 86400
START_EPOCH = int(START.timestamp())
END_EPOCH = int(END.timestamp())
HORIZON_WEEKS = (END_EPOCH - START_EPOCH) / WEEK_SECONDS


@dataclasses.dataclass(frozen=True)
class BGNBD:
    """Repeat buying of one-off orders (Fader, Hardie & Lee 2005), rates per week.

    After the first purchase each buyer repeats as a Poisson process with rate
    lambda ~ Gamma(r, rate=alpha); after every repeat purchase the buyer drops out
    with probability p ~ Beta(a, b).
    """

    r: float = 0.22
    alpha: float = 4.0
    a: float = 0.70
    b: float = 2.50


@dataclasses.dataclass(frozen=True)
class GammaGamma:
    """Spend per repeat one-off order (Fader, Hardie & Lee 2005 note on Gamma-Gamma).

    Each buyer has nu ~ Gamma(q, rate=gamma); each order's amount z ~ Gamma(p, rate=nu),
    so the mean amount is p * gamma / (q - 1) yen.
    """

    p: float = 6.0
    q: float = 3.5
    gamma: float = 2000.0


@dataclasses.dataclass(frozen=True)
class SBG:
    """Subscription (定期購入) cancellations: shifted-beta-geometric (Fader & Hardie 2007).

    Each subscriber has theta ~ Beta(alpha, beta) and cancels after each delivery
    with probability theta.
    """

    alpha: float = 0.9
    beta: float = 2.4


@dataclasses.dataclass(frozen=True)
class Population:
    """Shares and rates of the non-parametric parts of the shop."""

    lead_share: float = 0.35  # registered, never buy
    lead_first_share: float = 0.30  # buyers who were leads before their first purchase
    trial_first_share: float = 0.55  # first order is a trial set (お試しセット)
    subscribe_share: float = 0.18  # buyers who start a 定期購入 (if the window allows)
    referral_share: float = 0.06  # buyers acquired by a referral
    accepts_email_lead: float = 0.70
    accepts_email_buyer: float = 0.55
    cancel_twin: float = 0.03  # share of orders preceded by a cancelled order
    return_twin: float = 0.01  # ... by a returned order
    refund_twin: float = 0.005  # ... by a refunded order
    coupon_share: float = 0.10  # repeat orders paid with a coupon
    review_share: float = 0.06  # completed orders followed by a review
    complaint_share: float = 0.005
    nps_share: float = 0.25  # buyers who answer the NPS survey once
    opens_per_month: float = 0.3  # mean e-mail opens per month for opted-in customers
    click_share: float = 0.2


@dataclasses.dataclass(frozen=True)
class TrueParams:
    bgnbd: BGNBD = BGNBD()
    gamma_gamma: GammaGamma = GammaGamma()
    sbg: SBG = SBG()
    population: Population = Population()

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["start"] = START.isoformat()
        d["end"] = END.isoformat()
        d["time_unit"] = "week"
        d["notes"] = {
            "bgnbd": "one-off orders (subscription_id empty) with status completed; "
            "first purchase = first such order; T measured to 'end'",
            "gamma_gamma": "amount of completed repeat one-off orders (not the first order)",
            "sbg": "deliveries per subscription; cancelled after a delivery with prob theta",
        }
        return d
