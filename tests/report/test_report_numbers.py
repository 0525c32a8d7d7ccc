"""Numbers that must agree on one page do, or a sentence beside them says why not (issue 14, item 8).

Read from the built pages of the sample shop (600 customers); reference counts come from
``results/customers.parquet`` with pandas, not from the report code.
"""

from __future__ import annotations

import html
import json
import re

import pandas as pd
import pytest

from horetsu.report.i18n import STAGE_NAMES

LANGS = ["ja", "en"]
FIG_RE = re.compile(r'<script type="application/json" id="horetsu-figures">(.*?)</script>', re.S)


def _section(text, key):
    m = re.search(rf'<section class="report-section" id="sec-{key}" data-section="{key}">(.*?)</section>', text, re.S)
    assert m, key
    return m.group(1)


def _tables(part):
    """Each table as a list of rows (header first), cells as plain text."""
    out = []
    for t in re.findall(r"<table.*?</table>", part, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", t, re.S)
        out.append([[html.unescape(re.sub(r"<[^>]+>", "", c)) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
                    for r in rows])
    return out


def _int(cell):
    return int(cell.replace(",", "").replace("人", ""))


def _values(v):
    """A Plotly array from the page: a list, or {"dtype", "bdata"} (base64 typed array)."""
    if isinstance(v, dict):
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"]).tolist()
    return list(v)


def _explain(part, key):
    m = re.search(rf'<p class="explain" data-explain="{key}">(.*?)</p>', part, re.S)
    return html.unescape(m.group(1)) if m else None


@pytest.fixture(scope="module")
def customers(shop_ws):
    return pd.read_parquet(shop_ws.result_path("customers"))


@pytest.mark.parametrize("lang", LANGS)
def test_action_plan_counts_everyone_the_stage_section_counts(lang, shop_reports, customers):
    text = shop_reports[lang].read_text(encoding="utf-8")
    names = {pair[0 if lang == "ja" else 1]: key for key, pair in STAGE_NAMES.items()}
    expected = customers.groupby("stage").size()
    lapsed_or_cooling = customers[customers["temperature"] != "active"].groupby("stage").size()

    plan = _tables(_section(text, "actions"))[0]
    assert len(plan[0]) >= 4
    got = {names[r[0]]: (_int(r[1]), _int(r[2]), _int(r[3])) for r in plan[1:]}
    for stage, (everyone, active, other) in got.items():
        assert everyone == expected.get(stage, 0), stage  # lapsed ones included
        assert other == lapsed_or_cooling.get(stage, 0) and active + other == everyone, stage
    assert sum(v[0] for v in got.values()) == len(customers)
    assert _explain(_section(text, "actions"), "actions-customers")

    # the stage section shows the same head counts, in its chart and its table
    figs = json.loads(FIG_RE.search(text).group(1).replace("<\\/", "</"))
    bars: dict[str, int] = {}
    for trace in figs["stages-distribution"]["data"]:
        for x, y in zip(_values(trace["x"]), _values(trace["y"]), strict=True):
            bars[names[x]] = bars.get(names[x], 0) + int(y)
    assert bars == {s: v[0] for s, v in got.items() if v[0]}
    moves = _tables(_section(text, "stages"))[0]
    assert {names[r[0]]: _int(r[1]) for r in moves[1:]} == {s: v[0] for s, v in got.items()}


@pytest.mark.parametrize("lang", LANGS)
def test_stage_movement_table_holds_shares_beside_the_head_count(lang, shop_reports):
    moves = _tables(_section(shop_reports[lang].read_text(encoding="utf-8"), "stages"))[0]
    assert len(moves) == 6 and len(moves[0]) == 5
    for row in moves[1:]:
        _int(row[1])  # the head count
        assert all(re.fullmatch(r"\d+\.\d%", c) for c in row[2:]), row  # moved, stalled, cooled: all shares


@pytest.mark.parametrize("lang", LANGS)
def test_a_zero_day_median_in_the_journey_is_explained(lang, shop_reports):
    part = _section(shop_reports[lang].read_text(encoding="utf-8"), "journey")
    days = [r[3] for r in _tables(part)[0][2:]]  # steps 2..7
    zero = "0日" if lang == "ja" else "0 days"
    assert zero in days  # the sample shop has steps reached on the day of a later one
    sentence = _explain(part, "journey-days")
    assert sentence and ("0日" in sentence if lang == "ja" else "0 days" in sentence)
    assert part.index("</table>") < part.index('data-explain="journey-days"')  # right under the table


@pytest.mark.parametrize("lang", LANGS)
def test_p_alive_count_next_to_the_active_count_is_explained(lang, shop_reports, customers):
    text = shop_reports[lang].read_text(encoding="utf-8")
    buyers = customers[customers["frequency"] >= 1]
    active = buyers["cpm_active"].fillna(False).astype(bool)
    alive = buyers["p_alive"].fillna(-1) >= 0.5
    inactive = alive & ~active
    once = inactive & (buyers["frequency"] == 1)
    assert int(alive.sum()) != int(active.sum())  # the two numbers differ in this shop

    kpi = re.search(r'data-kpi="active">.*?<div class="kpi-value">([^<]+)</div>', _section(text, "overview"), re.S)
    assert _int(kpi.group(1)) == int(active.sum())
    part = _section(text, "clv")
    sentence = _explain(part, "alive-vs-active")
    assert sentence, "no sentence explains P(alive) against the active count"
    numbers = [_int(n) for n in re.findall(r"\d[\d,]*(?=人|\b)", sentence)]
    for n in (int(active.sum()), int(alive.sum()), int(inactive.sum()), int(once.sum())):
        assert n in numbers, (n, sentence)
    assert f"{int(alive.sum()):,}" in re.search(r'<p class="takeaway">(.*?)</p>', part, re.S).group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_a_cooling_customer_with_a_high_p_alive_is_explained(lang, shop_reports):
    part = _section(shop_reports[lang].read_text(encoding="utf-8"), "clv")
    rows = _tables(part)[0]
    p_alive = [float(r[3]) for r in rows[1:]]
    assert max(p_alive) >= 0.5  # the sample shop lists such a customer
    sentence = _explain(part, "cooling-p-alive")
    assert sentence and "P(alive)" in sentence
    assert part.index('data-explain="cooling-p-alive"') < part.index("<table")  # with the list, above it
