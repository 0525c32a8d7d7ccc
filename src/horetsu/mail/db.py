"""Open the operational database for a workspace (the web app's Django bootstrap)."""

from __future__ import annotations

from typing import Any


def open_db(ws: Any, database_url: str | None = None) -> None:
    """Configure Django for ``ws`` and apply migrations (idempotent within a process)."""
    from horetsu.web.setup import setup_django

    setup_django(ws, database_url)


def ops_db_exists(ws: Any) -> bool:
    """True when ``ws`` has an operational database: Django already serves it in this process,
    a database URL is set, or the SQLite file exists (nothing is created here)."""
    from pathlib import Path

    from django.conf import settings

    from horetsu.web.setup import OPS_SQLITE, resolve_database_url

    if settings.configured and getattr(settings, "HORETSU_WORKSPACE", None):
        return Path(settings.HORETSU_WORKSPACE).resolve() == Path(ws.path).resolve()
    return bool(resolve_database_url(ws)) or (Path(ws.path) / OPS_SQLITE).exists()
