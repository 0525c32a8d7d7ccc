"""The gate: split an audience into customers a tactic may reach and those it may not.

``gate(ws, tactic, audience=None, as_of=None)`` returns a :class:`GateResult` with
``allowed`` and ``blocked`` Arrow tables.  No audience means every customer known on
``as_of``.  An unknown tactic or customer id is an error, never a silent pass.  With
``override="why"`` blocked customers are let through and the override (who, when, why,
which customers and rules) is appended to the workspace audit log.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from horetsu.errors import InputFileError, MissingFileError, UnknownCustomerError
from horetsu.playbook.rules import evaluate, resolve_tactic
from horetsu.playbook.state import customer_state
from horetsu.playbook.policy import Policy, load_policy

ALLOWED_COLUMNS = ("customer_id", "stage", "journey_step", "temperature")
BLOCKED_COLUMNS = ("customer_id", "stage", "rule", "reason", "reason_ja")


@dataclass
class GateResult:
    """Outcome of the gate for one tactic, audience and date."""

    tactic: str
    as_of: dt.date
    allowed: pa.Table
    blocked: pa.Table
    overridden: bool = False
    override_reason: str = ""
    rule_counts: dict[str, int] = field(default_factory=dict)

    @property
    def n_allowed(self) -> int:
        return self.allowed.num_rows

    @property
    def n_blocked(self) -> int:
        return self.blocked.num_rows

    def __repr__(self) -> str:
        return (f"GateResult(tactic={self.tactic!r}, as_of={self.as_of}, allowed={self.n_allowed}, "
                f"blocked={self.n_blocked}, overridden={self.overridden})")


def read_audience(path: Any) -> list[str]:
    """Customer ids from a CSV (column ``customer_id``, else the first column); UTF-8 or CP932."""
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"audience file {p} does not exist", ja=f"対象者ファイル {p} がありません")
    raw = p.read_bytes()
    for enc in ("utf-8-sig", "cp932"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputFileError(f"{p}: cannot decode as UTF-8 or CP932", ja=f"{p}: UTF-8 / CP932 として読めません")
    rows = list(csv.reader(text.splitlines()))
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    for name in ("customer_id", "顧客id", "id"):
        if name in header:
            col = header.index(name)
            return [r[col].strip() for r in rows[1:] if len(r) > col and r[col].strip()]
    # no header we know: the first column, skipping a non-id header such as "email"
    return [r[0].strip() for r in rows[1:] if r and r[0].strip()]


def _audience_ids(audience: Any) -> list[str] | None:
    if audience is None:
        return None
    if isinstance(audience, (str, os.PathLike)):
        return read_audience(audience)
    if isinstance(audience, pa.Table):
        return [str(x) for x in audience.column("customer_id").to_pylist()]
    if isinstance(audience, pd.DataFrame):
        return [str(x) for x in audience["customer_id"].tolist()]
    return [str(x) for x in audience]


def check_audience(frame: pd.DataFrame, ids: list[str] | None, as_of: dt.date) -> pd.DataFrame:
    """The rows of ``frame`` for ``ids`` (all rows when None); unknown ids raise."""
    if ids is None:
        return frame
    wanted = pd.Index(pd.unique(pd.Series(ids, dtype=object)))
    known = pd.Index(frame["customer_id"])
    missing = wanted.difference(known)
    if len(missing):
        shown = ", ".join(map(str, list(missing[:5])))
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise UnknownCustomerError(
            f"{len(missing)} customer id(s) not known on {as_of}: {shown}{more}",
            ja=f"{as_of} 時点で存在しない顧客IDが{len(missing)}件あります: {shown}",
        )
    return frame[frame["customer_id"].isin(wanted)].reset_index(drop=True)


def _strings(rows: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    """``rows`` as an Arrow table of strings (column by column: no Python object per cell)."""
    return pa.table({f.name: pa.Array.from_pandas(rows[f.name]).cast(pa.string()) for f in schema}, schema=schema)


def gate_frame(
    frame: pd.DataFrame, policy: Policy, tactic: str, as_of: dt.date, *, override: str | None = None
) -> GateResult:
    """The gate over an already classified frame (used by plan checks and exports)."""
    ev = evaluate(frame, policy, tactic)
    blocked_rows = frame.loc[ev.blocked, ["customer_id", "stage"]].copy()
    blocked_rows["rule"] = ev.rule[ev.blocked]
    blocked_rows["reason"] = ev.reason[ev.blocked]
    blocked_rows["reason_ja"] = ev.reason_ja[ev.blocked]
    keep = ~ev.blocked if not override else np.ones(len(frame), dtype=bool)
    allowed_rows = frame.loc[keep, list(ALLOWED_COLUMNS)]
    schema_a = pa.schema([pa.field(c, pa.string()) for c in ALLOWED_COLUMNS])
    schema_b = pa.schema([pa.field(c, pa.string()) for c in BLOCKED_COLUMNS])
    return GateResult(
        tactic=tactic,
        as_of=as_of,
        allowed=_strings(allowed_rows, schema_a),
        blocked=_strings(blocked_rows, schema_b),
        overridden=bool(override),
        override_reason=override or "",
        rule_counts=dict(Counter(ev.rule[ev.blocked].tolist())),
    )


def append_audit(ws: Any, entry: dict[str, Any]) -> None:
    """Append one JSON line to the workspace audit log."""
    ws.path.mkdir(parents=True, exist_ok=True)
    line = json.dumps(entry, ensure_ascii=False, default=str)
    with open(ws.audit_log, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def record_override(ws: Any, result: GateResult, why: str, who: str | None = None) -> None:
    try:
        user = who or getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    append_audit(ws, {
        "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "who": user,
        "why": why,
        "action": "gate_override",
        "tactic": result.tactic,
        "as_of": result.as_of.isoformat(),
        "customers": result.n_blocked,
        "rules": result.rule_counts,
        "customer_ids": result.blocked.column("customer_id").to_pylist(),
    })


def gate(
    ws: Any,
    tactic: str,
    audience: Any = None,
    as_of: Any = None,
    *,
    override: str | None = None,
    who: str | None = None,
) -> GateResult:
    """Split ``audience`` (ids, a CSV path, an Arrow/pandas table; None = all) for ``tactic``.

    Reads the stored results (:func:`horetsu.playbook.state.customer_state`); the default
    day is the results' as-of day.  ``horetsu.gate`` refreshes stale results first.
    """
    policy = load_policy(ws)
    tactic = resolve_tactic(policy, tactic)  # 割引クーポン → discount_coupon; unknown fails before any work
    if override is not None and not str(override).strip():
        from horetsu.errors import ConfigError

        raise ConfigError("an override needs a reason", ja="上書きには理由が必要です")
    ids = _audience_ids(audience)
    frame, day = customer_state(ws, policy, as_of)
    frame = check_audience(frame, ids, day)
    result = gate_frame(frame, policy, tactic, day, override=override)
    if override and result.n_blocked:
        record_override(ws, result, str(override), who)
    return result


def write_gate_csv(result: GateResult, allowed_path: Any, blocked_path: Any, lang: str = "en") -> None:
    """``allowed.csv`` (customer_id, stage, journey_step, temperature) and
    ``blocked.csv`` (customer_id, stage, rule, reason) in UTF-8."""
    import duckdb

    b = result.blocked
    reason = b["reason_ja"] if lang == "ja" else b["reason"]
    blocked = pa.table({"customer_id": b["customer_id"], "stage": b["stage"], "rule": b["rule"], "reason": reason})
    con = duckdb.connect()  # quotes only where a field needs it, as Excel and csv readers expect
    try:
        for table, path in ((result.allowed, allowed_path), (blocked, blocked_path)):
            con.register("rows", table)
            con.execute("COPY rows TO ? (FORMAT csv, HEADER)", [str(path)])
            con.unregister("rows")
    finally:
        con.close()
