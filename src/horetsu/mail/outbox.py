"""The outbox's state machine: exactly-once enqueue, claims with a lease, the transitions.

Claims select a batch and move it with one conditional UPDATE (``... WHERE id IN (...) AND
<still claimable>``) inside one write transaction per batch, with ``SELECT ... FOR UPDATE
SKIP LOCKED`` on PostgreSQL, so two workers never hold the same row.  A row left ``claimed`` or ``sending`` past its lease is in doubt and is claimed
again: it is resent with the Message-ID it was given at enqueue.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pyarrow as pa

from horetsu.mail.clock import at_tokyo
from horetsu.core.dates import from_day

CLAIMABLE = ("queued", "failed_temp")
IN_FLIGHT = ("claimed", "sending")


def _claimable(now: dt.datetime) -> Any:
    from django.db.models import Q

    return (Q(state__in=CLAIMABLE, next_attempt_at__lte=now)
            | Q(state__in=IN_FLIGHT, lease_until__lt=now))


def new_message_id(from_address: str) -> str:
    domain = from_address.rsplit("@", 1)[-1] if "@" in from_address else "horetsu.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def enqueue(rows: pa.Table, now: dt.datetime, cfg: Any, *, lang: str, addresses: dict[str, dict[str, str]]) -> dict[str, int]:
    """Insert the plan's due / holdout / gate-blocked rows once (the unique key drops repeats).

    ``addresses``: {channel: {customer_id: address}}.  Returns counts of rows inserted by state.
    """
    from django.db import transaction

    from horetsu.mail.models import Message

    keep = {"due": ("queued", ""), "holdout": ("holdout", "holdout"), "gate": ("skipped", "gate")}
    objs = []
    expiry = dt.timedelta(hours=cfg.expiry_hours)
    cols = {c: rows.column(c).to_pylist() for c in ("customer_id", "sequence", "step", "occurrence", "channel",
                                                    "tactic", "template", "due_day", "stage", "status", "rule")}
    for i in range(rows.num_rows):  # one object per due row (bounded by what is due now)
        status = cols["status"][i]
        if status not in keep:
            continue
        state, reason = keep[status]
        due_at = at_tokyo(from_day(cols["due_day"][i]), cfg.quiet_end)
        channel = cols["channel"][i]
        addr = addresses.get(channel, {}).get(cols["customer_id"][i]) or ""
        objs.append(Message(
            customer_id=cols["customer_id"][i], sequence=cols["sequence"][i], step=cols["step"][i],
            occurrence=cols["occurrence"][i], channel=channel, tactic=cols["tactic"][i],
            template=cols["template"][i], address=addr, lang=lang, message_id=new_message_id(cfg.from_address),
            state=state, reason=reason, rule=cols["rule"][i] or "", stage_at_enqueue=cols["stage"][i] or "",
            due_at=due_at, expires_at=due_at + expiry, next_attempt_at=due_at, created_at=now, updated_at=now))
    before = Message.objects.count()
    with transaction.atomic():
        Message.objects.bulk_create(objs, ignore_conflicts=True, batch_size=1000)
    inserted = Message.objects.count() - before
    return {"candidates": len(objs), "inserted": inserted}


def claim(now: dt.datetime, lease_seconds: float, limit: int) -> list[int]:
    """Claim up to ``limit`` rows in one write transaction; their ids (each won by exactly one worker).

    Inside the transaction the selected rows are this worker's (SQLite's ``BEGIN IMMEDIATE``
    write lock, PostgreSQL's row locks with ``SKIP LOCKED``); one conditional UPDATE still
    re-checks that each row is claimable, and the ids it changed are the ones returned.
    """
    from django.db import connection, transaction

    from horetsu.mail.models import Message

    lease = now + dt.timedelta(seconds=lease_seconds)
    with transaction.atomic():
        qs = Message.objects.filter(_claimable(now)).order_by("due_at", "id")
        if connection.vendor == "postgresql":
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("id", flat=True)[:limit])
        if not ids:
            return []
        n = Message.objects.filter(_claimable(now), id__in=ids).update(state="claimed", lease_until=lease, updated_at=now)
        if n == len(ids):
            return ids
        won = set(Message.objects.filter(id__in=ids, state="claimed", lease_until=lease).values_list("id", flat=True))
        return [i for i in ids if i in won]


def mark(mid: int, now: dt.datetime, state: str, **fields: Any) -> None:
    """One committed transition (autocommit: the UPDATE is durable when this returns)."""
    from horetsu.mail.models import Message

    Message.objects.filter(id=mid).update(state=state, updated_at=now, **fields)


def mark_many(ids: list[int], now: dt.datetime, state: str, **fields: Any) -> int:
    """One UPDATE moving every row of ``ids`` to ``state`` (the caller's transaction, or autocommit)."""
    from horetsu.mail.models import Message

    if not ids:
        return 0
    return Message.objects.filter(id__in=ids).update(state=state, updated_at=now, **fields)
