"""Survey tokens: signed, single-use, expiring, bound to one customer and one wave."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from horetsu.errors import HoretsuError, WorkspaceError
from horetsu.nps.answers import load_answers
from horetsu.nps.record import record_answer
from horetsu.nps.tokens import (
    TokenExpiredError,
    TokenTamperedError,
    TokenUsedError,
    TokenWrongCustomerError,
    make_token,
    read_token,
    secret,
    verify,
)

NOW = dt.datetime(2025, 6, 10, 3, 0, tzinfo=dt.UTC)
EXPIRES = dt.datetime(2025, 7, 10, 14, 59, 59, tzinfo=dt.UTC)


@pytest.fixture
def ws2(shop, make_ws):
    for cid in ("c1", "c2"):
        shop.customer(cid, 100).order(cid, 50)
    return make_ws(shop)


def test_secret_is_private_to_the_owner_and_lives_in_the_workspace(ws2):
    key = secret(ws2)
    path = ws2.path / "nps" / "secret.key"
    assert len(key) == 32 and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret(ws2) == key  # created once, then reused
    os.chmod(path, 0o644)
    with pytest.raises(WorkspaceError):
        secret(ws2)


def test_a_valid_token_names_its_customer_and_wave(ws2):
    token, tid = make_token(ws2, "c1", "w1", EXPIRES)
    claims = verify(ws2, token, customer_id="c1", now=NOW)
    assert (claims.customer_id, claims.wave_id, claims.token_id) == ("c1", "w1", tid)
    assert claims.expires_at == EXPIRES


def _flip(text: str, i: int) -> str:
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]


def test_tampering_is_refused(ws2, tmp_path):
    token, _ = make_token(ws2, "c1", "w1", EXPIRES)
    body, sig = token.split(".")
    for bad in (_flip(token, 3), _flip(token, len(token) - 2), body + "." + sig[:-1], body, "", "a.b.c",
                token + "x", "é" + token):  # fmt: skip
        with pytest.raises(TokenTamperedError):
            verify(ws2, bad, now=NOW)
    # A token naming another customer with the signature of this one.
    other, _ = make_token(ws2, "c2", "w1", EXPIRES)
    with pytest.raises(TokenTamperedError):
        verify(ws2, other.split(".")[0] + "." + sig, now=NOW)
    # A token signed by another workspace's secret.
    import horetsu

    foreign = horetsu.init_workspace(tmp_path / "other")
    forged, _ = make_token(foreign, "c1", "w1", EXPIRES)
    with pytest.raises(TokenTamperedError):
        verify(ws2, forged, now=NOW)


def test_expired_token_is_refused(ws2):
    token, _ = make_token(ws2, "c1", "w1", EXPIRES)
    verify(ws2, token, now=EXPIRES - dt.timedelta(seconds=1))
    with pytest.raises(TokenExpiredError):
        verify(ws2, token, now=EXPIRES)


def test_token_for_another_customer_is_refused(ws2):
    token, _ = make_token(ws2, "c1", "w1", EXPIRES)
    with pytest.raises(TokenWrongCustomerError):
        verify(ws2, token, customer_id="c2", now=NOW)


def test_second_use_is_refused_and_changes_nothing(ws2):
    token, tid = make_token(ws2, "c1", "w1", EXPIRES)
    record_answer(ws2, token, 9, "丁寧な梱包", "もう少し安く", now=NOW)
    before = ws2.read_arrow("events")
    with pytest.raises(TokenUsedError):
        record_answer(ws2, token, 0, "changed my mind", now=NOW + dt.timedelta(minutes=1))
    after = ws2.read_arrow("events")
    assert after.equals(before)
    ans = load_answers(ws2).to_pylist()
    assert len(ans) == 1
    a = ans[0]
    assert (a["customer_id"], a["score"], a["reason"], a["improve"], a["wave_id"], a["token_id"], a["source"]) == (
        "c1", 9.0, "丁寧な梱包", "もう少し安く", "w1", tid, "survey")
    # The stored event is an nps_response whose value is the score.
    ev = [e for e in after.to_pylist() if e["type"] == "nps_response"]
    assert len(ev) == 1 and ev[0]["value"] == 9.0 and "丁寧な梱包" in ev[0]["note"]


def test_refused_answers_store_nothing(ws2):
    token, _ = make_token(ws2, "c1", "w1", EXPIRES)
    for kwargs in ({"score": 11}, {"score": -1}, {"score": 7, "customer_id": "c2"}):
        with pytest.raises(HoretsuError):
            record_answer(ws2, token, now=NOW, **kwargs)
    with pytest.raises(TokenExpiredError):
        record_answer(ws2, token, 5, now=EXPIRES + dt.timedelta(days=1))
    assert load_answers(ws2).num_rows == 0


def test_concurrent_submissions_of_one_token_store_one_answer(ws2):
    # Threads, each with its own workspace handle: flock locks separate open files, so they
    # exclude each other as processes would (the web survey's 200-submission test comes with it).
    import threading

    import horetsu

    token, _ = make_token(ws2, "c1", "w1", EXPIRES)
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def submit(score: int) -> None:
        w = horetsu.open_workspace(ws2.path)
        start.wait()
        try:
            record_answer(w, token, score, now=NOW)
            outcomes.append("stored")
        except TokenUsedError:
            outcomes.append("used")

    threads = [threading.Thread(target=submit, args=(s,)) for s in (3, 9, 10, 0)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["stored", "used", "used", "used"]
    ws2.refresh()
    assert load_answers(ws2).num_rows == 1
    assert read_token(ws2, token).customer_id == "c1"
