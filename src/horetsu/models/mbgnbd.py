"""MBG/NBD: the modified BG/NBD (Batislam, Denizel & Filiztekin 2007).

Like BG/NBD, except that a customer may also drop out right after the first
purchase, so a customer without repeat purchases is not certainly alive::

    L = B(a, b+x+1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + B(a+1, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))     (for every x)

The code is BG/NBD's with the Beta arguments shifted by one (``_shift = 1``).
"""

from __future__ import annotations

from horetsu.models.bgnbd import BetaGeo


class ModifiedBetaGeo(BetaGeo):
    """MBG/NBD model. ``params_`` = {r, alpha, a, b}; time in the unit of the summary."""

    _shift = 1
