"""The NPS pages and the diagnosis pages of the web app (issues 12 and 13) on ``horetsu serve``.

The reference for every number is the CLI (``horetsu nps report --json``, ``horetsu nps act``,
``horetsu diagnose --answers … --json``) run on the same workspace: the pages must show
exactly what the library computes.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import json
import re

import pytest

pytestmark = pytest.mark.xdist_group("web")


def answer(server, web, customer_id: str, score: int, reason: str, improve: str = "") -> None:
    """One survey answer through the public page (a link signed with the workspace's key)."""
    import horetsu
    from horetsu.nps.tokens import make_token

    ws = horetsu.open_workspace(server.ws)
    token, _ = make_token(ws, customer_id, "pages-test", dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    c = web.Client(server.url)
    assert c.get(f"/s/{token}").status == 200
    r = c.post(f"/s/{token}", {"score": str(score), "reason": reason, "improve": improve, "customer": customer_id})
    assert r.status == 200, r.text[:500]


@pytest.fixture(scope="module")
def answered(pages_served, web):
    """Three answers with texts the tests look for (a hostile one among them)."""
    answer(pages_served, web, "C0000010", 2, "ｻﾎﾟｰﾄの返事が遅い", "<script>alert(1)</script> 返信を早く")
    answer(pages_served, web, "C0000011", 10, "サポートが丁寧", "")
    answer(pages_served, web, "C0000012", 9, "梱包がきれい", "送料")
    return pages_served


def cli_json(server, web, *args):
    return json.loads(web.horetsu(*args, "--json", "-w", str(server.ws), env=server.env).stdout)


def test_nps_page_shows_what_nps_report_computes(answered, client_for, web):
    server = answered
    rep = cli_json(server, web, "nps", "report")
    for role in ("viewer", "owner"):
        r = client_for(server, role).get("/nps")
        assert r.status == 200
        body = r.text
        assert re.search(r'id="nps-value">([^<]*)<', body).group(1) == f"{rep['nps']:.1f}"
        assert re.search(r'id="nps-n">([^<]*)<', body).group(1) == str(rep["n"])
        assert re.search(r'id="nps-ci">([^<]*)<', body).group(1) == f"{rep['ci_low']:.1f} … {rep['ci_high']:.1f}"
        table = body.split('id="nps-by_stage"')[1].split("</table>")[0]
        for stage, row in rep["by_stage"].items():
            m = re.search(rf'data-segment="{stage}"><td>[^<]*</td><td class="num">(\d+)</td><td class="num">([^<]*)</td>', table)
            assert m and (int(m.group(1)), m.group(2)) == (row["n"], f"{row['nps']:.1f}"), stage
        for key in ("by_journey_step", "by_cpm_cell", "by_cohort", "by_first_category", "by_channel", "by_month"):
            assert f'id="nps-{key}"' in body, key
            assert body.split(f'id="nps-{key}"')[1].split("</table>")[0].count("data-segment=") == len(rep[key])
    # the viewer sees aggregates only: no free text, no customer, no link to them
    r = client_for(server, "viewer").get("/nps")
    assert "梱包がきれい" not in r.text and "C00000" not in r.text and "/nps/texts" not in r.text
    assert client_for(server, "viewer").get("/nps/texts").status == 403


def test_nps_segment_comparison_is_the_librarys(answered, client_for, web):
    from horetsu.nps.stats import compare, estimate

    server = answered
    rep = cli_json(server, web, "nps", "report")
    (a, ra), (b, rb) = sorted(rep["by_stage"].items(), key=lambda kv: -kv[1]["n"])[:2]
    want = compare(estimate(ra["promoters"], ra["passives"], ra["detractors"]),
                   estimate(rb["promoters"], rb["passives"], rb["detractors"]))  # fmt: skip
    r = client_for(server, "viewer").get(f"/nps?a=by_stage:{a}&b=by_stage:{b}")
    got = re.search(r'id="nps-comparison">[^<]*<strong>([^<]*)</strong> \(± ([^)]*)\)', r.text)
    assert got and (got.group(1), got.group(2)) == (f"{want['difference']:.1f}", f"{want['margin']:.1f}")
    assert abs(want["difference"] - (ra["nps"] - rb["nps"])) < 0.06


def test_free_texts_are_searchable_beside_score_and_stage(answered, client_for):
    c = client_for(answered, "analyst")
    r = c.get("/nps/texts?q=%E3%82%B5%E3%83%9D%E3%83%BC%E3%83%88")  # サポート also finds ｻﾎﾟｰﾄ (NFKC)
    rows = r.text.split('id="nps-texts"')[1].split("</table>")[0].split("<tr>")[2:]
    found = {re.search(r">(C\d+)</a>", x).group(1): x for x in rows}
    assert {"C0000010", "C0000011"} <= set(found) and "C0000012" not in found
    assert '<td class="num">2</td>' in found["C0000010"] and '<td class="num">10</td>' in found["C0000011"]
    assert "<script>alert(1)</script>" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_lists_to_act_on_are_the_gates(answered, client_for, web, tmp_path):
    server = answered
    web.horetsu("nps", "act", "--out", str(tmp_path), "-w", str(server.ws), env=server.env)
    c = client_for(server, "marketer")
    r = c.get("/nps/act")
    assert r.status == 200
    for name in ("detractors_personal_reply", "promoters_thank_you", "promoters_referral_request",
                 "promoters_review_request"):  # fmt: skip
        want = list(csv.DictReader((tmp_path / f"{name}.csv").open(encoding="utf-8-sig")))
        section = r.text.split(f'id="list-{name}"')[1].split("</section>")[0]
        assert re.search(r'<span class="small">\((\d+)\)</span>', section).group(1) == str(len(want)), name
        for row in want[:100]:
            assert f">{row['customer_id']}</a>" in section
        if want:
            d = c.get(f"/nps/act/download?list={name}")
            assert d.status == 200 and d.headers["x-rows"] == str(len(want))
            got = list(csv.DictReader(d.body.decode("utf-8-sig").splitlines()))
            assert [g["customer_id"] for g in got] == [w["customer_id"] for w in want]
    det = r.text.split('id="list-detractors_personal_reply"')[1].split("</section>")[0]
    assert "C0000010" in det or "C0000010" not in (tmp_path / "detractors_personal_reply.csv").read_text()


# ------------------------------------------------------------------ diagnosis

ANSWERS = {"practice_step_mails": "yes", "practice_nps": "no", "landing_check_in": "partly",
           "observer_open_information": "yes", "base_organic": "na"}  # fmt: skip
SAME = ("business_stage", "stage_reasons", "scores", "kpis", "gaps", "gaps_ranked_by", "contradictions", "answers",
        "pools", "values", "as_of")  # fmt: skip


def test_diagnosis_form_saves_what_the_cli_gives(answered, client_for, web, tmp_path):
    import horetsu
    from horetsu.diagnosis import load_quiz

    server = answered
    quiz = load_quiz(horetsu.open_workspace(server.ws))
    answers = {k: v for k, v in ANSWERS.items() if k in quiz.questions}
    assert len(answers) >= 4, sorted(quiz.questions)
    f = tmp_path / "answers.toml"
    f.write_text("[answers]\n" + "".join(f'{k} = "{v}"\n' for k, v in answers.items()), encoding="utf-8")
    want = cli_json(server, web, "diagnose", "--answers", str(f), "--no-save")  # refreshes the results first
    c = client_for(server, "analyst")  # the consultant
    assert c.get("/diagnosis").status == 200
    r = c.post("/diagnosis", answers)
    assert r.status == 302 and r.location.startswith("/diagnosis/"), (r.status, r.text[:600])
    name = r.location.rsplit("/", 1)[1]
    saved = json.loads((server.ws / "diagnosis" / f"{name}.json").read_text(encoding="utf-8"))
    for key in SAME:
        assert saved[key] == want[key], key
    # the result page: stage with reasons, gaps with cost and fix, the flagged answer (NPS is measured)
    page = c.get(r.location)
    assert page.status == 200
    assert f'data-stage="{want["business_stage"] or ""}"' in page.text
    for g in want["gaps"]:
        assert f'data-gap="{g["id"]}"' in page.text
    flagged = {x["question"] for x in want["contradictions"]}
    assert "practice_nps" in flagged
    assert 'data-question="practice_nps"' in page.text
    for area in want["scores"]:
        assert f'data-area="{area}"' in page.text
    for kpi in ("f2_conversion", "repeat_rate_12m", "hidden_churn_90d", "ltv_12m", "nps"):
        assert f'data-kpi="{kpi}"' in page.text
    gaps_html = page.text.split('id="gaps"')[1].split("</ol>")[0]
    where = {"nps": lambda f: "/nps", "gate_rule": lambda f: "/campaign", "report": lambda f: "/analysis/report" + f["link"],
             "tactic": lambda f: "/campaign?tactic=" + f["id"].split(":", 1)[1]}  # fmt: skip
    links = [where[f["kind"]](f) for g in want["gaps"] for f in g["fix"] if f["kind"] in where]
    assert links and all(f'href="{html.escape(x)}"' in gaps_html for x in links)  # each fix links to what closes it
    commands = [f["link"] for g in want["gaps"] for f in g["fix"] if f["kind"] in ("sequence", "command")]
    assert all(f"<code>{x}</code>" in gaps_html for x in commands)


def test_diagnosis_history_roles_languages_and_a_bad_value(answered, client_for, web):
    server = answered
    owner = client_for(server, "owner")
    owner.get("/diagnosis")
    first = owner.post("/diagnosis", {"practice_step_mails": "no", "landing_check_in": "no"})
    assert first.status == 302
    second = owner.post("/diagnosis", {"practice_step_mails": "no", "landing_check_in": "yes"})
    assert second.status == 302 and second.location != first.location
    page = owner.get(second.location).text
    changes = page.split('id="changes"')[1].split("</ul>")[0]
    assert "landing_check_in" not in changes  # shown by its question, in the page's language
    import horetsu
    from horetsu.diagnosis import load_quiz

    quiz = load_quiz(horetsu.open_workspace(server.ws))
    assert html.escape(quiz.questions["landing_check_in"].ja) in changes  # a gap closed since the last one
    # English labels by the switch
    owner.post("/lang", {"lang": "en", "next": second.location})
    en = owner.get(second.location).text
    assert "Business stage" in en and "Since the previous diagnosis" in en and html.escape(quiz.questions["landing_check_in"].en) in en
    assert "Business diagnosis" in owner.get("/diagnosis").text
    # a bad value: refused, nothing saved, the question named
    before = sorted((server.ws / "diagnosis").glob("*.json"))
    r = owner.post("/diagnosis", {"practice_step_mails": "sometimes"})
    assert r.status == 400
    err = re.search(r'id="diagnosis-error">([^<]*)<', r.text).group(1)
    assert html.escape(quiz.questions["practice_step_mails"].en) in err and "sometimes" in html.unescape(err)
    assert sorted((server.ws / "diagnosis").glob("*.json")) == before
    # who may answer: the owner and the consultant (analyst); the others read
    for role, status in (("marketer", 403), ("viewer", 403)):
        c = client_for(server, role)
        assert c.get("/diagnosis").status == 200 and 'id="diagnosis-form"' not in c.get("/diagnosis").text
        assert c.post("/diagnosis", {"practice_nps": "yes"}).status == status
        assert c.get(second.location).status == 200
    assert sorted((server.ws / "diagnosis").glob("*.json")) == before
