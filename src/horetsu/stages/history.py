"""Stage history: snapshots over time, transitions, and where customers moved, stalled, cooled.

Snapshots are classifications at regular dates (month ends by default).  Movement
statistics are computed from the snapshots, so their time resolution is the snapshot
spacing (about 30 days for monthly snapshots).  All work on the snapshots is vectorised
(sorting, shifting and group-bys), never a loop over customers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import AnalysisError
from horetsu.stages.classifier import classify_frame
from horetsu.core.dates import parse_date
from horetsu.core.purchases import resolve_as_of
from horetsu.stages.policy import JOURNEY_STEPS, STAGES, TEMPERATURES
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


def _table(snapshots: Any) -> pa.Table:
    t = snapshots if isinstance(snapshots, pa.Table) else pa.Table.from_pandas(pd.DataFrame(snapshots),
                                                                                preserve_index=False)
    missing = {"customer_id", "as_of", "stage"} - set(t.column_names)
    if missing:
        raise AnalysisError(f"snapshots lack columns {sorted(missing)}", ja=f"スナップショットに列 {sorted(missing)} がありません")
    return t


_EPOCH = dt.date(1970, 1, 1)


def _day_numbers(col: Any) -> np.ndarray:
    """Calendar days (date32 numbers) of a date or timestamp column."""
    if pa.types.is_timestamp(col.type):
        col = pc.cast(pc.floor_temporal(col, unit="day"), pa.date32()) if col.type.tz is None else pc.cast(
            pc.cast(col, pa.timestamp(col.type.unit)), pa.date32())
    elif pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        col = pc.cast(pc.cast(col, pa.timestamp("s")), pa.date32())
    elif not pa.types.is_date32(col.type):
        col = pc.cast(col, pa.date32())
    return np.asarray(pc.cast(col, pa.int32()).to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes_of(col: Any, names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Index of each value in ``names`` (-1 for values not listed)."""
    return np.asarray(pc.fill_null(pc.index_in(col, value_set=pa.array(list(names), pa.string())), -1)
                      .to_numpy(zero_copy_only=False), dtype=np.int64)


def id_ranks(ids: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """The distinct ids in Arrow's (byte) order and each row's rank among them: customers as
    integers, in the order the results are written in."""
    enc = pc.cast(ids, pa.string()).dictionary_encode()
    order = pc.sort_indices(enc.dictionary).to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    return enc.dictionary.take(pa.array(order, pa.int64())), rank[enc.indices.to_numpy(zero_copy_only=False)]


_TEMP_NAMES = pa.array([*TEMPERATURES, None], pa.string())  # the last: a code outside the three


@dataclass
class StateChanges:
    """Rows of customers' states as integers, by customer and then day: ``ids`` (the
    customer ids, sorted), ``cust`` (each row's index into ``ids``), ``day`` (day number),
    ``stage``, ``journey`` and ``temp`` (indexes into STAGES, JOURNEY_STEPS and
    TEMPERATURES; -1 for a name outside them).  What :func:`movement_stats` reads, without
    a string per row."""

    ids: pa.Array
    cust: np.ndarray
    day: np.ndarray
    stage: np.ndarray
    journey: np.ndarray
    temp: np.ndarray

    @classmethod
    def of_table(cls, table: pa.Table) -> StateChanges:
        """From rows with customer_id, as_of, stage and (optionally) journey_step, temperature."""
        return cls._sorted_from(table)[0]

    @classmethod
    def _sorted_from(cls, table: pa.Table) -> tuple[StateChanges, np.ndarray]:
        n = table.num_rows
        ids, cust = id_ranks(table["customer_id"].combine_chunks() if n else pa.array([], pa.string()))
        day = _day_numbers(table["as_of"].combine_chunks()) if n else np.zeros(0, np.int64)

        def codes(name: str, names: tuple[str, ...], default: str) -> np.ndarray:
            col = pc.cast(table[name], pa.string()) if name in table.column_names else pa.array([default] * n, pa.string())
            return _codes_of(col, names) if n else np.zeros(0, np.int64)

        rows = cls(ids, cust, day, codes("stage", STAGES, ""), codes("journey_step", JOURNEY_STEPS, ""),
                   codes("temperature", TEMPERATURES, "active"))
        sort = np.lexsort((day, cust))  # by customer (their ids' order), then day
        return rows.take(sort), sort

    def narrow(self) -> StateChanges:
        """The same rows with customer numbers and days as int32 (a customer number is below
        the number of ids, a day number about 20,000) and the state codes as int8 (a handful
        of names): a fraction of the memory for millions of rows, and two narrowed sets stay
        narrow when appended."""
        wide = len(self.ids) >= np.iinfo(np.int32).max
        return StateChanges(self.ids, self.cust if wide else self.cust.astype(np.int32, copy=False),
                            self.day.astype(np.int32, copy=False),
                            *(c.astype(np.int8, copy=False) for c in (self.stage, self.journey, self.temp)))

    def take(self, rows: np.ndarray) -> StateChanges:
        return StateChanges(self.ids, self.cust[rows], self.day[rows], self.stage[rows], self.journey[rows],
                            self.temp[rows])

    def lapsed(self) -> np.ndarray:
        return self.temp == TEMPERATURES.index("lapsed")

    def stage_or_lapse_changes(self, before: int | None = None) -> StateChanges:
        """The rows moved / stalled / cooled need: a customer's first, a new stage, lapsed or
        no longer; only those on days before ``before`` (a day number) when given."""
        n, lapsed = len(self.cust), self.lapsed()
        keep = np.ones(n, bool)
        if n > 1:
            keep[1:] = ((self.cust[1:] != self.cust[:-1]) | (self.stage[1:] != self.stage[:-1])
                        | (lapsed[1:] != lapsed[:-1]))
        if before is not None:
            keep &= self.day < before
        return self.take(np.flatnonzero(keep))

    def append(self, other: StateChanges) -> StateChanges:
        """Both sets of rows on one id numbering, by customer and then day."""
        if len(self.ids) == len(other.ids) and self.ids.equals(other.ids):  # the same customers: same numbers
            ids, mine, theirs = self.ids, self.cust, other.cust
        else:
            ids, ranks = id_ranks(pa.concat_arrays([pc.cast(self.ids, pa.string()), pc.cast(other.ids, pa.string())]))
            mine, theirs = ranks[: len(self.ids)][self.cust], ranks[len(self.ids):][other.cust]
        n, m = len(mine), len(theirs)
        if n and m and self.day.max() < other.day.min():
            # every row of ``other`` is later: each customer's rows here, then theirs (both
            # sides are already by customer and day, and the numbering keeps that order)
            at = np.empty(n + m, np.int64)
            at[:n] = np.arange(n) + np.searchsorted(theirs, mine, side="left")
            at[n:] = np.arange(m) + np.searchsorted(mine, theirs, side="right")
            cols = []
            for a, b in ((mine, theirs), *((getattr(self, k), getattr(other, k)) for k in ("day", "stage", "journey",
                                                                                        "temp"))):
                col = np.empty(n + m, np.result_type(a, b))
                col[at[:n]], col[at[n:]] = a, b
                cols.append(col)
            return StateChanges(ids, *cols)
        joined = StateChanges(ids, np.concatenate([mine, theirs]), *(np.concatenate([getattr(self, k), getattr(other, k)])
                                                                    for k in ("day", "stage", "journey", "temp")))
        return joined.take(np.lexsort((joined.day, joined.cust)))


class _Spells:
    """Consecutive runs of one stage per customer as NumPy arrays (see :func:`spells`)."""

    def __init__(self, snapshots: Any, history_start: Any = None, last_date: Any = None) -> None:
        if isinstance(snapshots, StateChanges):
            rows, temps = snapshots, None
        else:
            t = _table(snapshots)
            rows, sort = StateChanges._sorted_from(t.select([c for c in t.column_names if c != "journey_step"]))
            # the temperature as written (names outside the three included) for temperature_now
            if "temperature" in t.column_names and t.num_rows:
                temps = pc.cast(t["temperature"], pa.string()).combine_chunks().take(pa.array(sort, pa.int64()))
            else:
                temps = pa.array(["active"] * t.num_rows, pa.string())
        n = len(rows.cust)
        self.ids, cust, day, stage = rows.ids, rows.cust, rows.day, rows.stage
        lapsed = (rows.lapsed() if temps is None else
                  np.asarray(pc.fill_null(pc.equal(temps, "lapsed"), False).to_numpy(zero_copy_only=False), bool))
        self._temp_codes = rows.temp  # names only for the rows temperature_now is asked for
        start_mark = parse_date(history_start) if history_start is not None else None
        recorded = history_start_of(snapshots) if start_mark is None and not isinstance(snapshots, StateChanges) else None
        if start_mark is not None:
            self.first_day = (start_mark - _EPOCH).days
        elif recorded is not None:
            self.first_day = (recorded.date() - _EPOCH).days
        else:
            self.first_day = int(day.min()) if n else None
        self.last_day = ((parse_date(last_date) - _EPOCH).days if last_date is not None
                         else (int(day.max()) if n else None))
        new = np.ones(n, dtype=bool)
        if n > 1:
            new[1:] = (cust[1:] != cust[:-1]) | (stage[1:] != stage[:-1])
        first = np.flatnonzero(new)
        last = np.append(first[1:], n) - 1 if n else first
        self.n = len(first)
        self.cust, self.stage = cust[first], stage[first]
        self.start, self.last = day[first], day[last]
        self.lapsed = np.logical_or.reduceat(lapsed, first) if n else np.zeros(0, bool)
        self._temps, self._last_rows = temps, last
        same_next = np.zeros(self.n, dtype=bool)
        if self.n > 1:
            same_next[:-1] = self.cust[1:] == self.cust[:-1]
        self.closed = same_next
        self.next_stage = np.where(same_next, np.r_[self.stage[1:], -1], -1)
        self.exit = np.where(same_next, np.r_[self.start[1:], 0], 0)
        self.left_censored = self.start == self.first_day if self.first_day is not None else np.zeros(self.n, bool)
        self.days = np.where(same_next, self.exit, self.last_day if self.last_day is not None else 0) - self.start
        self.moved_up = same_next & (self.next_stage > self.stage)
        self.moved_down = same_next & (self.next_stage < self.stage) & (self.next_stage >= 0)

    def temperature_now(self, rows: Any = None) -> pa.Array:
        last = self._last_rows if rows is None else self._last_rows[rows]
        if self._temps is None:
            codes = self._temp_codes[last]
            return _TEMP_NAMES.take(pa.array(np.where(codes >= 0, codes, len(TEMPERATURES)), pa.int64()))
        return self._temps.take(pa.array(last, pa.int64()))

    def customer_ids(self, rows: Any = None) -> pa.Array:
        return self.ids.take(pa.array(self.cust if rows is None else self.cust[rows], pa.int64()))


def _dates(days: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(days, dtype="int64").astype("datetime64[D]").astype("datetime64[s]"))


def spells(snapshots: Any, history_start: Any = None, last_date: Any = None) -> pd.DataFrame:
    """Consecutive runs of one stage per customer, with how each run ended.

    Columns: customer_id, stage, start, last, next_stage, exit (the snapshot date at which
    the next stage was first seen), left_censored (already in the stage at the first
    snapshot, or at ``history_start`` when given or recorded in the snapshots' metadata),
    closed, days (exit - start for closed runs, last snapshot - start for open
    ones), moved_up, moved_down, lapsed (lapsed at some snapshot of the run),
    temperature_now.
    """
    sp = _Spells(snapshots, history_start, last_date)
    names = pa.array(list(STAGES), pa.string())
    stage_text = names.take(pa.array(sp.stage, pa.int64())) if sp.n else pa.array([], pa.string())
    next_text = pc.if_else(pa.array(sp.closed), names.take(pa.array(np.maximum(sp.next_stage, 0), pa.int64())),
                           pa.nulls(sp.n, pa.string())) if sp.n else pa.array([], pa.string())
    out = pd.DataFrame({  # strings as pandas makes them from Arrow, like every other reader's frame
        "customer_id": sp.customer_ids().to_pandas(),
        "stage": stage_text.to_pandas(),
        "start": _dates(sp.start),
        "last": _dates(sp.last),
        "lapsed": sp.lapsed,
        "temperature_now": sp.temperature_now().to_pandas(),
        "next_stage": next_text.to_pandas(),
        "exit": _dates(sp.exit).where(sp.closed),
        "closed": sp.closed,
        "left_censored": sp.left_censored,
        "days": sp.days.astype("int64"),
        "moved_up": sp.moved_up,
        "moved_down": sp.moved_down,
    })
    out.attrs["last_date"] = _dates([sp.last_day]).iloc[0] if sp.last_day is not None else None
    return out


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
    sp = _Spells(snapshots, history_start, last_date)
    stalled_stage, _threshold = _stalled(sp, stall_percentile)
    rows = []
    pct = f"p{round(stall_percentile * 100)}_days_before_moving_up"
    for k, stage in enumerate(STAGES):  # five stages: a fixed, tiny loop
        mine = sp.stage == k
        obs = mine & ~sp.left_censored
        movers = sp.days[obs & sp.moved_up].astype("float64")
        row: dict[str, Any] = {
            "stage": stage,
            "runs": int(mine.sum()),
            "customers": int(np.bincount(sp.cust[mine], minlength=1).astype(bool).sum()),
            "current": int((mine & ~sp.closed).sum()),
            "entered": int(obs.sum()),
        }
        for w in windows:
            eligible = obs & (sp.start <= sp.last_day - w) if sp.last_day is not None else obs
            hit = sp.moved_up[eligible] & (sp.days[eligible] <= w)
            row[f"eligible_{w}d"] = int(eligible.sum())
            row[f"moved_up_within_{w}d"] = float(hit.mean()) if eligible.any() else None
        moved_any = sp.days[obs & sp.closed].astype("float64")
        row["median_days_before_moving"] = float(np.median(moved_any)) if moved_any.size else None
        row["median_days_before_moving_up"] = float(np.median(movers)) if movers.size else None
        row[pct] = float(np.quantile(movers, stall_percentile)) if movers.size else None
        row["moved_down_share"] = float(sp.moved_down[obs].mean()) if obs.any() else None
        row["cooled_share"] = float(sp.lapsed[mine].mean()) if mine.any() else None
        row["stalled"] = int((stalled_stage == k).sum())
        rows.append(row)
    return pa.Table.from_pylist(rows)


def _stalled(sp: _Spells, percentile: float) -> tuple[np.ndarray, np.ndarray]:
    """Rows of open runs longer than their stage's threshold, not lapsed now; each run's threshold."""
    movers = ~sp.left_censored & sp.moved_up
    threshold = np.full(len(STAGES), np.nan)
    for k in range(len(STAGES)):
        days = sp.days[movers & (sp.stage == k)].astype("float64")
        if days.size:
            threshold[k] = np.quantile(days, percentile)
    open_rows = np.flatnonzero(~sp.closed)
    th = threshold[sp.stage[open_rows]] if open_rows.size else np.zeros(0)
    with np.errstate(invalid="ignore"):
        long_ = ~np.isnan(th) & (sp.days[open_rows] > th)
    candidates = open_rows[long_]
    not_lapsed = np.asarray(pc.fill_null(pc.not_equal(sp.temperature_now(candidates), "lapsed"), True)
                            .to_numpy(zero_copy_only=False), bool) if candidates.size else np.zeros(0, bool)
    rows = candidates[not_lapsed]
    return sp.stage[rows], np.column_stack([rows, threshold[sp.stage[rows]]]) if rows.size else np.zeros((0, 2))


def stalled_customers(
    snapshots: Any, percentile: float = 0.8, history_start: Any = None
) -> pa.Table:
    """Customers in their current stage for longer than ``percentile`` of those who moved up.

    A run still open at the last snapshot counts when its length (a lower bound when it
    started before the first snapshot) exceeds the stage's threshold and the customer is
    not lapsed (lapsed customers are counted as cooled, not stalled).  Stages where nobody
    has moved up yet have no threshold and no stalled customers.
    """
    sp = _Spells(snapshots, history_start)
    _, found = _stalled(sp, percentile)
    rows = found[:, 0].astype(np.int64)
    schema = pa.schema([("customer_id", pa.string()), ("stage", pa.string()), ("days_in_stage", pa.int64()),
                        ("threshold_days", pa.float64()), ("since", pa.date32()), ("at_least", pa.bool_()),
                        ("temperature", pa.string())])
    stage = sp.stage[rows]
    by_name = np.argsort(np.argsort(np.asarray(STAGES, dtype=object)))  # each stage's rank by its name
    order = np.lexsort((-sp.days[rows], by_name[stage])) if rows.size else rows  # by stage name, longest first
    rows, stage, threshold = rows[order], stage[order], found[:, 1][order]
    return pa.table({
        "customer_id": sp.customer_ids(rows),
        "stage": pa.array(np.asarray(STAGES, dtype=object)[stage].tolist() if rows.size else [], pa.string()),
        "days_in_stage": pa.array(sp.days[rows].astype(np.int64), pa.int64()),
        "threshold_days": pa.array(threshold.astype(np.float64), pa.float64()),
        "since": pa.array(sp.start[rows].astype(np.int32), pa.int32()).cast(pa.date32()),
        "at_least": pa.array(sp.left_censored[rows], pa.bool_()),
        "temperature": sp.temperature_now(rows),
    }, schema=schema)


def transitions(before: Any, after: Any) -> pa.Table:
    """Counts from each stage (or ``(new)``) to each stage between two classifications.

    ``before`` / ``after``: frames or Arrow tables with ``customer_id`` and ``stage``, one
    row per customer.  A customer not in ``before`` (or without a stage there) comes from
    ``(new)``; stages outside the five are left out.  Counted on integer codes."""
    a, b = (pa.Table.from_pandas(t[["customer_id", "stage"]], preserve_index=False)
            if isinstance(t, pd.DataFrame) else t.select(["customer_id", "stage"]) for t in (before, after))
    n_s = len(STAGES)
    to = _codes_of(pc.cast(b["stage"], pa.string()), STAGES)
    where = pc.index_in(pc.cast(b["customer_id"], pa.string()), value_set=pc.cast(a["customer_id"], pa.string()))
    known = np.asarray(pc.is_valid(where).to_numpy(zero_copy_only=False), bool)
    at = np.asarray(pc.fill_null(where, 0).to_numpy(zero_copy_only=False), np.int64)
    a_stage = pc.cast(a["stage"], pa.string())
    a_code = _codes_of(a_stage, STAGES) if len(a_stage) else np.zeros(0, np.int64)
    a_null = np.asarray(pc.is_null(a_stage).to_numpy(zero_copy_only=False), bool) if len(a_stage) else np.zeros(0, bool)
    # 0 = (new); 1.. = a stage; -1 = a stage outside the five (left out, like an unknown stage after)
    src = np.zeros(len(to), np.int64)
    if len(a_code):
        src[known] = np.where(a_null[at[known]], 0, np.where(a_code[at[known]] >= 0, a_code[at[known]] + 1, -1))
    ok = (to >= 0) & (src >= 0)
    counts = np.bincount(src[ok] * n_s + to[ok], minlength=(n_s + 1) * n_s).reshape(n_s + 1, n_s)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 0.0)
    out = pd.DataFrame({"from_stage": np.repeat([NEW, *STAGES], n_s), "to_stage": np.tile(list(STAGES), n_s + 1),
                        "customers": counts.ravel().astype("int64"), "share_of_from": share.ravel()})
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
    t = _table(snapshots).select(["customer_id", "as_of", "stage"])
    day = _day_numbers(t["as_of"].combine_chunks()) if t.num_rows else np.zeros(0, np.int64)
    dates = np.unique(day)

    def at(value: Any) -> pa.Table:
        ok = dates[dates <= (parse_date(value) - _EPOCH).days]
        return t.filter(pa.array(day == ok[-1])) if len(ok) else t.slice(0, 0)

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
