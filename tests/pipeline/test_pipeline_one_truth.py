"""One truth per customer: each rule decided once, and every reader agrees with the results.

Regression tests for the disagreements found before the results store existed
(issue "One truth per customer"), and tests that changing a rule in its one place moves
the results, the gate, the exports, the plan check, the report and the models together.
"""

from __future__ import annotations

import datetime as dt

import pyarrow.parquet as pq

import horetsu
from horetsu import results
from horetsu.pipeline import analyze
from horetsu.playbook.exports import export_audience
from horetsu.playbook.plan import check_plan
from horetsu.report.data import ReportData

AS_OF = dt.date(2025, 6, 30)


def _rows(ws):
    return {r["customer_id"]: r for r in pq.read_table(ws.result_path("customers")).to_pylist()}


def _sub_shop(shop):
    """P: a paused subscription (no end time); R: a running one; both bought twice."""
    for cid, status in (("P", "paused"), ("R", "active")):
        shop.customer(cid, registered=400).order(cid, 300).order(cid, 200).sub(cid, 150, status=status)
    return shop


def test_a_paused_subscription_is_not_running_in_any_part(shop, make_ws):
    ws = make_ws(_sub_shop(shop))
    analyze(ws, AS_OF)
    rows = _rows(ws)
    # analytics, the stage engine and the evidence say the same thing
    assert rows["P"]["subscription_active"] is not True and rows["P"]["sub_active"] == 0
    assert rows["P"]["stage_rule"] != "engagement.subscription"
    assert "subscription active" not in rows["P"]["stage_evidence"]
    assert rows["R"]["subscription_active"] is True and rows["R"]["sub_active"] == 1
    assert rows["R"]["stage_rule"] == "engagement.subscription"
    assert "subscription active" in rows["R"]["stage_evidence"]


def test_the_running_rule_changed_in_its_one_place_moves_every_part(shop, make_ws, monkeypatch):
    from horetsu.core import subscriptions

    monkeypatch.setattr(subscriptions, "ENDED_STATUSES", ("cancelled", "canceled", "ended", "expired"))
    ws = make_ws(_sub_shop(shop))
    analyze(ws, AS_OF)
    rows = _rows(ws)
    assert rows["P"]["subscription_active"] is True and rows["P"]["stage_rule"] == "engagement.subscription"
    gated = horetsu.gate(ws, "thank_you", audience=["P"])
    assert gated.allowed.to_pylist()[0]["stage"] == "engagement"


def test_p_alive_override_gives_one_temperature_in_results_gate_and_report(shop, make_ws):
    # steady buyers, and quick repeat buyers who then went silent (low P(alive) under BG/NBD)
    for i in range(12):
        cid = f"C{i:02d}"
        shop.customer(cid, registered=700)
        if i % 2:
            for k in range(4):
                shop.order(cid, 650 - i * 5 - k * 15)
        else:
            for k in range(4):
                shop.order(cid, 600 - k * 150 - i)
    ws = make_ws(shop, "[policy.temperature]\np_alive_cooling = 0.9\np_alive_lapsed = 0.5\n")
    analyze(ws, AS_OF)
    rows = _rows(ws)
    assert any(r["temperature"] != "active" and r["p_alive"] is not None and r["p_alive"] < 0.9 for r in rows.values())
    gated = horetsu.gate(ws, "thank_you")
    for r in gated.allowed.to_pylist():
        assert r["temperature"] == rows[r["customer_id"]]["temperature"]
    snaps = ReportData(ws).derived.snapshots().to_pandas()
    now = snaps[snaps["as_of"] == AS_OF].set_index("customer_id")["temperature"].to_dict()
    assert now == {cid: r["temperature"] for cid, r in rows.items() if r["stage"] is not None}


def _others(shop):
    """Repeat buyers, so that the purchase model has something to fit."""
    for i in range(8):
        cid = f"O{i}"
        shop.customer(cid, registered=600)
        for k in range(1 + i % 4):
            shop.order(cid, 500 - 90 * k - i)
    return shop


def test_excluded_statuses_reach_stages_and_models(shop, make_ws):
    _others(shop).customer("X", registered=400).order("X", 300).order("X", 100, status="returned")
    ws = make_ws(shop)
    analyze(ws, AS_OF)
    x = _rows(ws)["X"]
    assert (x["frequency"], x["n_orders"], x["model_frequency"], x["stage"]) == (1, 1, 0, "landing")
    analyze(ws, AS_OF, exclude_statuses=["cancelled"])  # a returned order now counts
    x = _rows(ws)["X"]
    assert (x["frequency"], x["n_orders"], x["model_frequency"], x["stage"]) == (2, 2, 1, "empathy")


def test_the_purchase_rule_set_in_horetsu_toml_moves_results_gate_export_plan(shop, make_ws, tmp_path):
    _others(shop).customer("X", registered=400).order("X", 300).order("X", 100, status="returned")
    ws = make_ws(shop, '[analysis]\nexclude_statuses = ["cancelled"]\n')
    res = horetsu.gate(ws, "upsell", audience=["X"])  # refreshes the results first
    x = _rows(ws)["X"]
    assert (x["frequency"], x["n_orders"], x["model_frequency"], x["stage"]) == (2, 2, 1, "empathy")
    assert res.allowed.to_pylist()[0]["stage"] == "empathy"  # upsell is allowed at empathy
    out = tmp_path / "x.csv"
    assert export_audience(ws, res, "klaviyo", out).rows == 1
    plan = tmp_path / "plan.toml"
    plan.write_text(f'[[campaign]]\nname = "u"\ntactic = "upsell"\nsend_date = "{AS_OF}"\nsegment = "empathy"\n',
                    encoding="utf-8")
    report = check_plan(ws, plan)
    empathy = sum(1 for r in _rows(ws).values() if r["stage"] == "empathy")
    assert report.campaigns[0].audience == empathy and report.campaigns[0].allowed == empathy


def test_results_as_of_is_the_default_day_of_every_reader(shop, make_ws, tmp_path):
    shop.customer("A", registered=300).order("A", 200).order("A", 10)
    ws = make_ws(shop)
    analyze(ws, "2025-03-31")
    assert horetsu.gate(ws, "thank_you").as_of == dt.date(2025, 3, 31)
    assert ReportData(ws).as_of == dt.date(2025, 3, 31)


def test_default_as_of_is_never_after_today(shop, make_ws, monkeypatch):
    from horetsu.core import purchases

    shop.customer("A", registered=300).order("A", 200).order("A", 10)
    ws = make_ws(shop)
    monkeypatch.setattr(purchases, "today", lambda: dt.date(2025, 5, 1))
    assert analyze(ws).as_of == dt.date(2025, 5, 1)
    assert results.load(ws).as_of == dt.date(2025, 5, 1)


def test_readers_refresh_stale_results_and_say_why(shop, make_ws):
    shop.customer("A", registered=300).order("A", 200)
    ws = make_ws(shop)
    analyze(ws, AS_OF)
    assert results.load(ws).stale_reasons() == []
    with open(ws.config_path, "a", encoding="utf-8") as fh:
        fh.write('\n[policy.temperature]\ncooling_ratio = 1.2\n')
    ws = horetsu.open_workspace(ws.path)
    assert results.load(ws, fresh=False).stale_reasons() == ["policy"]
    said = []
    from horetsu.pipeline import ensure

    ensure(ws, say=lambda en, ja: said.append(en))
    assert said and "policy changed" in said[0]
    assert results.load(ws).stale_reasons() == []


def test_an_earlier_send_date_than_the_results_is_an_honest_error(shop, make_ws):
    import pytest

    shop.customer("A", registered=300).order("A", 200)
    ws = make_ws(shop)
    analyze(ws, AS_OF)
    with pytest.raises(results.NoResultsError, match="horetsu analyze --as-of 2025-06-01"):
        horetsu.gate(ws, "thank_you", as_of="2025-06-01")


def _perk_shop(shop, thanked_days_ago):
    # a supporter: referral made 20 days ago, repeat buyer (circulation)
    shop.customer("S", registered=500).order("S", 400).order("S", 200).order("S", 100)
    shop.event("S", 20, "referral_made")
    if thanked_days_ago is not None:
        shop.sent("S", thanked_days_ago, "thank_you")
    return shop


def test_perks_wait_for_the_thank_you(shop, make_ws):
    res = horetsu.gate(make_ws(_perk_shop(shop, None)), "vip_invite", audience=["S"], as_of=AS_OF)
    assert res.n_allowed == 0 and res.blocked.to_pylist()[0]["rule"] == "thanks.thanks_before_perks"
    assert "never thanked" in res.blocked.to_pylist()[0]["reason"]


def test_a_thank_you_the_day_before_the_contribution_does_not_count(shop, make_ws):
    res = horetsu.gate(make_ws(_perk_shop(shop, 21)), "vip_invite", audience=["S"], as_of=AS_OF)
    assert res.n_allowed == 0 and res.blocked.to_pylist()[0]["rule"] == "thanks.thanks_before_perks"


def test_a_thank_you_on_the_contribution_day_opens_the_perk(shop, make_ws):
    res = horetsu.gate(make_ws(_perk_shop(shop, 20)), "vip_invite", audience=["S"], as_of=AS_OF)
    assert res.n_allowed == 1, res.blocked.to_pylist()


def test_the_web_app_says_stale_exactly_when_the_results_store_does(shop, make_ws):
    from horetsu.web.results import Results as WebResults

    shop.customer("A", registered=300).order("A", 200)
    ws = make_ws(shop)
    analyze(ws, AS_OF)
    assert WebResults(ws.path).stale() is False
    with open(ws.config_path, "a", encoding="utf-8") as fh:  # a policy change, not a table change
        fh.write('\n[policy.temperature]\ncooling_ratio = 1.2\n')
    assert WebResults(ws.path).stale() is True


def test_meta_records_time_and_peak_memory_per_step(shop, make_ws):
    import json

    ws = make_ws(_sub_shop(shop))
    analyze(ws, AS_OF)
    meta = json.loads((ws.results_dir / "meta.json").read_text(encoding="utf-8"))
    steps = list(meta["timings_s"])
    assert steps[0] == "customers" and {"first purchase", "stages", "stage history", "gate counts"} <= set(steps)
    peaks = meta["peak_mib_after"]
    assert list(peaks) == steps  # one figure per step, in the order they ran
    with open("/proc/self/status", encoding="ascii") as fh:  # this very process ran them
        hwm = next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))
    values = [peaks[s] for s in steps]
    # a peak only grows; the kernel's VmHWM is summed from per-CPU counters and may read a page
    # or two lower a moment later, hence the 1 MiB allowance
    assert 0 < values[0] and values == sorted(values) and values[-1] <= hwm + 1.0
    # the first-purchase facts are stored once, for every reader
    rows = _rows(ws)
    assert set(rows) >= {"P", "R"} and all("first_category" in r and "channel" in r for r in rows.values())
