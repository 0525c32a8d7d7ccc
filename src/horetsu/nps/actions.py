"""Acting on answers: who to reply to personally, who to thank, who to ask — through the gate.

- **Detractors** (latest answer 0–6, answered within ``detractor_window_days`` and not yet
  personally contacted since): a personal reply (``personal_reply``, never a template),
  due ``detractor_reply_hours`` (48) after the answer.
- **Promoters** (latest answer 9–10) not yet thanked since the answer: ``thank_you`` first.
- **Promoters thanked** at least ``cooling_off_days`` ago and not asked since:
  ``referral_request`` and ``review_request``.

"Contacted", "thanked" and "asked" are read from ``message_sent`` events (their ``note``
names the tactic), the record `horetsu export --record` keeps.  Each list passes the gate
(:func:`horetsu.gate`) for its tactic; the gate's blocked customers are returned too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from horetsu.nps.answers import latest_per_customer, load_answers
from horetsu.nps.settings import nps_settings
from horetsu.nps.stats import DETRACTOR_MAX, PROMOTER_MIN

CONTACT_TACTICS = ("personal_reply", "follow_up_call", "follow_up_email")
THANK_TACTICS = ("thank_you",)
ASK_TACTICS = ("referral_request", "review_request")
LISTS = {
    "detractors_personal_reply": "personal_reply",
    "promoters_thank_you": "thank_you",
    "promoters_referral_request": "referral_request",
    "promoters_review_request": "review_request",
}
JST = dt.timezone(dt.timedelta(hours=9))


@dataclass
class ActList:
    name: str
    tactic: str
    rows: pa.Table  # allowed: customer_id, score, answered_at, due_by, stage, reason, improve
    gate: Any


def _last_sent(ws: Any, tactics: tuple[str, ...], name: str) -> pa.Table:
    ev = ws.table("events")
    ev = ev.filter((ev.type == "message_sent") & ev.note.isin(list(tactics)))
    return ev.group_by("customer_id").aggregate(**{name: ev.at.max()}).to_pyarrow()


def candidates(ws: Any, as_of: dt.date) -> dict[str, pa.Table]:
    """The four candidate lists before the gate (latest answer per customer, up to ``as_of``)."""
    s = nps_settings(ws)
    end = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(0), tzinfo=JST)
    answers = load_answers(ws)
    at = answers.column("answered_at")
    answers = answers.filter(pc.less(at, pa.scalar(end, at.type)))
    latest = latest_per_customer(answers)
    score = latest.column("score")
    contact = _flag(ws, latest, CONTACT_TACTICS, "contacted_at")
    thanked = _flag(ws, latest, THANK_TACTICS, "thanked_at")
    asked = _flag(ws, latest, ASK_TACTICS, "asked_at")
    window = pa.scalar(end - dt.timedelta(days=s.detractor_window_days), at.type)
    det = pc.and_(pc.less_equal(score, DETRACTOR_MAX), pc.greater_equal(latest.column("answered_at"), window))
    det = pc.and_(det, pc.invert(contact["flag"]))
    pro = pc.greater_equal(score, PROMOTER_MIN)
    thank = pc.and_(pro, pc.invert(thanked["flag"]))
    cool = pa.scalar(end - dt.timedelta(days=s.cooling_off_days), at.type)
    ripe = pc.fill_null(pc.less(thanked["at"], cool), False)
    ask = pc.and_(pc.and_(pro, thanked["flag"]), pc.and_(ripe, pc.invert(asked["flag"])))
    hours = dt.timedelta(hours=s.detractor_reply_hours)
    due = pc.add(latest.column("answered_at"), pa.scalar(hours, pa.duration("us")))
    base = latest.select(["customer_id", "score", "answered_at", "reason", "improve"]).append_column("due_by", due)
    return {
        "detractors_personal_reply": base.filter(det).sort_by("due_by"),
        "promoters_thank_you": base.filter(thank).sort_by("answered_at"),
        "promoters_referral_request": base.filter(ask).sort_by("answered_at"),
        "promoters_review_request": base.filter(ask).sort_by("answered_at"),
    }


def _flag(ws: Any, latest: pa.Table, tactics: tuple[str, ...], name: str) -> dict[str, pa.Array]:
    sent = _last_sent(ws, tactics, name)
    if sent.num_rows == 0:
        n = latest.num_rows
        return {"flag": pa.array([False] * n, pa.bool_()), "at": pa.nulls(n, latest.column("answered_at").type)}
    j = latest.select(["customer_id", "answered_at"]).append_column("__i", pa.array(range(latest.num_rows), pa.int64()))
    j = j.join(sent, "customer_id", join_type="left outer", use_threads=False).sort_by("__i")
    sent_at = j.column(name).cast(latest.column("answered_at").type)
    flag = pc.fill_null(pc.greater(sent_at, j.column("answered_at")), False)
    return {"flag": flag, "at": pc.if_else(flag, sent_at, pa.scalar(None, sent_at.type))}


def act_lists(ws: Any, as_of: Any = None) -> list[ActList]:
    """The four lists, each passed through the gate for its tactic on ``as_of`` (default: today in Japan)."""
    import horetsu
    from horetsu.nps.waves import _parse_day

    day = _parse_day(as_of) if as_of is not None else dt.datetime.now(JST).date()
    out = []
    for name, rows in candidates(ws, day).items():  # four lists, one gate call each
        tactic = LISTS[name]
        ids = rows.column("customer_id").to_pylist()
        result = horetsu.gate(ws, tactic, audience=ids, as_of=day)
        allowed = result.allowed.select(["customer_id", "stage"])
        kept = rows.join(allowed, "customer_id", join_type="inner", use_threads=False)
        kept = kept.sort_by("due_by" if name.startswith("detractors") else "answered_at")
        out.append(ActList(name, tactic, kept, result))
    return out
