"""Score every customer of a workspace for ``horetsu analyze``.

``score_workspace(ws, as_of)`` summarises the workspace's orders in the engine
(weeks, same-day orders merged, cancelled / returned / refunded orders left out),
fits BG/NBD (Pareto/NBD when BG/NBD does not converge) and a Gamma-Gamma spend
model, and returns one row per customer with P(alive), the expected purchases in
the next 365 days and the discounted value of the next 12 months, plus metadata
stating the time unit, the horizons and the fitted parameters.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from horetsu.errors import AnalysisError, ConvergenceError
from horetsu.models._suffstats import distinct
from horetsu.models.bgnbd import BetaGeo
from horetsu.models.gammagamma import GammaGamma
from horetsu.models.paretonbd import ParetoNBD
from horetsu.core.purchases import excluded_statuses, is_purchase, resolve_as_of
from horetsu.models.summary import rfm_summary_expr, unit_days
from horetsu.models.value import customer_value

UNIT = "W"
HORIZON_DAYS = 365
CLV_MONTHS = 12
ANNUAL_DISCOUNT = 0.10


class EmpiricalSpend:
    """Fallback spend model: the same mean value per purchase for everybody."""

    def __init__(self, mean: float) -> None:
        self.mean_ = float(mean)

    def expected_spend(self, frequency: Any, monetary: Any) -> np.ndarray:
        return np.full(np.shape(np.asarray(frequency, dtype=float)), self.mean_)


def _fit_purchase_model(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> tuple[Any, str, list[str]]:
    notes: list[str] = []
    if not np.any(x > 0):
        raise AnalysisError(
            "no customer has bought twice yet, so P(alive) and CLV cannot be estimated; import a longer order history",
            ja="リピート購入した顧客がまだいないため、生存確率と CLV を推定できません。より長い期間の注文を取り込んでください",
        )
    try:
        return BetaGeo().fit(x, t_x, big_t), "bgnbd", notes
    except ConvergenceError as exc:
        notes.append(f"BG/NBD did not converge ({exc.message_en}); used Pareto/NBD")
    try:
        return ParetoNBD().fit(x, t_x, big_t), "paretonbd", notes
    except ConvergenceError as exc:
        raise ConvergenceError(
            "neither BG/NBD nor Pareto/NBD converged on these orders; check that order dates and customer IDs "
            "were imported correctly and that the history covers several purchase cycles",
            ja="BG/NBD も Pareto/NBD も収束しませんでした。注文日と顧客 ID が正しく取り込まれているか、"
            "履歴が数回分の購入周期を含むかを確認してください",
        ) from exc


def _fit_spend_model(x: np.ndarray, monetary: np.ndarray, mean_order_value: float) -> tuple[Any, str, list[str]]:
    notes: list[str] = []
    try:
        gg = GammaGamma().fit(x, monetary)
        if gg.params_["q"] > 1.0:
            return gg, "gammagamma", notes
        notes.append("Gamma-Gamma gave an infinite mean spend (q <= 1); used the mean order value")
    except (AnalysisError, ConvergenceError) as exc:
        notes.append(f"Gamma-Gamma not fitted ({exc.message_en}); used the mean order value")
    return EmpiricalSpend(mean_order_value), "mean_order_value", notes


def score_workspace(
    ws: Any, as_of: Any = None, *, exclude_statuses: Any = None, purchase_days: Any = None
) -> tuple[Any, dict[str, Any]]:
    """Per-customer model scores for a workspace, and metadata about the models.

    Returns ``(table, meta)``: an Arrow table with ``customer_id, p_alive,
    expected_purchases_365d, clv_12m, model_frequency, model_recency, model_T``
    (one row per customer with at least one counted order up to ``as_of``), and a
    dict with the time unit ("W"), horizons and fitted parameters.
    What a purchase is and the default as-of day come from :mod:`horetsu.core.purchases`
    (``exclude_statuses`` defaults to the workspace's ``[analysis] exclude_statuses``).
    ``purchase_days``: the same purchases already as one row per customer and day
    (``customer_id``, ``order_date``, ``revenue``: the day's total, e.g. what analyze keeps), so
    that the orders are not grouped again.
    """
    import pyarrow as pa

    excluded = list(excluded_statuses(ws, exclude_statuses))
    orders = ws.table("orders")
    orders = orders.filter(orders.customer_id.notnull(), is_purchase(orders, tuple(excluded)))
    as_of_date = resolve_as_of(ws, as_of)
    if purchase_days is None:
        expr = rfm_summary_expr(orders, "customer_id", "order_date", "total_jpy",
                                calibration_end=as_of_date, observation_end=as_of_date, unit=UNIT)
    else:  # a day's missing totals count as nothing spent either way (SUM skips them)
        expr = rfm_summary_expr(purchase_days, "customer_id", "order_date", "revenue", calibration_end=as_of_date,
                                observation_end=as_of_date, unit=UNIT, one_row_per_day=True)
    summary = expr.to_pyarrow()
    if summary.num_rows == 0:
        raise AnalysisError("there are no orders to model up to the as-of date", ja="基準日までにモデル化する注文がありません")
    x = summary["frequency"].to_numpy().astype(float)
    t_x = summary["recency"].to_numpy()
    big_t = summary["T"].to_numpy()
    money = summary["monetary"].to_numpy()

    model, model_name, notes = _fit_purchase_model(x, t_x, big_t)
    repeat = (x > 0) & (money > 0)
    mean_value = float(np.average(money[repeat], weights=x[repeat])) if repeat.any() else 0.0
    if mean_value == 0.0:
        totals = orders.filter(orders.order_date <= as_of_date).total_jpy.mean().execute()
        mean_value = float(totals or 0.0)
    spend, spend_name, spend_notes = _fit_spend_model(x, money, mean_value)
    notes += spend_notes

    (ux, ut, uT), inv = distinct(x, t_x, big_t)
    horizon = HORIZON_DAYS / unit_days(UNIT)
    p_alive = model.p_alive(ux, ut, uT)[inv]
    expected = model.expected_purchases(horizon, ux, ut, uT)[inv]
    clv = customer_value(model, spend, {"frequency": x, "recency": t_x, "T": big_t, "monetary": money},
                         horizon_months=CLV_MONTHS, annual_discount=ANNUAL_DISCOUNT, unit=UNIT)
    table = pa.table({
        "customer_id": summary["customer_id"].cast(pa.string()),
        "p_alive": pa.array(p_alive, pa.float64()),
        "expected_purchases_365d": pa.array(expected, pa.float64()),
        "clv_12m": pa.array(np.asarray(clv, dtype=float), pa.float64()),
        "model_frequency": summary["frequency"].cast(pa.int64()),
        "model_recency": summary["recency"].cast(pa.float64()),
        "model_T": summary["T"].cast(pa.float64()),
    })
    meta: dict[str, Any] = {
        "as_of": as_of_date.isoformat() if isinstance(as_of_date, dt.date) else str(as_of_date),
        "time_unit": UNIT,
        "unit_days": unit_days(UNIT),
        "columns": {
            "p_alive": "probability the customer is still active at the as-of date",
            "expected_purchases_365d": f"expected purchases in the next {HORIZON_DAYS} days",
            "clv_12m": f"expected spend of the next {CLV_MONTHS} months in JPY, discounted at "
                       f"{ANNUAL_DISCOUNT:.0%} a year (monthly)",
            "model_frequency": "repeat purchase days (same-day orders merged)",
            "model_recency": "weeks from the first to the last purchase day",
            "model_T": "weeks from the first purchase day to the as-of date",
        },
        "horizon_days": HORIZON_DAYS,
        "clv_horizon_months": CLV_MONTHS,
        "annual_discount": ANNUAL_DISCOUNT,
        "currency": "JPY",
        "excluded_statuses": excluded,
        "purchase_model": model_name,
        "purchase_params": model.params_,
        "purchase_standard_errors": model.standard_errors_,
        "purchase_log_likelihood": model.log_likelihood_,
        "spend_model": spend_name,
        "spend_params": getattr(spend, "params_", {"mean": getattr(spend, "mean_", None)}),
        "customers": int(summary.num_rows),
        "repeat_buyers": int((x > 0).sum()),
        "notes": notes,
    }
    return table, meta


PURCHASE_MODELS = {"bgnbd": BetaGeo, "paretonbd": ParetoNBD}


def p_alive_at(models_meta: dict[str, Any], frequency: Any, recency: Any, big_t: Any, days_later: int) -> np.ndarray:
    """P(alive) ``days_later`` days after the as-of day of a scoring, with its fitted parameters.

    No new purchase happened in between (else the results would be stale), so only the
    customer's age ``T`` grows.  The parameters are not refitted.
    """
    cls = PURCHASE_MODELS.get(str(models_meta.get("purchase_model")))
    params = models_meta.get("purchase_params")
    x = np.asarray(frequency, dtype=float)
    if cls is None or not params:
        return np.full(x.shape, np.nan)
    model = cls()
    model.params_ = {k: float(v) for k, v in params.items()}
    t_x = np.asarray(recency, dtype=float)
    big_t = np.asarray(big_t, dtype=float) + days_later / unit_days(models_meta.get("time_unit", UNIT))
    out = np.full(x.shape, np.nan)
    ok = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(big_t)
    if ok.any():
        (ux, ut, uT), inv = distinct(x[ok], t_x[ok], big_t[ok])
        out[ok] = model.p_alive(ux, ut, uT)[inv]
    return out
