"""The app in headless Chromium (Debian's, driven by Playwright), served by ``horetsu serve``.

login → home → a stage cell → a customer → campaign check → download → logout, in Japanese,
in English and at phone width: no console errors (a CSP violation is one), charts drawn,
and no request leaves the server (every other host is routed to an abort and counted).
Screenshots go to tests/_artifacts/web/ (kept, gitignored; the path is printed).
"""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web")]
SQLITE = pytest.mark.parametrize("served", ["sqlite"], indirect=True)
BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]


def in_own_thread(fn):
    """Run ``fn`` with its own Playwright in a fresh thread: another test module of the same worker
    (the report's) may hold a sync Playwright on this thread, and two cannot share one."""
    from concurrent.futures import ThreadPoolExecutor

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
            try:
                return fn(b)
            finally:
                b.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


CASES = {
    "ja": ({"width": 1280, "height": 900}, "ja"),
    "en": ({"width": 1280, "height": 900}, "en"),
    "phone": ({"width": 390, "height": 844}, "ja"),
}


@SQLITE
@pytest.mark.parametrize("case", list(CASES))
def test_walk_through_the_app(case, served, web):
    in_own_thread(lambda chromium: walk(case, served, chromium, web))


def walk(case, served, chromium, web):
    viewport, lang = CASES[case]
    shots = web.ARTIFACTS / case
    shots.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {shots}")
    server_host = urlsplit(served.url).netloc
    context = chromium.new_context(viewport=viewport, accept_downloads=True, is_mobile=case == "phone")
    left: list[str] = []
    problems: list[str] = []

    def route(r):
        if urlsplit(r.request.url).netloc == server_host:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))

    def nav(link_selector: str) -> None:
        if case == "phone":
            page.click("button.menu")
        page.click(link_selector)
        page.wait_for_load_state("load")

    page.goto(served.url + "/login")
    if lang == "en":
        page.click("#lang-switch")
        page.wait_for_selector("text=E-mail")
    page.fill("input[name=email]", web.email("owner"))
    page.fill("input[name=password]", web.PASSWORD)
    page.screenshot(path=str(shots / "1-login.png"))
    page.click("#login-form button[type=submit]")
    page.wait_for_url(served.url + "/")
    page.wait_for_function("document.querySelectorAll('.chart').length > 0 && document.querySelectorAll("
                           "'.chart').length === document.querySelectorAll('.chart[data-rendered=\"1\"]').length",
                           timeout=30_000)
    assert page.locator(".chart svg.main-svg").count() >= 2
    assert page.locator("h1").first.inner_text() == ("Home" if lang == "en" else "ホーム")
    page.screenshot(path=str(shots / "2-home.png"), full_page=True)

    nav("nav a[href='/stages']")
    page.screenshot(path=str(shots / "3-stages.png"), full_page=True)
    page.click("table[data-matrix='stages.by_temperature'] a.cell >> nth=0")
    page.wait_for_selector("#customers-table")
    total = int(page.inner_text("#total").replace(",", ""))
    assert total > 0
    page.screenshot(path=str(shots / "4-customers.png"), full_page=True)
    page.click("a.customer-link >> nth=0")
    page.wait_for_selector("#tactics-table")  # the htmx partial with every tactic
    assert page.locator("#tactics-table tbody tr").count() >= 20
    page.screenshot(path=str(shots / "5-customer.png"), full_page=True)

    nav("nav a[href='/campaign']")
    page.select_option("select[name=tactic]", "thank_you")
    page.select_option("#campaign-form select[name=stage]", "landing")
    page.click("#check")
    page.wait_for_selector("#n-allowed")
    page.screenshot(path=str(shots / "6-campaign.png"), full_page=True)
    with page.expect_download() as got:
        page.click("a.download[data-format='csv']")
    path = shots / "allowed.csv"
    got.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == int(page.inner_text("#n-allowed").replace(",", ""))
    assert set(rows[0]) >= {"customer_id", "stage"}

    nav("#logout")
    page.wait_for_url(served.url + "/login")
    page.screenshot(path=str(shots / "7-logged-out.png"))
    assert page.evaluate("() => document.body.scrollWidth <= window.innerWidth + 1") or case != "phone"
    context.close()
    assert not left, left
    assert not problems, problems


@SQLITE
def test_forms_work_over_plain_http_on_the_shop_network(served, web):
    """On the shop's network the app is reached by a name over plain http, where browsers send
    no fetch metadata (``Sec-Fetch-Site`` is only sent to trustworthy origins). Pages are sent
    with ``Referrer-Policy: no-referrer``, so the browser's own POSTs carry ``Origin: null``,
    which the CSRF check accepts there with the form's token: log in, open a customer, log out."""
    toml = served.ws / "horetsu.toml"
    before = toml.read_text(encoding="utf-8")
    toml.write_text(before + f'\n[server]\nallowed_hosts = ["{web.LAN_HOST}"]\n', encoding="utf-8")
    try:  # a server of its own that answers to the shop's name (same workspace and users)
        lan = web.start_server(served.ws, "", served.log.with_name("serve-lan.log"))
    finally:
        toml.write_text(before, encoding="utf-8")
    port = urlsplit(lan.url).port
    base = f"http://{web.LAN_HOST}:{port}"
    posts: list[dict[str, str]] = []

    def run():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium",
                                  args=[*BROWSER_ARGS, f"--host-resolver-rules=MAP {web.LAN_HOST} 127.0.0.1"])
            try:
                page = b.new_page()
                page.on("request", lambda r: posts.append(r.headers) if r.method == "POST" else None)
                page.goto(base + "/login")
                page.fill("input[name=email]", web.email("analyst"))
                page.fill("input[name=password]", web.PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(base + "/")
                page.goto(base + f"/customers/{web.HOSTILE_ID}")
                assert page.locator("h1").count() >= 1
                page.click("#logout")
                page.wait_for_url(base + "/login")
            finally:
                b.close()

    from concurrent.futures import ThreadPoolExecutor

    try:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(run).result()
    finally:
        web.stop(lan)
    assert len(posts) == 2  # login and logout, both accepted (each answered by its redirect)
    assert all(h.get("origin") == "null" and "referer" not in h for h in posts), posts
