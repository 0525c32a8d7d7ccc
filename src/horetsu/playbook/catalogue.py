"""The tactic catalogue as a table: names, traits, and where each tactic is forbidden or recommended."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from horetsu.playbook.policy import Policy, load_policy
from horetsu.stages.policy import STAGES


def catalogue(ws: Any = None, policy: Policy | None = None) -> pa.Table:
    """One row per tactic: tactic, name_ja, name_en, traits, forbidden_at, recommended_at.

    ``forbidden_at`` lists the stages whose rules forbid one of the tactic's traits
    outright; timing rules and caps can still block it elsewhere for some customers.
    """
    policy = policy or load_policy(ws)
    rows = []
    for name, tac in policy.tactics.items():
        rows.append({
            "tactic": name,
            "name_ja": tac.ja,
            "name_en": tac.en,
            "traits": list(tac.traits),
            "forbidden_at": [s for s in STAGES if set(tac.traits) & set(policy.stage(s).forbid)],
            "recommended_at": [s for s in STAGES if name in policy.stage(s).recommend
                               or name in policy.stage(s).recommend_cooling],
            "timing_rules": [rid for rid, r in policy.timing.items() if r.trait in tac.traits],
        })
    schema = pa.schema([("tactic", pa.string()), ("name_ja", pa.string()), ("name_en", pa.string()),
                        ("traits", pa.list_(pa.string())), ("forbidden_at", pa.list_(pa.string())),
                        ("recommended_at", pa.list_(pa.string())), ("timing_rules", pa.list_(pa.string()))])
    return pa.Table.from_pylist(rows, schema=schema)
