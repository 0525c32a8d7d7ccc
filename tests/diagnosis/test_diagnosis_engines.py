"""The diagnosis's own measurements run on PostgreSQL too, with DuckDB's answers."""

from __future__ import annotations

import pytest

from horetsu.diagnosis import diagnose

from .conftest import ANSWERS

pytestmark = [pytest.mark.engines]


@pytest.mark.xdist_group("postgres")  # one server per worker
def test_postgres_gives_the_same_diagnosis(shop, pg_url):
    import horetsu

    on_duck = diagnose(shop, ANSWERS, compare=False).to_json()
    ws = horetsu.open_workspace(shop.path, engine=pg_url)
    ws.publish(ws.con)  # the canonical tables, shipped_at included
    on_pg = diagnose(ws, ANSWERS, compare=False).to_json()
    assert on_pg["kpis"]["delivery_days_median"]["value"] == 3.5  # JST days on a UTC server too
    for key in ("business_stage", "scores", "gaps", "contradictions", "pools", "values", "stages"):
        assert on_pg[key] == on_duck[key], key
    for kid, k in on_duck["kpis"].items():
        got = on_pg["kpis"][kid]
        assert got["status"] == k["status"] and got["n"] == k["n"], kid
        if isinstance(k["value"], float):
            assert got["value"] == pytest.approx(k["value"], rel=1e-12), kid
        else:
            assert got["value"] == k["value"], kid
