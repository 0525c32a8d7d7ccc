"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def ws(tmp_path):
    """A fresh, empty workspace."""
    import horetsu

    return horetsu.init_workspace(tmp_path / "ws")
