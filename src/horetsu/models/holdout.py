"""Holdout validation: fit on a calibration period, compare with what happened next.

Two views, as in Fader, Hardie & Lee (2005):

- **tracking**: repeat purchases per period (week by default) of the whole cohort,
  actual vs expected, and their cumulative sums across calibration and holdout.
  The expectation at the end of period w is Σ_i E[X(w - s_i)], s_i being the
  time customer i was acquired (the model's unconditional expectation).
- **conditional**: customers grouped by calibration frequency (0, 1, ... ``max_frequency``+),
  mean actual holdout purchases vs the model's conditional expectation.

Actual counts are computed in the engine; expectations are vectorised over the
distinct acquisition days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from horetsu.errors import AnalysisError
from horetsu.i18n import label
from horetsu.models.summary import _to_date, daily_expr, rfm_summary, unit_days

LABELS = {
    "tracking_title": ("累積リピート購入回数：実績と予測", "Cumulative repeat purchases: actual vs expected"),
    "incremental_title": ("期間ごとのリピート購入回数：実績と予測", "Repeat purchases per period: actual vs expected"),
    "conditional_title": (
        "観測期間の購入回数別：検証期間の平均購入回数",
        "Holdout purchases by calibration-period frequency",
    ),
    "actual": ("実績", "Actual"),
    "expected": ("予測", "Expected"),
    "purchases": ("リピート購入回数", "Repeat purchases"),
    "cum_purchases": ("累積リピート購入回数", "Cumulative repeat purchases"),
    "freq_axis": ("観測期間のリピート購入回数", "Repeat purchases in the calibration period"),
    "mean_axis": ("検証期間の平均購入回数", "Mean purchases in the holdout period"),
    "calibration_end": ("観測期間の終わり", "End of calibration"),
    "D": ("日", "Day"),
    "W": ("週", "Week"),
    "M": ("月", "Month"),
}


@dataclass
class HoldoutReport:
    """Result of :func:`holdout_report` (tables as pandas DataFrames)."""

    tracking: Any
    conditional: Any
    summary: Any
    model: Any
    unit: str
    calibration_periods: float
    totals: dict[str, float] = field(default_factory=dict)

    def figures(self, lang: str = "en") -> dict[str, Any]:
        """Plotly figures ``tracking``, ``incremental`` and ``conditional`` with labels in ``lang``."""
        import plotly.graph_objects as go

        def lab(key: str) -> str:
            return label(LABELS, key, lang)

        tr = self.tracking
        figs: dict[str, Any] = {}
        for name, act, exp, title, yaxis in (
            ("tracking", "actual_cum", "expected_cum", "tracking_title", "cum_purchases"),
            ("incremental", "actual", "expected", "incremental_title", "purchases"),
        ):
            fig = go.Figure()
            fig.add_scatter(x=tr["period"], y=tr[act], name=lab("actual"), mode="lines")
            fig.add_scatter(x=tr["period"], y=tr[exp], name=lab("expected"), mode="lines", line={"dash": "dash"})
            fig.add_vline(x=self.calibration_periods, line={"dash": "dot", "color": "grey"},
                          annotation_text=lab("calibration_end"))
            fig.update_layout(title=lab(title), xaxis_title=lab(self.unit), yaxis_title=lab(yaxis),
                              template="plotly_white")
            figs[name] = fig
        ce = self.conditional
        fig = go.Figure()
        fig.add_bar(x=ce["frequency_label"], y=ce["actual"], name=lab("actual"))
        fig.add_bar(x=ce["frequency_label"], y=ce["expected"], name=lab("expected"))
        fig.update_layout(title=lab("conditional_title"), xaxis_title=lab("freq_axis"),
                          yaxis_title=lab("mean_axis"), barmode="group", template="plotly_white")
        figs["conditional"] = fig
        return figs


def _actual_per_period(transactions: Any, customer: str, time: str, start_day: int, cal_day: int,
                       obs_day: int, per_unit: float, one_row_per_day: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Repeat purchase days per period since ``start_day`` and the acquisition day of each customer."""
    daily = daily_expr(transactions, customer, time, one_row_per_day=one_row_per_day).filter(lambda d: d.day <= obs_day)
    first = daily.group_by("customer").aggregate(first=lambda s: s.day.min())
    first = first.filter(first.first <= cal_day)
    d = daily.join(first, "customer")
    rep = d.filter(d.day > d.first)
    period = ((rep.day - start_day).cast("float64") / per_unit).floor().cast("int64")
    counts = rep.select(period=period).group_by("period").aggregate(n=lambda s: s.count()).to_pyarrow()
    acq = first.group_by("first").aggregate(n=lambda s: s.count()).to_pyarrow()
    n_periods = int(np.ceil((obs_day - start_day + 1) / per_unit))
    actual = np.zeros(n_periods)
    p = np.asarray(counts["period"].to_numpy(zero_copy_only=False), dtype=np.int64)
    np.add.at(actual, np.clip(p, 0, n_periods - 1), np.asarray(counts["n"].to_numpy(zero_copy_only=False), dtype=float))
    acq_days = np.stack([np.asarray(acq["first"].to_numpy(zero_copy_only=False), dtype=float),
                         np.asarray(acq["n"].to_numpy(zero_copy_only=False), dtype=float)])
    return actual, acq_days


def holdout_report(
    model: Any,
    transactions: Any,
    customer: str,
    time: str,
    calibration_end: Any,
    observation_end: Any = None,
    unit: str = "W",
    max_frequency: int = 7,
    keep_ids: bool = True,
    one_row_per_day: bool = False,
) -> HoldoutReport:
    """Fit ``model`` (if not yet fitted) on the calibration period and compare with the holdout.

    ``model`` is a :class:`BetaGeo` or :class:`ParetoNBD` (anything with
    ``fit``, ``expected_purchases`` and ``expected_purchases_new``).  ``keep_ids=False``
    leaves the customer ids out of the report's ``summary`` (a caller that needs the totals
    only saves bringing a million ids into Python).  ``one_row_per_day``: ``transactions``
    already has one row per customer and purchase day (they are not grouped again).
    """
    import pandas as pd

    per_unit = unit_days(unit)
    summary = rfm_summary(transactions, customer, time, None, calibration_end, observation_end, unit,
                          one_row_per_day=one_row_per_day, ids=keep_ids)
    if "frequency_holdout" not in summary.columns:
        raise AnalysisError(
            "holdout_report needs transactions after calibration_end (or an observation_end after it)",
            ja="holdout_report には calibration_end 以降の取引（または後の observation_end）が必要です",
        )
    if getattr(model, "params_", None) is None:
        model.fit(summary["frequency"], summary["recency"], summary["T"])
    epoch = dt.date(1970, 1, 1)
    cal_day = (_to_date(calibration_end) - epoch).days
    duration = float(summary["duration_holdout"].iloc[0])
    obs_day = cal_day + int(round(duration * per_unit))
    start_day = int(round(cal_day - summary["T"].max() * per_unit))

    actual, acq = _actual_per_period(transactions, customer, time, start_day, cal_day, obs_day, per_unit,
                                     one_row_per_day)
    n_periods = len(actual)
    # end of period w (w = 1..n) measured like T: (last day of the period - acquisition day) / unit
    ends = np.minimum(start_day + np.arange(1, n_periods + 1) * per_unit - 1.0, obs_day)
    elapsed = np.maximum(ends[:, None] - acq[0][None, :], 0.0) / per_unit
    # whole days apart: a few hundred distinct values in a periods x acquisition days grid
    values, where = np.unique(elapsed, return_inverse=True)
    expected_cum = model.expected_purchases_new(values)[where].reshape(elapsed.shape) @ acq[1]
    tracking = pd.DataFrame({
        "period": np.arange(1, n_periods + 1),
        "actual": actual,
        "expected": np.diff(np.concatenate([[0.0], expected_cum])),
        "actual_cum": np.cumsum(actual),
        "expected_cum": expected_cum,
        "holdout": ends > cal_day,
    })

    x = summary["frequency"].to_numpy(dtype=float)
    exp_hold = model.expected_purchases(duration, x, summary["recency"].to_numpy(float), summary["T"].to_numpy(float))
    bucket = np.minimum(x, max_frequency).astype(int)
    cond = (
        pd.DataFrame({"frequency": bucket, "actual": summary["frequency_holdout"].to_numpy(float), "expected": exp_hold})
        .groupby("frequency")
        .agg(customers=("actual", "size"), actual=("actual", "mean"), expected=("expected", "mean"))
        .reset_index()
    )
    cond["frequency_label"] = [f"{f}+" if f == max_frequency else str(f) for f in cond["frequency"]]
    summary = summary.assign(expected_holdout=exp_hold)
    act_total = float(summary["frequency_holdout"].sum())
    exp_total = float(exp_hold.sum())
    totals = {
        "actual_holdout": act_total,
        "expected_holdout": exp_total,
        "holdout_error_pct": 100.0 * (exp_total - act_total) / act_total if act_total else float("nan"),
        "actual_cum_end": float(tracking["actual_cum"].iloc[-1]),
        "expected_cum_end": float(tracking["expected_cum"].iloc[-1]),
    }
    calibration_periods = (cal_day - start_day + 1) / per_unit
    return HoldoutReport(tracking, cond, summary, model, unit, calibration_periods, totals)
