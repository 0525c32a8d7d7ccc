"""Resolve a preset name: the built-in platforms, then ``[import.mappings.NAME]`` in horetsu.toml."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from horetsu.errors import ConfigError, UnknownPresetError
from horetsu.io.presets import BUILTIN
from horetsu.io.presets.base import Parsed
from horetsu.io.reader import Source, read_source


@dataclass
class Preset:
    name: str
    read: Callable[[Path], Source]
    parse: Callable[[Source, str | None], Parsed]


def user_mappings(ws: Any) -> dict[str, Any]:
    if ws is None:
        return {}
    cfg = getattr(ws, "config", {}) or {}
    maps = (cfg.get("import") or {}).get("mappings") or {}
    if not isinstance(maps, dict):
        raise ConfigError(f"{ws.config_path}: [import.mappings] must be a table", ja=f"{ws.config_path}: [import.mappings] は表で指定してください")
    return maps


def get_preset(name: str, ws: Any = None) -> Preset:
    if name in BUILTIN:
        mod = importlib.import_module(f"horetsu.io.presets.{name}")
        return Preset(name, getattr(mod, "read", read_source), mod.bind(ws) if hasattr(mod, "bind") else mod.parse)
    maps = user_mappings(ws)
    if name in maps:
        from horetsu.io.presets.mapping import make_preset

        return make_preset(name, maps[name], ws)
    known = ", ".join([*BUILTIN, *maps])
    raise UnknownPresetError(
        f"unknown preset {name!r}; known presets: {known}",
        ja=f"プリセット {name!r} はありません。使えるプリセット: {known}",
    )
