"""The NPS pages (issue 12): the reading for every role, the free texts and the lists to act on
for the roles that see personal data.  Every number comes from :mod:`horetsu.nps` (no NPS
arithmetic here)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from horetsu.web.core.access import audit, needs
from horetsu.web.downloads import neutralise
from horetsu.web.i18n import name, text
from horetsu.web.views.common import page, workspace

BREAKDOWNS = ("by_stage", "by_journey_step", "by_cpm_cell", "by_cohort", "by_first_category", "by_channel", "by_month")
GROUP = {"by_stage": "stage", "by_journey_step": "journey_step"}
LISTS = ("detractors_personal_reply", "promoters_thank_you", "promoters_referral_request", "promoters_review_request")


def _segment_name(lang: str, key: str, seg: str) -> str:
    if seg in ("unclassified", "unknown"):
        return text(lang, f"nps.{seg}")
    if key in GROUP:
        return name(lang, GROUP[key], seg)
    if key == "by_cpm_cell" and "/" in seg:
        segment, state = seg.rsplit("/", 1)
        return f"{name(lang, 'cpm_segment', segment)} · {text(lang, 'nps.' + state) if state in ('active', 'lapsed') else state}"
    return seg


def _rows(lang: str, key: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": seg, "name": _segment_name(lang, key, seg), **row} for seg, row in data.items()]


def _compare(report: dict[str, Any], a: str, b: str) -> dict[str, Any] | None:
    """The library's comparison of two segments chosen as ``by_x:value``."""
    from horetsu.nps.stats import compare, estimate

    def est(choice: str) -> Any:
        key, _, seg = choice.partition(":")
        row = report.get(key, {}).get(seg) if key in BREAKDOWNS else None
        return None if row is None else estimate(row["promoters"], row["passives"], row["detractors"])

    ea, eb = est(a), est(b)
    if ea is None or eb is None:
        return None
    return {**compare(ea, eb), "a": ea, "b": eb}


@require_GET
@needs("aggregate")
def nps_page(request: Any) -> Any:
    from horetsu.nps.reading import nps_report

    lang = request.lang
    report = nps_report(workspace())
    tables = [{"key": k, "title": text(lang, f"nps.{k}"), "rows": _rows(lang, k, report.get(k) or {})}
              for k in BREAKDOWNS]  # fmt: skip
    choices = [(f"{t['key']}:{r['key']}", f"{t['title']}: {r['name']}") for t in tables for r in t["rows"]]
    a, b = request.GET.get("a", ""), request.GET.get("b", "")
    comparison = _compare(report, a, b) if a and b else None
    return page(request, "horetsu/nps.html", {
        "r": report, "tables": tables, "waves": report.get("waves") or [], "choices": choices,
        "a": a, "b": b, "comparison": comparison,
        "compare_error": text(lang, "nps.compare_pick") if (a or b) and comparison is None else "",
    })  # fmt: skip


@require_GET
@needs("personal")
def nps_texts(request: Any) -> Any:
    from horetsu.nps.reading import search_texts

    lang = request.lang
    q = str(request.GET.get("q", ""))[:200]
    t = search_texts(workspace(), q, limit=200)
    rows = [{**r, "stage_name": name(lang, "stage", r["stage"]) if r["stage"] not in ("unclassified", "unknown")
             else text(lang, f"nps.{r['stage']}"), "score": int(r["score"])} for r in t.to_pylist()]  # fmt: skip
    return page(request, "horetsu/nps_texts.html", {"rows": rows, "q": q})


def _lists(ws: Any) -> list[Any]:
    from horetsu.nps.actions import act_lists

    return act_lists(ws)


@require_GET
@needs("personal")
def nps_act(request: Any) -> Any:
    lang = request.lang
    out = []
    for lst in _lists(workspace()):  # four lists
        rows = lst.rows.to_pylist()
        out.append({
            "name": lst.name, "title": text(lang, f"nps.list.{lst.name}"), "tactic": lst.tactic,
            "rows": [{**r, "score": int(r["score"]), "stage_name": name(lang, "stage", r.get("stage"))} for r in rows[:100]],
            "n": len(rows), "blocked": lst.gate.n_blocked, "rules": sorted(lst.gate.rule_counts.items()),
        })  # fmt: skip
    return page(request, "horetsu/nps_act.html", {"lists": out})


@require_GET
@needs("personal")
def nps_act_download(request: Any) -> Any:
    wanted = request.GET.get("list", "")
    if wanted not in LISTS:
        from django.http import Http404

        raise Http404
    (lst,) = [x for x in _lists(workspace()) if x.name == wanted]
    cols = ["customer_id", "stage", "score", "answered_at", "due_by", "reason", "improve"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(cols)
    for r in lst.rows.to_pylist():
        w.writerow([neutralise(_cell(r.get(c))) for c in cols])
    audit(request, "download", f"nps list {wanted}: {lst.rows.num_rows} rows")
    response = HttpResponse(("\ufeff" + buf.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{wanted}.csv"'
    response["X-Rows"] = str(lst.rows.num_rows)
    return response


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.isoformat(timespec="minutes")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
