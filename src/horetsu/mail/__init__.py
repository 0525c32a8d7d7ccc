"""Step mails: sequences on each customer's own time axis, gated at every send.

Public API (nothing here imports Django; the outbox functions set it up on first use)::

    from horetsu.mail import load_sequences, plan, run, status, suppress, lint
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_sequences", "plan", "run", "status", "suppress", "lint", "unsubscribe"]

_WHERE = {
    "load_sequences": "horetsu.mail.sequences",
    "plan": "horetsu.mail.planner",
    "run": "horetsu.mail.worker",
    "status": "horetsu.mail.measure",
    "suppress": "horetsu.mail.consent",
    "unsubscribe": "horetsu.mail.unsubscribe",
    "lint": "horetsu.mail.lint",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'horetsu.mail' has no attribute {name!r}")
