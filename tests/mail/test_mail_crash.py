"""SIGKILL at every point of the send path (after the claim, with DATA about to go, after the
250 reply, after the commit): every due message arrives, duplicates are at most what was in
flight, and a duplicate carries the same Message-ID."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys

import pytest

from mailkit import SRC, make_shop, runs

pytestmark = pytest.mark.xdist_group("mail")

CHILD = """
import os, signal, sys
import horetsu
import horetsu.mail.worker as w

point, nth, now = sys.argv[2], int(sys.argv[3]), sys.argv[4]
seen = []

def checkpoint(name):
    if name == point:
        seen.append(name)
        if len(seen) == nth:
            os.kill(os.getpid(), signal.SIGKILL)

w.checkpoint = checkpoint
w.run(horetsu.open_workspace(sys.argv[1]), now)
"""

EMAILS = [f"c{i}@example.com" for i in range(8)]


def test_sigkill_at_each_point_loses_nothing_and_duplicates_keep_their_message_id(tmp_path, smtp):
    # one connection: exactly one message is in flight when the process dies
    ws = make_shop(tmp_path / "ws", EMAILS, smtp_port=smtp.port, extra_toml="connections = 1")
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    # (point, nth call, clock, messages that arrive before the kill); each run starts after
    # the previous one's lease (300 s) ran out, so rows it left in doubt are claimed again
    plan = [("claimed", 1, "2026-09-30T10:00", 0),
            ("data", 2, "2026-09-30T10:10", 1),      # 'sending' committed, DATA not yet sent
            ("reply", 2, "2026-09-30T10:20", 2),     # the 250 arrived, 'sent' not committed: in doubt
            ("commit", 2, "2026-09-30T10:30", 2)]
    arrived = 0
    for point, nth, now, n_new in plan:
        proc = subprocess.run([sys.executable, "-c", CHILD, str(ws), point, str(nth), now], env=env,
                              capture_output=True, timeout=300)
        assert proc.returncode == -signal.SIGKILL, (point, proc.stderr)
        arrived += n_new
        assert len(smtp.messages()) == arrived, point
    runs(ws, "2026-09-30T10:40")
    got = smtp.messages()
    assert sorted({m["to"][0] for m in got}) == EMAILS  # every due message arrived
    per_to = collections.Counter(m["to"][0] for m in got)
    assert sum(per_to.values()) - len(EMAILS) == 1  # only the message in doubt after the 250 came twice
    for to, n in per_to.items():
        if n > 1:  # the duplicate is the same message: the same Message-ID
            assert len({m["message_id"] for m in got if m["to"][0] == to}) == 1
