"""Import benchmark: a 1,000,000-row CP932 generic orders CSV.

Measures, each in its own fresh process (so peak memory is that process's own):

- ``horetsu``: ``import_files`` of the CP932 file into an empty workspace (decode,
  parse, normalise, validate, write Parquet);
- ``duckdb``: DuckDB reading the same rows from a UTF-8 copy into a table
  (``CREATE TABLE ... AS SELECT * FROM read_csv(...)``) — the floor.

Prints wall time (median of ``--repeat`` runs) and peak RSS of each, and the ratio.

    python benchmarks/bench_import.py --rows 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CATEGORIES = np.array(["サプリメント", "美容ドリンク", "スキンケア", "青汁", "酵素", "ヘアケア"])
STATUSES = np.array(["completed"] * 17 + ["cancelled", "returned", "refunded"])


def make_rows(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    cust = rng.integers(1, n // 4 + 2, n)
    secs = rng.integers(0, 3 * 365 * 86400, n)
    base = np.datetime64("2022-01-01T00:00:00")
    ts = (base + secs.astype("timedelta64[s]")).astype(str)
    when = np.char.replace(np.char.replace(ts, "T", " "), "-", "/")  # 2023/04/05 10:11:12
    amount = rng.integers(5, 300, n) * 100
    qty = rng.integers(1, 4, n)
    cols = [
        np.char.add("O", np.arange(1, n + 1).astype(str)),
        np.char.add("C", cust.astype(str)),
        when,
        np.char.add(np.char.add('"', np.char.mod("%d", amount)), '円"'),
        STATUSES[rng.integers(0, len(STATUSES), n)],
        CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
        np.char.add("SKU-", rng.integers(1, 60, n).astype(str)),
        qty.astype(str),
    ]
    header = "注文番号,顧客ID,注文日時,金額,ステータス,カテゴリ,商品コード,数量\r\n"
    lines = cols[0]
    for c in cols[1:]:
        lines = np.char.add(np.char.add(lines, ","), c)
    return header + "\r\n".join(lines.tolist()) + "\r\n"


PEAK = """
def peak_mb():
    # VmHWM: this process's own high-water mark (ru_maxrss would include the parent's pages at fork).
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

HORETSU = PEAK + """
import json, sys, time
t0 = time.perf_counter()
import horetsu
from horetsu.io import import_files
ws = horetsu.init_workspace(sys.argv[1])
t1 = time.perf_counter()
res = import_files(ws, [sys.argv[2]], "generic")
t2 = time.perf_counter()
import resource
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": t2 - t1, "startup": t1 - t0, "cpu": ru.ru_utime + ru.ru_stime, "accepted": res.accepted, "read": res.read,
                  "peak_mb": peak_mb()}))
"""

DUCKDB = PEAK + """
import json, sys, time
import duckdb
con = duckdb.connect()
t1 = time.perf_counter()
con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?, header=true, all_varchar=false)", [sys.argv[1]])
n = con.execute("SELECT count(*) FROM t").fetchone()[0]
t2 = time.perf_counter()
import resource
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"wall": t2 - t1, "rows": n, "cpu": ru.ru_utime + ru.ru_stime, "peak_mb": peak_mb()}))
"""


def run(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--write", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.write is not None:
        text = make_rows(args.rows)
        (args.write / "orders_cp932.csv").write_bytes(text.encode("cp932"))
        (args.write / "orders_utf8.csv").write_bytes(text.encode("utf-8"))
        return
    root = Path(args.dir or tempfile.mkdtemp(prefix="hrt-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    cp932 = root / "orders_cp932.csv"
    utf8 = root / "orders_utf8.csv"
    # Generated in a child process so that this parent stays small.
    subprocess.run([sys.executable, __file__, "--write", str(root), "--rows", str(args.rows)], check=True)
    h_runs, d_runs = [], []
    for i in range(args.repeat):
        d_runs.append(run(DUCKDB, str(utf8)))
        h_runs.append(run(HORETSU, str(root / f"ws{i}"), str(cp932)))
    h_wall = statistics.median(r["wall"] for r in h_runs)
    d_wall = statistics.median(r["wall"] for r in d_runs)
    result = {
        "rows": args.rows,
        "file_mb_cp932": round(cp932.stat().st_size / 2**20, 1),
        "horetsu_wall_s": round(h_wall, 2),
        "horetsu_peak_mb": round(max(r["peak_mb"] for r in h_runs)),
        "horetsu_accepted": h_runs[0]["accepted"],
        "duckdb_wall_s": round(d_wall, 2),
        "duckdb_peak_mb": round(max(r["peak_mb"] for r in d_runs)),
        "ratio": round(h_wall / d_wall, 2),
        "horetsu_runs_s": [round(r["wall"], 2) for r in h_runs],
        "duckdb_runs_s": [round(r["wall"], 2) for r in d_runs],
        "horetsu_cpu_s": round(statistics.median(r["cpu"] for r in h_runs), 2),
        "duckdb_cpu_s": round(statistics.median(r["cpu"] for r in d_runs), 2),
        "load_avg_1m": round(os.getloadavg()[0], 1),
        "goal_ratio": 3.0,
        "runs": args.repeat,
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
