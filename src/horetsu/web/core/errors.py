"""Friendly error pages (400, 403, 404, 500, CSRF) in the page's language; never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from django.shortcuts import render

log = logging.getLogger("horetsu.web")


def _lang(request: Any) -> str:
    lang = getattr(request, "lang", None) or request.COOKIES.get("horetsu_lang", "ja")
    return lang if lang in ("ja", "en") else "ja"


def _page(request: Any, status: int, key: str) -> Any:
    from horetsu.web.i18n import labels

    lang = _lang(request)
    return render(request, "horetsu/error.html", {"L": labels(lang), "lang": lang, "status": status,
                                                  "message": labels(lang)[key], "bare": True}, status=status)


def bad_request(request: Any, exception: Any = None) -> Any:
    return _page(request, 400, "error.400")


def permission_denied(request: Any, exception: Any = None) -> Any:
    return _page(request, 403, "error.403")


def not_found(request: Any, exception: Any = None) -> Any:
    return _page(request, 404, "error.404")


def server_error(request: Any) -> Any:
    import sys

    exc = sys.exc_info()[1]
    # the kind of error only: no path, no parameters, no personal data
    log.error("internal error: %s", type(exc).__name__ if exc else "unknown")
    return _page(request, 500, "error.500")


def csrf_failure(request: Any, reason: str = "") -> Any:
    return _page(request, 403, "error.csrf")
