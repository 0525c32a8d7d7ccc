"""Roles, the login throttle and the audit log.

Roles (one per user): owner (users, settings, overrides), marketer (campaigns, sends,
imports, analysis runs), analyst (everything read-only, personal data and exports
included), viewer (aggregate pages only, no personal data). Each view declares the
level it needs with :func:`needs`; a level names the roles it admits.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps
from typing import Any, Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from horetsu.web.core.models import ROLES, AuditEntry, LoginFailure, Role

LEVELS: dict[str, frozenset[str]] = {
    "aggregate": frozenset(ROLES),  # no personal data
    "personal": frozenset({"owner", "marketer", "analyst"}),  # personal data, read-only, exports
    "operate": frozenset({"owner", "marketer"}),  # imports, analysis runs, sends
    "owner": frozenset({"owner"}),  # settings, users, overrides
    "diagnose": frozenset({"owner", "analyst"}),  # answer the diagnosis quiz: the owner or the consultant
}


def role_of(user: Any) -> str:
    """The user's role ('' for anonymous users or users without one)."""
    if not getattr(user, "is_authenticated", False):
        return ""
    try:
        return user.horetsu_role.role
    except Role.DoesNotExist:
        return ""


def allowed(user: Any, level: str) -> bool:
    return role_of(user) in LEVELS[level]


def needs(level: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: a logged-in user whose role belongs to ``level``; otherwise 403."""
    if level not in LEVELS:
        raise ValueError(level)

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def inner(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not allowed(request.user, level):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        inner.horetsu_level = level  # type: ignore[attr-defined]
        return inner

    return wrap


def client_address(request: Any) -> str:
    """The client's address (REMOTE_ADDR; behind a proxy the server sets it from the trusted header)."""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def audit(request: Any, action: str, detail: str = "", who: str | None = None) -> None:
    """One audit-log row: who, when, what (never a customer's personal data in ``detail``)."""
    if who is None:
        user = getattr(request, "user", None)
        who = user.get_username() if getattr(user, "is_authenticated", False) else ""
    AuditEntry.objects.create(who=who[:254], action=action, detail=detail, address=client_address(request))


# ------------------------------------------------------------------ login throttle
ADDRESS_FACTOR = 4  # an address may fail for several accounts before it is locked


def _window() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.HORETSU_SERVER.login_lockout_minutes)


def locked(email: str, address: str) -> bool:
    """True while the account or the client address has too many recent failures."""
    limit = settings.HORETSU_SERVER.login_max_failures
    since = _window()
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(email=email.lower()).count() >= limit:
        return True
    return bool(address) and recent.filter(address=address).count() >= limit * ADDRESS_FACTOR


def record_failure(email: str, address: str) -> None:
    LoginFailure.objects.create(email=email.lower()[:254], address=address)
    # keep the table small: failures older than a day no longer count for anything
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=1)).delete()


def clear_failures(email: str) -> None:
    LoginFailure.objects.filter(email=email.lower()).delete()
