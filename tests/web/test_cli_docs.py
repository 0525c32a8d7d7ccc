"""The web commands have help with an example, and the docs name every command and [server] key."""

from __future__ import annotations

from pathlib import Path

from horetsu.cli.app import main

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = [["serve"], ["user", "add"], ["user", "list"], ["user", "set-password"], ["user", "set-role"],
            ["user", "disable"]]


def test_web_commands_have_help_with_an_example(capsys):
    for cmd in COMMANDS:
        assert main([*cmd, "--help"]) == 0, cmd
        out = capsys.readouterr().out.replace("\n", " ")
        assert f"horetsu {' '.join(cmd)}" in out and "Example:" in out, cmd
    main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "--host" in out and "--port" in out and "--workspace" in out
    main(["user", "add", "--help"])
    out = capsys.readouterr().out
    assert "--role" in out and "--password-stdin" in out


def test_importing_the_web_package_configures_nothing():
    import subprocess
    import sys

    code = ("import horetsu.web, horetsu.web.setup, horetsu.web.results, horetsu.cli.app\n"
            "from django.conf import settings\n"
            "assert not settings.configured\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_the_library_never_imports_the_web_app():
    """The library (io, analytics, models, stages, playbook, report, ...) never imports the web;
    the operations part (web, mail: its outbox lives in the web app's database) may."""
    lib = ROOT / "src" / "horetsu"
    web_side = {lib / "cli" / "serve_cmd.py", lib / "cli" / "user_cmd.py", lib / "cli" / "mail_cmd.py"}
    for path in lib.rglob("*.py"):
        if path.relative_to(lib).parts[0] in ("web", "mail") or path in web_side:
            continue
        assert "horetsu.web" not in path.read_text(encoding="utf-8"), path


def test_docs_name_every_command_url_and_server_key():
    from horetsu.config import ServerSettings

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    web = (ROOT / "docs" / "web.md").read_text(encoding="utf-8")
    assert "## Web app" in readme and "horetsu serve" in readme and "horetsu user add" in readme
    for key in ServerSettings.model_fields:
        assert f"`{key}`" in web, key
        assert f"`{key}`" in readme, key
    for cmd in COMMANDS:
        assert f"horetsu {' '.join(cmd)}" in web, cmd
    for url in ("/login", "/healthz", "/customers", "/campaign", "/import", "/analysis", "/settings", "/today",
                "/stages"):
        assert f"`{url}" in web or f"`GET {url}" in web, url
