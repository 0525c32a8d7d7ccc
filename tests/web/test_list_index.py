"""The customers list's in-memory index and the sorted look-up copies, against pandas / the tables.

Every sort key in both directions (NULLS LAST, ties by customer id), with and without a
filter, on a deep page; one customer's rows from the sorted copies equal a direct read;
a new data generation gets new copies and the old ones are removed.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.xdist_group("web")


@pytest.fixture(scope="module")
def res(web_ws):
    from horetsu.web.results import Results

    r = Results(web_ws)
    r.prepare()
    return r


def _expected(cust: pd.DataFrame, sort: str, desc: bool) -> list[str]:
    key = cust[sort]
    if str(key.dtype).startswith("date") or key.dtype == object and sort != "customer_id":
        key = pd.to_datetime(key)
    frame = pd.DataFrame({"k": key, "id": cust.customer_id, "null": key.isna()})
    frame = frame.sort_values(["null", "k", "id"], ascending=[True, not desc, True], kind="stable")
    return frame.id.tolist()


def test_every_sort_key_and_direction_pages_like_pandas(res, web_ws):
    from horetsu.web.customer_index import SORT_COLUMNS
    from horetsu.web.results import Filters

    cust = pq.read_table(web_ws / "results" / "customers.parquet").to_pandas()
    landing = cust[cust.stage == "landing"]
    assert len(landing) > 14 and cust.p_alive.isna().any()  # a filter with 3 pages of 7, nulls to place
    for sort in SORT_COLUMNS:
        for desc in (False, True):
            rows, total = res.customers_page(Filters(), sort, desc, page=4, size=7)
            assert total == len(cust)
            assert [r["customer_id"] for r in rows] == _expected(cust, sort, desc)[21:28], (sort, desc)
            rows, total = res.customers_page(Filters(values={"stage": "landing"}), sort, desc, page=2, size=7)
            assert total == len(landing)
            assert [r["customer_id"] for r in rows] == _expected(landing, sort, desc)[7:14], (sort, desc)
    last, _ = res.customers_page(Filters(), "monetary_total", True, page=(len(cust) + 6) // 7, size=7)
    assert [r["customer_id"] for r in last] == _expected(cust, "monetary_total", True)[-(len(cust) % 7 or 7):]


def test_search_is_literal_text_and_case_blind(res, web_ws):
    from horetsu.web.results import Filters

    canon = pq.read_table(web_ws / "tables" / "customers.parquet").to_pandas()
    for q in ("WATANABE", "%", "_", "c000001"):
        hay = (canon.customer_id + "\n" + canon.name.fillna("") + "\n" + canon.email_norm.fillna("")).str.lower()
        want = sorted(canon.customer_id[hay.str.contains(q.lower(), regex=False)])
        assert res.customer_ids(Filters(q=q)) == want, q


def test_one_customers_rows_from_the_sorted_copies_equal_a_direct_read(res, web_ws):
    from horetsu.web.lookup import lookup_for
    from horetsu.web.timeline import _timeline_direct, customer_profile, customer_timeline

    assert lookup_for(web_ws).ready()
    orders = pq.read_table(web_ws / "tables" / "orders.parquet", columns=["customer_id"]).to_pandas()
    busiest = orders.customer_id.value_counts().index[:3].tolist()
    for cid in [*busiest, "C0000003", "NOT-A-CUSTOMER"]:
        assert customer_timeline(str(web_ws), cid) == _timeline_direct(str(web_ws), cid, 500), cid
    assert customer_profile(str(web_ws), "C0000003")["customer_id"] == "C0000003"
    assert customer_profile(str(web_ws), "NOT-A-CUSTOMER") is None
    row = res.customer("C0000003")
    direct = pq.read_table(web_ws / "results" / "customers.parquet").to_pandas().set_index("customer_id")
    assert row["stage"] == direct.loc["C0000003", "stage"] and row["next_action"] == direct.loc["C0000003", "next_action"]


def test_a_new_generation_gets_new_copies_and_the_old_ones_go(web_ws, tmp_path):
    import shutil

    import pyarrow.compute as pc

    import horetsu
    from horetsu.web.lookup import CACHE_DIR, Lookup

    root = tmp_path / "ws"
    shutil.copytree(web_ws, root, symlinks=True, ignore=shutil.ignore_patterns(CACHE_DIR, "ops.sqlite3*"))
    lk = Lookup(root)
    assert not lk.ready() and lk.file("orders") is None
    lk.ensure(wait=True)
    cid = "C0000005"
    assert lk.file("orders").rows(cid)  # this customer has orders ...
    ws = horetsu.open_workspace(root)
    orders = pq.read_table(ws.table_path("orders"))
    ws.write_tables({"orders": orders.filter(pc.not_equal(orders["customer_id"], cid))})  # ... and now none
    old_tables = {p.name for p in (root / CACHE_DIR).iterdir() if p.name.startswith("tables-")}
    assert not lk.ready() and lk.file("orders") is None  # never the old generation's rows
    lk.ensure(wait=True)
    assert lk.file("orders").rows(cid) == []
    now = {p.name for p in (root / CACHE_DIR).iterdir()}
    assert not (old_tables & now) and any(n.startswith("results-") for n in now) and len(now) == 2
