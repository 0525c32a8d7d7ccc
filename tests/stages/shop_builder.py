"""Hand-built shops: canonical tables written straight into a workspace (no importer)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pyarrow as pa

JST = dt.timezone(dt.timedelta(hours=9))
TS = pa.timestamp("us", tz="Asia/Tokyo")


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 12, 0, tzinfo=JST)


@dataclass
class Shop:
    """Customers, orders, subscriptions and events placed in days before ``as_of``."""

    as_of: dt.date
    customers: list[dict] = field(default_factory=list)
    orders: list[dict] = field(default_factory=list)
    subs: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)

    def day(self, days_ago: int) -> dt.date:
        return self.as_of - dt.timedelta(days=days_ago)

    def customer(self, cid: str, registered: int | None = None, *, email: str | None = None,
                 name: str | None = None, phone: str | None = None,
                 accepts_email: bool | None = True, accepts_line: bool | None = True) -> "Shop":
        self.customers.append({
            "customer_id": cid,
            "registered_at": noon(self.day(registered)) if registered is not None else None,
            "email_norm": email if email is not None else f"{cid}@example.jp",
            "name": name if name is not None else f"顧客 {cid}",
            "phone_norm": phone if phone is not None else "09000000000",
            "accepts_email": accepts_email,
            "accepts_line": accepts_line,
        })
        return self

    def order(self, cid: str, days_ago: int, *, status: str = "completed", category: str = "skincare",
              total: int = 3000) -> "Shop":
        day = self.day(days_ago)
        self.orders.append({
            "order_id": f"o{len(self.orders) + 1:05d}",
            "customer_id": cid,
            "ordered_at": noon(day),
            "order_date": day,
            "status": status,
            "total_jpy": total,
            "category": category,
        })
        return self

    def sub(self, cid: str, started: int, cancelled: int | None = None, status: str | None = None) -> "Shop":
        self.subs.append({
            "subscription_id": f"s{len(self.subs) + 1:04d}",
            "customer_id": cid,
            "status": status or ("cancelled" if cancelled is not None else "active"),
            "started_at": noon(self.day(started)),
            "cancelled_at": noon(self.day(cancelled)) if cancelled is not None else None,
            "interval_days": 30,
        })
        return self

    def event(self, cid: str, days_ago: int, type_: str, value: float | None = None, note: str | None = None) -> "Shop":
        day = self.day(days_ago)
        self.events.append({"customer_id": cid, "at": noon(day), "event_date": day, "type": type_,
                            "value": value, "note": note})
        return self

    def sent(self, cid: str, days_ago: int, tactic: str) -> "Shop":
        """A message already sent (events of type message_sent, the tactic in ``note``)."""
        return self.event(cid, days_ago, "message_sent", note=tactic)

    def tables(self) -> dict[str, pa.Table]:
        def table(rows: list[dict], types: dict[str, pa.DataType]) -> pa.Table:
            cols = {k: pa.array([r.get(k) for r in rows], type=t) for k, t in types.items()}
            return pa.table(cols)

        return {
            "customers": table(self.customers, {
                "customer_id": pa.string(), "registered_at": TS, "email_norm": pa.string(), "name": pa.string(),
                "phone_norm": pa.string(), "accepts_email": pa.bool_(), "accepts_line": pa.bool_()}),
            "orders": table(self.orders, {
                "order_id": pa.string(), "customer_id": pa.string(), "ordered_at": TS, "order_date": pa.date32(),
                "status": pa.string(), "total_jpy": pa.int64(), "category": pa.string()}),
            "subscriptions": table(self.subs, {
                "subscription_id": pa.string(), "customer_id": pa.string(), "status": pa.string(),
                "started_at": TS, "cancelled_at": TS, "interval_days": pa.int32()}),
            "events": table(self.events, {
                "customer_id": pa.string(), "at": TS, "event_date": pa.date32(), "type": pa.string(),
                "value": pa.float64(), "note": pa.string()}),
        }

    def write(self, ws) -> "Shop":
        ws.write_tables(self.tables())
        return self
