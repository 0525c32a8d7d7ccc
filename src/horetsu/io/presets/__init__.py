"""Import presets: one module per platform.

Each module exposes ``NAME`` and ``parse(frame, ctx) -> Parsed`` (see
:mod:`horetsu.io.presets.base`).  :func:`get_preset` resolves a name, including
user mappings declared in ``horetsu.toml`` under ``[import.mappings.NAME]``.
"""

from __future__ import annotations

BUILTIN = ("generic", "shopify", "rakuten", "eccube", "cdnow", "amazon", "nps")
