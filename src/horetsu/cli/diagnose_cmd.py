"""``horetsu diagnose``: the business diagnosis of one shop, or of several side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from horetsu.cli.common import console, fresh_results, state, t


def _diagnose_one(path: Path | None, answers_file: Path | None, save: bool) -> tuple[dict[str, Any], Path | None]:
    from horetsu.diagnosis import diagnose, load_answers, load_quiz, save_diagnosis
    from horetsu.workspace import open_workspace

    ws = open_workspace(path)
    quiz = load_quiz(ws)
    answers = load_answers(answers_file, quiz) if answers_file is not None else None
    fresh_results(ws)  # analyze first when the results are missing or stale
    diag = diagnose(ws, answers, quiz=quiz)
    saved = save_diagnosis(ws, diag) if save else None
    return diag.to_json(), saved


def _show(doc: dict[str, Any], lang: str) -> None:
    from horetsu.diagnosis import text as tx

    console.print(f"[bold]{tx.tr('title', lang)}[/] — {doc['shop_name']} ({tx.tr('as_of', lang)} {doc['as_of']})",
                  highlight=False)
    stage = tx.pick(doc.get("business_stage_label"), lang) or tx.tr("stage_none", lang)
    console.print(f"[bold]{tx.tr('stage', lang)}:[/] {stage}", highlight=False)
    for r in doc["stage_reasons"]:
        console.print(f"  - {tx.pick(r['text'], lang)}", highlight=False, markup=False)

    scores = Table(title=tx.tr("scores", lang), title_justify="left")
    for h in (tx.tr("area", lang), tx.tr("score", lang), tx.tr("answered", lang)):
        scores.add_column(h)
    for s in doc["scores"].values():
        scores.add_row(tx.pick(s["label"], lang), tx.score(s["score"]), f"{s['scored']}/{s['questions']}")
    console.print(scores)

    kpis = Table(title=tx.tr("kpis", lang), title_justify="left")
    for h in (tx.tr("kpi", lang), tx.tr("value", lang), tx.tr("base", lang), tx.tr("reference", lang)):
        kpis.add_column(h, overflow="fold")
    for k in doc["kpis"].values():
        kpis.add_row(tx.pick(k["label"], lang), tx.kpi_value(k, lang), "" if k["n"] is None else f"{k['n']:,}",
                     tx.kpi_note(k, lang))
    console.print(kpis)

    counts = (doc.get("stages") or {}).get("counts")
    if counts:
        st = Table(title=tx.tr("stages", lang), title_justify="left")
        for h in (tx.tr("area", lang), tx.tr("customers", lang), tx.tr("cooling", lang), tx.tr("lapsed", lang)):
            st.add_column(h)
        for name, c in counts.items():
            st.add_row(tx.pick(doc["scores"][name]["label"], lang), f"{c['customers']:,}", f"{c['cooling']:,}", f"{c['lapsed']:,}")
        console.print(st)
        stall = doc["stages"].get("stall_stage")
        if stall:
            console.print(f"{tx.tr('stall', lang)}: {tx.pick(doc['scores'][stall]['label'], lang)}", highlight=False)

    gaps = Table(title=tx.tr("gaps", lang), title_justify="left", caption=tx.tr(f"ranked_by_{doc['gaps_ranked_by']}", lang))
    for h in ("#", tx.tr("gap", lang), tx.tr("cost_customers", lang), tx.tr("cost_yen", lang), tx.tr("fix", lang)):
        gaps.add_column(h, overflow="fold")
    for i, g in enumerate(doc["gaps"], 1):
        c = g["cost"]
        gaps.add_row(str(i), f"{tx.pick(g['title'], lang)} ({tx.tr('basis.' + g['basis'], lang)})",
                     "–" if c["customers"] is None else f"{c['customers']:.1f}", tx.yen(c["yen"], lang),
                     ", ".join(f["id"] for f in g["fix"]))
    console.print(gaps)

    if doc["contradictions"]:
        console.print(f"[bold yellow]{tx.tr('flags', lang)}[/]")
        for c in doc["contradictions"]:
            console.print(f"  ! {c['question']}: {tx.pick(c['text'], lang)}", highlight=False, markup=False)
    ch = doc.get("changes")
    if ch:
        console.print(f"[bold]{tx.tr('changes', lang)}[/] ({ch['previous_diagnosed_at']})", highlight=False)
        labels = {k: tx.pick(v["label"], lang) for k, v in doc["kpis"].items()}
        for key in ("improved", "worsened"):
            names = ", ".join(labels.get(k, k) for k in ch[key]) or tx.tr("none", lang)
            console.print(f"  {tx.tr(key, lang)}: {names}", highlight=False)
        console.print(f"  {tx.tr('closed', lang)}: {', '.join(ch['gaps_closed']) or tx.tr('none', lang)}", highlight=False)


def _show_side_by_side(docs: list[dict[str, Any]], lang: str) -> None:
    from horetsu.diagnosis import text as tx

    table = Table(title=tx.tr("compare", lang), title_justify="left")
    table.add_column("")
    for d in docs:
        table.add_column(f"{d['shop_name']}\n{d['as_of']}", overflow="fold")
    table.add_row(tx.tr("stage", lang), *[tx.pick(d.get("business_stage_label"), lang) or "–" for d in docs])
    for area, s in docs[0]["scores"].items():
        table.add_row(tx.pick(s["label"], lang), *[tx.score(d["scores"][area]["score"]) for d in docs])
    for kid, k in docs[0]["kpis"].items():
        table.add_row(tx.pick(k["label"], lang), *[tx.kpi_value(d["kpis"][kid], lang) for d in docs])
    table.add_row(tx.tr("gaps", lang), *["\n".join(f"{i}. {tx.pick(g['title'], lang)}" for i, g in enumerate(d["gaps"], 1))
                                         for d in docs])
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command("diagnose")
    def diagnose_cmd(
        workspace: Annotated[
            list[Path] | None,
            typer.Option("--workspace", "-w", metavar="DIR", help="Workspace folder; repeat it to compare shops side by side. / ワークスペース（複数可）",
                         show_default=False),
        ] = None,
        answers: Annotated[
            list[Path] | None,
            typer.Option("--answers", metavar="FILE.toml", help="Quiz answers (TOML with an [answers] table); one per workspace, in the same "
                         "order (default: WORKSPACE/diagnosis/answers.toml). / 回答ファイル", show_default=False),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the diagnosis as JSON. / JSON で出力")] = False,
        save: Annotated[
            bool, typer.Option("--save/--no-save", help="Keep the diagnosis in WORKSPACE/diagnosis/ (default: yes). / 保存")
        ] = True,
    ) -> None:
        """Diagnose the business: its stage, its numbers and the gaps that cost the most. / 事業診断を行います。

        The quiz answers are checked against the shop's own data (F2, hidden churn, delivery
        days, returns, NPS, step mails); answers the data contradicts are flagged. Each run is
        saved with its date, and the next one shows what improved. Runs `analyze` first when
        the workspace has no results. `--lang ja|en` chooses the language.

        Example: horetsu diagnose --workspace ./shop-data --answers answers.toml --lang ja
        """
        from horetsu.errors import ConfigError

        paths: list[Path | None] = list(workspace) if workspace else [None]
        files = list(answers or [])
        if files and len(files) != len(paths):
            raise ConfigError(
                f"give --answers once per --workspace ({len(paths)}), or not at all",
                ja=f"--answers は --workspace と同じ数（{len(paths)}）だけ指定するか、指定しないでください",
            )
        docs, saved = [], []
        for i, path in enumerate(paths):
            doc, where = _diagnose_one(path, files[i] if files else None, save)
            docs.append(doc)
            saved.append(where)
        lang = state.get_lang()
        if as_json:
            payload: Any = docs[0] if len(docs) == 1 else {"shops": docs}
            typer.echo(json.dumps(payload, ensure_ascii=False, indent=1, default=str))
            return
        if len(docs) == 1:
            _show(docs[0], lang)
        else:
            _show_side_by_side(docs, lang)
        for where in saved:
            if where is not None:
                console.print(t(f"診断を保存しました: {where}", f"Diagnosis saved: {where}"), highlight=False, soft_wrap=True)
