"""Is it working? Per sequence and step: sent, skipped by reason, opened where known,
purchased within N days, and the repurchase rate of those reached against the holdout
(difference with a 95% CI).

Opens are known only for mails sent with ``[mail] track_opens`` (``tracked``); a step
whose sent mails were not tracked reports ``opened`` as unknown (``None``), never 0.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import pyarrow as pa

Z95 = 1.959963984540054


def diff_ci(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    """p1 − p0 with a Wald 95% interval (NaN when a group is empty)."""
    if n1 == 0 or n0 == 0:
        return math.nan, math.nan, math.nan
    p1, p0 = x1 / n1, x0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    d = p1 - p0
    return d, d - Z95 * se, d + Z95 * se


def status(ws: Any, *, days: int | None = None) -> dict[str, Any]:
    """{'steps': Arrow table per sequence/step/state/reason, 'step_results': sent / tracked / opened /
    purchased within ``days`` of the send, per sequence and step, 'sequences': uplift per sequence}."""
    from horetsu.mail.db import open_db
    from horetsu.mail.worker import mail_settings
    from horetsu.core.purchases import excluded_statuses, purchases

    open_db(ws)
    from horetsu.mail.models import Message

    days = days or mail_settings(ws).purchased_within_days
    keys = ("customer_id", "sequence", "step", "occurrence", "state", "reason")
    rows = list(Message.objects.values_list(*keys, "sent_at", "tracked", "opened_at"))
    msgs = pa.table({k: pa.array([r[i] for r in rows], pa.string() if k != "step" else pa.int64())
                     for i, k in enumerate(keys)})
    # the Tokyo day of the send (days since 1970-01-01, as purchases hold it; Tokyo has no DST)
    msgs = msgs.append_column("sent_day", pa.array([None if r[6] is None else int((r[6].timestamp() + 9 * 3600) // 86400)
                                                    for r in rows], pa.int64()))
    msgs = msgs.append_column("tracked", pa.array([bool(r[7]) for r in rows], pa.bool_()))
    msgs = msgs.append_column("opened", pa.array([r[8] is not None for r in rows], pa.bool_()))
    orders = purchases(ws, excluded_statuses(ws)).select("customer_id", "day").to_pyarrow()
    con = duckdb.connect()
    con.register("m", msgs)
    con.register("o", orders)
    steps = con.execute("""
        SELECT sequence, step, state, reason, count(*) AS n FROM m GROUP BY ALL ORDER BY ALL""").to_arrow_table()
    step_results = con.execute(f"""
        SELECT sequence, step,
               count(*) FILTER (WHERE state = 'sent') AS sent,
               count(*) FILTER (WHERE state = 'sent' AND tracked) AS tracked,
               count(*) FILTER (WHERE state = 'sent' AND tracked AND opened) AS opened,
               count(*) FILTER (WHERE state = 'sent' AND EXISTS (SELECT 1 FROM o WHERE o.customer_id = m.customer_id
                                AND o.day > m.sent_day AND o.day <= m.sent_day + {int(days)})) AS purchased
        FROM m GROUP BY ALL ORDER BY ALL""").to_arrow_table().to_pylist()
    for r in step_results:
        r["opened"] = r["opened"] if r["tracked"] else None  # unknown, not zero
    seqs = con.execute(f"""
        WITH occ AS (
          SELECT customer_id, sequence, occurrence,
                 bool_or(state = 'sent') AS reached, bool_and(state = 'holdout') AS held
          FROM m GROUP BY ALL),
        bought AS (
          SELECT occ.*, EXISTS (SELECT 1 FROM o WHERE o.customer_id = occ.customer_id
                 AND o.day > (CAST(occ.occurrence AS DATE) - DATE '1970-01-01')
                 AND o.day <= (CAST(occ.occurrence AS DATE) - DATE '1970-01-01') + {int(days)}) AS bought
          FROM occ)
        SELECT sequence,
               count(*) FILTER (WHERE reached) AS reached, count(*) FILTER (WHERE reached AND bought) AS reached_bought,
               count(*) FILTER (WHERE held) AS holdout, count(*) FILTER (WHERE held AND bought) AS holdout_bought
        FROM bought GROUP BY sequence ORDER BY sequence""").to_arrow_table().to_pylist()
    con.close()
    for s in seqs:
        d, lo, hi = diff_ci(s["reached_bought"], s["reached"], s["holdout_bought"], s["holdout"])
        s.update(uplift=d, ci_low=lo, ci_high=hi, incremental=d * s["reached"] if not math.isnan(d) else math.nan)
    return {"days": days, "steps": steps, "step_results": step_results, "sequences": seqs}
