"""Tables the report asks other parts of horetsu to compute (they are not in ``results/``).

- stage snapshots a year ago, half a year ago and now → the Sankey flow and moved/stalled/cooled;
- the journey funnel (horetsu.stages);
- the holdout tracking of the purchase model (horetsu.models);
- what the gate would block for common tactics (horetsu.playbook), evaluated on one
  classification of all customers.

Each function returns ``None`` when the part is not installed or cannot compute on this
workspace (a typed horetsu error), so the section can say what is missing.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pandas as pd
import pyarrow as pa

from horetsu.errors import HoretsuError

log = logging.getLogger(__name__)

SNAPSHOT_DAYS = 182  # half-yearly snapshots ...
HISTORY_DAYS = 364  # ... over the last year (each snapshot is one classification of everybody)
MOVE_WINDOW_DAYS = SNAPSHOT_DAYS  # "moved up by the next snapshot"
SNAPSHOT_COLUMNS = ("customer_id", "as_of", "stage", "journey_step", "temperature")
HOLDOUT_WEEKS = 26  # the last half year is held out to check the purchase model ...
MIN_HOLDOUT_WEEKS = 4  # ... or a third of the history for a younger shop, at least four weeks


def holdout_weeks(history_days: int) -> int:
    """Weeks held out: 26, or a third of a shorter history (never under four)."""
    return max(MIN_HOLDOUT_WEEKS, min(HOLDOUT_WEEKS, history_days // 21))
EXCLUDED = ("cancelled", "returned", "refunded")


def _soft(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run another part's computation; ``None`` (the section then names what is missing) if it fails."""
    try:
        return fn(*args, **kwargs)
    except (HoretsuError, ImportError) as exc:
        log.info("report: %s unavailable: %s", getattr(fn, "__qualname__", fn), exc)
        return None


class Derived:
    """Computed on first use, once per report build (shared by the ja and en pages)."""

    def __init__(self, ws: Any, as_of: dt.date | None, models_meta: dict[str, Any] | None = None) -> None:
        self.ws = ws
        self.as_of = as_of
        self.models_meta = models_meta or {}
        self._cache: dict[str, Any] = {}

    def _once(self, key: str, fn: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = _soft(fn)
        return self._cache[key]

    # ------------------------------------------------------------ stages
    def classified(self) -> tuple[pd.DataFrame, Any, dt.date] | None:
        """(classified frame of every customer, policy, as-of day)."""

        def run() -> tuple[pd.DataFrame, Any, dt.date]:
            from horetsu.stages.classifier import classify_frame
            from horetsu.stages.policy import load_policy

            policy = load_policy(self.ws)
            frame, day = classify_frame(self.ws, self.as_of, None, policy, evidence=False)
            return frame, policy, day

        return self._once("classified", run)

    def _frame_at(self, day: dt.date) -> pd.DataFrame | None:
        def run() -> pd.DataFrame:
            from horetsu.stages.classifier import classify_frame

            got = self.classified()
            policy = got[1] if got is not None else None
            frame, _ = classify_frame(self.ws, day, None, policy, evidence=False)
            return frame

        return self._once(f"frame:{day.isoformat()}", run)

    def snapshots(self) -> Any:
        """Stage snapshots a year ago, half a year ago and now, in horetsu.stages' snapshot format.

        The current snapshot reuses the classification the gate needs, so only two more
        classifications run (each is a full pass over the workspace).
        """
        if "snapshots" in self._cache:
            return self._cache["snapshots"]
        got = self.classified()
        out = None
        if got is not None:
            now_frame, _, day = got
            days = [day - dt.timedelta(days=d) for d in range(HISTORY_DAYS, 0, -SNAPSHOT_DAYS)]
            frames = [self._frame_at(d) for d in days]
            if all(f is not None for f in frames):
                parts = [f[list(SNAPSHOT_COLUMNS[:1] + SNAPSHOT_COLUMNS[2:])].assign(as_of=d)
                         for f, d in zip([*frames, now_frame], [*days, day], strict=True)]
                table = pd.concat(parts, ignore_index=True)[list(SNAPSHOT_COLUMNS)]
                schema = pa.schema([("customer_id", pa.string()), ("as_of", pa.date32()), ("stage", pa.string()),
                                    ("journey_step", pa.string()), ("temperature", pa.string())],
                                   metadata={b"history_start": days[0].isoformat().encode()})
                out = pa.Table.from_pandas(table, schema=schema, preserve_index=False)
        self._cache["snapshots"] = out
        return out

    def stage_flow(self) -> pd.DataFrame | None:
        """Sankey links between the first, middle and last snapshot."""
        snaps = self.snapshots()
        if snaps is None or snaps.num_rows == 0:
            return None
        from horetsu.stages import transition_matrix_from_snapshots

        picks = sorted(set(snaps.column("as_of").to_pylist()))
        parts = []
        for a, b in zip(picks, picks[1:], strict=False):
            m = transition_matrix_from_snapshots(snaps, a, b).to_pandas()  # "(new)": not known at ``a``
            parts.append(m.assign(period_from=a.isoformat(), period_to=b.isoformat()))
        if not parts:
            return None
        return pd.concat(parts, ignore_index=True)

    def movement(self) -> pd.DataFrame | None:
        snaps = self.snapshots()
        if snaps is None or snaps.num_rows == 0:
            return None
        from horetsu.stages import movement_stats

        return movement_stats(snaps, windows=(MOVE_WINDOW_DAYS,)).to_pandas()

    def funnel(self) -> pd.DataFrame | None:
        def run() -> pd.DataFrame:
            from horetsu.stages import journey_funnel

            got = self.classified()
            classified = got[0] if got is not None else None
            return journey_funnel(self.ws, self.as_of, classified=classified).to_pandas()

        return self._once("funnel", run)

    # ------------------------------------------------------------ gate
    def gate_counts(self, tactics: tuple[str, ...]) -> pd.DataFrame | None:
        """tactic, allowed, blocked, rule (the most frequent blocking rule)."""

        def run() -> pd.DataFrame | None:
            from horetsu.playbook.rules import evaluate

            got = self.classified()
            if got is None:
                return None
            frame, policy, _ = got
            rows = []
            for tactic in tactics:  # a handful of tactics, each one vectorised over customers
                if tactic not in policy.tactics:
                    continue
                ev = evaluate(frame, policy, tactic, reasons=False)
                rules = pd.Series(ev.rule[ev.blocked])
                rows.append({"tactic": tactic, "allowed": int((~ev.blocked).sum()), "blocked": int(ev.blocked.sum()),
                             "rule": str(rules.value_counts().index[0]) if len(rules) else ""})
            return pd.DataFrame(rows)

        return self._once("gate:" + ",".join(tactics), run)

    # ------------------------------------------------------------ models
    def holdout(self) -> Any:
        """horetsu.models.holdout_report with the last 26 weeks held out."""

        def run() -> Any:
            from horetsu import models

            if self.as_of is None:
                return None
            orders = self.ws.table("orders")
            orders = orders.filter(~orders.status.isin(list(EXCLUDED)) | orders.status.isnull())
            orders = orders.filter(orders.order_date <= self.as_of)
            first = orders.order_date.min().execute()
            if first is None or pd.isna(first):  # no paid order up to the as-of day
                return None
            weeks = holdout_weeks((self.as_of - pd.Timestamp(first).date()).days)
            cal_end = self.as_of - dt.timedelta(weeks=weeks)
            # the same purchase model that scored the customers
            model = models.ParetoNBD() if self.models_meta.get("purchase_model") == "paretonbd" else models.BetaGeo()
            report = models.holdout_report(model, orders, "customer_id", "order_date", cal_end, self.as_of, unit="W")
            report.totals["holdout_weeks"] = weeks
            return report

        return self._once("holdout", run)
