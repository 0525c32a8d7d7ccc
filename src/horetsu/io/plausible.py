"""Data that cannot be true: orders set aside before they reach the tables.

An order is set aside (quarantined, with a bilingual reason naming the column and
the value) when it is dated

- after today in Japan, with one day's grace (``date_in_future``): a clock or export
  error, and it would make every "as of the latest order" analysis run in the future;
- before ``[import] earliest_order_date`` (default 1990-01-01, ``date_too_early``): an
  epoch or placeholder date such as 1970-01-01;

or when its total is negative although its status is no refund or return
(``negative_total``).  Every row of such an order goes to the quarantine with the
same reason, so ``read = accepted + quarantined + duplicates`` still holds.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.core.dates import today
from horetsu.io import normalize as nz
from horetsu.io.presets.base import Parsed
from horetsu.io.reader import Source

GRACE = dt.timedelta(days=1)
REFUND_OR_RETURN = ("returned", "refunded", "partially_refunded")
KINDS = ("date_in_future", "date_too_early", "negative_total")
# At most this many set-aside orders are named per file in the import log.
NAMED_PER_FILE = 50


def today_in_japan() -> dt.date:
    """Today in Asia/Tokyo (:func:`horetsu.core.dates.today`, the one clock of the library)."""
    return today()


def _np(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def _reasons(kind: str, column: str, values: list[str], today: dt.date, earliest: dt.date) -> list[str]:
    if kind == "date_in_future":
        en, ja = f"after today ({today}, Japan time, one day's grace)", f"今日（{today}、日本時間）より後の日付"
    elif kind == "date_too_early":
        en, ja = f"before {earliest} ([import] earliest_order_date)", f"{earliest} より前の日付（[import] earliest_order_date）"
    else:
        en, ja = "negative total on an order that is no refund or return", "返品・返金ではない注文の合計がマイナス"
    return [f"{column}: {en} {v!r} / {column}: {ja} {v!r}" for v in values]


def set_aside(parsed: Parsed, source: Source, *, today: dt.date, earliest: dt.date) -> list[dict]:
    """Quarantine implausible orders of ``parsed`` in place; return one entry per set-aside order."""
    orders = parsed.tables.get("orders")
    if parsed.entity != "orders" or orders is None or orders.num_rows == 0:
        return []
    day = orders.column("order_date") if "order_date" in orders.column_names else nz.jst_date(
        orders.column("ordered_at").combine_chunks())  # fmt: skip
    day = pc.cast(day, pa.date32())
    late = pa.scalar(today + GRACE, pa.date32())
    masks = {
        "date_in_future": _np(pc.greater(day, late)),
        "date_too_early": _np(pc.less(day, pa.scalar(earliest, pa.date32()))),
    }
    if "total_jpy" in orders.column_names:
        status = pc.fill_null(orders.column("status"), "completed") if "status" in orders.column_names else None
        refund = _np(pc.is_in(status, pa.array(REFUND_OR_RETURN))) if status is not None else np.zeros(orders.num_rows, bool)
        masks["negative_total"] = _np(pc.less(orders.column("total_jpy"), 0)) & ~refund
    taken = np.zeros(orders.num_rows, dtype=bool)
    columns = parsed.notes.get("columns", {})
    keys = parsed.keys
    n = len(keys)
    first_of = _first_rows(keys, n)
    named: list[dict] = []
    for kind in KINDS:
        m = masks.get(kind)
        if m is None:
            continue
        m = m & ~taken
        taken |= m
        if not m.any():
            continue
        ids = orders.column("order_id").filter(pa.array(m)).combine_chunks()
        rows = np.flatnonzero(_np(pc.is_in(keys, ids)) & ~parsed.rejects.mask)
        if len(rows) == 0:
            continue
        field = "total_jpy" if kind == "negative_total" else "ordered_at"
        column = columns.get(field, field)
        values = _values(kind, source, column, orders, ids, keys, rows, first_of)
        parsed.rejects.add_reasons(rows, kind, _reasons(kind, column, values, today, earliest))
        for r, v in zip(rows, values, strict=True):
            if first_of[r] == r and len(named) < NAMED_PER_FILE:
                named.append({"line": int(source.lines[r]), "kind": kind, "order_id": keys[int(r)].as_py(),
                              "column": column, "value": v})  # fmt: skip
    if taken.any():
        _drop(parsed, orders.column("order_id").filter(pa.array(taken)).combine_chunks())
    return named


def _first_rows(keys: pa.Array, n: int) -> np.ndarray:
    from horetsu.io.presets._orders import OrderRows

    return OrderRows(keys).first_row if n else np.zeros(0, dtype=np.int64)


def _values(kind, source, column, orders, ids, keys, rows, first_of) -> list[str]:
    """The value each row's reason shows: the source cell of the order's first row, else the canonical value."""
    if kind != "negative_total" and column in source.table.column_names:
        cells = nz.as_str(source.table.column(column)).take(pa.array(first_of[rows]))
        return [("" if c is None else str(c)) for c in cells.to_pylist()]
    sel = orders.filter(pc.is_in(orders.column("order_id"), ids))
    if kind == "negative_total":
        shown = pc.cast(sel.column("total_jpy"), pa.string())
    else:
        shown = pc.strftime(pc.local_timestamp(sel.column("ordered_at")), format="%Y-%m-%d %H:%M")
    lookup = dict(zip(sel.column("order_id").to_pylist(), shown.to_pylist(), strict=True))
    return [str(lookup.get(k)) for k in keys.take(pa.array(rows)).to_pylist()]


def _drop(parsed: Parsed, ids: pa.Array) -> None:
    """Remove the set-aside orders (and their lines, and customers known only from them)."""
    t = parsed.tables
    keep = pc.invert(pc.is_in(t["orders"].column("order_id"), ids))
    t["orders"] = t["orders"].filter(keep)
    if "order_lines" in t:
        t["order_lines"] = t["order_lines"].filter(pc.invert(pc.is_in(t["order_lines"].column("order_id"), ids)))
    if "customers" in t and "customer_id" in t["orders"].column_names:
        still = pc.unique(t["orders"].column("customer_id").combine_chunks())
        t["customers"] = t["customers"].filter(pc.fill_null(pc.is_in(t["customers"].column("customer_id"), still), False))
    parsed.keys = pc.if_else(pa.array(parsed.rejects.mask), pa.scalar(None, parsed.keys.type), parsed.keys)
