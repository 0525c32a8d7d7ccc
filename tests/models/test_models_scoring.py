"""score_workspace: the model columns of `horetsu analyze`, from a real workspace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from horetsu.errors import AnalysisError
from horetsu.models import BetaGeo, GammaGamma, customer_value, score_workspace


def _orders(tx: pd.DataFrame) -> pa.Table:
    when = pd.to_datetime(tx["date"]) + pd.Timedelta(hours=12)
    return pa.table({
        "order_id": [f"o{i}" for i in range(len(tx))],
        "customer_id": tx["customer"].astype(str),
        "ordered_at": pa.array(when.dt.tz_localize("Asia/Tokyo")),
        "order_date": pa.array(pd.to_datetime(tx["date"]).dt.date),
        "status": tx.get("status", pd.Series(["completed"] * len(tx))).tolist(),
        "total_jpy": (tx["dollars"] * 100).round().astype("int64"),
    })


@pytest.fixture(scope="module")
def scored(cdnow_transactions, tmp_path_factory):
    import horetsu

    tx = cdnow_transactions.copy()
    tx["status"] = "completed"
    # orders that must not count: cancelled / returned / refunded copies on other days,
    # and everything after the as-of date
    noise = tx.sample(300, random_state=1).copy()
    noise["date"] = pd.to_datetime(noise["date"]) + pd.Timedelta(days=3)
    noise["date"] = noise["date"].dt.date
    noise["status"] = np.resize(["cancelled", "returned", "refunded"], len(noise))
    ws = horetsu.init_workspace(tmp_path_factory.mktemp("ws") / "ws")
    ws.write_tables({"orders": _orders(pd.concat([tx, noise], ignore_index=True))})
    return score_workspace(ws, "1997-09-30")


def test_columns_and_meta(scored):
    table, meta = scored
    assert table.column_names == ["customer_id", "p_alive", "expected_purchases_365d", "clv_12m",
                                  "model_frequency", "model_recency", "model_T"]
    assert table.schema.field("customer_id").type == pa.string()
    assert table.num_rows == 2357
    assert meta["time_unit"] == "W" and meta["horizon_days"] == 365 and meta["clv_horizon_months"] == 12
    assert meta["annual_discount"] == 0.10 and meta["as_of"] == "1997-09-30"
    assert meta["purchase_model"] == "bgnbd" and meta["spend_model"] == "gammagamma"
    # the excluded statuses and later orders did not reach the fit: the published BG/NBD estimates
    p = meta["purchase_params"]
    assert (round(p["r"], 3), round(p["alpha"], 3), round(p["a"], 3), round(p["b"], 3)) == (0.243, 4.414, 0.793, 2.426)
    # Gamma-Gamma in yen (cents of the dollars): gamma scales with the currency, p and q do not
    assert meta["spend_params"]["p"] == pytest.approx(6.25, abs=0.005)
    assert meta["spend_params"]["gamma"] == pytest.approx(1544, abs=1)


def test_scores_match_the_models(scored, cdnow_summary):
    table, meta = scored
    df = table.to_pandas().set_index("customer_id")
    s = cdnow_summary.set_index("customer")
    bg = BetaGeo()
    bg.params_ = meta["purchase_params"]
    c = df.loc["0001"]
    assert (c["model_frequency"], round(c["model_recency"], 2), round(c["model_T"], 2)) == (2, 30.43, 38.86)
    assert c["p_alive"] == pytest.approx(float(bg.p_alive(2, 30.43, 38.86)), rel=1e-3)
    x, t_x, T = s["frequency"], s["recency"], s["T"]
    np.testing.assert_allclose(df.loc[s.index, "expected_purchases_365d"], bg.expected_purchases(365 / 7, x, t_x, T),
                               rtol=1e-9)
    gg = GammaGamma()
    gg.params_ = meta["spend_params"]
    yen = s.assign(monetary=s["monetary"] * 100)
    clv = customer_value(bg, gg, yen, horizon_months=12, annual_discount=0.10)
    np.testing.assert_allclose(df.loc[s.index, "clv_12m"], clv, rtol=1e-6)
    assert (df["p_alive"].between(0, 1)).all() and (df["clv_12m"] >= 0).all()


def test_friendly_errors_without_enough_orders(ws):
    with pytest.raises(AnalysisError, match="no orders"):
        score_workspace(ws)
    one_each = pd.DataFrame({"customer": ["a", "b"], "date": [pd.Timestamp("2024-01-01").date()] * 2,
                             "dollars": [10.0, 20.0]})
    ws.write_tables({"orders": _orders(one_each)})
    with pytest.raises(AnalysisError, match="bought twice"):
        score_workspace(ws)


def test_horetsu_analyze_writes_the_model_columns_and_metadata(cdnow_transactions, tmp_path):
    import json

    import horetsu
    from horetsu.pipeline import analyze

    ws = horetsu.init_workspace(tmp_path / "ws")
    ws.write_tables({"orders": _orders(cdnow_transactions)})
    analyze(ws, as_of="1997-09-30")
    customers = ws.read_result("customers").to_pandas().set_index("customer_id")
    assert {"p_alive", "expected_purchases_365d", "clv_12m"} <= set(customers.columns)
    bg = BetaGeo()
    bg.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert customers.loc["0001", "p_alive"] == pytest.approx(float(bg.p_alive(2, 30.43, 38.86)), abs=1e-3)
    meta = json.loads((ws.results_dir / "meta.json").read_text(encoding="utf-8"))["models"]
    assert (meta["time_unit"], meta["horizon_days"], meta["clv_horizon_months"]) == ("W", 365, 12)
