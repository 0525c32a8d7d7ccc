"""Helpers shared by the views: the workspace, results, rendering, friendly errors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import render

from horetsu.web.i18n import text
from horetsu.web.results import Results, results_for


def workspace() -> Any:
    from horetsu.workspace import open_workspace

    return open_workspace(settings.HORETSU_WORKSPACE)


def results() -> Results:
    return results_for(settings.HORETSU_WORKSPACE)


def page(request: Any, template: str, context: dict[str, Any] | None = None, status: int = 200) -> Any:
    """Render a full page, or only its ``#main`` part for an htmx request that asks for it."""
    ctx = dict(context or {})
    res = results()
    ctx.setdefault("as_of", res.as_of() if res.available() else None)
    ctx.setdefault("stale", res.stale() if res.available() else False)
    return render(request, template, ctx, status=status)


def error_text(request: Any, exc: Exception) -> str:
    """One friendly line for a library error (its own bilingual message), never a traceback."""
    from horetsu.errors import HoretsuError

    lang = getattr(request, "lang", "ja")
    if isinstance(exc, HoretsuError):
        return exc.message(lang)
    return text(lang, "error.500")
