"""The generic format: orders, customers, events or subscriptions in plain columns.

The table is chosen from the columns present (or forced with ``--table``).  In an
orders file each row is one order, or one line of an order when the same
``order_id`` appears on several rows: ``amount`` is then the line amount and the
order total is the sum of its lines.  Exact duplicate rows count once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu import schema
from horetsu.errors import InputFileError
from horetsu.io import normalize as nz
from horetsu.io.presets.base import (
    ORDER_STATUS_MAP,
    Columns,
    Parsed,
    Rejects,
    exact_duplicates,
    group_first,
    is_unique,
    parallel,
    raw_json,
    status_map,
)
from horetsu.io.reader import Source

NAME = "generic"

ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "orders": {
        "order_id": ("注文番号", "注文ID", "受注番号", "order", "order_no", "order_number"),
        "customer_id": ("顧客ID", "会員ID", "顧客番号", "customer"),
        "ordered_at": ("注文日時", "注文日", "受注日", "order_date", "date", "created_at"),
        "amount": ("金額", "合計金額", "total", "total_jpy", "売上"),
        "status": ("ステータス", "状態"),
        "category": ("カテゴリ", "カテゴリー", "商品カテゴリ"),
        "sku": ("商品コード", "商品番号", "product_code"),
        "quantity": ("数量", "個数", "qty"),
        "subscription_id": ("定期ID", "定期番号", "申込番号"),
        "subscription_seq": ("定期回数", "お届け回数"),
        "channel": ("チャネル", "販売チャネル", "流入元"),
        "coupon": ("クーポン", "クーポンコード"),
        "discount": ("値引き", "割引", "discount_jpy"),
        "points_used": ("利用ポイント", "ポイント利用額"),
        "shipping": ("送料", "shipping_jpy"),
        "product_name": ("商品名",),
        "unit_price": ("単価", "unit_price_jpy"),
    },
    "customers": {
        "customer_id": ("顧客ID", "会員ID", "顧客番号"),
        "registered_at": ("登録日", "登録日時", "会員登録日", "created_at"),
        "email": ("メールアドレス", "メール", "e-mail"),
        "name": ("氏名", "名前", "お名前"),
        "name_kana": ("フリガナ", "氏名カナ", "カナ"),
        "phone": ("電話番号", "tel"),
        "postal_code": ("郵便番号", "zip"),
        "prefecture": ("都道府県",),
        "accepts_email": ("メルマガ", "メルマガ購読", "メール配信"),
        "accepts_line": ("line",),
        "channel": ("チャネル", "流入元"),
        "line_user_id": ("LINEユーザーID", "LINE ID", "line_uid", "LINE user ID"),
    },
    "events": {
        "customer_id": ("顧客ID", "会員ID", "顧客番号"),
        "at": ("日時", "発生日時", "date", "event_at"),
        "type": ("種別", "イベント", "event", "event_type"),
        "value": ("値", "スコア", "score"),
        "note": ("メモ", "内容", "備考"),
    },
    "subscriptions": {
        "subscription_id": ("定期ID", "定期番号", "申込番号"),
        "customer_id": ("顧客ID", "会員ID", "顧客番号"),
        "started_at": ("開始日", "申込日", "start_date"),
        "cancelled_at": ("解約日", "停止日", "canceled_at", "end_date"),
        "interval_days": ("お届け間隔", "間隔日数"),
        "sku": ("商品コード", "商品番号"),
        "status": ("ステータス", "状態"),
        "deliveries": ("お届け回数", "回数"),
        "cancel_reason": ("解約理由",),
    },
}

REQUIRED = {
    "orders": ("order_id", "customer_id", "ordered_at", "amount"),
    "customers": ("customer_id",),
    "events": ("customer_id", "at", "type"),
    "subscriptions": ("subscription_id", "customer_id", "started_at"),
}

EVENT_TYPE_ALIASES = {
    "資料請求": "lead", "問い合わせ": "inquiry", "お問い合わせ": "inquiry", "レビュー": "review",
    "紹介": "referral_made", "被紹介": "referral_received", "nps": "nps_response", "苦情": "complaint",
    "返品依頼": "return_request", "お客様の声": "testimonial", "nps回答": "nps_response",
}  # fmt: skip

SUB_STATUS_MAP = {
    "active": "active", "継続": "active", "継続中": "active", "有効": "active",
    "cancelled": "cancelled", "canceled": "cancelled", "解約": "cancelled", "停止": "cancelled",
    "paused": "paused", "休止": "paused", "一時停止": "paused",
}  # fmt: skip


def choose_table(source: Source, table: str | None) -> str:
    if table is not None:
        if table not in REQUIRED:
            raise InputFileError(
                f"{source.path}: unknown table {table!r}; use one of {', '.join(REQUIRED)}",
                ja=f"{source.path}: テーブル {table!r} は指定できません（{', '.join(REQUIRED)}）",
            )
        return table
    found = {t: Columns(source, a) for t, a in ALIASES.items()}
    # Any order column makes it an orders file, so a missing required column is
    # reported as such instead of the file silently becoming a customer list.
    if any(found["orders"].has(c) for c in ("order_id", "ordered_at", "amount")):
        return "orders"
    if found["subscriptions"].has("subscription_id") and found["subscriptions"].has("started_at"):
        return "subscriptions"
    if found["events"].has("type") and found["events"].has("at"):
        return "events"
    if found["customers"].has("customer_id"):
        return "customers"
    raise InputFileError(
        f"{source.path}: cannot tell which table this is; required columns missing "
        f"(orders need order_id, customer_id, ordered_at, amount; customers need customer_id)",
        ja=f"{source.path}: どのテーブルか判定できません。必要な列がありません"
        f"（注文: order_id, customer_id, ordered_at, amount／顧客: customer_id）",
    )


def parse(source: Source, table: str | None = None, *, aliases: Mapping[str, Sequence[str]] | None = None,
          preset: str = NAME) -> Parsed:  # fmt: skip
    kind = choose_table(source, table)
    cols = Columns(source, aliases if aliases is not None else ALIASES[kind])
    cols.require(REQUIRED[kind], table=kind)
    fn = {"orders": parse_orders, "customers": parse_customers, "events": parse_events,
          "subscriptions": parse_subscriptions}[kind]  # fmt: skip
    return fn(source, cols, preset)


def _kept(keep_idx: np.ndarray, n: int):
    """``k(arr, type)``: the kept rows of a column (no copy when every row is kept; nulls for an absent column)."""
    everything = len(keep_idx) == n
    take = pa.array(keep_idx)

    def k(arr: pa.Array | None, typ: pa.DataType = pa.string()) -> pa.Array:
        if arr is None:
            return pa.nulls(len(keep_idx), typ)
        return arr if everything else arr.take(take)

    return k


def _col(cols: Columns, name: str, n: int) -> pa.Array:
    arr = cols.get(name)
    return arr if arr is not None else pa.nulls(n, pa.string())


def _parsed(
    cols: Columns, rej: Rejects, name: str, fn, n: int, problem: str, kind: str = "invalid_value",
    pre: dict | None = None,
) -> pa.Array | None:
    arr = cols.get(name)
    if arr is None:
        return None
    out, bad = pre[name] if pre is not None and name in pre else fn(arr)
    rej.bad(bad, arr, cols.name(name), problem, kind)
    return out


ORDER_PARSERS = {
    "ordered_at": nz.timestamp, "amount": nz.money, "quantity": nz.integer, "discount": nz.money,
    "points_used": nz.integer, "shipping": nz.money, "unit_price": nz.money, "subscription_seq": nz.integer,
}  # fmt: skip
ORDER_TEXT = {
    "order_id": nz.ident, "customer_id": nz.ident, "category": nz.fold, "sku": nz.ident, "channel": nz.fold,
    "coupon": nz.fold, "subscription_id": nz.ident, "product_name": nz.text,
}  # fmt: skip


def parse_orders(source: Source, cols: Columns, preset: str = NAME) -> Parsed:
    n = source.table.num_rows
    rej = Rejects(n)
    jobs = {name: (lambda fn=fn, name=name: fn(cols.get(name))) for name, fn in ORDER_PARSERS.items() if cols.has(name)}
    jobs.update({f"t:{name}": (lambda fn=fn, name=name: fn(_col(cols, name, n))) for name, fn in ORDER_TEXT.items()})
    if cols.has("status"):
        jobs["status"] = lambda: status_map(cols.get("status"), ORDER_STATUS_MAP)
    pre = parallel(jobs, n)
    order_id = pre["t:order_id"]
    customer_id = pre["t:customer_id"]
    rej.missing(order_id, cols.name("order_id"))
    rej.missing(customer_id, cols.name("customer_id"))
    ordered_at = _parsed(cols, rej, "ordered_at", nz.timestamp, n, "not a date/time", "invalid_date", pre)
    rej.missing(ordered_at, cols.name("ordered_at"))
    amount = _parsed(cols, rej, "amount", nz.money, n, "not a yen amount", "invalid_amount", pre)
    rej.missing(amount, cols.name("amount"))
    if cols.has("status"):
        status, bad = pre["status"]
        rej.bad(bad, cols.get("status"), cols.name("status"), "unknown status", "unknown_status")
    else:
        status = nz.const("completed", n)
    quantity = _parsed(cols, rej, "quantity", nz.integer, n, "not a whole number", "invalid_quantity", pre)
    discount = _parsed(cols, rej, "discount", nz.money, n, "not a yen amount", "invalid_amount", pre)
    points = _parsed(cols, rej, "points_used", nz.integer, n, "not a whole number", "invalid_value", pre)
    shipping = _parsed(cols, rej, "shipping", nz.money, n, "not a yen amount", "invalid_amount", pre)
    unit_price = _parsed(cols, rej, "unit_price", nz.money, n, "not a yen amount", "invalid_amount", pre)
    seq = _parsed(cols, rej, "subscription_seq", nz.integer, n, "not a whole number", "invalid_value", pre)
    category = pre["t:category"]
    sku = pre["t:sku"]
    valid = ~rej.mask
    unique = is_unique(order_id)
    if not unique:  # lines of one order must agree on who ordered it
        from horetsu.io.presets._orders import OrderRows

        rows_of = OrderRows(pc.if_else(pa.array(valid), order_id, pa.scalar(None, pa.string())))
        first_customer = rows_of.spread(customer_id)
        conflict = pc.and_(pa.array(valid), pc.not_equal(customer_id, first_customer))
        rej.add(conflict, "conflicting_order", cols.name("customer_id"),
                "differs from the customer on the first row of the same order", customer_id)  # fmt: skip
        valid = ~rej.mask
    dup = exact_duplicates(source.table, order_id, valid, unique=unique)
    keep = valid & ~dup
    keep_idx = np.flatnonzero(keep)
    keys = pc.if_else(pa.array(valid), order_id, pa.scalar(None, pa.string()))
    k = _kept(keep_idx, n)

    used = [cols.found[c] for c in cols.found]
    rows = pa.table(
        {
            "order_id": k(order_id),
            "customer_id": k(customer_id),
            "ordered_at": k(ordered_at),
            "status": k(status),
            "amount": k(amount, pa.int64()),
            "discount_jpy": k(discount, pa.int64()),
            "points_used": k(points, pa.int64()),
            "shipping_jpy": k(shipping, pa.int64()),
            "channel": k(pre["t:channel"]),
            "coupon": k(pre["t:coupon"]),
            "category": k(category),
            "subscription_id": k(pre["t:subscription_id"]),
            "subscription_seq": k(seq, pa.int64()),
            "sku": k(sku),
            "product_name": k(pre["t:product_name"]),
            "quantity": k(quantity, pa.int64()),
            "unit_price": k(unit_price, pa.int64()),
        }
    )
    raw = raw_json(source, used, keep_idx)
    if raw is not None:
        rows = rows.append_column("raw", raw)
    firsts, rank = group_first(rows.column("order_id").combine_chunks(), unique=True if unique else None)
    multi = len(firsts) != rows.num_rows
    orders = rows.take(pa.array(firsts)) if multi else rows
    if multi:
        totals = rows.group_by("order_id", use_threads=False).aggregate([("amount", "sum")])
        orders = orders.drop_columns(["amount"]).join(totals, "order_id", use_threads=False)
        orders = orders.rename_columns(["amount" if c == "amount_sum" else c for c in orders.column_names])
    orders = orders.append_column("total_jpy", orders.column("amount"))
    orders = orders.append_column("source", nz.const(preset, orders.num_rows))
    orders = orders.append_column("order_date", nz.jst_date(orders.column("ordered_at").combine_chunks()))
    tables = {"orders": orders}
    if any(cols.has(c) for c in ("sku", "category", "quantity", "product_name")):
        qty = pc.fill_null(rows.column("quantity"), 1)
        line_total = rows.column("amount")
        unit = pc.coalesce(
            rows.column("unit_price"),
            pc.if_else(pc.greater(qty, 0), pc.divide(line_total, pc.if_else(pc.greater(qty, 0), qty, 1)), line_total),
        )
        tables["order_lines"] = pa.table(
            {
                "order_id": rows.column("order_id"),
                "line_no": pa.array(rank + 1, pa.int32()),
                "line_type": nz.const("product", rows.num_rows),
                "sku": rows.column("sku"),
                "product_name": rows.column("product_name"),
                "category": rows.column("category"),
                "unit_price_jpy": unit,
                "quantity": qty,
                "line_total_jpy": line_total,
            }
        )
    cust_ids = pc.unique(orders.column("customer_id").combine_chunks())
    tables["customers"] = pa.table(
        {"customer_id": cust_ids, "source": nz.const(preset, len(cust_ids))}
    )
    columns = {"ordered_at": cols.name("ordered_at"), "total_jpy": cols.name("amount")}
    return Parsed("orders", keys, tables, rej, dup, notes={"columns": columns})


def parse_customers(source: Source, cols: Columns, preset: str = NAME) -> Parsed:
    n = source.table.num_rows
    rej = Rejects(n)
    cid = nz.ident(_col(cols, "customer_id", n))
    rej.missing(cid, cols.name("customer_id"))
    reg = _parsed(cols, rej, "registered_at", nz.timestamp, n, "not a date/time", "invalid_date")
    acc = _parsed(cols, rej, "accepts_email", nz.boolean, n, "not yes/no", "invalid_value")
    acl = _parsed(cols, rej, "accepts_line", nz.boolean, n, "not yes/no", "invalid_value")
    valid = ~rej.mask
    dup = exact_duplicates(source.table, cid, valid)
    keep_idx = np.flatnonzero(valid & ~dup)
    k = _kept(keep_idx, n)

    t = pa.table(
        {
            "customer_id": k(cid),
            "source": nz.const(preset, len(keep_idx)),
            "email_norm": k(nz.email(_col(cols, "email", n))),
            "phone_norm": k(nz.phone(_col(cols, "phone", n))),
            "name": k(nz.fold(_col(cols, "name", n))),
            "name_kana": k(nz.fold(_col(cols, "name_kana", n))),
            "postal_code": k(nz.digits(_col(cols, "postal_code", n))),
            "prefecture": k(nz.fold(_col(cols, "prefecture", n))),
            "registered_at": k(reg, schema.TS),
            "accepts_email": k(acc, pa.bool_()),
            "accepts_line": k(acl, pa.bool_()),
            "channel": k(nz.fold(_col(cols, "channel", n))),
            "line_user_id": k(nz.line_user_id(_col(cols, "line_user_id", n))),
        }
    )
    raw = raw_json(source, list(cols.found.values()), keep_idx)
    if raw is not None:
        t = t.append_column("raw", raw)
    t = _last_per_key(t, "customer_id")
    keys = pc.if_else(pa.array(valid), cid, pa.scalar(None, pa.string()))
    return Parsed("customers", keys, {"customers": t}, rej, dup)


def _last_per_key(t: pa.Table, key: str) -> pa.Table:
    """Keep the last row of each key (a later row of the same file wins)."""
    if t.num_rows == 0:
        return t
    rev = t.take(pa.array(np.arange(t.num_rows - 1, -1, -1)))
    firsts, _ = group_first(rev.column(key).combine_chunks())
    return rev.take(pa.array(np.sort(firsts)[::-1].copy()))


def parse_events(source: Source, cols: Columns, preset: str = NAME) -> Parsed:
    n = source.table.num_rows
    rej = Rejects(n)
    cid = nz.ident(_col(cols, "customer_id", n))
    rej.missing(cid, cols.name("customer_id"))
    at = _parsed(cols, rej, "at", nz.timestamp, n, "not a date/time", "invalid_date")
    rej.missing(at, cols.name("at"))
    typ_src = _col(cols, "type", n)
    typ = pc.utf8_lower(nz.fold(typ_src))
    aliases = {**{t: t for t in schema.EVENT_TYPES}, **EVENT_TYPE_ALIASES}
    typ = pc.take(pa.array(list(aliases.values())), pc.index_in(typ, pa.array(list(aliases))))
    rej.missing(nz.blank_to_null(typ_src), cols.name("type"))
    rej.bad(pc.is_null(typ), typ_src, cols.name("type"), "unknown event type", "unknown_event_type")
    value = _parsed(cols, rej, "value", nz.number, n, "not a number", "invalid_value")
    if value is not None:
        nps_bad = pc.and_(
            pc.equal(typ, "nps_response"), pc.or_(pc.less(value, 0), pc.greater(value, 10))
        )
        rej.bad(nps_bad, cols.get("value"), cols.name("value"), "NPS answer outside 0-10", "invalid_value")
    valid = ~rej.mask
    # Events have no key: the row number stands in; duplicates are looked for among rows
    # sharing customer, time and type (usually none, so the check stays cheap).
    keys = pa.array(np.where(valid, np.arange(n), -1))
    near = pc.binary_join_element_wise(
        pc.fill_null(cid, ""), pc.fill_null(nz.as_str(source.table.column(cols.found["at"])), ""),
        pc.fill_null(nz.as_str(typ_src), ""), "|",
    )  # fmt: skip
    dup = exact_duplicates(source.table, near, valid)
    keep_idx = np.flatnonzero(valid & ~dup)
    take = pa.array(keep_idx)
    ev = pa.table(
        {
            "customer_id": cid.take(take),
            "at": at.take(take),
            "type": typ.take(take),
            "value": value.take(take) if value is not None else pa.nulls(len(keep_idx), pa.float64()),
            "note": nz.text(_col(cols, "note", n)).take(take),
        }
    )
    raw = raw_json(source, list(cols.found.values()), keep_idx)
    if raw is not None:
        ev = ev.append_column("payload", raw)
    ev = ev.append_column("event_date", nz.jst_date(ev.column("at").combine_chunks()))
    return Parsed("events", keys, {"events": ev}, rej, dup, notes={"event_rows": keep_idx})


def parse_subscriptions(source: Source, cols: Columns, preset: str = NAME) -> Parsed:
    n = source.table.num_rows
    rej = Rejects(n)
    sid = nz.ident(_col(cols, "subscription_id", n))
    cid = nz.ident(_col(cols, "customer_id", n))
    rej.missing(sid, cols.name("subscription_id"))
    rej.missing(cid, cols.name("customer_id"))
    started = _parsed(cols, rej, "started_at", nz.timestamp, n, "not a date/time", "invalid_date")
    rej.missing(started, cols.name("started_at"))
    cancelled = _parsed(cols, rej, "cancelled_at", nz.timestamp, n, "not a date/time", "invalid_date")
    interval = _parsed(cols, rej, "interval_days", nz.integer, n, "not a whole number", "invalid_value")
    deliveries = _parsed(cols, rej, "deliveries", nz.integer, n, "not a whole number", "invalid_value")
    if cols.has("status"):
        status, bad = status_map(cols.get("status"), SUB_STATUS_MAP, default=None)
        rej.bad(bad, cols.get("status"), cols.name("status"), "unknown subscription status", "unknown_status")
    else:
        status = None
    valid = ~rej.mask
    dup = exact_duplicates(source.table, sid, valid)
    keep_idx = np.flatnonzero(valid & ~dup)
    k = _kept(keep_idx, n)

    st = k(status)
    canc = k(cancelled, schema.TS)
    st = pc.coalesce(st, pc.if_else(pc.is_valid(canc), "cancelled", "active"))
    t = pa.table(
        {
            "subscription_id": k(sid),
            "customer_id": k(cid),
            "sku": k(nz.ident(_col(cols, "sku", n))),
            "status": st,
            "started_at": k(started, schema.TS),
            "cancelled_at": canc,
            "cancel_reason": k(nz.text(_col(cols, "cancel_reason", n))),
            "interval_days": k(interval, pa.int64()),
            "deliveries": k(deliveries, pa.int64()),
        }
    )
    t = _last_per_key(t, "subscription_id")
    keys = pc.if_else(pa.array(valid), sid, pa.scalar(None, pa.string()))
    return Parsed("subscriptions", keys, {"subscriptions": t}, rej, dup)
