"""NPS: survey waves and signed links, answers as events, NPS with intervals by stage, follow-up lists.

Public API::

    from horetsu.nps import load_answers, nps_report, search_texts, run_wave, act_lists
    from horetsu.nps.tokens import make_token, verify          # used by the web survey page

Modules: ``stats`` (NPS, adjusted-Wald interval, segment comparison), ``answers`` (the one
reader of answers), ``segments`` (respondents' attributes from the stored results),
``reading`` (the report), ``tokens`` / ``record`` (links and storing an answer), ``waves``,
``actions``, ``settings``.  Submodules load on first use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_answers", "nps_report", "search_texts", "run_wave", "act_lists", "record_answer", "estimate"]

_WHERE = {
    "load_answers": "horetsu.nps.answers",
    "nps_report": "horetsu.nps.reading",
    "search_texts": "horetsu.nps.reading",
    "run_wave": "horetsu.nps.waves",
    "act_lists": "horetsu.nps.actions",
    "record_answer": "horetsu.nps.record",
    "estimate": "horetsu.nps.stats",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'horetsu.nps' has no attribute {name!r}")
