"""The sample shop: a simulated Japanese D2C shop with known true parameters.

    from horetsu.sample import generate
    info = generate("sample-shop", customers=20000, seed=0)
    info.files    # orders.csv, customers.csv, events.csv, subscriptions.csv
    info.params   # {"bgnbd": {...}, "gamma_gamma": {...}, "sbg": {...}, "start": ..., "end": ...}
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate", "SampleInfo", "TrueParams", "FORMATS"]


def __getattr__(name: str) -> Any:
    if name in ("generate", "SampleInfo", "FORMATS"):
        from horetsu.sample import build as _g

        return getattr(_g, name)
    if name == "TrueParams":
        from horetsu.sample.params import TrueParams

        return TrueParams
    raise AttributeError(f"module 'horetsu.sample' has no attribute {name!r}")
