"""Data quality: rows read / accepted / quarantined per imported file, and quarantine reasons."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path


from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, esc, table


def reasons(data: ReportData) -> Counter[str]:
    """Quarantine reason kinds summed over the import log."""
    total: Counter[str] = Counter()
    for entry in data.import_log():
        for reason, n in (entry.get("reasons") or {}).items():
            total[str(reason)] += int(n)
    return total


def quarantine_rows(data: ReportData) -> list[tuple[str, int]]:
    """(file name, rows) of the CSVs in the quarantine folder, where the rejected rows wait."""
    out = []
    for path in data.quarantine_files():
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        out.append((path.name, max(rows, 0)))
    return out


def orders_without_buyer(data: ReportData) -> int:
    """Orders with no buyer id (e.g. the Amazon All Orders Report): counted in sales, not per buyer."""
    try:
        import pyarrow.parquet as pq

        path = data.ws.table_path("orders")
        return pq.read_table(path, columns=["customer_id"]).column(0).null_count if path.exists() else 0
    except Exception:  # noqa: BLE001 - a report never fails on this note
        return 0


def build(data: ReportData, tr: Tr) -> Section:
    sec = Section("quality", tr("sec.quality"))
    log = data.import_log()
    if not log:
        sec.missing.append("import_log.json")
        return sec
    names = [Path(str(e.get("file", "?"))).name for e in log]
    num = {k: [int(e.get(k) or 0) for e in log] for k in ("read", "accepted", "quarantined", "duplicates")}
    sec.chart("imports", figures.horizontal_bars(
        names, {tr("s.accepted"): num["accepted"], tr("s.quarantined"): num["quarantined"],
                tr("s.duplicates"): num["duplicates"]},
        tr("fig.imports"), tr("ax.rows"), tr("ax.file"), tr, colours=(theme.BLUE, theme.VERMILLION, theme.GREY)))
    sec.blocks.append(table(
        [tr("t.file"), tr("t.table"), tr("t.read"), tr("t.accepted"), tr("t.quarantined"), tr("t.duplicates")],
        [(n, e.get("table", ""), tr.num(num["read"][i]), tr.num(num["accepted"][i]), tr.num(num["quarantined"][i]),
          tr.num(num["duplicates"][i])) for i, (n, e) in enumerate(zip(names, log, strict=True))],
        numeric=(2, 3, 4, 5)))
    why = reasons(data)
    if why:
        items = why.most_common(12)
        sec.chart("quarantine", figures.horizontal_bars(
            [tr.reason(k) for k, _ in items], {tr("t.rows"): [v for _, v in items]}, tr("fig.quarantine"), tr("ax.rows"),
            tr("ax.reason"), tr, colours=(theme.VERMILLION,)))
    aside = [(Path(str(e.get("file", "?"))).name, x) for e in log for x in (e.get("set_aside") or [])]
    if aside:  # name what the import set aside as impossible (horetsu.io.plausible)
        sec.blocks.append(f"<h3>{esc(tr('t.set_aside'))}</h3><ul>" + "".join(
            "<li>" + esc(tr("t.set_aside_item", file=f, line=x.get("line"), order=x.get("order_id"), column=x.get("column"),
                            value=x.get("value"), reason=tr.reason(str(x.get("kind"))))) + "</li>"
            for f, x in aside[:20]) + "</ul>")
    no_buyer = orders_without_buyer(data)
    if no_buyer:
        sec.blocks.append(f"<p>{esc(tr('t.no_buyer', n=tr.num(no_buyer)))}</p>")
    files = quarantine_rows(data)
    if files:
        sec.blocks.append(f"<h3>{esc(tr('t.quarantine_files'))}</h3>" + table(
            [tr("t.file"), tr("t.rows")], [(n, tr.num(r)) for n, r in files], numeric=(1,)))
    read, acc, quar, dup = (sum(num[k]) for k in ("read", "accepted", "quarantined", "duplicates"))
    if quar:
        sec.takeaway = tr("tk.quality", read=tr.num(read), accepted=tr.num(acc), quarantined=tr.num(quar), duplicates=tr.num(dup),
                          reason=tr.reason(why.most_common(1)[0][0]) if why else "–")
        sec.action = tr("act.quality")
    else:
        sec.takeaway = tr("tk.quality_clean", read=tr.num(read), accepted=tr.num(acc), duplicates=tr.num(dup))
        sec.action = tr("act.quality_clean")
    return sec
