"""Random shops and random policy overrides: every reader agrees with the results store,
and the gate on a later send date equals a fresh ``analyze --as-of`` that day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow.parquet as pq
import pytest

import horetsu
from horetsu.pipeline import analyze
from horetsu.playbook.exports import export_audience
from horetsu.report.data import ReportData

AS_OF = dt.date(2025, 6, 30)
TACTICS = ("thank_you", "discount_coupon", "upsell", "subscription_offer", "referral_request", "vip_invite",
           "mail_magazine")
POLICIES = (
    "",
    "[policy.temperature]\ncooling_ratio = 1.2\nlapsed_ratio = 2.0\n",
    "[policy.timing.discount_after_signup]\ndays = 90\n",
    "[policy.stages.empathy]\ncontact_lookback_days = 60\n[policy.stages.engagement]\nmin_categories = 3\n",
    "[policy.caps.message_frequency]\nmax = 1\nwithin_days = 45\n",
)
# P(alive) for a later day is rescored with the fitted parameters, not refitted; with these
# thresholds it never decides a temperature, so the comparison with a refit is exact.
NO_P_ALIVE = "[policy.temperature]\np_alive_cooling = 0.000001\np_alive_lapsed = 0.0\n"


def random_shop(shop, seed: int, n: int = 30):
    rng = np.random.default_rng(seed)
    for i in range(n):
        cid = f"R{i:02d}"
        reg = int(rng.integers(20, 700))
        shop.customer(cid, registered=reg)
        for _ in range(int(rng.choice([0, 1, 1, 2, 3, 5]))):
            shop.order(cid, int(rng.integers(0, reg)), status=str(rng.choice(["completed"] * 6 + ["cancelled", "returned"])),
                       category=str(rng.choice(["skin", "food", "hair", "bath"])))
        if rng.random() < 0.25:
            start = int(rng.integers(5, reg))
            ended = int(rng.integers(0, start)) if rng.random() < 0.4 else None
            shop.sub(cid, start, cancelled=ended, status=None if ended is not None else str(rng.choice(["active", "paused"])))
        for _ in range(int(rng.integers(0, 4))):
            kind = str(rng.choice(["inquiry", "review", "referral_made", "nps_response", "sent"]))
            ago = int(rng.integers(0, reg))
            if kind == "sent":
                shop.sent(cid, ago, str(rng.choice(["thank_you", "mail_magazine", "vip_invite", "referral_request"])))
            else:
                shop.event(cid, ago, kind, value=float(rng.integers(0, 11)) if kind == "nps_response" else None)
    return shop


def _gate_rows(ws, tactic, as_of):
    res = horetsu.gate(ws, tactic, as_of=as_of)
    allowed = sorted((r["customer_id"], r["stage"], r["journey_step"], r["temperature"]) for r in res.allowed.to_pylist())
    blocked = sorted((r["customer_id"], r["stage"], r["rule"], r["reason"], r["reason_ja"]) for r in res.blocked.to_pylist())
    return res, allowed, blocked


@pytest.mark.parametrize("seed", [11, 29])
def test_results_gate_export_and_report_agree(shop, make_ws, tmp_path, seed):
    policy = POLICIES[seed % len(POLICIES)]
    ws = make_ws(random_shop(shop, seed), policy)
    analyze(ws, AS_OF)
    rows = {r["customer_id"]: r for r in pq.read_table(ws.result_path("customers")).to_pylist() if r["stage"]}
    snaps = ReportData(ws).derived.snapshots().to_pandas()
    now = snaps[snaps["as_of"] == AS_OF]
    assert {r.customer_id: (r.stage, r.temperature) for r in now.itertuples()} == {
        c: (r["stage"], r["temperature"]) for c, r in rows.items()}
    for tactic in TACTICS:
        res, allowed, blocked = _gate_rows(ws, tactic, None)
        assert res.as_of == AS_OF
        assert sorted([a[0] for a in allowed] + [b[0] for b in blocked]) == sorted(rows)
        for cid, stage, journey, temperature in allowed:
            assert (stage, journey, temperature) == (rows[cid]["stage"], rows[cid]["journey_step"], rows[cid]["temperature"])
        for cid, stage, *_ in blocked:
            assert stage == rows[cid]["stage"]
        out = tmp_path / f"{tactic}.csv"
        written = export_audience(ws, res, "klaviyo", out)
        assert sorted(written.customer_ids) == sorted(a[0] for a in allowed)  # every test customer opted in


@pytest.mark.parametrize("seed,days_later", [(5, 1), (17, 40), (23, 200)])
def test_gate_on_a_later_day_equals_a_fresh_analyze_that_day(shop, make_ws, seed, days_later):
    policy = POLICIES[seed % len(POLICIES)] + ("\n" + NO_P_ALIVE if "temperature" not in POLICIES[seed % len(POLICIES)]
                                               else "\np_alive_cooling = 0.000001\np_alive_lapsed = 0.0\n")
    ws = make_ws(random_shop(shop, seed), policy)
    later = AS_OF + dt.timedelta(days=days_later)
    analyze(ws, AS_OF)
    from_store = {t: _gate_rows(ws, t, later)[1:] for t in TACTICS}
    analyze(ws, later)
    for tactic in TACTICS:
        assert from_store[tactic] == _gate_rows(ws, tactic, later)[1:], tactic
