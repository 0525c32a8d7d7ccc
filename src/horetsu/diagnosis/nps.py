"""NPS with a 95 % confidence interval (adjusted Wald).

Temporary: ``horetsu.nps`` (built in parallel) owns this computation; replace
:func:`nps_interval` with its function when both are merged.

Adjusted Wald (Rocks 2016, "Interval Estimation for the 'Net Promoter Score'", The
American Statistician 70(4)): add 3 to n and 3/4 to promoters and detractors, then
NPS' ± z·sqrt((p' + d' − (p' − d')²) / n').  The point estimate stays the plain NPS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054


@dataclass(frozen=True)
class NpsInterval:
    n: int
    promoters: int
    passives: int
    detractors: int
    nps: float  # -100 .. 100
    ci_low: float
    ci_high: float


def nps_interval(promoters: int, passives: int, detractors: int, z: float = Z95) -> NpsInterval:
    """NPS (−100..100) and its adjusted-Wald interval; needs at least one answer."""
    n = promoters + passives + detractors
    if n <= 0:
        raise ValueError("NPS needs at least one answer")
    n_adj = n + 3
    p, d = (promoters + 0.75) / n_adj, (detractors + 0.75) / n_adj
    centre = p - d
    half = z * math.sqrt((p + d - centre**2) / n_adj)
    return NpsInterval(
        n=n, promoters=promoters, passives=passives, detractors=detractors,
        nps=100.0 * (promoters - detractors) / n,
        ci_low=100.0 * max(-1.0, centre - half), ci_high=100.0 * min(1.0, centre + half),
    )  # fmt: skip
