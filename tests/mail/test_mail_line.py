"""LINE through the worker, end to end: enqueue → claim → push to a loopback server that
answers as the Messaging API documents → ``sent``.  The consent is a linked LINE user id
(none: not sent, with the reason); 429 is retried with the same ``X-Line-Retry-Key``; a
worker killed with SIGKILL after LINE accepted the push re-pushes with the same key, and
the 409 counts as delivered (one message, never two)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

import pyarrow as pa
import pytest

from mailkit import SRC, free_port, make_shop, runs

pytestmark = pytest.mark.xdist_group("mail")

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "test-channel-token"
LINE_SEQ = """
trigger = "first_purchase"
holdout = 0.0
stop_when = ["purchased", "unsubscribed"]

[[steps]]
tactic = "thank_you"
template = "fp_thanks"
delay_days = 1
channel = "line"
"""
USERS = {"C000": "U" + "a" * 32, "C001": "Uslow" + "b" * 28, "C002": None}

CHILD = """
import os, signal, sys
import horetsu
import horetsu.mail.worker as w

def checkpoint(name):
    if name == "reply":  # LINE answered 200; 'sent' not yet committed
        os.kill(os.getpid(), signal.SIGKILL)

w.checkpoint = checkpoint
w.run(horetsu.open_workspace(sys.argv[1]), sys.argv[2])
"""


@pytest.fixture
def line_api(tmp_path):
    port, log, ready = free_port(), tmp_path / "line.jsonl", tmp_path / "line.ready"
    proc = subprocess.Popen([sys.executable, os.path.join(HERE, "line_server.py"), str(port), str(ready), str(log), TOKEN])
    for _ in range(200):
        if ready.exists():
            break
        time.sleep(0.05)
    yield port, log
    proc.kill()
    proc.wait()


def test_line_push_through_the_worker_retries_with_the_same_key_and_counts_409_as_delivered(tmp_path, line_api):
    port, log = line_api
    ws = make_shop(tmp_path / "ws", ["a@example.com", "b@example.com", "c@example.com"], smtp_port=1,
                   sequence=LINE_SEQ, extra_toml=f'connections = 1\nline_channel_access_token = "{TOKEN}"\n'
                                                 f'line_api_url = "http://127.0.0.1:{port}"')
    import horetsu
    from horetsu import schema

    w = horetsu.open_workspace(ws)
    cust = w.read_arrow("customers")
    cust = cust.set_column(cust.column_names.index("line_user_id"), "line_user_id",
                           pa.array([USERS[c] for c in cust.column("customer_id").to_pylist()], pa.string()))
    w.write_tables({"customers": schema.conform("customers", cust)})
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)

    # run 1: LINE accepts C000's push, then the worker dies before committing 'sent'
    proc = subprocess.run([sys.executable, "-c", CHILD, str(ws), "2026-09-30T10:00"], env=env, capture_output=True,
                          timeout=300)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    # run 2 (after the lease): C000 re-pushed with the same key → 409 → sent; C001 gets 429 → retried later
    # run 3 (after the backoff): C001 → 200 → sent
    runs(ws, "2026-09-30T10:10", "2026-09-30T10:20")

    calls = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    by_to: dict[str, list[dict]] = {}
    for c in calls:
        by_to.setdefault(c["to"], []).append(c)
    a, b = by_to[USERS["C000"]], by_to[USERS["C001"]]
    assert [c["status"] for c in a] == [200, 409] and [c["status"] for c in b] == [429, 200]
    for pushes in (a, b):  # one key per message, a UUID, the same on every retry
        assert len({c["key"] for c in pushes}) == 1
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", pushes[0]["key"])
    assert a[0]["key"] != b[0]["key"]
    assert set(by_to) == {USERS["C000"], USERS["C001"]}  # nobody without a linked LINE id was pushed
    assert sum(c["status"] == 200 for c in calls) == 2  # each customer got the message exactly once
    assert "テスト商店" in a[0]["text"] and "/u/" in a[0]["text"]  # the legal footer travels on LINE too

    con = sqlite3.connect(ws / "ops.sqlite3")
    rows = con.execute("SELECT customer_id, channel, state, reason, address, attempts FROM horetsu_mail_message "
                       "ORDER BY customer_id").fetchall()
    assert rows == [("C000", "line", "sent", "", USERS["C000"], 2),
                    # claimed with C000 in run 1's batch (the worker died before its push), then 429, then 200
                    ("C001", "line", "sent", "", USERS["C001"], 3),
                    ("C002", "line", "skipped", "no_line_link", "", 0)]
    links = con.execute("SELECT customer_id, line_user_id FROM horetsu_mail_linelink ORDER BY customer_id").fetchall()
    assert links == [("C000", USERS["C000"]), ("C001", USERS["C001"])]
