"""The business diagnosis pages (issue 13): the quiz, answered in the browser, and its result.

Answering (``POST /diagnosis``) is for the owner and the consultant; a consultant works
with an ``analyst`` account (everything read-only plus this quiz), so the level
``diagnose`` admits exactly owner and analyst.  A diagnosis holds no personal data: every
role may read the saved ones.  The form goes through the library exactly as
``horetsu diagnose --answers`` does: ``parse_answers(form, quiz, source="web form")``,
``diagnose(ws, answers, quiz=quiz)`` and ``save_diagnosis``; nothing is computed here.
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET, require_http_methods

from horetsu.web.core.access import allowed, audit, needs
from horetsu.web.views.common import page, workspace

NAME = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{8}T\d{6}(_\d{3})?$")  # a second one in the same second: _002, ...


def _quiz_rows(quiz: Any, lang: str, chosen: dict[str, str]) -> list[dict[str, Any]]:
    from horetsu.diagnosis import ANSWER_LABELS, AREAS

    choices = [(a, ANSWER_LABELS[a][0 if lang == "ja" else 1]) for a in ANSWER_LABELS]
    out = []
    for area in AREAS:
        a = quiz.areas.get(area)
        qs = [{"id": q, "text": getattr(quiz.questions[q], lang), "item": quiz.questions[q].item,
               "chosen": chosen.get(q, "")} for q in quiz.in_area(area)]  # fmt: skip
        if qs:
            out.append({"area": area, "title": getattr(a, lang) if a else area, "questions": qs})
    return [{"choices": choices, **g} for g in out]


def _history(ws: Any) -> list[dict[str, Any]]:
    from horetsu.diagnosis.history import folder

    where = folder(ws)
    names = sorted((p.stem for p in where.glob("*.json") if NAME.match(p.stem)), reverse=True) if where.exists() else []
    return [{"name": n, "as_of": n[:10], "at": f"{n[11:15]}-{n[15:17]}-{n[17:19]} {n[20:22]}:{n[22:24]} UTC"} for n in names]


def _last_answers(ws: Any, quiz: Any) -> dict[str, str]:
    from horetsu.diagnosis import latest, workspace_answers

    doc = latest(ws)
    if doc:
        return {q: a["given"] for q, a in (doc.get("answers") or {}).items() if a.get("given") and q in quiz.questions}
    return workspace_answers(ws, quiz)


@require_http_methods(["GET", "POST"])
@needs("aggregate")
def diagnosis_page(request: Any) -> Any:
    from horetsu.diagnosis import diagnose, load_quiz, parse_answers, save_diagnosis
    from horetsu.errors import ConfigError

    lang = request.lang
    ws = workspace()
    quiz = load_quiz(ws)
    error, status, chosen = "", 200, None
    if request.method == "POST":
        if not allowed(request.user, "diagnose"):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = {q: request.POST.get(q, "") for q in quiz.questions}
        try:
            answers = parse_answers(form, quiz, source="web form")
        except ConfigError as exc:
            bad = next((q for q in quiz.questions if f"answers.{q}:" in str(exc)), None)
            question = getattr(quiz.questions[bad], lang) if bad else ""
            from horetsu.web.i18n import text

            error = text(lang, "diagnosis.bad_answer", question=question, why=exc.message(lang))
            status, chosen = 400, {q: v for q, v in form.items() if v}
        else:
            diag = diagnose(ws, answers, quiz=quiz)
            path = save_diagnosis(ws, diag)
            audit(request, "diagnosis", f"saved {path.name}")
            return HttpResponseRedirect(f"/diagnosis/{path.stem}")
    history = _history(ws)
    return page(request, "horetsu/diagnosis.html", {
        "groups": _quiz_rows(quiz, lang, chosen if chosen is not None else _last_answers(ws, quiz)),
        "history": history, "error": error, "can_answer": allowed(request.user, "diagnose"),
    }, status=status)  # fmt: skip


def _fix_link(fix: dict[str, Any]) -> str:
    """Where in the web app a fix lives ('' = a command, shown as text)."""
    kind, fid = fix.get("kind"), str(fix.get("id", ""))
    if kind == "nps":
        return "/nps"
    if kind == "gate_rule":
        return "/campaign"
    if kind == "tactic":
        return "/campaign?tactic=" + fid.split(":", 1)[1]
    if kind == "report":
        return "/analysis/report" + str(fix.get("link", ""))
    return ""


@require_GET
@needs("aggregate")
def diagnosis_result(request: Any, name: str) -> Any:
    from horetsu.diagnosis import text as tx
    from horetsu.diagnosis.history import folder

    lang = request.lang
    if not NAME.match(name):
        raise Http404
    path = folder(workspace()) / f"{name}.json"
    if not path.exists():
        raise Http404
    doc = json.loads(path.read_text(encoding="utf-8"))
    t = lambda key: tx.tr(key, lang)  # noqa: E731
    kpis = [{"key": k, "label": tx.pick(v["label"], lang), "value": tx.kpi_value(v, lang), "n": v.get("n"),
             "note": tx.kpi_note(v, lang), "no_data": v.get("status") == "no_data"} for k, v in doc["kpis"].items()]  # fmt: skip
    gaps = [{"id": g["id"], "title": tx.pick(g["title"], lang), "question": tx.pick(g.get("question"), lang),
             "basis": t("basis." + g["basis"]), "customers": g["cost"].get("customers"), "yen": tx.yen(g["cost"].get("yen"), lang),
             "fixes": [{"text": tx.pick(f.get("text"), lang), "href": _fix_link(f), "command": f.get("link", "")} for f in g["fix"]]}
            for g in doc["gaps"]]  # fmt: skip
    moved = ((doc.get("changes") or {}).get("scores")) or {}
    scores = [{"key": a, "label": tx.pick(s["label"], lang), "score": tx.score(s["score"]), "scored": s["scored"],
               "questions": s["questions"], "change": moved.get(a, {}).get("change")} for a, s in doc["scores"].items()]  # fmt: skip
    ch = doc.get("changes")
    changes = None
    if ch:
        labels = {k: tx.pick(v["label"], lang) for k, v in doc["kpis"].items()}
        from horetsu.diagnosis import load_quiz

        quiz = load_quiz(workspace())
        qtitle = {q: getattr(v, lang) for q, v in quiz.questions.items()}
        st = ch.get("business_stage") or {}
        before = st.get("before")
        changes = {"before": ch.get("previous_diagnosed_at"), "moved": st.get("moved"),
                   "stage_before": tx.pick({"ja": quiz.areas[before].ja, "en": quiz.areas[before].en}, lang)
                   if before in quiz.areas else "–",
                   "improved": [labels.get(k, k) for k in ch.get("improved", [])],
                   "worsened": [labels.get(k, k) for k in ch.get("worsened", [])],
                   "closed": [qtitle.get(k, k) for k in ch.get("gaps_closed", [])],
                   "opened": [qtitle.get(k, k) for k in ch.get("gaps_opened", [])]}  # fmt: skip
    counts = (doc.get("stages") or {}).get("counts") or {}
    stages = [{"label": tx.pick(doc["scores"][s]["label"], lang), **c} for s, c in counts.items() if s in doc["scores"]]
    return page(request, "horetsu/diagnosis_result.html", {
        "d": doc, "name": name, "stage": tx.pick(doc.get("business_stage_label"), lang) or t("stage_none"),
        "reasons": [tx.pick(r["text"], lang) for r in doc["stage_reasons"]], "scores": scores, "kpis": kpis,
        "gaps": gaps, "ranked_by": t("ranked_by_" + doc["gaps_ranked_by"]),
        "flags": [{"question": c["question"], "text": tx.pick(c["text"], lang)} for c in doc["contradictions"]],
        "changes": changes, "stages": stages, "T": {k: t(k) for k in tx.LABELS if "." not in k},
    })  # fmt: skip
