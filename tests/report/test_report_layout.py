"""Where things land on the page, measured in headless Chromium (issue 14, item 7).

For ja and en at a desktop width (1400 px) and a phone width (390 px):

- every table-of-contents link scrolls its section heading into view *below* the sticky
  navigation (not hidden under it);
- text is set in a proportional font, not a monospaced fallback (the widths of "iiii"
  and "WWWW" differ in the page's and the charts' computed fonts);
- Sankey node labels do not overlap each other;
- colour-bar titles do not overlap their tick labels;
- Plotly's toolbar (modebar) never covers a chart title.
"""

from __future__ import annotations

import pytest

from horetsu.report.sections import SECTIONS

pytestmark = pytest.mark.browser

WAIT_RENDERED = ("document.querySelectorAll('.chart').length > 0 && document.querySelectorAll('.chart').length === "
                 "document.querySelectorAll('.chart[data-rendered]').length")

HIT_JS = """() => {
window.__hit = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
window.__box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
}"""

OVERLAPS_JS = """() => {
  const hit = window.__hit, box = window.__box, out = {sankey: [], colorbar: [], modebar: [], counted: [0, 0, 0]};
  document.querySelectorAll('.chart').forEach(el => {
    const labels = Array.from(el.querySelectorAll('.sankey-node .node-label')).filter(t => t.textContent.trim());
    const boxes = labels.map(box);
    out.counted[0] += labels.length;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++)
      if (hit(boxes[i], boxes[j])) out.sankey.push([el.id, labels[i].textContent, labels[j].textContent]);
    el.querySelectorAll('.colorbar').forEach(cb => {
      const t = cb.querySelector('.cbtitle text');
      if (!t) return;
      out.counted[1] += 1;
      cb.querySelectorAll('.cbaxis text').forEach(k => {
        if (hit(box(t), box(k))) out.colorbar.push([el.id, t.textContent, k.textContent]);
      });
    });
    const bar = el.querySelector('.modebar'), title = el.querySelector('.gtitle');
    if (bar && title) {
      out.counted[2] += 1;
      if (hit(box(bar), box(title))) out.modebar.push([el.id, title.textContent]);
    }
  });
  return out;
}"""

# width of ten i's over ten W's in the computed font of an element: 1.0 for a monospaced font
MONO_JS = """sel => {
  const el = document.querySelector(sel);
  const font = getComputedStyle(el).fontFamily;
  const w = text => { const s = document.createElement('span'); s.style.fontFamily = font; s.style.fontSize = '16px';
    s.style.whiteSpace = 'pre'; s.textContent = text; document.body.appendChild(s); const x = s.getBoundingClientRect().width;
    s.remove(); return x; };
  return {font: font, ratio: w('iiiiiiiiii') / w('WWWWWWWWWW')};
}"""

TOC_JS = """async () => {
  const nav = document.querySelector('nav.toc');
  const out = [];
  for (const a of Array.from(nav.querySelectorAll('a'))) {
    window.scrollTo(0, 0);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    a.click();
    await new Promise(r => setTimeout(r, 60));
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const h = document.querySelector(a.getAttribute('href') + ' h2').getBoundingClientRect();
    const n = nav.getBoundingClientRect();
    const sticky = getComputedStyle(nav).position === 'sticky';
    out.push({href: a.getAttribute('href'), top: h.top, bottom: h.bottom, navBottom: sticky ? n.bottom : 0,
              height: window.innerHeight});
  }
  return out;
}"""


@pytest.fixture(scope="module", params=[("ja", 1400), ("en", 1400), ("ja", 390), ("en", 390)],
                ids=lambda p: f"{p[0]}-{p[1]}px")
def page(request, shop_reports, browser):
    lang, width = request.param
    pg = browser.new_page(viewport={"width": width, "height": 900})
    pg.goto(shop_reports[lang].as_uri(), timeout=90_000)
    pg.wait_for_function(WAIT_RENDERED, timeout=90_000)
    pg.evaluate(HIT_JS)
    yield pg
    pg.close()


def test_toc_links_land_below_the_sticky_navigation(page):
    landed = page.evaluate(TOC_JS)
    assert len(landed) == len(SECTIONS)  # every section of the table of contents
    hidden = [x for x in landed if not (x["top"] >= x["navBottom"] - 0.5 and x["bottom"] <= x["height"])]
    assert hidden == [], hidden


def test_text_is_not_set_in_a_monospaced_font(page):
    for sel in ("body", "section.report-section h2", ".takeaway", "table.data td", ".chart .gtitle"):
        got = page.evaluate(MONO_JS, sel)
        assert got["ratio"] < 0.6, (sel, got)  # a proportional face: i is much narrower than W


def test_labels_titles_and_toolbar_do_not_overlap(page):
    got = page.evaluate(OVERLAPS_JS)
    n_labels, n_colorbars, n_titles = got["counted"]
    assert n_labels >= 10 and n_colorbars >= 4 and n_titles >= 25, got["counted"]  # the checks saw the charts
    assert got["sankey"] == [], got["sankey"]
    assert got["colorbar"] == [], got["colorbar"]
    assert got["modebar"] == [], got["modebar"]
