"""The CDNOW reference data set (Fader, Hardie & Lee 2005), both files of ``shared/data/cdnow``.

- ``CDNOW_master.txt``: customer id, date (YYYYMMDD), number of CDs, dollar value;
- ``CDNOW_sample.txt``: customer id in the master file, id in the 1/10 sample, date, CDs, dollars.

Whitespace separated.  Each row becomes one order ``cdnow-<customer>-<date>-<k>`` (k counts
rows of the same customer and day, so several purchases on one day stay apart while
``order_date`` lets analytics count one transaction per day as the papers do).  The
customer id is the master-file id in both files, so importing both gives the same orders.
Amounts are US dollars: ``total_jpy`` holds the value rounded to whole units and the
exact value stays in ``raw`` (``dollar_value``), with ``cds`` and the sample id.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets.base import Parsed, Rejects, group_first
from horetsu.io.reader import Source, read_source

NAME = "cdnow"
MASTER = ["customer_id", "date", "cds", "dollar_value"]
SAMPLE = ["customer_id", "sample_id", "date", "cds", "dollar_value"]


def _squeeze(data: bytes) -> bytes:
    data = re.sub(rb"[ \t]+", b" ", data)
    return re.sub(rb"(?m)^ | (?=\r?$)", b"", data)


def read(path: Path) -> Source:
    path = Path(path)
    head = _squeeze(path.read_bytes()[:4096]) if path.exists() else b""
    first = head.split(b"\n", 1)[0].strip()
    has_header = bool(re.search(rb"[A-Za-z]", first))
    data_line = head.split(b"\n")[1 if has_header else 0].strip() if head else b""
    ncols = len(data_line.split(b" ")) if data_line else 0
    names = SAMPLE if ncols == 5 else MASTER
    if has_header:
        src = read_source(path, delimiter=" ", transform=_squeeze)
        if len(src.table.column_names) == len(names):
            src.table = src.table.rename_columns(names)
        return src
    return read_source(path, delimiter=" ", has_header=False, column_names=names, transform=_squeeze)


def parse(source: Source, table: str | None = None) -> Parsed:
    cols = source.table.column_names
    if table not in (None, "orders") or not ("customer_id" in cols and "date" in cols and "dollar_value" in cols):
        raise InputFileError(
            f"{source.path}: not a CDNOW file (expected customer id, date, CDs, dollar value)",
            ja=f"{source.path}: CDNOW のファイルではありません（顧客ID・日付・枚数・金額が必要）",
        )
    n = source.table.num_rows
    rej = Rejects(n)
    col = lambda c: nz.as_str(source.table.column(c))  # noqa: E731
    cid = nz.ident(col("customer_id"))
    rej.missing(cid, "customer_id")
    at, bad = nz.timestamp(col("date"))
    rej.bad(bad, col("date"), "date", "not a YYYYMMDD date", "invalid_date")
    rej.missing(at, "date")
    dollars, bad = nz.number(col("dollar_value"))
    rej.bad(bad, col("dollar_value"), "dollar_value", "not an amount", "invalid_amount")
    rej.missing(dollars, "dollar_value")
    cds, bad = nz.integer(col("cds"))
    rej.bad(bad, col("cds"), "cds", "not a whole number", "invalid_quantity")
    valid = ~rej.mask
    day = pc.fill_null(nz.blank_to_null(col("date")), "")
    base_key = pc.binary_join_element_wise("cdnow-", pc.fill_null(cid, ""), "-", day, "")
    _, k = group_first(base_key)
    order_id = pc.binary_join_element_wise(base_key, "-", pa.array((k + 1).astype(str)), "")
    dup = np.zeros(n, dtype=bool)  # identical rows are separate purchases in CDNOW
    keep = pa.array(np.flatnonzero(valid))
    sample_id = col("sample_id") if "sample_id" in cols else pa.nulls(n, pa.string())
    raw = pc.binary_join_element_wise(
        '{"dollar_value": ', pc.cast(dollars, pa.string()), ', "cds": ', pc.cast(pc.fill_null(cds, 0), pa.string()),
        pc.if_else(pc.is_valid(sample_id), pc.binary_join_element_wise(', "sample_id": "', sample_id, '"', ""), ""),
        "}", "",
    )  # fmt: skip
    total = pc.cast(pc.round(dollars, 0, round_mode="half_towards_infinity"), pa.int64())
    orders = pa.table(
        {
            "order_id": order_id.take(keep),
            "source": nz.const(NAME, len(keep)),
            "customer_id": cid.take(keep),
            "ordered_at": at.take(keep),
            "status": nz.const("completed", len(keep)),
            "total_jpy": total.take(keep),
            "raw": raw.take(keep),
        }
    )
    orders = orders.append_column("order_date", nz.jst_date(orders.column("ordered_at").combine_chunks()))
    lines = pa.table(
        {
            "order_id": order_id.take(keep),
            "line_no": pa.array(np.ones(len(keep), dtype=np.int32)),
            "line_type": nz.const("product", len(keep)),
            "category": nz.const("CD", len(keep)),
            "quantity": cds.take(keep),
            "line_total_jpy": total.take(keep),
        }
    )
    ids = pc.unique(orders.column("customer_id").combine_chunks())
    customers = pa.table({"customer_id": ids, "source": nz.const(NAME, len(ids))})
    keys = pc.if_else(pa.array(valid), order_id, pa.scalar(None, pa.string()))
    return Parsed("orders", keys, {"orders": orders, "order_lines": lines, "customers": customers}, rej, dup,
                  notes={"columns": {"ordered_at": "date", "total_jpy": "dollar_value"}})
