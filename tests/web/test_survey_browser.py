"""The survey page in headless Chromium at phone width (issue 12): a recipient opens the link,
answers the three questions and sends them, in Japanese and in English, in under 30 seconds;
no console error (a CSP violation is one), no request leaves the server, nothing overflows
the phone's width.  Screenshots go to tests/_artifacts/web/survey-<lang>/."""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web")]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--no-first-run", "--disable-sync", "--disable-quic"]  # as test_browser.py launches it


def in_own_thread(fn):
    """``fn(chromium)`` with its own Playwright in a fresh thread (another module may hold one on this thread)."""
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


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_answer_the_survey_on_a_phone(lang, pages_served, web):
    import horetsu
    from horetsu.nps.tokens import make_token

    ws = horetsu.open_workspace(pages_served.ws)
    cid = "C0000020" if lang == "ja" else "C0000021"
    token, _ = make_token(ws, cid, "browser-test", dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    url = f"{pages_served.url}/s/{token}" + ("?lang=en" if lang == "en" else "?lang=ja")
    in_own_thread(lambda chromium: answer(chromium, url, lang, pages_served, web))
    rep = web.horetsu("nps", "texts", "--search", f"browser {lang}", "-w", str(pages_served.ws), env=pages_served.env)
    assert cid in rep.stdout  # stored, and counted at once


def answer(chromium, url, lang, server, web):
    shots = web.ARTIFACTS / f"survey-{lang}"
    shots.mkdir(parents=True, exist_ok=True)
    host = urlsplit(server.url).netloc
    context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    left, problems = [], []

    def route(r):
        if urlsplit(r.request.url).netloc == host:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    started = time.monotonic()
    page.goto(url)
    legend = page.inner_text("#survey-form legend")
    assert ("友人や知人にすすめる" in legend) if lang == "ja" else ("recommend us to a friend" in legend)
    page.screenshot(path=str(shots / "1-form.png"), full_page=True)
    assert page.evaluate("() => document.body.scrollWidth <= window.innerWidth + 1")
    page.locator("#survey-form label.score").nth(9).click()  # the tap on "9"
    page.fill("textarea[name=reason]", f"browser {lang}: 届くのが早い" if lang == "ja" else f"browser {lang}: fast delivery")
    page.fill("textarea[name=improve]", "箱を小さく" if lang == "ja" else "smaller boxes")
    page.click("#survey-submit")
    page.wait_for_selector("#survey-thanks")
    elapsed = time.monotonic() - started
    page.screenshot(path=str(shots / "2-thanks.png"), full_page=True)
    thanks = page.inner_text("#survey-thanks")
    assert ("ありがとうございました" in thanks) if lang == "ja" else ("Thank you" in thanks)
    page.goto(url)  # the link again: answered, kindly refused
    assert page.locator("#survey-refused").count() == 1
    context.close()
    assert elapsed < 30, elapsed
    assert not left, left
    assert not [p for p in problems if "409" not in p], problems  # the refused reopen answers 409 on purpose
