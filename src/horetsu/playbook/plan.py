"""Campaign plans: check every planned campaign against the gate before anything is sent.

A plan is a TOML file::

    [[campaign]]
    name = "July newsletter"
    tactic = "mail_magazine"
    segment = "all"                 # or a stage name, or { stage = [...], temperature = "active" }
    send_date = 2025-07-01

    [[campaign]]
    name = "Coupon for June buyers"
    tactic = "discount_coupon"
    audience = "june_buyers.csv"    # customer ids, relative to the plan file
    send_date = 2025-07-03

Campaigns are checked in send-date order, and the messages an earlier campaign of the
plan would send count towards the frequency caps and the thanks-first rule of later ones.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from horetsu.errors import ConfigError, MissingFileError
from horetsu.playbook.gate import check_audience, read_audience
from horetsu.core.dates import to_day
from horetsu.playbook.rules import evaluate, resolve_tactic
from horetsu.playbook.state import customer_state
from horetsu.playbook.policy import Policy, load_policy
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES, resolve_segment

SEGMENT_KEYS = {"stage": STAGES, "temperature": TEMPERATURES, "journey_step": JOURNEY_STEPS}


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    tactic: str
    audience: str | None = None
    segment: str | dict[str, str | list[str]] | None = None
    send_date: dt.date

    @model_validator(mode="after")
    def _one_target(self) -> "Campaign":
        if (self.audience is None) == (self.segment is None):
            raise ValueError("give exactly one of audience (a CSV file) or segment")
        seg = self.segment
        if isinstance(seg, str) and seg not in ("all", *STAGES):
            raise ValueError(f"segment must be 'all', a stage ({', '.join(STAGES)}) or a table")
        if isinstance(seg, dict):
            for key, value in seg.items():
                if key not in SEGMENT_KEYS:
                    raise ValueError(f"segment key {key!r} must be one of {', '.join(SEGMENT_KEYS)}")
                for v in [value] if isinstance(value, str) else value:
                    if v not in SEGMENT_KEYS[key]:
                        raise ValueError(f"segment {key} {v!r} must be one of {', '.join(SEGMENT_KEYS[key])}")
        return self


class Plan(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    campaign: list[Campaign] = Field(min_length=1)


@dataclass
class CampaignCheck:
    name: str
    tactic: str
    send_date: dt.date
    audience: int
    allowed: int
    blocked: int
    rules: dict[str, int] = field(default_factory=dict)
    blocked_rows: pd.DataFrame | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "tactic": self.tactic, "send_date": self.send_date.isoformat(),
                "audience": self.audience, "allowed": self.allowed, "blocked": self.blocked, "rules": self.rules}


@dataclass
class PlanReport:
    path: Path
    campaigns: list[CampaignCheck]

    @property
    def ok(self) -> bool:
        return all(c.blocked == 0 for c in self.campaigns)

    def to_dict(self) -> dict[str, Any]:
        return {"plan": str(self.path), "ok": self.ok, "campaigns": [c.to_dict() for c in self.campaigns]}


def load_plan(path: Any, policy: Policy) -> Plan:
    p = Path(path)
    if not p.exists():
        raise MissingFileError(f"plan {p} does not exist", ja=f"計画ファイル {p} がありません")
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: invalid TOML: {exc}", ja=f"{p}: TOML の書式が正しくありません{_where_ja(exc)}") from None
    if "campaigns" in data and "campaign" not in data:
        data["campaign"] = data.pop("campaigns")
    campaigns = data.get("campaign")
    for i, raw in enumerate(campaigns if isinstance(campaigns, list) else []):
        if isinstance(raw, dict):
            _resolve_names(p, i, raw, policy)
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = list(first["loc"])
        key = "campaign" + "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc[1:])
        msg = first["msg"].removeprefix("Value error, ")  # pydantic's prefix for our own checks
        raise ConfigError(f"{p}: {key}: {msg}", ja=f"{p}: {key}: {_problem_ja(first, msg)}") from None
    return plan


def _resolve_names(p: Path, i: int, raw: dict[str, Any], policy: Policy) -> None:
    """Names as shown (割引クーポン, 観測, 冷えつつある) become the ids they mean, in place;
    an unknown name is an error naming the plan, the campaign and the key."""
    from horetsu.errors import HoretsuError

    for key, resolve in (("tactic", resolve_tactic), ("segment", resolve_segment)):
        if key not in raw or not isinstance(raw[key], (str, dict)):
            continue
        try:
            raw[key] = resolve(policy, raw[key])
        except HoretsuError as exc:
            exc.message_en = f"{p}: campaign[{i}].{key}: {exc.message_en}"
            exc.message_ja = f"{p}: campaign[{i}].{key}: {exc.message_ja}"
            exc.args = (exc.message_en,)
            raise


_PROBLEMS_JA = {
    "missing": "必須の項目がありません",
    "extra_forbidden": "この項目は使えません",
    "too_short": "空にはできません",
    "string_type": "文字列で書いてください",
    "list_type": "配列で書いてください",
}


def _problem_ja(error: Any, msg_en: str) -> str:
    """A pydantic error of the plan schema as a Japanese sentence (no English fragments)."""
    kind = str(error.get("type", ""))
    if kind.startswith("date"):
        return "日付は YYYY-MM-DD の形で書いてください"
    if "exactly one of audience" in msg_en:
        return "audience(対象者CSV)と segment のどちらか一方だけを書いてください"
    return _PROBLEMS_JA.get(kind, "値が正しくありません")


def _where_ja(exc: Exception) -> str:
    import re

    m = re.search(r"line (\d+), column (\d+)", str(exc))
    return f"({m.group(1)}行目、{m.group(2)}文字目)" if m else ""


def _segment_rows(frame: pd.DataFrame, seg: Any) -> pd.DataFrame:
    if seg == "all":
        return frame
    if isinstance(seg, str):
        return frame[frame["stage"] == seg]
    mask = np.ones(len(frame), dtype=bool)
    for key, value in seg.items():
        mask &= frame[key].isin([value] if isinstance(value, str) else list(value)).to_numpy()
    return frame[mask]


def _with_planned_sends(frame: pd.DataFrame, policy: Policy, sends: pd.DataFrame, day: int) -> pd.DataFrame:
    """Add the plan's earlier (allowed) messages to the cap counts and thank-you days."""
    if sends.empty:
        return frame
    f = frame.copy()
    for rid, rule in policy.caps.items():
        counted = set(policy.tactics_with_trait(rule.counted_trait))
        s = sends[(sends["tactic"].isin(counted)) & (sends["day"] > day - rule.within_days) & (sends["day"] <= day)]
        extra = s.groupby("customer_id").size()
        col = f"cap_count__{rid}"
        # astype: mapping an Arrow-string id column gives strings when no id matches
        f[col] = pd.to_numeric(f[col], errors="coerce").fillna(0) + f["customer_id"].map(extra).astype("float64").fillna(0)
    for rid, rule in policy.thanks.items():
        grat = set(policy.tactics_with_trait(rule.gratitude_trait))
        s = sends[sends["tactic"].isin(grat) & (sends["day"] <= day)]
        last = s.groupby("customer_id")["day"].max()
        col = f"thanks_day__{rid}"
        f[col] = pd.concat([pd.to_numeric(f[col], errors="coerce"), f["customer_id"].map(last).astype("float64")],
                           axis=1).max(axis=1)
    return f


def check_plan(ws: Any, path: Any, progress: Any = None) -> PlanReport:
    """Check every campaign of a plan; see :class:`PlanReport` (``ok`` is False when any
    campaign would reach a customer a rule forbids)."""
    policy = load_policy(ws)
    p = Path(path)
    plan = load_plan(p, policy)
    order = sorted(range(len(plan.campaign)), key=lambda i: (plan.campaign[i].send_date, i))
    frames: dict[dt.date, pd.DataFrame] = {}
    sends = pd.DataFrame({"customer_id": pd.Series(dtype=object), "day": pd.Series(dtype="int64"),
                          "tactic": pd.Series(dtype=object)})
    checks: dict[int, CampaignCheck] = {}
    if progress is not None:
        progress.update(total=len(order))
    for i in order:  # campaigns: a handful; each check is vectorised over customers
        c = plan.campaign[i]
        if c.send_date not in frames:
            frames[c.send_date] = customer_state(ws, policy, c.send_date)[0]
        frame = frames[c.send_date]
        if c.audience is not None:
            audience_path = Path(c.audience)
            if not audience_path.is_absolute():
                audience_path = p.parent / audience_path
            rows = check_audience(frame, read_audience(audience_path), c.send_date)
        else:
            rows = _segment_rows(frame, c.segment).reset_index(drop=True)
        day = to_day(c.send_date)
        rows = _with_planned_sends(rows, policy, sends, day)
        ev = evaluate(rows, policy, c.tactic)
        rule_counts = pd.Series(ev.rule[ev.blocked]).value_counts().to_dict()
        blocked_rows = rows.loc[ev.blocked, ["customer_id", "stage"]].assign(
            rule=ev.rule[ev.blocked], reason=ev.reason[ev.blocked], reason_ja=ev.reason_ja[ev.blocked])
        checks[i] = CampaignCheck(c.name, c.tactic, c.send_date, len(rows), int((~ev.blocked).sum()),
                                  int(ev.blocked.sum()), {str(k): int(v) for k, v in rule_counts.items()},
                                  blocked_rows.reset_index(drop=True))
        # what this campaign would send counts for the caps of later campaigns
        new = pd.DataFrame({"customer_id": rows.loc[~ev.blocked, "customer_id"].to_numpy(), "day": day,
                            "tactic": c.tactic})
        sends = pd.concat([sends, new], ignore_index=True) if len(new) else sends
        if progress is not None:
            progress.advance(1)
    return PlanReport(p, [checks[i] for i in range(len(plan.campaign))])
