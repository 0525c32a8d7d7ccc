"""Settings (owner): edit horetsu.toml; an invalid value is refused with its key and what is wrong."""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings
from django.views.decorators.http import require_http_methods

from horetsu.errors import HoretsuError
from horetsu.web.core.access import audit, needs, role_of
from horetsu.web.core.models import AuditEntry, Role
from horetsu.web.i18n import text
from horetsu.web.views.common import error_text, page


def validate_toml(content: str) -> None:
    """Every section the library declares, checked as the CLI checks them (raises ConfigError)."""
    from horetsu.analytics.settings import load as analysis_settings
    from horetsu.config import ServerSettings
    from horetsu.errors import ConfigError
    from horetsu.io.presets.registry import get_preset, user_mappings
    from horetsu.playbook.policy import load_policy
    from horetsu.workspace import Workspace

    try:
        tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"horetsu.toml: invalid TOML: {exc}", ja=f"horetsu.toml: TOML の書式が正しくありません: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="horetsu-settings-") as tmp:
        (Path(tmp) / "horetsu.toml").write_text(content, encoding="utf-8")
        ws = Workspace(Path(tmp))
        ws.config_path = Path("horetsu.toml")  # messages name the file, not the temporary folder
        analysis_settings(ws)
        ws.section("server", ServerSettings)
        load_policy(ws)
        for name in user_mappings(ws):
            get_preset(name, ws)


@require_http_methods(["GET", "POST"])
@needs("owner")
def settings_view(request: Any) -> Any:
    lang = request.lang
    path = Path(settings.HORETSU_WORKSPACE) / "horetsu.toml"
    content = path.read_text(encoding="utf-8") if path.exists() else ""
    done = error = ""
    status = 200
    if request.method == "POST":
        candidate = str(request.POST.get("toml", "")).replace("\r\n", "\n")
        try:
            validate_toml(candidate)
        except HoretsuError as exc:
            error = text(lang, "settings.invalid", why=error_text(request, exc))
            content = candidate
            status = 400
        else:
            tmp = path.with_name(f".horetsu.toml.{os.getpid()}.tmp")
            tmp.write_text(candidate, encoding="utf-8")
            os.replace(tmp, path)
            content = candidate
            audit(request, "settings", "horetsu.toml saved")
            done = text(lang, "settings.saved")
    users = [{"email": r.user.get_username(), "role": r.role, "active": r.user.is_active}
             for r in Role.objects.select_related("user").order_by("user__username")]
    entries = list(AuditEntry.objects.all()[:100])
    return page(request, "horetsu/settings.html", {"toml": content, "done": done, "error": error,
                                                     "users": users, "entries": entries, "me": role_of(request.user)},
                status=status)
