"""The data-quality takeaway accounts for every row read."""

from __future__ import annotations

from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.sections import quality


def _log(ws, *entries):
    ws.write_meta("import_log.json", [
        {"file": f, "table": "orders", "read": r, "accepted": a, "quarantined": q, "duplicates": d,
         "reasons": ({"invalid_date": q} if q else {})}
        for f, r, a, q, d in entries
    ])  # fmt: skip


def test_a_reimport_is_reported_as_duplicates_not_as_lost_rows(ws):
    _log(ws, ("orders.csv", 100, 100, 0, 0), ("orders.csv", 100, 0, 0, 100))
    en = quality.build(ReportData(ws), Tr("en")).takeaway
    ja = quality.build(ReportData(ws), Tr("ja")).takeaway
    assert "100 of 200 rows were imported and 100 were duplicates or unchanged" in en
    assert "200行のうち100行を取り込み、100行は重複または変更なし" in ja


def test_quarantined_rows_and_their_main_reason_are_named(ws):
    _log(ws, ("a.csv", 10, 7, 2, 1))
    en = quality.build(ReportData(ws), Tr("en")).takeaway
    assert en.startswith("7 of 10 rows were imported and 2 quarantined")
    assert en.endswith("1 were duplicates or unchanged.")
