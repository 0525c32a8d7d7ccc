"""Home's "customers who cooled this month" on a hand-built shop.

As-of day 2026-06-15; with the shipped policy a buyer is cooling once the days since the
last order exceed 1.5 × the own mean interval between orders (here 30 days: 45 days).

| customer | orders | on 04-30 | on 05-31 | on 06-15 |
|---|---|---|---|---|
| A | 03-22, 04-21 | active (9 d) | active (40 d) | cooling (55 d) → cooled this month |
| B | 03-01, 04-01, 05-01, 06-01 | active | active | active |
| C | 03-01, 03-31 | active (30 d) | cooling (61 d) | cooling → cooled last month |
| D | 02-20, 03-22 | active (39 d) | cooling (70 d) | cooling → cooled last month |
| E | 03-10, 04-09 | active (21 d) | cooling (52 d) | cooling → cooled last month |

So: 1 this month (05-31 → 06-15) against 3 the month before (04-30 → 05-31): −66.7 %.
"""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

pytestmark = pytest.mark.xdist_group("web")

AS_OF = dt.date(2026, 6, 15)
JST = dt.timezone(dt.timedelta(hours=9))
TS = pa.timestamp("us", tz="Asia/Tokyo")
ORDERS = {
    "A": ["2026-03-22", "2026-04-21"],
    "B": ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"],
    "C": ["2026-03-01", "2026-03-31"],
    "D": ["2026-02-20", "2026-03-22"],
    "E": ["2026-03-10", "2026-04-09"],
}


def _noon(day: str) -> dt.datetime:
    d = dt.date.fromisoformat(day)
    return dt.datetime(d.year, d.month, d.day, 12, tzinfo=JST)


@pytest.fixture(scope="module")
def cooled_shop(tmp_path_factory):
    import horetsu
    from horetsu.pipeline import analyze

    ws = horetsu.init_workspace(tmp_path_factory.mktemp("cooled") / "ws")
    rows = [(cid, day) for cid, days in ORDERS.items() for day in days]
    ws.write_tables({
        "customers": pa.table({
            "customer_id": pa.array(list(ORDERS)),
            "registered_at": pa.array([_noon(d[0]) for d in ORDERS.values()], TS),
            "email_norm": pa.array([f"{c.lower()}@example.jp" for c in ORDERS]),
            "name": pa.array([f"顧客 {c}" for c in ORDERS]),
        }),
        "orders": pa.table({
            "order_id": pa.array([f"o{i:03d}" for i in range(len(rows))]),
            "customer_id": pa.array([c for c, _ in rows]),
            "ordered_at": pa.array([_noon(d) for _, d in rows], TS),
            "order_date": pa.array([dt.date.fromisoformat(d) for _, d in rows], pa.date32()),
            "status": pa.array(["completed"] * len(rows)),
            "total_jpy": pa.array([3000] * len(rows), pa.int64()),
            "category": pa.array(["skincare"] * len(rows)),
        }),
    })
    analyze(ws, as_of=AS_OF, models=False)  # rhythm only, as in the past snapshots
    return ws.path


def test_cooled_per_month_from_the_stage_history(cooled_shop):
    import pyarrow.parquet as pq

    from horetsu.web.results import Results

    snaps = pq.read_table(cooled_shop / "results" / "stage_snapshots.parquet").to_pandas()
    temp = {(r.customer_id, str(r.as_of)[:10]): r.temperature for r in snaps.itertuples()}
    assert [temp[(c, "2026-05-31")] for c in "ABCDE"] == ["active", "active", "cooling", "cooling", "cooling"]
    assert [temp[(c, "2026-06-15")] for c in "ABCDE"] == ["cooling", "active", "cooling", "cooling", "cooling"]
    assert Results(cooled_shop).cooled() == [
        (dt.date(2026, 4, 30), dt.date(2026, 5, 31), 3),
        (dt.date(2026, 5, 31), dt.date(2026, 6, 15), 1),
    ]


def test_home_shows_this_months_cooled_with_its_change(cooled_shop, web, tmp_path):
    env = web.cli_env()
    web.horetsu("user", "add", "viewer@example.jp", "--role", "viewer", "--password-stdin", "-w", str(cooled_shop),
                env=env, stdin=web.PASSWORD + "\n")
    server = web.start_server(cooled_shop, "", tmp_path / "serve.log")
    try:
        for lang in ("ja", "en"):
            c = web.Client(server.url)
            assert c.login("viewer@example.jp", web.PASSWORD).status == 302
            if lang == "en":
                c.get("/")
                c.post("/lang", {"lang": "en"})
            home = c.get("/").text
            assert 'id="cooled-value">1<' in home and 'id="cooled-before">3<' in home
            assert 'id="cooled-change">-66.7%<' in home
            assert ("2026-05-31 に「現役」" if lang == "ja" else "Active on 2026-05-31") in home
    finally:
        web.stop(server)
