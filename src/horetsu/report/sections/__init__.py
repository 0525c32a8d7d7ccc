"""One module per report section; each exposes ``build(data, tr) -> Section``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section
from horetsu.report.sections import (
    actions,
    clv,
    cohorts,
    nps,
    diagnosis,
    mail,
    overview,
    quality,
    repeat,
    segments,
    stages,
    timeline,
)

log = logging.getLogger(__name__)

Builder = Callable[[ReportData, Tr], Section]

# (section key, title label, builder) in page order.
SECTIONS: tuple[tuple[str, str, Builder], ...] = (
    ("overview", "sec.overview", overview.build),
    ("timeline", "sec.timeline", timeline.build),
    ("cohorts", "sec.cohorts", cohorts.build),
    ("f2", "sec.f2", repeat.build_f2),
    ("intervals", "sec.intervals", repeat.build_intervals),
    ("rfm", "sec.rfm", segments.build_rfm),
    ("cpm", "sec.cpm", segments.build_cpm),
    ("deciles", "sec.deciles", segments.build_deciles),
    ("stages", "sec.stages", stages.build_stages),
    ("journey", "sec.journey", stages.build_journey),
    ("clv", "sec.clv", clv.build),
    ("actions", "sec.actions", actions.build),
    ("mail", "sec.mail", mail.build),
    ("nps", "sec.nps", nps.build),
    ("quality", "sec.quality", quality.build),
    ("diagnosis", "sec.diagnosis", diagnosis.build),
)


def build_all(data: ReportData, tr: Tr, progress: Any = None) -> list[Section]:
    """Every section in page order; ``progress`` (optional) advances once per section."""
    out = []
    for key, title, builder in SECTIONS:
        if progress is not None:
            progress.update(description=tr(title))
        try:
            sec = builder(data, tr)
        except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
            # A result with an unexpected shape must not take the whole report down.
            log.warning("report section %s could not be built: %r", key, exc)
            sec = Section(key, tr(title), missing=[f"{type(exc).__name__}: {exc}"])
        sec.key, sec.title = key, tr(title)
        out.append(sec)
        if progress is not None:
            progress.advance(1)
    return out
