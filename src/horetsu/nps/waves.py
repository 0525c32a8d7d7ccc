"""Survey waves: who was asked, when, through which tactic, with which links.

``run_wave`` passes the audience through the gate for the ``nps_survey`` tactic, signs
one link per allowed recipient and records the wave under ``WORKSPACE/nps/``:
``waves.json`` (id, date, tactic, counts) and ``waves/<id>.parquet`` (recipients with
their token ids and expiry), so response rates can be computed later.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from horetsu.errors import ConfigError
from horetsu.nps.settings import mail_settings, nps_settings
from horetsu.nps.tokens import make_token, nps_dir, secret

TACTIC = "nps_survey"
INDEX = "waves.json"


@dataclass
class Wave:
    wave_id: str
    date: str
    tactic: str
    recipients: int
    blocked: int
    expires_at: str
    created_at: str


@dataclass
class WaveResult:
    wave: Wave
    links: pa.Table  # customer_id, url
    gate: Any  # the GateResult


def _parse_day(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ConfigError(f"invalid date {value!r}; use YYYY-MM-DD",
                          ja=f"日付 {value!r} が正しくありません。YYYY-MM-DD の形式で指定してください") from None  # fmt: skip


def survey_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/s/{token}"


def list_waves(ws: Any) -> list[Wave]:
    path = nps_dir(ws) / INDEX
    if not path.exists():
        return []
    return [Wave(**w) for w in json.loads(path.read_text(encoding="utf-8"))]


def recipients(ws: Any, wave_id: str) -> pa.Table:
    return pq.read_table(nps_dir(ws) / "waves" / f"{wave_id}.parquet")


def _write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def run_wave(ws: Any, audience: Any, date: Any, *, public_url: str | None = None, wave_id: str | None = None,
             now: dt.datetime | None = None) -> WaveResult:  # fmt: skip
    """Gate ``audience`` for ``nps_survey`` on ``date``; sign a link per allowed customer; record the wave."""
    import horetsu

    url = (public_url or mail_settings(ws).public_url).strip().rstrip("/")
    if not url:
        raise ConfigError(
            "set [mail] public_url in horetsu.toml (the web app's public address) or pass --public-url",
            ja="horetsu.toml の [mail] public_url（Web アプリの公開アドレス）を設定するか --public-url を指定してください",
        )
    if not url.startswith(("https://", "http://")):
        raise ConfigError(f"public_url must start with https:// — {url!r}", ja=f"public_url は https:// で始めてください: {url!r}")
    day = _parse_day(date)
    settings = nps_settings(ws)
    result = horetsu.gate(ws, TACTIC, audience=audience, as_of=day)
    wid = wave_id or f"{day.isoformat()}-{secrets.token_hex(3)}"
    expires = dt.datetime.combine(day + dt.timedelta(days=settings.token_days), dt.time(23, 59, 59),
                                  tzinfo=dt.timezone(dt.timedelta(hours=9)))  # fmt: skip
    key = secret(ws)
    ids = result.allowed.column("customer_id").to_pylist()
    # Signing is per recipient by nature (one HMAC each); everything around it is columnar.
    signed = [make_token(ws, cid, wid, expires, key=key) for cid in ids]
    tokens = pa.array([s[0] for s in signed], pa.string())
    token_ids = pa.array([s[1] for s in signed], pa.string())
    urls = pc.binary_join_element_wise(f"{url}/s/", tokens, "")
    n = len(ids)
    rec = pa.table({
        "customer_id": pa.array(ids, pa.string()), "token_id": token_ids,
        "stage": result.allowed.column("stage"),
        "expires_at": pa.array(np.full(n, int(expires.timestamp() * 1_000_000)), pa.int64()).cast(pa.timestamp("us", tz="UTC")),
    })  # fmt: skip
    folder = nps_dir(ws)
    (folder / "waves").mkdir(parents=True, exist_ok=True)
    rpath = folder / "waves" / f"{wid}.parquet"
    tmp = rpath.with_name(f".{rpath.name}.tmp")
    pq.write_table(rec, tmp)
    os.replace(tmp, rpath)
    wave = Wave(wid, day.isoformat(), TACTIC, n, result.n_blocked, expires.isoformat(),
                (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"))  # fmt: skip
    waves = [asdict(w) for w in list_waves(ws) if w.wave_id != wid] + [asdict(wave)]
    _write_json_atomic(folder / INDEX, waves)
    return WaveResult(wave, pa.table({"customer_id": rec.column("customer_id"), "url": urls}), result)


def response_rates(ws: Any, answers: pa.Table) -> list[dict[str, Any]]:
    """Per wave: recipients, respondents and the response rate.

    A recipient responded when an answer carries the wave's id (survey links), or, for
    answers without a wave (a form import), when it falls between the wave's day and its expiry.
    """
    out = []
    for w in list_waves(ws):  # one iteration per wave (a handful), never per respondent
        rec = recipients(ws, w.wave_id)
        start = dt.datetime.combine(dt.date.fromisoformat(w.date), dt.time(0), tzinfo=dt.timezone(dt.timedelta(hours=9)))
        end = dt.datetime.fromisoformat(w.expires_at)
        at = answers.column("answered_at")
        wid = answers.column("wave_id")
        in_window = pc.and_(pc.is_null(wid), pc.and_(pc.greater_equal(at, pa.scalar(start, at.type)),
                                                      pc.less_equal(at, pa.scalar(end, at.type))))  # fmt: skip
        mine = pc.or_(pc.fill_null(pc.equal(wid, w.wave_id), False), pc.fill_null(in_window, False))
        who = pc.unique(answers.filter(mine).column("customer_id").combine_chunks())
        responded = int(pc.sum(pc.cast(pc.is_in(rec.column("customer_id"), who), pa.int64())).as_py() or 0)
        out.append({**asdict(w), "responded": responded,
                    "response_rate": round(responded / w.recipients, 4) if w.recipients else None})  # fmt: skip
    return out
