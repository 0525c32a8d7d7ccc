"""Every tactic of the catalogue, allowed or blocked for one customer, through the library's gate.

Where each customer stands is read from the results store (``customer_state``) and the
gate's rules are the library's (``gate_frame``, as ``horetsu.gate`` runs them); this module
only keeps the frame of the results' as-of day for the server's lifetime (one per results
generation), so a customer page evaluates one row instead of re-reading the whole store.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_cache: dict[str, Any] = {}


def _classified(ws: Any) -> tuple[Any, Any, Any]:
    import os

    from horetsu.playbook.state import customer_state
    from horetsu.playbook.policy import load_policy

    try:
        gen = os.readlink(ws.path / "results") + str(ws.config_path.stat().st_mtime)
    except OSError:
        gen = ""
    with _lock:
        if _cache.get("gen") != gen:
            policy = load_policy(ws)
            # the stored results, never a re-classification; stale ones too, like the customer page
            # itself (the page says they are stale; the campaign checker and sends need fresh ones)
            frame, day = customer_state(ws, policy, fresh=False)
            _cache.clear()
            _cache.update(gen=gen, frame=frame.set_index("customer_id", drop=False), policy=policy, day=day)
        return _cache["frame"], _cache["policy"], _cache["day"]


def tactics_for(ws: Any, customer_id: str) -> tuple[Any, list[dict[str, Any]]]:
    """(as-of day, one row per tactic: tactic, allowed, rule, reason, reason_ja).

    The library's rules (:func:`horetsu.playbook.rules.evaluate`, what ``gate_frame`` runs)
    over the customer's one row; the facts sentence the stage rules quote is built once for
    the customer instead of once per tactic.
    """
    from horetsu.playbook.rules import evaluate
    from horetsu.stages.classifier import facts_text

    frame, policy, day = _classified(ws)
    if customer_id not in frame.index:
        return day, []
    one = frame.loc[[customer_id]].reset_index(drop=True)
    if "facts_en" not in one.columns:
        en, ja = facts_text(one, policy)
        one = one.assign(facts_en=en.to_numpy(), facts_ja=ja.to_numpy())
    out = []
    for tactic in policy.tactics:
        ev = evaluate(one, policy, tactic)
        blocked = bool(ev.blocked[0])
        out.append({"tactic": tactic, "allowed": not blocked, "rule": str(ev.rule[0]) if blocked else "",
                    "reason": str(ev.reason[0]) if blocked else "",
                    "reason_ja": str(ev.reason_ja[0]) if blocked else ""})
    return day, out


def prepare(ws: Any) -> None:
    """Load the classified frame of the current results now (the server does it before it answers)."""
    _classified(ws)
