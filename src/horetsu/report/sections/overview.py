"""Overview KPIs: customers, active base, F2 rate, repeat share, revenue split, predicted value."""

from __future__ import annotations

from horetsu.report import figures, kpis
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, kpi_cards
from horetsu.report.sections import timeline
from horetsu.report.sections._util import need

CUSTOMER_COLUMNS = ["customer_id", "frequency", "monetary_total", "cpm_active", "clv_12m"]


def lapse_days(data: ReportData) -> int:
    """The lapse window the analysis used (``[analysis] lapse_days``, 240 by default)."""
    settings = data.meta.get("settings") or {}
    return int(settings.get("lapse_days") or 240)


def compute(data: ReportData) -> kpis.Kpis | None:
    cust = data.get("customers", columns=CUSTOMER_COLUMNS)
    if cust is None:
        return None
    return kpis.compute(cust, timeline.revenue_split(data))


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("overview", tr("sec.overview"))
    if need(sec, data, "customers") is None:
        return sec
    k = compute(data)
    assert k is not None
    items = [
        ("customers", tr("kpi.customers"), tr.people(k.customers), tr("kpi.def.customers")),
        ("active", tr("kpi.active"), tr.people(k.active), tr("kpi.def.active", days=tr.days(lapse_days(data)))),
        ("f2_rate", tr("kpi.f2_rate"), tr.pct(k.f2_rate), tr("kpi.def.f2_rate")),
        ("repeat_rate", tr("kpi.repeat_rate"), tr.pct(k.repeat_rate), tr("kpi.def.repeat_rate")),
        ("revenue_total", tr("kpi.revenue"), tr.yen(k.revenue_total), ""),
    ]
    if k.revenue_new is not None:
        for key in ("new", "repeat", "subscription"):
            items.append((f"revenue_{key}", tr(f"kpi.revenue_{key}"), tr.yen(getattr(k, f"revenue_{key}")),
                          tr("kpi.def.revenue_split")))
    else:
        sec.missing.append("results/timeline.parquet")
    items.append(("clv_12m", tr("kpi.clv_12m"), tr.yen(k.clv_12m), tr("kpi.def.clv_12m")))
    sec.blocks.append(kpi_cards(items))
    if k.revenue_new is not None:
        split = {"new": k.revenue_new, "repeat": k.revenue_repeat, "subscription": k.revenue_subscription}
        if sum(v or 0 for v in split.values()) > 0:
            sec.chart("split", figures.revenue_split(split, tr))
    if k.active is None:
        sec.takeaway = tr("tk.overview_noactive", one_time=tr.pct(k.one_time_share))
    else:
        sec.takeaway = tr("tk.overview", one_time=tr.pct(k.one_time_share), active=tr.num(k.active),
                          customers=tr.num(k.customers))
    sec.action = tr("act.overview")
    return sec
