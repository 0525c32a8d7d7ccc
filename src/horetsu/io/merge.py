"""Merge one parsed file into the workspace tables (in memory; the caller writes once).

- orders / subscriptions: upsert by key (a newer export replaces the order);
  order_lines of an order are replaced when the new file carries lines for it;
- customers: upsert by key, new non-empty values win, empty ones keep the old value;
- events: append, rows equal to an existing event are dropped.

Afterwards ``subscription_seq`` is numbered for subscription orders that lack it and
subscriptions seen only through their orders get a row (start, deliveries).
The set-based work runs in an in-process DuckDB over Arrow.
"""

from __future__ import annotations

from collections.abc import Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from horetsu import schema
from horetsu.io.presets.base import Parsed


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _cols(name: str) -> list[str]:
    return [f.name for f in schema.TABLES[name]]


def _hash_expr(name: str, alias: str) -> str:
    return "hash(" + ", ".join(f"{alias}.{_q(c)}" for c in _cols(name)) + ")"


class Merger:
    """Holds the current tables and folds parsed files into them one by one."""

    def __init__(self, tables: Mapping[str, pa.Table]) -> None:
        self.tables = {name: schema.conform(name, t) for name, t in tables.items()}
        self.changed: set[str] = set()
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone='UTC'")

    def close(self) -> None:
        self.con.close()

    def _sql(self, query: str, **tables: pa.Table) -> pa.Table:
        for name, t in tables.items():
            self.con.register(name, t)
        try:
            return self.con.execute(query).to_arrow_table()
        finally:
            for name in tables:
                self.con.unregister(name)

    # ----------------------------------------------------------------------------
    def merge(self, parsed: Parsed) -> np.ndarray:
        """Fold ``parsed`` in; return, per source row, True when it changed nothing."""
        before = dict(self.tables)
        new = {name: schema.conform(name, t) for name, t in parsed.tables.items()}
        if "orders" in new:
            self._upsert("orders", new["orders"])
        if "order_lines" in new:
            self._replace_lines(new["order_lines"])
        if "subscriptions" in new:
            self._upsert("subscriptions", new["subscriptions"], coalesce=True)
        if "customers" in new:
            self._upsert("customers", new["customers"], coalesce=True)
        if "events" in new:
            self._append_events(new["events"])
        if "orders" in new:
            self._derive_subscriptions()
        self.changed |= set(new) | ({"subscriptions"} if "orders" in new else set())
        return self._unchanged_rows(parsed, before)

    def _upsert(self, name: str, new: pa.Table, *, coalesce: bool = False) -> None:
        old = self.tables[name]
        key = schema.KEYS[name][0]
        if old.num_rows == 0:
            self.tables[name] = new
            return
        cols = _cols(name)
        if coalesce:
            sel = ", ".join(
                f"n.{_q(c)}" if c == key else f"COALESCE(n.{_q(c)}, o.{_q(c)}) AS {_q(c)}" for c in cols
            )
            merged_new = self._sql(f"SELECT {sel} FROM n LEFT JOIN o USING ({_q(key)})", n=new, o=old)
        else:
            merged_new = new
        rest = self._sql(f"SELECT o.* FROM o ANTI JOIN n USING ({_q(key)})", o=old, n=new)
        self.tables[name] = pa.concat_tables(
            [schema.conform(name, rest), schema.conform(name, merged_new)]
        )

    def _replace_lines(self, lines: pa.Table) -> None:
        old = self.tables["order_lines"]
        if old.num_rows == 0:
            self.tables["order_lines"] = lines
            return
        rest = self._sql("SELECT o.* FROM o ANTI JOIN n USING (order_id)", o=old, n=lines)
        self.tables["order_lines"] = pa.concat_tables([schema.conform("order_lines", rest), lines])

    def _append_events(self, ev: pa.Table) -> None:
        old = self.tables["events"]
        self._events_seen = np.zeros(ev.num_rows, dtype=bool)
        if old.num_rows == 0:
            self.tables["events"] = ev
            return
        seen = self._sql(
            f"WITH h AS (SELECT DISTINCT {_hash_expr('events', 'o')} AS h FROM o) "
            f"SELECT n.rn, h.h IS NOT NULL AS s FROM (SELECT x.__rn AS rn, "
            f"{_hash_expr('events', 'x')} AS hn FROM n x) n LEFT JOIN h ON n.hn = h.h ORDER BY n.rn",
            n=ev.append_column("__rn", pa.array(np.arange(ev.num_rows, dtype=np.int64))),
            o=old,
        )
        self._events_seen = np.asarray(seen.column("s").to_numpy(zero_copy_only=False), dtype=bool)
        fresh = ev.filter(pa.array(~self._events_seen))
        if fresh.num_rows:
            self.tables["events"] = pa.concat_tables([old, schema.conform("events", fresh)])

    def _derive_subscriptions(self) -> None:
        orders = self.tables["orders"]
        has_sub = pc.any(pc.is_valid(orders.column("subscription_id"))).as_py()
        if not has_sub:
            return
        if pc.any(pc.and_(pc.is_valid(orders.column("subscription_id")), pc.is_null(orders.column("subscription_seq")))).as_py():
            cols = ", ".join(
                "COALESCE(subscription_seq, CASE WHEN subscription_id IS NOT NULL THEN "
                "row_number() OVER (PARTITION BY subscription_id ORDER BY ordered_at, order_id) END) AS subscription_seq"
                if c == "subscription_seq"
                else _q(c)
                for c in _cols("orders")
            )
            self.tables["orders"] = schema.conform("orders", self._sql(f"SELECT {cols} FROM o", o=orders))
            orders = self.tables["orders"]
        derived = self._sql(
            """
            WITH first_sku AS (
                SELECT order_id, arg_min(sku, line_no) AS sku FROM l
                WHERE line_type = 'product' AND sku IS NOT NULL GROUP BY order_id
            )
            SELECT o.subscription_id, arg_min(o.customer_id, o.ordered_at) AS customer_id,
                   min(o.ordered_at) AS started_at,
                   arg_min(f.sku, o.ordered_at) AS sku,
                   CAST(greatest(max(o.subscription_seq), count(*)) AS INTEGER) AS deliveries
            FROM o LEFT JOIN first_sku f USING (order_id)
            WHERE o.subscription_id IS NOT NULL GROUP BY o.subscription_id
            """,
            o=orders,
            l=self.tables["order_lines"],
        )
        subs = self.tables["subscriptions"]
        cols = []
        for c in _cols("subscriptions"):
            if c == "subscription_id":
                cols.append("COALESCE(s.subscription_id, d.subscription_id) AS subscription_id")
            elif c == "deliveries":
                cols.append("CAST(greatest(s.deliveries, d.deliveries) AS INTEGER) AS deliveries")
            elif c in ("customer_id", "started_at", "sku"):
                cols.append(f"COALESCE(s.{c}, d.{c}) AS {c}")
            elif c == "status":
                cols.append("COALESCE(s.status, CASE WHEN s.cancelled_at IS NOT NULL THEN 'cancelled' ELSE 'active' END) AS status")
            else:
                cols.append(f"s.{_q(c)}")
        out = self._sql(
            f"SELECT {', '.join(cols)} FROM s FULL OUTER JOIN d ON s.subscription_id = d.subscription_id",
            s=subs,
            d=derived,
        )
        self.tables["subscriptions"] = schema.conform("subscriptions", out)

    # ----------------------------------------------------------------------------
    def _unchanged_rows(self, parsed: Parsed, before: Mapping[str, pa.Table]) -> np.ndarray:
        n = len(parsed.keys)
        name = parsed.entity
        out = np.zeros(n, dtype=bool)
        if name == "events":
            rows = parsed.notes.get("event_rows")
            if rows is not None and len(rows):
                out[np.asarray(rows)] = self._events_seen
            return out
        old = before[name]
        if old.num_rows == 0:
            return out
        key = schema.KEYS[name][0]
        new_keys = pa.table({"k": pc.unique(parsed.tables[name].column(key).combine_chunks())})
        same = self._sql(
            f"SELECT c.{_q(key)} AS k FROM c SEMI JOIN nk ON c.{_q(key)} = nk.k JOIN o USING ({_q(key)}) "
            f"WHERE {_hash_expr(name, 'c')} = {_hash_expr(name, 'o')}",
            c=self.tables[name],
            o=old,
            nk=new_keys,
        ).column("k")
        if name == "orders" and "order_lines" in parsed.tables and before["order_lines"].num_rows:
            # Lines fingerprint per order (order-free: bit_xor of line hashes, line_no included).
            fp = "SELECT order_id, bit_xor({}) AS h FROM {} SEMI JOIN nk ON order_id = nk.k GROUP BY order_id"
            diff = self._sql(
                f"SELECT a.order_id AS k FROM ({fp.format(_hash_expr('order_lines', 'x'), 'c x')}) a "
                f"LEFT JOIN ({fp.format(_hash_expr('order_lines', 'y'), 'o y')}) b USING (order_id) "
                "WHERE a.h IS DISTINCT FROM b.h",
                c=self.tables["order_lines"],
                o=before["order_lines"],
                nk=new_keys,
            ).column("k")
            same = pc.filter(same, pc.invert(pc.is_in(same, diff)))
        return np.asarray(pc.fill_null(pc.is_in(parsed.keys, same), False).to_numpy(zero_copy_only=False), dtype=bool)
