"""One generated sample shop shared by the statistical tests (generation takes ~1 s)."""

from __future__ import annotations

import pyarrow.csv as pacsv
import pytest

N_CUSTOMERS = 30000


def read(path):
    """Read a generated CSV with empty cells as nulls (timestamps parse to UTC)."""
    return pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
    )


@pytest.fixture(scope="session")
def sample_shop(tmp_path_factory):
    from horetsu.sample import generate

    out = tmp_path_factory.mktemp("sample-shop")
    return generate(out, customers=N_CUSTOMERS, seed=7)
