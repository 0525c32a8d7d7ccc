"""Discounted customer value: expected purchases month by month times expected spend.

For months m = 1..H the model gives the expected purchases in month m as the
increment E[Y(t_m)] - E[Y(t_{m-1})] (t_m = m months in the model's time unit);
each increment is valued at the expected spend per purchase and discounted at the
monthly rate equivalent to ``annual_discount`` ((1+d)^(1/12) - 1).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from horetsu.models._suffstats import distinct, matvec
from horetsu.models.summary import UNIT_DAYS, unit_days

MONTH_DAYS = 365.25 / 12.0


def _column(summary: Any, name: str) -> np.ndarray:
    try:
        col = summary[name]
    except (KeyError, TypeError):
        from horetsu.errors import AnalysisError

        raise AnalysisError(f"the summary has no column {name!r}", ja=f"サマリーに列 {name!r} がありません") from None
    if hasattr(col, "to_numpy"):
        return np.asarray(col.to_numpy(), dtype=float)
    return np.asarray(col, dtype=float)


def expected_purchases_by_month(
    purchase_model: Any, frequency: Any, recency: Any, T: Any, horizon_months: int, unit: str = "W"
) -> np.ndarray:
    """Expected purchases in each of the next ``horizon_months`` months, shape (n, horizon)."""
    inc, inv = _by_month_distinct(purchase_model, frequency, recency, T, horizon_months, unit)
    return inc[inv]


def _by_month_distinct(purchase_model: Any, frequency: Any, recency: Any, T: Any, horizon_months: int,
                       unit: str) -> tuple[np.ndarray, np.ndarray]:
    """The months' expected purchases per distinct (frequency, recency, T), C-ordered, and each row's index."""
    per_month = MONTH_DAYS / unit_days(unit)
    (ux, ut, uT), inv = distinct(frequency, recency, T)
    grid = np.arange(horizon_months + 1, dtype=float)[:, None] * per_month
    cum = purchase_model.expected_purchases(grid, ux[None, :], ut[None, :], uT[None, :])
    return np.ascontiguousarray(np.diff(cum, axis=0).T), inv  # (distinct, horizon)


def customer_value(
    purchase_model: Any,
    spend_model: Any,
    summary: Any,
    horizon_months: int = 12,
    annual_discount: float = 0.10,
    unit: str | None = None,
) -> Any:
    """Discounted expected value of each customer over ``horizon_months``.

    ``summary`` has ``frequency, recency, T, monetary`` (as from
    :func:`horetsu.models.rfm_summary`); the time unit is taken from
    ``summary.attrs["unit"]`` when present, else ``unit`` (default weeks).
    Returns a pandas Series aligned with a pandas summary, else a NumPy array.
    """
    if unit is None:
        unit = getattr(summary, "attrs", {}).get("unit") or "W"
    if unit not in UNIT_DAYS:
        unit_days(unit)  # raises the friendly error
    x = _column(summary, "frequency")
    t_x = _column(summary, "recency")
    big_t = _column(summary, "T")
    money = _column(summary, "monetary")
    monthly = (1.0 + annual_discount) ** (1.0 / 12.0) - 1.0
    discount = (1.0 + monthly) ** -np.arange(1, horizon_months + 1, dtype=float)
    # valued once per distinct (frequency, recency, T): customers who share them share the sum
    purchases, inv = _by_month_distinct(purchase_model, x, t_x, big_t, horizon_months, unit)
    spend = spend_model.expected_spend(x, money)
    value = matvec(purchases, discount)[inv] * spend
    if hasattr(summary, "index") and hasattr(summary, "iloc"):
        import pandas as pd

        return pd.Series(value, index=summary.index, name="clv")
    return value
