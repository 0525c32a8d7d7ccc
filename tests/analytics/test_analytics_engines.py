"""The same analytics on DuckDB, PostgreSQL and PySpark give the same results.

A generated shop (a few hundred customers, skewed order counts, same-day orders,
cancellations, orders after the as-of day, leads, subscriptions, order lines) is
published to a temporary PostgreSQL server and to a local Spark session; every
result table of ``analyze`` must match DuckDB's: exact for integers, strings, dates
and booleans, within 1e-9 relative for floats.  Each customer's order totals are
``1000·i + 1`` yen, so cumulative spends are all distinct (the Spark decile and
quantile paths then cut at the same places as the exact ones).
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pyarrow as pa
import pytest

from horetsu.analytics import RESULT_NAMES
from horetsu.pipeline import analyze

pytestmark = [pytest.mark.engines, pytest.mark.slow]

AS_OF = dt.date(2024, 12, 31)
JST = dt.timezone(dt.timedelta(hours=9))


def generated_shop(n: int = 400, seed: int = 11) -> dict[str, pa.Table]:
    rng = np.random.default_rng(seed)
    start = dt.date(2022, 1, 1)
    orders: dict[str, list] = {k: [] for k in ("order_id", "customer_id", "ordered_at", "order_date", "status",
                                               "total_jpy", "category", "channel", "subscription_id")}
    lines: dict[str, list] = {k: [] for k in ("order_id", "line_no", "line_type", "sku", "category", "line_total_jpy")}
    subs: dict[str, list] = {k: [] for k in ("subscription_id", "customer_id", "status", "started_at", "cancelled_at")}
    n_orders = rng.geometric(0.35, n)
    first = rng.integers(0, 1150, n)
    cats = np.array(["skin", "body", "food", ""], dtype=object)
    chans = np.array(["web", "rakuten", ""], dtype=object)
    statuses = np.array(["completed"] * 17 + ["cancelled", "returned", ""], dtype=object)
    for i in range(n):
        cid = f"C{i:04d}"
        gaps = np.where(rng.random(n_orders[i]) < 0.12, 0, rng.exponential(70, n_orders[i]).astype(int) + 1)
        gaps[0] = 0
        days = first[i] + np.cumsum(gaps)
        sub = f"S{i:04d}" if rng.random() < 0.15 and n_orders[i] > 2 else None
        for j, d in enumerate(days):
            day = start + dt.timedelta(days=int(d))
            oid = f"{cid}-{j}"
            status = statuses[rng.integers(0, len(statuses))] or None
            orders["order_id"].append(oid)
            orders["customer_id"].append(cid)
            orders["ordered_at"].append(dt.datetime(day.year, day.month, day.day, int(rng.integers(0, 24)), tzinfo=JST))
            orders["order_date"].append(day)
            orders["status"].append(status)
            orders["total_jpy"].append(1000 * (i + 1) + 1)
            orders["category"].append(cats[rng.integers(0, 4)] or None)
            orders["channel"].append(chans[rng.integers(0, 3)] or None)
            orders["subscription_id"].append(sub if sub and j >= 1 else None)
            for k in range(int(rng.integers(1, 3))):
                lines["order_id"].append(oid)
                lines["line_no"].append(k + 1)
                lines["line_type"].append("product")
                lines["sku"].append(f"SKU{int(rng.integers(0, 6))}")
                lines["category"].append(cats[rng.integers(0, 3)])
                lines["line_total_jpy"].append(500)
            if rng.random() < 0.3:
                lines["order_id"].append(oid)
                lines["line_no"].append(9)
                lines["line_type"].append("shipping")
                lines["sku"].append(None)
                lines["category"].append("shipping")
                lines["line_total_jpy"].append(600)
        if sub:
            s_day = start + dt.timedelta(days=int(days[1]))
            cancelled = rng.random() < 0.5
            subs["subscription_id"].append(sub)
            subs["customer_id"].append(cid)
            subs["status"].append("cancelled" if cancelled else "active")
            subs["started_at"].append(dt.datetime(s_day.year, s_day.month, s_day.day, 9, tzinfo=JST))
            c_day = s_day + dt.timedelta(days=int(rng.integers(30, 400)))
            subs["cancelled_at"].append(dt.datetime(c_day.year, c_day.month, c_day.day, 9, tzinfo=JST) if cancelled else None)
    ids = [f"C{i:04d}" for i in range(n) if rng.random() < 0.8] + [f"L{i:03d}" for i in range(40)]
    reg = [None if rng.random() < 0.5 else dt.datetime(2021, 6, 1, tzinfo=JST) + dt.timedelta(days=int(rng.integers(0, 1400)))
           for _ in ids]
    customers = pa.table({"customer_id": ids, "registered_at": pa.array(reg, pa.timestamp("us", tz="Asia/Tokyo")),
                          "channel": [chans[rng.integers(0, 3)] or None for _ in ids]})
    ts = pa.timestamp("us", tz="Asia/Tokyo")
    return {
        "orders": pa.table({**orders, "ordered_at": pa.array(orders["ordered_at"], ts)}),
        "order_lines": pa.table({**lines, "line_no": pa.array(lines["line_no"], pa.int32())}),
        "subscriptions": pa.table({**subs, "started_at": pa.array(subs["started_at"], ts),
                                   "cancelled_at": pa.array(subs["cancelled_at"], ts)}),
        "customers": customers,
    }


@pytest.fixture(scope="module")
def engine_ws(tmp_path_factory):
    import horetsu

    ws = horetsu.init_workspace(tmp_path_factory.mktemp("engines") / "ws")
    ws.write_tables(generated_shop())
    return ws


@pytest.fixture(scope="module")
def duckdb_results(engine_ws):
    return analyze(engine_ws, AS_OF, models=False, stages=False).tables


def _canonical(table: pa.Table) -> list[dict]:
    keys = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
    rows = table.to_pylist()
    return sorted(rows, key=lambda r: tuple((r[k] is None, r[k] if r[k] is not None else 0) for k in keys))


def assert_same(name: str, got: pa.Table, want: pa.Table) -> None:
    assert got.column_names == want.column_names, name
    for f_got, f_want in zip(got.schema, want.schema, strict=True):
        assert f_got.type == f_want.type, (name, f_got, f_want)
    g, w = _canonical(got), _canonical(want)
    assert len(g) == len(w), name
    for rg, rw in zip(g, w, strict=True):
        for col, vw in rw.items():
            vg = rg[col]
            if isinstance(vw, float) and vw is not None and vg is not None:
                assert math.isclose(vg, vw, rel_tol=1e-9, abs_tol=1e-12), (name, col, rg, rw)
            else:
                assert vg == vw, (name, col, rg, rw)


def test_generated_shop_exercises_the_edge_cases(duckdb_results):
    c = duckdb_results["customers"]
    freq = c["frequency"].to_pylist()
    assert 0 in freq and max(freq) >= 6  # leads and heavy buyers
    assert set(c["cpm_segment"].to_pylist()) >= {"first_time", "budding", "steady", "trend", "loyal", None}
    assert duckdb_results["intervals_sku"].num_rows == 6
    assert duckdb_results["deciles"].num_rows == 10


def _check_engine(ws, duckdb_results):
    results = analyze(ws, AS_OF, models=False, stages=False).tables
    for name in RESULT_NAMES:
        assert_same(name, results[name], duckdb_results[name])


@pytest.mark.xdist_group("postgres")  # one server / session per worker
def test_postgres_gives_identical_results(engine_ws, duckdb_results, pg_url):
    import horetsu

    ws = horetsu.open_workspace(engine_ws.path, engine=pg_url)
    assert ws.con.name == "postgres"
    ws.publish(ws.con)
    _check_engine(ws, duckdb_results)


@pytest.mark.xdist_group("postgres")  # one server / session per worker
def test_cli_analyze_on_postgres(engine_ws, duckdb_results, pg_url, tmp_path, capsys):
    import horetsu
    from horetsu.cli.app import main

    empty = horetsu.init_workspace(tmp_path / "empty")
    code = main(["--lang", "en", "analyze", "-w", str(empty.path), "--engine", pg_url.replace("/postgres", "/template1")])
    assert code == 3 and "has no table 'orders'" in capsys.readouterr().err
    ws = horetsu.open_workspace(engine_ws.path, engine=pg_url)
    ws.publish(ws.con)
    # the whole analyze, models and stages included, runs on PostgreSQL
    code = main(["--lang", "en", "analyze", "-w", str(engine_ws.path), "--engine", pg_url, "--as-of", str(AS_OF)])
    assert code == 0, capsys.readouterr().err
    meta = json.loads((engine_ws.results_dir / "meta.json").read_text())
    assert meta["engine"] == "postgres"
    on_pg = horetsu.open_workspace(engine_ws.path).read_result("customers").sort_by("customer_id")
    assert_same("cpm_cells", horetsu.open_workspace(engine_ws.path).read_result("cpm_cells"), duckdb_results["cpm_cells"])
    on_duck = analyze(horetsu.open_workspace(engine_ws.path), AS_OF).tables["customers"].sort_by("customer_id")
    for col in ("stage", "journey_step", "temperature", "stage_evidence"):
        assert on_pg.column(col).to_pylist() == on_duck.column(col).to_pylist(), col
    for col in ("p_alive", "clv_12m"):
        pg_vals, duck_vals = on_pg.column(col).to_pylist(), on_duck.column(col).to_pylist()
        assert [v is None for v in pg_vals] == [v is None for v in duck_vals], col  # leads have no score
        scored = [(a, b) for a, b in zip(pg_vals, duck_vals, strict=True) if b is not None]
        assert scored and [a for a, _ in scored] == pytest.approx([b for _, b in scored], rel=1e-9), col


@pytest.mark.xdist_group("spark")  # one server / session per worker
def test_pyspark_gives_identical_results(engine_ws, duckdb_results, spark_con, spark_publish):
    import horetsu

    ws = horetsu.open_workspace(engine_ws.path).attach(spark_con)
    assert ws.con.name == "pyspark"
    spark_publish(spark_con, ws)
    _check_engine(ws, duckdb_results)


@pytest.mark.xdist_group("spark")  # one server / session per worker
def test_publish_to_spark_keeps_nulls(engine_ws, spark_con):
    """ibis' own PySpark create_table turned null strings into 'NaN'; publish must not."""
    import horetsu

    ws = horetsu.open_workspace(engine_ws.path).attach(spark_con)
    ws.publish(spark_con, names=("order_lines", "subscriptions"))
    spark = spark_con._session
    local = engine_ws.read_arrow("order_lines")
    got = spark.sql("SELECT count(*) AS n, count(sku) AS skus, sum(line_total_jpy) AS total FROM default.order_lines").collect()[0]
    assert (got["n"], got["skus"], got["total"]) == (
        local.num_rows, local.num_rows - local["sku"].null_count, sum(local["line_total_jpy"].to_pylist()),
    )
    subs = engine_ws.read_arrow("subscriptions")
    nulls = spark.sql("SELECT count(*) AS n FROM default.subscriptions WHERE cancelled_at IS NULL").collect()[0]["n"]
    assert nulls == subs["cancelled_at"].null_count > 0


@pytest.mark.xdist_group("spark")  # one server / session per worker
def test_whole_analyze_on_pyspark_equals_duckdb(engine_ws, spark_con, spark_publish):
    """The pipeline (analytics, models, stages, history, gate counts) on Spark, row for row."""
    import horetsu

    ws = horetsu.open_workspace(engine_ws.path).attach(spark_con)
    spark_publish(spark_con, ws)
    ws.refresh()
    assert ws.con is spark_con  # an attached connection survives a refresh
    on_spark = analyze(ws, AS_OF).tables
    on_duck = analyze(horetsu.open_workspace(engine_ws.path), AS_OF).tables
    a, b = on_spark["customers"].sort_by("customer_id"), on_duck["customers"].sort_by("customer_id")
    assert a.column("customer_id").to_pylist() == b.column("customer_id").to_pylist()
    for col in ("stage", "stage_rule", "journey_step", "temperature", "stage_evidence", "next_action",
                "frequency", "monetary_total", "cpm_segment"):
        assert a.column(col).to_pylist() == b.column(col).to_pylist(), col
    for col in ("p_alive", "clv_12m"):
        got, want = a.column(col).to_pylist(), b.column(col).to_pylist()
        assert [v is None for v in got] == [v is None for v in want], col
        pairs = [(x, y) for x, y in zip(got, want, strict=True) if y is not None]
        assert [x for x, _ in pairs] == pytest.approx([y for _, y in pairs], rel=1e-9), col
    for name in ("gate_counts", "funnel", "stage_flow"):
        assert on_spark[name].to_pylist() == on_duck[name].to_pylist(), name
