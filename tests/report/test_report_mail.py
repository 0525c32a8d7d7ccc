"""The report's step-mail section over a shop whose mails went through a loopback aiosmtpd
server: per step sent / held out / skipped by reason / opened (known only while tracked) /
purchased within 90 days, and per sequence the holdout comparison with its 95% interval.

The expected numbers are worked out here from the outbox rows (sqlite3 on ops.sqlite3) and
the orders this test writes, not read from horetsu.mail.measure.  The report is built by the
CLI in a subprocess, as a shop runs it (Django serves one workspace per process).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mail"))

from mailkit import FIRST_STEPS, JST, SRC, Smtp, cli, make_shop, runs, sequence  # noqa: E402

pytestmark = pytest.mark.xdist_group("mail")

N = 30
DAYS = 90
WELCOME = sequence(*FIRST_STEPS, holdout=0.3, stop_when=("unsubscribed",))
NUDGE = sequence(("follow_up_email", "fp_follow_up", 3), stop_when=("unsubscribed",))
REPEAT_DAY, LATE_DAY = dt.date(2026, 10, 5), dt.date(2027, 1, 15)  # the second is more than 90 days later
NO_ADDRESS, NO_CONSENT, UNSUBSCRIBED = "C020", ("C021", "C022"), "c23@example.com"
OPEN = """
import sys
import horetsu
from horetsu.web.setup import setup_django
setup_django(horetsu.open_workspace(sys.argv[1]))
from django.test import Client
client = Client()
for path in sys.argv[2:]:
    assert client.get(path).status_code == 200, path
"""


def _order_rows(ids, day):
    from horetsu import schema

    at = dt.datetime.combine(day, dt.time(12), tzinfo=JST)
    t = pa.table({"order_id": [f"R{c}{day:%m%d}" for c in ids], "customer_id": ids,
                  "ordered_at": pa.array([at] * len(ids), schema.TS), "order_date": pa.array([day] * len(ids), pa.date32()),
                  "total_jpy": pa.array([3000] * len(ids), pa.int64())})
    return schema.conform("orders", t)


def _env():
    env = {**os.environ, "PYTHONPATH": str(SRC), "HORETSU_LANG": "en"}
    env.pop("HORETSU_DATABASE_URL", None)
    return env


@pytest.fixture(scope="module")
def mail_shop(tmp_path_factory):
    """Two sequences: welcome's step 1 sent on 09-30 with opens tracked (two opens recorded through
    the tracking image), its step 2 on 10-01 and nudge on 10-02 untracked (nudge's third mail in a week
    is mostly stopped by the gate's contact cap); skips for no address, no consent, an unsubscribe and
    the gate; then repeat orders on 10-05 from most of welcome's reached customers and one of its
    holdout, and one order too late; then the report in ja and en.  Returns (workspace, pages, repeat
    orders as {customer: day})."""
    import horetsu

    tmp = tmp_path_factory.mktemp("report_mail")
    smtp = Smtp(tmp)
    try:
        emails = [None if f"C{i:03d}" == NO_ADDRESS else f"c{i:02d}@example.com" for i in range(N)]
        root = make_shop(tmp / "ws", emails, smtp_port=smtp.port, sequence=WELCOME, extra_toml="track_opens = true")
        (root / "sequences" / "nudge.toml").write_text(NUDGE, encoding="utf-8")
        w = horetsu.open_workspace(root)
        cust = w.read_arrow("customers")
        refused = pc.is_in(cust.column("customer_id"), pa.array(list(NO_CONSENT)))
        cust = cust.set_column(cust.schema.get_field_index("accepts_email"), "accepts_email",
                               pc.invert(refused))
        w.write_tables({"customers": cust})
        cli(root, "mail", "suppress", UNSUBSCRIBED)
        runs(root, "2026-09-30T10:00")
        toml = root / "horetsu.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace("track_opens = true", "track_opens = false"),
                        encoding="utf-8")
        runs(root, "2026-10-01T10:00", "2026-10-02T10:00")
        pixels = [re.search(r'src="http://127\.0\.0\.1:8000(/o/[A-Za-z0-9_-]+)"', m["html"]).group(1)
                  for m in smtp.messages() if m.get("html")][:2]
        assert len(pixels) == 2
        done = subprocess.run([sys.executable, "-c", OPEN, str(root), *pixels], env=_env(), capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    finally:
        smtp.stop()
    held = sorted({r["customer_id"] for r in outbox(root) if r["sequence"] == "welcome" and r["state"] == "holdout"})
    reached = sorted({r["customer_id"] for r in outbox(root) if r["sequence"] == "welcome" and r["state"] == "sent"})
    repeat = {c: REPEAT_DAY for c in reached[:15] + held[:1]} | {reached[15]: LATE_DAY}
    w = horetsu.open_workspace(root)
    orders = w.read_arrow("orders")
    extra = pa.concat_tables([_order_rows([c for c, d in repeat.items() if d == day], day) for day in (REPEAT_DAY, LATE_DAY)])
    w.write_tables({"orders": pa.concat_tables([orders, extra.cast(orders.schema)])})
    pages = {}
    for lang in ("ja", "en"):
        out = tmp / f"report-{lang}.html"
        cli(root, "report", "--lang", lang, "--out", str(out))
        pages[lang] = out.read_text(encoding="utf-8")
    return root, pages, repeat


# ----------------------------------------------------------------- expected, by hand
def _tokyo_day(stamp: str) -> dt.date:
    at = dt.datetime.fromisoformat(stamp)
    at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(JST).date()


def _bought_within(repeat: dict, customer: str, day: dt.date) -> bool:
    """A repeat order from the day after ``day`` up to 90 days later (the orders written by the fixture)."""
    return customer in repeat and day < repeat[customer] <= day + dt.timedelta(days=DAYS)


def outbox(root: Path) -> list[dict]:
    con = sqlite3.connect(root / "ops.sqlite3")
    con.row_factory = sqlite3.Row
    rows = [dict(r) for r in con.execute("SELECT customer_id, sequence, step, occurrence, state, reason, sent_at, "
                                         "tracked, opened_at FROM horetsu_mail_message")]
    con.close()
    return rows


def expected_steps(rows: list[dict], repeat: dict) -> dict[tuple[str, int], dict]:
    out: dict[tuple[str, int], dict] = {}
    for r in rows:
        e = out.setdefault((r["sequence"], r["step"]), {"sent": 0, "held": 0, "skipped": {}, "tracked": 0, "opened": 0,
                                                         "purchased": 0})
        if r["state"] == "sent":
            e["sent"] += 1
            e["tracked"] += bool(r["tracked"])
            e["opened"] += bool(r["tracked"]) and r["opened_at"] is not None
            e["purchased"] += _bought_within(repeat, r["customer_id"], _tokyo_day(r["sent_at"]))
        elif r["state"] == "holdout":
            e["held"] += 1
        elif r["state"] in ("skipped", "failed_perm"):
            e["skipped"][r["reason"]] = e["skipped"].get(r["reason"], 0) + 1
    return out


def expected_effect(rows: list[dict], repeat: dict) -> dict[str, dict]:
    occ: dict[tuple[str, str, str], list[str]] = {}
    for r in rows:
        occ.setdefault((r["sequence"], r["customer_id"], r["occurrence"]), []).append(r["state"])
    out: dict[str, dict] = {}
    for (seq, cust, day), states in occ.items():
        e = out.setdefault(seq, {"reached": 0, "reached_bought": 0, "holdout": 0, "holdout_bought": 0})
        bought = _bought_within(repeat, cust, dt.date.fromisoformat(day))
        if "sent" in states:
            e["reached"] += 1
            e["reached_bought"] += bought
        elif all(s == "holdout" for s in states):
            e["holdout"] += 1
            e["holdout_bought"] += bought
    return out


def wald(x1: int, n1: int, x0: int, n0: int) -> tuple[float, float, float]:
    p1, p0 = x1 / n1, x0 / n0
    se = math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)
    return p1 - p0, p1 - p0 - 1.959964 * se, p1 - p0 + 1.959964 * se


# ----------------------------------------------------------------- reading the page
def section(page: str, key: str = "mail") -> str:
    m = re.search(rf'<section class="report-section" id="sec-{key}".*?</section>', page, re.S)
    assert m, key
    return m.group(0)


def tables(sec: str) -> list[list[list[str]]]:
    """Every table of the section as rows of unescaped cell texts (header row first)."""
    out = []
    for t in re.findall(r"<table.*?</table>", sec, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", t, re.S)
        out.append([[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows])
    return out


def figures(page: str) -> dict:
    m = re.search(r'<script type="application/json" id="horetsu-figures">(.*?)</script>', page, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


REASONS = {"no_address": ("アドレスなし", "no address"), "no_consent": ("同意なし", "no consent"),
           "unsubscribed": ("配信停止済み", "unsubscribed"), "gate": ("施策ルールで停止", "blocked by a rule")}


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_step_mail_section_matches_the_outbox(mail_shop, lang):
    root, pages, repeat = mail_shop
    ja = lang == "ja"
    rows = outbox(root)
    steps, effect = expected_steps(rows, repeat), expected_effect(rows, repeat)
    # the shop really produced what the section must show
    assert set(steps) == {("welcome", 1), ("welcome", 2), ("nudge", 1)}
    reasons = {k for e in steps.values() for k in e["skipped"]}
    assert {"no_address", "no_consent", "unsubscribed", "gate"} == reasons, reasons
    assert steps[("welcome", 1)]["opened"] == 2 and steps[("welcome", 1)]["tracked"] == steps[("welcome", 1)]["sent"]
    assert all(steps[k]["sent"] and not steps[k]["tracked"] for k in (("welcome", 2), ("nudge", 1)))
    w = effect["welcome"]
    assert w["holdout"] and w["reached"] and w["holdout_bought"] and w["reached_bought"] < w["reached"]

    sec = section(pages[lang])
    assert ("ステップメール" if ja else "Step mails") in sec
    kpis = dict(re.findall(r'data-kpi="(mail_\w+)">.*?<div class="kpi-value">([^<]*)<', sec, re.S))
    sent_all = sum(e["sent"] for e in steps.values())
    skipped_all = sum(n for e in steps.values() for n in e["skipped"].values())
    assert kpis["mail_sent"] == f"{sent_all:,}" and kpis["mail_skipped"] == f"{skipped_all:,}"

    effect_t, steps_t = tables(sec)
    # per sequence: reached / holdout, their rates, the difference and its interval, the verdict
    by_seq = {r[0]: r for r in effect_t[1:]}
    assert set(by_seq) == {"welcome", "nudge"}
    d, lo, hi = wald(w["reached_bought"], w["reached"], w["holdout_bought"], w["holdout"])
    pt = "ポイント" if ja else " pt"
    got = by_seq["welcome"]
    assert got[1] == f"{w['reached']:,}"
    assert got[2] == f"{w['reached_bought']} ({w['reached_bought'] / w['reached'] * 100:.1f}%)"
    assert got[3] == f"{w['holdout']:,}"
    assert got[4] == f"{w['holdout_bought']} ({w['holdout_bought'] / w['holdout'] * 100:.1f}%)"
    assert got[5] == f"{d * 100:+.1f}{pt}"
    assert got[6] == (f"{lo * 100:+.1f}〜{hi * 100:+.1f}" if ja else f"{lo * 100:+.1f} to {hi * 100:+.1f}")
    assert got[7] == f"{d * w['reached']:+.1f}"
    beyond = lo > 0 or hi < 0
    assert beyond  # 15 of 19 reached bought, 1 of 9 held out: the case a shop hopes for
    assert got[8] == {(True, True): "誤差を超えて増加", (True, False): "誤差の範囲",
                      (False, True): "more purchases, beyond noise", (False, False): "within noise"}[(ja, beyond)]
    n = effect["nudge"]
    assert n["holdout"] == 0 and by_seq["nudge"][1] == f"{n['reached']:,}"
    assert by_seq["nudge"][5:8] == ["–", "–", "–"]
    assert by_seq["nudge"][8] == ("まだ比べられません（対照群がないか未送信）" if ja
                                  else "nothing to compare yet (no holdout or nothing sent)")

    # per step: sent, held out, skipped by reason, opened where known, purchased within 90 days
    head = steps_t[0]
    assert head[-1] == ("送信後90日以内の購入" if ja else "Purchased within 90 days")
    by_step = {(r[0], int(r[1])): r for r in steps_t[1:]}
    assert set(by_step) == set(steps)
    sep = "、" if ja else "; "
    for key, e in steps.items():
        got = by_step[key]
        assert got[2] == f"{e['sent']:,}" and got[3] == f"{e['held']:,}", (key, got)
        parts = dict(p.rsplit(" ", 1) for p in got[4].split(sep)) if e["skipped"] else {}
        assert parts == {REASONS[k][0 if ja else 1]: str(v) for k, v in e["skipped"].items()}, (key, got[4])
        if e["tracked"]:
            assert got[5] == f"{e['opened']} / {e['tracked']} ({e['opened'] / e['tracked'] * 100:.1f}%)", (key, got)
        else:  # not tracked: unknown, never 0
            assert got[5] == ("—（計測していません）" if ja else "— (unknown: not tracked)"), (key, got)
        assert got[6] == f"{e['purchased']} ({e['purchased'] / e['sent'] * 100:.1f}%)", (key, got)

    # the chart: one bar per sequence with a holdout, the difference in points with its interval
    fig = figures(pages[lang])["mail-uplift"]
    bar = fig["data"][0]
    assert bar["x"] == ["welcome"] and bar["y"] == pytest.approx([d * 100])
    assert bar["marker"]["color"] == ["#009E73" if lo > 0 else "#D55E00" if hi < 0 else "#999999"]
    assert bar["error_y"]["array"] == pytest.approx([(hi - d) * 100], abs=1e-4)
    assert bar["error_y"]["arrayminus"] == pytest.approx([(d - lo) * 100], abs=1e-4)
    assert ("ポイント" if ja else "points") in fig["layout"]["yaxis"]["title"]["text"]

    # the takeaway states the same difference and interval
    takeaway = html.unescape(re.search(r'<p class="takeaway">(.*?)</p>', sec, re.S).group(1))
    assert f"{d * 100:+.1f}" in takeaway and f"{lo * 100:+.1f}" in takeaway and f"{hi * 100:+.1f}" in takeaway
    assert f"{sent_all:,}" in takeaway


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_a_shop_without_step_mails_gets_one_kind_sentence(hand_reports, lang):
    _, pages = hand_reports
    sec = section(pages[lang])
    sentence = ("まだステップメールは送られていません。" if lang == "ja" else "No step mail has been sent yet;")
    assert sentence in sec
    assert "<table" not in sec and 'class="chart"' not in sec and 'class="missing"' not in sec
    assert "mail-uplift" not in figures(pages[lang])


def test_a_shop_whose_mails_were_all_skipped_is_told_why(tmp_path):
    """No consent anywhere: the outbox has rows but nothing went out; the sentence, and the reasons per step."""
    import horetsu

    smtp = Smtp(tmp_path)
    try:
        root = make_shop(tmp_path / "ws", [f"c{i:02d}@example.com" for i in range(4)], smtp_port=smtp.port)
        w = horetsu.open_workspace(root)
        cust = w.read_arrow("customers")
        w.write_tables({"customers": cust.set_column(cust.schema.get_field_index("accepts_email"), "accepts_email",
                                                     pa.array([False] * cust.num_rows))})
        runs(root, "2026-09-30T10:00")
        assert smtp.messages() == []
    finally:
        smtp.stop()
    skipped = sqlite3.connect(root / "ops.sqlite3").execute(
        "SELECT count(*) FROM horetsu_mail_message WHERE step = 1 AND state = 'skipped' AND reason = 'no_consent'").fetchone()[0]
    assert skipped == 4
    out = tmp_path / "ja.html"
    cli(root, "report", "--lang", "ja", "--out", str(out))
    page = out.read_text(encoding="utf-8")
    sec = section(page)
    assert "まだステップメールは送られていません。" in sec and 'class="missing"' not in sec
    (steps_t,) = tables(sec)
    assert steps_t[1][:5] == ["welcome", "1", "0", "0", "同意なし 4"]
    assert "mail-uplift" not in figures(page)


def test_every_label_of_the_section_is_bilingual():
    import string

    from horetsu.mail.labels import REASON_LABELS
    from horetsu.report.sections.mail import L

    japanese = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    fields = lambda s: {f for _, f, _, _ in string.Formatter().parse(s) if f}  # noqa: E731
    for key, (ja, en) in {**L, **REASON_LABELS}.items():
        assert ja.strip() and en.strip() and fields(ja) == fields(en), key
        assert japanese.search(ja) and not japanese.search(en), key
