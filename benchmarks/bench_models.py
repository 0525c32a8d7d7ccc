"""Benchmark: horetsu's BG/NBD and Pareto/NBD fits against lifetimes 0.11.3 and pymc-marketing.

One run fits every (dataset, model, library) combination in a fresh subprocess on
the same input file, so each library runs in its own environment and each peak
memory is its own process's:

- datasets: the CDNOW sample (2,357 customers), the CDNOW master file (23,570
  customers; both 39-week calibration from 1997-01-01, same-day purchases merged);
  ``1m``: 1,000,000 customers simulated from a BG/NBD population (the benchmark's own
  shop: acquired over 78 weeks, day resolution); ``cdnow1m``: the CDNOW-shaped population
  (r 0.243, alpha 4.414, a 0.793, b 2.426; T uniform over 26-39 weeks, continuous times, so
  nearly every customer is a distinct (frequency, recency, T) row); ``nodrop1m``: the same
  but with b = 2426, so that almost nobody drops out (a fitted Pareto/NBD then has
  min(alpha, beta) far below the observation period and hypergeometric arguments near 1);
  ``--n`` makes the simulated ones smaller while iterating;
- the floor (``--libs floor``): one vectorised NumPy evaluation of the model's exact
  log-likelihood over every customer at fixed parameters (Pareto/NBD through SciPy's 2F1),
  i.e. what any fitter must do at least once; every fit is also given as a multiple of it;
- measures: wall and CPU time of ``fit`` (median over repeats; pymc-marketing's
  first timed run includes compiling the model for the full data), peak resident memory of the process and
  its growth during the fits, the parameters to 4 significant digits and the log-likelihood
  horetsu computes for each library's parameters (so that where digits differ, the better
  optimum is visible).

Set up the peers once (their venvs live in benchmarks/.venvs/, never in horetsu's)::

    bash benchmarks/peers/setup_peers.sh
    python benchmarks/bench_models.py                 # everything (hours at 1M on 2 cores)
    python benchmarks/bench_models.py --sizes sample master --repeats 3
    python benchmarks/bench_models.py --sizes cdnow1m nodrop1m --n 100000 --libs floor horetsu lifetimes
    # issue 9, item 6 in one command (lifetimes' Pareto/NBD left out: minutes per shape):
    python benchmarks/bench_models.py --sizes cdnow1m 1m nodrop1m --libs horetsu lifetimes --peer-models bgnbd

Results are printed as Markdown and saved to benchmarks/_work/bench_models.json.
"""

from __future__ import annotations

import argparse
import json
import os
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
    "floor": Path(sys.executable),
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


def simulate_bgnbd(n: int, r: float, alpha: float, a: float, b: float, seed: int = 0,
                   t_range: tuple[float, float] = (1 / 7, 78.0), days: bool = True) -> pd.DataFrame:
    """Customers observed for T weeks (uniform over ``t_range``; whole days or continuous)."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    if days:
        T = rng.integers(round(t_range[0] * 7), round(t_range[1] * 7) + 1, n) / 7.0
    else:
        T = rng.uniform(t_range[0], t_range[1], n)
    arrivals = rng.poisson(lam * T)
    until_dropout = rng.geometric(p)  # repeat purchases up to and including the one after which they leave
    x = np.minimum(arrivals, until_dropout)
    # the x-th of `arrivals` uniform arrival times on [0, T] is T * Beta(x, arrivals - x + 1)
    t_x = np.where(x > 0, T * rng.beta(np.maximum(x, 1), np.maximum(arrivals - x + 1, 1)), 0.0)
    if days:
        t_x = np.minimum(np.round(t_x * 7.0) / 7.0, T)
    return pd.DataFrame({"customer_id": np.arange(n), "frequency": x, "recency": t_x, "T": T})


#: simulated datasets: BG/NBD parameters, range of T in weeks, day resolution or continuous
SIMULATED = {
    "1m": (TRUE_BGNBD, (1 / 7, 78.0), True),
    "cdnow1m": (TRUE_BGNBD, (26.0, 39.0), False),
    "nodrop1m": ({**TRUE_BGNBD, "b": 2426.0}, (26.0, 39.0), False),
}


def dataset(name: str, n: int = 1_000_000) -> Path:
    path = WORK / (f"bench_{name}.csv" if name in ("sample", "master") or n == 1_000_000 else f"bench_{name}_{n}.csv")
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        if name in ("sample", "master"):
            df = _cdnow_summary(name)[["customer_id", "frequency", "recency", "T"]]
        else:
            params, t_range, days = SIMULATED[name]
            df = simulate_bgnbd(n, **params, t_range=t_range, days=days)
        df.to_csv(path, index=False, float_format="%.17g")
    return path


def run(lib: str, model: str, path: Path, repeats: int, timeout: float) -> dict:
    py = PYTHONS[lib]
    if not py.exists():
        return {"lib": lib, "model": model, "error": f"{py} missing: run benchmarks/peers/setup_peers.sh"}
    t0 = time.perf_counter()
    load_before = os.getloadavg()[0]
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
    res["load_1min"] = [load_before, os.getloadavg()[0]]
    return res


def sig4(v: float) -> str:
    return f"{v:.4g}"


def horetsu_log_likelihood(model: str, path: Path, params: dict) -> float:
    """horetsu's log-likelihood of ``params`` on the file (the same function for every library)."""
    from horetsu.models import BetaGeo, ParetoNBD
    from horetsu.models._suffstats import collapse

    df = pd.read_csv(path)
    cls = BetaGeo if model == "bgnbd" else ParetoNBD
    c = collapse(df["frequency"].to_numpy(), df["recency"].to_numpy(), df["T"].to_numpy())
    theta = np.log([params[k] for k in cls.param_names])
    with np.errstate(all="ignore"):
        return -float(cls()._objective(c)(theta)[0])


def report(results: list[dict]) -> str:
    lines = []
    for (size, model) in dict.fromkeys((r["size"], r["model"]) for r in results):
        rows = [r for r in results if r["size"] == size and r["model"] == model]
        base = next((r for r in rows if r["lib"] == "horetsu" and "error" not in r), None)
        floor = next((r for r in rows if r["lib"] == "floor" and "error" not in r), None)
        n = next((r["n"] for r in rows if "n" in r), "?")
        lines.append(f"\n### {size} · {model} · {n:,} customers\n" if isinstance(n, int) else f"\n### {size} · {model}\n")
        lines.append("| library | parameters (4 s.f.) | max rel. diff vs horetsu | log-likelihood (horetsu's function) | "
                     "fit wall median (s) | fit CPU median (s) | runs | peak RSS (MB) | growth during fit (MB) | "
                     "wall vs horetsu | CPU vs horetsu | wall vs floor | load (1 min, before–after) |")
        lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            if "error" in r:
                lines.append(f"| {r['lib']} | error: {r['error']} |||||||||||")
                continue
            params = ", ".join(f"{k}={sig4(v)}" for k, v in r["params"].items())
            wall, cpu = statistics.median(r["wall"]), statistics.median(r["cpu"])
            diff = "–"
            ratio_w = ratio_c = "1"
            if r["lib"] == "floor":
                diff, ratio_w, ratio_c = "(fixed parameters)", "–", "–"
            elif base is not None and r is not base:
                diff = f"{max(abs(v / base['params'][k] - 1) for k, v in r['params'].items()):.1e}"
                ratio_w = f"{wall / statistics.median(base['wall']):.1f}x"
                ratio_c = f"{cpu / statistics.median(base['cpu']):.1f}x"
            vs_floor = f"{wall / statistics.median(floor['wall']):.2f}x" if floor is not None else "–"
            ll = f"{r['ll_horetsu']:,.6f}" if r.get("ll_horetsu") is not None else "–"
            first = f" (first {r['wall'][0]:.1f})" if r["lib"] == "pymc" and len(r["wall"]) > 1 else ""
            lines.append(
                f"| {r['lib']} | {params} | {diff} | {ll} | {wall:.3g}{first} | {cpu:.3g} | {len(r['wall'])} | "
                f"{r['peak_rss_mb']:.0f} | {r['peak_rss_mb'] - r['rss_before_fit_mb']:.0f} | {ratio_w} | {ratio_c} | {vs_floor} | "
                f"{r['load_1min'][0]:.1f}–{r['load_1min'][1]:.1f} |"
            )
    return "\n".join(lines)


def goals(results: list[dict]) -> str:
    """Issue 9, item 6, per simulated shape: Pareto/NBD under 3 s, BG/NBD 20x lifetimes, 4 digits."""
    lines = ["\n### Goals (issue 9, item 6)\n",
             "| data | Pareto/NBD horetsu wall / CPU (s) | under 3 s | BG/NBD lifetimes / horetsu wall, CPU | "
             "at least 20x | parameters equal to 4 s.f. (BG/NBD; Pareto/NBD) | not identified (horetsu) |",
             "|---|---|---|---|---|---|---|"]

    def pick(size: str, model: str, lib: str) -> dict | None:
        return next((r for r in results if r["size"] == size and r["model"] == model and r["lib"] == lib
                     and "error" not in r), None)

    def same4(a: dict | None, b: dict | None) -> str:
        if a is None or b is None:
            return "–"
        return "yes" if all(sig4(a["params"][k]) == sig4(b["params"][k]) for k in a["params"]) else "no"

    for size in dict.fromkeys(r["size"] for r in results):
        hp, hb = pick(size, "pnbd", "horetsu"), pick(size, "bgnbd", "horetsu")
        lp, lb = pick(size, "pnbd", "lifetimes"), pick(size, "bgnbd", "lifetimes")
        pw = f"{statistics.median(hp['wall']):.2f} / {statistics.median(hp['cpu']):.2f}" if hp else "–"
        under = ("yes" if statistics.median(hp["wall"]) < 3 else "no") if hp else "–"
        if hb and lb:
            rw = statistics.median(lb["wall"]) / statistics.median(hb["wall"])
            rc = statistics.median(lb["cpu"]) / statistics.median(hb["cpu"])
            ratio, ok = f"{rw:.1f}x, {rc:.1f}x", ("yes" if rw >= 20 else "no")
        else:
            ratio, ok = "–", "–"
        unident = "; ".join(f"{m}: {', '.join(r.get('not_identified') or []) or 'none'}"
                            for m, r in (("BG/NBD", hb), ("Pareto/NBD", hp)) if r is not None)
        lines.append(f"| {size} | {pw} | {under} | {ratio} | {ok} | {same4(hb, lb)}; {same4(hp, lp)} | {unident} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = ["sample", "master", *SIMULATED]
    ap.add_argument("--sizes", nargs="+", default=sizes, choices=sizes)
    ap.add_argument("--n", type=int, default=1_000_000, help="customers in the simulated datasets")
    ap.add_argument("--models", nargs="+", default=["bgnbd", "pnbd"], choices=["bgnbd", "pnbd"])
    ap.add_argument("--libs", nargs="+", default=["floor", "horetsu", "lifetimes", "pymc"], choices=list(PYTHONS))
    ap.add_argument("--repeats", type=int, default=3, help="fits per process (the median is reported)")
    ap.add_argument("--slow-repeats", type=int, default=1,
                    help="fits per process for peers' Pareto/NBD on simulated data (minutes each at 1M)")
    ap.add_argument("--timeout", type=float, default=2400.0, help="seconds per process")
    ap.add_argument("--peer-models", nargs="+", default=["bgnbd", "pnbd"], choices=["bgnbd", "pnbd"],
                    help="models the peers fit (lifetimes' Pareto/NBD takes minutes per 1M-customer shape)")
    ap.add_argument("--out", default=str(WORK / "bench_models.json"), help="where the JSON results go")
    args = ap.parse_args()
    results: list[dict] = []
    for size in args.sizes:
        path = dataset(size, args.n)
        for model in args.models:
            for lib in args.libs:
                if lib in ("lifetimes", "pymc") and model not in args.peer_models:
                    continue
                slow = size in SIMULATED and model == "pnbd" and lib not in ("horetsu", "floor")
                reps = args.slow_repeats if slow else args.repeats
                print(f"# {size} {model} {lib} x{reps} ...", file=sys.stderr, flush=True)
                res = run(lib, model, path, reps, args.timeout)
                res["size"] = size
                if "error" not in res and lib != "floor":
                    res["ll_horetsu"] = horetsu_log_likelihood(model, path, res["params"])
                results.append(res)
                if "error" not in res:
                    print(f"#   wall {[round(w, 2) for w in res['wall']]} cpu {[round(c, 2) for c in res['cpu']]} "
                          f"peak {res['peak_rss_mb']:.0f} MB {res['params']}", file=sys.stderr, flush=True)
                else:
                    print(f"#   {res['error']}", file=sys.stderr, flush=True)
                Path(args.out).write_text(json.dumps(results, indent=1))
    print(report(results))
    print(goals(results))


if __name__ == "__main__":
    main()
