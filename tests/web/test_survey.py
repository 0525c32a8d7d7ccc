"""The public NPS survey page (issue 12) on ``horetsu serve``: the links ``horetsu nps wave`` writes
open it; 200 recipients answering at once are all stored once; a link submitted several times
at once is stored once; tampered, expired, answered and someone else's links are refused
kindly with their HTTP status and change nothing; ``nps report`` counts answers at once."""

from __future__ import annotations

import csv
import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.xdist_group("web")


def survey_events(ws_path):
    """(token_id, customer_id, score, reason) of every nps_response event stored by the survey page."""
    import horetsu

    ws = horetsu.open_workspace(ws_path)
    ev = ws.read_arrow("events").to_pylist()
    out = []
    for e in ev:
        if e["type"] == "nps_response" and e["payload"]:
            p = json.loads(e["payload"])
            if p.get("source") == "survey":
                out.append((p["token_id"], e["customer_id"], e["value"], p["reason"]))
    return out


def token_id(url: str) -> str:
    """The id ("j") inside a survey link's token (its payload is base64url JSON before the signature)."""
    import base64

    payload = url.rsplit("/s/", 1)[1].split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["j"]


def nps_report(server, web):
    out = web.horetsu("nps", "report", "--json", "-w", str(server.ws), env=server.env)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def links(pages_served, web, tmp_path_factory):
    """``horetsu nps wave`` over every customer, dated today (the server checks expiry on the real clock)."""
    import horetsu

    ws = horetsu.open_workspace(pages_served.ws)
    ids = ws.read_arrow("customers").column("customer_id").to_pylist()
    where = tmp_path_factory.mktemp("wave")
    (where / "aud.csv").write_text("customer_id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    today = dt.datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()  # the shop's day
    web.horetsu("nps", "wave", "--audience", str(where / "aud.csv"), "--date", today, "--out", str(where / "links.csv"),
                "-w", str(pages_served.ws), env=pages_served.env)  # fmt: skip
    rows = list(csv.DictReader((where / "links.csv").open(encoding="utf-8")))
    assert len(rows) >= 215, len(rows)
    return rows


def path_of(url: str, server) -> str:
    assert url.startswith(server.url + "/s/"), (url, server.url)  # [mail] public_url + /s/<token>
    return url[len(server.url):]


def submit(server, web, path: str, score: int, reason: str, *, barrier=None, extra=None):
    c = web.Client(server.url)
    r = c.get(path)
    assert r.status == 200, (r.status, r.text[:300])
    m = __import__("re").search(r'name="customer" value="([^"]*)"', r.text)
    fields = {"score": str(score), "reason": reason, "improve": "", "customer": m.group(1), **(extra or {})}
    if barrier is not None:
        barrier.wait(timeout=120)
    return c.post(path, fields)


def test_two_hundred_answers_at_once_and_racing_duplicates(pages_served, links, web):
    server = pages_served
    first = nps_report(server, web)  # other tests of this module may have answered other links first
    before, answered_before = first["n"], sum(w["responded"] for w in first["waves"])
    distinct = links[:200]
    dup = links[200:210]  # each sent four times at the same moment
    jobs = [(row, i % 11, f"理由 {i}") for i, row in enumerate(distinct)]
    jobs += [(row, 10, "dup") for row in dup for _ in range(4)]
    barrier = threading.Barrier(len(jobs))

    def go(job):
        row, score, reason = job
        return row["customer_id"], submit(server, web, path_of(row["url"], server), score, reason, barrier=barrier)

    with ThreadPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(go, jobs))
    statuses = [r.status for _, r in results]
    assert statuses[:200] == [200] * 200, statuses[:200]
    for k in range(10):  # of four racing submissions of one link, exactly one is stored
        group = sorted(statuses[200 + 4 * k: 204 + 4 * k])
        assert group == [200, 409, 409, 409], group
    for _, r in results:  # thanks, or one kind sentence
        assert ('id="survey-thanks"' if r.status == 200 else 'id="survey-refused"') in r.text
    ours = {token_id(row["url"]) for row in links[:210]}  # other tests answer other links of the same shop
    stored = [s for s in survey_events(server.ws) if s[0] in ours]
    by_customer = {}
    for tid, cid, score, reason in stored:
        by_customer.setdefault(cid, []).append((score, reason))
    assert len(stored) == 210 and len({s[0] for s in stored}) == 210  # nothing lost, nothing doubled
    for i, row in enumerate(distinct):
        assert by_customer[row["customer_id"]] == [(float(i % 11), f"理由 {i}")]
    for row in dup:
        assert by_customer[row["customer_id"]] == [(10.0, "dup")]
    rep = nps_report(server, web)  # counted at once, without an analyze
    assert rep["n"] == before + 210
    (wave,) = rep["waves"]
    assert wave["responded"] == answered_before + 210 and wave["recipients"] == len(links)


def test_links_that_cannot_be_used_are_refused_kindly_and_change_nothing(pages_served, links, web):
    import horetsu
    from horetsu.nps.tokens import make_token, read_token

    server = pages_served
    ws = horetsu.open_workspace(server.ws)
    a, b = links[-1], links[-2]
    pa_, pb = path_of(a["url"], server), path_of(b["url"], server)
    n_before = len(survey_events(server.ws))
    # tampered: one character of the signature changed
    bad = pa_[:-1] + ("A" if pa_[-1] != "A" else "B")
    r = web.Client(server.url).get(bad)
    assert r.status == 404 and "does not look right" in r.text and 'id="survey-form"' not in r.text
    assert "正しくない" in web.Client(server.url).get(bad + "?lang=ja").text
    # tampered claims: another customer's id in the payload with the old signature
    body, sig = pa_.rsplit("/", 1)[1].split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["c"] = b["customer_id"]
    forged = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode()).rstrip(b"=").decode()
    assert web.Client(server.url).get(f"/s/{forged}.{sig}").status == 404
    # expired: signed with the workspace's key, expiry yesterday
    old, _ = make_token(ws, a["customer_id"], read_token(ws, pa_.rsplit("/", 1)[1]).wave_id,
                        dt.datetime.now(dt.UTC) - dt.timedelta(days=1))  # fmt: skip
    r = web.Client(server.url).get(f"/s/{old}?lang=en")
    assert r.status == 410 and "This survey has closed" in r.text
    # another customer's link: the form of link a posted with b's link
    c = web.Client(server.url)
    c.get(pa_)
    r = c.post(pb, {"score": "3", "reason": "x", "customer": a["customer_id"]})
    assert r.status == 403 and "sent to someone else" in r.text
    # no score: the form again with one sentence, nothing stored
    c = web.Client(server.url)
    c.get(pa_)
    r = c.post(pa_, {"score": "11", "reason": "keep me", "customer": a["customer_id"]})
    assert r.status == 400 and "choose a number from 0 to 10" in r.text and "keep me" in r.text
    # a POST without the CSRF token is refused
    c = web.Client(server.url)
    c.get(pa_)
    r = c.post(pa_, {"score": "5", "customer": a["customer_id"]}, csrf=False)
    assert r.status == 403
    assert len(survey_events(server.ws)) == n_before  # nothing changed
    # the link still works once, then is refused as answered
    assert submit(server, web, pa_, 7, "ok").status == 200
    r = web.Client(server.url).get(pa_ + "?lang=en")
    assert r.status == 409 and "already answered" in r.text
    assert len(survey_events(server.ws)) == n_before + 1


def test_survey_page_language_headers_and_no_login(pages_served, links, web):
    server = pages_served
    p = path_of(links[-3]["url"], server)
    r = web.Client(server.url).get(p + "?lang=ja")  # anonymous: no redirect to the login form
    assert r.status == 200 and "友人や知人にすすめる" in r.text and 'lang="ja"' in r.text
    assert r.headers["referrer-policy"] == "no-referrer"  # the link's token never leaves in a Referer
    assert "script-src 'self'" in r.headers["content-security-policy"] and "unsafe-inline'" not in r.headers[
        "content-security-policy"].split("script-src")[1].split(";")[0]
    assert "http" not in r.text.replace(server.url, "").split("<body")[1]  # nothing loaded from elsewhere
    r = web.Client(server.url).get(p + "?lang=en")
    assert "How likely are you to recommend us to a friend" in r.text and "The main reason for your score" in r.text
    assert "One thing we could do better" in r.text and 'lang="en"' in r.text
