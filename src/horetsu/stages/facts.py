"""Per-customer facts as of a date, computed as Ibis expressions over the canonical tables.

Days are integer day numbers of the Japanese calendar (:mod:`horetsu.core.dates`); what a
purchase is and whether a subscription runs are decided in :mod:`horetsu.core`.  Facts
about messages the shop sent (thanks, caps) belong to the playbook
(:mod:`horetsu.playbook.facts`): the stage engine knows no tactic.  Everything here is
set-based: one query per call, no loop over customers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from horetsu.core import subscriptions
from horetsu.core.dates import date_day, to_day, ts_day
from horetsu.core.purchases import purchases
from horetsu.stages.policy import StagePolicy

#: a subscription end that never comes (day number), for ``sub_active_until``
OPEN_END_DAY = 99_999_999


def valid_orders(ws: Any, as_of_day: Any, exclude: tuple[str, ...]) -> Any:
    """Purchases (horetsu.core.purchases) up to the as-of day number, with ``day``."""
    return purchases(ws, exclude, as_of_day)


def events_until(ws: Any, as_of_day: int) -> Any:
    e = ws.table("events")
    e = e.filter(e.customer_id.notnull(), e.event_date.notnull())
    e = e.mutate(day=date_day(e.event_date))
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


def first_category_days(ws: Any, as_of_day: Any, exclude: tuple[str, ...]) -> Any:
    """(customer_id, category, day): the first purchase day of each category a customer bought,
    up to the as-of day number.  The stage facts and the stage grid read the same rows; a
    caller that computes both (``analyze``) keeps them once instead of joining the order
    lines to the orders for each."""
    cats = _categories(ws, valid_orders(ws, as_of_day, exclude))
    return cats.group_by(["customer_id", "category"]).aggregate(day=cats.day.min())


def _day_of_nth(per: Any, n: Any, name: str) -> Any:
    """Day on which each customer reached their n-th distinct item (``per``: customer_id, day)."""
    ranked = per.mutate(
        rn=ibis.row_number().over(ibis.window(group_by=per.customer_id, order_by=[per.day]))
    )
    return ranked.filter(ranked.rn == n - 1).select("customer_id", **{name: ranked.day})


def customer_facts(
    ws: Any, as_of: dt.date | None, policy: StagePolicy, exclude: tuple[str, ...], day: Any = None,
    purchase_days: Any = None, first_categories: Any = None,
) -> Any:
    """An Ibis expression with one row per customer known on ``as_of`` and their facts.

    ``day`` may be an Ibis scalar (e.g. a parameter) standing for the as-of day number;
    the expression then holds no Python-side value of the date at all.
    ``purchase_days``: the purchases up to ``as_of`` already as one row per customer and
    day (``customer_id``, ``order_date``, ``day_no``: 1 for the first, ``spend``: the day's
    total, missing when none is known), e.g. what analyze keeps; the order facts then
    come from it instead of grouping the orders again.  ``first_categories``: what
    :func:`first_category_days` gives for ``as_of`` (or a later day), already computed.
    """
    d = ibis.literal(to_day(as_of), type="int64") if day is None else day
    st = policy.stages
    orders = valid_orders(ws, d, exclude)
    events = events_until(ws, d)
    cust = ws.table("customers")
    cust = cust.filter(cust.customer_id.notnull()).mutate(reg_day=ts_day(cust.registered_at))
    cust = cust.filter(cust.reg_day.isnull() | (cust.reg_day <= d))
    cust = cust.group_by("customer_id").aggregate(reg_day=cust.reg_day.min())

    # purchases are counted as purchase days: two orders on one day are one purchase
    if purchase_days is not None:
        pd_ = purchase_days.mutate(day=date_day(purchase_days.order_date))
        ordagg = pd_.group_by("customer_id").aggregate(
            n_orders=pd_.count(),
            first_order_day=pd_.day.min(),
            last_order_day=pd_.day.max(),
            spend_jpy=pd_.spend.sum().cast("int64"),
        )
        second = pd_.filter(pd_.day_no == 2).select("customer_id", second_order_day=pd_.day)
    else:
        ordagg = orders.group_by("customer_id").aggregate(
            n_orders=orders.day.nunique(),
            first_order_day=orders.day.min(),
            last_order_day=orders.day.max(),
            spend_jpy=orders.total_jpy.sum().cast("int64"),
        )
        # the second purchase day: the earliest purchase day after the first (an aggregate,
        # not a window ranking every purchase day)
        firsts = ordagg.select(_fk=ordagg.customer_id, _first=ordagg.first_order_day)
        later = orders.select("customer_id", "day").join(firsts, orders.customer_id == firsts._fk)
        second = later.group_by("customer_id").aggregate(
            second_order_day=later.day.min(where=later.day > later._first))
        second = second.filter(second.second_order_day.notnull())

    if first_categories is None:
        first_cat = first_category_days(ws, d, exclude)
    else:
        first_cat = first_categories.filter(first_categories.day <= d)
    catagg = first_cat.group_by("customer_id").aggregate(n_categories=first_cat.count())
    # "full line": at least max(min categories, ceil(share x the shop's categories)), in SQL
    shop_cats = first_cat.category.nunique().as_scalar()
    full_k = ibis.greatest(
        ibis.literal(policy.journey.full_line_min_categories, type="int64"),
        (shop_cats.cast("float64") * policy.journey.full_line_share).ceil().cast("int64"),
    )
    cat2 = _day_of_nth(first_cat, 2, "cat2_day")
    catk = _day_of_nth(first_cat, full_k, "catk_day")

    subs = subscriptions.with_days(ws.table("subscriptions"))
    subs = subs.filter(subs.start_day <= d)
    is_active = subscriptions.running(subs, d)
    subagg = subs.group_by("customer_id").aggregate(
        sub_active=ibis.ifelse(is_active, 1, 0).cast("int64").max(),
        # the latest end among the running ones: lets a later send date see a known end
        sub_active_until=subs.end_day.fill_null(OPEN_END_DAY).max(where=is_active),
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
    ev_aggs: dict[str, Any] = {
        "last_event_day": events.day.max(where=~is_sent),
        "first_lead_day": events.day.min(where=events.type.isin(policy.journey.lead_events or ["__none__"])),
        "last_contact_event_day": last(st.empathy.contact_events),
        "last_participation_day": last(st.engagement.participation_events),
        "last_advocacy_day": last(st.circulation.advocacy_events),
        "first_advocate_day": events.day.min(where=events.type.isin(policy.journey.advocate_events or ["__none__"])),
        "nps_last_day": events.day.max(where=nps_cond),
        "nps_last_value": events.value.argmax(events.day, where=nps_cond),
    }
    evagg = events.group_by("customer_id").aggregate(**ev_aggs)

    # everyone known: listed, or with a purchase or an event by then (from the per-customer
    # aggregates: a union of a million ids each, not of every order's and event's id)
    universe = (
        cust.select("customer_id")
        .union(ordagg.select("customer_id"))
        .union(evagg.select("customer_id"))
        .distinct()
    )
    # one flat join chain (each part keyed by its own column name), one final projection
    out = universe
    keep = ["customer_id"]
    for i, part in enumerate([cust, ordagg, second, catagg, cat2, catk, subagg, evagg]):
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


def _compiled_sql(ws: Any, policy: StagePolicy, exclude: tuple[str, ...]) -> tuple[str, pa.Schema] | None:
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
    key = (id(policy), tuple(exclude), views)
    cached = getattr(ws, "_horetsu_facts_sql", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    param = ibis.param("int64")
    expr = customer_facts(ws, None, policy, exclude, day=param)
    sql = str(ws.con.compile(expr, params={param: SENTINEL_DAY}))
    if sql.count(str(SENTINEL_DAY)) == 0:
        return None
    schema = expr.schema().to_pyarrow()
    ws._horetsu_facts_sql = (key, (sql, schema))
    return (sql, schema)


def facts_table(
    ws: Any, as_of: dt.date, policy: StagePolicy, exclude: tuple[str, ...], customer_ids: pa.Array | None = None,
    purchase_days: Any = None, first_categories: Any = None, by_id: bool = False,
) -> pa.Table:
    """Materialise :func:`customer_facts` as Arrow (optionally for some customers only;
    ``purchase_days``, ``first_categories``: see :func:`customer_facts`; ``by_id``: ordered
    by customer id in the engine, with ``purchase_days``)."""
    if purchase_days is not None:
        expr = customer_facts(ws, as_of, policy, exclude, purchase_days=purchase_days,
                              first_categories=first_categories)
        schema = expr.schema().to_pyarrow()
        return (expr.order_by("customer_id") if by_id else expr).to_pyarrow().cast(schema)
    if customer_ids is None:
        compiled = _compiled_sql(ws, policy, exclude)
        if compiled is not None:
            sql, schema = compiled
            day_sql = sql.replace(str(SENTINEL_DAY), str(to_day(as_of)))
            return ws.con.raw_sql(day_sql).to_arrow_table().cast(schema)
    expr = customer_facts(ws, as_of, policy, exclude)
    if customer_ids is not None:
        ids = ibis.memtable(pa.table({"customer_id": pa.array(customer_ids, pa.string())}))
        expr = expr.semi_join(ids, "customer_id")
    return expr.to_pyarrow()
