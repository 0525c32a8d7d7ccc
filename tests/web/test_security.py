"""Security of the served app: CSRF, escaping, headers, cookies, throttle, idle expiry, audit, errors."""

from __future__ import annotations

import html
import re
import sqlite3

import pytest

pytestmark = pytest.mark.xdist_group("web")
SQLITE = pytest.mark.parametrize("served", ["sqlite"], indirect=True)


def _audit_rows(served) -> list[tuple[str, str, str]]:
    """(who, action, detail) of the ops DB's audit log, oldest first."""
    sql = "SELECT who, action, detail FROM horetsu_core_auditentry ORDER BY id"
    if served.database_url:
        import psycopg

        with psycopg.connect(served.database_url) as con:
            return [tuple(r) for r in con.execute(sql).fetchall()]
    with sqlite3.connect(served.ws / "ops.sqlite3") as con:
        return con.execute(sql).fetchall()


def test_serve_says_how_to_create_the_first_user(served):
    out = served.first_output
    assert "There is no user yet" in out and "horetsu user add" in out and "--role owner" in out
    assert f"http://127.0.0.1:{served.url.rsplit(':', 1)[1]}/" in out


def test_post_without_csrf_token_is_refused(served, client_for, web):
    c = web.Client(served.url)
    c.get("/login")
    r = c.post("/login", {"email": web.email("owner"), "password": web.PASSWORD}, csrf=False)
    assert r.status == 403
    assert "Traceback" not in r.text and "フォームの有効期限が切れました" in r.text
    # logged in, a state change without the token is refused too, and the session survives
    owner = client_for(served, "owner")
    assert owner.post("/logout", {}, csrf=False).status == 403
    assert owner.post("/analysis/run", {}, csrf=False).status == 403
    assert owner.get("/").status == 200


@SQLITE
def test_hostile_names_and_notes_are_shown_escaped(served, client_for, web):
    c = client_for(served, "analyst")
    for path in (f"/customers?q={web.HOSTILE_ID}", f"/customers/{web.HOSTILE_ID}"):
        r = c.get(path)
        assert r.status == 200
        assert web.HOSTILE_NAME not in r.text and "<script>alert" not in r.text, path
        assert html.escape(web.HOSTILE_NAME, quote=True) in r.text, path
    page = c.get(f"/customers/{web.HOSTILE_ID}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # an SQL fragment in the search box is a search for that text, not SQL
    r = c.get("/customers?q=" + "%27%3B%20DROP%20TABLE%20customers%3B%20--")
    assert r.status == 200 and re.search(r'id="total">1<', r.text), "only the hostile customer matches"
    assert c.get("/customers").status == 200


@SQLITE
def test_security_headers_and_cookie_flags(served, client_for, web):
    c = web.Client(served.url)
    r = c.get("/login")
    csp = r.headers["content-security-policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "frame-ancestors 'none'" in csp
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text  # no inline script at all
    r = c.post("/login", {"email": web.email("owner"), "password": web.PASSWORD})
    cookie = r.headers["set-cookie"]
    session = next(part for part in re.split(r",\s*(?=\w+=)", cookie) if part.startswith("horetsu_session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session  # plain http on loopback; Secure behind HTTPS (see docs/web.md)
    page = c.get("/customers")
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"


@SQLITE
def test_static_files_are_served_locally(served, web):
    c = web.Client(served.url)
    for path in ("/static/horetsu/htmx.min.js", "/static/horetsu/app.js", "/static/plotly/plotly.min.js",
                 "/static/horetsu/app.css"):
        r = c.get(path)
        assert r.status == 200 and len(r.body) > 500, path
    assert "https://" not in c.get("/login").text


@SQLITE
def test_login_is_throttled_per_account_then_locked(served, web):
    c = web.Client(served.url)
    c.get("/login")
    who = "lockme@example.jp"
    statuses = [c.post("/login", {"email": who, "password": "wrong password!"}).status for _ in range(5)]
    assert statuses == [401] * 5
    r = c.post("/login", {"email": who, "password": "wrong password!"})
    assert r.status == 429 and "失敗が続いたため" in r.text
    actions = [a for w, a, _ in _audit_rows(served) if w == who]
    assert actions.count("login_failed") == 5 and "login_locked" in actions


@SQLITE
def test_a_locked_account_cannot_log_in_even_with_the_right_password(served, web):
    """An account after 5 failures: the right password is refused while the lock lasts."""
    c = web.Client(served.url)
    c.get("/login")
    who = web.email("locked")
    for _ in range(5):
        c.post("/login", {"email": who, "password": "not it at all"})
    r = c.post("/login", {"email": who, "password": web.PASSWORD})
    assert r.status == 429
    # other accounts from the same address still log in (the address limit is higher)
    assert c.post("/login", {"email": web.email("viewer"), "password": web.PASSWORD}).status == 302


@SQLITE
def test_idle_sessions_expire(served, client_for):
    c = client_for(served, "analyst")
    assert c.get("/customers").status == 200
    key = next(ck.value for ck in c.jar if ck.name == "horetsu_session")
    with sqlite3.connect(served.ws / "ops.sqlite3") as con:
        (expire,) = con.execute("SELECT expire_date FROM django_session WHERE session_key = ?", (key,)).fetchone()
        # the default [server] session_idle_minutes = 60: each request pushes the end 60 minutes ahead
        import datetime as dt

        left = dt.datetime.fromisoformat(str(expire)).replace(tzinfo=dt.UTC) - dt.datetime.now(dt.UTC)
        assert dt.timedelta(minutes=58) < left <= dt.timedelta(minutes=60)
        con.execute("UPDATE django_session SET expire_date = '2000-01-01 00:00:00' WHERE session_key = ?", (key,))
    r = c.get("/customers")
    assert r.status == 302 and r.location.startswith("/login")


@SQLITE
def test_logout_ends_the_session(served, client_for):
    c = client_for(served, "viewer")
    assert c.get("/").status == 200
    c.get("/")
    r = c.post("/logout", {})
    assert r.status == 302 and r.location == "/login"
    assert c.get("/").status == 302


@SQLITE
def test_errors_are_one_friendly_sentence(served, client_for, web):
    c = client_for(served, "owner")
    r = c.get("/no/such/page")
    assert r.status == 404 and "ページが見つかりません" in r.text and "Traceback" not in r.text
    bad = web.Client(served.url).get("/login", headers={"Host": "evil.example"})
    assert bad.status == 400 and "リクエストが正しくありません" in bad.text and "Traceback" not in bad.text
    c.get("/")  # the CSRF token changes at login: take the page's current one
    assert c.post("/lang", {"lang": "en", "next": "/"}).status == 302
    r = c.get("/no/such/page")
    assert r.status == 404 and "The page was not found." in r.text


def test_audit_log_records_logins_failures_and_downloads(served, client_for, web):
    c = web.Client(served.url)
    c.get("/login")
    c.post("/login", {"email": web.email("analyst"), "password": "wrong password!"})
    c.post("/login", {"email": web.email("analyst"), "password": web.PASSWORD})
    r = c.get("/import/quarantine.csv")
    assert r.status == 200
    rows = _audit_rows(served)
    mine = [(a, d) for w, a, d in rows if w == web.email("analyst")]
    assert ("login_failed", "") in mine and ("login", "") in mine
    assert any(a == "download" and d.startswith("quarantine") for a, d in mine)


@SQLITE
def test_no_personal_data_in_the_server_log(served, client_for, web):
    c = client_for(served, "owner")
    c.get(f"/customers/{web.HOSTILE_ID}")
    c.get("/customers?q=example")
    c.get("/customers/NOT-A-CUSTOMER")
    log = served.output()
    assert "@example" not in log.replace(web.email("owner"), "").replace("you@example.jp", "")
    assert web.HOSTILE_ID not in log and "NOT-A-CUSTOMER" not in log and "O'Neil" not in log


@SQLITE
def test_cross_site_posts_are_refused_even_with_the_token(served, web):
    """Django's CSRF check (token + Origin) with the one case ``no-referrer`` pages need: a form
    posted from another site is refused although it carries a valid token, whatever fetch
    metadata claims; ``Origin: null`` (how browsers post the app's own forms under
    ``no-referrer``) passes only with ``Sec-Fetch-Site: same-origin``, or over plain http
    without fetch metadata (browsers send none to a LAN address), and never without the token."""
    c = web.Client(served.url)
    c.get("/login")
    form = {"email": web.email("viewer"), "password": web.PASSWORD}
    other = c.post("/login", form, headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert other.status == 403 and "Traceback" not in other.text
    lying = c.post("/login", form, headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"})
    assert lying.status == 403
    for site in ("cross-site", "same-site", "none"):  # a strict page of another site, a sandboxed frame
        assert c.post("/login", form, headers={"Origin": "null", "Sec-Fetch-Site": site}).status == 403, site
    sibling = c.post("/login", form, headers={"Origin": served.url.replace("127.0.0.1", "localhost")})
    assert sibling.status == 403  # another origin on the same machine is another site
    no_token = web.Client(served.url)  # the right Origin story, but no token (and no CSRF cookie)
    assert no_token.post("/login", form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
                         csrf=False).status == 403
    own = c.post("/login", form, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert own.status == 302  # the app's own form under no-referrer (Chromium, https or loopback)
    lan = web.Client(served.url)
    lan.get("/login")
    assert lan.post("/login", form, headers={"Origin": "null"}).status == 302  # plain http at a LAN name
    same = web.Client(served.url)
    same.get("/login")
    assert same.post("/login", form, headers={"Origin": served.url}).status == 302
