"""Configure Django for one workspace and bring its operational database up to date.

The operational database ("ops DB") holds users, sessions, the audit log, jobs and what
later parts add (outbox, consent records, survey answers). It is an SQLite file in the
workspace by default and PostgreSQL when ``[server] database_url`` or
``HORETSU_DATABASE_URL`` says so.

Another Django app joins by appending one line to :data:`INSTALLED_APPS`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from horetsu.workspace import secret_file
from horetsu.config import ServerSettings
from horetsu.errors import ConfigError

INSTALLED_APPS: list[str] = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "django_htmx",
    "horetsu.web.core",
    "horetsu.mail",
    "horetsu.nps",
]

OPS_SQLITE = "ops.sqlite3"
SECRET_FILE = ".secret_key"

_configured: dict[str, Any] = {}


def server_settings(ws: Any) -> ServerSettings:
    """The validated ``[server]`` section of the workspace."""
    return ws.section("server", ServerSettings)


def resolve_database_url(ws: Any, database_url: str | None = None) -> str:
    """The argument, then ``HORETSU_DATABASE_URL``, then ``[server] database_url``; '' = SQLite."""
    return database_url or os.environ.get("HORETSU_DATABASE_URL") or server_settings(ws).database_url


def database_config(ws: Any, url: str) -> dict[str, Any]:
    """Django's DATABASES['default'] for ``url`` ('' = the workspace's SQLite file)."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(ws.path) / OPS_SQLITE),
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme in ("sqlite", "sqlite3"):
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": unquote(parts.path) or str(Path(ws.path) / OPS_SQLITE),
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"}}
    if scheme not in ("postgres", "postgresql"):
        raise ConfigError(
            f"[server] database_url: only postgres://… or sqlite:///… are supported, not {scheme or url!r}",
            ja=f"[server] database_url: 使えるのは postgres://… か sqlite:///… です（{scheme or url!r} は使えません）",
        )
    options = dict(parse_qsl(parts.query))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": options,
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def secret_key(ws: Any, cfg: ServerSettings) -> str:
    """Read the workspace's secret key file, creating it (mode 0600) on first start."""
    path = Path(cfg.secret_key_file) if cfg.secret_key_file else Path(ws.path) / SECRET_FILE
    if not path.is_absolute():
        path = Path(ws.path) / path
    key = secret_file(path, lambda: secrets.token_urlsafe(50))
    if len(key) < 40:
        raise ConfigError(f"{path}: the secret key is too short", ja=f"{path}: 秘密鍵が短すぎます")
    return key


def allowed_hosts(cfg: ServerSettings, host: str | None) -> list[str]:
    hosts = ["127.0.0.1", "localhost", "[::1]", "testserver"]
    if cfg.public_url:
        hosts.append(urlsplit(cfg.public_url).hostname or "")
    if host and host not in ("0.0.0.0", "::", ""):
        hosts.append(host)
    elif host in ("0.0.0.0", "::"):
        hosts.append("*")  # listening on every address of the shop's network: any LAN name
    hosts.extend(cfg.allowed_hosts)
    return [h for h in hosts if h]


def build_settings(ws: Any, database_url: str | None = None, *, host: str | None = None) -> dict[str, Any]:
    """Every Django setting for the workspace (plain data; nothing is configured here)."""
    from horetsu.web.core.middleware import REFERRER_POLICY

    cfg = server_settings(ws)
    url = resolve_database_url(ws, database_url)
    here = Path(__file__).resolve().parent
    import plotly

    plotly_js = Path(plotly.__file__).resolve().parent / "package_data"
    trusted = [cfg.public_url.rstrip("/")] if cfg.public_url else []
    return {
        "DEBUG": False,
        "SECRET_KEY": secret_key(ws, cfg),
        "ALLOWED_HOSTS": allowed_hosts(cfg, host),
        "INSTALLED_APPS": list(INSTALLED_APPS),
        "MIDDLEWARE": [
            "django.middleware.security.SecurityMiddleware",
            "whitenoise.middleware.WhiteNoiseMiddleware",
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "horetsu.web.core.csrf.NoReferrerCsrfMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.auth.middleware.LoginRequiredMiddleware",
            "django_htmx.middleware.HtmxMiddleware",
            "django.middleware.clickjacking.XFrameOptionsMiddleware",
            "horetsu.web.core.middleware.SecurityHeadersMiddleware",
            "horetsu.web.core.middleware.LanguageMiddleware",
        ],
        "ROOT_URLCONF": "horetsu.web.urls",
        "LOGIN_URL": "/login",
        "TEMPLATES": [{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "horetsu.web.core.context.labels_context",
            ]},
        }],
        "DATABASES": {"default": database_config(ws, url)},
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "PASSWORD_HASHERS": [
            "django.contrib.auth.hashers.Argon2PasswordHasher",  # argon2id
            "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        ],
        "AUTH_PASSWORD_VALIDATORS": [
            {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
            {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
        ],
        # sessions end after [server] session_idle_minutes without a request
        "SESSION_COOKIE_AGE": cfg.session_idle_minutes * 60,
        "SESSION_SAVE_EVERY_REQUEST": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "horetsu_session",
        "CSRF_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_NAME": "horetsu_csrf",
        "CSRF_FAILURE_VIEW": "horetsu.web.core.errors.csrf_failure",
        "CSRF_TRUSTED_ORIGINS": trusted,
        "SESSION_COOKIE_SECURE": cfg.behind_https_proxy or cfg.public_url.startswith("https://"),
        "CSRF_COOKIE_SECURE": cfg.behind_https_proxy or cfg.public_url.startswith("https://"),
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https") if cfg.behind_https_proxy else None,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "SECURE_REFERRER_POLICY": REFERRER_POLICY,  # one value, also set by SecurityHeadersMiddleware
        "SECURE_CROSS_ORIGIN_OPENER_POLICY": "same-origin",
        "X_FRAME_OPTIONS": "DENY",
        "STATIC_URL": "/static/",
        "STATICFILES_DIRS": [str(here / "static"), ("plotly", str(plotly_js))],
        "WHITENOISE_USE_FINDERS": True,  # serve straight from the package: no collectstatic step
        "WHITENOISE_AUTOREFRESH": False,
        "DATA_UPLOAD_MAX_MEMORY_SIZE": 20 * 1024 * 1024,
        "FILE_UPLOAD_MAX_MEMORY_SIZE": 5 * 1024 * 1024,
        "USE_TZ": True,
        "TIME_ZONE": "Asia/Tokyo",
        "USE_I18N": False,  # labels are (ja, en) pairs: see horetsu.web.i18n
        "LANGUAGE_CODE": "ja",
        "LOGGING": _logging(),
        "HORETSU_WORKSPACE": str(ws.path),
        "HORETSU_SERVER": cfg,
    }


def _logging() -> dict[str, Any]:
    """No personal data in logs: request paths (customer ids) and bodies are never logged."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"class": "logging.StreamHandler"}, "null": {"class": "logging.NullHandler"}},
        "loggers": {
            "django.request": {"handlers": ["null"], "propagate": False},
            "django.server": {"handlers": ["null"], "propagate": False},
            "django.security": {"handlers": ["null"], "propagate": False},
            "horetsu.web": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def setup_django(ws: Any, database_url: str | None = None, *, host: str | None = None, migrate: bool = True) -> None:
    """Configure Django for ``ws``, call ``django.setup()`` and apply migrations; idempotent.

    A process serves one workspace: calling it again for the same workspace does nothing,
    for another one raises :class:`~horetsu.errors.ConfigError`.
    """
    import django
    from django.conf import settings

    ws_path = str(Path(ws.path).resolve())
    url = resolve_database_url(ws, database_url)
    if _configured:
        if _configured["ws"] != ws_path or _configured["url"] != url:
            raise ConfigError(
                "Django is already configured for another workspace in this process",
                ja="このプロセスの Django は別のワークスペース用に設定済みです",
            )
        return
    if not settings.configured:
        settings.configure(**build_settings(ws, database_url, host=host))
    django.setup()
    if migrate:
        migrate_database()
    _configured.update(ws=ws_path, url=url)


def migrate_database() -> None:
    """Apply every migration of every installed app (Django's own ``migrate``)."""
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
