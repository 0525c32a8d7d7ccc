"""The generated shop follows the processes it claims, within sampling error.

Likelihoods are written from the papers, not from horetsu.models:
BG/NBD — Fader, Hardie & Lee (2005), "Counting your customers the easy way" (the
likelihood of (x, t_x, T) and the expected number of repeats E[X(t)]);
Gamma-Gamma — Fader, Hardie & Lee (2005), "RFM and CLV" / Fader & Hardie's note on the
Gamma-Gamma spend model (the density of the mean spend given x);
shifted-beta-geometric — Fader & Hardie (2007), "How to project customer retention"
(the survival function S(t) = B(alpha, beta + t) / B(alpha, beta)).
A likelihood-ratio statistic 2 (LL_max - LL_true) above the 99.9% chi-square quantile
would mean the files do not come from the stated parameters.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pytest
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1
from scipy.stats import chi2


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


WEEK = 7 * 86400


def _seconds(col) -> np.ndarray:
    """Unix seconds of a parsed timestamp column."""
    return pc.cast(pc.cast(col, pa.timestamp("s", "UTC")), pa.int64()).to_numpy()


def _end_seconds(info) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(info.params["end"]).timestamp())


def _one_off_rfm(info):
    """Per buyer: repeats x, recency t_x, age T (weeks), and the repeat order amounts."""
    orders = read(info.out_dir / "orders.csv")
    keep = pc.and_(pc.equal(orders["status"], "completed"), pc.is_null(orders["subscription_id"]))
    o = orders.filter(keep)
    cust = o["customer_id"].to_numpy(zero_copy_only=False)
    sec = _seconds(o["ordered_at"])
    order = np.lexsort((sec, cust))
    cust, sec, amount = cust[order], sec[order], o["amount"].to_numpy()[order]
    _, start, counts = np.unique(cust, return_index=True, return_counts=True)
    first = sec[start]
    last = sec[start + counts - 1]
    x = (counts - 1).astype(float)
    tx = (last - first) / WEEK
    T = (_end_seconds(info) - first) / WEEK
    is_repeat = np.ones(len(cust), bool)
    is_repeat[start] = False
    owner = np.repeat(np.arange(len(counts)), counts)
    return x, tx, T, amount[is_repeat], owner[is_repeat]


def bgnbd_ll(params, x, tx, T):
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    l1 = betaln(a, b + x) - betaln(a, b) + common - (r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        l2 = np.where(
            x > 0, betaln(a + 1, b + x - 1) - betaln(a, b) + common - (r + x) * np.log(alpha + tx), -np.inf
        )
    return float(np.logaddexp(l1, l2).sum())


def gg_ll(params, mbar, x):
    p, q, g = params
    return float(
        (
            gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(g)
            + (p * x - 1) * np.log(mbar) + p * x * np.log(x) - (p * x + q) * np.log(g + mbar * x)
        ).sum()
    )


def _fit(ll, start):
    res = minimize(lambda z: -ll(np.exp(z)), np.log(start), method="Nelder-Mead",
                   options={"maxiter": 6000, "xatol": 1e-7, "fatol": 1e-7})
    return np.exp(res.x), -res.fun


def test_leads_share_matches_the_configured_share(sample_shop):
    customers = read(sample_shop.out_dir / "customers.csv")
    orders = read(sample_shop.out_dir / "orders.csv")
    n = customers.num_rows
    buyers = len(pc.unique(orders["customer_id"]))
    share = sample_shop.params["population"]["lead_share"]
    sd = np.sqrt(n * share * (1 - share))
    assert abs((n - buyers) - n * share) < 4 * sd


def test_bgnbd_parameters_are_recovered_from_the_files(sample_shop):
    x, tx, T, _, _ = _one_off_rfm(sample_shop)
    true = sample_shop.params["bgnbd"]
    theta = np.array([true["r"], true["alpha"], true["a"], true["b"]])
    fitted, ll_max = _fit(lambda p: bgnbd_ll(p, x, tx, T), [1.0, 1.0, 1.0, 1.0])
    lr = 2 * (ll_max - bgnbd_ll(theta, x, tx, T))
    assert -1e-6 < lr < chi2.ppf(0.999, 4)
    # r/alpha (the mean purchase rate) is pinned down tightly by 30k customers.
    assert fitted[0] / fitted[1] == pytest.approx(theta[0] / theta[1], rel=0.1)


def test_zero_repeat_buyers_match_bgnbd_probability(sample_shop):
    # Under BG/NBD, P(X(T) = 0) = (alpha / (alpha + T))^r: a sum of Bernoullis.
    x, _, T, _, _ = _one_off_rfm(sample_shop)
    b = sample_shop.params["bgnbd"]
    p0 = (b["alpha"] / (b["alpha"] + T)) ** b["r"]
    assert abs((x == 0).sum() - p0.sum()) < 4 * np.sqrt((p0 * (1 - p0)).sum())


def test_mean_repeats_match_the_true_bgnbd_expectation(sample_shop):
    # E[X(T)] from Fader, Hardie & Lee (2005) with the true parameters.
    x, _, T, _, _ = _one_off_rfm(sample_shop)
    b = sample_shop.params["bgnbd"]
    r, al, a, bb = b["r"], b["alpha"], b["a"], b["b"]
    ex = (a + bb - 1) / (a - 1) * (1 - (al / (al + T)) ** r * hyp2f1(r, bb, a + bb - 1, T / (al + T)))
    se = np.sqrt(((x - ex) ** 2).sum())
    assert abs(x.sum() - ex.sum()) < 4 * se
    assert abs(x.mean() - ex.mean()) / ex.mean() < 0.08


def test_gamma_gamma_spend_parameters_are_recovered(sample_shop):
    _, _, _, amount, owner = _one_off_rfm(sample_shop)
    counts = np.bincount(owner)
    sums = np.bincount(owner, weights=amount)
    has = counts > 0
    xs, mbar = counts[has].astype(float), sums[has] / counts[has]
    g = sample_shop.params["gamma_gamma"]
    theta = np.array([g["p"], g["q"], g["gamma"]])
    fitted, ll_max = _fit(lambda p: gg_ll(p, mbar, xs), [1.0, 1.0, 1000.0])
    lr = 2 * (ll_max - gg_ll(theta, mbar, xs))
    assert -1e-6 < lr < chi2.ppf(0.999, 3)
    mean_true = g["p"] * g["gamma"] / (g["q"] - 1)
    assert amount.mean() == pytest.approx(mean_true, rel=0.08)


def test_subscription_retention_follows_shifted_beta_geometric(sample_shop):
    subs = read(sample_shop.out_dir / "subscriptions.csv")
    s = sample_shop.params["sbg"]
    start = _seconds(subs["started_at"])
    interval = subs["interval_days"].to_numpy() * 86400
    possible = (_end_seconds(sample_shop) - start) // interval + 1
    deliveries = subs["deliveries"].to_numpy()
    for k in range(1, 7):
        # Subscribers who had the chance of a (k+1)-th delivery: did they get it?
        eligible = possible >= k + 1
        n = eligible.sum()
        survived = (deliveries[eligible] >= k + 1).sum()
        expected = np.exp(betaln(s["alpha"], s["beta"] + k) - betaln(s["alpha"], s["beta"]))
        assert n > 300
        assert abs(survived - n * expected) < 4 * np.sqrt(n * expected * (1 - expected)), k
