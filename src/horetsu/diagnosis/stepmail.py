"""Step mails as evidence for the diagnosis: did they run, and what did they add?

The hook for the step-mail feature: it builds a :class:`StepMailEvidence` (sends and, per
sequence, the repurchases of mailed customers against the holdout) and passes it to
``diagnose(ws, answers, step_mails=...)``.  Without it, the diagnosis looks at the
``message_sent`` events in the workspace: a send is a step-mail send when its ``note`` is a
step-mail tactic (``[diagnosis.settings] step_mail_tactics``) or its ``payload`` names a
``"sequence"``.  No ``message_sent`` event at all in the period means "no data" (the shop
may send from another tool); sends of which none is a step mail mean "none ran".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

Z95 = 1.959963984540054


@dataclass(frozen=True)
class SequenceUplift:
    """One sequence's repurchases among mailed customers and among its holdout."""

    sequence: str
    treated: int
    treated_converted: int
    holdout: int
    holdout_converted: int

    @property
    def uplift(self) -> float | None:
        """Difference of repurchase rates (mailed − holdout), or None without a holdout."""
        if self.treated <= 0 or self.holdout <= 0:
            return None
        return self.treated_converted / self.treated - self.holdout_converted / self.holdout

    def interval(self, z: float = Z95) -> tuple[float, float] | None:
        """95 % Wald interval of the uplift (difference of two proportions)."""
        u = self.uplift
        if u is None:
            return None
        p1, p0 = self.treated_converted / self.treated, self.holdout_converted / self.holdout
        se = math.sqrt(p1 * (1 - p1) / self.treated + p0 * (1 - p0) / self.holdout)
        return (u - z * se, u + z * se)

    def to_json(self) -> dict[str, Any]:
        ci = self.interval()
        return {"sequence": self.sequence, "treated": self.treated, "treated_converted": self.treated_converted,
                "holdout": self.holdout, "holdout_converted": self.holdout_converted, "uplift": self.uplift,
                "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None}  # fmt: skip


@dataclass(frozen=True)
class StepMailEvidence:
    """``running``: True / False, or None when the data cannot tell."""

    running: bool | None
    sent: int = 0
    source: str = "events"  # "events" (message_sent) or the feature that filled it
    sequences: tuple[SequenceUplift, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"running": self.running, "sent": self.sent, "source": self.source,
                "sequences": [s.to_json() for s in self.sequences]}  # fmt: skip


def from_events(ws: Any, start: dt.date, end: dt.date, tactics: list[str]) -> StepMailEvidence:
    """Step-mail sends among the ``message_sent`` events with ``start < event_date <= end``."""
    e = ws.table("events")
    e = e.filter(e.type == "message_sent", e.event_date > start, e.event_date <= end)
    is_step = e.note.isin(tactics) if tactics else False
    is_step = is_step | e.payload.fill_null("").contains('"sequence"')
    row = e.aggregate(total=e.count(), steps=e.count(where=is_step)).to_pyarrow().to_pylist()[0]
    total, steps = int(row["total"] or 0), int(row["steps"] or 0)
    if total == 0:
        return StepMailEvidence(running=None, sent=0)
    return StepMailEvidence(running=steps > 0, sent=steps)
