"""Benchmark: step mails (issue 11's two speed figures), one command.

    python benchmarks/bench_mail.py                  # 1,000,000 customers, two shapes; 2,000 mails
    python benchmarks/bench_mail.py --customers 1e5 --mails 500 --repeat 3

**Plan.**  A synthetic shop per data shape (NumPy, written as a workspace with the shipped
sequences installed): ``onetime`` (most buyers bought once: the first-purchase and lead
sequences carry the load) and ``heavy`` (repeat buyers with several purchase days each over
two years, 30/45/90-day categories).  ``horetsu analyze`` runs once per shape first (untimed
here: it has its own benchmark), so ``horetsu mail plan`` reads fresh results as it does in
daily use; the plan is then timed in fresh child processes: wall, CPU (user + system of the
process, DuckDB's threads included) and peak RSS, imports included.

**Send.**  ``--mails`` customers whose first purchase was yesterday (one thank-you each is
due; the ones without a consent record are skipped), an aiosmtpd server on loopback in its
own process: ``benchmarks/smtp_sink.py`` (records recipient and Message-ID, no parsing)
for the headline figure, and the tests' recording server (``tests/mail/smtp_server.py``:
parses every message and fsyncs its log) beside it.  ``horetsu mail run`` is the worker;
the rate is messages that arrived per second of its send phase (claims, checks, gate,
rendering, commits, SMTP).  The 1-minute load average is printed beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
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


SHAPES = {  # purchase days per buyer: (share of buyers who bought once, geometric p of the extra days)
    "onetime": (0.9, 0.5),
    "heavy": (0.1, 0.3),
}


def shop(root: Path, n: int, *, first_day: dt.date | None = None, smtp_port: int = 1, seed: int = 0,
         shape: str = "onetime") -> None:
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
    once, p_more = SHAPES[shape]
    k = np.where(buyers, np.where(rng.random(n) < once, 1, 1 + rng.geometric(p_more, n)), 0)
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
    ws.write_tables({"customers": schema.conform("customers", customers), "orders": schema.conform("orders", orders)})
    (root / "horetsu.toml").write_text(f"""
[mail]
from_address = "shop@example.jp"
sender_name = "bench shop"
postal_address = "Tokyo"
contact = "support@example.jp"
public_url = "https://shop.example.jp"
smtp_url = "smtp://127.0.0.1:{smtp_port}"
cap_max = 100
""", encoding="utf-8")


def child(args: list[str]) -> tuple[float, float, float, str]:
    """(wall s, peak RSS MB, CPU s, stdout) of ``horetsu ARGS`` in a fresh process."""
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


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def bench_plan(tmp: Path, n: int, shape: str, repeat: int) -> dict:
    root = tmp / f"plan-{shape}"
    t = time.perf_counter()
    shop(root, n, shape=shape)
    made = time.perf_counter() - t
    w, _, c, _ = child(["analyze", "--workspace", str(root)])
    print(f"[{shape}] shop of {n:,} customers written in {made:.1f} s; horetsu analyze {w:.1f} s wall, "
          f"{c:.1f} s CPU (setup, not the figure)", flush=True)
    walls, rss, cpus, loads = [], [], [], []
    for _ in range(repeat):
        w, r, c, out = child(["mail", "plan", "--now", NOW, "--workspace", str(root)])
        walls.append(w)
        rss.append(r)
        cpus.append(c)
        loads.append(load())
    due = sum(int(x.split("│")[4].strip().replace(",", "")) for x in out.splitlines()
              if x.count("│") >= 5 and x.split("│")[3].strip() == "due")
    print(f"mail plan, {n:,} customers, shape {shape} ({due:,} due now): median {statistics.median(walls):.1f} s wall "
          f"(runs {', '.join(f'{x:.1f}' for x in walls)}), CPU {statistics.median(cpus):.1f} s, "
          f"peak RSS {max(rss):.0f} MB; load {', '.join(loads)}", flush=True)
    return {"shape": shape, "customers": n, "due": due, "wall_s": walls, "cpu_s": cpus, "peak_rss_mb": max(rss), "load": loads}


def bench_send(tmp: Path, mails: int, repeat: int, server_kind: str) -> dict:
    sys.path.insert(0, str(HERE.parent / "tests" / "mail"))
    from mailkit import Smtp

    rates, cpu_rates, loads = [], [], []
    for i in range(repeat):
        folder = tmp / f"smtp-{server_kind}{i}"
        folder.mkdir()
        if server_kind == "sink":
            server = Sink(folder)
        else:
            server = Smtp(folder)
        try:
            root = tmp / f"send-{server_kind}{i}"
            shop(root, mails, first_day=dt.date(2026, 9, 29), smtp_port=server.port, seed=i)
            child(["analyze", "--workspace", str(root)])
            w, _, _, out = child(["mail", "run", "--now", NOW, "--workspace", str(root)])
            arrived = server.count() if server_kind == "sink" else len(server.messages())
            line = next(x for x in out.splitlines() if x.startswith("send phase")).split()
            send_s, cpu_s = float(line[2]), float(line[5])
            rates.append(arrived / send_s)
            cpu_rates.append(arrived / cpu_s)
            loads.append(load())
            print(f"  [{server_kind}] {arrived} arrived; send phase {send_s:.2f} s wall, {cpu_s:.2f} s CPU of the worker; "
                  f"whole command {w:.1f} s; load {loads[-1]}", flush=True)
        finally:
            server.stop()
    label = "SMTP sink (smtp_sink.py)" if server_kind == "sink" else "recording server (tests/mail/smtp_server.py)"
    print(f"mail run to loopback aiosmtpd, {label}: median {statistics.median(rates):.0f} messages/s wall "
          f"(runs {', '.join(f'{x:.0f}' for x in rates)}), {statistics.median(cpu_rates):.0f} messages per CPU-second "
          f"of the worker; load {', '.join(loads)}", flush=True)
    return {"server": server_kind, "rate": rates, "rate_cpu": cpu_rates, "load": loads}


class Sink:
    """benchmarks/smtp_sink.py in its own process."""

    def __init__(self, folder: Path) -> None:
        sys.path.insert(0, str(HERE.parent / "tests" / "mail"))
        from mailkit import free_port

        self.port = free_port()
        self.log = folder / "sink.log"
        ready = folder / "sink.ready"
        self.proc = subprocess.Popen([sys.executable, str(HERE / "smtp_sink.py"), str(self.port), str(ready), str(self.log)])
        for _ in range(400):
            if ready.exists():
                return
            time.sleep(0.05)
        raise RuntimeError("the SMTP sink did not start")

    def count(self) -> int:
        return len(self.log.read_text(encoding="utf-8").splitlines()) if self.log.exists() else 0

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=float, default=1e6, help="customers of each plan shop (default 1e6)")
    ap.add_argument("--shapes", default="onetime,heavy", help=f"plan data shapes, of {', '.join(SHAPES)}")
    ap.add_argument("--mails", type=int, default=2000, help="customers of the send shop (default 2000)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each figure (median reported)")
    ap.add_argument("--skip-plan", action="store_true")
    ap.add_argument("--skip-send", action="store_true")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-mail-"))
    print(f"cores {os.cpu_count()}, load {load()}, scratch {tmp}", flush=True)
    out: dict = {"plan": [], "send": []}
    try:
        if not a.skip_plan:
            for shape in a.shapes.split(","):
                out["plan"].append(bench_plan(tmp, int(a.customers), shape.strip(), a.repeat))
        if not a.skip_send:
            for kind in ("sink", "recorder"):
                out["send"].append(bench_send(tmp, a.mails, a.repeat, kind))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
