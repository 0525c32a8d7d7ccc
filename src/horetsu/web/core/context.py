"""Template context: the labels of the page's language, the user's role and what it may see."""

from __future__ import annotations

from typing import Any

from horetsu.web.core.access import LEVELS, role_of
from horetsu.web.i18n import labels


def labels_context(request: Any) -> dict[str, Any]:
    lang = getattr(request, "lang", "ja")
    role = role_of(getattr(request, "user", None))
    return {
        "L": labels(lang),
        "lang": lang,
        "role": role,
        "can": {level: role in roles for level, roles in LEVELS.items()},
    }

