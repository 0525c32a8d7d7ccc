"""Every tactic of the catalogue, allowed or blocked for one customer, through the library's gate.

The stages classifier and the gate's rules are the library's (``classify_frame`` and
``gate_frame``, the same functions ``horetsu.gate`` runs); this module only keeps the
classified frame of the as-of day for the server's lifetime (one per data generation),
so a customer page evaluates one row instead of re-reading the whole workspace.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _classified(ws: Any) -> tuple[Any, Any, Any]:
    import os

    from horetsu.stages.classifier import classify_frame
    from horetsu.stages.policy import load_policy

    try:
        gen = os.readlink(ws.path / "tables") + str(ws.config_path.stat().st_mtime)
    except OSError:
        gen = ""
    with _lock:
        if _cache.get("gen") != gen:
            policy = load_policy(ws)
            frame, day = classify_frame(ws, None, None, policy, evidence=False)
            _cache.clear()
            _cache.update(gen=gen, frame=frame.set_index("customer_id", drop=False), policy=policy, day=day)
        return _cache["frame"], _cache["policy"], _cache["day"]


def tactics_for(ws: Any, customer_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """(as-of day, one row per tactic: tactic, allowed, rule, reason, reason_ja)."""
    from horetsu.playbook.gate import gate_frame

    frame, policy, day = _classified(ws)
    if customer_id not in frame.index:
        return day, []
    one = frame.loc[[customer_id]].reset_index(drop=True)
    out = []
    for tactic in policy.tactics:
        res = gate_frame(one, policy, tactic, day)
        blocked = res.blocked.to_pylist()
        b = blocked[0] if blocked else {}
        out.append({"tactic": tactic, "allowed": not blocked, "rule": b.get("rule", ""),
                    "reason": b.get("reason", ""), "reason_ja": b.get("reason_ja", "")})
    return day, out
