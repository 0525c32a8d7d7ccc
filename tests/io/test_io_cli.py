"""``horetsu import`` on the command line."""

from __future__ import annotations

import json
import shutil

from horetsu.cli.app import main


def test_json_output_is_one_object_and_nothing_else(tmp_path, data_dir, capsys):
    src = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "o.csv")
    assert main(["init", "-w", str(tmp_path / "ws")]) == 0
    capsys.readouterr()
    code = main(["import", str(src), "--preset", "generic", "--workspace", str(tmp_path / "ws"), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)  # the whole of stdout is one JSON document
    assert set(data) >= {"files", "read", "accepted", "quarantined", "duplicates"}
    assert (data["read"], data["accepted"], data["quarantined"], data["duplicates"]) == (7, 3, 3, 1)
    assert data["files"][0]["file"] == str(src)


def test_table_output_names_the_counts_in_japanese(tmp_path, data_dir, capsys):
    src = shutil.copy(data_dir / "orders_cp932.csv", tmp_path / "o.csv")
    assert main(["init", "-w", str(tmp_path / "ws")]) == 0
    code = main(["--lang", "ja", "import", str(src), "-w", str(tmp_path / "ws")])
    out = capsys.readouterr().out
    assert code == 0
    for label in ("読込", "取込", "隔離", "重複"):
        assert label in out


def test_errors_are_one_line_with_exit_code_and_no_workspace_created(tmp_path, capsys):
    ws = tmp_path / "ws"
    code = main(["--lang", "en", "import", str(tmp_path / "missing.csv"), "-w", str(ws)])
    err = capsys.readouterr().err
    assert code == 4
    assert "missing.csv" in err and "not found" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not ws.exists()
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    main(["init", "-w", str(ws)])
    capsys.readouterr()
    code = main(["--lang", "ja", "import", str(tmp_path / "a.csv"), "--preset", "nosuch", "-w", str(ws)])
    err = capsys.readouterr().err
    assert code == 4 and "nosuch" in err and "プリセット" in err


def test_help_has_an_example(capsys):
    code = main(["import", "--help"])
    out = capsys.readouterr().out
    assert code == 0 and "Example: horetsu import" in out and "--preset" in out


def test_import_into_a_missing_workspace_is_refused_like_analyze(tmp_path, capsys):
    """`import -w typo` must not create a workspace silently: one line naming `horetsu init`."""
    (tmp_path / "a.csv").write_text("order_id,customer_id,ordered_at,amount\nA1,C1,2024-01-05,1280\n")
    for lang, words in (("en", "horetsu init"), ("ja", "horetsu init")):
        ws = tmp_path / "typo"
        code = main(["--lang", lang, "import", str(tmp_path / "a.csv"), "-w", str(ws)])
        err = capsys.readouterr().err
        assert code == 3 and words in err and str(ws) in err
        assert len(err.strip().splitlines()) == 1
        assert not ws.exists()
        assert main(["--lang", lang, "analyze", "-w", str(ws)]) == 3  # the same refusal as analyze
        capsys.readouterr()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["--lang", "en", "import", str(tmp_path / "a.csv"), "-w", str(empty)]) == 3
    assert list(empty.iterdir()) == []


def test_random_bytes_give_one_error_line_and_no_python_noise(tmp_path, capfd):
    import random

    junk = tmp_path / "junk.csv"
    # seeded random bytes: for seed 0 pyarrow once printed
    # "Exception ignored ... UnicodeDecodeError" on stderr
    junk.write_bytes(random.Random(0).randbytes(3000))
    main(["init", "-w", str(tmp_path / "ws")])
    capfd.readouterr()
    code = main(["--lang", "en", "import", str(junk), "-w", str(tmp_path / "ws")])
    err = capfd.readouterr().err
    assert code == 4
    assert "Traceback" not in err and "Exception ignored" not in err
    assert [line for line in err.splitlines() if line.strip()] == [err.strip()]
    assert "junk.csv" in err


def test_an_orders_file_missing_date_and_amount_is_not_taken_for_a_customer_list(tmp_path, capsys):
    src = tmp_path / "orders.csv"
    src.write_text("order_id,customer_id\nA1,C1\n", encoding="utf-8")
    ws = tmp_path / "ws"
    main(["init", "-w", str(ws)])
    before = sorted(p.name for p in (ws / "tables").iterdir())
    code = main(["--lang", "en", "import", str(src), "-w", str(ws)])
    err = capsys.readouterr().err
    assert code == 4
    assert "orders.csv" in err and "ordered_at" in err and "amount" in err
    import horetsu

    assert horetsu.open_workspace(ws).table("customers").count().execute() == 0
    assert sorted(p.name for p in (ws / "tables").iterdir()) == before
