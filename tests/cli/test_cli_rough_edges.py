"""Rough edges a newcomer meets on the command line (issue 14, item 9)."""

from __future__ import annotations

import os
import subprocess
import sys

from horetsu.cli.app import main


def test_report_help_keeps_the_lang_placeholder(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # one line per option, so the file name is not wrapped
    assert main(["report", "--help"]) == 0
    out = capsys.readouterr().out
    assert "report-<lang>.html" in out
    assert "report-.html" not in out


def test_an_unknown_lang_is_one_line(capsys):
    assert main(["--lang", "fr", "--version"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "ja or en" in lines[0] and "ja か en" in lines[0]


def _run_piped(*args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.run([sys.executable, "-m", "horetsu.cli.app", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_tables_are_not_cut_at_80_columns_when_piped(tmp_path):
    out = _run_piped("--lang", "en", "tactics", "-w", str(tmp_path / "none"))
    # the catalogue's English names and stage lists on one row each, not wrapped or cut at 80 columns
    rows = [line for line in out.splitlines() if line.startswith("│ newsletter_enclosure ")]
    assert len(rows) == 1
    assert "Newsletter in the parcel" in rows[0] and "landing" in rows[0]
    assert "…" not in out
    long_row = [line for line in out.splitlines() if line.startswith("│ long_mail_magazine_series ")]
    assert "observer, empathy" in long_row[0]
