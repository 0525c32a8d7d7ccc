"""Movement statistics on a hand-built history; snapshots, transitions and overlays on
hand-built shops.  Every expected number is worked out by hand in the comments."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

import horetsu
from horetsu.errors import AnalysisError
from horetsu.stages import (
    JOURNEY_STEPS,
    cpm_by_stage,
    journey_funnel,
    movement_stats,
    rfm_by_stage,
    spells,
    stage_history,
    stalled_customers,
    transition_matrix,
    transition_matrix_from_snapshots,
)

M = [dt.date(2025, m, d) for m, d in ((1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30), (7, 31))]
Jan, Feb, Mar, Apr, May, Jun, Jul = M

# customer: [(month, stage, temperature)]
HISTORY = {
    "A": [(Jan, "observer"), (Feb, "observer"), (Mar, "landing"), (Apr, "empathy"), (May, "empathy"),
          (Jun, "empathy"), (Jul, "empathy")],
    "B": [(m, "landing") for m in M],
    "C": [(Jan, "landing"), (Feb, "empathy"), *[(m, "engagement") for m in M[2:]]],
    "D": [(Mar, "observer"), (Apr, "landing"), (May, "landing"), (Jun, "landing", "lapsed"),
          (Jul, "landing", "lapsed")],
    "E": [(Feb, "landing"), (Mar, "empathy"), *[(m, "landing") for m in M[3:]]],
    "F": [(m, "empathy", "cooling") for m in M],
}


def snapshots():
    rows = []
    for cid, items in HISTORY.items():
        for item in items:
            rows.append({"customer_id": cid, "as_of": item[0], "stage": item[1],
                         "temperature": item[2] if len(item) > 2 else "active"})
    return pa.Table.from_pylist(rows)


def by_stage(table):
    return {r["stage"]: r for r in table.to_pylist()}


# Runs (start -> exit, days):
#   A observer Jan31->Mar31 59 up | A landing Mar31->Apr30 30 up | A empathy Apr30 open 92
#   B landing Jan31 open 181 | C landing Jan31->Feb28 28 up | C empathy Feb28->Mar31 31 up
#   C engagement Mar31 open 122 | D observer Mar31->Apr30 30 up | D landing Apr30 open 92 (lapsed)
#   E landing Feb28->Mar31 31 up | E empathy Mar31->Apr30 30 DOWN | E landing Apr30 open 92
#   F empathy Jan31 open 181 (cooling)
# Window eligibility (entries at least w days before Jul31): 30d: start <= Jul 1;
# 90d: start <= May 2; 180d: start <= Feb 1.
def test_movement_stats_by_hand():
    stats = by_stage(movement_stats(snapshots(), history_start="2024-12-31"))
    obs, land, emp, eng, circ = (stats[s] for s in ("observer", "landing", "empathy", "engagement", "circulation"))

    assert (obs["runs"], obs["entered"], obs["current"]) == (2, 2, 0)
    assert obs["moved_up_within_30d"] == 0.5  # D in 30 days, A in 59
    assert obs["moved_up_within_90d"] == 1.0
    assert (obs["eligible_180d"], obs["moved_up_within_180d"]) == (1, 1.0)  # only A entered early enough
    assert obs["median_days_before_moving_up"] == 44.5  # (30 + 59) / 2
    assert obs["p80_days_before_moving_up"] == pytest.approx(53.2)  # 30 + 0.8 * 29

    assert (land["runs"], land["customers"], land["current"], land["entered"]) == (6, 5, 3, 6)
    assert land["moved_up_within_30d"] == pytest.approx(2 / 6)  # A 30, C 28; E took 31
    assert land["moved_up_within_90d"] == 0.5
    assert (land["eligible_180d"], land["moved_up_within_180d"]) == (2, 0.5)  # B, C
    assert land["median_days_before_moving_up"] == 30.0  # 28, 30, 31
    assert land["p80_days_before_moving_up"] == pytest.approx(30.6)
    assert land["moved_down_share"] == 0.0
    assert land["cooled_share"] == pytest.approx(1 / 6)  # D lapsed while at landing
    assert land["stalled"] == 2  # B 181 and E 92 > 30.6; D is lapsed (cooled, not stalled)

    assert emp["moved_up_within_30d"] == 0.0  # C took 31 days
    assert emp["moved_up_within_90d"] == 0.25
    assert emp["moved_down_share"] == 0.25  # E fell back to landing
    assert emp["median_days_before_moving_up"] == 31.0
    assert emp["median_days_before_moving"] == 30.5  # C up after 31 days, E down after 30
    assert emp["stalled"] == 2  # A 92, F 181 (> 31)

    assert (eng["runs"], eng["current"], eng["median_days_before_moving_up"], eng["stalled"]) == (1, 1, None, 0)
    assert circ["runs"] == 0 and circ["moved_up_within_30d"] is None


def test_stalled_customers_list():
    rows = stalled_customers(snapshots(), history_start="2024-12-31").to_pylist()
    got = [(r["stage"], r["customer_id"], r["days_in_stage"]) for r in rows]
    assert got == [("empathy", "F", 181), ("empathy", "A", 92), ("landing", "B", 181), ("landing", "E", 92)]
    assert {r["customer_id"]: r["temperature"] for r in rows}["F"] == "cooling"


def test_runs_open_at_the_first_snapshot_are_left_censored():
    # without an earlier history start, runs starting on Jan31 (A, B, C, F) are censored
    sp = spells(snapshots())
    assert set(sp[sp["left_censored"]]["customer_id"]) == {"A", "B", "C", "F"}
    land = by_stage(movement_stats(snapshots()))["landing"]
    assert land["entered"] == 4  # A (Mar), D, E (Feb), E (Apr)
    assert land["median_days_before_moving_up"] == 30.5  # A 30, E 31
    stalled = {r["customer_id"]: r["at_least"] for r in stalled_customers(snapshots()).to_pylist()
               if r["stage"] == "landing"}
    assert stalled == {"B": True, "E": False}


def test_transition_matrix_from_snapshots():
    t = transition_matrix_from_snapshots(snapshots(), Jan, Jul)
    nonzero = {(r["from_stage"], r["to_stage"]): (r["customers"], r["share_of_from"])
               for r in t.to_pylist() if r["customers"]}
    assert nonzero == {
        ("observer", "empathy"): (1, 1.0),
        ("landing", "landing"): (1, 0.5),
        ("landing", "engagement"): (1, 0.5),
        ("(new)", "landing"): (2, 1.0),
        ("empathy", "empathy"): (1, 1.0),
    }
    assert t.num_rows == 6 * 5


def test_transitions_count_new_unknown_and_missing_stages_by_hand():
    import pandas as pd

    from horetsu.stages.history import transitions

    before = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "e"],
                           "stage": ["landing", None, "mystery", "empathy", "landing"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "c", "d", "f", "e"],
                          "stage": ["empathy", "landing", "landing", "empathy", "observer", "unknown"]})
    # a landing->empathy; b no stage before: (new)->landing; c from an unknown stage: left out;
    # d empathy->empathy; f not there before: (new)->observer; e to an unknown stage: left out
    want = {("landing", "empathy"): (1, 1.0), ("(new)", "landing"): (1, 0.5), ("(new)", "observer"): (1, 0.5),
            ("empathy", "empathy"): (1, 1.0)}
    for got in (transitions(before, after),
                transitions(pa.Table.from_pandas(before), pa.Table.from_pandas(after))):
        rows = got.to_pylist()
        assert len(rows) == 30 and sum(r["customers"] for r in rows) == 4
        assert {(r["from_stage"], r["to_stage"]): (r["customers"], r["share_of_from"]) for r in rows
                if r["customers"]} == want


# ------------------------------------------------------------------ from a workspace
def _ws_shop(shop):
    # X: registered Jan 10, buys Feb 15 and Apr 10 -> observer, landing, landing, empathy
    # Y: buys Mar 1 with a subscription cancelled Apr 15 -> -, -, engagement, landing (down)
    shop.as_of = dt.date(2025, 4, 30)
    x_reg = (shop.as_of - dt.date(2025, 1, 10)).days
    shop.customer("X", registered=x_reg).order("X", (shop.as_of - dt.date(2025, 2, 15)).days)
    shop.order("X", (shop.as_of - dt.date(2025, 4, 10)).days)
    y_start = (shop.as_of - dt.date(2025, 3, 1)).days
    shop.customer("Y", registered=y_start).order("Y", y_start).sub("Y", y_start, cancelled=(shop.as_of - dt.date(2025, 4, 15)).days)
    return shop


def test_stage_history_snapshots_and_a_move_down(shop, make_ws):
    ws = make_ws(_ws_shop(shop))
    h = stage_history(ws, end="2025-04-30")
    got = {(r["customer_id"], r["as_of"]): r["stage"] for r in h.to_pylist()}
    assert got == {
        ("X", Jan): "observer", ("X", Feb): "landing", ("X", Mar): "landing", ("X", Apr): "empathy",
        ("Y", Mar): "engagement", ("Y", Apr): "landing",
    }
    assert h.schema.metadata[b"history_start"] == b"2025-01-09"  # the day before the first data day
    emp = by_stage(movement_stats(h))
    assert emp["engagement"]["moved_down_share"] == 1.0
    assert emp["observer"]["median_days_before_moving_up"] == 28.0  # Jan31 -> Feb28


def test_transition_matrix_between_two_dates(shop, make_ws):
    ws = make_ws(_ws_shop(shop))
    t = transition_matrix(ws, "2025-02-28", "2025-04-30")
    nonzero = {(r["from_stage"], r["to_stage"]): r["customers"] for r in t.to_pylist() if r["customers"]}
    assert nonzero == {("landing", "empathy"): 1, ("(new)", "landing"): 1}


def test_journey_funnel_by_cohort(shop, make_ws):
    shop.as_of = dt.date(2025, 6, 30)

    def ago(m, d):
        return (shop.as_of - dt.date(2025, m, d)).days

    shop.customer("F1", registered=ago(1, 5)).order("F1", ago(1, 10)).order("F1", ago(2, 9))
    shop.customer("F2", registered=ago(1, 20)).order("F2", ago(1, 20), category="a").sub("F2", ago(2, 1))
    shop.order("F2", ago(3, 2), category="b")
    shop.customer("F3", registered=ago(1, 25))
    shop.customer("F4", registered=ago(2, 3)).order("F4", ago(2, 3))
    ws = make_ws(shop)
    rows = journey_funnel(ws, "2025-06-30").to_pylist()
    jan = {r["step"]: r for r in rows if r["cohort"] == "2025-01"}
    assert [jan[s]["customers"] for s in JOURNEY_STEPS] == [3, 2, 2, 1, 1, 0, 0]
    assert jan["trial"]["conversion"] == pytest.approx(2 / 3)
    assert jan["subscription"]["conversion"] == 0.5
    assert jan["full_line"]["conversion"] == 0.0 and jan["advocate"]["conversion"] is None
    # F2 reached "repeat or later" on Feb 1 (the subscription), before the second order
    assert jan["trial"]["median_days_from_previous"] == 2.5  # F1 5, F2 0
    assert jan["repeat"]["median_days_from_previous"] == 21.0  # F1 30, F2 12
    assert jan["cross_sell"]["median_days_from_previous"] == 29.0  # Feb 1 -> Mar 2
    every = {r["step"]: r for r in rows if r["cohort"] == "all"}
    assert every["lead"]["customers"] == 4 and every["trial"]["customers"] == 3
    assert {r["cohort"] for r in rows} == {"2025-01", "2025-02", "all"}


def test_rfm_and_cpm_overlays(shop, make_ws):
    shop.customer("r5f2", registered=100).order("r5f2", 60).order("r5f2", 10)  # R5 F2, empathy
    shop.customer("r2f1", registered=400).order("r2f1", 300)  # R2 F1, landing
    shop.customer("obs", registered=10)  # R0 F0, observer
    ws = make_ws(shop)
    cells = {(r["rfm_r"], r["rfm_f"], r["stage"]): r["customers"] for r in rfm_by_stage(ws, "2025-06-30").to_pylist()
             if r["customers"]}
    assert cells == {(5, 2, "empathy"): 1, (2, 1, "landing"): 1, (0, 0, "observer"): 1}
    customers = pa.table({"customer_id": ["r5f2", "r2f1", "obs"], "cpm_segment": ["よちよち客", "初回離脱客", None]})
    cpm = {(r["cpm_segment"], r["stage"]): r["customers"] for r in
           cpm_by_stage(ws, "2025-06-30", customers=customers).to_pylist() if r["customers"]}
    assert cpm == {("よちよち客", "empathy"): 1, ("初回離脱客", "landing"): 1, ("(none)", "observer"): 1}
    with pytest.raises(AnalysisError):
        cpm_by_stage(ws, "2025-06-30")


def test_an_empty_workspace_gives_empty_results_not_errors(ws):
    from horetsu.stages import classify, stage_distribution

    assert classify(ws).num_rows == 0
    h = stage_history(ws)
    assert h.num_rows == 0
    stats = movement_stats(h)
    assert stats.column("runs").to_pylist() == [0, 0, 0, 0, 0]
    assert stalled_customers(h).num_rows == 0
    assert sum(stage_distribution(ws).column("customers").to_pylist()) == 0
    assert {r["customers"] for r in journey_funnel(ws).to_pylist()} == {0}
    with pytest.raises(AnalysisError, match="import"):  # the gate's analysis needs data
        horetsu.gate(ws, "mail_magazine")


def test_analyze_writes_the_stage_columns_into_customer_results(shop, make_ws):
    from horetsu.pipeline import analyze
    from horetsu.stages import classify

    shop.customer("a", registered=100).order("a", 90).order("a", 30)
    shop.customer("b", registered=10)
    ws = make_ws(shop)
    analyze(ws, "2025-06-30")
    results = ws.read_result("customers")
    staged = classify(ws, "2025-06-30", customers=results)  # the same P(alive) as analyze used
    assert "next_action" in results.column_names  # the playbook's, added by the pipeline
    for col in ("stage", "journey_step", "temperature", "stage_evidence", "stage_evidence_ja"):
        got = dict(zip(results.column("customer_id").to_pylist(), results.column(col).to_pylist()))
        want = dict(zip(staged.column("customer_id").to_pylist(), staged.column(col).to_pylist()))
        assert {k: got[k] for k in want} == want, col
    cpm = cpm_by_stage(ws, "2025-06-30")  # the analytics' CPM segments from results/customers.parquet
    seg_a = dict(zip(results.column("customer_id").to_pylist(), results.column("cpm_segment").to_pylist()))["a"]
    nonzero = {(r["cpm_segment"], r["stage"]) for r in cpm.to_pylist() if r["customers"]}
    assert "cpm_active" in cpm.column_names
    assert nonzero == {(seg_a, "empathy"), ("(none)", "observer")}  # b has not bought: no CPM segment


def test_state_changes_append_orders_rows_by_customer_then_day():
    """Appending later rows (the as-of day's) to the history's: the same rows as sorting
    (customer id, day) in plain Python, with shared ids, different ids, and an earlier row
    in the appended set (which must take the general path)."""
    import numpy as np
    import pyarrow as pa

    from horetsu.stages.history import StateChanges

    def make(rows):
        ids = sorted({r[0] for r in rows})
        rows = sorted(rows, key=lambda r: (ids.index(r[0]), r[1]))
        col = lambda i, t: np.array([r[i] for r in rows], t)  # noqa: E731
        return StateChanges(pa.array(ids, pa.string()), np.array([ids.index(r[0]) for r in rows], np.int64),
                            col(1, np.int64), col(2, np.int8), col(3, np.int8), col(4, np.int8))

    def rows_of(sc):
        ids = sc.ids.to_pylist()
        return [(ids[c], int(d), int(s), int(j), int(t)) for c, d, s, j, t in
                zip(sc.cust, sc.day, sc.stage, sc.journey, sc.temp)]

    rng = np.random.default_rng(3)
    for trial in range(30):
        names = [f"C{i:02d}" for i in rng.choice(40, size=12, replace=False)]
        past = [(c, int(d), int(rng.integers(5)), int(rng.integers(7)), int(rng.integers(3)))
                for c in names for d in set(rng.integers(100, 200, size=int(rng.integers(1, 4))))]
        now_names = names if trial % 3 == 0 else [*names[2:], "Z1", "A0"]
        day = 250 if trial % 5 else 150  # every fifth: one "now" day inside the history
        now = [(c, day, int(rng.integers(5)), int(rng.integers(7)), int(rng.integers(3))) for c in now_names]
        a, b = make(past), make(now)
        got = a.append(b)
        ids = got.ids.to_pylist()
        assert ids == sorted(set(names) | set(now_names))
        want = sorted(past + now, key=lambda r: (r[0], r[1]))
        assert rows_of(got) == want
        assert all(np.diff(got.cust) >= 0)
