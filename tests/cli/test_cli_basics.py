from __future__ import annotations

from horetsu import __version__
from horetsu.cli.app import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"horetsu {__version__}"


def test_init_on_a_file_fails_with_one_line_and_no_traceback(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    code = main(["--lang", "en", "init", "--workspace", str(target)])
    err = capsys.readouterr().err
    assert code == 3
    assert "not a folder" in err and "Traceback" not in err


def test_lang_is_accepted_after_the_command_too(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    code = main(["init", "--workspace", str(target), "--lang", "ja"])
    err = capsys.readouterr().err
    assert code == 3
    assert "フォルダではありません" in err


def test_an_unknown_lang_is_refused_in_both_languages(capsys):
    code = main(["--lang", "fr", "--version"])
    err = capsys.readouterr().err
    assert code == 2
    assert "ja or en" in err and "ja か en" in err


def test_a_config_error_shows_the_bracketed_key(tmp_path, capsys):
    ws = tmp_path / "ws"
    assert main(["init", "-w", str(ws)]) == 0
    (ws / "horetsu.toml").write_text("[workspace]\nengien = 'x'\n", encoding="utf-8")
    capsys.readouterr()
    code = main(["--lang", "en", "analyze", "-w", str(ws)])
    err = capsys.readouterr().err
    assert code == 2
    assert "[workspace.engien]" in err and "horetsu.toml" in err


COMMANDS = [["init"], ["import"], ["sample"], ["analyze"], ["report"], ["gate"], ["tactics"], ["export"],
            ["demo"], ["plan"], ["plan", "check"], ["todo"],
            ["mail", "plan"], ["mail", "preview"], ["mail", "run"], ["mail", "status"], ["mail", "suppress"],
            ["mail", "lint"]]  # fmt: skip


def test_every_command_has_help_with_an_example(capsys):
    for cmd in COMMANDS:
        assert main([*cmd, "--help"]) == 0, cmd
        out = capsys.readouterr().out
        assert f"horetsu {' '.join(cmd)}" in out.replace("\n", " "), cmd
        assert "Example:" in out, cmd
