"""Stage history: snapshots over time, transitions, and where customers moved, stalled, cooled.

Snapshots are classifications at regular dates (month ends by default).  Movement
statistics are computed from the snapshots, so their time resolution is the snapshot
spacing (about 30 days for monthly snapshots).  All work on the snapshots is vectorised
(sorting, shifting and group-bys), never a loop over customers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from horetsu.errors import AnalysisError
from horetsu.stages.classifier import classify_frame
from horetsu.core.dates import parse_date
from horetsu.core.purchases import resolve_as_of
from horetsu.stages.policy import STAGES
from horetsu.stages.policy import StagePolicy as Policy
from horetsu.stages.policy import load_stage_policy as load_policy

SNAPSHOT_COLUMNS = ("customer_id", "as_of", "stage", "journey_step", "temperature")
STAGE_NO = {s: i for i, s in enumerate(STAGES)}
NEW = "(new)"


def _first_day(ws: Any) -> dt.date | None:
    o, e, c = ws.table("orders"), ws.table("events"), ws.table("customers")
    vals = []
    for expr in (o.order_date.min(), e.event_date.min()):
        v = expr.execute()
        if v is not None and not pd.isna(v):
            vals.append(pd.Timestamp(v).date())
    v = c.registered_at.min().execute()
    if v is not None and not pd.isna(v):
        vals.append(pd.Timestamp(v).tz_convert("Asia/Tokyo").date() if pd.Timestamp(v).tzinfo else pd.Timestamp(v).date())
    return min(vals) if vals else None


def snapshot_dates(start: dt.date, end: dt.date, freq: str | int = "month") -> list[dt.date]:
    """Month ends (or every ``freq`` days) from ``start`` to ``end``, always ending on ``end``."""
    if start > end:
        raise AnalysisError(f"start {start} is after end {end}", ja=f"開始日 {start} が終了日 {end} より後です")
    out: list[dt.date] = []
    if freq == "month":
        y, m = start.year, start.month
        while True:
            nxt = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1)
            month_end = nxt - dt.timedelta(days=1)
            if month_end >= end:
                break
            out.append(month_end)
            y, m = nxt.year, nxt.month
    else:
        step = 7 if freq == "week" else int(freq)
        day = start
        while day < end:
            out.append(day)
            day += dt.timedelta(days=step)
    out.append(end)
    return out


def stage_history(
    ws: Any,
    start: Any = None,
    end: Any = None,
    freq: str | int = "month",
    progress: Any = None,
    *,
    exclude_statuses: Any = None,
) -> pa.Table:
    """Stage snapshots: one row per customer known at each snapshot date.

    Columns: customer_id, as_of (date), stage, journey_step, temperature.  Temperature
    here uses the purchase rhythm only (P(alive) is not known for past dates).
    """
    policy = load_policy(ws)
    end_d = resolve_as_of(ws, end, empty_ok=True)
    explicit = parse_date(start)
    start_d = explicit or _first_day(ws) or end_d
    # When the history starts with the data, nobody is "already in a stage" at its start:
    # every run's entry is observed.  With an explicit start, runs open at the first
    # snapshot are left-censored.
    history_start = start_d if explicit else start_d - dt.timedelta(days=1)
    dates = snapshot_dates(start_d, end_d, freq)
    if progress is not None:
        progress.update(total=len(dates))
    parts = []
    for day in dates:  # one set-based query per snapshot date
        frame, _ = classify_frame(ws, day, None, policy, evidence=False, exclude_statuses=exclude_statuses)
        part = frame[["customer_id", "stage", "journey_step", "temperature"]].copy()
        part.insert(1, "as_of", day)
        parts.append(part)
        if progress is not None:
            progress.advance(1)
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(SNAPSHOT_COLUMNS))
    schema = pa.schema([("customer_id", pa.string()), ("as_of", pa.date32()), ("stage", pa.string()),
                        ("journey_step", pa.string()), ("temperature", pa.string())],
                       metadata={b"history_start": history_start.isoformat().encode()})
    return pa.Table.from_pandas(table[list(SNAPSHOT_COLUMNS)], schema=schema, preserve_index=False)


def history_start_of(snapshots: Any) -> pd.Timestamp | None:
    """The start recorded by :func:`stage_history` (runs starting then are left-censored)."""
    meta = snapshots.schema.metadata if isinstance(snapshots, pa.Table) else None
    if meta and b"history_start" in meta:
        return pd.Timestamp(meta[b"history_start"].decode())
    return None


def _frame(snapshots: Any) -> pd.DataFrame:
    df = snapshots.to_pandas() if isinstance(snapshots, pa.Table) else pd.DataFrame(snapshots).copy()
    missing = {"customer_id", "as_of", "stage"} - set(df.columns)
    if missing:
        raise AnalysisError(f"snapshots lack columns {sorted(missing)}", ja=f"スナップショットに列 {sorted(missing)} がありません")
    if "temperature" not in df.columns:
        df["temperature"] = "active"
    df["as_of"] = pd.to_datetime(df["as_of"]).dt.normalize()
    return df


def spells(snapshots: Any, history_start: Any = None, last_date: Any = None) -> pd.DataFrame:
    """Consecutive runs of one stage per customer, with how each run ended.

    Columns: customer_id, stage, start, last, next_stage, exit (the snapshot date at which
    the next stage was first seen), left_censored (already in the stage at the first
    snapshot, or at ``history_start`` when given or recorded in the snapshots' metadata),
    closed, days (exit - start for closed runs, last snapshot - start for open
    ones), moved_up, moved_down, lapsed (lapsed at some snapshot of the run),
    temperature_now.
    """
    df = _frame(snapshots).sort_values(["customer_id", "as_of"], kind="stable").reset_index(drop=True)
    if df.empty:
        empty = pd.DataFrame({
            "customer_id": pd.Series(dtype=object), "stage": pd.Series(dtype=object),
            "start": pd.Series(dtype="datetime64[ns]"), "last": pd.Series(dtype="datetime64[ns]"),
            "next_stage": pd.Series(dtype=object), "exit": pd.Series(dtype="datetime64[ns]"),
            "left_censored": pd.Series(dtype=bool), "closed": pd.Series(dtype=bool),
            "days": pd.Series(dtype="int64"), "moved_up": pd.Series(dtype=bool),
            "moved_down": pd.Series(dtype=bool), "lapsed": pd.Series(dtype=bool),
            "temperature_now": pd.Series(dtype=object),
        })
        empty.attrs["last_date"] = None
        return empty
    start_mark = parse_date(history_start) if history_start is not None else None
    first_date = pd.Timestamp(start_mark) if start_mark else (history_start_of(snapshots) or df["as_of"].min())
    last_date = pd.Timestamp(parse_date(last_date)) if last_date is not None else df["as_of"].max()
    new = (df["customer_id"] != df["customer_id"].shift()) | (df["stage"] != df["stage"].shift())
    df["spell"] = new.cumsum()
    df["is_lapsed"] = df["temperature"] == "lapsed"
    g = df.groupby("spell", sort=True)
    sp = pd.DataFrame({
        "customer_id": g["customer_id"].first(),
        "stage": g["stage"].first(),
        "start": g["as_of"].min(),
        "last": g["as_of"].max(),
        "lapsed": g["is_lapsed"].any(),
        "temperature_now": g["temperature"].last(),
    }).reset_index(drop=True)
    same_next = sp["customer_id"].shift(-1) == sp["customer_id"]
    sp["next_stage"] = sp["stage"].shift(-1).where(same_next)
    sp["exit"] = sp["start"].shift(-1).where(same_next)
    sp["closed"] = same_next
    sp["left_censored"] = sp["start"] == first_date
    end = sp["exit"].where(sp["closed"], last_date)
    sp["days"] = (pd.to_datetime(end) - sp["start"]).dt.days.astype("int64")
    cur = sp["stage"].map(STAGE_NO)
    nxt = sp["next_stage"].map(STAGE_NO)
    sp["moved_up"] = sp["closed"] & (nxt > cur)
    sp["moved_down"] = sp["closed"] & (nxt < cur)
    sp.attrs["last_date"] = last_date
    return sp


def movement_stats(
    snapshots: Any, windows: tuple[int, ...] = (30, 90, 180), stall_percentile: float = 0.8,
    history_start: Any = None, last_date: Any = None,
) -> pa.Table:
    """Per stage: where customers moved, stalled and cooled.

    * ``entered``: runs whose start was observed (not already in the stage at the first snapshot)
    * ``moved_up_within_<w>d``: share of observed entries that moved to a higher stage within
      ``w`` days; only entries at least ``w`` days before the last snapshot count
      (``eligible_<w>d``), so recent entries do not drag the share down
    * ``median_days_before_moving``: over observed runs that ended with any move (up or down)
    * ``median_days_before_moving_up`` / ``p80_days_before_moving_up``: over observed runs
      that ended with a move up
    * ``moved_down_share``: observed entries that ended with a move to a lower stage
    * ``cooled_share``: runs (all of them) during which the customer was lapsed at some snapshot
    * ``stalled``: customers still in the stage at the last snapshot, not lapsed, for longer
      than the percentile of movers' time in the stage (see :func:`stalled_customers`)

    ``snapshots`` may be compressed (a row only where a customer's state changes, as
    :func:`horetsu.stages.grid.stage_grid` gives them); ``last_date`` is then the last
    snapshot day.
    """
    sp = spells(snapshots, history_start, last_date)
    last_date = sp.attrs.get("last_date")
    stalled = stalled_customers(snapshots, stall_percentile, _spells=sp).to_pandas()
    rows = []
    for stage in STAGES:  # five stages: a fixed, tiny loop
        s = sp[sp["stage"] == stage]
        obs = s[~s["left_censored"]]
        movers = obs[obs["moved_up"]]["days"]
        row: dict[str, Any] = {
            "stage": stage,
            "runs": int(len(s)),
            "customers": int(s["customer_id"].nunique()),
            "current": int((~s["closed"]).sum()),
            "entered": int(len(obs)),
        }
        for w in windows:
            eligible = obs[obs["start"] <= last_date - pd.Timedelta(days=w)] if last_date is not None else obs
            hit = eligible["moved_up"] & (eligible["days"] <= w)
            row[f"eligible_{w}d"] = int(len(eligible))
            row[f"moved_up_within_{w}d"] = float(hit.mean()) if len(eligible) else None
        moved_any = obs[obs["closed"]]["days"]
        row["median_days_before_moving"] = float(moved_any.median()) if len(moved_any) else None
        row["median_days_before_moving_up"] = float(movers.median()) if len(movers) else None
        row[f"p{round(stall_percentile * 100)}_days_before_moving_up"] = (
            float(movers.quantile(stall_percentile)) if len(movers) else None)
        row["moved_down_share"] = float(obs["moved_down"].mean()) if len(obs) else None
        row["cooled_share"] = float(s["lapsed"].mean()) if len(s) else None
        row["stalled"] = int((stalled["stage"] == stage).sum())
        rows.append(row)
    return pa.Table.from_pylist(rows)


def stalled_customers(
    snapshots: Any, percentile: float = 0.8, history_start: Any = None, *, _spells: pd.DataFrame | None = None
) -> pa.Table:
    """Customers in their current stage for longer than ``percentile`` of those who moved up.

    A run still open at the last snapshot counts when its length (a lower bound when it
    started before the first snapshot) exceeds the stage's threshold and the customer is
    not lapsed (lapsed customers are counted as cooled, not stalled).  Stages where nobody
    has moved up yet have no threshold and no stalled customers.
    """
    sp = spells(snapshots, history_start) if _spells is None else _spells
    obs_movers = sp[~sp["left_censored"] & sp["moved_up"]]
    threshold = obs_movers["days"].astype("float64").groupby(obs_movers["stage"]).quantile(percentile)
    open_ = sp[~sp["closed"]].copy()
    open_["threshold_days"] = open_["stage"].map(threshold)
    hit = open_[open_["threshold_days"].notna() & (open_["days"] > open_["threshold_days"])
                & (open_["temperature_now"] != "lapsed")]
    out = pd.DataFrame({
        "customer_id": hit["customer_id"].astype(str),
        "stage": hit["stage"].astype(str),
        "days_in_stage": hit["days"].astype("int64"),
        "threshold_days": hit["threshold_days"].astype("float64"),
        "since": hit["start"].dt.date,
        "at_least": hit["left_censored"].astype(bool),
        "temperature": hit["temperature_now"].astype(str),
    })
    schema = pa.schema([("customer_id", pa.string()), ("stage", pa.string()), ("days_in_stage", pa.int64()),
                        ("threshold_days", pa.float64()), ("since", pa.date32()), ("at_least", pa.bool_()),
                        ("temperature", pa.string())])
    return pa.Table.from_pandas(out.sort_values(["stage", "days_in_stage"], ascending=[True, False]),
                                schema=schema, preserve_index=False)


def transitions(before: pd.DataFrame, after: pd.DataFrame) -> pa.Table:
    """Counts from each stage (or ``(new)``) to each stage between two classifications."""
    a = before[["customer_id", "stage"]].rename(columns={"stage": "from_stage"})
    b = after[["customer_id", "stage"]].rename(columns={"stage": "to_stage"})
    m = b.merge(a, on="customer_id", how="left")
    m["from_stage"] = m["from_stage"].fillna(NEW)
    order = [NEW, *STAGES]
    grid = pd.MultiIndex.from_product([order, list(STAGES)], names=["from_stage", "to_stage"])
    counts = m.groupby(["from_stage", "to_stage"]).size().reindex(grid, fill_value=0).rename("customers")
    out = counts.reset_index()
    totals = out.groupby("from_stage")["customers"].transform("sum")
    out["share_of_from"] = np.where(totals > 0, out["customers"] / totals.where(totals > 0, 1), 0.0)
    out["customers"] = out["customers"].astype("int64")
    return pa.Table.from_pandas(out, preserve_index=False)


def transition_matrix(ws: Any, start: Any, end: Any = None, customers: Any = None) -> pa.Table:
    """Transition counts between the stages on ``start`` and on ``end`` (default latest day).

    Long format: from_stage (``(new)`` for customers not yet known on ``start``), to_stage,
    customers, share_of_from.  Every pair of stages is present (zeros included).
    """
    policy = load_policy(ws)
    d1 = parse_date(start)
    if d1 is None:
        raise AnalysisError("transition_matrix needs a start date", ja="開始日を指定してください")
    before, _ = classify_frame(ws, d1, None, policy, evidence=False)
    after, _ = classify_frame(ws, end, customers, policy, evidence=False)
    return transitions(before, after)


def transition_matrix_from_snapshots(snapshots: Any, start: Any, end: Any) -> pa.Table:
    """The same matrix read from snapshots (the nearest snapshot on or before each date)."""
    df = _frame(snapshots)
    dates = np.sort(df["as_of"].unique())

    def at(value: Any) -> pd.DataFrame:
        d = pd.Timestamp(parse_date(value))
        ok = dates[dates <= d]
        if not len(ok):
            return df.iloc[0:0]
        return df[df["as_of"] == ok[-1]]

    return transitions(at(start), at(end))


def stage_distribution(ws: Any = None, as_of: Any = None, customers: Any = None, classified: Any = None) -> pa.Table:
    """Customers per stage and temperature: stage, stage_ja, temperature, customers, share."""
    policy: Policy = load_policy(ws)
    if classified is None:
        frame, _ = classify_frame(ws, as_of, customers, policy, evidence=False)
    else:
        frame = classified.to_pandas() if isinstance(classified, pa.Table) else classified
    grid = pd.MultiIndex.from_product([list(STAGES), ["active", "cooling", "lapsed"]], names=["stage", "temperature"])
    counts = frame.groupby(["stage", "temperature"]).size().reindex(grid, fill_value=0).rename("customers").reset_index()
    total = counts["customers"].sum()
    counts["share"] = counts["customers"] / total if total else 0.0
    counts.insert(1, "stage_ja", counts["stage"].map({s: policy.stage(s).ja for s in STAGES}))
    counts["customers"] = counts["customers"].astype("int64")
    return pa.Table.from_pandas(counts, preserve_index=False)


__all__ = [
    "stage_history", "snapshot_dates", "spells", "movement_stats", "stalled_customers",
    "transition_matrix", "transition_matrix_from_snapshots", "transitions", "stage_distribution",
]
