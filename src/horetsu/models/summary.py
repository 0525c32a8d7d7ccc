"""Per-customer (frequency, recency, T, monetary) summary computed in the engine.

Input is a transaction table as pandas, Arrow or an Ibis table; pandas and Arrow
are wrapped as Ibis memtables, so the same expression runs on DuckDB by default
and on any Ibis backend for an Ibis table.  Purchases on the same calendar day
are merged into one transaction (their values summed), as in the papers.

- ``frequency``: repeat purchase days in the calibration period (days after the first).
- ``recency``: time from the first to the last purchase day of the calibration period.
- ``T``: time from the first purchase day to ``calibration_end``.
- ``monetary``: mean value of the repeat purchase days (0 without repeat purchases).
- with a ``calibration_end`` before ``observation_end``: ``frequency_holdout``,
  ``monetary_holdout`` (mean value per holdout purchase day) and ``duration_holdout``.

Times are measured in ``unit``: "D" (days), "W" (weeks = 7 days) or "M" (months =
365.25/12 days).  Customers whose first purchase is after ``calibration_end`` are
left out (they were not yet customers then).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from horetsu.errors import AnalysisError

UNIT_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12.0}


def unit_days(unit: str) -> float:
    try:
        return UNIT_DAYS[unit]
    except KeyError:
        raise AnalysisError(
            f"unknown time unit {unit!r}; use one of {', '.join(UNIT_DAYS)}",
            ja=f"時間単位 {unit!r} は使えません。{', '.join(UNIT_DAYS)} のいずれかにしてください",
        ) from None


def as_ibis(table: Any) -> Any:
    """An Ibis table for pandas, Arrow or Ibis input."""
    import ibis
    import ibis.expr.types as ir

    if isinstance(table, ir.Table):
        return table
    return ibis.memtable(table)


def _to_date(value: Any) -> dt.date | None:
    if value is None or str(value) in ("NaT", "nan", "None"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime().date()
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise AnalysisError(f"not a date: {value!r}", ja=f"日付ではありません: {value!r}") from None


def daily_expr(table: Any, customer: str, time: str, value: str | None = None, *,
               one_row_per_day: bool = False) -> Any:
    """One row per (customer, purchase day): columns customer, day (epoch days), value.

    ``one_row_per_day``: the caller's table already has one row per customer and day (a
    date column): its rows are used as they are, without grouping them again."""
    import ibis

    t = as_ibis(table)
    missing = [c for c in (customer, time, value) if c is not None and c not in t.columns]
    if missing:
        raise AnalysisError(
            f"column(s) {', '.join(missing)} not in the transactions ({', '.join(t.columns)})",
            ja=f"列 {', '.join(missing)} が取引データにありません（{', '.join(t.columns)}）",
        )
    day = t[time].cast("date").epoch_days()
    val = t[value].cast("float64") if value is not None else ibis.literal(0.0)
    base = t.select(customer=t[customer], day=day, value=val).filter(lambda s: s.customer.notnull() & s.day.notnull())
    if one_row_per_day:
        return base
    return base.group_by(["customer", "day"]).aggregate(value=lambda s: s.value.sum())


def rfm_summary_expr(
    transactions: Any,
    customer: str,
    time: str,
    value: str | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    unit: str = "W",
    *,
    one_row_per_day: bool = False,
) -> Any:
    """The summary as an Ibis expression (see :func:`rfm_summary`; ``one_row_per_day``: see
    :func:`daily_expr`)."""
    import ibis

    per_unit = unit_days(unit)
    daily = daily_expr(transactions, customer, time, value, one_row_per_day=one_row_per_day)
    obs = _to_date(observation_end)
    cal = _to_date(calibration_end)
    if obs is None:
        max_day = daily.day.max().execute()
        if max_day is None:
            raise AnalysisError("no transactions", ja="取引がありません")
        obs_day = int(max_day)
    else:
        obs_day = (obs - dt.date(1970, 1, 1)).days
    cal_day = obs_day if cal is None else (cal - dt.date(1970, 1, 1)).days
    if cal_day > obs_day:
        raise AnalysisError("calibration_end is after observation_end", ja="calibration_end が observation_end より後です")
    daily = daily.filter(daily.day <= obs_day)
    first = daily.group_by("customer").aggregate(first=lambda s: s.day.min())
    d = daily.join(first, "customer")
    in_cal = d.day <= cal_day
    repeat_cal = in_cal & (d.day > d.first)
    hold = d.day > cal_day
    agg = d.group_by("customer").aggregate(
        first=d.first.min(),
        n_cal=in_cal.ifelse(1, 0).sum(),
        last_cal=in_cal.ifelse(d.day, None).max(),
        rep_value=repeat_cal.ifelse(d.value, 0.0).sum(),
        n_hold=hold.ifelse(1, 0).sum(),
        hold_value=hold.ifelse(d.value, 0.0).sum(),
    )
    agg = agg.filter(agg.first <= cal_day)
    freq = (agg.n_cal - 1).cast("int64")
    cols = {
        customer: agg.customer,
        "frequency": freq,
        "recency": (agg.last_cal - agg.first).cast("float64") / per_unit,
        "T": (ibis.literal(cal_day) - agg.first).cast("float64") / per_unit,
        "monetary": (freq > 0).ifelse(agg.rep_value / freq.cast("float64"), 0.0),
    }
    if cal_day < obs_day:
        cols["frequency_holdout"] = agg.n_hold.cast("int64")
        cols["monetary_holdout"] = (agg.n_hold > 0).ifelse(agg.hold_value / agg.n_hold.cast("float64"), 0.0)
        cols["duration_holdout"] = ibis.literal((obs_day - cal_day) / per_unit)
    return agg.select(**cols).order_by(customer)


def _engine(expr: Any) -> str:
    import ibis

    try:
        return str(ibis.get_backend(expr).name)
    except Exception:  # noqa: BLE001 - an unbound expression (in-memory data): ibis' default engine
        return ""


def rfm_summary(
    transactions: Any,
    customer: str,
    time: str,
    value: str | None = None,
    calibration_end: Any = None,
    observation_end: Any = None,
    unit: str = "W",
    *,
    one_row_per_day: bool = False,
    ids: bool = True,
) -> Any:
    """Per-customer summary as a pandas DataFrame (computed in the engine).

    ``calibration_end`` / ``observation_end`` are dates (inclusive); by default
    both are the last transaction day.  ``df.attrs`` records the unit and dates.
    ``one_row_per_day``: see :func:`daily_expr`; ``ids=False`` leaves the customer column
    out (a caller that needs the numbers only).
    """
    expr = rfm_summary_expr(transactions, customer, time, value, calibration_end, observation_end, unit,
                            one_row_per_day=one_row_per_day)
    expr = expr if ids else expr.drop(customer)
    # DuckDB hands Arrow over as it is; other engines may return decimals, which ibis'
    # pandas conversion turns into the schema's numbers
    df = expr.to_pyarrow().to_pandas() if _engine(expr) == "duckdb" else expr.to_pandas()
    df.attrs["unit"] = unit
    df.attrs["calibration_end"] = str(_to_date(calibration_end)) if calibration_end is not None else None
    df.attrs["observation_end"] = str(_to_date(observation_end)) if observation_end is not None else None
    return df
