"""Benchmark: step mails. ``horetsu mail plan`` over many customers, and sending to loopback.

    python benchmarks/bench_mail.py                       # 1,000,000 customers, 1,000 mails
    python benchmarks/bench_mail.py --customers 1e5 --mails 500 --repeat 3

Plan: a synthetic shop (NumPy: one to a few purchase days per customer over two years,
categories with 30- and 90-day rhythms, subscriptions, leads) written as a workspace with
stored results (stage, temperature), the shipped sequences installed; ``horetsu mail plan``
is timed in fresh child processes (wall time, peak RSS), the whole set-based path included:
the facts query, the DuckDB plan of every sequence and the gate once per tactic.

Send: ``--mails`` customers whose first purchase was yesterday, an aiosmtpd server on
loopback in its own process; ``horetsu mail run`` is timed and the rate is messages that
arrived per second of the send phase (claim, checks, render, SMTP, commits).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
NOW = "2026-09-30T10:00"
JST = dt.timezone(dt.timedelta(hours=9))


def shop(root: Path, n: int, *, first_day: dt.date | None = None, smtp_port: int = 1, seed: int = 0) -> None:
    import numpy as np
    import pyarrow as pa

    import horetsu
    from horetsu import schema
    from horetsu.mail.sequences import install_defaults

    rng = np.random.default_rng(seed)
    ws = horetsu.init_workspace(root)
    install_defaults(ws)
    ids = np.char.add("C", np.arange(n).astype(str)).astype(object)
    end = dt.date(2026, 9, 30)
    buyers = rng.random(n) < 0.85
    k = np.where(buyers, rng.geometric(0.55, n), 0)
    if first_day is not None:
        k[:] = 1
        buyers[:] = True
    cust_of = np.repeat(np.arange(n), k)
    m = len(cust_of)
    if first_day is None:
        days = (np.datetime64(end) - rng.integers(0, 730, m).astype("timedelta64[D]"))
    else:
        days = np.full(m, np.datetime64(first_day))
    reg = np.datetime64(end) - rng.integers(0, 900, n).astype("timedelta64[D]")
    cats = np.array(["tea", "cream", "supplement"], dtype=object)[rng.integers(0, 3, m)]
    ts = lambda d: pa.array(d.astype("datetime64[s]") + np.timedelta64(3600, "s"), pa.timestamp("us", tz="UTC"))  # noqa: E731
    customers = pa.table({
        "customer_id": pa.array(ids, pa.string()),
        "email_norm": pa.array(np.char.add(ids.astype(str), "@example.com"), pa.string()),
        "name": pa.array(ids, pa.string()), "registered_at": ts(reg).cast(schema.TS),
        "accepts_email": pa.array(rng.random(n) < 0.8),
    })
    orders = pa.table({
        "order_id": pa.array(np.char.add("O", np.arange(m).astype(str)), pa.string()),
        "customer_id": pa.array(ids[cust_of], pa.string()),
        "ordered_at": ts(days).cast(schema.TS), "order_date": pa.array(days.astype("datetime64[D]"), pa.date32()),
        "total_jpy": pa.array(rng.integers(1000, 9000, m), pa.int64()), "category": pa.array(cats, pa.string()),
    })
    stage = np.where(k == 0, "observer", np.where(k == 1, "landing", "empathy")).astype(object)
    temp = np.array(["active", "cooling", "lapsed"], dtype=object)[rng.integers(0, 3, n)]
    ws.write_tables({"customers": schema.conform("customers", customers), "orders": schema.conform("orders", orders)})
    ws.write_results({
        "customers": pa.table({"customer_id": pa.array(ids, pa.string()), "stage": pa.array(stage, pa.string()),
                               "temperature": pa.array(temp, pa.string())}),
        "intervals_category": pa.table({"category": ["tea", "cream", "supplement"], "intervals": [1, 1, 1],
                                        "customers": [1, 1, 1], "median_days": [30, 90, 45], "p80_days": [40, 120, 60],
                                        "mean_days": [31.0, 92.0, 47.0]}),
    })
    (root / "horetsu.toml").write_text(f"""
[mail]
from_address = "shop@example.jp"
sender_name = "bench shop"
postal_address = "Tokyo"
contact = "support@example.jp"
public_url = "https://shop.example.jp"
smtp_url = "smtp://127.0.0.1:{smtp_port}"
cap_max = 100
batch_size = 500
""", encoding="utf-8")


def child(args: list[str]) -> tuple[float, float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)
    code = ("import resource, sys, time; t = time.perf_counter(); from horetsu.cli.app import main; rc = main(sys.argv[1:]); "
            "u = resource.getrusage(resource.RUSAGE_SELF); "
            "print('WALL', time.perf_counter() - t, u.ru_maxrss, u.ru_utime + u.ru_stime); sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(out.stderr)
    wall, rss, cpu = out.stdout.strip().splitlines()[-1].split()[1:]
    return float(wall), float(rss) / 1024, float(cpu), out.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=float, default=1e6)
    ap.add_argument("--mails", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    n = int(a.customers)
    t = time.perf_counter()
    shop(tmp / "plan", n)
    print(f"shop of {n:,} customers written in {time.perf_counter() - t:.1f} s")
    walls, rss, cpus = [], [], []
    for _ in range(a.repeat):
        w, r, c, out = child(["mail", "plan", "--now", NOW, "--workspace", str(tmp / "plan")])
        walls.append(w)
        rss.append(r)
        cpus.append(c)
    print(out)
    print(f"mail plan, {n:,} customers: median {statistics.median(walls):.1f} s wall "
          f"(runs {', '.join(f'{x:.1f}' for x in walls)}), CPU {statistics.median(cpus):.1f} s, "
          f"peak RSS {max(rss):.0f} MB, load {os.getloadavg()[0]:.1f}")

    sys.path.insert(0, str(HERE.parent / "tests" / "mail"))
    from mailkit import Smtp

    rates, cpu_rates = [], []
    for i in range(a.repeat):
        (tmp / f"smtp{i}").mkdir()
        server = Smtp(tmp / f"smtp{i}")
        try:
            root = tmp / f"send{i}"
            shop(root, a.mails, first_day=dt.date(2026, 9, 29), smtp_port=server.port, seed=i)
            # only the first-purchase thank-you is due: one message per customer with consent
            w, _, _, out = child(["mail", "run", "--now", NOW, "--workspace", str(root)])
            arrived = len(server.messages())
            line = next(x for x in out.splitlines() if x.startswith("send phase")).split()
            send_s, cpu_s = float(line[2]), float(line[5])
            rates.append(arrived / send_s)
            cpu_rates.append(arrived / cpu_s)
            print(out.strip().splitlines()[0], f"-> {arrived} arrived; send phase {send_s:.2f} s wall, "
                  f"{cpu_s:.2f} s CPU of the worker; whole command {w:.1f} s; load {os.getloadavg()[0]:.1f}")
        finally:
            server.stop()
    print(f"mail run to loopback SMTP: median {statistics.median(rates):.0f} messages/s in the send phase "
          f"(runs {', '.join(f'{x:.0f}' for x in rates)}); "
          f"{statistics.median(cpu_rates):.0f} messages per CPU-second of the worker")
    print(json.dumps({"plan_wall_s": walls, "plan_cpu_s": cpus, "send_rate": rates, "send_rate_cpu": cpu_rates}))


if __name__ == "__main__":
    main()
