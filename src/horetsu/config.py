"""Settings, declared once.

Order of precedence: built-in defaults → ``horetsu.toml`` in the workspace →
``HORETSU_*`` environment variables → command-line flags.  Each subsystem declares
its own section as a pydantic model and reads it with :func:`section`, so an
invalid value fails with the file, the key and what is wrong.
"""

from __future__ import annotations

import locale
import os
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from horetsu.errors import ConfigError

DEFAULT_WORKSPACE = "horetsu-data"
CONFIG_FILE = "horetsu.toml"

M = TypeVar("M", bound=BaseModel)


class StrictModel(BaseModel):
    """Base for config sections: unknown keys are errors (typos must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceSettings(StrictModel):
    engine: str = ""  # Ibis connection URL; empty = embedded DuckDB over the Parquet tables
    # the embedded DuckDB's memory; beyond it, DuckDB moves kept tables and large joins to a
    # temporary directory (removed when done).  "" = DuckDB's own default (80% of the RAM)
    engine_memory_limit: str = Field(default="", pattern=r"^(|\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB))$")
    lang: str = ""  # ja | en ; empty = from the locale
    shop_name: str = ""


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``: tables merge key by key, other values (lists too) replace."""
    import copy

    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def default_workspace_path() -> Path:
    return Path(os.environ.get("HORETSU_WORKSPACE") or DEFAULT_WORKSPACE)


def detect_lang(explicit: str | None = None) -> str:
    """``ja`` or ``en``: the flag, then HORETSU_LANG, then the locale."""
    for value in (explicit, os.environ.get("HORETSU_LANG")):
        if value:
            value = value.lower()[:2]
            if value in ("ja", "en"):
                return value
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(var, "").lower().startswith("ja"):
            return "ja"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:  # pragma: no cover - odd platform locales
        loc = ""
    return "ja" if loc.lower().startswith("ja") else "en"


def load_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; a syntax error names the file and the line."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}", ja=f"{path}: TOML の書式が正しくありません: {exc}"
        ) from None


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def section(data: dict[str, Any], key: str, model: type[M], *, file: Any = CONFIG_FILE) -> M:
    """Validate ``data[key]`` (dotted) against ``model``; errors name file and key."""
    raw = _lookup(data, key) or {}
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in (key, *first["loc"]))
        msg = first["msg"]
        from horetsu.i18n import validation_ja

        raise ConfigError(f"{file}: [{loc}] {msg}", ja=f"{file}: [{loc}] {validation_ja(first)}") from None


def env_overrides(prefix: str = "HORETSU_") -> dict[str, str]:
    """``HORETSU_ENGINE=...`` → ``{"engine": ...}`` for the workspace section."""
    out = {}
    for name in ("ENGINE", "LANG"):
        value = os.environ.get(prefix + name)
        if value:
            out[name.lower()] = value
    return out


class ServerSettings(StrictModel):
    """``[server]``: the web app (``horetsu serve``); see docs/web.md."""

    database_url: str = ""  # empty = SQLite file WORKSPACE/ops.sqlite3; postgres://… = PostgreSQL
    secret_key_file: str = ""  # empty = WORKSPACE/.secret_key (created on first start, mode 0600)
    session_idle_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    public_url: str = ""  # e.g. https://crm.example.jp (links in mails; CSRF trusted origin)
    behind_https_proxy: bool = False  # trust X-Forwarded-Proto: https from the proxy in front
    login_max_failures: int = Field(default=5, ge=1, le=1000)
    login_lockout_minutes: int = Field(default=15, ge=1, le=60 * 24)
    allowed_hosts: list[str] = []  # extra host names the app answers to (besides loopback and public_url)


class MailSettings(StrictModel):
    """``[mail]``: sending step mails (see docs/mail.md). The legal footer comes from here."""

    from_address: str = ""  # sender address, e.g. "shop@example.jp"
    sender_name: str = ""  # 送信者の氏名又は名称 (shown in every mail)
    postal_address: str = ""  # 送信者の住所
    contact: str = ""  # 苦情・問合せ先 (mail address, phone or URL)
    public_url: str = ""  # the web app's public address; unsubscribe links point there
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (TLS)
    secret: str = ""  # key signing unsubscribe links; empty = WORKSPACE/.mail_secret (created 0600)
    expiry_hours: float = 24.0  # a step not sent within this time after it was due is dropped
    quiet_start: str = "21:00"  # quiet hours, Asia/Tokyo: nothing is sent from ...
    quiet_end: str = "09:00"  # ... until
    cap_max: int = 2  # per channel: at most cap_max messages ...
    cap_days: int = 7  # ... within this many days (rolling)
    max_attempts: int = 5  # 4xx replies are retried this often with exponential backoff
    retry_base_seconds: float = 60.0  # first backoff; doubles each attempt
    lease_seconds: float = 300.0  # a claim older than this is in doubt and is resent
    batch_size: int = 200  # rows claimed per transaction
    connections: int = 4  # SMTP connections sending in parallel (1 = one message at a time)
    purchased_within_days: int = 90  # "is it working": purchases counted this long after the trigger
    line_channel_access_token: str = ""  # LINE Messaging API channel access token
    line_api_url: str = "https://api.line.me"  # LINE API host (tests point it at loopback)
    track_opens: bool = False  # add a 1×1 image per mail whose first load records "opened" (off: opens unknown)

    @field_validator("public_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https:// (or http:// for a local test server)")
        return value
