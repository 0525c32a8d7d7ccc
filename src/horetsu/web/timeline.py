"""One customer's whole history from the canonical tables (orders, lines, events, subscriptions).

Reads ``ws.table(...)`` filtered to ONE customer, so the cost does not grow with the
number of customers beyond the engine's scan of the files. A thread keeps its own
workspace (and engine connection): DuckDB connections are not shared between threads.
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
    ws = _workspace(str(workspace_path))
    items: list[dict[str, Any]] = []
    has = lambda name: ws.table_path(name).exists()  # noqa: E731
    order_ids: list[str] = []
    if has("orders"):
        t = ws.table("orders")
        orders = _rows(t.filter(t.customer_id == customer_id)
                       .select("order_id", "ordered_at", "status", "total_jpy", "category", "channel", "coupon")
                       .order_by([t.ordered_at.desc()]).limit(limit))
        order_ids = [o["order_id"] for o in orders]
        lines_by_order: dict[str, list[dict[str, Any]]] = {}
        if order_ids and has("order_lines"):
            lt = ws.table("order_lines")
            for line in _rows(lt.filter(lt.order_id.isin(order_ids))
                              .select("order_id", "line_no", "sku", "product_name", "quantity", "line_total_jpy")
                              .order_by(["order_id", "line_no"])):
                lines_by_order.setdefault(line["order_id"], []).append(line)
        for o in orders:
            items.append({"kind": "order", "at": o["ordered_at"], "title": o["order_id"],
                          "amount": o["total_jpy"], "status": o["status"],
                          "detail": " · ".join(str(x) for x in (o["category"], o["channel"], o["coupon"]) if x),
                          "lines": lines_by_order.get(o["order_id"], [])})
    if has("events"):
        e = ws.table("events")
        for ev in _rows(e.filter(e.customer_id == customer_id).select("at", "type", "value", "note")
                        .order_by([e.at.desc()]).limit(limit)):
            kind = "message" if ev["type"] in ("message_sent", "mail_sent", "line_sent") else (
                "survey" if str(ev["type"]).startswith(("survey", "nps")) else "event")
            items.append({"kind": kind, "at": ev["at"], "title": ev["type"], "amount": None, "status": "",
                          "detail": " · ".join(str(x) for x in (ev["note"], ev["value"]) if x not in (None, "")),
                          "lines": []})
    if has("subscriptions"):
        s = ws.table("subscriptions")
        for sub in _rows(s.filter(s.customer_id == customer_id)
                         .select("subscription_id", "sku", "status", "started_at", "cancelled_at", "cancel_reason")):
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
    ws = _workspace(str(workspace_path))
    if not ws.table_path("customers").exists():
        return None
    c = ws.table("customers")
    rows = _rows(c.filter(c.customer_id == customer_id).drop("raw").limit(1))
    return rows[0] if rows else None
