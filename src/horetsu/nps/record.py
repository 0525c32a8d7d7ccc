"""Store one survey answer as an ``nps_response`` event, refusing a second use of its token."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
from typing import Any

import pyarrow as pa

from horetsu import schema
from horetsu.errors import InputFileError
from horetsu.nps.answers import EVENT_TYPE, note, payload
from horetsu.nps.tokens import Claims, nps_dir, verify

MAX_TEXT = 2000


@contextlib.contextmanager
def _answer_lock(ws: Any):
    folder = nps_dir(ws)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".answers.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def record_answer(ws: Any, token: str, score: int, reason: str | None = None, improve: str | None = None, *,
                  customer_id: str | None = None, now: dt.datetime | None = None) -> Claims:  # fmt: skip
    """Verify ``token`` and append the answer as an event; the check and the write hold one lock,
    so two submissions of the same token store one answer and the other gets :class:`TokenUsedError`."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise InputFileError(f"score must be a whole number from 0 to 10, not {score!r}",
                             ja=f"点数は 0〜10 の整数で指定してください（{score!r} は不可）")  # fmt: skip
    reason = (reason or "").strip()[:MAX_TEXT] or None
    improve = (improve or "").strip()[:MAX_TEXT] or None
    now = now or dt.datetime.now(dt.UTC)
    with _answer_lock(ws):
        ws.refresh()
        claims = verify(ws, token, customer_id=customer_id, now=now)
        at = pa.array([now], pa.timestamp("us", tz="UTC")).cast(schema.TS)
        row = pa.table({
            "customer_id": [claims.customer_id], "at": at, "type": [EVENT_TYPE], "value": [float(score)],
            "note": [note(reason, improve)],
            "payload": [payload(reason=reason, improve=improve, source="survey", wave_id=claims.wave_id,
                                token_id=claims.token_id)],
        })  # fmt: skip
        from horetsu.io.normalize import jst_date

        row = row.append_column("event_date", jst_date(row.column("at").combine_chunks()))
        ws.append_rows("events", row, record={"by": "nps answer"})
    return claims
