"""``horetsu serve``: the web app behind waitress, a production WSGI server in pure Python."""

from __future__ import annotations

from typing import Any

THREADS = 8


def wsgi_application(ws: Any, *, host: str | None = None, database_url: str | None = None) -> Any:
    """Configure Django for ``ws`` (migrations applied) and return its WSGI application."""
    from horetsu.web.setup import setup_django

    setup_django(ws, database_url, host=host)
    from django.core.wsgi import get_wsgi_application

    from horetsu.web import jobs

    jobs.fail_interrupted()
    return get_wsgi_application()


def user_count() -> int:
    from horetsu.web.core.models import Role

    return Role.objects.filter(user__is_active=True).count()


def prepare(ws: Any) -> None:
    """Build the customers list's index and the look-up copies before the first request."""
    import logging

    from horetsu.errors import HoretsuError
    from horetsu.web.results import results_for

    try:
        results_for(ws.path).prepare()
    except (HoretsuError, OSError, ValueError) as exc:  # the pages still work, only slower at first
        logging.getLogger("horetsu.web").warning("could not prepare the customer look-ups: %s", type(exc).__name__)


def serve(ws: Any, host: str, port: int, *, threads: int = THREADS, on_ready: Any = None) -> None:
    """Serve until interrupted."""
    import waitress

    app = wsgi_application(ws, host=host)
    cfg = __import__("horetsu.web.setup", fromlist=["server_settings"]).server_settings(ws)
    options: dict[str, Any] = {
        "host": host, "port": port, "threads": threads, "ident": "horetsu",
        "channel_timeout": 60, "connection_limit": 200, "max_request_body_size": 200 * 1024 * 1024,
        "expose_tracebacks": False, "url_scheme": "http",
    }
    if cfg.behind_https_proxy:  # the proxy in front tells the client's address and the scheme
        options.update(trusted_proxy="127.0.0.1", trusted_proxy_count=1,
                       trusted_proxy_headers="x-forwarded-for x-forwarded-proto", clear_untrusted_proxy_headers=True)
    prepare(ws)
    if on_ready is not None:
        on_ready()
    waitress.serve(app, **options)
