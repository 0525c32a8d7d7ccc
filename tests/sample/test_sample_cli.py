"""``horetsu sample`` on the command line."""

from __future__ import annotations

import pyarrow.csv as pacsv

from horetsu.cli.app import main


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))


def test_sample_command_writes_the_files_it_announces(tmp_path, capsys):
    out = tmp_path / "shop"
    code = main(["sample", "--customers", "800", "--seed", "5", "--out", str(out), "--lang", "en"])
    printed = capsys.readouterr().out
    assert code == 0
    for name in ("customers.csv", "orders.csv", "subscriptions.csv", "events.csv"):
        assert str(out / name) in printed
    assert read(out / "customers.csv").num_rows == 800
    assert "--preset generic" in printed


def test_sample_command_unknown_format_is_one_line_in_japanese(tmp_path, capsys):
    code = main(["--lang", "ja", "sample", "--customers", "10", "--out", str(tmp_path / "x"), "--format", "amazon"])
    err = capsys.readouterr().err
    assert code == 2
    assert "サンプルの形式" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_sample_and_demo_help_show_an_example_and_both_languages(capsys):
    for command in ("sample", "demo"):
        assert main([command, "--help"]) == 0
        text = capsys.readouterr().out
        assert f"Example: horetsu {command}" in text
        assert "--customers" in text and "--out" in text and "--lang" in text
        assert any("\u3040" <= ch <= "\u30ff" for ch in text)  # Japanese help text too


def test_sample_command_prints_the_true_parameters(tmp_path, capsys):
    assert main(["sample", "--customers", "30", "--out", str(tmp_path / "s"), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "BG/NBD r=0.22 alpha=4 a=0.7 b=2.5 (per week)" in out
    assert "Gamma-Gamma p=6 q=3.5 gamma=2000" in out and "sBG alpha=0.9 beta=2.4" in out
