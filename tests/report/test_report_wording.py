"""Words of the report (issue 14, item 7): quarantine reasons in Japanese, "1 day" not "1 days"."""

from __future__ import annotations

import re

from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.sections import quality

# one row with a field too many, one with a field too few, one good row
ORDERS = """order_id,customer_id,ordered_at,amount,status
O1,C1,2024-03-01,1000,completed
O2,C1,2024-03-02,1000,completed,extra
O3,C2,2024-03-03
"""


def test_a_row_with_the_wrong_number_of_columns_is_named_in_japanese(ws, tmp_path):
    from horetsu.io import import_files

    path = tmp_path / "orders.csv"
    path.write_text(ORDERS, encoding="utf-8")
    import_files(ws, [path], "generic")
    kinds = {k for e in ReportData(ws).import_log() for k in e.get("reasons") or {}}
    assert "columns" in kinds  # what horetsu.io writes for these rows

    ja = quality.build(ReportData(ws), Tr("ja"))
    en = quality.build(ReportData(ws), Tr("en"))
    labels = {s.key: list(c.figure.data[0].y) for s, c in ((ja, c) for c in ja.charts) if c.key == "quality-quarantine"}
    assert labels["quality"] == ["列の数が見出しと合わない"]
    assert "主な理由：列の数が見出しと合わない" in ja.takeaway and "columns" not in ja.takeaway
    assert "(mostly: Wrong number of columns)" in en.takeaway


def test_a_reason_kind_without_a_name_still_reads_as_japanese():
    assert Tr("ja").reason("some_new_kind") == "その他の理由（some_new_kind）"
    assert Tr("en").reason("some_new_kind") == "Other (some_new_kind)"


def test_one_day_is_singular_in_english(hand_ws, tmp_path):
    """With a one-day lapse window the overview defines "active" as "less than 1 day ago"."""
    import horetsu
    from horetsu.report import build_report

    with open(hand_ws.config_path, "a", encoding="utf-8") as fh:
        fh.write("\n[analysis]\nlapse_days = 1\n")
    ws = horetsu.open_workspace(hand_ws.path)
    en = build_report(ws, lang="en", out=tmp_path / "en.html").read_text(encoding="utf-8")
    ja = build_report(ws, lang="ja", out=tmp_path / "ja.html").read_text(encoding="utf-8")
    assert "last purchase less than 1 day ago (the lapse window)" in en
    assert "最終購入から1日未満の顧客" in ja
    assert not re.search(r"(?<![\d,.])1 days\b", en)
    # and the plural stays plural: B and D bought once, the others came back after 30 and 45 days
    assert "half of those who do return within 30 days." in en
