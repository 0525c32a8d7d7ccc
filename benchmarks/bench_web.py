"""Speed of the web app at scale: ``horetsu serve`` over a 1,000,000-customer sample shop.

    python benchmarks/bench_web.py [--customers 1000000] [--seed 1] [--samples 100]
                                   [--clients 20] [--duration 30] [--work DIR]

1. builds (once, kept in ``--work``, default benchmarks/_work/web-<N>/) the sample shop with
   the CLI: ``horetsu sample`` → ``horetsu init`` → ``horetsu import --preset generic`` →
   ``horetsu analyze``;
2. creates an analyst account and starts ``horetsu serve`` on a free loopback port, as users
   do, and reports how long it took until it answered (it prepares the list's index and the
   look-up copies before it listens);
3. latency: one logged-in client requests each page ``--samples`` times in turn (the
   customers list, a filtered and sorted list on a random page, a deep page of the list
   sorted by a random key, a random customer's page, and that customer's tactics, the part
   the customer page loads next) and reports the median and the 95th percentile per page,
   the server's CPU time and the 1-minute load average;
4. load: ``--clients`` clients, each with its own session, loop over the same three pages
   for ``--duration`` seconds; reports requests, errors (any answer but 200) and latencies.

Not part of the test-suite (it needs minutes and gigabytes); numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PASSWORD = "benchmark password 1"
USER = "bench-analyst@example.jp"


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTHONPATH"] = str(SRC) + os.pathsep + e.get("PYTHONPATH", "")
    e["HORETSU_LANG"] = "en"
    e.pop("HORETSU_DATABASE_URL", None)
    return e


def horetsu(*args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-m", "horetsu.cli.app", *args], input=stdin, text=True,
                         capture_output=True, env=env())
    if check and out.returncode != 0:
        raise SystemExit(f"horetsu {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out


def build(work: Path, customers: int, seed: int) -> Path:
    ws = work / "ws"
    if (ws / "results" / "customers.parquet").exists():
        return ws
    t0 = time.perf_counter()
    horetsu("sample", "--customers", str(customers), "--seed", str(seed), "--out", str(work / "in"))
    t1 = time.perf_counter()
    files = sorted(str(p) for p in (work / "in").glob("*.csv"))
    horetsu("init", "--workspace", str(ws))
    horetsu("import", *files, "--preset", "generic", "--workspace", str(ws))
    t2 = time.perf_counter()
    horetsu("analyze", "--workspace", str(ws))
    t3 = time.perf_counter()
    print(f"built {customers:,} customers: sample {t1 - t0:.0f} s, import {t2 - t1:.0f} s, analyze {t3 - t2:.0f} s",
          flush=True)
    return ws


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):  # noqa: ANN002, ANN003
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def get(self, path: str) -> tuple[int, float]:
        t = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=60) as r:
                r.read()
                status = r.status
        except urllib.error.HTTPError as exc:
            exc.read()
            status = exc.code
        except OSError:
            status = 0
        return status, (time.perf_counter() - t) * 1000

    def login(self) -> None:
        with self.opener.open(self.base + "/login", timeout=60) as r:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.read().decode()).group(1)
        body = urllib.parse.urlencode({"email": USER, "password": PASSWORD, "csrfmiddlewaretoken": token}).encode()
        req = urllib.request.Request(self.base + "/login", data=body, headers={"Referer": self.base + "/login",
                                                                                "Origin": self.base})
        try:
            self.opener.open(req, timeout=60)
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise


def loadavg() -> str:
    with open("/proc/loadavg") as fh:
        return fh.read().split()[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM, Linux)."""
    with open(f"/proc/{pid}/status") as fh:
        line = next(x for x in fh if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def urlencode_sort(rng: random.Random, pages: int) -> str:
    """A page deep in the whole list, sorted by a random key and direction."""
    return urllib.parse.urlencode({"sort": rng.choice(["monetary_total", "last_purchase", "p_alive", "clv_12m",
                                                       "recency_days", "frequency"]),
                                   "dir": rng.choice(["asc", "desc"]), "page": rng.randint(1, pages)})


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--samples", type=int, default=100)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=30.0)
    ap.add_argument("--work", type=Path, default=None, help="folder of the built shop (default benchmarks/_work/web-N)")
    args = ap.parse_args()
    work = args.work or HERE / "_work" / f"web-{args.customers}"
    work.mkdir(parents=True, exist_ok=True)
    ws = build(work, args.customers, args.seed)
    if USER not in horetsu("user", "list", "--workspace", str(ws)).stdout:
        horetsu("user", "add", USER, "--role", "analyst", "--password-stdin", "--workspace", str(ws),
                stdin=PASSWORD + "\n")
    import pyarrow.parquet as pq

    ids = pq.read_table(ws / "results" / "customers.parquet", columns=["customer_id"]).column(0).to_pylist()
    rng = random.Random(args.seed)
    pages = max(len(ids) // 50, 1)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(work / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "horetsu.cli.app", "serve", "--workspace", str(ws), "--port",
                             str(port)], stdout=log, stderr=subprocess.STDOUT, env=env())
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    try:
        for _ in range(2400):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        print(f"horetsu serve answered after {time.perf_counter() - started:.1f} s (index and look-up copies "
              f"prepared); server CPU so far {cpu_seconds(proc.pid):.1f} s; load {loadavg()}", flush=True)
        kinds = {
            "customers list": lambda: "/customers",
            "filtered list": lambda: "/customers?" + urllib.parse.urlencode({
                "stage": rng.choice(["landing", "empathy", "observer"]), "temperature": rng.choice(["active", "cooling"]),
                "sort": rng.choice(["monetary_total", "last_purchase", "p_alive"]), "dir": "desc",
                "page": rng.randint(1, 20)}),
            "deep page": lambda: "/customers?" + urlencode_sort(rng, pages),
            "customer page": lambda: f"/customers/{rng.choice(ids)}",
            "customer tactics": lambda: f"/customers/{rng.choice(ids)}/tactics",
        }
        c = Client(base)
        c.login()
        for make in kinds.values():  # warm-up: first connections, caches
            for _ in range(3):
                c.get(make())
        print(f"\n{len(ids):,} customers ({pages:,} list pages); latency, one client, {args.samples} requests each; "
              f"load {loadavg()}")
        print("| page | median (ms) | p95 (ms) | max (ms) | non-200 |\n|---|---:|---:|---:|---:|")
        cpu0, wall0 = cpu_seconds(proc.pid), time.perf_counter()
        for name, make in kinds.items():
            times, bad = [], 0
            for _ in range(args.samples):
                status, ms = c.get(make())
                times.append(ms)
                bad += status != 200
            print(f"| {name} | {statistics.median(times):.0f} | {pct(times, 95):.0f} | {max(times):.0f} | {bad} |",
                  flush=True)
        print(f"server CPU {cpu_seconds(proc.pid) - cpu0:.1f} s over {time.perf_counter() - wall0:.1f} s wall; "
              f"load {loadavg()}", flush=True)
        results: dict[str, list[float]] = {k: [] for k in kinds}
        errors = [0]
        lock = threading.Lock()
        clients = [Client(base) for _ in range(args.clients)]
        for cl in clients:
            cl.login()
        end = time.perf_counter() + args.duration

        def run(cl: Client, seed: int) -> None:
            r = random.Random(seed)
            names = list(kinds)
            while time.perf_counter() < end:
                name = r.choice(names)
                status, ms = cl.get(kinds[name]())
                with lock:
                    results[name].append(ms)
                    errors[0] += status != 200

        t0 = time.perf_counter()
        threads = [threading.Thread(target=run, args=(cl, i)) for i, cl in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        total = sum(len(v) for v in results.values())
        print(f"\nload: {args.clients} clients for {wall:.0f} s: {total:,} requests ({total / wall:.1f}/s), "
              f"{errors[0]} errors")
        print("| page | requests | median (ms) | p95 (ms) |\n|---|---:|---:|---:|")
        for name, times in results.items():
            if times:
                print(f"| {name} | {len(times):,} | {statistics.median(times):.0f} | {pct(times, 95):.0f} |")
        print(f"\n1-minute load average at the end: {loadavg()}; server peak memory {peak_mb(proc.pid):,.0f} MB, "
              f"CPU {cpu_seconds(proc.pid):.1f} s in all")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
