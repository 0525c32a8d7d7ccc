"""Exports in each tool's own format (issue 14, item 5): Shopify's own customer id, E.164
phone numbers for Shopify and Klaviyo, LINE user ids in the LINE list."""

from __future__ import annotations

import csv

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from horetsu.cli.app import main
from horetsu.playbook.exports import phone_e164
from horetsu.schema import conform

AS_OF = "2025-06-30"
LINE_A = "U4af4980629a1b2c3d4e5f60718293a4b"  # LINE user ids: "U" and 32 hex digits
LINE_D = "Ub1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f"

# customer: (source, platform_customer_id, phone_norm, line_user_id)
EXTRA = {
    "a": ("shopify", "6574839201234", "09012345678", LINE_A),  # mobile 090-1234-5678
    "b": ("shopify", None, "0312345678", None),  # Tokyo 03-1234-5678, no Shopify id kept
    "c": ("rakuten", "R-998", "1234", None),  # another platform's id must not reach Shopify; bad phone
    "d": ("line", None, None, LINE_D),  # only a LINE follower: no e-mail, phone or name
}


def _shop(shop):
    # "e" refused both channels: left out of every list (and the rows after it shift up)
    shop.customer("e", registered=100, accepts_email=False, accepts_line=False).order("e", 80)
    for cid in "abc":
        shop.customer(cid, registered=100).order(cid, 80)  # landing: a follow-up e-mail is allowed
    shop.customer("d", registered=100, email="", name="", phone="", accepts_email=False).order("d", 80)
    return shop


def _with_platform_columns(ws):
    """The customers table as an import that keeps platform ids writes it (io adds these columns)."""
    cust = conform("customers", ws.read_arrow("customers")).to_pandas()
    for i, col in enumerate(("source", "platform_customer_id", "phone_norm", "line_user_id")):
        cust[col] = cust["customer_id"].map({k: v[i] for k, v in EXTRA.items()})
    pq.write_table(pa.Table.from_pandas(cust, preserve_index=False), ws.table_path("customers"))
    return ws


def export(ws, fmt, out, tactic="follow_up_email"):
    assert main(["export", "--tactic", tactic, "--format", fmt, "--as-of", AS_OF, "-w", str(ws.path),
                 "--out", str(out)]) == 0
    with open(out, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize(("given", "e164"), [
    ("09012345678", "+819012345678"),
    ("090-1234-5678", "+819012345678"),
    ("０９０－１２３４－５６７８", "+819012345678"),
    ("03-1234-5678", "+81312345678"),
    ("0312345678", "+81312345678"),
    ("0120-123-456", "+81120123456"),
    ("050-1234-5678", "+815012345678"),
    ("+81 90-1234-5678", "+819012345678"),
    ("819012345678", "+819012345678"),  # the import keeps digits only: "+81 90..." arrives as 8190...
    ("+81 (0)3-1234-5678", "+81312345678"),
    ("090-1234-567", ""),  # a mobile number needs 11 digits
    ("0901234567", ""),
    ("1234", ""),
    ("0000000000", ""),
    ("00819012345678", ""),
    ("+1 212 555 0100", ""),  # not a Japanese number: not guessed
    ("", ""),
    (None, ""),
])
def test_phone_numbers_in_e164(given, e164):
    assert phone_e164(pd.Series([given], dtype=object)).tolist() == [e164]


def test_shopify_gets_its_own_customer_id_and_e164_phones(shop, make_ws, tmp_path):
    ws = _with_platform_columns(make_ws(_shop(shop)))
    rows = export(ws, "shopify", tmp_path / "shopify.csv")
    got = {r["Email"]: (r["Customer ID"], r["Phone"]) for r in rows}
    assert got == {"a@example.jp": ("6574839201234", "+819012345678"),
                   "b@example.jp": ("", "+81312345678"),  # no Shopify id: Shopify matches on e-mail
                   "c@example.jp": ("", "")}  # a Rakuten id is not Shopify's; 1234 is no phone number


def test_klaviyo_gets_e164_phones(shop, make_ws, tmp_path):
    ws = _with_platform_columns(make_ws(_shop(shop)))
    rows = export(ws, "klaviyo", tmp_path / "k.csv")
    assert {r["External ID"]: r["Phone Number"] for r in rows} == {
        "a": "+819012345678", "b": "+81312345678", "c": ""}


def test_the_line_list_carries_the_line_user_id(shop, make_ws, tmp_path):
    ws = _with_platform_columns(make_ws(_shop(shop)))
    rows = export(ws, "line", tmp_path / "line.csv")
    assert list(rows[0])[-1] == "LINEユーザーID"
    # d has only a LINE user id: still reachable on LINE
    assert {r["顧客ID"]: r["LINEユーザーID"] for r in rows} == {"a": LINE_A, "b": "", "c": "", "d": LINE_D}


def test_a_workspace_without_the_new_columns_exports_as_before(shop, make_ws, tmp_path):
    ws = make_ws(_shop(shop))
    rows = export(ws, "shopify", tmp_path / "shopify.csv")
    assert sorted(r["Customer ID"] for r in rows) == ["a", "b", "c"]  # the horetsu id, as before
    assert {r["Phone"] for r in rows} == {"+819000000000"}  # the builder's phone 09000000000
    line = export(ws, "line", tmp_path / "line.csv")
    assert {r["LINEユーザーID"] for r in line} == {""}
