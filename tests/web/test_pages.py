"""What the pages show, checked against the stored results read independently (pyarrow/pandas)
and against the library's own gate and exports."""

from __future__ import annotations

import csv
import io
import json
import re
import time

import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.xdist_group("web")
SQLITE = pytest.mark.parametrize("served", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def cust(web_ws):
    return pq.read_table(web_ws / "results" / "customers.parquet").to_pandas()


def _total(text: str) -> int:
    m = re.search(r'id="total">([\d,]+)<', text)
    assert m, text[:2000]
    return int(m.group(1).replace(",", ""))


def _ids(text: str) -> list[str]:
    return re.findall(r'class="customer-link">([^<]+)<', text)


@SQLITE
def test_customer_filters_count_and_order_like_pandas(served, client_for, cust, web_ws):
    c = client_for(served, "analyst")
    import pandas as pd

    canon = pq.read_table(web_ws / "tables" / "customers.parquet").to_pandas()
    orders = pq.read_table(web_ws / "tables" / "orders.parquet").to_pandas()
    # first category: the smallest category among the paid orders of the first purchase day (JST)
    # up to the results' as-of day, the rule the cohort and F2 analyses use
    import horetsu
    from horetsu.core.purchases import excluded_statuses

    as_of = pd.Timestamp(json.loads((web_ws / "results" / "meta.json").read_text())["as_of"]).date()
    paid = orders[orders.customer_id.notna() & orders.order_date.notna() & (orders.order_date <= as_of)
                  & ~orders.status.fillna("completed").isin(excluded_statuses(horetsu.open_workspace(web_ws)))]
    on_first = paid[paid.order_date == paid.groupby("customer_id")["order_date"].transform("min")]
    first_cat = on_first.groupby("customer_id")["category"].min()
    cases = {
        "/customers?stage=landing": cust.stage == "landing",
        "/customers?temperature=cooling&stage=empathy": (cust.temperature == "cooling") & (cust.stage == "empathy"),
        "/customers?journey_step=repeat": cust.journey_step == "repeat",
        "/customers?cpm=steady": cust.cpm_segment == "steady",
        "/customers?rfm=champions": cust.rfm_segment == "champions",
        "/customers?rfm_cell=5-4": (cust.rfm_r == 5) & (cust.rfm_f == 4),
        "/customers?cohort=2024-03": pd.to_datetime(cust.first_purchase).dt.strftime("%Y-%m") == "2024-03",
        "/customers?first_category=" + "%E3%82%B9%E3%82%AD%E3%83%B3%E3%82%B1%E3%82%A2":
            cust.customer_id.map(first_cat).eq("スキンケア"),
        "/customers?q=watanabe": cust.customer_id.isin(
            canon.loc[canon.email_norm.fillna("").str.contains("watanabe", case=False), "customer_id"]),
    }
    for path, mask in cases.items():
        r = c.get(path)
        assert r.status == 200, path
        assert _total(r.text) == int(mask.sum()), path
    # sorting and paging: the second page of spend, largest first, ties by id
    want = cust.sort_values(["monetary_total", "customer_id"], ascending=[False, True], na_position="last")
    r = c.get("/customers?sort=monetary_total&dir=desc&page=2")
    assert _ids(r.text) == want.customer_id.iloc[50:100].tolist()
    # an htmx request for the list gets the rows only
    part = c.get("/customers?stage=landing", headers={"HX-Request": "true", "HX-Target": "list"})
    assert "<html" not in part.text and _total(part.text) == int((cust.stage == "landing").sum())


@SQLITE
def test_home_and_stages_count_like_pandas(served, client_for, cust):
    c = client_for(served, "viewer")
    home = c.get("/")
    assert home.status == 200 and "基準日" in home.text
    for stage_ja, n in (("着地", (cust.stage == "landing").sum()), ("観測", (cust.stage == "observer").sum())):
        assert re.search(rf"<th>{stage_ja}</th><td class=\"num\">{int(n):,}</td>", home.text), stage_ja
    assert 'data-figure="fig-stages"' in home.text and 'type="application/json"' in home.text
    stages = c.get("/stages").text
    n = int(((cust.stage == "landing") & (cust.temperature == "cooling")).sum())
    analyst = client_for(served, "analyst").get("/stages").text
    assert f'href="/customers?stage=landing&amp;temperature=cooling" class="cell">{n:,}</a>' in analyst
    assert "class=\"cell\"" not in stages  # the viewer gets the numbers, not the links


@SQLITE
def test_today_groups_next_actions_with_reasons(served, client_for, cust):
    r = client_for(served, "marketer").get("/today")
    counts = cust.next_action.value_counts()
    top = counts.index[0]
    assert f"/customers?next_action={top}" in r.text
    assert f'<td class="num">{int(counts.iloc[0]):,}</td>' in r.text
    assert "どのルールにも当たらない" in r.text  # the reason, in Japanese


@SQLITE
def test_customer_page_and_tactics_match_the_gate(served, client_for, cust, web_ws):
    import horetsu

    row = cust[cust.frequency >= 2].iloc[0]
    cid = row.customer_id
    c = client_for(served, "analyst")
    page = c.get(f"/customers/{cid}").text
    assert row.stage_evidence_ja in page
    assert row.next_action_reason_ja in page
    orders = pq.read_table(web_ws / "tables" / "orders.parquet").to_pandas()
    for oid in orders.loc[orders.customer_id == cid, "order_id"]:
        assert f">{oid} " in page or f">{oid}<" in page, oid
    part = c.get(f"/customers/{cid}/tactics").text
    ws = horetsu.open_workspace(web_ws)
    for tactic in ("discount_coupon", "thank_you", "mail_magazine"):
        res = horetsu.gate(ws, tactic, audience=[cid])
        name = {"discount_coupon": "割引クーポン", "thank_you": "お礼のメッセージ", "mail_magazine": "メルマガ"}[tactic]
        cell = re.search(rf'<tr class="(allowed|blocked)"><td>{re.escape(name)}</td>', part)
        assert cell, tactic
        assert (cell.group(1) == "allowed") == (res.n_allowed == 1), tactic
        if res.n_blocked:
            assert res.blocked.column("reason_ja")[0].as_py() in part


@SQLITE
def test_tactics_answer_from_stale_results_like_the_page(served, client_for, cust, web_ws):
    """A policy change makes the results stale until the next analyze: the customer page and its
    tactics fragment both answer from the stored results, and the page says they are stale."""
    cid = cust[cust.frequency >= 2].iloc[0].customer_id
    c = client_for(served, "analyst")
    toml = web_ws / "horetsu.toml"
    original = toml.read_text(encoding="utf-8")
    assert "[policy" not in original
    try:
        toml.write_text(original + "\n[policy.temperature]\ncooling_ratio = 1.75\n", encoding="utf-8")
        page = c.get(f"/customers/{cid}")
        part = c.get(f"/customers/{cid}/tactics")
    finally:
        toml.write_text(original, encoding="utf-8")  # the same settings again: fresh for the other tests
    assert page.status == 200 and '<p class="asof stale">' in page.text
    assert part.status == 200, part.text[:300]
    assert re.search(r'<tr class="(allowed|blocked)"><td>割引クーポン</td>', part.text)


def test_campaign_check_counts_downloads_and_override(served, client_for, cust, web_ws):
    import horetsu
    from horetsu.playbook.exports import export_audience

    marketer = client_for(served, "marketer")
    marketer.get("/campaign")
    # observers: the stage forbids discounts, so some are blocked and the override has work to do
    r = marketer.post("/campaign", {"tactic": "discount_coupon", "audience": "filter", "stage": "observer",
                                    "send_date": ""})
    assert r.status == 302
    check = r.location
    page = marketer.get(check).text
    ids = cust.loc[cust.stage == "observer", "customer_id"].tolist()
    ws = horetsu.open_workspace(web_ws)
    day = re.search(r"送付日: (\d{4}-\d{2}-\d{2})", page).group(1)  # the results' as-of day by default
    ref = horetsu.gate(ws, "discount_coupon", audience=ids, as_of=day)
    assert ref.n_blocked > 0
    assert f'id="n-allowed">{ref.n_allowed:,}<' in page and f'id="n-blocked">{ref.n_blocked:,}<' in page
    for rule, n in ref.rule_counts.items():
        assert f"<td>{rule}</td><td class=\"num\">{n:,}</td>" in page
    # the allowed list in Shopify's format has exactly the rows the library's export writes
    dl = marketer.get(check + "/download?list=allowed&format=shopify")
    assert dl.status == 200 and dl.headers["content-disposition"].startswith("attachment")
    theirs = export_audience(ws, ref, "shopify", web_ws.parent / "ref-shopify.csv", tactic="discount_coupon")
    rows = list(csv.DictReader(io.StringIO(dl.body.decode("utf-8-sig"))))
    assert len(rows) == theirs.rows and {r["Customer ID"] for r in rows} == set(theirs.customer_ids)
    blocked = marketer.get(check + "/download?list=blocked&format=csv")
    assert len(list(csv.DictReader(io.StringIO(blocked.body.decode("utf-8-sig"))))) == ref.n_blocked
    # only the owner may override, with a reason, and it is logged
    assert marketer.post(check + "/override", {"reason": "launch"}).status == 403
    owner = client_for(served, "owner")
    owner.get(check)
    assert owner.post(check + "/override", {"reason": ""}).status == 400
    r = owner.post(check + "/override", {"reason": "VIP event <b>approved</b>"})
    assert r.status == 302
    page = owner.get(check).text
    assert "VIP event &lt;b&gt;approved&lt;/b&gt;" in page
    after = owner.get(check + "/download?list=allowed&format=csv")
    assert len(list(csv.DictReader(io.StringIO(after.body.decode("utf-8-sig"))))) == ref.n_allowed + ref.n_blocked
    log = (web_ws / "audit.log").read_text(encoding="utf-8")
    assert "VIP event <b>approved</b>" in log and "gate_override" in log


@SQLITE
def test_campaign_check_with_an_uploaded_csv(served, client_for, cust, web_ws):
    import horetsu

    ids = cust.customer_id.iloc[:40].tolist()
    body = ("customer_id\n" + "\n".join(ids) + "\n").encode()
    c = client_for(served, "analyst")
    c.get("/campaign")
    r = c.post("/campaign", {"tactic": "thank_you", "audience": "upload"}, files={"file": ("ids.csv", body)})
    assert r.status == 302, r.text[:1000]
    page = c.get(r.location).text
    ref = horetsu.gate(horetsu.open_workspace(web_ws), "thank_you", audience=ids)
    assert f'id="n-allowed">{ref.n_allowed:,}<' in page
    bad = c.post("/campaign", {"tactic": "thank_you", "audience": "upload"},
                 files={"file": ("ids.csv", b"customer_id\nNOPE-1\n")})
    assert bad.status == 400 and "NOPE-1" in bad.text and "Traceback" not in bad.text


@SQLITE
def test_english_switch(served, client_for):
    c = client_for(served, "owner")
    c.get("/")
    r = c.post("/lang", {"lang": "en", "next": "/stages"})
    assert r.status == 302 and r.location == "/stages"
    page = c.get("/stages").text
    assert "Stage × temperature" in page and '<html lang="en">' in page
    assert "ステージ × 温度" not in page


@SQLITE
def test_settings_refuse_an_invalid_value_with_its_key(served, client_for):
    c = client_for(served, "owner")
    page = c.get("/settings").text
    current = re.search(r'<textarea name="toml"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    import html

    original = html.unescape(current)
    r = c.post("/settings", {"toml": original + "\n[analysis]\nlapse_days = -5\n"})
    assert r.status == 400 and "[analysis.lapse_days]" in r.text
    r = c.post("/settings", {"toml": original + "\n[server]\nsession_idle_minutes = 0\n"})
    assert r.status == 400 and "[server.session_idle_minutes]" in r.text
    r = c.post("/settings", {"toml": original})
    assert r.status == 200 and 'id="settings-saved"' in r.text


@SQLITE
def test_twenty_concurrent_clients_get_no_error(served, client_for):
    """A short smoke of the 30-second load test (benchmarks/bench_web.py has the real one)."""
    from concurrent.futures import ThreadPoolExecutor

    clients = [client_for(served, "analyst") for _ in range(2)]
    paths = ["/customers", "/customers?stage=landing&sort=clv_12m&dir=desc", "/customers/C0000002", "/"]
    end = time.monotonic() + 2

    def worker(i: int) -> list[int]:
        out = []
        c = clients[i % len(clients)]
        while time.monotonic() < end:
            out.append(c.get(paths[len(out) % len(paths)]).status)
        return out

    with ThreadPoolExecutor(20) as pool:
        statuses = [s for got in pool.map(worker, range(20)) for s in got]
    assert statuses and set(statuses) == {200}


@SQLITE
def test_stages_page_flows_between_the_last_monthly_snapshots(served, client_for, web_ws):
    import json

    tr = pq.read_table(web_ws / "results" / "stage_transitions.parquet").to_pandas()
    last = sorted(set(tr["period_to"]))[-3:]
    page = client_for(served, "viewer").get("/stages").text
    m = re.search(r'<script type="application/json" id="fig-flow">(.*?)</script>', page, re.S)
    assert m, page[:3000]
    fig = json.loads(m.group(1))
    # the Sankey's flows are the stored ones into the last three month ends (none made up, none left out)
    values = sorted(v for d in fig["data"] for v in (d.get("link") or {}).get("value", []))
    want = tr[tr["period_to"].isin(last) & (tr["customers"] > 0)]["customers"]
    assert values == sorted(int(v) for v in want)
