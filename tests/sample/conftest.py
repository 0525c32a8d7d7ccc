"""One generated sample shop shared by the statistical tests (generation takes ~1 s)."""

from __future__ import annotations

import pytest

N_CUSTOMERS = 30000


@pytest.fixture(scope="session")
def sample_shop(tmp_path_factory):
    from horetsu.sample import generate

    out = tmp_path_factory.mktemp("sample-shop")
    return generate(out, customers=N_CUSTOMERS, seed=7)
