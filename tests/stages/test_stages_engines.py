"""The stage facts are Ibis expressions: PostgreSQL must classify the golden shop exactly
as the embedded DuckDB does (same stages, journey steps, temperatures, sentences and gate)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

import horetsu
from horetsu.stages import classify

pytestmark = [pytest.mark.engines, pytest.mark.slow]

AS_OF = "2025-06-30"


def _golden(tmp_path):
    here = Path(__file__).parent
    spec = importlib.util.spec_from_file_location("horetsu_tests_golden_engines", here / "test_stages_golden.py")
    golden = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(golden)
    shop = sys.modules["horetsu_tests_shop_builder"].Shop(dt.date(2025, 6, 30))
    ws = horetsu.init_workspace(tmp_path / "ws")
    golden.build(shop).write(ws)
    return ws, golden


def test_postgres_classifies_like_duckdb(tmp_path, pg_url):
    ws, golden = _golden(tmp_path)
    expected = classify(ws, AS_OF)
    pg = horetsu.open_workspace(ws.path, engine=pg_url)
    ws.publish(pg.con)
    got = classify(pg, AS_OF)
    assert got.sort_by("customer_id").equals(expected.sort_by("customer_id"))
    stages = {r["customer_id"]: (r["stage"], r["journey_step"], r["temperature"]) for r in got.to_pylist()}
    assert stages == golden.EXPECTED
    res = horetsu.gate(pg, "referral_request", as_of=AS_OF)
    assert {r["customer_id"]: r["rule"] for r in res.blocked.to_pylist()} == golden.GATE["referral_request"]
