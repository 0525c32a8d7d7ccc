"""Buy-till-you-die models: who is still alive, who will buy again, what they are worth.

scikit-learn style estimators (``fit`` returns ``self``; learned values end in ``_``)::

    from horetsu.models import rfm_summary, BetaGeo, GammaGamma, customer_value
    s = rfm_summary(orders, "customer_id", "order_date", "total_jpy", calibration_end="2024-12-31")
    bg = BetaGeo().fit(s["frequency"], s["recency"], s["T"])
    gg = GammaGamma().fit(s["frequency"], s["monetary"])
    s["clv"] = customer_value(bg, gg, s, horizon_months=12, annual_discount=0.10)

Submodules are imported on first use, so ``import horetsu.models`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "GammaGamma",
    "ShiftedBetaGeometric",
    "rfm_summary",
    "customer_value",
    "holdout_report",
    "HoldoutReport",
    "score_workspace",
    "NotFittedError",
    "ConvergenceError",
]

_WHERE = {
    "BetaGeo": "bgnbd",
    "BetaGeoBetaBinom": "bgbb",
    "ModifiedBetaGeo": "mbgnbd",
    "ParetoNBD": "paretonbd",
    "GammaGamma": "gammagamma",
    "ShiftedBetaGeometric": "sbg",
    "rfm_summary": "summary",
    "customer_value": "value",
    "holdout_report": "holdout",
    "HoldoutReport": "holdout",
    "score_workspace": "scoring",
}
_ERRORS = ("NotFittedError", "ConvergenceError")  # re-exported from horetsu.errors

if TYPE_CHECKING:  # pragma: no cover
    from horetsu.models.bgbb import BetaGeoBetaBinom
    from horetsu.models.bgnbd import BetaGeo
    from horetsu.models.gammagamma import GammaGamma
    from horetsu.models.holdout import HoldoutReport, holdout_report
    from horetsu.models.mbgnbd import ModifiedBetaGeo
    from horetsu.models.paretonbd import ParetoNBD
    from horetsu.models.sbg import ShiftedBetaGeometric
    from horetsu.models.scoring import score_workspace
    from horetsu.models.summary import rfm_summary
    from horetsu.models.value import customer_value


def __getattr__(name: str) -> Any:
    if name in _ERRORS:
        return getattr(importlib.import_module("horetsu.errors"), name)
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'horetsu.models' has no attribute {name!r}")
    return getattr(importlib.import_module(f"horetsu.models.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
