"""A killed import (SIGKILL in the middle of writing) leaves the previous workspace intact."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import horetsu
from horetsu.io import import_files


CHILD = textwrap.dedent(
    """
    import sys, time, pathlib
    import pyarrow.parquet as pq
    import horetsu
    from horetsu.io import import_files

    real = pq.write_table
    calls = []

    def slow_write(table, where, *a, **kw):
        real(table, where, *a, **kw)
        calls.append(where)
        if len(calls) == 2:  # some new files are on disk, the switch has not happened
            pathlib.Path(sys.argv[3]).write_text("writing")
            time.sleep(60)

    pq.write_table = slow_write
    ws = horetsu.open_workspace(sys.argv[1])
    import_files(ws, [sys.argv[2]], "generic")
    """
)


@pytest.mark.slow
def test_sigkill_mid_write_leaves_previous_state_readable(tmp_path, write_csv, snapshot):
    ws = horetsu.init_workspace(tmp_path / "ws")
    h = ["order_id", "customer_id", "ordered_at", "amount", "sku", "quantity"]
    first = write_csv(tmp_path / "a.csv", h, [
        {"order_id": f"A{i}", "customer_id": f"c{i % 7}", "ordered_at": "2024-01-05", "amount": "1000", "sku": "S", "quantity": "1"}
        for i in range(50)
    ])  # fmt: skip
    import_files(ws, [first], "generic")
    before = snapshot(ws)
    second = write_csv(tmp_path / "b.csv", h, [
        {"order_id": f"B{i}", "customer_id": f"c{i % 9}", "ordered_at": "2024-02-05", "amount": "2000", "sku": "T", "quantity": "2"}
        for i in range(5000)
    ])  # fmt: skip
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    proc = subprocess.Popen([sys.executable, str(script), str(ws.path), str(second), str(marker)])
    try:
        deadline = time.time() + 60
        while not marker.exists():
            assert proc.poll() is None, "the import finished or failed before the kill"
            assert time.time() < deadline
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    ws2 = horetsu.open_workspace(ws.path)
    assert snapshot(ws2) == before
    assert ws2.table("orders").count().execute() == 50
    # The next import works normally over the leftovers of the killed one.
    res = import_files(ws2, [second], "generic").to_dict()
    assert res["accepted"] == 5000
    assert ws2.read_arrow("orders").num_rows == 5050
