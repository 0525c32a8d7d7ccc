"""Per-customer facts the playbook's rules need beyond the stage facts: messages sent.

- ``last_contribution_day``: the latest referral, testimonial or review (the events the
  thanks-first rules name);
- ``thanks_day__<rule>``: the latest thank-you sent (a sent-message event whose note names
  a tactic with the rule's gratitude trait);
- ``cap_days__<rule>``: the days of the counted messages sent within the cap's window
  before the as-of day, as a list, so that the count for any later send date is exact
  without re-reading the events (:func:`cap_counts_at`).

One Ibis query, set-based; stored in ``results/customers.parquet`` by the pipeline.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.core.dates import to_day
from horetsu.stages.facts import events_until
from horetsu.playbook.policy import Policy

NONE = ["__none__"]


def message_facts_expr(ws: Any, as_of: dt.date, policy: Policy) -> Any:
    """One row per customer with a contribution or a sent message up to ``as_of``."""
    d = to_day(as_of)
    events = events_until(ws, d)
    contrib_types = sorted({t for r in policy.thanks.values() for t in r.contribution_events})
    sent_types = policy.messages.sent_event_types or NONE
    # only the events some fact reads (an aggregate over none of a customer's rows is null,
    # as a customer left out is after the join): a shop's millions of other events are not grouped
    events = events.filter(events.type.isin(sorted({*contrib_types, *sent_types})))
    is_sent = events.type.isin(sent_types)
    aggs: dict[str, Any] = {
        "last_contribution_day": events.day.max(where=events.type.isin(contrib_types or NONE)),
    }
    for rid, rule in policy.thanks.items():
        grat = is_sent & events.note.isin(policy.tactics_with_trait(rule.gratitude_trait) or NONE)
        aggs[f"thanks_day__{rid}"] = events.day.max(where=grat)
    for rid, rule in policy.caps.items():
        counted = (is_sent & events.note.isin(policy.tactics_with_trait(rule.counted_trait) or NONE)
                   & (events.day > d - rule.within_days))
        aggs[f"cap_days__{rid}"] = events.day.collect(where=counted)
    return events.group_by("customer_id").aggregate(**aggs)


def message_facts(ws: Any, as_of: dt.date, policy: Policy) -> pa.Table:
    return message_facts_expr(ws, as_of, policy).to_pyarrow()


def cap_counts_at(days: pa.ChunkedArray | pa.Array, day: int, within_days: int) -> np.ndarray:
    """How many of each row's listed days fall in the cap window ending on day number ``day``."""
    arr = days.combine_chunks() if isinstance(days, pa.ChunkedArray) else days
    n = len(arr)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    arr = arr.cast(pa.list_(pa.int64()))
    flat = pc.list_flatten(arr)
    parents = pc.list_parent_indices(arr).to_numpy(zero_copy_only=False)
    values = flat.to_numpy(zero_copy_only=False)
    inside = (values > day - within_days) & (values <= day)
    return np.bincount(parents[inside], minlength=n).astype(np.int64)
