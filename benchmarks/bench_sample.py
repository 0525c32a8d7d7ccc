"""Benchmark the sample-shop generator and the demo.

Each measurement runs in a fresh subprocess (so peak memory is that run's own) and
is repeated; the median is printed.  The floor is pyarrow writing the very same
tables to CSV, so "x floor" says how much the simulation adds to plain writing.

    python benchmarks/bench_sample.py                       # 100k and 1M customers, generic
    python benchmarks/bench_sample.py --customers 1000000 --formats generic shopify rakuten
    python benchmarks/bench_sample.py --demo 20000          # the demo end to end
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r"""
import json, resource, sys, tempfile, time
from pathlib import Path
n, fmt, seed = int(sys.argv[1]), sys.argv[2], 0
out = Path(tempfile.mkdtemp(prefix="bench-sample-"))
marks = {}
t0 = time.perf_counter()
def progress(label, done, total):
    marks[label] = time.perf_counter() - t0
from horetsu.sample import generate
info = generate(out, customers=n, seed=seed, fmt=fmt, progress=progress)
total = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
cpu = ru.ru_utime + ru.ru_stime
# floor: write the same generic tables again with pyarrow alone
from horetsu.sample.shop import simulate
from horetsu.sample.params import TrueParams
from horetsu.sample.formats.generic import write_csv
shop = simulate(n, seed, TrueParams())
t1 = time.perf_counter()
for name in ("customers", "orders", "subscriptions", "events"):
    write_csv(getattr(shop, name), out / f"floor-{name}.csv")
floor = time.perf_counter() - t1
rows = sum(info.rows.values())
size = sum(p.stat().st_size for p in info.files)
print(json.dumps({"total": total, "cpu": cpu, "simulate": marks.get("write", total), "floor_write": floor,
                  "rows": rows, "bytes": size, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
import shutil; shutil.rmtree(out)
"""

DEMO = r"""
import json, sys, tempfile, time
from pathlib import Path
from horetsu.sample.demo import run_demo
out = Path(tempfile.mkdtemp(prefix="bench-demo-")) / "demo"
t0 = time.perf_counter()
r = run_demo(out, customers=int(sys.argv[1]), seed=0, lang="en")
print(json.dumps({"total": time.perf_counter() - t0, **r.seconds, "skipped": r.skipped}))
import shutil; shutil.rmtree(out.parent)
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--formats", nargs="*", default=["generic"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--demo", type=int, default=0, help="also time `horetsu demo` with this many customers")
    args = ap.parse_args()
    with open("/proc/loadavg") as fh:
        print(f"load average at start: {fh.read().split()[0]} on {__import__('os').cpu_count()} cores\n")
    print("| customers | format | median wall (s) | CPU (s) | of which simulate (s) | pyarrow write floor (s) | rows (generic tables) | MB written | peak RSS (MB) |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.customers:
        for fmt in args.formats:
            runs = [run(CHILD, str(n), fmt) for _ in range(args.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(
                f"| {n:,} | {fmt} | {med['total']:.1f} | {med['cpu']:.1f} | {med['simulate']:.1f} | {med['floor_write']:.1f} "
                f"| {int(med['rows']):,} | {med['bytes'] / 1e6:.0f} | {med['peak_rss_mb']:.0f} |",
                flush=True,
            )
    if args.demo:
        runs = [run(DEMO, str(args.demo)) for _ in range(args.repeat)]
        keys = [k for k in runs[0] if k != "skipped"]
        med = {k: statistics.median(r.get(k, 0) for r in runs) for k in keys}
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in med.items() if k != "total")
        print(f"\ndemo with {args.demo:,} customers: median {med['total']:.1f} s ({parts}); skipped: {runs[0]['skipped']}")


if __name__ == "__main__":
    main()
