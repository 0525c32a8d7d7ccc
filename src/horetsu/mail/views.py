"""The unsubscribe page (GET: a button, never acts) and the RFC 8058 one-click POST."""

from __future__ import annotations

from html import escape

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

PAGE = """<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>配信停止 / Unsubscribe</title></head>
<body><main><h1>配信停止 / Unsubscribe</h1>{body}</main></body></html>"""


def _ws():
    from django.conf import settings

    from horetsu.workspace import open_workspace

    return open_workspace(settings.HORETSU_WORKSPACE)


@csrf_exempt  # RFC 8058: the mail provider POSTs with no cookie and no token; the signed URL authenticates
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    from horetsu.errors import TokenError
    from horetsu.mail.unsubscribe import check, unsubscribe

    ws = _ws()
    if request.method == "GET":
        try:
            check(ws, token)
        except TokenError:
            return HttpResponse(PAGE.format(body="<p>このリンクは無効です。 / This link is not valid.</p>"), status=404)
        form = (f'<form method="post" action="{escape(request.path)}">'
                '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
                "<p>今後のメール配信を停止します。よろしければボタンを押してください。<br>"
                "Press the button to stop further mail.</p>"
                '<button type="submit">配信を停止する / Unsubscribe</button></form>')
        return HttpResponse(PAGE.format(body=form))
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        unsubscribe(ws, token, how="one_click" if request.POST.get("List-Unsubscribe") == "One-Click" else "unsubscribe")
    except TokenError:
        return HttpResponse(PAGE.format(body="<p>このリンクは無効です。 / This link is not valid.</p>"), status=404)
    return HttpResponse(PAGE.format(body="<p>配信を停止しました。 / You are unsubscribed.</p>"))

