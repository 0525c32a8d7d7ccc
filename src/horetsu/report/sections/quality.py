"""Data quality: rows read / accepted / quarantined per imported file, and quarantine reasons."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from horetsu.report import figures, theme
from horetsu.report.data import ReportData
from horetsu.report.i18n import Tr
from horetsu.report.model import Section, table


def reasons(data: ReportData) -> Counter[str]:
    """Quarantine reasons summed over the import log (falls back to the quarantine CSVs)."""
    total: Counter[str] = Counter()
    for entry in data.import_log():
        for reason, n in (entry.get("reasons") or {}).items():
            total[str(reason)] += int(n)
    if not total:
        for path in data.quarantine_files():
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
            for c in ("reason_kind", "reason", "_reason"):
                if c in df.columns:
                    total.update(df[c].tolist())
                    break
    return total


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
            [k for k, _ in items], {tr("t.rows"): [v for _, v in items]}, tr("fig.quarantine"), tr("ax.rows"),
            tr("ax.reason"), tr, colours=(theme.VERMILLION,)))
    read, acc, quar = sum(num["read"]), sum(num["accepted"]), sum(num["quarantined"])
    if quar:
        sec.takeaway = tr("tk.quality", read=tr.num(read), accepted=tr.num(acc), quarantined=tr.num(quar),
                          reason=why.most_common(1)[0][0] if why else "–")
        sec.action = tr("act.quality")
    else:
        sec.takeaway = tr("tk.quality_clean", read=tr.num(read), accepted=tr.num(acc))
        sec.action = tr("act.quality_clean")
    return sec
