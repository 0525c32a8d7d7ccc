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


def gate(
    ws: "Workspace | str | os.PathLike[str]",
    tactic: str,
    audience: Any = None,
    as_of: Any = None,
    *,
    override: str | None = None,
    who: str | None = None,
) -> Any:
    """Split an audience into allowed and blocked customers for ``tactic`` (see horetsu.playbook).

    ``ws`` is an opened workspace or the path of one.  The gate reads the stored results;
    when they are missing or out of date, ``analyze`` runs first (at ``as_of`` if given).
    """
    from horetsu.pipeline import ensure
    from horetsu.playbook.gate import gate as _gate
    from horetsu.playbook.rules import get_tactic
    from horetsu.playbook.policy import load_policy
    from horetsu.workspace import Workspace as _Workspace

    if not isinstance(ws, _Workspace):
        ws = open_workspace(ws)
    get_tactic(load_policy(ws), tactic)  # an unknown tactic or override reason fails before any work
    if override is not None and not str(override).strip():
        from horetsu.errors import ConfigError

        raise ConfigError("an override needs a reason", ja="上書きには理由が必要です")
    ensure(ws, as_of=as_of)
    return _gate(ws, tactic, audience=audience, as_of=as_of, override=override, who=who)


def __getattr__(name: str) -> Any:
    if name == "Workspace":
        from horetsu.workspace import Workspace

        return Workspace
    raise AttributeError(f"module 'horetsu' has no attribute {name!r}")
