"""The NPS survey page: public (no login), one signed link per recipient, three questions.

``GET /s/<token>`` shows the form (or one kind sentence when the link cannot be used);
``POST /s/<token>`` stores the answer through :mod:`horetsu.nps.store` (exactly once per
token).  Refusals change nothing and answer with their HTTP status: a tampered link 404,
another customer's link 403, an answered one 409, an expired one 410.  The page's language
is ``?lang=`` (the mail puts the recipient's language there; the page has a switch), else
the shop's language.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from horetsu.web.i18n import LANGS, labels, text
from horetsu.web.views.common import workspace

log = logging.getLogger("horetsu.web")

STATUS = {"tampered": 404, "wrong_customer": 403, "already_answered": 409, "expired": 410}
SCORES = tuple(range(11))


def _lang(request: Any, ws: Any) -> str:
    asked = str(request.POST.get("lang") or request.GET.get("lang") or "")
    if asked in LANGS:
        return asked
    shop = getattr(ws.settings, "lang", "ja")
    return shop if shop in LANGS else "ja"


def _render(request: Any, lang: str, ctx: dict[str, Any], status: int = 200) -> Any:
    ctx = {"L": labels(lang), "lang": lang, "bare": True, "scores": SCORES,
           "other_lang": "en" if lang == "ja" else "ja", **ctx}  # fmt: skip
    return render(request, "horetsu/survey.html", ctx, status=status)


def _refused(request: Any, lang: str, exc: Any) -> Any:
    reason = getattr(exc, "reason", "tampered")
    return _render(request, lang, {"refused": text(lang, f"survey.refused.{reason}")}, STATUS.get(reason, 404))


@login_not_required
@require_http_methods(["GET", "POST"])
def survey_view(request: Any, token: str) -> Any:
    from horetsu.nps import store
    from horetsu.nps.tokens import TokenError

    ws = workspace()
    lang = _lang(request, ws)
    if request.method == "GET":
        try:
            claims = store.check(ws, token)
        except TokenError as exc:
            return _refused(request, lang, exc)
        return _render(request, lang, {"token": token, "customer": claims.customer_id})
    raw = str(request.POST.get("score", "")).strip()
    reason = str(request.POST.get("reason", ""))
    improve = str(request.POST.get("improve", ""))
    if raw not in {str(s) for s in SCORES}:
        try:  # a link that cannot be used is refused before a missing score is asked for
            claims = store.check(ws, token)
        except TokenError as exc:
            return _refused(request, lang, exc)
        return _render(request, lang, {"token": token, "customer": claims.customer_id, "reason": reason,
                                       "improve": improve, "error": text(lang, "survey.need_score")}, 400)  # fmt: skip
    try:
        store.store_answer(ws, token, int(raw), reason, improve, customer_id=request.POST.get("customer") or None,
                           lang=lang)  # fmt: skip
    except TokenError as exc:
        return _refused(request, lang, exc)
    return _render(request, lang, {"thanks": True})
