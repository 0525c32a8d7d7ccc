from __future__ import annotations

import os

import pyarrow as pa
import pytest

import horetsu
from horetsu import schema
from horetsu.errors import WorkspaceError


def test_new_workspace_has_every_canonical_table_empty(ws):
    for name in schema.TABLES:
        assert ws.table(name).count().execute() == 0
    assert (ws.path / "horetsu.toml").exists()


def test_open_missing_workspace_is_a_clear_error(tmp_path):
    with pytest.raises(WorkspaceError, match="horetsu init"):
        horetsu.open_workspace(tmp_path / "nope")


def test_write_tables_switches_generation_atomically(ws):
    first = os.readlink(ws.path / "tables")
    orders = pa.table({"order_id": ["A1"], "customer_id": ["C1"], "total_jpy": [1280]})
    ws.write_tables({"orders": orders})
    second = os.readlink(ws.path / "tables")
    assert first != second
    assert not (ws.path / first).exists()  # the old generation is cleaned up
    again = horetsu.open_workspace(ws.path)
    assert again.table("orders").total_jpy.sum().execute() == 1280
    # untouched tables are carried over into the new generation
    assert again.read_arrow("customers").schema == schema.CUSTOMERS
