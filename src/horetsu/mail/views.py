"""Public pages of the mail app: the unsubscribe page (GET: a button, never acts), the RFC 8058
one-click POST, and the open-tracking image (``[mail] track_opens``)."""

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


# a transparent 1×1 GIF
PIXEL = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def open_view(request: HttpRequest, token: str) -> HttpResponse:
    """Record the first load of a mail's image as its open (only the time; no address, no agent)."""
    from horetsu.errors import TokenError
    from horetsu.mail.clock import parse_now
    from horetsu.mail.models import Message
    from horetsu.mail.tokens import mail_secret, read_open_token
    from horetsu.mail.worker import mail_settings

    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    ws = _ws()
    try:
        row_id = read_open_token(mail_secret(ws, mail_settings(ws).secret), token)
    except TokenError:
        return HttpResponse(status=404)
    Message.objects.filter(id=row_id, tracked=True, opened_at__isnull=True).update(opened_at=parse_now(None))
    out = HttpResponse(PIXEL, content_type="image/gif")
    out["Cache-Control"] = "no-store, private"
    return out
