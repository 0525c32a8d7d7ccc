"""Reports on unusual workspaces build every section without hidden failures."""

from __future__ import annotations

import logging

from horetsu.io import import_files
from horetsu.report import build_report


def _shop(ws, tmp_path):
    src = tmp_path / "orders.csv"
    src.write_text(
        "order_id,customer_id,ordered_at,amount\n"
        "A1,C1,2024-01-05,1280\nA2,C1,2024-03-05,1280\nA3,C2,2024-02-01,3000\n",
        encoding="utf-8",
    )
    import_files(ws, [src], "generic")


def test_as_of_before_the_first_order(ws, tmp_path, caplog):
    _shop(ws, tmp_path)
    with caplog.at_level(logging.WARNING):
        out = build_report(ws, lang="en", out=tmp_path / "r.html", as_of="2023-12-31")
    assert not [r for r in caplog.records if "could not be built" in r.getMessage()]
    assert 'id="sec-clv"' in out.read_text(encoding="utf-8")


def test_a_tiny_shop(ws, tmp_path, caplog):
    _shop(ws, tmp_path)
    with caplog.at_level(logging.WARNING):
        build_report(ws, lang="ja", out=tmp_path / "r.html")
    assert not [r for r in caplog.records if "could not be built" in r.getMessage()]
