"""Reading shop exports into the canonical tables.

``import_files(ws, paths, preset)`` detects the encoding, normalises the values,
validates every row and writes the accepted rows into the workspace in one
atomic switch; rejected rows go to ``WORKSPACE/quarantine/`` with their reason.
Nothing is imported eagerly: heavy dependencies load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["import_files", "ImportResult", "FileResult"]


def __getattr__(name: str) -> Any:
    if name in ("import_files",):
        from horetsu.io.importer import import_files

        return import_files
    if name in ("ImportResult", "FileResult"):
        from horetsu.io import result

        return getattr(result, name)
    raise AttributeError(f"module 'horetsu.io' has no attribute {name!r}")
