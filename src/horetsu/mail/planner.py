"""What is due: every sequence step for every customer, set-based in DuckDB over Arrow.

One SQL statement (a part per sequence) computes the trigger's anchor day, each step's due day
(``delay_days`` after the anchor, or the customer's expected repurchase day plus
``offset_days``), the holdout draw (``md5`` of customer and sequence, so the same customer
is always in or out of a sequence's holdout), the stop conditions and the window of days
still worth enqueuing.  The gate then splits the due rows per tactic (vectorised).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from horetsu.mail.clock import at_tokyo, tokyo_day
from horetsu.mail.facts import category_intervals, customer_table
from horetsu.mail.sequences import Sequence, load_sequences
from horetsu.core.dates import to_day

LOOKBACK_DAYS = 3  # steps due this many days back are still enqueued (then expire with a reason)


@dataclass
class Plan:
    """Rows due now, one per customer × sequence × step × occurrence, with a ``status``.

    ``status``: ``due`` (to enqueue), ``holdout``, ``stopped:purchased``, ``gate`` (with ``rule``).
    """

    now: dt.datetime
    rows: pa.Table
    counts: dict[tuple[str, int, str], int] = field(default_factory=dict)

    def due(self) -> pa.Table:
        import pyarrow.compute as pc

        return self.rows.filter(pc.equal(self.rows.column("status"), "due"))


def _anchor_sql(seq: Sequence, cooling_ratio: float) -> tuple[str, str]:
    """(anchor day expression, stop-by-purchase condition) for a trigger."""
    kind, stage = seq.trigger_kind, seq.trigger_stage
    if kind == "first_purchase":
        return "first_day", "last_day > anchor"
    if kind == "repeat_purchase":
        return "CASE WHEN n_days >= 2 THEN last_day END", "last_day > anchor"
    if kind == "subscription_start":
        return "sub_day", "last_day > anchor"
    if kind == "signup":
        return "reg_day", "n_days > 0"
    if kind == "cooling":
        return (f"CASE WHEN temperature = 'cooling' AND last_day IS NOT NULL "
                f"THEN last_day + CAST(CEIL({cooling_ratio} * iv) AS BIGINT) END", "last_day > anchor")
    assert kind == "stage_entered"
    return f"CASE WHEN stage = '{stage}' THEN COALESCE(last_day, reg_day) END", "last_day > anchor"


def _base_sql(policy: Any) -> str:
    """Each customer's rhythm ``iv`` (own interval, the category's, or the default), computed once."""
    t = policy.temperature
    return f"""
    SELECT c.*, GREATEST({t.min_interval_days},
        COALESCE(c.expected_interval_days,
                 CASE WHEN c.n_days >= 2 THEN (c.last_day - c.first_day) / (c.n_days - 1) END,
                 ci.median_days, {t.default_interval_days})) AS iv
    FROM cust c LEFT JOIN cat_iv ci ON ci.category = c.first_category
    """


def _sequence_sql(seq: Sequence, policy: Any, today: int, lookback: int) -> str:
    anchor, stopped = _anchor_sql(seq, policy.temperature.cooling_ratio)
    steps = []
    for i, step in enumerate(seq.steps, start=1):
        steps.append(f"SELECT {i} AS step, '{step.tactic}' AS tactic, '{step.template}' AS template, "
                     f"'{step.channel}' AS channel, '{'r' if step.at else 'd'}' AS kind, {step.delay_days or 0} AS delay, "
                     f"{step.offset_days} AS offs")
    steps_sql = " UNION ALL ".join(steps)
    name = seq.name.replace("'", "''")
    due = "CASE WHEN s.kind = 'd' THEN a.anchor + s.delay ELSE a.anchor + CAST(ROUND(a.iv) AS BIGINT) + s.offs END"
    return f"""
    SELECT a.customer_id, '{name}' AS sequence, s.step, s.tactic, s.template, s.channel,
           a.anchor, {due} AS due_day,
           a.stage, a.email, a.name, a.first_category, a.iv,
           CASE WHEN COALESCE({stopped}, FALSE) THEN 'stopped:purchased'
                WHEN (md5_number(a.customer_id || '|' || '{name}') % 1000000) < {int(round(seq.holdout * 1_000_000))}
                     THEN 'holdout'
                ELSE 'due' END AS status
    FROM (SELECT *, {anchor} AS anchor FROM base
          WHERE ({anchor}) IS NOT NULL AND ({anchor}) <= {today}) a
    CROSS JOIN ({steps_sql}) s
    WHERE {due} BETWEEN {today - lookback} AND {today}
    """


def plan(ws: Any, now: dt.datetime, *, sequences: dict[str, Sequence] | None = None, gate: bool = True,
         quiet_end: str = "09:00", customers: pa.Table | None = None) -> Plan:
    """Every step due at ``now`` (set-based), split by holdout, stop conditions and the gate."""
    from horetsu.playbook.policy import load_policy

    policy = load_policy(ws)
    sequences = load_sequences(ws, policy=policy) if sequences is None else sequences
    today = tokyo_day(now)
    # a step becomes due at the end of the quiet hours on its due day
    today_n = to_day(today) if now >= at_tokyo(today, quiet_end) else to_day(today) - 1
    cust = customer_table(ws, today) if customers is None else customers
    con = duckdb.connect()
    con.register("cust", cust)
    con.register("cat_iv", category_intervals(ws))
    if not sequences:
        con.close()
        return Plan(now, pa.table({"customer_id": pa.array([], pa.string())}), {})
    con.execute(f"CREATE TEMP TABLE base AS {_base_sql(policy)}")
    # every sequence in one statement, the columns the plan and the enqueue read
    rows = con.execute(" UNION ALL ".join(f"({_sequence_sql(seq, policy, today_n, LOOKBACK_DAYS)})"
                                          for seq in sequences.values())).to_arrow_table()
    con.close()
    import pyarrow.compute as pc

    occ = pc.cast(pc.cast(rows.column("anchor"), pa.int32()).cast(pa.date32()), pa.string())
    rows = rows.append_column("occurrence", occ)
    rows = rows.append_column("rule", pa.array([""] * rows.num_rows, pa.string()))
    if gate and rows.num_rows:
        rows = apply_gate(ws, rows, today, policy)
    counts = Counter(zip(rows.column("sequence").to_pylist(), rows.column("step").to_pylist(),
                         [s if s != "gate" else f"gate:{r}" for s, r in
                          zip(rows.column("status").to_pylist(), rows.column("rule").to_pylist())]))
    return Plan(now, rows, dict(counts))


def gate_split(ws: Any, ids_by_tactic: dict[str, list[str]], day: dt.date, policy: Any,
               frame: Any = None) -> dict[str, dict[str, str]]:
    """{tactic: {blocked customer id: rule}}: the gate per tactic over the stored results, read
    once for just these customers (or over ``frame``, their state already read by the caller)."""
    from horetsu.mail.facts import ensure_results
    from horetsu.playbook.gate import gate_frame
    from horetsu.playbook.state import customer_state

    out: dict[str, dict[str, str]] = {}
    if not any(ids_by_tactic.values()):
        return out
    if frame is None:
        ensure_results(ws, day)
        wanted = sorted({c for ids in ids_by_tactic.values() for c in ids})
        frame, _ = customer_state(ws, policy, day, customer_ids=wanted)
    for tactic, ids in ids_by_tactic.items():
        sub = frame[frame["customer_id"].isin(set(ids))].reset_index(drop=True)
        result = gate_frame(sub, policy, tactic, day)
        blocked = result.blocked
        out[tactic] = dict(zip(blocked.column("customer_id").to_pylist(), blocked.column("rule").to_pylist()))
    return out


def apply_gate(ws: Any, rows: pa.Table, day: dt.date, policy: Any) -> pa.Table:
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    status = np.array(rows.column("status").to_pylist(), dtype=object)
    rule = np.array(rows.column("rule").to_pylist(), dtype=object)
    tactic = np.array(rows.column("tactic").to_pylist(), dtype=object)
    cid = np.array(rows.column("customer_id").to_pylist(), dtype=object)
    due = status == "due"
    ids = {t: cid[due & (tactic == t)].tolist() for t in np.unique(tactic[due])}
    blocked = gate_split(ws, ids, day, policy)
    for t, hit in blocked.items():
        if not hit:
            continue
        mask = due & (tactic == t) & pc.is_in(pa.array(cid, pa.string()), pa.array(list(hit), pa.string())).to_numpy(zero_copy_only=False)
        status[mask] = "gate"
        rule[mask] = pd.Series(cid[mask]).map(hit).to_numpy(dtype=object)
    rows = rows.set_column(rows.column_names.index("status"), "status", pa.array(status.tolist(), pa.string()))
    return rows.set_column(rows.column_names.index("rule"), "rule", pa.array(rule.tolist(), pa.string()))
