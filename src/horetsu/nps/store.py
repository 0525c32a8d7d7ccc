"""Store survey answers of the web page: the ops DB first (exactly once per token), then the events.

``store_answer`` verifies the token, inserts one :class:`~horetsu.nps.models.SurveyAnswer`
(the unique token id makes a racing second submission fail with :class:`TokenUsedError`)
and then moves every answer not yet recorded into the workspace's events as
``nps_response`` events, under the same lock :func:`horetsu.nps.record.record_answer`
holds, in one write for all waiting answers.  ``read_store`` gives the stored answers in
the schema of :data:`horetsu.nps.answers.ANSWERS` (the ``_survey_store`` hook).

Django must be configured for the workspace (the web app, or :func:`open_store`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from horetsu import schema
from horetsu.nps.answers import ANSWERS, EVENT_TYPE, note, payload
from horetsu.nps.record import MAX_TEXT, _answer_lock
from horetsu.nps.tokens import Claims, TokenUsedError, read_token, verify

SOURCE = "survey"


def store_in_use(ws: Any) -> bool:
    """True when this workspace has an operational database (the web app ran on it)."""
    from horetsu.mail.db import ops_db_exists

    return ops_db_exists(ws)


def open_store(ws: Any) -> None:
    from horetsu.mail.db import open_db

    open_db(ws)


def _used(token_id: str) -> bool:
    from horetsu.nps.models import SurveyAnswer

    return SurveyAnswer.objects.filter(token_id=token_id).exists()


def check(ws: Any, token: str, *, customer_id: str | None = None, now: dt.datetime | None = None) -> Claims:
    """The claims of a token that may still be answered, or a typed ``TokenError``.

    "Answered" is read from the store alone (one indexed lookup, no read of the events while
    another request may be writing them); an answer to the same token that reached the events
    another way (``record_answer``) is not written a second time by :func:`flush`.
    """
    claims = read_token(ws, token)
    answered = [claims.token_id] if _used(claims.token_id) else []
    return verify(ws, token, customer_id=customer_id, now=now, answered=answered)


def store_answer(ws: Any, token: str, score: int, reason: str | None = None, improve: str | None = None, *,
                 customer_id: str | None = None, lang: str = "ja", now: dt.datetime | None = None) -> Claims:  # fmt: skip
    """Verify ``token`` and store one answer; a second use of the token raises :class:`TokenUsedError`."""
    from django.db import IntegrityError, transaction

    from horetsu.errors import InputFileError
    from horetsu.nps.models import SurveyAnswer

    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise InputFileError(f"score must be a whole number from 0 to 10, not {score!r}",
                             ja=f"点数は 0〜10 の整数で指定してください（{score!r} は不可）")  # fmt: skip
    now = now or dt.datetime.now(dt.UTC)
    claims = check(ws, token, customer_id=customer_id, now=now)
    try:
        with transaction.atomic():
            SurveyAnswer.objects.create(
                token_id=claims.token_id, customer_id=claims.customer_id, wave_id=claims.wave_id, score=score,
                reason=(reason or "").strip()[:MAX_TEXT], improve=(improve or "").strip()[:MAX_TEXT],
                lang=lang if lang in ("ja", "en") else "ja", answered_at=now)  # fmt: skip
    except IntegrityError:
        raise TokenUsedError("this survey has already been answered — thank you",
                             ja="このアンケートにはすでにご回答いただいています。ありがとうございました") from None  # fmt: skip
    flush(ws)
    return claims


def flush(ws: Any) -> int:
    """Write every answer not yet recorded as ``nps_response`` events (one write); how many."""
    from horetsu.nps.models import SurveyAnswer

    with _answer_lock(ws):
        rows = list(SurveyAnswer.objects.filter(recorded=False).order_by("answered_at", "id")
                    .values_list("id", "token_id", "customer_id", "wave_id", "score", "reason", "improve", "answered_at"))  # fmt: skip
        if not rows:
            return 0
        ws.refresh()
        events = ws.read_arrow("events")
        have = _event_token_ids(events, [r[1] for r in rows])
        new = [r for r in rows if r[1] not in have]  # a crash after the write and before the mark
        if new:
            _append_events(ws, events, new)
        SurveyAnswer.objects.filter(id__in=[r[0] for r in rows]).update(recorded=True)
        return len(new)


def _event_token_ids(events: pa.Table, wanted: list[str]) -> set[str]:
    """Which of ``wanted`` token ids the events already hold (an answer's payload names its token)."""
    import pyarrow.compute as pc

    ev = events.filter(pc.equal(events.column("type"), EVENT_TYPE))
    if ev.num_rows == 0:
        return set()
    found = pc.extract_regex(pc.fill_null(ev.column("payload"), ""), r'"token_id":\s*"(?P<t>[^"]+)"')
    tids = pc.struct_field(found, "t")
    return set(pc.filter(tids, pc.is_in(tids, pa.array(wanted, pa.string()))).to_pylist())


def _append_events(ws: Any, events: pa.Table, rows: list[tuple[Any, ...]]) -> None:
    from horetsu.io.normalize import jst_date

    at = pa.array([r[7] for r in rows], pa.timestamp("us", tz="UTC")).cast(schema.TS)
    new = pa.table({
        "customer_id": pa.array([r[2] for r in rows], pa.string()), "at": at,
        "type": pa.array([EVENT_TYPE] * len(rows), pa.string()),
        "value": pa.array([float(r[4]) for r in rows], pa.float64()),
        "note": pa.array([note(r[5] or None, r[6] or None) for r in rows], pa.string()),
        "payload": pa.array([payload(reason=r[5] or None, improve=r[6] or None, source=SOURCE, wave_id=r[3],
                                     token_id=r[1]) for r in rows], pa.string()),
    })  # fmt: skip
    new = new.append_column("event_date", jst_date(new.column("at").combine_chunks()))
    ws.write_tables({"events": pa.concat_tables([schema.conform("events", events), schema.conform("events", new)])})


def read_store(ws: Any) -> pa.Table:
    """Every answer of the survey store (schema :data:`ANSWERS`)."""
    from horetsu.nps.models import SurveyAnswer

    rows = list(SurveyAnswer.objects.order_by("answered_at", "id")
                .values_list("customer_id", "answered_at", "score", "reason", "improve", "wave_id", "token_id"))  # fmt: skip
    cols = list(zip(*rows)) if rows else [[] for _ in range(7)]
    t = pa.table({
        "customer_id": pa.array(cols[0], pa.string()),
        "answered_at": pa.array(cols[1], pa.timestamp("us", tz="UTC")).cast(schema.TS),
        "score": pa.array([float(x) for x in cols[2]], pa.float64()),
        "reason": pa.array([x or None for x in cols[3]], pa.string()),
        "improve": pa.array([x or None for x in cols[4]], pa.string()),
        "source": pa.array([SOURCE] * len(rows), pa.string()),
        "wave_id": pa.array(cols[5], pa.string()),
        "token_id": pa.array(cols[6], pa.string()),
    })  # fmt: skip
    return t.cast(ANSWERS)
