"""``horetsu analyze``: the one pipeline that decides every fact once and stores it.

facts → analytics → models → stages → next action, then the history (stage snapshots,
flow, moved / stalled / cooled), the journey funnel, the purchase model's holdout check
and the gate's counts per tactic; all of it written as ONE atomic results generation
(:mod:`horetsu.results`).  This module sits above analytics, models, stages and the
playbook; none of them imports it.  Readers (report, gate, exports, plan check, web app)
read the results; :func:`ensure` brings them up to date first.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from horetsu import results as _results
from horetsu.analytics import labels as _labels
from horetsu.analytics import run as _analytics
from horetsu.analytics.base import make_ctx
from horetsu.analytics.repeat import acquisition, numbered_days, purchase_dates
from horetsu.core.dates import from_day, parse_date, to_day
from horetsu.core.purchases import default_as_of, excluded_statuses, latest_activity_day
from horetsu.errors import AnalysisError, ConvergenceError, HoretsuError
from horetsu.models import holdout_report
from horetsu.models.bgnbd import BetaGeo
from horetsu.models.paretonbd import ParetoNBD
from horetsu.models.scoring import score_workspace
from horetsu.playbook.facts import message_facts
from horetsu.playbook.nba import next_best_action
from horetsu.playbook.rules import evaluate
from horetsu.playbook.state import STATE_COLUMNS, with_cap_counts
from horetsu.stages.classifier import decide, evidence_texts
from horetsu.stages.facts import facts_table, first_category_days
from horetsu.stages.grid import SNAPSHOT_SCHEMA, grid_from, grid_input, history_days
from horetsu.stages.history import StateChanges, movement_stats, transitions
from horetsu.stages.overlays import journey_funnel
from horetsu.workspace import Batches
from horetsu.playbook.policy import load_policy

#: columns the purchase and spend models add to results/customers.parquet
MODEL_COLUMNS = ("p_alive", "expected_purchases_365d", "clv_12m")

SNAPSHOT_DAYS = 182  # the report's flow: the stages a year ago, half a year ago and now;
HISTORY_DAYS = 364  # moved / stalled / cooled and stage_monthly cover every month end
MOVE_WINDOW_DAYS = SNAPSHOT_DAYS
HOLDOUT_WEEKS = 26  # the last half year is held out to check the purchase model ...
MIN_HOLDOUT_WEEKS = 4  # ... or a third of a shorter history, at least four weeks

#: results the pipeline adds to the analytics tables (a contract with the readers)
PIPELINE_RESULTS = ("stage_snapshots", "stage_flow", "stage_movement", "funnel", "holdout", "gate_counts",
                    "stage_monthly", "stage_transitions")
RESULT_NAMES = (*_analytics.RESULT_NAMES, *PIPELINE_RESULTS)


def holdout_weeks(history_days: int) -> int:
    """Weeks held out: 26, or a third of a shorter history (never under four)."""
    return max(MIN_HOLDOUT_WEEKS, min(HOLDOUT_WEEKS, history_days // 21))


def month_ends_before(day: dt.date, n: int) -> list[dt.date]:
    """The last ``n`` month ends before ``day``'s month, newest first (2026-12-02 → 11-30, 10-31)."""
    out, first = [], day.replace(day=1)
    for _ in range(n):
        end = first - dt.timedelta(days=1)
        out.append(end)
        first = end.replace(day=1)
    return out


class StoredTables(dict):  # type: ignore[type-arg]
    """The result tables by name.  Those written block by block (the per-customer table of
    a staged run: at shop scale it never exists whole in memory) are read back from the
    results generation :func:`analyze` wrote, on first use."""

    def __init__(self, tables: Mapping[str, Any], folder: Path | None = None) -> None:
        super().__init__({k: v for k, v in tables.items() if isinstance(v, pa.Table)})
        self.folder = folder
        self.batched = frozenset(k for k, v in tables.items() if isinstance(v, Batches))

    def _stored(self, name: str, columns: list[str] | None = None) -> pa.Table | None:
        """The block-written table ``name`` read from its file (None: not one of those)."""
        if name not in self.batched or self.folder is None:
            return None
        return pq.read_table(self.folder / f"{name}.parquet", columns=columns)

    def __missing__(self, name: str) -> pa.Table:
        table = self._stored(name)
        if table is None:
            raise KeyError(name)
        self[name] = table
        return table

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name) or name in self.batched

    def columns(self, name: str, columns: list[str]) -> pa.Table:
        """Some columns of one table, without reading the others of a block-written one."""
        stored = None if super().__contains__(name) else self._stored(name, columns)
        return stored if stored is not None else self[name].select(columns)


@dataclass
class AnalyzeResult:
    """What :func:`analyze` computed and wrote."""

    as_of: dt.date
    tables: dict[str, pa.Table]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def customers(self) -> pa.Table:
        return self.tables["customers"]

    def headline(self) -> dict[str, Any]:
        """A few numbers for a terminal summary."""
        names = ["frequency", "cpm_active", "monetary_total"]
        c = (self.tables.columns("customers", names) if isinstance(self.tables, StoredTables)
             else self.customers)
        buyers = pc.sum(pc.greater(c["frequency"], 0)).as_py() or 0
        active = pc.sum(pc.fill_null(c["cpm_active"], False)).as_py() or 0
        f2 = {r["window_days"]: r["rate"] for r in self.tables["f2"].to_pylist()}
        return {
            "customers": c.num_rows,
            "buyers": buyers,
            "active": active,
            "revenue": pc.sum(c["monetary_total"]).as_py() or 0,
            "repeaters": pc.sum(pc.greater_equal(c["frequency"], 2)).as_py() or 0,
            "f2_90": f2.get(90),
            "cpm": {(r["cpm_segment"], r["cpm_active"]): r["customers"] for r in self.tables["cpm_cells"].to_pylist()},
        }


def merge_columns(base: pa.Table, extra: pa.Table, key: str = "customer_id") -> pa.Table:
    """Add ``extra``'s columns to ``base`` by ``key`` (left join by position; base columns win)."""
    if key not in extra.column_names:
        return base
    names = [n for n in extra.column_names if n != key and n not in base.column_names]
    if not names:
        return base
    picked = extra.select(names)
    if not (base.num_rows == extra.num_rows and base[key].equals(extra[key])):  # same order: nothing to move
        picked = picked.combine_chunks().take(pc.index_in(base[key], value_set=extra[key]))
    for name in names:
        base = base.append_column(name, picked[name])
    return base


def _with_model_metadata(customers: pa.Table | Batches, as_of: dt.date,
                         models: dict[str, Any] | None) -> pa.Table | Batches:
    """State in the Parquet file itself what the model columns mean (time unit, horizons)."""
    keys = ("time_unit", "unit_days", "horizon_days", "clv_horizon_months", "annual_discount", "currency",
            "purchase_model", "spend_model", "skipped")  # fmt: skip
    about = {"as_of": str(as_of), **{k: v for k, v in (models or {}).items() if k in keys}}
    metadata = dict(customers.schema.metadata or {})
    metadata[b"horetsu.models"] = json.dumps(about, ensure_ascii=False, default=str).encode()
    if isinstance(customers, Batches):
        return replace(customers, schema=customers.schema.with_metadata(metadata))
    return customers.replace_schema_metadata(metadata)


def _union_customers(base: pa.Table, staged: pa.Table) -> pa.Table:
    """Every customer of the analytics table plus those only the stage facts know (leads)."""
    extra = staged.filter(pc.invert(pc.is_in(staged["customer_id"], value_set=base["customer_id"])))
    if extra.num_rows == 0:
        return base
    ids = extra.select(["customer_id"]).cast(pa.schema([pa.field("customer_id", base.schema.field("customer_id").type)]))
    filler = pa.table({name: pa.nulls(ids.num_rows, base.schema.field(name).type)
                       for name in base.column_names if name != "customer_id"})
    for name in filler.column_names:
        ids = ids.append_column(name, filler[name])
    return pa.concat_tables([base, ids.select(base.column_names)])


def _with_stages(base: pa.Table, staged: pa.Table) -> pa.Table:
    """The analytics table with the stage columns, in id order, with the customers only the
    stage facts know (leads) added.  ``staged`` is in id order and usually holds every id."""
    missing = pc.invert(pc.is_in(base["customer_id"], value_set=staged["customer_id"]))
    if pc.any(missing).as_py():  # rare: someone the stage facts do not know
        base = _union_customers(base, staged).sort_by("customer_id")
        return merge_columns(base, staged)
    # every analytics row has a stage row: the stage table's order is the result's order
    ids = staged["customer_id"].cast(base.schema.field("customer_id").type)
    lined = merge_columns(pa.table({"customer_id": ids}), base)
    for name in staged.column_names:  # already row by row
        if name not in lined.column_names:
            lined = lined.append_column(name, staged[name])
    return lined.select([*base.column_names, *(c for c in lined.column_names if c not in base.column_names)])


#: rows of results/customers worded and written at a time (the sentences of a million
#: customers are about a gigabyte of text: they never exist all at once)
CUSTOMER_BLOCK_ROWS = 131_072
#: blocks of results/customers worded side by side (the wording is mostly Arrow kernels,
#: which run outside the GIL)
BLOCK_MAKERS = 2
_TEXT_COLUMNS = ("facts_en", "facts_ja", "stage_evidence", "stage_evidence_ja")


def _stage_columns(frame: pd.DataFrame) -> list[str]:
    """The stage columns results/customers takes from the working frame, in their order: the
    sentences go just before the next action; private (``_``) and cap-count columns stay out."""
    order = [c for c in frame.columns if not c.startswith(("_", "cap_count__"))]
    at = order.index("next_action") if "next_action" in order else len(order)
    return [*order[:at], *_TEXT_COLUMNS, *order[at:]]


def _plain_schema(frame: pd.DataFrame) -> pa.Schema:
    """The Arrow types of the frame's columns; categoricals (shared sentences) as plain strings."""
    schema = pa.Schema.from_pandas(frame, preserve_index=False).remove_metadata()
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])


def _stage_table(frame: pd.DataFrame, policy: Any, schema: pa.Schema | None = None) -> pa.Table:
    """Rows of the working frame as the stage part of results/customers (sentences included)."""
    plain = [c for c in _stage_columns(frame) if c not in _TEXT_COLUMNS]
    schema = schema if schema is not None else _plain_schema(frame[plain])
    # converted as pandas has them, then cast (given the schema, Arrow converts the shared
    # sentences six times slower)
    staged = pa.Table.from_pandas(frame[plain], preserve_index=False).cast(schema)
    texts = evidence_texts(frame, policy)
    for name in _TEXT_COLUMNS:
        staged = staged.append_column(name, texts[name].cast(pa.large_string()))  # the type pandas gave them
    return staged.select(_stage_columns(frame))


def _customer_blocks(base: pa.Table, frame: pd.DataFrame, policy: Any,
                     after_block: Callable[[], None] | None = None) -> pa.Table | Batches:
    """results/customers: the analytics columns of ``base`` with the stage columns of
    ``frame`` (in id order), converted and worded block by block as it is written;
    ``after_block`` is called as each block is handed over (a parked ``base`` lets go of the
    pages read)."""
    ids = pa.Array.from_pandas(frame["customer_id"]).cast(base.schema.field("customer_id").type)
    if pc.any(pc.invert(pc.is_in(base["customer_id"], value_set=ids))).as_py():  # rare: see _with_stages
        return _analytics.sorted_results({"customers": _with_stages(base, _stage_table(frame, policy))})["customers"]
    # every stage row with its analytics row (the frame's order), block by block: the analytics
    # table is never copied whole
    rest = base.drop_columns(["customer_id"])
    same = base.num_rows == len(ids) and base["customer_id"].equals(pa.chunked_array([ids]))
    where = None if same else pc.index_in(ids, value_set=base["customer_id"])
    names = _stage_columns(frame)
    plain = [c for c in names if c not in _TEXT_COLUMNS]
    plain_schema = _plain_schema(frame[plain])
    typed = {f.name: f for f in plain_schema} | {n: pa.field(n, pa.large_string()) for n in _TEXT_COLUMNS}
    extra = [n for n in names if n not in base.column_names]
    schema = pa.schema([pa.field("customer_id", ids.type), *rest.schema, *(typed[n] for n in extra)])

    def block(lo: int) -> pa.RecordBatch:
        part = frame.iloc[lo:lo + CUSTOMER_BLOCK_ROWS]
        staged = _stage_table(part, policy, plain_schema)
        left = rest.slice(lo, len(part)) if where is None else rest.take(where.slice(lo, len(part)))
        arrays = [ids.slice(lo, len(part)), *left.columns, *(staged[n] for n in extra)]
        return pa.Table.from_arrays(arrays, schema=schema).combine_chunks().to_batches()[0]

    def make() -> Iterator[pa.RecordBatch]:
        # two blocks worded at a time (Arrow's string kernels work outside the GIL), yielded in order
        with ThreadPoolExecutor(max_workers=BLOCK_MAKERS, thread_name_prefix="horetsu-word") as pool:
            pending: deque[Future[pa.RecordBatch]] = deque()
            try:
                for lo in range(0, len(frame), CUSTOMER_BLOCK_ROWS):
                    pending.append(pool.submit(block, lo))
                    if len(pending) == BLOCK_MAKERS:
                        yield pending.popleft().result()
                        if after_block is not None:
                            after_block()
                while pending:
                    yield pending.popleft().result()
                    if after_block is not None:
                        after_block()
            finally:
                for f in pending:
                    f.cancel()

    return Batches(schema=schema, num_rows=len(frame), make=make)


def _compact(table: pa.Table) -> pa.Table:
    """``table`` with its string columns dictionary-encoded (stage snapshots: a million
    customers on a few days repeat the same ids and a handful of names)."""
    return pa.table([pc.dictionary_encode(c) if pa.types.is_string(c.type) else c for c in table.columns],
                    names=table.column_names)


def _plain_blocks(table: pa.Table, schema: pa.Schema, rows: int = 1 << 20) -> Batches:
    """``table`` written with ``schema``'s plain types, decoded block by block as it is written."""
    def make() -> Iterator[pa.RecordBatch]:
        for batch in table.to_batches(max_chunksize=rows):
            yield batch.cast(schema.remove_metadata()).replace_schema_metadata(schema.metadata)

    return Batches(schema=schema, num_rows=table.num_rows, make=make)


def _stage_facts(ws: Any, day: dt.date, policy: Any, exclude: tuple[str, ...], purchase_days: Any,
                 first_categories: Any = None) -> pa.Table:
    """Every customer's stage facts, message facts and cap counts as of ``day``, by id (Arrow)."""
    # by id (every later table lines up), sorted in the engine: no copy of the wide table here
    facts = facts_table(ws, day, policy, exclude, purchase_days=purchase_days, first_categories=first_categories,
                        by_id=True)
    ws.give_back_memory()  # what the query freed, before the Arrow work
    facts = _analytics.sorted_by(facts, ["customer_id"])  # (an engine ordering otherwise: sorted here)
    facts = merge_columns(facts, message_facts(ws, day, policy))
    return with_cap_counts(facts, policy, to_day(day))  # on Arrow, before the one trip to pandas


def analyze(
    ws: Any,
    as_of: Any = None,
    progress: Any = None,
    *,
    exclude_statuses: Any = None,
    models: bool = True,
    stages: bool = True,
) -> AnalyzeResult:
    """Compute everything as of ``as_of`` and write one results generation.

    ``as_of``: default :func:`horetsu.core.purchases.default_as_of`.  ``exclude_statuses``
    overrides ``[analysis] exclude_statuses`` for every part (analytics, models, stages).
    ``models`` / ``stages``: set False to skip the model scores / stages and history.
    ``progress``: told each step's name and when it is done.  The steps run one after the
    other (side by side, those that could overlap took more memory than the time they saved,
    docs/performance.md); only the writing of finished result blocks has a thread of its own.
    """
    exclude = excluded_statuses(ws, exclude_statuses)
    day = parse_date(as_of) or default_as_of(ws)
    ctx = make_ctx(ws, day, exclude_statuses=exclude).caching()
    tables: dict[str, pa.Table] = {}
    meta: dict[str, Any] = {}
    state: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], None]]] = list(_analytics.steps(ctx, tables, meta))

    def step(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
        def deco(fn: Callable[[], None]) -> Callable[[], None]:
            steps.append((name, fn))
            return fn

        return deco

    @step("first purchase")
    def _acquisition() -> None:  # first category and channel, stored once for every reader
        tables["customers"] = merge_columns(tables["customers"], acquisition(ctx).order_by("customer_id").to_pyarrow())

    @step("models")
    def _models() -> None:
        if not models:
            meta["models"] = None
            return
        try:
            scores, model_meta = score_workspace(ws, day, exclude_statuses=list(exclude),
                                                 purchase_days=numbered_days(ctx))
        except (AnalysisError, ConvergenceError) as exc:
            # A young shop (no repeat buyer yet) or a fit that failed: everything else is
            # still worth having. The model columns stay, empty, and meta says why.
            n = tables["customers"].num_rows
            for name in MODEL_COLUMNS:
                tables["customers"] = tables["customers"].append_column(name, pa.nulls(n, pa.float64()))
            meta["models"] = {"skipped": exc.message("en"), "skipped_ja": exc.message("ja")}
            return
        tables["customers"] = merge_columns(tables["customers"], scores)
        meta["models"] = model_meta

    @step("holdout")
    def _holdout() -> None:
        if not models:
            return
        # right after the models, before the stages' working data exists (beside it, it
        # added 0.6 GB to the peak)
        table = _holdout_table(ctx, day, (meta.get("models") or {}).get("purchase_model"))
        if table is not None:
            tables["holdout"] = table

    @step("stage history")
    def _history() -> None:
        if not stages:
            return
        # from here on only the purchase days are needed: keep that narrow table, free the rest
        purchase_dates(ctx)
        ctx.release(keep=("purchase_dates",))
        # the per-customer table waits on disk until the stages read it (0.24 GB at 1M customers)
        tables["customers"] = ws.park(tables["customers"])
        ws.give_back_memory()  # what the analytics freed, before the grid's NumPy work
        state["policy"] = policy = load_policy(ws)
        # the grid runs before the working frame exists: the two never share the memory
        flow_days = tuple(day - dt.timedelta(days=d) for d in range(HISTORY_DAYS, 0, -SNAPSHOT_DAYS))
        # per-customer rows are kept on the flow's days and at the last two month ends (the
        # home page's "cooled this month" compares them with the as-of day)
        keep = tuple(sorted({*flow_days, *month_ends_before(day, 2)}))
        days, start = history_days(ws, day, keep)
        # each customer's first day per category: the grid and the facts read the same rows
        first_cats = ctx.shared("first_categories", lambda: first_category_days(ws, to_day(day), exclude))
        # the stages' facts first, then the grid: each has the memory to itself (beside each
        # other they took 0.6 GB more, for ~4 s of time; docs/performance.md)
        # ... and so do the facts while the grid works (0.28 GB)
        state["facts"] = ws.park(_stage_facts(ws, day, policy, exclude, purchase_dates(ctx), first_cats))
        ws.give_back_memory()
        given = grid_input(ws, days, policy, exclude, purchase_days=purchase_dates(ctx), first_categories=first_cats)
        ws.give_back_memory()  # what those reads freed
        grid = grid_from(given, policy, keep)
        del given
        # moved / stalled / cooled need fewer rows (the as-of day's own come from the results)
        grid.state_changes = grid.state_changes.stage_or_lapse_changes(before=to_day(day))
        grid.snapshots = _compact(grid.snapshots)  # kept until written: each name once
        state["grid"], state["history"] = grid, (flow_days, start)

    @step("stages")
    def _stages() -> None:
        if not stages:
            meta["stages"] = None
            return
        policy = state["policy"]
        facts = state.pop("facts")
        scores = None
        if "p_alive" in tables["customers"].column_names:  # P(alive) row by row with the facts
            where = pc.index_in(facts["customer_id"], value_set=tables["customers"]["customer_id"])
            facts = facts.append_column("_p_alive", tables["customers"]["p_alive"].take(where))
        frame = facts.to_pandas()
        del facts
        ws.drop_parked_pages()  # the facts' pages, read once into the frame
        if "_p_alive" in frame:
            scores = pd.DataFrame({"customer_id": frame["customer_id"], "p_alive": frame.pop("_p_alive")})
        frame = decide(frame, policy, scores, evidence=False, copy=False)
        del scores
        frame = next_best_action(frame, policy)
        state["frame"], state["policy"] = frame, policy
        # the stage columns and the sentences join results/customers when it is written,
        # block by block (:func:`_customer_blocks`): the later steps need the facts only
        meta["stages"] = {"columns": [c for c in _stage_columns(frame) if c != "customer_id"],
                          "state_columns": list(STATE_COLUMNS)}

    @step("stage flows")
    def _flows() -> None:
        if not stages:
            return
        frame, grid = state["frame"], state.pop("grid")
        flow_days, start = state["history"]
        # the as-of day's rows are the results' own (their temperature also weighs P(alive))
        now_frame = frame[["customer_id", "stage", "journey_step", "temperature"]].assign(as_of=day)
        now = pa.Table.from_pandas(now_frame[list(SNAPSHOT_SCHEMA.names)], schema=SNAPSHOT_SCHEMA, preserve_index=False)
        meta_start = {b"history_start": start.isoformat().encode()}
        past = pc.less(grid.snapshots["as_of"], pa.scalar(day))
        # (the as-of day is rarely among the grid's kept days: no copy of every row then)
        past = grid.snapshots if pc.all(past).as_py() else grid.snapshots.filter(past)
        snaps = pa.concat_tables([past, _compact(now)])
        del past
        tables["stage_snapshots"] = _plain_blocks(snaps, SNAPSHOT_SCHEMA.with_metadata(meta_start))
        counts = grid.counts.filter(pc.less(grid.counts["as_of"], pa.scalar(day)))
        tables["stage_monthly"] = pa.concat_tables([counts, _counts_now(now_frame, day)])
        tables["stage_transitions"] = grid.transitions
        picks = [*flow_days, day]

        # the grid keeps whole snapshots on exactly the flow's days (names still encoded:
        # transitions reads the ids and stages only)
        on = {d: now if d == day else grid.snapshots.filter(
            pc.equal(grid.snapshots["as_of"], pa.scalar(d, pa.date32()))) for d in picks}
        parts = []
        for a, b in zip(picks, picks[1:], strict=False):  # two periods
            m = transitions(on[a], on[b]).to_pandas()
            parts.append(m.assign(period_from=a.isoformat(), period_to=b.isoformat()))
        tables["stage_flow"] = pa.Table.from_pandas(pd.concat(parts, ignore_index=True), preserve_index=False)
        del now_frame, snaps, parts, on
        changes = grid.state_changes.append(StateChanges.of_table(now).narrow())
        del grid, now  # the joined rows replace them
        tables["stage_movement"] = movement_stats(changes, windows=(MOVE_WINDOW_DAYS,), history_start=start,
                                                  last_date=day)

    @step("funnel")
    def _funnel() -> None:
        if stages:
            tables["funnel"] = journey_funnel(ws, day, classified=state["frame"])

    @step("gate counts")
    def _gate_counts() -> None:
        if not stages:
            return
        frame, policy = state["frame"], state["policy"]
        rows = []
        for tactic in sorted(policy.tactics):  # a handful of tactics, each vectorised over customers
            ev = evaluate(frame, policy, tactic, reasons=False)
            rules = pd.Series(ev.rule[ev.blocked])
            rows.append({"tactic": tactic, "allowed": int((~ev.blocked).sum()), "blocked": int(ev.blocked.sum()),
                         "rule": str(rules.value_counts().index[0]) if len(rules) else ""})
        tables["gate_counts"] = pa.Table.from_pylist(
            rows, schema=pa.schema([("tactic", pa.string()), ("allowed", pa.int64()), ("blocked", pa.int64()),
                                    ("rule", pa.string())]))

    if progress is not None:
        progress.update(total=len(steps))
    timings: dict[str, float] = {}
    peaks: dict[str, float | None] = {}  # the process's peak memory so far, after each step
    highest: float | None = None
    try:
        for name, fn in steps:
            if progress is not None:
                progress.update(description=name)
            started = time.perf_counter()
            fn()
            ws.give_back_memory()  # what the engine freed goes back to the system
            timings[name] = round(time.perf_counter() - started, 3)
            peak = _peak_mib()  # the kernel's figure can dip by a page (per-CPU counters): keep the highest
            highest = peak if peak is None or highest is None else max(highest, peak)
            peaks[name] = highest
            if progress is not None:
                progress.advance(1)
    finally:
        ctx.release()
        ws.give_back_memory()

    last = latest_activity_day(ws)
    if stages:  # the blocks follow the working frame's order, which is by id: no sort of a wide table
        customers = _customer_blocks(tables.pop("customers"), state["frame"], state["policy"],
                                     after_block=ws.drop_parked_pages)
        tables = {"customers": customers, **_analytics.sorted_results(tables)}
    else:
        tables = _analytics.sorted_results(tables)
    meta.update(
        {
            "as_of": day.isoformat(),
            "computed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "engine": ctx.backend,
            "exclude_statuses": list(exclude),
            "data_last_day": from_day(last).isoformat() if last is not None else None,
            "fingerprint": _results.fingerprint(ws),
            "timings_s": timings,
            "peak_mib_after": peaks,
            "settings": ctx.settings.model_dump(mode="json"),
            "results": {name: {"rows": t.num_rows, "columns": t.column_names} for name, t in tables.items()},
            "labels": _labels.as_json(),
        }
    )
    payload = json.dumps(meta, ensure_ascii=False, indent=1, default=str)
    tables["customers"] = _with_model_metadata(tables["customers"], day, meta.get("models"))
    ws.write_results({**tables, "meta.json": payload})
    state.clear()
    return AnalyzeResult(as_of=day, tables=StoredTables(tables, ws.results_dir.resolve()), meta=meta)


def _peak_mib() -> float | None:
    """The process's peak resident memory so far in MiB (Linux ``VmHWM``; None elsewhere)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def _counts_now(frame: pd.DataFrame, day: dt.date) -> pa.Table:
    """as_of, stage, temperature, customers of the results' own classification."""
    g = frame.groupby(["stage", "temperature"]).size().reset_index(name="customers").sort_values(["stage", "temperature"])
    return pa.table({"as_of": pa.array([day] * len(g), pa.date32()), "stage": pa.array(g["stage"].astype(str), pa.string()),
                     "temperature": pa.array(g["temperature"].astype(str), pa.string()),
                     "customers": pa.array(g["customers"].to_numpy(), pa.int64())})


def _holdout_table(ctx: Any, day: dt.date, model_name: str | None) -> pa.Table | None:
    """The purchase model refitted with the last weeks held out: weekly tracking, actual vs expected.

    It reads the purchase days the analytics steps keep (one row per customer and day with
    a purchase up to the as-of day), not the orders again."""
    orders = purchase_dates(ctx)
    first = orders.order_date.min().to_pyarrow().as_py()
    if first is None:
        return None
    weeks = holdout_weeks((day - parse_date(first)).days)
    cal_end = day - dt.timedelta(weeks=weeks)
    model = ParetoNBD() if model_name == "paretonbd" else BetaGeo()
    try:
        rep = holdout_report(model, orders, "customer_id", "order_date", cal_end, day, unit="W", keep_ids=False,
                             one_row_per_day=True)
    except HoretsuError:
        return None
    tr = rep.tracking
    table = pa.table({"period": pa.array(tr["period"].to_numpy(), pa.float64()),
                      "actual": pa.array(tr["actual"].astype(float).to_numpy(), pa.float64()),
                      "expected": pa.array(tr["expected"].astype(float).to_numpy(), pa.float64()),
                      "actual_cum": pa.array(tr["actual_cum"].astype(float).to_numpy(), pa.float64()),
                      "expected_cum": pa.array(tr["expected_cum"].astype(float).to_numpy(), pa.float64())})
    about = {"calibration_periods": float(rep.calibration_periods), "unit": rep.unit,
             "totals": {**{k: float(v) for k, v in rep.totals.items()}, "holdout_weeks": weeks},
             "calibration_end": cal_end.isoformat()}
    return table.replace_schema_metadata({b"horetsu.holdout": json.dumps(about).encode()})


def ensure(ws: Any, as_of: Any = None, progress: Any = None, say: Callable[[str, str], None] | None = None) -> Any:
    """The workspace's results, brought up to date first when they are missing or stale.

    Stale means the tables, the ``[analysis]`` settings or the policy changed after the
    last ``analyze``.  The refresh runs ``analyze`` at ``as_of`` when the reader asked for
    a day, else at the default as-of day; ``say(en, ja)`` is told why in one line.
    """
    res = None
    try:
        res = _results.load(ws, fresh=False)
    except _results.NoResultsError:
        pass
    if res is not None and not res.stale_reasons():
        return res
    if say is not None:
        if res is None:
            say("no analysis results yet: running `horetsu analyze` first",
                "分析結果がまだないため、先に `horetsu analyze` を実行します")
        else:
            say(f"{res.stale_message('en')}: running `horetsu analyze` again",
                f"{res.stale_message('ja')}。`horetsu analyze` を実行し直します")
    analyze(ws, as_of=as_of, progress=progress)
    ws.refresh()
    return _results.load(ws)
