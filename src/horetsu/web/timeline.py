"""One customer's whole history from the canonical tables (orders, lines, events, subscriptions).

Read from the server's copies of the tables sorted by customer id (:mod:`horetsu.web.lookup`:
a few thousand rows per look-up, whatever the shop's size). While those copies are being
built for a new data generation, the tables are read directly (``ws.table(...)`` filtered
to ONE customer: a scan of the files). A thread keeps its own workspace (and engine
connection) for that: DuckDB connections are not shared between threads.
"""

from __future__ import annotations

import threading
from typing import Any

_local = threading.local()


def _workspace(path: str) -> Any:
    ws = getattr(_local, "ws", None)
    gen = _generation(path)
    if ws is None or str(ws.path) != path or getattr(_local, "gen", None) != gen:
        from horetsu.workspace import open_workspace

        ws = open_workspace(path)
        _local.ws, _local.gen = ws, gen
    return ws


def _generation(path: str) -> str:
    import os

    try:
        return os.readlink(os.path.join(path, "tables"))
    except OSError:
        return ""


def _rows(expr: Any) -> list[dict[str, Any]]:
    return expr.to_pyarrow().to_pylist()


def customer_timeline(workspace_path: str, customer_id: str, limit: int = 500) -> list[dict[str, Any]]:
    """Every dated item of the customer, newest first: kind, at (datetime), title, amount, detail."""
    from horetsu.web.lookup import customer_rows

    path = str(workspace_path)
    orders = customer_rows(path, "orders", customer_id)
    if orders is None:  # the sorted copies are not ready: read the tables
        return _timeline_direct(path, customer_id, limit)
    orders = orders[:limit]  # newest first already
    wanted = {o["order_id"] for o in orders}
    lines = [{k: v for k, v in ln.items() if k != "customer_id"}
             for ln in customer_rows(path, "order_lines", customer_id) or [] if ln["order_id"] in wanted]
    events = (customer_rows(path, "events", customer_id) or [])[:limit]
    subs = customer_rows(path, "subscriptions", customer_id) or []
    return _items(orders, lines, events, subs, limit)


def _timeline_direct(path: str, customer_id: str, limit: int) -> list[dict[str, Any]]:
    ws = _workspace(path)
    has = lambda name: ws.table_path(name).exists()  # noqa: E731
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    subs: list[dict[str, Any]] = []
    if has("orders"):
        t = ws.table("orders")
        orders = _rows(t.filter(t.customer_id == customer_id)
                       .select("order_id", "ordered_at", "status", "total_jpy", "category", "channel", "coupon")
                       .order_by([t.ordered_at.desc()]).limit(limit))
        order_ids = [o["order_id"] for o in orders]
        if order_ids and has("order_lines"):
            lt = ws.table("order_lines")
            lines = _rows(lt.filter(lt.order_id.isin(order_ids))
                          .select("order_id", "line_no", "sku", "product_name", "quantity", "line_total_jpy"))
    if has("events"):
        e = ws.table("events")
        events = _rows(e.filter(e.customer_id == customer_id).select("at", "type", "value", "note")
                       .order_by([e.at.desc()]).limit(limit))
    if has("subscriptions"):
        s = ws.table("subscriptions")
        subs = _rows(s.filter(s.customer_id == customer_id)
                     .select("subscription_id", "sku", "status", "started_at", "cancelled_at", "cancel_reason"))
    return _items(orders, lines, events, subs, limit)


def _items(orders: list[dict[str, Any]], lines: list[dict[str, Any]], events: list[dict[str, Any]],
           subs: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """One customer's rows as timeline items (one customer: a few hundred rows at most)."""
    items: list[dict[str, Any]] = []
    lines_by_order: dict[str, list[dict[str, Any]]] = {}
    for line in sorted(lines, key=lambda ln: (str(ln["order_id"]), ln["line_no"] or 0)):
        lines_by_order.setdefault(line["order_id"], []).append(line)
    for o in orders:
        items.append({"kind": "order", "at": o["ordered_at"], "title": o["order_id"],
                      "amount": o["total_jpy"], "status": o["status"],
                      "detail": " · ".join(str(x) for x in (o["category"], o["channel"], o["coupon"]) if x),
                      "lines": lines_by_order.get(o["order_id"], [])})
    for ev in events:
        kind = "message" if ev["type"] in ("message_sent", "mail_sent", "line_sent") else (
            "survey" if str(ev["type"]).startswith(("survey", "nps")) else "event")
        items.append({"kind": kind, "at": ev["at"], "title": ev["type"], "amount": None, "status": "",
                      "detail": " · ".join(str(x) for x in (ev["note"], ev["value"]) if x not in (None, "")),
                      "lines": []})
    for sub in subs:
        items.append({"kind": "subscription", "at": sub["started_at"], "title": sub["subscription_id"],
                      "amount": None, "status": sub["status"], "detail": str(sub["sku"] or ""), "lines": []})
        if sub["cancelled_at"] is not None:
            items.append({"kind": "subscription", "at": sub["cancelled_at"], "title": sub["subscription_id"],
                          "amount": None, "status": "cancelled", "detail": str(sub["cancel_reason"] or ""),
                          "lines": []})
    items = [i for i in items if i["at"] is not None]
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:limit]


def customer_profile(workspace_path: str, customer_id: str) -> dict[str, Any] | None:
    """The canonical customers row (name, e-mail, consent…) of one customer."""
    from horetsu.web.lookup import customer_rows

    rows = customer_rows(str(workspace_path), "profiles", customer_id)
    if rows is not None:
        return rows[0] if rows else None
    ws = _workspace(str(workspace_path))
    if not ws.table_path("customers").exists():
        return None
    c = ws.table("customers")
    rows = _rows(c.filter(c.customer_id == customer_id).drop("raw").limit(1))
    return rows[0] if rows else None
