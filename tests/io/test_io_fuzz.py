"""Property-based fuzzing of the readers: no crash, and the counts always add up."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import horetsu
from horetsu.errors import HoretsuError
from horetsu.io import import_files

HEADER = ["order_id", "customer_id", "ordered_at", "amount", "status", "sku", "quantity"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp932", "euc-jp"]

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2024/01/05 10:00", "R6.1.5", "令和6年1月5日", "￥１，２８０", "1,280円", "①", "㈱", "髙", "", '"', "\n", "\r\n", ",", "キャンセル"]),
    st.integers(-10**6, 10**6).map(str),
    st.text(min_size=1000, max_size=3000),  # huge fields
)
row = st.lists(cell, min_size=0, max_size=9)  # wrong field counts on purpose


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _check(res: dict) -> None:
    for f in res["files"]:
        assert f["read"] == f["accepted"] + f["quarantined"] + f["duplicates"]
        assert min(f["read"], f["accepted"], f["quarantined"], f["duplicates"]) >= 0
    assert res["read"] == res["accepted"] + res["quarantined"] + res["duplicates"]


_WS: dict = {}


def _workspace(tmp_path_factory):
    """One workspace per test session: examples pile up, which also exercises merging."""
    if "ws" not in _WS:
        root = tmp_path_factory.mktemp("fz")
        _WS["ws"] = horetsu.init_workspace(root / "ws")
        _WS["root"] = root
    return _WS["ws"], _WS["root"]


def _run(tmp_path_factory, data: bytes, table: str | None = "orders"):
    ws, root = _workspace(tmp_path_factory)
    path = root / "in.csv"
    path.write_bytes(data)
    try:
        res = import_files(ws, [path], "generic", table=table).to_dict()
    except HoretsuError as exc:  # a typed, one-line error is an acceptable answer to junk
        assert str(path) in str(exc) or "no file" in str(exc)
        return None
    _check(res)
    return res


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=3000))
def test_random_bytes_never_crash(tmp_path_factory, data):
    _run(tmp_path_factory, data)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.data_too_large])  # huge fields on purpose
@given(st.lists(row, max_size=30), st.sampled_from(ENCODINGS), st.booleans())
def test_random_tables_in_random_encodings_add_up(tmp_path_factory, rows, encoding, quote_all):
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\r\n")
    w.writerow(HEADER)
    w.writerows(rows)
    res = _run(tmp_path_factory, _encode(buf.getvalue(), encoding))
    assert res is not None  # a well-formed header always gives a table
    # Every non-blank record is counted: the reader may not drop rows silently.
    nonblank = [r for r in rows if "".join(r).strip(" \t\r\n\u3000\ufeff,") and "\x00" not in "".join(r)]
    assert res["read"] >= len(nonblank) - sum(1 for r in rows if any("\r" in c or "\n" in c for c in r))


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from(list('ab,"\n\r1２令髙;\t ')), max_size=40), max_size=20))
def test_broken_quoting_adds_up(tmp_path_factory, lines):
    text = ",".join(HEADER) + "\n" + "\n".join(lines)
    _run(tmp_path_factory, text.encode("utf-8"))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_every_encoding_of_the_cascade_reads_the_same_values(tmp_path, encoding):
    text = "order_id,customer_id,ordered_at,amount\r\n1,髙橋①,令和6年1月5日,\"￥１，２８０\"\r\n"
    if encoding == "euc-jp":  # EUC-JP has no ①: use only JIS X 0208 characters there
        text = text.replace("髙橋①", "高橋")
    ws = horetsu.init_workspace(tmp_path / "ws")
    (tmp_path / "o.csv").write_bytes(text.encode(encoding))
    f = import_files(ws, [tmp_path / "o.csv"], "generic").to_dict()["files"][0]
    assert f["accepted"] == 1
    assert f["detected"]["encoding"] == {"utf-8-sig": "utf-8-sig", "utf-8": "utf-8"}.get(encoding, encoding)
    o = ws.read_arrow("orders").to_pylist()[0]
    assert (o["customer_id"], o["total_jpy"]) == ("高橋" if encoding == "euc-jp" else "髙橋①", 1280)


def _platform_rows(headers, picks):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers)
    for row in picks:
        w.writerow([row.get(i % 7, "") if i % 3 else row.get(0, "") for i in range(len(headers))])
    return buf.getvalue()


platform_cell = st.sampled_from(["", "1", "#1001", "2024-01-05 10:00:00 +0900", "R6.1.5", "1,280円", "abc", "900", "4",
                                 "定期購入", "注文取消し", "①㈱髙", "-99999", "2", "paid", "refunded", "subscription"])  # fmt: skip


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(["shopify", "rakuten", "eccube"]),
       st.lists(st.dictionaries(st.integers(0, 6), platform_cell, max_size=7), max_size=15),
       st.sampled_from(["utf-8", "cp932"]))  # fmt: skip
def test_platform_presets_never_crash_and_add_up(tmp_path_factory, preset, picks, encoding):
    from horetsu.io.presets import eccube, rakuten, shopify

    headers = {"shopify": shopify.ORDER_HEADERS, "rakuten": rakuten.ORDER_HEADERS, "eccube": eccube.ORDER_HEADERS}[preset]
    ws, root = _workspace(tmp_path_factory)
    path = root / f"{preset}.csv"
    path.write_bytes(_platform_rows(headers, picks).encode(encoding, errors="replace"))
    res = import_files(ws, [path], preset).to_dict()
    _check(res)
    # Every row with any value is counted (all-empty rows are blank lines, not rows).
    assert res["read"] == sum(1 for p in picks if any(p.values()))
