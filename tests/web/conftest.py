"""Fixtures of the web tests: operational databases on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def pg_database(pg_url):
    """A fresh, empty PostgreSQL database on the session's throw-away server; its URL."""
    return make_pg_database(pg_url)


def make_pg_database(pg_url: str) -> str:
    import psycopg

    name = "ops_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return pg_url.rsplit("/", 1)[0] + "/" + name
