"""A small hand-made workspace whose results have the shapes the report reads.

Used until (and besides) the full pipeline: numbers are random but internally consistent,
and the overview test recomputes every KPI from these tables independently.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

STAGES = ["observer", "landing", "empathy", "engagement", "circulation"]
TEMPS = ["active", "cooling", "lapsed"]
CPM = ["first_time", "budding", "steady", "trend", "loyal"]
AS_OF = dt.date(2026, 6, 30)


def synthetic_results(n: int = 600, seed: int = 7) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    ids = [f"C{i:05d}" for i in range(n)]
    freq = rng.geometric(0.55, n)
    orders = freq + rng.binomial(1, 0.1, n)
    first = np.array([AS_OF - dt.timedelta(days=int(d)) for d in rng.integers(30, 900, n)])
    tenure = np.minimum((freq - 1) * rng.integers(20, 90, n), [(AS_OF - f).days for f in first])
    last = np.array([f + dt.timedelta(days=int(t)) for f, t in zip(first, tenure, strict=True)])
    recency = np.array([(AS_OF - x).days for x in last])
    money = (freq * rng.integers(2000, 12000, n)).astype(np.int64)
    customers = pa.table({
        "customer_id": ids,
        "first_purchase": pa.array(first, pa.date32()),
        "last_purchase": pa.array(last, pa.date32()),
        "frequency": pa.array(freq, pa.int64()),
        "orders": pa.array(orders, pa.int64()),
        "recency_days": pa.array(recency, pa.int64()),
        "tenure_days": pa.array(tenure, pa.int64()),
        "monetary_total": pa.array(money, pa.int64()),
        "rfm_r": pa.array(rng.integers(1, 6, n), pa.int32()),
        "rfm_f": pa.array(np.clip(freq, 1, 5), pa.int32()),
        "rfm_m": pa.array(rng.integers(1, 6, n), pa.int32()),
        "rfm_segment": rng.choice(["champions", "loyal", "at_risk", "hibernating", "new"], n).tolist(),
        "cpm_segment": [CPM[min(int(f) - 1, 4)] for f in freq],
        "cpm_active": pa.array(recency < 240),
        "stage": rng.choice(STAGES, n, p=[0.05, 0.45, 0.25, 0.15, 0.10]).tolist(),
        "journey_step": rng.choice(["trial", "repeat", "subscription", "cross_sell", "full_line", "advocate"], n,
                                   p=[0.45, 0.25, 0.12, 0.1, 0.05, 0.03]).tolist(),
        "temperature": rng.choice(TEMPS, n, p=[0.6, 0.25, 0.15]).tolist(),
        "p_alive": rng.uniform(0, 1, n),
        "expected_purchases_365d": rng.gamma(1.0, 0.8, n),
        "clv_12m": rng.gamma(1.2, 4000, n),
    })
    months = [dt.date(2024, 1, 1) + dt.timedelta(days=31 * i) for i in range(30)]
    months = [m.replace(day=1) for m in months]
    timeline = pa.table({
        "month": pa.array(months, pa.date32()),
        "revenue_new": rng.integers(200_000, 900_000, 30),
        "revenue_repeat": rng.integers(300_000, 1_200_000, 30),
        "revenue_subscription": rng.integers(50_000, 300_000, 30),
        "customers_lost": rng.integers(5, 40, 30),
        "active_base": rng.integers(200, 400, 30),
    })
    coh_rows = {"cohort": [], "months_since": [], "active_share": [], "ltv": []}
    for ci, c in enumerate(months[:18]):
        for m in range(0, 18 - ci):
            coh_rows["cohort"].append(c)
            coh_rows["months_since"].append(m)
            coh_rows["active_share"].append(1.0 if m == 0 else float(0.35 * np.exp(-m / 8) + rng.uniform(0, 0.05)))
            coh_rows["ltv"].append(6000 + 900 * m + float(rng.uniform(0, 500)))
    cohorts = pa.table({**coh_rows, "cohort": pa.array(coh_rows["cohort"], pa.date32())})
    f2 = pa.table({"within_days": [30, 60, 90, 180, 365], "rate": [0.12, 0.2, 0.25, 0.31, 0.36]})
    ladder = pa.table({"step": ["F2", "F3", "F4", "F5"], "rate": [0.36, 0.52, 0.61, 0.66],
                       "customers": [216, 112, 68, 45]})
    intervals = pa.table({"category": ["スキンケア", "サプリ", "ヘアケア"], "n": [400, 250, 90],
                          "median_days": [42.0, 30.0, 61.0], "p80_days": [75.0, 48.0, 110.0]})
    flow_rows = []
    periods = ["2025-06-30", "2025-12-31", "2026-06-30"]
    for a, b in zip(periods, periods[1:], strict=False):
        for i, s in enumerate(STAGES):
            for j, t in enumerate(STAGES):
                if abs(i - j) <= 1:
                    flow_rows.append((a, b, s, t, int(rng.integers(5, 80))))
    stage_flow = pa.table(dict(zip(["period_from", "period_to", "from_stage", "to_stage", "customers"],
                                   map(list, zip(*flow_rows, strict=True)), strict=True)))
    movement = pa.table({"stage": STAGES, "moved_share": [0.4, 0.3, 0.25, 0.15, 0.0],
                         "stalled_share": [0.2, 0.25, 0.2, 0.1, 0.05], "cooled_share": [0.3, 0.35, 0.2, 0.1, 0.05]})
    weeks = np.arange(1, 79)
    expected = np.cumsum(np.full(78, 12.0))
    holdout = pa.table({"week": weeks, "actual": expected + rng.normal(0, 8, 78), "expected": expected,
                        "calibration_end": np.full(78, 39)})
    meta = '{"as_of": "%s"}' % AS_OF.isoformat()
    return {"customers": customers, "timeline": timeline, "cohorts": cohorts, "f2": f2, "ladder": ladder,
            "intervals_category": intervals, "stage_flow": stage_flow, "stage_movement": movement,
            "holdout_tracking": holdout, "meta.json": meta}


IMPORT_LOG = [
    {"file": "/tmp/in/orders.csv", "preset": "generic", "table": "orders", "read": 1200, "accepted": 1180,
     "quarantined": 15, "duplicates": 5, "reasons": {"bad_date": 9, "missing_customer_id": 6}},
    {"file": "/tmp/in/customers.csv", "preset": "generic", "table": "customers", "read": 610, "accepted": 600,
     "quarantined": 0, "duplicates": 10, "reasons": {}},
]


# ---------------------------------------------------------------- fixtures
import pytest  # noqa: E402

BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture(scope="session")
def synthetic_ws(tmp_path_factory):
    """A workspace holding the synthetic results and an import log."""
    import horetsu

    ws = horetsu.init_workspace(tmp_path_factory.mktemp("report_ws") / "ws")
    ws.write_results(synthetic_results())
    ws.write_meta("import_log.json", IMPORT_LOG)
    return ws


@pytest.fixture(scope="session")
def synthetic_reports(synthetic_ws):
    """The ja and en reports of :func:`synthetic_ws` → {lang: path}."""
    from horetsu.report import build_report

    return {lang: build_report(synthetic_ws, lang=lang, out=synthetic_ws.path / f"r-{lang}.html")
            for lang in ("ja", "en")}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        yield b
        b.close()
