"""NPS and its 95% confidence interval (adjusted Wald), vectorised over segments.

NPS = %promoters (9–10) − %detractors (0–6), on a −100…100 scale.  The variance of
the estimate is ``100² · (p + d − (p − d)²) / n``.  The adjusted-Wald interval (Rocks
2016) first adds 3 to n and ¾ to both promoters and detractors, then computes p, d,
the variance and ``nps* ± 1.96 · sqrt(var)``.  The point estimate shown is the plain
one (30/50/20 → 10, interval −3.8 … 23.2).

Every function takes NumPy arrays (one element per segment) so a whole breakdown is
one array computation; :func:`by_segment` builds the counts with one Arrow group-by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Z95 = 1.959963984540054
PROMOTER_MIN = 9
DETRACTOR_MAX = 6
ADJ_N = 3.0
ADJ_EACH = 0.75


@dataclass(frozen=True)
class Estimate:
    """NPS of one group of answers."""

    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float
    ci_low: float
    ci_high: float
    variance: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n, "promoters": self.promoters, "passives": self.passives, "detractors": self.detractors,
            "nps": _r(self.nps), "ci_low": _r(self.ci_low), "ci_high": _r(self.ci_high), "variance": _r(self.variance, 3),
        }  # fmt: skip


def _r(x: float, digits: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def variance(p: Any, d: Any, n: Any) -> np.ndarray:
    """Variance of an NPS estimate on the ±100 scale from shares ``p``, ``d`` and size ``n``."""
    p, d, n = (np.asarray(x, dtype=float) for x in (p, d, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0**2 * (p + d - (p - d) ** 2) / n


def estimate_arrays(promoters: Any, passives: Any, detractors: Any) -> dict[str, np.ndarray]:
    """NPS, adjusted-Wald 95% interval and variance for arrays of counts (one per segment)."""
    pr, pa_, de = (np.asarray(x, dtype=float) for x in (promoters, passives, detractors))
    n = pr + pa_ + de
    with np.errstate(divide="ignore", invalid="ignore"):
        nps = np.where(n > 0, 100.0 * (pr - de) / n, np.nan)
        n_adj = n + ADJ_N
        p_adj = (pr + ADJ_EACH) / n_adj
        d_adj = (de + ADJ_EACH) / n_adj
        var = variance(p_adj, d_adj, n_adj)
        centre = 100.0 * (p_adj - d_adj)
        half = Z95 * np.sqrt(var)
    low = np.where(n > 0, np.maximum(centre - half, -100.0), np.nan)
    high = np.where(n > 0, np.minimum(centre + half, 100.0), np.nan)
    return {"n": n.astype(np.int64), "nps": nps, "ci_low": low, "ci_high": high, "variance": np.where(n > 0, var, np.nan)}


def estimate(promoters: int, passives: int, detractors: int) -> Estimate:
    """NPS with its interval for one group of answers (counts of each kind)."""
    a = estimate_arrays([promoters], [passives], [detractors])
    return Estimate(int(a["n"][0]), int(promoters), int(passives), int(detractors),
                    float(a["nps"][0]), float(a["ci_low"][0]), float(a["ci_high"][0]), float(a["variance"][0]))  # fmt: skip


def from_scores(scores: Any) -> Estimate:
    """NPS of a list/array of 0–10 scores."""
    s = np.asarray(scores, dtype=float)
    s = s[~np.isnan(s)]
    return estimate(int((s >= PROMOTER_MIN).sum()), int(((s > DETRACTOR_MAX) & (s < PROMOTER_MIN)).sum()),
                    int((s <= DETRACTOR_MAX).sum()))  # fmt: skip


def differs(var_a: Any, var_b: Any, nps_a: Any, nps_b: Any) -> np.ndarray:
    """True where two segments' NPS differ beyond noise: |a − b| > 1.96 · sqrt(var_a + var_b)."""
    a, b = np.asarray(nps_a, dtype=float), np.asarray(nps_b, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.abs(a - b) > Z95 * np.sqrt(np.asarray(var_a, dtype=float) + np.asarray(var_b, dtype=float))


def compare(a: Estimate, b: Estimate) -> dict[str, Any]:
    """The difference of two segments and whether it exceeds noise (95%)."""
    margin = Z95 * float(np.sqrt(a.variance + b.variance))
    diff = a.nps - b.nps
    return {"difference": _r(diff), "margin": _r(margin), "differs": bool(abs(diff) > margin)}


def kinds(scores: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Boolean arrays promoter / passive / detractor for an Arrow array of scores."""
    s = pc.cast(scores, pa.float64())
    pro = pc.greater_equal(s, PROMOTER_MIN)
    det = pc.less_equal(s, DETRACTOR_MAX)
    pas = pc.and_(pc.greater(s, DETRACTOR_MAX), pc.less(s, PROMOTER_MIN))
    return pro, pas, det


def by_segment(answers: pa.Table, key: str, score: str = "score") -> pa.Table:
    """Per value of ``key``: n, promoters, passives, detractors, nps, ci_low, ci_high, variance,
    and whether the segment differs from all other answers beyond noise (``differs_from_rest``)."""
    pro, pas, det = kinds(answers.column(score))
    t = pa.table({
        "segment": pc.cast(answers.column(key), pa.string()),
        "p": pc.cast(pro, pa.int64()), "m": pc.cast(pas, pa.int64()), "d": pc.cast(det, pa.int64()),
    })  # fmt: skip
    g = t.group_by("segment", use_threads=False).aggregate([("p", "sum"), ("m", "sum"), ("d", "sum")])
    g = g.sort_by([("segment", "ascending")])
    p, m, d = (np.asarray(g.column(c).to_numpy(zero_copy_only=False), dtype=np.int64) for c in ("p_sum", "m_sum", "d_sum"))
    seg = estimate_arrays(p, m, d)
    rest = estimate_arrays(p.sum() - p, m.sum() - m, d.sum() - d)
    diff = differs(seg["variance"], rest["variance"], seg["nps"], rest["nps"]) & (rest["n"] > 0)
    return pa.table({
        "segment": g.column("segment"), "n": seg["n"], "promoters": p, "passives": m, "detractors": d,
        "nps": seg["nps"], "ci_low": seg["ci_low"], "ci_high": seg["ci_high"], "variance": seg["variance"],
        "nps_rest": rest["nps"], "differs_from_rest": diff,
    })  # fmt: skip
