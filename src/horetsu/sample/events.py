"""Contacts that are not orders: leads, inquiries, reviews, referrals, NPS, e-mail, complaints."""

from __future__ import annotations

import numpy as np

from horetsu.sample._arrays import choice
from horetsu.sample.params import HORIZON_WEEKS, Population
from horetsu.schema import EVENT_TYPES

# Event type codes: the part of the canonical vocabulary a simulated shop produces
# (their order in horetsu.schema.EVENT_TYPES fixes the codes, hence the bytes written).
TYPES: tuple[str, ...] = EVENT_TYPES[: EVENT_TYPES.index("testimonial") + 1]
T = {name: i for i, name in enumerate(TYPES)}

# Notes (free text a shop would keep), by type; index 0 means "no note".
LEAD_NOTES = ("資料請求", "無料サンプル請求", "メルマガ登録", "LINE友だち追加")
INQUIRY_NOTES = ("配送について", "成分・使い方について", "定期購入の変更", "返品・交換について", "支払い方法について")
COMPLAINT_NOTES = ("届いた商品が破損していた", "お届けが遅れた", "肌に合わなかった", "電話がつながりにくい")


def _block(customer, t, typ, value=None, note=None, note_table=0) -> dict[str, np.ndarray]:
    n = len(customer)
    return {
        "customer": np.asarray(customer, dtype=np.int64),
        "t": np.asarray(t, dtype=float),
        "type": np.full(n, T[typ]),
        "value": np.full(n, np.nan) if value is None else np.asarray(value, dtype=float),
        "note_table": np.full(n, note_table),
        "note": np.full(n, -1) if note is None else np.asarray(note, dtype=np.int64),
    }


def draw(
    rng: np.random.Generator,
    cust: dict[str, np.ndarray],
    orders: dict[str, np.ndarray],
    truth: dict[str, np.ndarray],
    pop: Population,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """All events (unsorted) and the possibly corrected acquisition channel per customer.

    ``orders`` are the completed orders; ``truth`` the per-buyer BG/NBD draws.
    """
    n = len(cust["registered"])
    reg = cust["registered"]
    blocks = []
    life = HORIZON_WEEKS - reg

    # 1. Leads: everybody who signed up before buying (or never bought).
    lead = np.flatnonzero(~cust["is_buyer"] | cust["lead_first"])
    blocks.append(_block(lead, reg[lead], "lead", note=choice(rng, np.array([0.4, 0.3, 0.2, 0.1]), len(lead)), note_table=1))

    # 2. Inquiries: Poisson counts, more for buyers, uniform over the customer's life.
    k = rng.poisson(np.where(cust["is_buyer"], 0.35, 0.08))
    who = np.repeat(np.arange(n), k)
    blocks.append(
        _block(who, reg[who] + rng.random(len(who)) * life[who], "inquiry",
               note=choice(rng, np.array([0.35, 0.25, 0.2, 0.12, 0.08]), len(who)), note_table=2)
    )

    # 3. Reviews (1-5 stars) and complaints after completed orders.
    o_c, o_t = orders["customer"], orders["t"]
    rv = rng.random(len(o_t)) < pop.review_share
    rv_t = o_t[rv] + rng.uniform(1, 3, rv.sum())
    stars = choice(rng, np.array([0.04, 0.06, 0.15, 0.30, 0.45]), rv.sum()) + 1
    keep = rv_t < HORIZON_WEEKS
    blocks.append(_block(o_c[rv][keep], rv_t[keep], "review", value=stars[keep]))
    cp = rng.random(len(o_t)) < pop.complaint_share
    cp_t = o_t[cp] + rng.uniform(0.1, 1.0, cp.sum())
    keep = cp_t < HORIZON_WEEKS
    blocks.append(_block(o_c[cp][keep], cp_t[keep], "complaint",
                         note=choice(rng, np.array([0.3, 0.3, 0.25, 0.15]), keep.sum()), note_table=3))

    # 4. NPS (0-10): answered once by some buyers after a purchase; loyal buyers score higher.
    buyers, X = truth["customer"], truth["X"]
    ans = rng.random(len(buyers)) < pop.nps_share
    nb_c, nb_X = buyers[ans], X[ans]
    nps_t = cust["first_purchase"][nb_c] + rng.random(ans.sum()) * (HORIZON_WEEKS - cust["first_purchase"][nb_c])
    mu = 6.0 + 0.8 * np.minimum(nb_X, 4)
    score = np.clip(np.rint(rng.normal(mu, 1.8)), 0, 10)
    blocks.append(_block(nb_c, nps_t, "nps_response", value=score))

    # 5. E-mail opens and clicks for opted-in customers (heterogeneous interest).
    opt = np.flatnonzero(cust["accepts_email"])
    rate = rng.gamma(1.0, pop.opens_per_month, len(opt)) * 12.0 / 52.0
    k = rng.poisson(rate * life[opt])
    who = np.repeat(opt, k)
    ot = reg[who] + rng.random(len(who)) * life[who]
    blocks.append(_block(who, ot, "email_open"))
    ck = rng.random(len(who)) < pop.click_share
    ct = ot[ck] + rng.uniform(0, 0.01, ck.sum())
    keep = ct < HORIZON_WEEKS
    blocks.append(_block(who[ck][keep], ct[keep], "email_click"))

    # 6. Referrals: each referred buyer names an earlier customer who had already repeated.
    channel = cust["channel"].copy()
    referred = np.flatnonzero(channel == 5)
    has_rep = X >= 1
    first_rep_t = _first_repeat_time(orders, buyers[has_rep], cust)
    pool = buyers[has_rep]
    order = np.argsort(first_rep_t, kind="stable")
    pool, pool_t = pool[order], first_rep_t[order]
    eligible = np.searchsorted(pool_t, reg[referred], side="left")
    ok = eligible > 0
    channel[referred[~ok]] = 3  # no one could have referred them: organic instead
    referred = referred[ok]
    referrer = pool[np.floor(rng.random(len(referred)) * eligible[ok]).astype(np.int64)]
    blocks.append(_block(referrer, reg[referred], "referral_made", note=referred, note_table=9))
    blocks.append(_block(referred, reg[referred], "referral_received", note=referrer, note_table=9))

    # 7. Loyal buyers post in the community and give testimonials.
    loyal = buyers[X >= 3]
    k = rng.poisson(np.where(rng.random(len(loyal)) < 0.08, 2.0, 0.0))
    who = np.repeat(loyal, k)
    start = cust["first_purchase"][who]
    blocks.append(_block(who, start + rng.random(len(who)) * (HORIZON_WEEKS - start), "community_post"))
    very = buyers[X >= 5]
    tm = very[rng.random(len(very)) < 0.12]
    start = cust["first_purchase"][tm]
    blocks.append(_block(tm, start + rng.random(len(tm)) * (HORIZON_WEEKS - start), "testimonial"))

    ev = {key: np.concatenate([b[key] for b in blocks]) for key in blocks[0]}
    return ev, channel


def _first_repeat_time(orders: dict[str, np.ndarray], who: np.ndarray, cust: dict) -> np.ndarray:
    """Time of the first repeat (repeat_seq == 1) order of each customer in ``who``."""
    first = orders["repeat_seq"] == 1
    t_by_customer = np.full(len(cust["registered"]), np.inf)
    t_by_customer[orders["customer"][first]] = orders["t"][first]
    return t_by_customer[who]


def return_requests(rng: np.random.Generator, twins: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """A return request a few days after each returned order."""
    ret = twins["status"] == 2
    t = np.minimum(twins["t"][ret] + rng.uniform(0.3, 1.5, ret.sum()), HORIZON_WEEKS * (1 - 1e-9))
    return _block(twins["customer"][ret], t, "return_request")
