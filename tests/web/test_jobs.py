"""Import (upload → what was detected → import in the background → quarantine) and the analysis job."""

from __future__ import annotations

import re
import time

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.xdist_group("web")
SQLITE = pytest.mark.parametrize("served", ["sqlite"], indirect=True)

ORDERS = """order_id,customer_id,ordered_at,amount,status,category
W1,C0000001,2026-09-01,3300,completed,スキンケア
W2,C0000002,2026-09-02,5500,completed,健康茶
W3,C0000002,2026-02-30,1000,completed,健康茶
"""


def _wait(c, job_url: str, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = c.get(job_url, headers={"HX-Request": "true"}).text
        state = re.search(r'data-state="(\w+)"', page).group(1)
        if state in ("done", "failed"):
            return page
        time.sleep(0.5)
    raise AssertionError("the job did not finish")


@SQLITE
def test_import_shows_what_was_detected_then_imports_with_progress(served, client_for, web_ws):
    before = pq.read_table(web_ws / "tables" / "orders.parquet").num_rows
    c = client_for(served, "marketer")
    c.get("/import")
    r = c.post("/import", {"preset": "auto"}, files={"file": ("受注.csv", ORDERS.encode("cp932"))})
    assert r.status == 302, r.text[:1500]
    preview = c.get(r.location).text
    assert 'id="detected-encoding">cp932<' in preview
    assert re.search(r'id="detected-preset">\w+<', preview) and "<dd>orders</dd>" in preview
    assert "order_id, customer_id, ordered_at, amount, status, category" in preview
    assert pq.read_table(web_ws / "tables" / "orders.parquet").num_rows == before  # nothing imported yet
    run = c.post(r.location + "/run", {})
    assert run.status == 302 and run.location.startswith("/jobs/")
    page = _wait(c, run.location)
    assert 'data-state="done"' in page, page
    assert pq.read_table(web_ws / "tables" / "orders.parquet").num_rows == before + 2
    q = c.get("/import/quarantine.csv")
    assert q.status == 200 and "W3" in q.body.decode("utf-8-sig")
    # an analyst may read but not import
    assert client_for(served, "analyst").post("/import", {"preset": "auto"}).status == 403


@SQLITE
def test_analysis_runs_in_the_background_and_the_report_opens(served, client_for):
    c = client_for(served, "owner")
    c.get("/analysis")
    r = c.post("/analysis/run", {})
    assert r.status == 302 and r.location.startswith("/jobs/")
    page = _wait(c, r.location)
    assert 'data-state="done"' in page, page
    report = c.get("/analysis/report?lang=en")
    assert report.status == 200 and "<html" in report.text
    csp = report.headers["content-security-policy"]
    script = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'sha256-" in script and "unsafe-inline" not in script
    dl = c.get("/analysis/report/download?lang=ja")
    assert dl.status == 200 and dl.headers["content-disposition"].startswith("attachment")
    assert c.get("/").status == 200 and "分析より新しく" not in c.get("/").text  # fresh again
