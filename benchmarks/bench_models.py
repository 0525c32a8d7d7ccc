"""Benchmark: horetsu's BG/NBD and Pareto/NBD fits against lifetimes 0.11.3 and pymc-marketing.

One run fits every (dataset, model, library) combination in a fresh subprocess on
the same input file, so each library runs in its own environment and each peak
memory is its own process's:

- datasets: the CDNOW sample (2,357 customers), the CDNOW master file (23,570
  customers; both 39-week calibration from 1997-01-01, same-day purchases merged)
  and 1,000,000 customers simulated from a BG/NBD population (weeks, day resolution);
- measures: wall and CPU time of ``fit`` (median over repeats; pymc-marketing's
  first timed run includes compiling the model for the full data), peak resident memory of the process and
  its growth during the fits, the parameters to 4 significant digits.

Set up the peers once (their venvs live in benchmarks/.venvs/, never in horetsu's)::

    bash benchmarks/peers/setup_peers.sh
    python benchmarks/bench_models.py                 # everything (~30 min at 1M on 2 cores)
    python benchmarks/bench_models.py --sizes sample master --repeats 3

Results are printed as Markdown and saved to benchmarks/_work/bench_models.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "_work"
VENVS = HERE / ".venvs"
RUNNER = HERE / "peers" / "fit_peer.py"
CDNOW = ROOT / "tests" / "data" / "cdnow"
PYTHONS = {
    "horetsu": Path(sys.executable),
    "lifetimes": VENVS / "lifetimes" / "bin" / "python",
    "pymc": VENVS / "pymc" / "bin" / "python",
}
TRUE_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


def _cdnow_summary(name: str) -> pd.DataFrame:
    from horetsu.models import rfm_summary

    if name == "sample":
        df = pd.read_csv(CDNOW / "CDNOW_sample.txt", sep=r"\s+", header=None,
                         names=["master_id", "customer_id", "date", "cds", "dollars"], dtype={"date": str})
    else:
        df = pd.read_csv(CDNOW / "CDNOW_master.txt", sep=r"\s+", skiprows=1,
                         names=["customer_id", "date", "cds", "dollars"], dtype={"date": str})
    df["date"] = pd.to_datetime(df["date"], format="%Y%m%d").dt.date
    return rfm_summary(df, "customer_id", "date", "dollars", calibration_end="1997-09-30")


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int = 0) -> pd.DataFrame:
    """Customers acquired uniformly over 78 weeks, observed to the end, times rounded to days."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    T = rng.integers(1, 78 * 7 + 1, n) / 7.0
    arrivals = rng.poisson(lam * T)
    until_dropout = rng.geometric(p)  # repeat purchases up to and including the one after which they leave
    x = np.minimum(arrivals, until_dropout)
    # the x-th of `arrivals` uniform arrival times on [0, T] is T * Beta(x, arrivals - x + 1)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    t_x = np.minimum(np.round(t_x * 7.0) / 7.0, T)
    return pd.DataFrame({"customer_id": np.arange(n), "frequency": x, "recency": t_x, "T": T})


def dataset(name: str) -> Path:
    path = WORK / f"bench_{name}.csv"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        if name in ("sample", "master"):
            df = _cdnow_summary(name)[["customer_id", "frequency", "recency", "T"]]
        else:
            df = simulate_bgnbd(1_000_000, **TRUE_BGNBD)
        df.to_csv(path, index=False, float_format="%.12g")
    return path


def run(lib: str, model: str, path: Path, repeats: int, timeout: float) -> dict:
    py = PYTHONS[lib]
    if not py.exists():
        return {"lib": lib, "model": model, "error": f"{py} missing: run benchmarks/peers/setup_peers.sh"}
    t0 = time.perf_counter()
    try:
        out = subprocess.run([str(py), str(RUNNER), lib, model, str(path), str(repeats)],
                             capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"lib": lib, "model": model, "error": f"timed out after {timeout:.0f} s"}
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        return {"lib": lib, "model": model, "error": (out.stderr or out.stdout).strip().splitlines()[-1:]}
    res = json.loads(lines[-1])
    res["process_seconds"] = time.perf_counter() - t0
    return res


def sig4(v: float) -> str:
    return f"{v:.4g}"


def report(results: list[dict]) -> str:
    lines = []
    for (size, model) in dict.fromkeys((r["size"], r["model"]) for r in results):
        rows = [r for r in results if r["size"] == size and r["model"] == model]
        base = next((r for r in rows if r["lib"] == "horetsu" and "error" not in r), None)
        n = next((r["n"] for r in rows if "n" in r), "?")
        lines.append(f"\n### {size} · {model} · {n:,} customers\n" if isinstance(n, int) else f"\n### {size} · {model}\n")
        lines.append("| library | parameters (4 s.f.) | max rel. diff vs horetsu | fit wall median (s) | "
                     "fit CPU median (s) | runs | peak RSS (MB) | growth during fit (MB) | wall ratio | CPU ratio |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            if "error" in r:
                lines.append(f"| {r['lib']} | error: {r['error']} |||||||||")
                continue
            params = ", ".join(f"{k}={sig4(v)}" for k, v in r["params"].items())
            wall, cpu = statistics.median(r["wall"]), statistics.median(r["cpu"])
            diff = "–"
            ratio_w = ratio_c = "1"
            if base is not None and r is not base:
                diff = f"{max(abs(v / base['params'][k] - 1) for k, v in r['params'].items()):.1e}"
                ratio_w = f"{wall / statistics.median(base['wall']):.1f}x"
                ratio_c = f"{cpu / statistics.median(base['cpu']):.1f}x"
            first = f" (first {r['wall'][0]:.1f})" if r["lib"] == "pymc" and len(r["wall"]) > 1 else ""
            lines.append(
                f"| {r['lib']} | {params} | {diff} | {wall:.3g}{first} | {cpu:.3g} | {len(r['wall'])} | "
                f"{r['peak_rss_mb']:.0f} | {r['peak_rss_mb'] - r['rss_before_fit_mb']:.0f} | {ratio_w} | {ratio_c} |"
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", default=["sample", "master", "1m"], choices=["sample", "master", "1m"])
    ap.add_argument("--models", nargs="+", default=["bgnbd", "pnbd"], choices=["bgnbd", "pnbd"])
    ap.add_argument("--libs", nargs="+", default=["horetsu", "lifetimes", "pymc"], choices=list(PYTHONS))
    ap.add_argument("--repeats", type=int, default=3, help="fits per process (the median is reported)")
    ap.add_argument("--slow-repeats", type=int, default=1,
                    help="fits per process for peers' Pareto/NBD at 1M (several minutes each)")
    ap.add_argument("--timeout", type=float, default=2400.0, help="seconds per process")
    args = ap.parse_args()
    results: list[dict] = []
    for size in args.sizes:
        path = dataset(size)
        for model in args.models:
            for lib in args.libs:
                reps = args.slow_repeats if (size == "1m" and model == "pnbd" and lib != "horetsu") else args.repeats
                print(f"# {size} {model} {lib} x{reps} ...", file=sys.stderr, flush=True)
                res = run(lib, model, path, reps, args.timeout)
                res["size"] = size
                results.append(res)
                if "error" not in res:
                    print(f"#   wall {[round(w, 2) for w in res['wall']]} cpu {[round(c, 2) for c in res['cpu']]} "
                          f"peak {res['peak_rss_mb']:.0f} MB", file=sys.stderr, flush=True)
                else:
                    print(f"#   {res['error']}", file=sys.stderr, flush=True)
                (WORK / "bench_models.json").write_text(json.dumps(results, indent=1))
    print(report(results))


if __name__ == "__main__":
    main()
