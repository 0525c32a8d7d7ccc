"""Monthly stage snapshots from the one grid query equal a fresh classification that day.

The property that matters: for random small shops and policies, the grid's stage,
journey step and temperature (purchase rhythm only) of every customer at every month end
equal :func:`classify_frame` run for that day alone, and its counts and flows are the
counts of those per-day classifications."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from horetsu.core.purchases import excluded_statuses
from horetsu.pipeline import analyze
from horetsu.stages.classifier import classify_frame
from horetsu.stages.grid import grid_days, stage_grid
from horetsu.stages.history import NEW, _first_day
from horetsu.stages.policy import load_stage_policy as load_policy
from horetsu_tests_pipeline_property import AS_OF, POLICIES, random_shop


def _per_day(ws, days, policy):
    out = {}
    for day in days:  # the reference: one classification per day
        frame, _ = classify_frame(ws, day, None, policy, evidence=False)
        out[day] = {r.customer_id: (r.stage, r.journey_step, r.temperature) for r in frame.itertuples()}
    return out


@pytest.mark.parametrize("seed", [3, 40])
def test_grid_equals_classification_each_month_end(shop, make_ws, seed):
    ws = make_ws(random_shop(shop, seed, n=40), POLICIES[seed % len(POLICIES)])
    policy = load_policy(ws)
    days = grid_days(_first_day(ws), AS_OF, (AS_OF - dt.timedelta(days=364), AS_OF - dt.timedelta(days=182)))
    keep = tuple(days[-3:])
    res = stage_grid(ws, days, policy, excluded_statuses(ws), keep=keep)
    want = _per_day(ws, days, policy)
    # the compressed rows: a customer's state on a day is their latest row on or before it
    state: dict[str, tuple] = {}
    rows = sorted(res.changes.to_pylist(), key=lambda r: r["as_of"])
    i = 0
    for day in days:
        while i < len(rows) and rows[i]["as_of"] <= day:
            r = rows[i]
            state[r["customer_id"]] = (r["stage"], r["journey_step"], r["temperature"])
            i += 1
        got = {c: v for c, v in state.items()}
        assert {c: v[0] for c, v in got.items()} == {c: v[0] for c, v in want[day].items()}, day
        assert {c: v[1] for c, v in got.items()} == {c: v[1] for c, v in want[day].items()}, day
        assert {c: v[2] for c, v in got.items()} == {c: v[2] for c, v in want[day].items()}, day
        if day == days[len(days) // 2]:  # and `analyze --as-of` that month end stores the same stages
            stored = analyze(ws, day, models=False).tables["customers"]
            assert {r["customer_id"]: (r["stage"], r["journey_step"]) for r in stored.to_pylist() if r["stage"]} == {
                c: v[:2] for c, v in got.items()}
    counts = Counter()
    for r in res.counts.to_pylist():
        counts[(r["as_of"], r["stage"], r["temperature"])] += r["customers"]
    assert counts == Counter({(d, s, t): n for d in days
                              for (s, t), n in Counter((v[0], v[2]) for v in want[d].values()).items()})
    flows = Counter({(r["period_from"], r["period_to"], r["from_stage"], r["to_stage"]): r["customers"]
                     for r in res.transitions.to_pylist()})
    expect = Counter()
    for a, b in zip(days, days[1:]):
        for c, v in want[b].items():
            expect[(a, b, want[a][c][0] if c in want[a] else NEW, v[0])] += 1
    assert flows == expect
    snaps = {(r["as_of"], r["customer_id"]): (r["stage"], r["journey_step"], r["temperature"])
             for r in res.snapshots.to_pylist()}
    assert snaps == {(d, c): v for d in keep for c, v in want[d].items()}


def test_stored_monthly_history_feeds_the_report(shop, make_ws):
    from horetsu.report.data import ReportData
    from horetsu.report.sections.stages import monthly

    ws = make_ws(random_shop(shop, 7, n=30))
    res = analyze(ws, AS_OF, models=False)
    stored = res.tables["customers"].to_pylist()
    wide = monthly(ReportData(ws))
    # the last column of the report's monthly chart is the results' own classification ...
    assert wide.index[-1] == AS_OF
    assert {s: int(n) for s, n in wide.iloc[-1].items() if n} == dict(Counter(r["stage"] for r in stored if r["stage"]))
    # ... and a month end is what a classification that day alone gives
    day = dt.date(2025, 3, 31)
    frame, _ = classify_frame(ws, day, None, load_policy(ws), evidence=False)
    assert {s: int(n) for s, n in wide.loc[day].items() if n} == dict(Counter(frame["stage"]))
    # the flows between consecutive snapshots end in the results' stages
    tr = res.tables["stage_transitions"].to_pylist()
    into_now = Counter()
    for r in tr:
        if r["period_to"] == AS_OF:
            into_now[r["to_stage"]] += r["customers"]
    assert into_now == Counter(r["stage"] for r in stored if r["stage"])


def test_grid_equals_classification_every_day_at_the_edges(shop, make_ws):
    """Day by day, so that every lookback's end and every cooling or lapsing day (the
    thresholds the grid turns the rules into) falls on a snapshot day: the day before
    and the day itself must both agree with a fresh classification."""
    ws = make_ws(random_shop(shop, 7, n=40), POLICIES[1])
    policy = load_policy(ws)
    extra = tuple(AS_OF - dt.timedelta(days=d) for d in range(75))
    days = grid_days(_first_day(ws), AS_OF, extra)
    res = stage_grid(ws, days, policy, excluded_statuses(ws))
    want = _per_day(ws, days[-75:], policy)
    state: dict[str, tuple] = {}
    rows = sorted(res.changes.to_pylist(), key=lambda r: r["as_of"])
    i, changed_temps = 0, 0
    for day in days:
        while i < len(rows) and rows[i]["as_of"] <= day:
            r = rows[i]
            changed_temps += r["customer_id"] in state and state[r["customer_id"]][2] != r["temperature"]
            state[r["customer_id"]] = (r["stage"], r["journey_step"], r["temperature"])
            i += 1
        if day in want:
            assert state == want[day], day
    assert changed_temps > 0  # the days cover temperatures changing, not only steady ones


def test_first_whole_day_past_a_ratio_is_exact():
    """The grid's cooling day: the smallest whole x with x / iv > ratio, as float64 division
    gives it, found here by trying every x."""
    import numpy as np

    from horetsu.stages.grid import _first_over

    rng = np.random.default_rng(5)
    iv = np.concatenate([rng.uniform(14, 400, 300), [20.0, 10 / 3, 14.0, 1e-1 + 14, 100 / 7]])
    for ratio in (1.5, 3.0, 1.1, 2.7):
        got = _first_over(iv, ratio)
        for v, x in zip(iv, got):
            xs = np.arange(0, int(ratio * v) + 5, dtype=np.float64)
            assert x == xs[np.argmax(xs / v > ratio)], (v, ratio)
    assert _first_over(np.array([20.0]), 1.5)[0] == 31  # 30 / 20 is exactly 1.5: not past it
