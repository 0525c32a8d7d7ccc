"""The NPS section of the HTML report (both languages) and the commands' help and docs."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["wave", "report", "texts", "act"]


def _add(ws, rows):
    import datetime as dt

    from horetsu import schema
    from horetsu.nps.answers import note, payload

    jst = dt.timezone(dt.timedelta(hours=9))
    at = [dt.datetime(2025, 6, d, 12, tzinfo=jst) for _, d, _, _ in rows]
    t = pa.table({"customer_id": [r[0] for r in rows], "at": pa.array(at, schema.TS), "type": ["nps_response"] * len(rows),
                  "value": [float(r[2]) for r in rows], "note": [note(r[3], None) for r in rows],
                  "payload": [payload(reason=r[3], improve=None, source="survey") for r in rows]})  # fmt: skip
    ws.write_tables({"events": pa.concat_tables([ws.read_arrow("events"), schema.conform("events", t)])})


def _section(ws, lang: str) -> str:
    """The NPS section as the report renders it (the section builder, titled as build_all does)."""
    from horetsu.report.data import ReportData
    from horetsu.report.html import _section_html
    from horetsu.report.i18n import Tr
    from horetsu.report.sections import SECTIONS, nps

    assert ("nps", "sec.nps", nps.build) in SECTIONS  # registered in the page order
    tr = Tr(lang)
    sec = nps.build(ReportData(ws), tr)
    sec.key, sec.title = "nps", tr("sec.nps")
    return _section_html(sec, tr)


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_report_section(analysed, lang):
    ws, _ = analysed
    _add(ws, [("L1", 20, 10, "<script>alert(1)</script>"), ("L2", 20, 3, "遅い"), ("E1", 21, 9, None), ("G1", 22, 10, None)])
    sec = _section(ws, lang)
    # 3 promoters, 1 detractor of 4 answers: NPS +50.0; landing 1/1 of 2 -> 0.0; empathy and engagement +100.0
    assert "+50.0" in sec
    assert ("顧客満足度" if lang == "ja" else "Customer satisfaction") in sec
    assert ("着地" if lang == "ja" else "Landing") in sec
    assert "<script>alert(1)</script>" not in sec and "&lt;script&gt;" in sec
    assert 'id="nps-stage"' in sec and 'id="nps-month"' in sec
    assert 'class="missing"' not in sec


def test_report_section_without_answers_says_how_to_start(analysed):
    ws, _ = analysed
    sec = _section(ws, "en")
    assert "No NPS answers yet" in sec and "--preset nps" in sec


def test_every_nps_command_has_help_with_an_example(capsys):
    from horetsu.cli.app import main

    for cmd in COMMANDS:
        assert main(["nps", cmd, "--help"]) == 0, cmd
        out = capsys.readouterr().out.replace("\n", " ")
        assert f"horetsu nps {cmd}" in out and "Example:" in out, cmd


def test_docs_cover_the_commands_settings_and_preset():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    doc = (ROOT / "docs" / "nps.md").read_text(encoding="utf-8")
    imp = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for cmd in COMMANDS:
        assert f"`horetsu nps {cmd}" in readme, cmd
        assert f"horetsu nps {cmd}" in doc, cmd
    assert "`nps`" in readme and "--preset nps" in readme and "--preset nps" in imp
    from horetsu.config import MailSettings
    from horetsu.nps.settings import NpsSettings

    assert "public_url" in doc and "public_url" in readme  # the one [mail] key NPS links use
    assert "public_url" in MailSettings.model_fields
    for key in NpsSettings.model_fields:
        assert key in doc, key
