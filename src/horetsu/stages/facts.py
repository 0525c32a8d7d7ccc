"""Per-customer facts as of a date, computed as Ibis expressions over the canonical tables.

Days are integers counted from 1970-01-01 on the Japanese calendar (orders use
``order_date``, events ``event_date``; timestamps are shifted by +9 h before the day is
taken, which is engine independent).  Cancelled, returned and refunded orders are not
purchases.  Everything here is set-based: one query per call, no loop over customers.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import ibis
import pyarrow as pa

from horetsu.stages.policy import Policy

EXCLUDED_STATUSES = ("cancelled", "returned", "refunded")
EPOCH = dt.date(1970, 1, 1)
JST_OFFSET_S = 9 * 3600


def to_day(value: dt.date) -> int:
    return (value - EPOCH).days


def from_day(day: int) -> dt.date:
    return EPOCH + dt.timedelta(days=int(day))


def parse_date(value: Any) -> dt.date | None:
    """A date from ``None``, a ``date``, a ``datetime`` or an ISO string (YYYY-MM-DD)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            from zoneinfo import ZoneInfo

            value = value.astimezone(ZoneInfo("Asia/Tokyo"))
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        from horetsu.errors import ConfigError

        raise ConfigError(
            f"invalid date {value!r}; use YYYY-MM-DD", ja=f"日付 {value!r} が正しくありません。YYYY-MM-DD で指定してください"
        ) from None


def _date_day(col: Any) -> Any:
    return col.delta(ibis.date(EPOCH.year, EPOCH.month, EPOCH.day), unit="day").cast("int64")


def _ts_day(col: Any) -> Any:
    return ((col.epoch_seconds() + JST_OFFSET_S) / 86400).floor().cast("int64")


def latest_day(ws: Any) -> int | None:
    """The latest day present in the data (orders, events, registrations)."""
    orders, events, customers = ws.table("orders"), ws.table("events"), ws.table("customers")
    days = []
    for expr in (
        _date_day(orders.order_date).max(),
        _date_day(events.event_date).max(),
        _ts_day(customers.registered_at).max(),
    ):
        value = ws.con.execute(expr) if not ws.engine_url else expr.execute()
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            try:
                days.append(int(value))
            except (TypeError, ValueError):
                continue
    return max(days) if days else None


def resolve_as_of(ws: Any, as_of: Any) -> dt.date:
    parsed = parse_date(as_of)
    if parsed is not None:
        return parsed
    day = latest_day(ws)
    if day is None:
        return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()
    return from_day(day)


def excluded_statuses(ws: Any) -> tuple[str, ...]:
    """Statuses that are not purchases: ``[analysis] exclude_statuses`` or the default."""
    value = (getattr(ws, "config", None) or {}).get("analysis", {}).get("exclude_statuses")
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(v.lower() for v in value)
    return EXCLUDED_STATUSES


def valid_orders(ws: Any, as_of_day: Any) -> Any:
    o = ws.table("orders")
    o = o.filter(o.customer_id.notnull(), o.order_date.notnull())
    o = o.filter(o.status.isnull() | ~o.status.lower().isin(excluded_statuses(ws) or ("__none__",)))
    o = o.mutate(day=_date_day(o.order_date))
    return o.filter(o.day <= as_of_day)


def events_until(ws: Any, as_of_day: int) -> Any:
    e = ws.table("events")
    e = e.filter(e.customer_id.notnull(), e.event_date.notnull())
    e = e.mutate(day=_date_day(e.event_date))
    return e.filter(e.day <= as_of_day)


def _categories(ws: Any, orders: Any) -> Any:
    """(customer_id, category, day) for every categorised purchase."""
    lines = ws.table("order_lines")
    lines = lines.filter(
        lines.category.notnull() & (lines.line_type.isnull() | (lines.line_type == "product"))
    )
    joined = orders.select("order_id", "customer_id", "day").join(
        lines.select("order_id", "category"), "order_id"
    )
    from_lines = joined.select("customer_id", "category", "day")
    from_orders = orders.filter(orders.category.notnull()).select("customer_id", "category", "day")
    both = from_lines.union(from_orders, distinct=False)
    return both.filter(both.category.strip() != "")


def _day_of_nth(per: Any, n: Any, name: str) -> Any:
    """Day on which each customer reached their n-th distinct item (``per``: customer_id, day)."""
    ranked = per.mutate(
        rn=ibis.row_number().over(ibis.window(group_by=per.customer_id, order_by=[per.day]))
    )
    return ranked.filter(ranked.rn == n - 1).select("customer_id", **{name: ranked.day})


def customer_facts(ws: Any, as_of: dt.date | None, policy: Policy, day: Any = None) -> Any:
    """An Ibis expression with one row per customer known on ``as_of`` and their facts.

    ``day`` may be an Ibis scalar (e.g. a parameter) standing for the as-of day number;
    the expression then holds no Python-side value of the date at all.
    """
    d = ibis.literal(to_day(as_of), type="int64") if day is None else day
    st = policy.stages
    orders = valid_orders(ws, d)
    events = events_until(ws, d)
    cust = ws.table("customers")
    cust = cust.filter(cust.customer_id.notnull()).mutate(reg_day=_ts_day(cust.registered_at))
    cust = cust.filter(cust.reg_day.isnull() | (cust.reg_day <= d))
    cust = cust.group_by("customer_id").aggregate(reg_day=cust.reg_day.min())

    universe = (
        cust.select("customer_id")
        .union(orders.select("customer_id"))
        .union(events.select("customer_id"))
        .distinct()
    )

    # purchases are counted as purchase days: two orders on one day are one purchase
    ordagg = orders.group_by("customer_id").aggregate(
        n_orders=orders.day.nunique(),
        first_order_day=orders.day.min(),
        last_order_day=orders.day.max(),
        spend_jpy=orders.total_jpy.sum().cast("int64"),
    )
    order_days = orders.group_by(["customer_id", "day"]).aggregate()
    second = _day_of_nth(order_days, 2, "second_order_day")

    cats = _categories(ws, orders)
    first_cat = cats.group_by(["customer_id", "category"]).aggregate(day=cats.day.min())
    catagg = first_cat.group_by("customer_id").aggregate(n_categories=first_cat.count())
    # "full line": at least max(min categories, ceil(share x the shop's categories)), in SQL
    shop_cats = first_cat.category.nunique().as_scalar()
    full_k = ibis.greatest(
        ibis.literal(policy.journey.full_line_min_categories, type="int64"),
        (shop_cats.cast("float64") * policy.journey.full_line_share).ceil().cast("int64"),
    )
    cat2 = _day_of_nth(first_cat, 2, "cat2_day")
    catk = _day_of_nth(first_cat, full_k, "catk_day")

    subs = ws.table("subscriptions")
    subs = subs.filter(subs.customer_id.notnull(), subs.started_at.notnull()).mutate(
        start_day=_ts_day(subs.started_at), end_day=_ts_day(subs.cancelled_at)
    )
    subs = subs.filter(subs.start_day <= d)
    ended_unknown = subs.status.lower().isin(["cancelled", "canceled", "ended", "expired"]) & subs.end_day.isnull()
    is_active = (subs.end_day.isnull() | (subs.end_day > d)) & ~ended_unknown.fill_null(False)
    subagg = subs.group_by("customer_id").aggregate(
        sub_active=ibis.ifelse(is_active, 1, 0).cast("int64").max(),
        first_sub_day=subs.start_day.min(),
        last_sub_day=subs.start_day.max(),
        n_subscriptions=subs.count(),
    )

    # every event-based fact in one pass (conditional aggregates), one join
    def last(types: list[str], since: int | None = None) -> Any:
        cond = events.type.isin(types or ["__none__"])
        if since is not None:
            cond = cond & (events.day > since)
        return events.day.max(where=cond)

    nps_cond = (events.type == "nps_response") & events.value.notnull()
    sent_types = policy.messages.sent_event_types or ["__none__"]
    is_sent = events.type.isin(sent_types)
    contrib_types = sorted({t for r in policy.thanks.values() for t in r.contribution_events})
    ev_aggs: dict[str, Any] = {
        "last_event_day": events.day.max(where=~is_sent),
        "first_lead_day": events.day.min(where=events.type.isin(policy.journey.lead_events or ["__none__"])),
        "last_contact_event_day": last(st.empathy.contact_events),
        "last_participation_day": last(st.engagement.participation_events),
        "last_advocacy_day": last(st.circulation.advocacy_events),
        "first_advocate_day": events.day.min(where=events.type.isin(policy.journey.advocate_events or ["__none__"])),
        "nps_last_day": events.day.max(where=nps_cond),
        "nps_last_value": events.value.argmax(events.day, where=nps_cond),
        "last_contribution_day": last(contrib_types),
    }
    evagg = events.group_by("customer_id").aggregate(**ev_aggs)

    # messages already sent (events of the sent types whose note names a tactic): a
    # separate, usually small, aggregate so that its long name lists touch sent rows only
    sent = events.filter(is_sent)
    sent_aggs: dict[str, Any] = {}
    for rid, rule in policy.thanks.items():
        grat = sent.note.isin(policy.tactics_with_trait(rule.gratitude_trait) or ["__none__"])
        sent_aggs[f"thanks_day__{rid}"] = sent.day.max(where=grat)
    for rid, rule in policy.caps.items():
        cond = (sent.note.isin(policy.tactics_with_trait(rule.counted_trait) or ["__none__"])
                & (sent.day > d - rule.within_days))
        sent_aggs[f"cap_count__{rid}"] = sent.day.count(where=cond)
    if not sent_aggs:
        sent_aggs["n_sent"] = sent.count()
    sentagg = sent.group_by("customer_id").aggregate(**sent_aggs)

    # one flat join chain (each part keyed by its own column name), one final projection
    out = universe
    keep = ["customer_id"]
    for i, part in enumerate([cust, ordagg, second, catagg, cat2, catk, subagg, evagg, sentagg]):
        key = f"_k{i}"
        part = part.rename({key: "customer_id"})
        out = out.left_join(part, out.customer_id == part[key])
        keep += [c for c in part.columns if c != key]
    out = out.select(*keep)
    return out.mutate(as_of_day=d.cast("int64"), full_line_k=full_k)


SENTINEL_DAY = 2_099_999_999  # stands for the as-of day in compiled SQL reused across dates


def _views_key(ws: Any) -> tuple | None:
    """Which registered tables the compiled SQL refers to (their unique names)."""
    views = getattr(ws, "_views", None)
    if not isinstance(views, dict):
        return None
    for name in ("customers", "orders", "order_lines", "subscriptions", "events"):
        ws.table(name)  # register every table before compiling
    return tuple(sorted((k, v.get_name()) for k, v in views.items()))


def _compiled_sql(ws: Any, policy: Policy) -> tuple[str, pa.Schema] | None:
    """The facts query compiled once per workspace state and policy (embedded DuckDB only).

    Compiling the Ibis expression costs more than running it on small and medium shops,
    and history snapshots run the same query for dozens of dates; the compiled SQL holds
    the as-of day as one sentinel literal that is substituted per date.
    """
    if ws.engine_url:
        return None
    views = _views_key(ws)
    if views is None:
        return None
    key = (id(policy), views)
    cached = getattr(ws, "_horetsu_facts_sql", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    param = ibis.param("int64")
    expr = customer_facts(ws, None, policy, day=param)
    sql = str(ws.con.compile(expr, params={param: SENTINEL_DAY}))
    if sql.count(str(SENTINEL_DAY)) == 0:
        return None
    schema = expr.schema().to_pyarrow()
    ws._horetsu_facts_sql = (key, (sql, schema))
    return (sql, schema)


def facts_table(ws: Any, as_of: dt.date, policy: Policy, customer_ids: pa.Array | None = None) -> pa.Table:
    """Materialise :func:`customer_facts` as Arrow (optionally for some customers only)."""
    if customer_ids is None:
        compiled = _compiled_sql(ws, policy)
        if compiled is not None:
            sql, schema = compiled
            day_sql = sql.replace(str(SENTINEL_DAY), str(to_day(as_of)))
            return ws.con.raw_sql(day_sql).to_arrow_table().cast(schema)
    expr = customer_facts(ws, as_of, policy)
    if customer_ids is not None:
        ids = ibis.memtable(pa.table({"customer_id": pa.array(customer_ids, pa.string())}))
        expr = expr.semi_join(ids, "customer_id")
    return expr.to_pyarrow()
