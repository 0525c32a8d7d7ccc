"""horetsu (惚れ通): where every customer relationship stands on its time axis.

Public API (kept small on purpose)::

    import horetsu
    ws = horetsu.open_workspace("horetsu-data")
    orders = ws.table("orders")          # an Ibis table (DuckDB by default)
    result = horetsu.gate(ws, "discount_coupon")

Nothing is imported eagerly beyond this module: heavy dependencies load on first use.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "open_workspace", "init_workspace", "gate", "Workspace"]

if TYPE_CHECKING:  # pragma: no cover
    from horetsu.workspace import Workspace


def open_workspace(path: Any = None, *, engine: str | None = None) -> "Workspace":
    """Open an existing workspace (default ``./horetsu-data`` or ``HORETSU_WORKSPACE``)."""
    from horetsu.workspace import open_workspace as _open

    return _open(path, engine=engine)


def init_workspace(path: Any = None) -> "Workspace":
    """Create (or reuse) a workspace folder and return it opened."""
    from horetsu.workspace import init_workspace as _init

    return _init(path)


def gate(ws: "Workspace | str | os.PathLike[str]", tactic: str, audience: Any = None, as_of: Any = None) -> Any:
    """Split an audience into allowed and blocked customers for ``tactic`` (see horetsu.playbook).

    ``ws`` is an opened workspace or the path of one.
    """
    from horetsu.playbook.gate import gate as _gate
    from horetsu.workspace import Workspace as _Workspace

    if not isinstance(ws, _Workspace):
        ws = open_workspace(ws)
    return _gate(ws, tactic, audience=audience, as_of=as_of)


def __getattr__(name: str) -> Any:
    if name == "Workspace":
        from horetsu.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'horetsu' has no attribute {name!r}")
