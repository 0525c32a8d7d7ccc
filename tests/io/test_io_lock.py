"""An import merges into the tables as they are when it takes the lock, not as they were
when it started reading its file: rows another process added meanwhile (a survey answer,
a recorded send) survive."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa

import horetsu
from horetsu.io import import_files


def _blocked_waiters() -> int:
    # /proc/locks marks a process waiting for a lock with "->".
    return sum("->" in line for line in Path("/proc/locks").read_text().splitlines())


def test_rows_added_while_an_import_waits_for_the_lock_are_kept(tmp_path, write_csv):
    ws = horetsu.init_workspace(tmp_path / "ws")
    h = ["order_id", "customer_id", "ordered_at", "amount", "sku", "quantity"]
    first = write_csv(tmp_path / "a.csv", h, [
        {"order_id": f"A{i}", "customer_id": f"c{i % 7}", "ordered_at": "2024-01-05", "amount": "1000", "sku": "S", "quantity": "1"}
        for i in range(20)
    ])  # fmt: skip
    import_files(ws, [first], "generic")
    # Answers exported from a form: they land in the same table as a survey answer does.
    second = write_csv(tmp_path / "b.csv", ["customer_id", "at", "type", "value"], [
        {"customer_id": f"c{i % 7}", "at": f"2024-02-{i + 1:02d} 09:00", "type": "nps_response", "value": str(i % 11)}
        for i in range(20)
    ])  # fmt: skip
    waiting_before = _blocked_waiters()
    with ws.lock():
        proc = subprocess.Popen([sys.executable, "-c",
                                 "import sys, horetsu; from horetsu.io import import_files; "
                                 "import_files(horetsu.open_workspace(sys.argv[1]), [sys.argv[2]], 'generic')",
                                 str(ws.path), str(second)])  # fmt: skip
        deadline = time.monotonic() + 120
        while _blocked_waiters() <= waiting_before:
            assert proc.poll() is None, "the import finished while another writer held the lock"
            assert time.monotonic() < deadline, "the import never waited for the lock"
            time.sleep(0.05)
        # While the import waits, another writer of this process adds an event (re-entrant lock).
        ws.append_rows("events", pa.table({
            "customer_id": ["c1"], "at": pa.array([1_700_000_000_000_000], pa.timestamp("us", tz="UTC")),
            "type": ["nps_response"], "value": [9.0],
        }), record={"by": "nps answer"})  # fmt: skip
    assert proc.wait(timeout=120) == 0
    ws.refresh()
    events = ws.read_arrow("events").to_pylist()
    assert len(events) == 21
    assert [(e["customer_id"], e["value"]) for e in events if e["at"].year == 2023] == [("c1", 9.0)]
    assert [r["by"] for r in ws.generations()][-2:] == ["nps answer", "import"]
