"""Fit one model with one library on one input file; print one JSON line.

Run by benchmarks/bench_models.py with the Python of the library's own virtual
environment, so that every library sees the same (frequency, recency, T) file and
each measurement is a fresh process (its peak memory is its own)::

    python fit_peer.py {floor|horetsu|lifetimes|pymc} {bgnbd|pnbd} input.csv REPEATS

``floor`` is no fit: one vectorised NumPy evaluation of the model's exact log-likelihood over
every customer (no collapsing into distinct rows) at fixed parameters, the least any fitter does.
"""

from __future__ import annotations

import json
import sys
import time
import warnings


#: what a library reports beyond its parameters (horetsu: the parameters the data do not identify)
EXTRA: dict = {}


def status_mb(key: str) -> float:
    """VmRSS (current) or VmHWM (peak) of this process; unlike ru_maxrss, VmHWM starts afresh at exec."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def fitter(lib: str, model: str):
    """A function data -> (params dict, log-likelihood or None)."""
    if lib == "floor":
        import numpy as np
        from scipy.special import betaln, gammaln

        from horetsu.models.paretonbd import _log_terms

        def fit(df):
            x, t_x, T = (df[k].to_numpy(dtype=float) for k in ("frequency", "recency", "T"))
            with np.errstate(all="ignore"):
                if model == "bgnbd":
                    p = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
                    r, alpha, a, b = p.values()
                    first = betaln(a, b + x) - betaln(a, b) - (r + x) * np.log(alpha + T)
                    second = np.where(x > 0, betaln(a + 1, b + x - 1) - betaln(a, b) - (r + x) * np.log(alpha + t_x), -np.inf)
                    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + np.logaddexp(first, second)
                else:
                    p = {"r": 0.5, "alpha": 10.0, "s": 1.0, "beta": 28.0}
                    r, alpha, s, beta = p.values()
                    alive, died = _log_terms(r, alpha, s, beta, x, t_x, T)
                    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.logaddexp(alive, died)
            return p, float(ll.sum())

        return fit
    if lib == "horetsu":
        from horetsu.models import BetaGeo, ParetoNBD

        cls = BetaGeo if model == "bgnbd" else ParetoNBD

        def fit(df):
            m = cls().fit(df["frequency"].to_numpy(), df["recency"].to_numpy(), df["T"].to_numpy())
            EXTRA["not_identified"] = list(m.not_identified_)
            return m.params_, m.log_likelihood_

        return fit
    if lib == "lifetimes":
        from lifetimes import BetaGeoFitter, ParetoNBDFitter

        cls = BetaGeoFitter if model == "bgnbd" else ParetoNBDFitter

        def fit(df):
            m = cls().fit(df["frequency"], df["recency"], df["T"])
            return {k: float(v) for k, v in m.params_.items()}, None

        return fit
    if lib == "pymc":
        from pymc_extras.prior import Prior
        from pymc_marketing.clv import BetaGeoModel, ParetoNBDModel

        names = ("r", "alpha", "a", "b") if model == "bgnbd" else ("r", "alpha", "s", "beta")
        cls = BetaGeoModel if model == "bgnbd" else ParetoNBDModel
        # flat priors: the MAP is then the maximum-likelihood estimate, comparable with the others
        config = {n: Prior("HalfFlat") for n in names}

        def fit(df):
            m = cls(data=df, model_config=config)
            m.fit(method="map", progressbar=False)
            res = m.fit_result
            return {n: float(res[n].values.ravel()[0]) for n in names}, None

        return fit
    raise SystemExit(f"unknown library {lib}")


def main() -> None:
    lib, model, path, repeats = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    warnings.filterwarnings("ignore")
    import pandas as pd

    df = pd.read_csv(path)
    fit = fitter(lib, model)
    fit(df.iloc[:500].copy())  # untimed warm-up on 500 customers: imports and first-call costs
    before = status_mb("VmRSS")
    wall, cpu = [], []
    params, ll = {}, None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        params, ll = fit(df)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    peak = status_mb("VmHWM")
    print(json.dumps({
        "lib": lib, "model": model, "n": int(len(df)), "params": params, "log_likelihood": ll,
        "wall": wall, "cpu": cpu, "rss_before_fit_mb": before, "peak_rss_mb": peak, **EXTRA,
    }))


if __name__ == "__main__":
    main()
