"""Random shops: the summary, CPM and F2 agree with a plain-Python recount of the rules."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from horetsu import analytics as A

AS_OF = dt.date(2024, 6, 30)
START = dt.date(2023, 1, 1)
EXCLUDED = {"cancelled", "returned", "refunded"}

order_st = st.tuples(
    st.sampled_from(["a", "b", "c", "d", "e"]),
    st.integers(0, 700),  # day offset from START (some after AS_OF)
    st.sampled_from(["completed", "completed", "completed", None, "cancelled", "returned", "refunded"]),
    st.integers(0, 60_000),
)


def recount(orders):
    """The rules, written out again with dicts and loops (a test-only reference)."""
    days = defaultdict(set)
    n = defaultdict(int)
    money = defaultdict(int)
    for _, cid, day, status, total in orders:
        if day > AS_OF or status in EXCLUDED:
            continue
        days[cid].add(day)
        n[cid] += 1
        money[cid] += total
    out = {}
    for cid, ds in days.items():
        first, last = min(ds), max(ds)
        tenure, lapse, spend = (last - first).days, (AS_OF - last).days, money[cid]
        if len(ds) == 1:
            seg = "first_time"
        elif tenure < 90:
            seg = "budding"
        elif spend < 70_000:
            seg = "steady"
        elif tenure < 210:
            seg = "trend"
        else:
            seg = "loyal"
        second = sorted(ds)[1] if len(ds) > 1 else None
        out[cid] = {
            "frequency": len(ds), "orders": n[cid], "monetary_total": spend, "recency_days": lapse,
            "tenure_days": tenure, "cpm_segment": seg, "cpm_active": lapse < 240,
            "f2_90": ((AS_OF - first).days >= 90, second is not None and (second - first).days <= 90),
        }
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(order_st, min_size=1, max_size=25))
def test_summary_and_cpm_match_a_recount(make_ws, raw):
    orders = [
        (f"o{i}", cid, START + dt.timedelta(days=off), status, total, None, None, None)
        for i, (cid, off, status, total) in enumerate(raw)
    ]
    if all(START + dt.timedelta(days=off) > AS_OF for _, off, _, _ in raw):
        orders.append(("early", "z", START, "cancelled", 1, None, None, None))  # keep an order before AS_OF
    ws = make_ws(f"prop{abs(hash(tuple(raw)))}", orders)
    want = recount([(o[0], o[1], o[2], o[3], o[4]) for o in orders])
    got = {r["customer_id"]: r for r in A.cpm(ws, AS_OF).to_pyarrow().to_pylist()}
    for cid, w in want.items():
        g = got[cid]
        for key in ("frequency", "orders", "monetary_total", "recency_days", "tenure_days", "cpm_segment", "cpm_active"):
            assert g[key] == w[key], (cid, key, g, w)
    non_buyers = {cid for cid, r in got.items() if r["frequency"] == 0}
    assert non_buyers == set(got) - set(want)
    f2 = {r["window_days"]: r for r in A.f2(ws, AS_OF).to_pyarrow().to_pylist()}
    assert f2[90]["eligible"] == sum(e for e, _ in (w["f2_90"] for w in want.values()))
    assert f2[90]["converted"] == sum(e and c for e, c in (w["f2_90"] for w in want.values()))
