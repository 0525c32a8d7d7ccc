"""Report content without a browser: labels, palette, units, missing inputs, the CLI."""

from __future__ import annotations

import json
import re
import string

import pyarrow as pa
import pytest

from horetsu.report import i18n, theme

JAPANESE = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
FIG_RE = re.compile(r'<script type="application/json" id="horetsu-figures">(.*?)</script>', re.S)


def figures_of(path):
    return json.loads(FIG_RE.search(path.read_text(encoding="utf-8")).group(1).replace("<\\/", "</"))


def _fields(text):
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_every_label_has_japanese_and_english_with_the_same_placeholders():
    catalogues = [i18n.LABELS, i18n.STAGE_NAMES, i18n.JOURNEY_NAMES, i18n.TEMPERATURE_NAMES, i18n.CPM_NAMES,
                  i18n.REASON_NAMES]
    for cat in catalogues:
        for key, (ja, en) in cat.items():
            assert ja.strip() and en.strip(), key
            assert _fields(ja) == _fields(en), key
            assert not JAPANESE.search(en), (key, en)
            if not key.startswith(("page.generated", "t.p_alive")):
                assert JAPANESE.search(ja) or ja == en, (key, ja)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_charts_use_the_palette_and_units(shop_reports, lang):
    figs = figures_of(shop_reports[lang])
    allowed = {c.upper() for c in theme.OKABE_ITO} | {theme.GREY.upper()}
    for fid, fig in figs.items():
        for trace in fig["data"]:
            colours = []
            marker = trace.get("marker", {})
            for c in (marker.get("color"), *(marker.get("colors") or []), trace.get("line", {}).get("color")):
                if isinstance(c, str):
                    colours.append(c)
            if trace["type"] == "sankey":
                colours += trace["node"]["color"]
            for c in colours:
                assert c.upper() in allowed, (fid, c)
        layout = fig["layout"]
        assert layout["font"]["family"] == theme.FONT_STACK
        assert layout["title"]["text"]
    y_units = {"timeline-revenue": ("円", "¥"), "cohorts-ltv": ("円", "¥"), "clv-value": ("人", "Customers"),
               "timeline-lost": ("人", "Customers")}
    x_units = {"cohorts-heatmap": ("月", "Months"), "cohorts-ltv": ("月", "Months"), "intervals-categories": ("日", "Days"),
               "clv-value": ("円", "¥"), "f2-within": ("日", "Days"), "timeline-revenue": ("月", "Month")}
    pick = 0 if lang == "ja" else 1
    for fid, units in y_units.items():
        assert units[pick] in figs[fid]["layout"]["yaxis"]["title"]["text"], fid
    for fid, units in x_units.items():
        assert units[pick] in figs[fid]["layout"]["xaxis"]["title"]["text"], fid
    # money and counts are drawn with thousands separators, never as 1.2k / 3M
    assert figs["timeline-revenue"]["layout"]["yaxis"]["tickformat"] == ",.0f"
    assert figs["clv-value"]["layout"]["xaxis"]["tickformat"] == ",.0f"


def test_html_is_self_contained(shop_reports):
    text = shop_reports["ja"].read_text(encoding="utf-8")
    assert "<script src" not in text and "<link" not in text
    assert 'lang="ja"' in text and "Plotly.newPlot" in text
    assert 'role="img" aria-label="月別売上：新規・リピート・定期購入"' in text  # charts are named for screen readers
    assert len(text) > 4_000_000  # plotly.js itself is inside (about 4.8 MB)
    # the takeaway states numbers from the data
    assert re.search(r"初回購入者の\d+\.\d%がまだ2回目を買っていません", text)


def test_sections_say_what_is_missing_instead_of_failing(ws, tmp_path):
    """A workspace with only a customer table: every section renders, the others name their input."""
    from horetsu.report import build_report

    ws.write_results({
        "customers": pa.table({"customer_id": ["a", "b", "c"], "frequency": [1, 2, 3],
                               "monetary_total": [1000, 3000, 9000], "cpm_active": [True, False, True]}),
        "meta.json": '{"as_of": "2026-01-31"}',
    })
    html = build_report(ws, lang="en", out=tmp_path / "partial.html").read_text(encoding="utf-8")
    sections = re.findall(r'<section class="report-section" id="sec-([a-z0-9_]+)"', html)
    from horetsu.report.sections import SECTIONS

    assert len(sections) == len(SECTIONS) == 14  # every registered section renders
    missing = dict(re.findall(r'id="sec-([a-z0-9_]+)"[^>]*>\s*<h2>[^<]*</h2>\s*<p class="missing">([^<]*)</p>', html))
    assert "results/timeline.parquet" in missing["timeline"]
    assert "results/cohorts.parquet" in missing["cohorts"]
    assert "results/f2.parquet" in missing["f2"] and "results/ladder.parquet" in missing["f2"]
    assert "stage" in missing["stages"]
    assert "p_alive" in missing["clv"]
    assert "import_log.json" in missing["quality"] and "horetsu import" in missing["quality"]
    # the overview still shows what it can: 3 buyers, 2 of them with a second purchase day
    assert 'data-kpi="customers"><div class="kpi-label">Customers</div><div class="kpi-value">3<' in html
    assert 'data-kpi="f2_rate"><div class="kpi-label">F2 rate</div><div class="kpi-value">66.7%<' in html


def test_report_command(shop_ws, tmp_path):
    from typer.testing import CliRunner

    from horetsu.cli.app import app

    out = tmp_path / "cli.html"
    res = CliRunner().invoke(app, ["report", "--workspace", str(shop_ws.path), "--lang", "en", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert str(out) in res.output.replace("\n", "")
    assert 'lang="en"' in out.read_text(encoding="utf-8")[:200]

    bad = CliRunner().invoke(app, ["report", "--workspace", str(shop_ws.path), "--lang", "fr", "--out", str(out)])
    assert bad.exit_code != 0

    default = CliRunner().invoke(app, ["report", "--workspace", str(shop_ws.path), "--lang", "ja"])
    assert default.exit_code == 0, default.output
    path = shop_ws.path / "reports" / "report-ja.html"
    assert path.exists() and 'lang="ja"' in path.read_text(encoding="utf-8")[:200]


def test_report_command_errors_are_one_line(tmp_path, capsys):
    from horetsu.cli.app import main

    code = main(["report", "--workspace", str(tmp_path / "nowhere"), "--lang", "en", "--out", str(tmp_path / "x.html")])
    err = capsys.readouterr().err
    assert code == 3  # WorkspaceError
    assert "not a horetsu workspace" in err and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_report_of_a_workspace_without_orders_explains_itself(ws, tmp_path, capsys):
    from horetsu.cli.app import main

    out = tmp_path / "r.html"
    code = main(["report", "--workspace", str(ws.path), "--lang", "en", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 5  # AnalysisError from the analysis the report runs first
    assert "no orders" in err and "horetsu import" in err and "Traceback" not in err
    assert not out.exists()


def test_action_plan_follows_the_shop_policy(hand_ws, tmp_path):
    """Goals, tactics and forbidden traits come from the policy, including a shop's override."""
    import horetsu
    from horetsu.report import build_report

    cfg = hand_ws.path / "horetsu.toml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + '\n[policy.stages.landing]\ngoal_en = "Let them settle in at '
                   'their own pace"\n', encoding="utf-8")
    ws = horetsu.open_workspace(hand_ws.path)
    html = build_report(ws, lang="en", out=tmp_path / "p.html").read_text(encoding="utf-8")
    plan = html.split('data-section="actions"', 1)[1].split("</section>", 1)[0]
    assert "Let them settle in at their own pace" in plan
    # shipped defaults for the observer stage: recommended tactic and a forbidden trait
    assert "Thank-you message" in plan and "immediate offers and sales" in plan


def test_stage_flow_ends_in_the_stages_of_the_results(shop_ws):
    """The Sankey's last column and the movement table agree with results/customers."""
    import pyarrow.parquet as pq

    from horetsu.report.data import ReportData

    data = ReportData(shop_ws)
    flows = data.derived.stage_flow()
    stages = pq.read_table(shop_ws.result_path("customers"), columns=["stage"]).to_pandas()["stage"].value_counts()
    last = flows[flows["period_to"] == flows["period_to"].max()].groupby("to_stage")["customers"].sum()
    assert last.sort_index().to_dict() == stages.sort_index().to_dict()
    # everybody known half a year ago is somewhere now; new customers enter from "(new)"
    first = flows[flows["period_to"] == flows["period_to"].min()]
    assert set(first["from_stage"]) <= {"(new)", "observer", "landing", "empathy", "engagement", "circulation"}
    moves = data.derived.movement().set_index("stage")["current"]
    assert moves.sort_index().to_dict() == stages.sort_index().to_dict()
