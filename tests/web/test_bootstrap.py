"""The operational-database bootstrap: ``setup_django`` migrates SQLite and PostgreSQL, idempotently.

Each case runs in its own Python process (Django is configured once per process), as
``horetsu serve`` does.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

SCRIPT = r"""
import json, sys
import horetsu
from horetsu.web.setup import setup_django
ws = horetsu.open_workspace(sys.argv[1])
url = sys.argv[2] or None
setup_django(ws, url)
setup_django(ws, url)  # idempotent in one process
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
tables = sorted(connection.introspection.table_names())
applied = sorted(f"{a}.{n}" for a, n in MigrationRecorder(connection).applied_migrations())
print(json.dumps({"vendor": connection.vendor, "tables": tables, "applied": applied}))
"""


def _run(ws_path, url: str) -> dict:
    env = dict(os.environ)
    env.pop("HORETSU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ws_path), url], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("db", ["sqlite", "postgres"])
def test_setup_django_migrates_and_is_idempotent(db, ws, request):
    url = request.getfixturevalue("pg_database") if db == "postgres" else ""
    first = _run(ws.path, url)
    assert first["vendor"] == ("postgresql" if db == "postgres" else "sqlite")
    for table in ("auth_user", "django_session", "horetsu_core_auditentry", "horetsu_core_role",
                  "horetsu_core_loginfailure", "horetsu_core_job"):
        assert table in first["tables"]
    assert "horetsu_core.0001_initial" in first["applied"]
    assert "sessions.0001_initial" in first["applied"]
    # a second start (a new process) finds everything applied and changes nothing
    second = _run(ws.path, url)
    assert second == first
    assert (ws.path / "ops.sqlite3").exists() == (db == "sqlite")


def test_secret_key_is_created_once_with_mode_0600(ws):
    from horetsu.config import ServerSettings
    from horetsu.web.setup import secret_key

    cfg = ServerSettings()
    key = secret_key(ws, cfg)
    path = ws.path / ".secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 50 and secret_key(ws, cfg) == key


def test_database_url_from_environment_and_toml(ws, monkeypatch):
    from horetsu.web.setup import database_config, resolve_database_url

    assert resolve_database_url(ws) == ""
    ws.config_path.write_text('[server]\ndatabase_url = "postgres://a:b%40c@db.example:5433/shop"\n', encoding="utf-8")
    ws2 = type(ws)(ws.path)
    assert resolve_database_url(ws2) == "postgres://a:b%40c@db.example:5433/shop"
    cfg = database_config(ws2, resolve_database_url(ws2))
    assert (cfg["ENGINE"], cfg["NAME"], cfg["USER"], cfg["PASSWORD"], cfg["HOST"], cfg["PORT"]) == (
        "django.db.backends.postgresql", "shop", "a", "b@c", "db.example", "5433")
    monkeypatch.setenv("HORETSU_DATABASE_URL", "postgres://x@h/y")
    assert resolve_database_url(ws2) == "postgres://x@h/y"


def test_bad_server_setting_names_the_key(ws):
    from horetsu.errors import ConfigError
    from horetsu.web.setup import server_settings

    ws.config_path.write_text("[server]\nsession_idle_minutes = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[server.session_idle_minutes\]"):
        server_settings(type(ws)(ws.path))
