"""The unsubscribe URL: GET shows a button and never acts; the RFC 8058 one-click POST acts
with no cookie, no login and no CSRF token; a forged token does nothing; a link of the
first (readable) format that was already sent keeps working."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mailkit import SRC, make_shop

pytestmark = pytest.mark.xdist_group("mail")

CHILD = """
import base64, hashlib, hmac, sys
import horetsu
from horetsu.mail.db import open_db
ws = horetsu.open_workspace(sys.argv[1])
open_db(ws)
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
from horetsu.mail.models import Suppression
from horetsu.mail.tokens import mail_secret, make_token, register
from horetsu.mail.clock import parse_now
from horetsu.mail.worker import mail_settings

setup_test_environment()
secret = mail_secret(ws, mail_settings(ws).secret)
token = register(secret, [("email", "a@example.com")], parse_now(None))[("email", "a@example.com")]
unkeyed = make_token(secret, "email", "x@example.com")  # right MAC, but never put in a mail
# a link of the first format, as mails sent before the opaque tokens carry it
payload = b"email\\nold@example.com"
legacy = (base64.urlsafe_b64encode(payload).rstrip(b"=").decode() + "." +
          base64.urlsafe_b64encode(hmac.new(secret, b"unsubscribe\\n" + payload, hashlib.sha256).digest()[:20]).rstrip(b"=").decode())
with override_settings(ROOT_URLCONF="horetsu.mail.urls"):
    c = Client(enforce_csrf_checks=True)
    r = c.get(f"/u/{token}")
    print("GET", r.status_code, 'method="post"' in r.content.decode(), Suppression.objects.count())
    r = c.get(f"/u/{token[:-3]}abc")
    print("FORGED_GET", r.status_code)
    r = c.post(f"/u/{token[:-3]}abc", {"List-Unsubscribe": "One-Click"})
    print("FORGED_POST", r.status_code, Suppression.objects.count())
    r = c.post(f"/u/{unkeyed}", {"List-Unsubscribe": "One-Click"})
    print("UNKEYED_POST", r.status_code, Suppression.objects.count())
    r = c.put(f"/u/{token}")
    print("PUT", r.status_code, Suppression.objects.count())
    r = c.post(f"/u/{token}", {"List-Unsubscribe": "One-Click"})
    print("POST", r.status_code, list(Suppression.objects.values_list("address", "reason")))
    r = c.post(f"/u/{token}", {"List-Unsubscribe": "One-Click"})
    print("AGAIN", r.status_code, Suppression.objects.count())
    r = c.post(f"/u/{legacy}", {"List-Unsubscribe": "One-Click"})
    print("LEGACY", r.status_code, Suppression.objects.filter(address="old@example.com").count())
    r = c.post(f"/u/{legacy[:-2]}xx", {"List-Unsubscribe": "One-Click"})
    print("LEGACY_FORGED", r.status_code, Suppression.objects.count())
"""


def test_get_never_unsubscribes_and_the_one_click_post_does(tmp_path):
    ws = make_shop(tmp_path / "ws", ["a@example.com"], smtp_port=1)
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    env.pop("HORETSU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", CHILD, str(ws)], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines == [
        "GET 200 True 0",  # a page with a button; nothing suppressed (link scanners prefetch)
        "FORGED_GET 404",
        "FORGED_POST 404 0",
        "UNKEYED_POST 404 0",
        "PUT 405 0",
        "POST 200 [('a@example.com', 'one_click')]",  # no cookie, no CSRF token, no login
        "AGAIN 200 1",
        "LEGACY 200 1",  # a link already sent in the old format still unsubscribes
        "LEGACY_FORGED 404 2",
    ]
