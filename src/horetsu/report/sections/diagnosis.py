"""Business diagnosis: the stage, the shop's own numbers, the costliest gaps, flagged answers.

Diagnoses with the workspace's own answers (``WORKSPACE/diagnosis/answers.toml`` when it
exists) and compares with the newest saved diagnosis; nothing is saved from the report.
"""

from __future__ import annotations

from horetsu.diagnosis import diagnose
from horetsu.diagnosis import text as tx
from horetsu.errors import HoretsuError
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, esc, kpi_cards, table

KPI_ORDER = ("f2_conversion", "repeat_rate_12m", "ltv_12m", "hidden_churn_90d", "delivery_days_median", "return_share",
             "inquiries_per_100_orders", "nps", "step_mails")  # fmt: skip


def build(data: ReportData, tr: Tr) -> Section:
    lang = tr.lang
    sec = Section("diagnosis", tx.tr("title", lang))
    if not data.has("customers"):
        sec.missing.append("results/customers.parquet")
        return sec
    try:
        doc = diagnose(data.ws).to_json()
    except HoretsuError as exc:
        sec.missing.append(exc.message(lang))
        return sec

    stage = tx.pick(doc.get("business_stage_label"), lang) or tx.tr("stage_none", lang)
    reasons = "; ".join(tx.pick(r["text"], lang) for r in doc["stage_reasons"])
    sec.takeaway = f"{tx.tr('stage', lang)}: {stage}" + (f" — {reasons}" if reasons else "")
    if doc["gaps"]:
        first = doc["gaps"][0]
        fixes = ", ".join(tx.pick(f["text"], lang) for f in first["fix"])
        sec.action = f"{tx.pick(first['title'], lang)} → {fixes}"

    kpis = doc["kpis"]
    sec.blocks.append(kpi_cards([
        (f"diag-{k}", tx.pick(kpis[k]["label"], lang), tx.kpi_value(kpis[k], lang), tx.kpi_note(kpis[k], lang))
        for k in KPI_ORDER if k in kpis
    ]))  # fmt: skip

    caption = tx.tr(f"ranked_by_{doc['gaps_ranked_by']}", lang)
    rows = [(i, tx.pick(g["title"], lang), tx.tr("basis." + g["basis"], lang),
             "–" if g["cost"]["customers"] is None else f"{g['cost']['customers']:.1f}", tx.yen(g["cost"]["yen"], lang),
             " / ".join(tx.pick(f["text"], lang) for f in g["fix"])) for i, g in enumerate(doc["gaps"], 1)]  # fmt: skip
    sec.blocks.append(f"<h3>{esc(tx.tr('gaps', lang))}</h3><p class=note>{esc(caption)}</p>" + table(
        ["#", tx.tr("gap", lang), tx.tr("basis", lang), tx.tr("cost_customers", lang), tx.tr("cost_yen", lang),
         tx.tr("fix", lang)], rows, numeric=(0, 3, 4)))  # fmt: skip

    sec.blocks.append(f"<h3>{esc(tx.tr('scores', lang))}</h3>" + table(
        [tx.tr("area", lang), tx.tr("score", lang), tx.tr("answered", lang)],
        [(tx.pick(s["label"], lang), tx.score(s["score"]), f"{s['scored']}/{s['questions']}") for s in doc["scores"].values()],
        numeric=(1,)))  # fmt: skip

    if doc["contradictions"]:
        items = "".join(f"<li>{esc(tx.pick(c['text'], lang))}</li>" for c in doc["contradictions"])
        sec.blocks.append(f'<h3>{esc(tx.tr("flags", lang))}</h3><ul class="diagnosis-flags">{items}</ul>')
    ch = doc.get("changes")
    if ch:
        labels = {k: tx.pick(v["label"], lang) for k, v in kpis.items()}
        lines = [f"{tx.tr(key, lang)}: {', '.join(labels.get(k, k) for k in ch[key]) or tx.tr('none', lang)}"
                 for key in ("improved", "worsened")]
        sec.blocks.append(f"<h3>{esc(tx.tr('changes', lang))} ({esc(ch['previous_diagnosed_at'])})</h3>"
                          + "".join(f"<p>{esc(x)}</p>" for x in lines))
    sec.note = "; ".join(f"{tx.pick(kpis[k]['label'], lang)}: {tx.pick(kpis[k]['definition'], lang)}"
                         for k in KPI_ORDER if k in kpis)
    return sec
