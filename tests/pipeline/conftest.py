"""The pipeline tests use the stage tests' hand-built shop fixtures (``shop``, ``make_ws``)
from tests/stages/conftest.py, loaded here by path (the tests run in importlib mode)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "horetsu_tests_stages_conftest_pl", Path(__file__).parents[1] / "stages" / "conftest.py"
)
_stages = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _stages
_spec.loader.exec_module(_stages)
sys.modules["horetsu_tests_shop_builder_pl"] = _stages.shop_builder

shop = _stages.shop
make_ws = _stages.make_ws

# the random shops and policies of test_pipeline_property.py, for the other pipeline tests
# (``from horetsu_tests_pipeline_property import AS_OF, POLICIES, random_shop``)
_pspec = importlib.util.spec_from_file_location("horetsu_tests_pipeline_property",
                                                Path(__file__).with_name("test_pipeline_property.py"))
_property = importlib.util.module_from_spec(_pspec)
sys.modules[_pspec.name] = _property
_pspec.loader.exec_module(_property)
