"""The NPS tests use the stage tests' hand-built shop fixtures (``shop``, ``make_ws``),
loaded by path (the tests run in importlib mode)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "horetsu_tests_stages_conftest_nps", Path(__file__).parents[1] / "stages" / "conftest.py"
)
_stages = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _stages
_spec.loader.exec_module(_stages)

shop = _stages.shop
make_ws = _stages.make_ws
AS_OF = _stages.AS_OF
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def _template(tmp_path_factory):
    """A small analysed shop: four landing, three empathy, two engagement customers."""
    import horetsu

    from horetsu.pipeline import analyze

    shop = _stages.shop_builder.Shop(AS_OF)
    for cid in ("L1", "L2", "L3", "L4"):  # one purchase: landing
        shop.customer(cid, 200).order(cid, 20)
    for cid in ("E1", "E2", "E3"):  # repeat purchases in one category: empathy
        shop.customer(cid, 300).order(cid, 120).order(cid, 30)
    for cid in ("G1", "G2"):  # a running subscription: engagement
        shop.customer(cid, 300).order(cid, 90).sub(cid, 90)
    ws = horetsu.init_workspace(tmp_path_factory.mktemp("nps") / "ws")
    shop.write(ws)
    analyze(ws, as_of=shop.as_of)
    return ws.path, shop


@pytest.fixture
def analysed(_template, tmp_path):
    """A private copy of the analysed shop (the analysis runs once per test session)."""
    import shutil

    import horetsu

    path, shop = _template
    shutil.copytree(path, tmp_path / "ws", symlinks=True)
    return horetsu.open_workspace(tmp_path / "ws"), shop
