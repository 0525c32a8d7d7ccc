"""Fixtures of the mail tests (helpers live in mailkit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import Smtp  # noqa: E402


@pytest.fixture
def smtp(tmp_path):
    """A recording aiosmtpd server on a loopback port, in its own process."""
    server = Smtp(tmp_path)
    yield server
    server.stop()
