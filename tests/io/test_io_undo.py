"""Undo: ``import --undo``, ``history`` and ``rollback GEN`` (issue 14, item 2)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import horetsu
from horetsu.cli.app import main
from horetsu.io import import_files

H = ["order_id", "customer_id", "ordered_at", "amount"]


def _rows(prefix, n, day="2024-01-05"):
    return [{"order_id": f"{prefix}{i}", "customer_id": f"c{i % 5}", "ordered_at": day, "amount": "1000"} for i in range(n)]


def _two_imports(tmp_path, write_csv):
    ws = horetsu.init_workspace(tmp_path / "ws")
    a = write_csv(tmp_path / "a.csv", H, _rows("A", 10))
    b = write_csv(tmp_path / "b.csv", H, [*_rows("B", 4, "2024-02-05"),
                                          {"order_id": "Bx", "customer_id": "c1", "ordered_at": "bad", "amount": "1"}])  # fmt: skip
    return ws, a, b


def test_import_undo_returns_to_the_generation_before_the_last_import(tmp_path, write_csv, snapshot, capsys):
    ws, a, b = _two_imports(tmp_path, write_csv)
    import_files(ws, [a], "generic")
    after_a = snapshot(ws)
    gen_a = ws.current_generation()
    import_files(ws, [b], "generic")
    assert ws.read_arrow("orders").num_rows == 14
    (quarantined_b,) = list(ws.quarantine_dir.glob("b.*.csv"))
    capsys.readouterr()
    assert main(["--lang", "en", "import", "--undo", "--yes", "-w", str(ws.path)]) == 0
    out = capsys.readouterr().out
    assert "undone import: b.csv (4 rows)" in out
    ws2 = horetsu.open_workspace(ws.path)
    assert ws2.current_generation() == gen_a
    assert snapshot(ws2) == after_a  # tables and import log as they were after a.csv
    assert not quarantined_b.exists() and (ws.quarantine_dir / "undone" / quarantined_b.name).exists()
    # The undone generation is kept: rollback to it redoes the import.
    gens = ws2.generations()
    assert [g["by"] for g in gens] == ["init", "import", "import"]
    assert [g["current"] for g in gens] == [False, True, False]
    assert main(["rollback", str(gens[-1]["seq"]), "--yes", "-w", str(ws.path)]) == 0
    ws3 = horetsu.open_workspace(ws.path)
    assert ws3.read_arrow("orders").num_rows == 14
    assert [e["file"] for e in ws3.read_meta("import_log.json")] == [str(a), str(b)]
    assert quarantined_b.exists()
    # Undo twice walks back through the imports, then says there is nothing left to undo.
    assert main(["import", "--undo", "--yes", "-w", str(ws.path)]) == 0
    assert main(["import", "--undo", "--yes", "-w", str(ws.path)]) == 0
    assert horetsu.open_workspace(ws.path).read_arrow("orders").num_rows == 0
    capsys.readouterr()
    assert main(["--lang", "en", "import", "--undo", "--yes", "-w", str(ws.path)]) == 3
    assert "nothing to undo" in capsys.readouterr().err


def test_undo_asks_first_and_no_changes_nothing(tmp_path, write_csv, snapshot, monkeypatch, capsys):
    ws, a, b = _two_imports(tmp_path, write_csv)
    import_files(ws, [a], "generic")
    import_files(ws, [b], "generic")
    before = snapshot(ws)
    monkeypatch.setattr(sys, "stdin", io.StringIO("n\n"))
    assert main(["--lang", "en", "import", "--undo", "-w", str(ws.path)]) == 1
    out = capsys.readouterr().out
    assert "Undo the last import (b.csv)" in out and "nothing changed" in out
    assert snapshot(horetsu.open_workspace(ws.path)) == before
    monkeypatch.setattr(sys, "stdin", io.StringIO("y\n"))
    assert main(["import", "--undo", "-w", str(ws.path)]) == 0
    assert horetsu.open_workspace(ws.path).read_arrow("orders").num_rows == 10


def test_history_lists_generations_and_keeps_only_the_configured_number(tmp_path, write_csv, capsys):
    ws = horetsu.init_workspace(tmp_path / "ws")
    (ws.path / "horetsu.toml").write_text("[import]\nkeep_generations = 2\n", encoding="utf-8")
    ws = horetsu.open_workspace(ws.path)
    for k in range(4):
        import_files(ws, [write_csv(tmp_path / f"f{k}.csv", H, _rows(f"K{k}-", 3))], "generic")
    gens = ws.generations()
    assert [g["seq"] for g in gens] == [3, 4, 5]  # init was 1; 2 was pruned; 5 is current
    assert [g["files"] for g in gens] == [["f1.csv"], ["f2.csv"], ["f3.csv"]]
    assert sorted(p.name for p in (ws.path / ".gen").iterdir() if p.is_dir()) == [
        "tables-000003", "tables-000004", "tables-000005"]  # fmt: skip
    capsys.readouterr()
    assert main(["history", "-w", str(ws.path), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(g["seq"], g["current"], g["accepted"]) for g in listed] == [(3, False, 3), (4, False, 3), (5, True, 3)]
    assert main(["--lang", "en", "rollback", "2", "--yes", "-w", str(ws.path)]) == 3  # pruned: a clear error
    assert "no kept generation '2'" in capsys.readouterr().err


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
        if len(calls) == 2:  # a new generation folder is half written, the switch has not happened
            pathlib.Path(sys.argv[3]).write_text("writing")
            time.sleep(60)

    pq.write_table = slow_write
    ws = horetsu.open_workspace(sys.argv[1])
    import_files(ws, [sys.argv[2]], "generic")
    """
)


@pytest.mark.slow
def test_orphan_of_a_killed_import_is_removed_by_the_next_command(tmp_path, write_csv, snapshot):
    ws = horetsu.init_workspace(tmp_path / "ws")
    import_files(ws, [write_csv(tmp_path / "a.csv", H, _rows("A", 20))], "generic")
    before = snapshot(ws)
    second = write_csv(tmp_path / "b.csv", H, _rows("B", 3000))
    marker, script = tmp_path / "marker", tmp_path / "child.py"
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
    gen_dirs = lambda: sorted(p.name for p in (ws.path / ".gen").iterdir() if p.is_dir())  # noqa: E731
    assert gen_dirs() == ["tables-000001", "tables-000002", "tables-000003"]  # 3 is the orphan
    # The next command (a read-only one, started as users start it) cleans the orphan.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    run = subprocess.run([sys.executable, "-m", "horetsu.cli.app", "history", "-w", str(ws.path), "--json"],
                         capture_output=True, text=True, env=env, timeout=120)  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert [g["name"] for g in json.loads(run.stdout)] == ["tables-000001", "tables-000002"]
    assert gen_dirs() == ["tables-000001", "tables-000002"]
    assert snapshot(horetsu.open_workspace(ws.path)) == before


def test_history_and_rollback_have_help_with_an_example(capsys):
    for cmd in (["history"], ["rollback"], ["import"]):
        assert main([*cmd, "--help"]) == 0
        out = capsys.readouterr().out.replace("\n", " ")
        assert f"horetsu {cmd[0]}" in out and "Example:" in out
    assert main(["import", "--help"]) == 0
    assert "horetsu import --undo" in " ".join(capsys.readouterr().out.split())
