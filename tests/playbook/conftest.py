"""Fixtures for the playbook tests: a hand-built shop written into a temporary workspace."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location("horetsu_tests_shop_builder_pb", Path(__file__).parents[1] / "stages" / "shop_builder.py")
shop_builder = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = shop_builder
_spec.loader.exec_module(shop_builder)

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def shop():
    return shop_builder.Shop(AS_OF)


@pytest.fixture
def make_ws(tmp_path):
    """``make_ws(shop, policy_toml="")`` → a workspace holding the shop's tables."""
    import horetsu

    counter = {"n": 0}

    def _make(shop, policy_toml: str = ""):
        counter["n"] += 1
        ws = horetsu.init_workspace(tmp_path / f"ws{counter['n']}")
        if policy_toml:
            with open(ws.config_path, "a", encoding="utf-8") as fh:
                fh.write("\n" + policy_toml)
            ws = horetsu.open_workspace(ws.path)
        shop.write(ws)
        return ws

    return _make
