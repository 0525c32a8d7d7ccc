"""Two workers at once on PostgreSQL (claims by FOR UPDATE SKIP LOCKED + conditional UPDATE):
every message arrives exactly once."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import uuid

import pytest

from mailkit import RUNS, SRC, make_shop

pytestmark = [pytest.mark.xdist_group("mail"), pytest.mark.engines]

EMAILS = [f"p{i}@example.com" for i in range(40)]


def test_two_workers_never_send_the_same_row(tmp_path, smtp, pg_url):
    import psycopg

    name = "mail_" + uuid.uuid4().hex[:10]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    url = pg_url.rsplit("/", 1)[0] + "/" + name
    ws = make_shop(tmp_path / "ws", EMAILS, smtp_port=smtp.port, extra_toml="batch_size = 5\nconnections = 1")
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en", "HORETSU_DATABASE_URL": url}
    # migrate and enqueue first (the same clock), then two workers claim and send concurrently
    subprocess.run([sys.executable, "-c", RUNS, str(ws), "2026-09-30T08:00"], env=env, check=True, capture_output=True)
    procs = [subprocess.Popen([sys.executable, "-c", RUNS, str(ws), "2026-09-30T10:00"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    got = collections.Counter(m["to"][0] for m in smtp.messages())
    assert sorted(got) == sorted(EMAILS) and set(got.values()) == {1}
    with psycopg.connect(url) as con:
        assert con.execute("SELECT state, count(*) FROM horetsu_mail_message GROUP BY state").fetchall() == [("sent", 40)]
