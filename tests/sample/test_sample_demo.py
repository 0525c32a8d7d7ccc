"""``horetsu demo`` end to end: every generated row reaches the workspace."""

from __future__ import annotations

import pyarrow.csv as pacsv
import pytest

import horetsu
from horetsu.cli.app import main

TABLES = ("customers", "orders", "subscriptions", "events")


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


@pytest.mark.slow
def test_demo_imports_every_generated_row_and_says_where_outputs_are(tmp_path, capsys):
    out = tmp_path / "demo"
    code = main(["demo", "--out", str(out), "--customers", "400", "--seed", "2", "--lang", "en"])
    printed = capsys.readouterr().out
    assert code == 0
    ws = horetsu.open_workspace(out / "workspace")
    for name in TABLES:
        generated = read(out / "sample" / f"{name}.csv").num_rows
        assert generated > 0
        assert ws.read_arrow(name).num_rows == generated, name
        assert f"{generated:,}" in printed
    assert f"Workspace: {out / 'workspace'}" in printed
    report = out / "report.html"
    if "Report:" in printed:  # the report step runs once horetsu.report is installed
        assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
        assert f"Report: {report}" in printed
    else:
        assert "not available yet" in printed and not report.exists()


def test_demo_rerun_replaces_its_own_workspace_but_never_a_foreign_folder(tmp_path, capsys):
    out = tmp_path / "demo"
    from horetsu.sample.demo import fresh_workspace

    ws = fresh_workspace(out / "workspace")
    ws.write_tables({"customers": horetsu.schema.empty("customers")})
    again = fresh_workspace(out / "workspace")  # made by the demo: replaced, empty
    assert again.read_arrow("orders").num_rows == 0

    foreign = tmp_path / "mine"
    (foreign / "workspace").mkdir(parents=True)
    (foreign / "workspace" / "notes.txt").write_text("keep me")
    code = main(["demo", "--out", str(foreign), "--customers", "50", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 3 and "not made by the demo" in err and "Traceback" not in err
    assert (foreign / "workspace" / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize("bad", ["0", "-5"])
def test_demo_rejects_a_non_positive_customer_count(tmp_path, capsys, bad):
    code = main(["demo", "--out", str(tmp_path / "d"), "--customers", bad, "--lang", "en"])
    assert code == 2 and "--customers" in capsys.readouterr().err
