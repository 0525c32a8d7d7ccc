"""Security headers and the page language."""

from __future__ import annotations

from typing import Any, Callable

from horetsu.web.i18n import LANGS

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",  # no inline script anywhere: JS lives in static files
    "style-src 'self' 'unsafe-inline'",  # Plotly sets inline styles on the charts it draws
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


#: pages hold personal data (customer ids, search words in their addresses): no Referer at all
REFERRER_POLICY = "no-referrer"


class SecurityHeadersMiddleware:
    """CSP without unsafe-inline script, no framing, no caching of pages, and
    ``Referrer-Policy: no-referrer``: no address of a page (customer ids, search words)
    is ever sent anywhere; the app's own forms then post with ``Origin: null``, which
    :mod:`horetsu.web.core.csrf` accepts only as the CSRF rules there say (see
    docs/architecture.md, "CSRF and the referrer policy")."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CSP)
        response["Referrer-Policy"] = REFERRER_POLICY
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")  # pages hold personal data
        return response


class LanguageMiddleware:
    """``request.lang``: the session's choice (POST /lang), else the cookie, else Japanese."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        lang = request.COOKIES.get("horetsu_lang", "")
        request.lang = lang if lang in LANGS else "ja"
        return self.get_response(request)
