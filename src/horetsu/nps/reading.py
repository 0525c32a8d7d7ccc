"""Reading the answers: NPS overall and by stage, journey step, CPM cell, acquisition
cohort, first category, channel and month, plus the response rate of each wave.

Answers come from :func:`horetsu.nps.answers.load_answers` (stored facts, so a new answer
counts at once); who the respondent is comes from the stored analysis results
(:mod:`horetsu.nps.segments`).  Every answer counts (a customer who answered twice counts
twice); a customer unknown to the last analyze is in the overall figure and under
``unclassified`` in the breakdowns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.nps.answers import load_answers
from horetsu.nps.segments import SEGMENTS, customer_segments, results_as_of
from horetsu.nps.stats import by_segment, estimate, kinds
from horetsu.nps.waves import response_rates

UNCLASSIFIED = "unclassified"
STAGE_ORDER = ("observer", "landing", "empathy", "engagement", "circulation")
BREAKDOWNS = ("by_stage", "by_journey_step", "by_cpm_cell", "by_cohort", "by_first_category", "by_channel")


def answers_with_segments(ws: Any, answers: pa.Table | None = None) -> pa.Table:
    """Answers joined with the respondent's stage, journey step, CPM cell, cohort, first category, channel."""
    answers = load_answers(ws) if answers is None else answers
    seg = customer_segments(ws)
    t = answers.append_column("__i", pa.array(np.arange(answers.num_rows)))
    if seg is None:
        t = t.append_column("__known", pa.array(np.zeros(t.num_rows, dtype=bool)))
        for key in SEGMENTS:
            t = t.append_column(key, pa.nulls(t.num_rows, pa.string()))
    else:  # only the respondents' rows take part in the join (a few among a million)
        seg = seg.filter(pc.is_in(seg["customer_id"], value_set=pc.unique(answers["customer_id"].cast(pa.string()))))
        seg = seg.append_column("__known", pa.array(np.ones(seg.num_rows, dtype=bool)))
        t = t.join(seg, "customer_id", join_type="left outer", use_threads=False)
    t = t.sort_by("__i").drop_columns(["__i"])
    known = pc.fill_null(t.column("__known"), False)
    for key in SEGMENTS:
        filled = pc.if_else(known, pc.fill_null(t.column(key), "unknown"), UNCLASSIFIED)
        t = t.set_column(t.schema.get_field_index(key), key, filled)
    month = pc.strftime(t.column("answered_at"), format="%Y-%m")
    return t.drop_columns(["__known"]).append_column("month", month)


def _breakdown(t: pa.Table, key: str) -> dict[str, dict[str, Any]]:
    g = by_segment(t, key)
    out = {}
    for row in g.to_pylist():  # one row per segment (a few dozen at most)
        out[row["segment"]] = {
            "n": row["n"], "promoters": row["promoters"], "passives": row["passives"], "detractors": row["detractors"],
            "nps": _r(row["nps"]), "ci_low": _r(row["ci_low"]), "ci_high": _r(row["ci_high"]),
            "variance": _r(row["variance"], 3), "differs_from_rest": bool(row["differs_from_rest"]),
        }  # fmt: skip
    return out


def _r(x: Any, digits: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def nps_report(ws: Any) -> dict[str, Any]:
    """The whole reading as one JSON-ready dict: ``n, nps, ci_low, ci_high, ...`` and ``by_*``."""
    answers = load_answers(ws)
    t = answers_with_segments(ws, answers)
    pro, pas, det = kinds(t.column("score"))
    count = lambda m: int(pc.sum(pc.cast(m, pa.int64())).as_py() or 0)  # noqa: E731
    overall = estimate(count(pro), count(pas), count(det)).to_dict()
    report: dict[str, Any] = {**overall, "respondents": len(pc.unique(t.column("customer_id")))}
    report["results_as_of"] = results_as_of(ws)
    report["last_answer_at"] = t.column("answered_at")[-1].as_py().isoformat() if t.num_rows else None
    for key in SEGMENTS:
        report[f"by_{key}"] = _breakdown(t, key) if t.num_rows else {}
    rank = {s: i for i, s in enumerate(STAGE_ORDER)}
    report["by_stage"] = dict(sorted(report["by_stage"].items(), key=lambda kv: (rank.get(kv[0], 99), kv[0])))
    report["by_month"] = _breakdown(t, "month") if t.num_rows else {}
    report["waves"] = response_rates(ws, answers)
    return report


def search_texts(ws: Any, query: str = "", *, limit: int | None = 50) -> pa.Table:
    """Answers whose texts contain ``query`` (case-insensitive, NFKC: ｶﾞ = ガ, ＡＢＣ = abc), newest first,
    with the score and the respondent's stage."""
    t = answers_with_segments(ws)
    t = t.select(["answered_at", "customer_id", "score", "stage", "reason", "improve", "source"])
    has_text = pc.or_(pc.is_valid(t.column("reason")), pc.is_valid(t.column("improve")))
    t = t.filter(has_text)
    q = " ".join(query.split())
    if q:
        import unicodedata

        needle = unicodedata.normalize("NFKC", q).casefold()
        hay = pc.binary_join_element_wise(pc.fill_null(t.column("reason"), ""), pc.fill_null(t.column("improve"), ""), "\n")
        hay = pc.utf8_lower(pc.utf8_normalize(hay, "NFKC"))
        t = t.filter(pc.match_substring(hay, needle.lower(), ignore_case=True))
    t = t.sort_by([("answered_at", "descending")])
    return t.slice(0, limit) if limit else t
