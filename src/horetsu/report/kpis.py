"""The overview numbers, computed from the analysis results (never from raw orders).

Definitions (also printed in the report):

- customers: rows of ``results/customers`` with at least one purchase day;
- active: of those, ``cpm_active`` (last purchase within the lapse window);
- F2 rate: share of customers with two or more purchase days;
- repeat purchase share: ``(Σ frequency − customers) / Σ frequency``, i.e. the share of
  purchase days that were not a customer's first;
- revenue split: the all-time sums of the timeline's new / repeat / subscription revenue;
- predicted 12-month value: ``Σ clv_12m``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Kpis:
    customers: int
    active: int | None
    f2_rate: float
    repeat_rate: float
    one_time_share: float
    revenue_total: float
    revenue_new: float | None
    revenue_repeat: float | None
    revenue_subscription: float | None
    clv_12m: float | None


def compute(customers: pd.DataFrame, split: dict[str, float] | None) -> Kpis:
    freq = customers["frequency"].to_numpy(dtype=float)
    buyers = freq >= 1
    n = int(buyers.sum())
    fb = freq[buyers]
    active = None
    if "cpm_active" in customers:
        active = int(customers.loc[buyers, "cpm_active"].fillna(False).astype(bool).sum())
    clv = None
    if "clv_12m" in customers:
        clv = float(np.nansum(customers["clv_12m"].to_numpy(dtype=float)))
    total_days = float(fb.sum())
    split = split or {}
    return Kpis(
        customers=n,
        active=active,
        f2_rate=float((fb >= 2).mean()) if n else float("nan"),
        repeat_rate=(total_days - n) / total_days if total_days else float("nan"),
        one_time_share=float((fb == 1).mean()) if n else float("nan"),
        revenue_total=float(np.nansum(customers["monetary_total"].to_numpy(dtype=float))),
        revenue_new=split.get("new"),
        revenue_repeat=split.get("repeat"),
        revenue_subscription=split.get("subscription"),
        clv_12m=clv,
    )
