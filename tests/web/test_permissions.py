"""Every URL of the URL map, anonymously and as each role, against a table of expected answers.

A URL added to horetsu/web/urls.py without a row here fails
``test_every_url_has_a_row``. Runs on SQLite and on PostgreSQL (the ``served`` fixture).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.xdist_group("web")

NO_JOB = 999999
# name: (path, anonymous, owner, marketer, analyst, viewer) — GET requests
TABLE = {
    "healthz": ("/healthz", 200, 200, 200, 200, 200),
    "login": ("/login", 200, 200, 200, 200, 200),
    "logout": ("/logout", 302, 405, 405, 405, 405),
    "lang": ("/lang", 405, 405, 405, 405, 405),
    "password": ("/password", 302, 200, 200, 200, 200),
    "home": ("/", 302, 200, 200, 200, 200),
    "today": ("/today", 302, 200, 200, 200, 200),
    "stages": ("/stages", 302, 200, 200, 200, 200),
    "customers": ("/customers", 302, 200, 200, 200, 403),
    "customer": ("/customers/C0000001", 302, 200, 200, 200, 403),
    "customer_tactics": ("/customers/C0000001/tactics", 302, 200, 200, 200, 403),
    "campaign": ("/campaign", 302, 200, 200, 200, 403),
    "campaign_result": ("/campaign/{check}", 302, 200, 200, 200, 403),
    "campaign_download": ("/campaign/{check}/download?list=allowed&format=csv", 302, 200, 200, 200, 403),
    "campaign_override": ("/campaign/{check}/override", 302, 405, 405, 405, 405),
    "import": ("/import", 302, 200, 200, 403, 403),
    "import_preview": (f"/import/{NO_JOB}", 302, 404, 404, 403, 403),
    "import_run": (f"/import/{NO_JOB}/run", 302, 405, 405, 405, 405),
    "quarantine": ("/import/quarantine.csv", 302, 200, 200, 200, 403),
    "job": (f"/jobs/{NO_JOB}", 302, 404, 404, 404, 404),
    "analysis": ("/analysis", 302, 200, 200, 200, 200),
    "analysis_run": ("/analysis/run", 302, 405, 405, 405, 405),
    "report": ("/analysis/report", 302, 200, 200, 200, 200),
    "report_download": ("/analysis/report/download", 302, 200, 200, 200, 200),
    "settings": ("/settings", 302, 200, 403, 403, 403),
    "mail": ("/mail", 302, 200, 200, 200, 200),
    "mail_queue": ("/mail/queue", 302, 200, 200, 200, 403),
    "mail_preview": ("/mail/preview/first_purchase/1", 302, 200, 200, 200, 403),
    "mail_suppress": ("/mail/suppress", 302, 405, 405, 405, 405),
    # public, no login: a forged token is a plain 404 for everybody
    "mail-unsubscribe": ("/u/forged-token", 404, 404, 404, 404, 404),
    "mail-open": ("/o/forged-token", 404, 404, 404, 404, 404),
    "nps": ("/nps", 302, 200, 200, 200, 200),
    "diagnosis": ("/diagnosis", 302, 200, 200, 200, 200),
    "diagnosis_result": ("/diagnosis/2025-06-30_20250701T090000", 302, 404, 404, 404, 404),
    "nps_texts": ("/nps/texts?q=a", 302, 200, 200, 200, 403),
    "nps_act": ("/nps/act", 302, 200, 200, 200, 403),
    "nps_act_download": ("/nps/act/download?list=promoters_thank_you", 302, 200, 200, 200, 403),
    "survey": ("/s/forged-token", 404, 404, 404, 404, 404),
}
WHO = (None, "owner", "marketer", "analyst", "viewer")


def test_every_url_has_a_row(url_map):
    names = {name for name, _ in url_map}
    assert None not in names, "every URL needs a name"
    assert names == set(TABLE), (sorted(names - set(TABLE)), sorted(set(TABLE) - names))


@pytest.fixture(scope="module")
def check_id(served, client_for):
    """A saved campaign check (made by the owner) for the URLs that need one."""
    c = client_for(served, "owner")
    c.get("/campaign")
    r = c.post("/campaign", {"tactic": "thank_you", "audience": "filter", "stage": "landing"})
    assert r.status == 302 and r.location.startswith("/campaign/"), (r.status, r.text[:800])
    return int(r.location.rsplit("/", 1)[1])


def test_every_url_answers_as_the_table_says(served, client_for, check_id):
    from concurrent.futures import ThreadPoolExecutor

    got, want, redirects = {}, {}, []

    def walk(who_i: int) -> None:
        who = WHO[who_i]
        c = client_for(served, who)
        for name, row in TABLE.items():
            r = c.get(row[0].format(check=check_id))
            got[(name, who)] = r.status
            want[(name, who)] = row[1 + who_i]
            if who is None and r.status == 302:
                redirects.append((name, r.location))

    with ThreadPoolExecutor(len(WHO)) as pool:
        list(pool.map(walk, range(len(WHO))))
    # anonymous requests for pages are sent to the login form, coming back afterwards
    assert all(loc.startswith("/login?next=/") for _, loc in redirects), redirects
    wrong = {k: (got[k], want[k]) for k in got if got[k] != want[k]}
    assert not wrong, f"{served.db}: (url, role): (got, expected) {wrong}"


def test_a_viewer_sees_no_personal_data_on_aggregate_pages(served, client_for, web):
    c = client_for(served, "viewer")
    for path in ("/", "/today", "/stages", "/analysis", "/mail", "/nps", "/diagnosis"):
        r = c.get(path)
        assert r.status == 200
        assert "/customers/" not in r.text and "@example" not in r.text and "C000" not in r.text, path
        assert 'href="/customers' not in r.text, path  # no links into personal pages either
