"""Workspaces for the report tests.

- ``shop_ws``: the sample shop (horetsu.sample) imported with horetsu.io, plus one export
  with broken rows (so that the quarantine shows up), analysed by horetsu.analytics;
- ``hand_ws``: four customers whose orders are written here, so the overview numbers can
  be derived by hand;
- ``build`` helpers: reports are built once per session and shared.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest

BROWSER_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run", "--disable-sync", "--disable-quic",
]

BROKEN_ORDERS = """order_id,customer_id,ordered_at,amount,status
X1,C0000001,2024-02-30,1000,completed
X2,,2024-03-01,1000,completed
X3,C0000002,2024-03-02,abc,completed
X4,C0000002,2024-03-03,,completed
"""

# (order_id, customer, JST day, yen, status) — the hand-worked shop, as of 2026-03-31
HAND_ORDERS = [
    ("A1", "A", "2026-01-05", 3000, "completed"),
    ("A2", "A", "2026-02-04", 5000, "completed"),
    ("B1", "B", "2026-01-10", 4000, "completed"),
    ("C1", "C", "2025-12-01", 2000, "completed"),
    ("C2", "C", "2025-12-01", 1000, "completed"),  # same day as C1: one purchase day
    ("C3", "C", "2026-01-15", 6000, "completed"),
    ("C4", "C", "2026-02-01", 9999, "cancelled"),  # not a purchase
    ("C5", "C", "2026-03-31", 2000, "completed"),
    ("D1", "D", "2025-05-01", 10000, "completed"),  # 334 days before the as-of day: lapsed
]


@pytest.fixture(scope="session")
def shop_ws(tmp_path_factory):
    import horetsu
    from horetsu.pipeline import analyze
    from horetsu.io import import_files
    from horetsu.sample import generate

    root = tmp_path_factory.mktemp("report_shop")
    info = generate(root / "in", customers=600, seed=11)
    ws = horetsu.init_workspace(root / "ws")
    import_files(ws, info.files, "generic")
    broken = root / "in" / "orders-extra.csv"
    broken.write_text(BROKEN_ORDERS, encoding="utf-8")
    import_files(ws, [broken], "generic")
    analyze(ws)
    return ws


@pytest.fixture(scope="session")
def shop_reports(shop_ws):
    """{lang: path} of the sample shop's reports."""
    from horetsu.report import build_report

    return {lang: build_report(shop_ws, lang=lang, out=shop_ws.path / f"report-{lang}.html") for lang in ("ja", "en")}


def make_hand_ws(path):
    import horetsu

    jst = ZoneInfo("Asia/Tokyo")
    days = [dt.date.fromisoformat(r[2]) for r in HAND_ORDERS]
    orders = pa.table({
        "order_id": [r[0] for r in HAND_ORDERS],
        "customer_id": [r[1] for r in HAND_ORDERS],
        "ordered_at": pa.array([dt.datetime(d.year, d.month, d.day, 12, tzinfo=jst) for d in days],
                               pa.timestamp("us", tz="Asia/Tokyo")),
        "order_date": pa.array(days, pa.date32()),
        "status": [r[4] for r in HAND_ORDERS],
        "total_jpy": [r[3] for r in HAND_ORDERS],
        "category": ["tea"] * len(HAND_ORDERS),
    })
    ws = horetsu.init_workspace(path)
    ws.write_tables({"orders": orders, "customers": pa.table({"customer_id": ["A", "B", "C", "D"]})})
    return ws


@pytest.fixture
def hand_ws(tmp_path):
    """The hand-worked shop, fresh for a test that changes it (settings, as-of)."""
    return make_hand_ws(tmp_path / "hand")


@pytest.fixture(scope="session")
def hand_reports(tmp_path_factory):
    """(workspace, {lang: html text}) of the hand-worked shop, built once."""
    from horetsu.report import build_report

    root = tmp_path_factory.mktemp("report_hand")
    ws = make_hand_ws(root / "ws")
    return ws, {lang: build_report(ws, lang=lang, out=root / f"{lang}.html").read_text(encoding="utf-8")
                for lang in ("ja", "en")}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        yield b
        b.close()
