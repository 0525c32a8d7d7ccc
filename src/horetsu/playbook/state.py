"""Where every customer stands on a send date, read from the stored results.

The gate, the exports and the plan check start here.  On the results' own as-of day the
stored decisions are used as they are.  For a later send date the stored per-customer
facts (day numbers of purchases, sign-up, contacts, subscriptions, messages) are moved
to that day and decided again by the same stage rules (:func:`horetsu.stages.classifier.decide`),
without re-reading any order: this is exactly what a fresh ``analyze --as-of`` that day
would decide, because nothing can have happened in between (the results would otherwise
be stale).  P(alive) for the later day is computed with the fitted parameters (only the
customer's age grows; the model is not refitted).  An earlier day than the results'
as-of is an error naming the command to run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from horetsu import results as _results
from horetsu.core.dates import parse_date, to_day
from horetsu.playbook.facts import cap_counts_at
from horetsu.stages.classifier import advance, decide
from horetsu.playbook.policy import Policy

#: per-customer columns of results/customers.parquet that the rules read (plus the
#: ``thanks_day__*`` and ``cap_days__*`` columns of the policy's rules)
STATE_COLUMNS = (
    "customer_id", "reg_day", "n_orders", "first_order_day", "last_order_day", "spend_jpy", "second_order_day",
    "n_categories", "cat2_day", "catk_day", "sub_active", "sub_active_until", "first_sub_day", "last_sub_day",
    "n_subscriptions", "last_event_day", "first_lead_day", "last_contact_event_day", "last_participation_day",
    "last_advocacy_day", "first_advocate_day", "nps_last_day", "nps_last_value", "as_of_day", "full_line_k",
    "last_contribution_day", "stage", "stage_ja", "stage_rule", "stage_no", "journey_step", "temperature",
    "expected_interval_days", "p_alive", "model_frequency", "model_recency", "model_T",
)  # fmt: skip
RULE_PREFIXES = ("thanks_day__", "cap_days__")


def with_cap_counts(table: pa.Table, policy: Policy, day: int) -> pa.Table:
    """Add ``cap_count__<rule>``: counted messages in each cap's window ending on day number ``day``."""
    for rid, rule in policy.caps.items():
        src = f"cap_days__{rid}"
        name = f"cap_count__{rid}"
        if src in table.column_names:
            counts = cap_counts_at(table[src], day, rule.within_days)
        else:
            counts = np.zeros(table.num_rows, dtype=np.int64)
        if name in table.column_names:
            table = table.drop_columns([name])
        table = table.append_column(name, pa.array(counts, pa.int64()))
    return table


def customer_state(ws: Any, policy: Policy, as_of: Any = None,
                   customer_ids: list[str] | None = None, *, fresh: bool = True) -> tuple[pd.DataFrame, dt.date]:
    """(frame of every staged customer with facts and decisions on ``as_of``, the day);
    ``customer_ids`` keeps just those customers (before the frame is built when the results are
    as of ``day``; after the decisions otherwise, as the temperature uses the shop's median).
    ``fresh=False`` reads stale results as they are (the web app's pages, which say they are
    stale); every decision that acts (gate, exports, sends) keeps the default."""
    res = _results.load(ws, fresh=fresh)
    day = parse_date(as_of) or res.as_of
    if day < res.as_of:
        raise _results.NoResultsError(
            f"the results are as of {res.as_of}, later than {day}; run `horetsu analyze --as-of {day}` first",
            ja=f"分析結果は {res.as_of} 時点で、{day} より後です。先に `horetsu analyze --as-of {day}` を実行してください",
        )
    if day > res.as_of and res.data_last_day is not None and res.data_last_day > res.as_of:
        raise _results.NoResultsError(
            f"the results are as of {res.as_of} but the data goes on to {res.data_last_day}; "
            f"run `horetsu analyze --as-of {day}` first",
            ja=f"分析結果は {res.as_of} 時点ですが、データは {res.data_last_day} まであります。"
            f"先に `horetsu analyze --as-of {day}` を実行してください",
        )
    names = pq.read_schema(res.path("customers")).names
    if "stage" not in names:
        raise _results.NoResultsError(
            "the results have no stages (analyze ran with --no-stages); run `horetsu analyze`",
            ja="分析結果にステージがありません(--no-stages で実行されました)。`horetsu analyze` を実行してください",
        )
    cols = [c for c in names if c in STATE_COLUMNS or c.startswith(RULE_PREFIXES)]
    table = res.customers(cols)
    table = table.filter(pc.is_valid(table["stage"]))
    keep = None if customer_ids is None else pa.array(customer_ids, pa.string())
    if keep is not None and day == res.as_of:
        table, keep = table.filter(pc.is_in(table["customer_id"], value_set=keep)), None
    table = with_cap_counts(table, policy, to_day(day))
    frame = table.to_pandas()
    if day > res.as_of:
        later = (day - res.as_of).days
        models = res.meta.get("models") or {}
        frame = advance(frame, to_day(day))
        if {"model_frequency", "model_recency", "model_T"} <= set(frame.columns):
            from horetsu.models.scoring import p_alive_at  # SciPy only when a later day needs it

            p = p_alive_at(models, frame["model_frequency"], frame["model_recency"], frame["model_T"], later)
            frame["p_alive"] = p
        scores = frame[["customer_id", "p_alive"]] if "p_alive" in frame else None
        frame = decide(frame, policy, scores, evidence=False)
    if keep is not None:
        frame = frame[frame["customer_id"].isin(keep.to_pylist())]
    return frame.reset_index(drop=True), day
