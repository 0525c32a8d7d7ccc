"""Benchmark: the per-customer summary through Ibis against hand-written DuckDB SQL.

    python benchmarks/bench_analytics.py                      # 10M orders, 1M customers
    python benchmarks/bench_analytics.py --orders 1e6 --customers 1e5 --repeat 3

Generates a skewed shop with NumPy (negative-binomial order counts: many one-time
buyers, a long tail of heavy buyers; exponential gaps between orders; lognormal basket
sizes; a few cancellations, returns and refunds; leads without orders; subscriptions),
writes it as a workspace, then measures in fresh child processes, interleaved:

- ``ibis``: ``customer_summary(ws, as_of).to_pyarrow()``
- ``sql_distinct``: a hand-written query with COUNT(DISTINCT ...) — what one writes first
- ``sql_preagg``: a hand-written query that pre-aggregates per (customer, day)

Each child reports wall time and its peak RSS.  Then the whole ``horetsu analyze``
runs once (wall time, peak RSS, per-step times from results/meta.json), and DuckDB's
profiler shows where the time of the Ibis query goes.  Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

AS_OF = "2024-12-31"
EXCLUDE = ("cancelled", "returned", "refunded")


# ----------------------------------------------------------------- data
def generate(root: Path, n_orders: int, n_customers: int, seed: int = 0) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    import horetsu

    rng = np.random.default_rng(seed)
    ws = horetsu.init_workspace(root)
    ids = pc.binary_join_element_wise("C", pc.cast(pa.array(np.arange(n_customers) + 1_000_000), pa.string()), "")
    # skewed order counts: mean n_orders / n_customers, many ones, a long tail
    mean = n_orders / n_customers
    counts = 1 + rng.negative_binomial(0.35, 0.35 / (0.35 + mean - 1), n_customers)
    cust = np.repeat(np.arange(n_customers), counts)
    if len(cust) >= n_orders:
        cust = cust[:n_orders]
    else:
        cust = np.concatenate([cust, rng.integers(0, n_customers, n_orders - len(cust))])
    cust.sort(kind="stable")
    n = len(cust)
    # order days: exponential gaps within a customer (customer-specific pace); the first
    # day is placed so that the customer's history fits in the six years up to AS_OF
    span = 6 * 365
    gaps = rng.exponential(rng.gamma(2.0, 40.0, n_customers)[cust]).astype(np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(cust)) + 1]
    gaps[starts] = 0
    csum = np.cumsum(gaps)
    csum -= np.repeat(csum[starts], np.diff(np.r_[starts, n]))
    length = np.zeros(n_customers, np.int64)
    np.maximum.at(length, cust, csum)
    first = (rng.random(n_customers) * np.maximum(span - length, 1)).astype(np.int64)
    offset = np.minimum(first[cust] + csum, span - 1)
    day = offset.astype("int32") + int(np.datetime64("2019-01-02").astype("int64"))
    day_arr = pa.array(day, pa.int32()).cast(pa.date32())
    ts = pc.add(pc.cast(day_arr, pa.timestamp("s")), pa.scalar(10 * 3600, pa.duration("s")))
    statuses = np.array(["completed", "cancelled", "returned", "refunded"])
    status = statuses[np.searchsorted([0.95, 0.98, 0.99], rng.random(n))]
    cats = np.array(["skincare", "haircare", "supplement", "food", "drink", "bodycare", "gift", "goods"])
    cat_idx = np.minimum(rng.geometric(0.35, n) - 1, len(cats) - 1)
    chans = np.array(["web", "rakuten", "amazon", "phone"])
    sub = rng.random(n) < 0.05
    sub_ids = pc.if_else(pa.array(sub), pc.binary_join_element_wise("S", pc.cast(pa.array(cust), pa.string()), ""), None)
    orders = pa.table(
        {
            "order_id": pc.cast(pa.array(np.arange(n, dtype=np.int64) + 10_000_000), pa.string()),
            "customer_id": ids.take(pa.array(cust)),
            "ordered_at": pc.assume_timezone(ts, "Asia/Tokyo").cast(pa.timestamp("us", tz="Asia/Tokyo")),
            "order_date": day_arr,
            "status": pa.array(status),
            "total_jpy": pa.array(np.round(rng.lognormal(8.4, 0.6, n) / 10).astype(np.int64) * 10),
            "category": pa.array(cats[cat_idx]),
            "channel": pa.array(chans[rng.integers(0, 4, n)]),
            "subscription_id": sub_ids,
        }
    )
    leads = pc.binary_join_element_wise("L", pc.cast(pa.array(np.arange(n_customers // 10)), pa.string()), "")
    customers = pa.table({"customer_id": pa.concat_arrays([ids, leads])})
    sub_cust = np.unique(cust[sub])
    subs = pa.table(
        {
            "subscription_id": pc.binary_join_element_wise("S", pc.cast(pa.array(sub_cust), pa.string()), ""),
            "customer_id": ids.take(pa.array(sub_cust)),
            "status": pa.array(np.where(rng.random(len(sub_cust)) < 0.6, "active", "cancelled")),
        }
    )
    ws.write_tables({"orders": orders, "customers": customers, "subscriptions": subs})


# ------------------------------------------------------------ the queries
def _sql(ws, preagg: bool) -> str:
    t = ws.tables_dir
    excl = ", ".join(f"'{s}'" for s in EXCLUDE)
    base = f"""
    o AS (
      SELECT order_id, customer_id, order_date, total_jpy, category,
             coalesce(status, 'completed') NOT IN ({excl}) AS paid
      FROM read_parquet('{t}/orders.parquet')
      WHERE customer_id IS NOT NULL AND order_date IS NOT NULL AND order_date <= DATE '{AS_OF}'
    ),"""
    if preagg:
        per = """
    d AS (
      SELECT customer_id, order_date, count(*) FILTER (WHERE paid) AS n, sum(total_jpy) FILTER (WHERE paid) AS rev
      FROM o GROUP BY customer_id, order_date
    ),
    per AS (
      SELECT customer_id, min(order_date) FILTER (WHERE n > 0) AS first_purchase,
             max(order_date) FILTER (WHERE n > 0) AS last_purchase,
             count(*) FILTER (WHERE n > 0) AS frequency, sum(n) AS orders, sum(rev) AS monetary_total
      FROM d GROUP BY customer_id
    ),"""
    else:
        per = """
    per AS (
      SELECT customer_id, min(order_date) FILTER (WHERE paid) AS first_purchase,
             max(order_date) FILTER (WHERE paid) AS last_purchase,
             count(DISTINCT order_date) FILTER (WHERE paid) AS frequency,
             count(*) FILTER (WHERE paid) AS orders, sum(total_jpy) FILTER (WHERE paid) AS monetary_total
      FROM o GROUP BY customer_id
    ),"""
    return f"""
    WITH {base}{per}
    cats AS (
      SELECT customer_id, count(*) AS categories FROM (
        SELECT customer_id, category FROM o WHERE paid AND category IS NOT NULL
        UNION
        SELECT o.customer_id, l.category FROM read_parquet('{t}/order_lines.parquet') l JOIN o USING (order_id)
        WHERE o.paid AND l.category IS NOT NULL AND coalesce(l.line_type, 'product') = 'product'
      ) GROUP BY customer_id
    ),
    subs AS (
      SELECT DISTINCT customer_id FROM read_parquet('{t}/subscriptions.parquet')
      WHERE customer_id IS NOT NULL
        AND (started_at IS NULL OR started_at < TIMESTAMPTZ '{AS_OF} 00:00:00+09' + INTERVAL 1 DAY)
        AND ((cancelled_at IS NULL AND lower(coalesce(status, 'active')) NOT IN
              ('cancelled', 'canceled', 'ended', 'expired', 'paused'))
             OR cancelled_at >= TIMESTAMPTZ '{AS_OF} 00:00:00+09' + INTERVAL 1 DAY)
    ),
    listed AS (
      SELECT DISTINCT customer_id FROM read_parquet('{t}/customers.parquet')
      WHERE customer_id IS NOT NULL
        AND (registered_at IS NULL OR registered_at < TIMESTAMPTZ '{AS_OF} 00:00:00+09' + INTERVAL 1 DAY)
    ),
    u AS (
      SELECT coalesce(per.customer_id, listed.customer_id) AS customer_id, per.* EXCLUDE (customer_id)
      FROM per FULL OUTER JOIN listed ON per.customer_id = listed.customer_id
    )
    SELECT u.customer_id, first_purchase, last_purchase,
           coalesce(frequency, 0) AS frequency, coalesce(orders, 0) AS orders,
           date_diff('day', last_purchase, DATE '{AS_OF}') AS recency_days,
           date_diff('day', first_purchase, last_purchase) AS tenure_days,
           date_diff('day', first_purchase, DATE '{AS_OF}') AS age_days,
           coalesce(monetary_total, 0) AS monetary_total,
           CASE WHEN orders > 0 THEN monetary_total::DOUBLE / orders END AS monetary_mean,
           coalesce(cats.categories, 0) AS categories,
           subs.customer_id IS NOT NULL AS subscription_active
    FROM u LEFT JOIN cats USING (customer_id) LEFT JOIN subs USING (customer_id)
    """


def _peak_mib() -> float:
    """This process's peak resident memory (VmHWM; ru_maxrss would include the parent's at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(method: str, root: str) -> None:
    """Run one measurement and print JSON (seconds, peak RSS in MiB, rows)."""
    import duckdb

    import horetsu
    from horetsu.analytics import customer_summary

    ws = horetsu.open_workspace(root)
    ws.con  # noqa: B018 - connect outside the timed region, as for the SQL below
    con = duckdb.connect()
    rss0 = _peak_mib()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if method == "ibis":
        table = customer_summary(ws, AS_OF).to_pyarrow()
    else:
        table = con.sql(_sql(ws, preagg=method == "sql_preagg")).to_arrow_table()
    dt = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak = _peak_mib()
    print(json.dumps({"method": method, "seconds": dt, "cpu_seconds": cpu, "peak_mib": peak, "start_mib": rss0, "rows": table.num_rows,
                      "frequency_sum": int(table["frequency"].to_numpy().sum()),
                      "categories_sum": int(table["categories"].to_numpy().sum())}))


def run_child(method: str, root: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", method, "--root", str(root)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def profile(root: Path) -> list[tuple[str, float, int]]:
    """DuckDB's profile of the Ibis query: time per operator type, largest first."""
    import horetsu
    from horetsu.analytics import customer_summary

    ws = horetsu.open_workspace(root)
    expr = customer_summary(ws, AS_OF)
    con = ws.con.con  # the raw duckdb connection behind Ibis
    path = root / "profile.json"
    con.execute("PRAGMA enable_profiling='json'")
    con.execute(f"PRAGMA profiling_output='{path}'")
    con.execute(str(expr.compile())).to_arrow_table()
    con.execute("PRAGMA disable_profiling")
    tree = json.loads(path.read_text())
    totals: dict[str, list[float]] = {}

    def walk(node: dict) -> None:
        name = node.get("operator_name") or node.get("name") or "?"
        timing = float(node.get("operator_timing", 0.0))
        card = int(node.get("operator_cardinality", 0))
        acc = totals.setdefault(name.strip(), [0.0, 0])
        acc[0] += timing
        acc[1] = max(acc[1], card)
        for ch in node.get("children", []):
            walk(ch)

    walk(tree)
    return sorted(((k, v[0], v[1]) for k, v in totals.items()), key=lambda x: -x[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=float, default=10_000_000)
    ap.add_argument("--customers", type=float, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--root", default="/tmp/horetsu-bench-analytics")
    ap.add_argument("--child")
    ap.add_argument("--no-analyze", action="store_true")
    ap.add_argument("--analyze-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    root = Path(args.root)
    if args.child:
        child(args.child, str(root))
        return
    if args.analyze_child:
        from horetsu.cli.app import main as cli

        code = cli(["analyze", "-w", str(root), "--as-of", AS_OF])
        print(f"peak RSS {_peak_mib():.0f} MiB")
        raise SystemExit(code)
    n_orders, n_customers = int(args.orders), int(args.customers)
    marker = root / f".generated-{n_orders}-{n_customers}"
    if not marker.exists():
        t0 = time.perf_counter()
        generate(root, n_orders, n_customers)
        marker.write_text("ok")
        print(f"generated {n_orders:,} orders of {n_customers:,} customers in {time.perf_counter() - t0:.1f} s")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    results: dict[str, list[dict]] = {"ibis": [], "sql_distinct": [], "sql_preagg": []}
    for _ in range(args.repeat):
        for method in results:
            results[method].append(run_child(method, root))
    rows = {r["rows"] for rs in results.values() for r in rs}
    sums = {(r["frequency_sum"], r["categories_sum"]) for rs in results.values() for r in rs}
    assert len(rows) == 1 and len(sums) == 1, f"the queries disagree: {rows} {sums}"
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in results.items()}
    peak = {m: max(r["peak_mib"] for r in rs) for m, rs in results.items()}
    cpu = {m: statistics.median(r["cpu_seconds"] for r in rs) for m, rs in results.items()}
    print(f"customer_summary, {rows.pop():,} rows; median of {args.repeat} runs (s), peak RSS (MiB):")
    for m in results:
        times = ", ".join(f"{r['seconds']:.2f}" for r in results[m])
        print(f"  {m:13s} median {med[m]:6.2f} s  [{times}]  CPU {cpu[m]:6.2f} s  peak {peak[m]:7.0f} MiB")
    best_sql = min(med["sql_distinct"], med["sql_preagg"])
    print(f"  ratio ibis / best hand SQL = {med['ibis'] / best_sql:.2f}x; "
          f"ibis / COUNT(DISTINCT) SQL = {med['ibis'] / med['sql_distinct']:.2f}x; "
          f"CPU ibis / best SQL = {cpu['ibis'] / min(cpu['sql_distinct'], cpu['sql_preagg']):.2f}x")
    print("where the Ibis query's time goes (DuckDB profiler, operator time summed over threads):")
    for name, secs, card in profile(root)[:8]:
        print(f"  {name:28s} {secs:7.2f} s   max rows {card:,}")
    if not args.no_analyze:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--analyze-child", "--root", str(root)],
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(f"horetsu analyze failed ({proc.returncode}): {proc.stderr.strip()[-400:]}")
        else:
            meta = json.loads((root / "results" / "meta.json").read_text())
            peak_line = proc.stdout.strip().splitlines()[-1]
            print(f"horetsu analyze: {wall:.1f} s wall (process start to exit), {peak_line}")
            for step, secs in meta.get("timings_s", {}).items():
                print(f"  {step:22s} {secs:7.2f} s")


if __name__ == "__main__":
    main()
