"""The report opened from disk in headless Chromium (Debian's package, driven by Playwright).

Checks, for ja and en: every section and chart renders (an SVG with drawn traces, a
title, axis titles), the console stays clean, no request leaves the file, numbers on
money axes carry thousands separators; screenshots go to the test's tmp directory.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

SECTION_KEYS = ["overview", "timeline", "cohorts", "f2", "intervals", "rfm", "cpm", "deciles", "stages", "journey",
                "clv", "actions", "mail", "nps", "quality", "diagnosis"]
EXPECTED_CHARTS = [
    "overview-split", "timeline-revenue", "timeline-lost", "cohorts-heatmap", "cohorts-ltv", "cohorts-ltv_channel",
    "f2-within", "f2-category", "f2-ladder", "intervals-categories", "rfm-matrix", "rfm-segments", "cpm-cells",
    "cpm-revenue", "cpm-flow",
    "deciles-revenue", "stages-distribution", "stages-rfm_stage", "stages-flow", "stages-monthly", "stages-moves", "journey-funnel",
    "journey-cohorts",
    "clv-p_alive", "clv-value", "clv-holdout", "actions-reach", "actions-gate", "quality-imports",
    "nps-stage", "nps-month",
    "quality-quarantine",
]
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

CHART_INFO_JS = """() => Array.from(document.querySelectorAll('.chart')).map(el => ({
  id: el.id,
  rendered: el.getAttribute('data-rendered') === '1',
  types: (el._fullData || []).map(t => t.type),
  svgs: el.querySelectorAll('svg.main-svg').length,
  drawn: el.querySelectorAll('g.trace, .heatmaplayer image, g.hm image, .sankey-node, g.slice').length,
  marks: el.querySelectorAll('g.trace path, .heatmaplayer image, g.hm image, .sankey-node rect, g.slice path').length,
  title: (el.querySelector('.gtitle') || {}).textContent || '',
  xtitle: (el.querySelector('.xtitle') || {}).textContent || '',
  ytitle: (el.querySelector('.ytitle') || {}).textContent || '',
  yticks: Array.from(el.querySelectorAll('.ytick text')).map(t => t.textContent),
}))"""


def _open(browser, path, shot):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"requestfailed: {r.url}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri(), timeout=90_000)
    page.wait_for_function(
        "document.querySelectorAll('.chart').length > 0 && "
        "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart[data-rendered]').length",
        timeout=90_000,
    )
    info = page.evaluate(CHART_INFO_JS)
    sections = page.evaluate(
        "() => Array.from(document.querySelectorAll('section[data-section]')).map(s => ({key: s.dataset.section, "
        "title: s.querySelector('h2').textContent, takeaway: (s.querySelector('.takeaway') || {}).textContent || '',"
        " missing: (s.querySelector('.missing') || {}).textContent || ''}))"
    )
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    # the fonts Chromium really used for the page title (a font of the stack, not boxes)
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    h1 = cdp.send("DOM.querySelector", {"nodeId": root, "selector": "header.page h1"})["nodeId"]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": h1})["fonts"]
    cdp.detach()
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    return info, sections, problems, requests, font, used


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_report_renders_offline(lang, shop_reports, browser, tmp_path):
    shot = tmp_path / "screenshots" / f"report-{lang}.png"
    info, sections, problems, requests, font, used = _open(browser, shop_reports[lang], shot)

    assert problems == []
    assert requests and all(u.startswith(("file://", "data:")) for u in requests), requests
    assert "IPAGothic" in font and "Hiragino Sans" in font and font.rstrip().endswith("sans-serif")
    used_names = {f["familyName"] for f in used}
    stack = {"IPAGothic", "IPAPGothic", "Noto Sans CJK JP", "DejaVu Sans", "Liberation Sans"}
    assert used_names and used_names <= stack, used
    if lang == "ja":  # every glyph of the Japanese title comes from the proportional Japanese font
        assert sum(f["glyphCount"] for f in used if f["familyName"] == "IPAPGothic") == len("顧客の時間軸レポート")
    else:  # not the fixed-width IPAGothic, whose Latin letters look like a typewriter's
        assert "IPAGothic" not in used_names, used
    assert shot.stat().st_size > 50_000

    assert [s["key"] for s in sections] == SECTION_KEYS
    for s in sections:
        assert s["title"].strip()
    assert all(s["takeaway"].strip() for s in sections), sections
    assert not any(s["missing"] for s in sections), [s for s in sections if s["missing"]]

    by_id = {c["id"]: c for c in info}
    assert sorted(by_id) == sorted(EXPECTED_CHARTS)
    for c in info:
        assert c["rendered"] and c["svgs"] >= 1, c
        assert c["types"] and c["drawn"] >= 1 and c["marks"] >= 1, c
        assert c["title"].strip(), c
        if c["types"][0] in ("bar", "scatter", "heatmap") and c["id"] != "overview-split":
            assert c["xtitle"].strip() and c["ytitle"].strip(), c
        if lang == "ja":
            assert JAPANESE.search(c["title"]), c["title"]
        else:
            assert not JAPANESE.search(c["title"] + c["xtitle"] + c["ytitle"]), c

    # money axes in yen with units and thousands separators, never "1M"
    rev = by_id["timeline-revenue"]
    assert ("円" in rev["ytitle"]) if lang == "ja" else ("¥" in rev["ytitle"])
    assert any("," in t for t in rev["yticks"]) and not any(t.endswith(("M", "k")) for t in rev["yticks"])
    assert by_id["stages-flow"]["types"] == ["sankey"]
    assert by_id["cohorts-heatmap"]["xtitle"] == ("初回購入からの経過月数（月）" if lang == "ja" else "Months since first purchase")


def test_report_fits_a_phone_screen(shop_reports, browser, tmp_path):
    """On a 390 px wide screen nothing makes the page scroll sideways; wide tables scroll inside."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(shop_reports["ja"].as_uri(), timeout=90_000)
    page.wait_for_function(
        "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart[data-rendered]').length",
        timeout=90_000,
    )
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    chart_widths = page.evaluate("() => Array.from(document.querySelectorAll('.chart')).map(e => e.clientWidth)")
    page.screenshot(path=str(tmp_path / "report-ja-phone.png"), full_page=False)
    page.close()
    assert widths[0] <= widths[1], widths
    assert min(chart_widths) > 250 and max(chart_widths) <= 390
