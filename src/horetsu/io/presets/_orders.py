"""Shared building blocks for platform presets whose exports have one row per order line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu.io.presets.base import Rejects, group_first

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
    "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
    "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
    "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
)  # fmt: skip


def prefecture_from_code(arr: pa.Array) -> pa.Array:
    """``JP-13`` / ``13`` → 東京都; names pass through."""
    s = pc.replace_substring_regex(arr, r"^JP-?", "")
    ok = pc.fill_null(pc.match_substring_regex(s, r"^\d{1,2}$"), False)
    num = pc.cast(pc.if_else(ok, s, pa.scalar(None, pa.string())), pa.int64())
    idx = pc.subtract(num, 1)
    valid = pc.fill_null(pc.and_(pc.greater_equal(idx, 0), pc.less(idx, 47)), False)
    name = pc.take(pa.array(PREFECTURES), pc.if_else(valid, idx, pa.scalar(None, pa.int64())))
    return pc.if_else(valid, name, arr)


class OrderRows:
    """Rows of one order-line export: the first row of each order carries the order fields."""

    def __init__(self, key: pa.Array) -> None:
        self.key = key
        self.n = len(key)
        valid_key = pc.fill_null(key, "")
        self.firsts, self.rank = group_first(valid_key)
        self.is_first = np.zeros(self.n, dtype=bool)
        self.is_first[self.firsts] = True
        # Index of the first row of each row's order.
        if len(self.firsts) == self.n:
            self.first_row = np.arange(self.n, dtype=np.int64)
            return
        t = pa.table({"k": valid_key, "i": pa.array(np.arange(self.n))})
        first_of = t.take(pa.array(self.firsts)).rename_columns(["k", "f"])
        joined = t.join(first_of, "k", use_threads=False).sort_by("i")
        self.first_row = np.asarray(joined.column("f").to_numpy(), dtype=np.int64)

    def spread(self, arr: pa.Array) -> pa.Array:
        """The value of each row's order (taken from the order's first row)."""
        return arr.take(pa.array(self.first_row))

    def reject_orphans(self, rej: Rejects, column: str) -> None:
        """Rows whose order's first row was rejected are rejected with it."""
        bad_first = rej.mask[self.first_row] & ~rej.mask
        rej.add(bad_first, "order_rejected", column, "the first row of this order was rejected", self.key)


def per_order(key: pa.Array, values: pa.Array, how: str) -> pa.Array:
    """Per row, the ``how`` ("min", "sum") of ``values`` over the rows of the same order (nulls skipped)."""
    n = len(key)
    t = pa.table({"k": pc.fill_null(key, ""), "v": values, "i": pa.array(np.arange(n, dtype=np.int64))})
    agg = t.group_by("k", use_threads=False).aggregate([("v", how)])
    joined = t.join(agg, "k", use_threads=False).sort_by("i")
    return joined.column(f"v_{how}").combine_chunks()


def hashed_ids(prefix: str, arr: pa.Array) -> pa.Array:
    """Stable short ids from a string (md5, vectorised in DuckDB): ``prefix`` + 16 hex digits."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("t", pa.table({"v": arr, "i": pa.array(np.arange(len(arr), dtype=np.int64))}))
        out = con.execute(
            "SELECT CASE WHEN v IS NULL THEN NULL ELSE substr(md5(v), 1, 16) END AS h FROM t ORDER BY i"
        ).to_arrow_table()
    finally:
        con.close()
    h = out.column("h").combine_chunks()
    return pc.if_else(pc.is_valid(h), pc.binary_join_element_wise(prefix, h, ""), pa.scalar(None, pa.string()))


def amount_lines(order_ids: Any, amounts: Any) -> list[pa.Table]:
    """Order lines for order-level amounts (shipping, fees, discounts, points).

    ``amounts`` is a sequence of ``(line_type, amount array aligned with order_ids, sign)``;
    only positive amounts become a line, numbered 1001, 1002, ... per kind so that they
    never collide with product lines.
    """
    from horetsu.io import normalize as nz

    out = []
    for no, (kind, amount, sign) in enumerate(amounts, start=1001):
        amt = amount.combine_chunks() if isinstance(amount, pa.ChunkedArray) else amount
        has = np.asarray(pc.fill_null(pc.greater(amt, 0), False).to_numpy(zero_copy_only=False))
        sel = pa.array(np.flatnonzero(has))
        a = pc.multiply(amt.take(sel), sign)
        n = len(sel)
        out.append(
            pa.table(
                {
                    "order_id": order_ids.take(sel),
                    "line_no": nz.const(no, n),
                    "line_type": nz.const(kind, n),
                    "sku": pa.nulls(n, pa.string()),
                    "product_name": pa.nulls(n, pa.string()),
                    "category": pa.nulls(n, pa.string()),
                    "unit_price_jpy": a,
                    "quantity": nz.const(1, n),
                    "line_total_jpy": a,
                }
            )
        )
    return out


def build_line_export(
    source,  # Source
    preset: str,
    rej: Rejects,
    rows: OrderRows,
    *,
    order: dict[str, pa.Array | None],
    customers: dict[str, pa.Array | None],
    line_type: pa.Array,
    lines: dict[str, pa.Array | None],
    extra_lines: tuple[tuple[str, str, int], ...] = (),
    used: list[str] = (),  # type: ignore[assignment]
    columns: dict[str, str] | None = None,
):
    """Orders (from each order's first row), order_lines (every valid row) and customers."""
    from horetsu.io import normalize as nz
    from horetsu.io.presets.base import Parsed, exact_duplicates, raw_json

    key = rows.key
    rows.reject_orphans(rej, "order")
    valid = ~rej.mask
    dup = exact_duplicates(source.table, key, valid)
    fi_np = np.flatnonzero(rows.is_first & valid)
    fi = pa.array(fi_np)
    n_o = len(fi_np)

    def take(a, typ=pa.string()):
        return a.take(fi) if a is not None else pa.nulls(n_o, typ)

    ot = {"order_id": key.take(fi), "source": nz.const(preset, n_o)}
    for name, arr in order.items():
        ot[name] = take(arr)
    orders = pa.table(ot)
    orders = orders.append_column("order_date", nz.jst_date(orders.column("ordered_at").combine_chunks()))
    raw = raw_json(source, used, fi_np)
    if raw is not None:
        orders = orders.append_column("raw", raw)
    li_np = np.flatnonzero(valid & ~dup)
    li = pa.array(li_np)
    n_l = len(li_np)

    def ltake(a, typ=pa.string()):
        return a.take(li) if a is not None else pa.nulls(n_l, typ)

    qty = pc.fill_null(ltake(lines.get("quantity"), pa.int64()), 1)
    price = ltake(lines.get("unit_price_jpy"), pa.int64())
    total = lines.get("line_total_jpy")
    line_total = ltake(total, pa.int64()) if total is not None else pc.multiply(pc.fill_null(price, 0), qty)
    lt = pa.table(
        {
            "order_id": key.take(li),
            "line_no": pa.array(rows.rank[li_np] + 1, pa.int64()),
            "line_type": ltake(line_type),
            "sku": ltake(lines.get("sku")),
            "product_name": ltake(lines.get("product_name")),
            "category": ltake(lines.get("category")),
            "unit_price_jpy": price,
            "quantity": qty,
            "line_total_jpy": line_total,
        }
    )
    parts = [lt, *amount_lines(orders.column("order_id"), [(k, orders.column(c), sign) for k, c, sign in extra_lines])]
    all_lines = pa.concat_tables(parts)
    # Main category of an order: the first product line's category.
    if lines.get("category") is not None:
        prod = all_lines.filter(pc.equal(all_lines.column("line_type"), "product")).sort_by([("order_id", "ascending"), ("line_no", "ascending")])
        from horetsu.io.presets.base import group_first

        firsts, _ = group_first(prod.column("order_id").combine_chunks())
        cats = prod.take(pa.array(firsts)).select(["order_id", "category"])
        orders = orders.drop_columns(["category"]) if "category" in orders.column_names else orders
        orders = orders.join(cats, "order_id", use_threads=False)
    ct = {"customer_id": take(order["customer_id"]), "source": nz.const(preset, n_o)}
    for name, arr in customers.items():
        ct[name] = take(arr, pa.bool_() if name.startswith("accepts") else (pa.timestamp("us", tz="Asia/Tokyo") if name == "registered_at" else pa.string()))
    cust = pa.table(ct)
    from horetsu.io.presets.base import group_first as _gf

    cf, _ = _gf(pc.fill_null(cust.column("customer_id").combine_chunks(), ""))
    cust = cust.take(pa.array(cf)).filter(pc.is_valid(cust.take(pa.array(cf)).column("customer_id")))
    keys = pc.if_else(pa.array(valid), key, pa.scalar(None, pa.string()))
    return Parsed("orders", keys, {"orders": orders, "order_lines": all_lines, "customers": cust}, rej, dup,
                  notes={"columns": dict(columns or {})})
