"""``load_answers(ws)``: the one place NPS answers are read.

An answer is a fact: it is stored as an ``nps_response`` event (``value`` = the 0–10
score, the texts in ``payload`` as JSON ``{"reason", "improve", "source", "wave_id",
"token_id"}`` and, readable, in ``note``).  Reading the events table directly (not the
analysis results) makes an answer count as soon as it is stored.  The web app's survey
store plugs in at :func:`_survey_store` and is merged here, one row per token.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu import schema

ANSWERS = pa.schema([
    ("customer_id", pa.string()),
    ("answered_at", schema.TS),
    ("score", pa.float64()),
    ("reason", pa.string()),
    ("improve", pa.string()),
    ("source", pa.string()),
    ("wave_id", pa.string()),
    ("token_id", pa.string()),
])  # fmt: skip

EVENT_TYPE = "nps_response"


def payload(*, reason: str | None, improve: str | None, source: str, wave_id: str | None = None,
            token_id: str | None = None) -> str:  # fmt: skip
    """The event payload of one answer (JSON)."""
    data = {"reason": reason or None, "improve": improve or None, "source": source, "wave_id": wave_id,
            "token_id": token_id}  # fmt: skip
    return json.dumps(data, ensure_ascii=False)


def note(reason: str | None, improve: str | None) -> str | None:
    """The readable note of an answer: the texts, one per line."""
    parts = [p for p in (reason, improve) if p]
    return "\n".join(parts) if parts else None


def _from_events(ws: Any) -> pa.Table:
    ev = ws.table("events")
    ev = ev.filter((ev.type == EVENT_TYPE) & ev.value.notnull() & ev.customer_id.notnull())
    j = ev.payload.try_cast("json")
    expr = ev.select(
        customer_id=ev.customer_id,
        answered_at=ev.at,
        score=ev.value.cast("float64"),
        reason=j["reason"].str,
        improve=j["improve"].str,
        source=j["source"].str,
        wave_id=j["wave_id"].str,
        token_id=j["token_id"].str,
        note=ev.note,
    )
    t = expr.to_pyarrow()
    # Answers stored without a payload (a generic events import) keep their text in the note.
    reason = pc.if_else(pc.and_(pc.is_null(t.column("reason")), pc.is_null(t.column("improve"))),
                        t.column("note"), t.column("reason"))  # fmt: skip
    t = t.set_column(t.schema.get_field_index("reason"), "reason", reason).drop_columns(["note"])
    return t.cast(ANSWERS)


def _survey_store(ws: Any) -> pa.Table | None:
    """Answers held by the web app's survey store (:mod:`horetsu.nps.store`, in the operational
    database); None when the workspace has none (the web app never ran on it)."""
    from horetsu.nps import store

    if not store.store_in_use(ws):
        return None
    store.open_store(ws)
    return store.read_store(ws)


def load_answers(ws: Any) -> pa.Table:
    """Every stored answer (schema :data:`ANSWERS`), oldest first; one row per survey token."""
    parts = [_from_events(ws)]
    extra = _survey_store(ws)
    if extra is not None:
        parts.append(extra.cast(ANSWERS))
    t = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    t = t.sort_by([("answered_at", "ascending"), ("customer_id", "ascending")])
    return _one_per_token(t)


def _one_per_token(t: pa.Table) -> pa.Table:
    """Drop later rows repeating a token id (an answer seen in two stores counts once)."""
    tok = t.column("token_id").combine_chunks()
    if t.num_rows < 2 or tok.null_count == len(tok):
        return t
    idx = pa.array(np.arange(t.num_rows))
    firsts = pa.table({"k": tok, "i": idx}).filter(pc.is_valid(tok)).group_by("k", use_threads=False).aggregate([("i", "min")])
    keep = pc.or_(pc.is_null(tok), pc.is_in(idx, firsts.column("i_min")))
    return t.filter(keep)


def latest_per_customer(answers: pa.Table) -> pa.Table:
    """Each customer's most recent answer."""
    if answers.num_rows == 0:
        return answers
    t = answers.append_column("__i", pa.array(np.arange(answers.num_rows)))
    last = t.group_by("customer_id", use_threads=False).aggregate([("__i", "max")])
    return answers.take(pa.array(np.sort(last.column("__i_max").to_numpy())))
