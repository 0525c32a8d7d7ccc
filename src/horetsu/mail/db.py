"""Open the operational database for a workspace (the web app's Django bootstrap)."""

from __future__ import annotations

from typing import Any


def open_db(ws: Any, database_url: str | None = None) -> None:
    """Configure Django for ``ws`` and apply migrations (idempotent within a process)."""
    from horetsu.web.setup import setup_django

    setup_django(ws, database_url)
