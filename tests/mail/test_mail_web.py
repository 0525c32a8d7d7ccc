"""The step-mail screens of ``horetsu serve`` over a shop whose mails went through aiosmtpd:
per step sent / skipped by reason / opened (from the open-tracking image, recorded once)
/ purchased, the holdout comparison with its interval, the queue paged on the server, the
preview equal to ``horetsu mail preview``, suppressing with CSRF by role, and the pages in
headless Chromium in Japanese and English."""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import math
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyarrow as pa
import pytest

from mailkit import FIRST_STEPS, JST, SRC, cli, free_port, make_shop, runs, sequence

pytestmark = [pytest.mark.xdist_group("mail"), pytest.mark.browser]

PASSWORD = "correct horse battery staple"
ROLES = ("owner", "marketer", "analyst", "viewer")
N = 30
SEQ = sequence(*FIRST_STEPS, holdout=0.3, stop_when=("unsubscribed",), description="After the first purchase")
ADD_USERS = r"""
import sys
import horetsu
from horetsu.web.setup import setup_django
setup_django(horetsu.open_workspace(sys.argv[1]))
from django.contrib.auth import get_user_model
from horetsu.web.core.models import Role
for role in sys.argv[3:]:
    user = get_user_model().objects.create_user(username=f"{role}@example.jp", email=f"{role}@example.jp", password=sys.argv[2])
    Role.objects.create(user=user, role=role)
"""
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003
        return None


class Client:
    def __init__(self, base: str) -> None:
        self.base, self.token = base, ""
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def go(self, method: str, path: str, data: dict | None = None, csrf: bool = True) -> tuple[int, str]:
        body, hdrs = None, {}
        if method == "POST":
            fields = dict(data or {})
            if csrf and self.token:
                fields["csrfmiddlewaretoken"] = self.token
            body = urllib.parse.urlencode(fields).encode()
            hdrs = {"Content-Type": "application/x-www-form-urlencoded", "Origin": self.base, "Referer": self.base + "/"}
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=hdrs)
        try:
            with self.opener.open(req, timeout=120) as r:
                status, text = r.status, r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode("utf-8", "replace")
        m = TOKEN.search(text)
        if m:
            self.token = m.group(1)
        return status, text

    def login(self, role: str) -> "Client":
        self.go("GET", "/login")
        status, _ = self.go("POST", "/login", {"email": f"{role}@example.jp", "password": PASSWORD})
        assert status == 302, role
        return self


@pytest.fixture
def shop(tmp_path, smtp):
    """Mails sent (step 1 on day 1, step 2 on day 2, 30% held out), then repeat orders on 10-05."""
    emails = [f"c{i:02d}@example.com" for i in range(N)]
    ws = make_shop(tmp_path / "ws", emails, smtp_port=smtp.port, sequence=SEQ, extra_toml="track_opens = true")
    runs(ws, "2026-09-30T10:00", "2026-10-01T10:00")
    import horetsu
    from horetsu import schema

    w = horetsu.open_workspace(ws)
    orders = w.read_arrow("orders")
    buyers = ["C000", "C001", "C002", "C003", "C004", "C005", "C006", "C007"]
    day = dt.date(2026, 10, 5)
    extra = pa.table({"order_id": [f"R{c}" for c in buyers], "customer_id": buyers,
                      "ordered_at": pa.array([dt.datetime.combine(day, dt.time(12), tzinfo=JST)] * len(buyers), schema.TS),
                      "order_date": pa.array([day] * len(buyers), pa.date32()),
                      "total_jpy": pa.array([3000] * len(buyers), pa.int64())})
    extra = schema.conform("orders", extra)
    w.write_tables({"orders": pa.concat_tables([orders, extra.cast(orders.schema)])})
    return ws, buyers


@pytest.fixture
def server(shop, tmp_path):
    ws, _ = shop
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", ADD_USERS, str(ws), PASSWORD, *ROLES], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    port = free_port()
    log = open(tmp_path / "serve.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "horetsu.cli.app", "serve", "-w", str(ws), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):
                break
        except OSError:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=30)


def wald(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    p1, p0 = x1 / n1, x0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return p1 - p0, p1 - p0 - 1.959964 * se, p1 - p0 + 1.959964 * se


def test_mail_screens(shop, server, smtp):
    ws, buyers = shop
    con = sqlite3.connect(ws / "ops.sqlite3")
    held = {c for (c,) in con.execute("SELECT DISTINCT customer_id FROM horetsu_mail_message WHERE state = 'holdout'")}
    reached = N - len(held)
    assert 0 < len(held) < N and con.execute("SELECT count(*) FROM horetsu_mail_message WHERE state = 'sent' "
                                             "AND tracked").fetchone()[0] == 2 * reached
    mails = smtp.messages()
    assert len(mails) == 2 * reached and all("/o/" in m["html"] and "/o/" not in m["body"] for m in mails)

    # opens: the image needs no login; recorded once; a forged token records nothing
    step1 = [m for m in mails if m["subject"] == "Thank you for your order"]
    assert len(step1) == reached, [m["subject"] for m in mails][:3]
    pixels = [re.search(r'src="http://127\.0\.0\.1:8000(/o/[A-Za-z0-9_-]+)"', m["html"]).group(1) for m in step1[:2]]
    anon = Client(server)
    for path in (pixels[0], pixels[0], pixels[1]):
        with urllib.request.urlopen(server + path) as r:
            assert r.status == 200 and r.headers["Content-Type"] == "image/gif" and r.read()[:6] == b"GIF89a"
    assert anon.go("GET", pixels[0][:-4] + "AAAA")[0] == 404
    assert con.execute("SELECT count(*) FROM horetsu_mail_message WHERE opened_at IS NOT NULL").fetchone()[0] == 2

    # /mail for the marketer: per step sent, opened (2 of the tracked step-1 mails), purchased, the uplift and CI
    m = Client(server).login("marketer")
    status, page = m.go("GET", "/mail")
    assert status == 200
    rows = re.findall(r'<tr data-step="(\d)">(.*?)</tr>', page, re.S)
    cells = {int(k): re.findall(r'class="(?:num )?(sent|opened|purchased)">([^<]*)<', v) for k, v in rows}
    bought_reached = len([b for b in buyers if b not in held])
    bought_held = len([b for b in buyers if b in held])
    assert cells[1] == [("sent", f"{reached}"), ("opened", f"2 / {reached} ({2 / reached * 100:.1f}%)"),
                        ("purchased", f"{bought_reached} ({bought_reached / reached * 100:.1f}%)")]
    assert cells[2][1] == ("opened", f"0 / {reached} (0.0%)")
    d, lo, hi = wald(bought_reached, reached, bought_held, len(held))
    assert f'class="num uplift">{d * 100:+.1f}%<' in page
    assert f'class="ci">[{lo * 100:+.1f}%, {hi * 100:+.1f}%]<' in page
    assert "holdout" in page.lower() or "対照群" in page

    # the CLI's status shows the same opens
    out = cli(ws, "mail", "status").stdout
    assert f"2 / {reached}" in out

    # the queue: 50 a page on the server, the rest on page 2
    total = con.execute("SELECT count(*) FROM horetsu_mail_message").fetchone()[0]
    assert total > 50
    _, q1 = m.go("GET", "/mail/queue")
    _, q2 = m.go("GET", "/mail/queue?page=2")
    assert q1.count("<tr class=\"state-") == 50 and q2.count("<tr class=\"state-") == total - 50
    assert 'id="next"' in q1 and 'id="next"' not in q2
    _, qs = m.go("GET", "/mail/queue?state=holdout")
    assert qs.count('<tr class="state-holdout"') == 2 * len(held) and 'class="state-sent"' not in qs

    # the preview page shows exactly what `horetsu mail preview` renders
    cli_text = cli(ws, "mail", "preview", "welcome", "2", "--customer", "C009").stdout
    _, pv = m.go("GET", "/mail/preview/welcome/2?customer=C009")
    found = re.search(r'<pre class="mail-body" id="mail-body">(.*?)</pre>', pv, re.S)
    assert found, re.findall(r'<p class="error">.*?</p>', pv)
    body = found.group(1)
    import html

    assert html.unescape(body).strip() == cli_text.split("\n\n", 1)[1].strip()
    assert "c09@example.com" in pv

    # roles: the viewer sees the aggregates and no personal data; the queue and preview are not for them
    v = Client(server).login("viewer")
    status, vpage = v.go("GET", "/mail")
    assert status == 200 and f'class="num sent">{reached}<' in vpage
    assert "@example.com" not in vpage and "C00" not in vpage and "/mail/preview" not in vpage
    assert v.go("GET", "/mail/queue")[0] == 403 and v.go("GET", "/mail/preview/welcome/1")[0] == 403
    # suppressing: POST + CSRF, owner and marketer only
    assert v.go("POST", "/mail/suppress", {"email": "c20@example.com"})[0] == 403
    a = Client(server).login("analyst")
    assert a.go("GET", "/mail/queue")[0] == 200
    assert a.go("POST", "/mail/suppress", {"email": "c20@example.com"})[0] == 403
    assert m.go("POST", "/mail/suppress", {"email": "c20@example.com"}, csrf=False)[0] == 403
    assert con.execute("SELECT count(*) FROM horetsu_mail_suppression").fetchone()[0] == 0
    m.go("GET", "/mail/queue")
    assert m.go("POST", "/mail/suppress", {"email": "C20@example.com "})[0] == 302
    assert con.execute("SELECT address, reason FROM horetsu_mail_suppression").fetchall() == [("c20@example.com", "manual")]
    audit = con.execute("SELECT who, detail FROM horetsu_core_auditentry WHERE action = 'mail_suppress'").fetchall()
    assert audit == [("marketer@example.jp", "channel=email new=True")]

    browse(server)


def browse(base: str) -> None:
    """Chromium: /mail → a preview in Japanese and in English; no console error, nothing leaves the server."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync", "--disable-quic"]
    shots = Path(__file__).resolve().parents[1] / "_artifacts" / "mail"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
        try:
            page = b.new_page()
            errors, outside = [], []
            page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
            page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.route(re.compile(r"^(?!" + re.escape(base) + ").*"), lambda r: (outside.append(r.request.url), r.abort()))
            page.goto(base + "/login?next=/mail")  # (this small shop has no home-page results)
            page.fill("input[name=email]", "marketer@example.jp")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base + "/mail")
            assert page.locator("h1").inner_text() == "ステップメール"
            assert "対照群" in page.locator("#seq-welcome").inner_text()
            page.screenshot(path=str(shots / "mail-ja.png"), full_page=True)
            page.click("#lang-switch")
            page.wait_for_load_state()
            assert page.locator("h1").inner_text() == "Step mails"
            assert "Holdout" in page.locator("#seq-welcome").inner_text()
            page.locator("a.preview-link").first.click()
            page.wait_for_load_state()
            assert "Preview of welcome, step 1" in page.locator("h1").inner_text()
            assert "--\nテスト商店" in page.locator("#mail-body").inner_text()
            page.screenshot(path=str(shots / "mail-preview-en.png"), full_page=True)
            page.goto(base + "/mail/queue")
            assert page.locator("#queue-table tbody tr").count() == 50
            assert not errors and not outside, (errors, outside)
        finally:
            b.close()
