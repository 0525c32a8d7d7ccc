"""``horetsu nps``: survey waves, the NPS reading, the answers' texts and the follow-up lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from horetsu.cli.common import WorkspaceOpt, console, progress, state, t

nps_app = typer.Typer(
    name="nps",
    help="NPS surveys: waves, the reading by stage, the texts and follow-ups. / NPS アンケート",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

_KEYS = (("by_stage", "段階", "Stage"), ("by_journey_step", "ジャーニー", "Journey step"),
         ("by_cpm_cell", "CPM", "CPM cell"), ("by_cohort", "獲得月", "Acquisition cohort"),
         ("by_first_category", "初回カテゴリ", "First category"), ("by_channel", "チャネル", "Channel"),
         ("by_month", "回答月", "Month"))  # fmt: skip


def _csv_safe(table: Any) -> Any:
    """Neutralise spreadsheet formulas (leading = + - @) in the text columns of an Arrow table."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) and field.name not in ("customer_id", "url"):
            col = table.column(i)
            risky = pc.fill_null(pc.match_substring_regex(col, r"^[=+\-@\t\r]"), False)
            table = table.set_column(i, field.name, pc.if_else(risky, pc.binary_join_element_wise("'", col, ""), col))
    return table


def _write_csv(table: Any, path: Path) -> None:
    import pyarrow.csv as pacsv

    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(_csv_safe(table), path)


def _fmt(x: Any) -> str:
    return "–" if x is None else f"{x:+.1f}"


def _table(title: str, rows: dict[str, dict[str, Any]], head: str, label: Any = str) -> Table:
    tab = Table(title=title)
    tab.add_column(head)
    for name in ("n", "NPS", t("95%信頼区間", "95% CI"), t("他と差あり", "Differs")):
        tab.add_column(name, justify="right")
    for seg, r in rows.items():
        tab.add_row(label(seg), f"{r['n']:,}", _fmt(r["nps"]), f"{_fmt(r['ci_low'])} … {_fmt(r['ci_high'])}",
                    t("はい", "yes") if r.get("differs_from_rest") else "")  # fmt: skip
    return tab


@nps_app.command("report")
def report(
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only. / JSON で出力")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """NPS with its 95% interval, overall and by stage, journey step, CPM cell, cohort, first category,
    channel and month, and the response rate of each wave. / NPS と信頼区間（全体・段階別ほか）、回収率。

    Example: horetsu nps report --json -w ./shop-data
    """
    from horetsu.nps.reading import nps_report
    from horetsu.workspace import open_workspace

    ws = open_workspace(workspace)
    data = nps_report(ws)
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    console.print(t(
        f"NPS {_fmt(data['nps'])}（95%信頼区間 {_fmt(data['ci_low'])} … {_fmt(data['ci_high'])}、回答 {data['n']:,} 件："
        f"推奨者 {data['promoters']:,}・中立 {data['passives']:,}・批判者 {data['detractors']:,}）",
        f"NPS {_fmt(data['nps'])} (95% CI {_fmt(data['ci_low'])} … {_fmt(data['ci_high'])}, {data['n']:,} answers: "
        f"{data['promoters']:,} promoters, {data['passives']:,} passives, {data['detractors']:,} detractors)",
    ))
    from horetsu.report.i18n import Tr

    tr = Tr(state.get_lang())
    for key, ja, en in _KEYS:
        if data.get(key) and (key == "by_month" or data["results_as_of"] is not None):
            name = tr.stage if key == "by_stage" else str
            console.print(_table(t(f"{ja}別", f"By {en.lower()}"), data[key], t(ja, en), name))
    if data["waves"]:
        tab = Table(title=t("配信回ごとの回収率", "Response rate per wave"))
        for c in (t("配信回", "Wave"), t("日付", "Date"), t("送付", "Recipients"), t("回答", "Responded"), t("回収率", "Rate")):
            tab.add_column(c)
        for w in data["waves"]:
            rate = "–" if w["response_rate"] is None else f"{w['response_rate'] * 100:.1f}%"
            tab.add_row(w["wave_id"], w["date"], f"{w['recipients']:,}", f"{w['responded']:,}", rate)
        console.print(tab)
    if data["results_as_of"] is None:
        console.print(t("段階などの内訳は `horetsu analyze` の後に表示されます。",
                        "Breakdowns by stage etc. appear after `horetsu analyze`."))  # fmt: skip


@nps_app.command("texts")
def texts(
    search: Annotated[str, typer.Option("--search", "-s", help="Only answers whose texts contain this (case and width ignored). / 検索語")] = "",
    limit: Annotated[int, typer.Option("--limit", help="At most this many answers, newest first. / 件数")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines. / JSON で出力")] = False,
    workspace: WorkspaceOpt = None,
) -> None:
    """The free texts of the answers beside the score and the customer's stage. / 自由回答を点数・段階と並べて表示します。

    Example: horetsu nps texts --search 送料 -w ./shop-data
    """
    from horetsu.nps.reading import search_texts
    from horetsu.workspace import open_workspace

    rows = search_texts(open_workspace(workspace), search, limit=limit).to_pylist()
    if as_json:
        for r in rows:
            typer.echo(json.dumps({**r, "answered_at": r["answered_at"].isoformat()}, ensure_ascii=False))
        return
    tab = Table(title=t(f"自由回答 {len(rows):,} 件", f"{len(rows):,} answers with text"))
    for c in (t("日時", "Answered"), t("顧客", "Customer"), t("点", "Score"), t("段階", "Stage"),
              t("理由", "Reason"), t("改善点", "Could do better")):  # fmt: skip
        tab.add_column(c)
    for r in rows:
        tab.add_row(r["answered_at"].strftime("%Y-%m-%d %H:%M"), r["customer_id"], f"{r['score']:.0f}", r["stage"] or "",
                    r["reason"] or "", r["improve"] or "")  # fmt: skip
    console.print(tab)


@nps_app.command("wave")
def wave(
    audience: Annotated[Path, typer.Option("--audience", help="CSV with a customer_id column: who to ask. / 対象者CSV")],
    date: Annotated[str, typer.Option("--date", help="Send date YYYY-MM-DD (the gate judges this day; links expire after [nps] token_days). / 送付日")],
    out: Annotated[Path, typer.Option("--out", help="CSV customer_id,url for every recipient the gate allowed. / 出力CSV")],
    public_url: Annotated[str | None, typer.Option("--public-url", help="The web app's public address (default: [mail] public_url). / 公開URL")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Start a survey wave: gate the audience for nps_survey and write one signed link per allowed customer.
    / アンケートの配信回を作成し、ゲートを通った顧客ごとに署名付きリンクを書き出します。

    Example: horetsu nps wave --audience buyers.csv --date 2026-12-10 --out links.csv -w ./shop-data
    """
    from horetsu.nps.waves import run_wave
    from horetsu.workspace import open_workspace

    ws = open_workspace(workspace)
    with progress(t("ゲートを通しています", "Running the gate")):
        res = run_wave(ws, audience, date, public_url=public_url)
    _write_csv(res.links, out)
    w = res.wave
    console.print(t(
        f"配信回 {w.wave_id}: リンク {w.recipients:,} 件（ゲートで除外 {w.blocked:,} 人）、有効期限 {w.expires_at[:10]}: {out}",
        f"Wave {w.wave_id}: {w.recipients:,} links ({w.blocked:,} kept out by the gate), valid until {w.expires_at[:10]}: {out}",
    ))
    if res.gate.rule_counts:
        from horetsu.cli.gate_cmd import rule_table

        console.print(rule_table(res.gate.rule_counts, t("除外の理由", "Kept out by rule")))


@nps_app.command("act")
def act(
    out: Annotated[Path, typer.Option("--out", help="Folder for the lists (one CSV per list). / 出力フォルダ")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Day YYYY-MM-DD the gate judges (default: today in Japan). / 基準日")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Follow-up lists through the gate: detractors to answer personally within 48 hours, promoters to
    thank, thanked promoters to ask for a referral or review. / 批判者への個別連絡・推奨者へのお礼とお願いのリスト。

    Example: horetsu nps act --out nps-actions -w ./shop-data
    """
    import pyarrow.compute as pc

    from horetsu.nps.actions import act_lists
    from horetsu.workspace import open_workspace

    ws = open_workspace(workspace)
    with progress(t("ゲートを通しています", "Running the gate")):
        lists = act_lists(ws, as_of)
    names = {"detractors_personal_reply": ("批判者へ個別に返信（48時間以内、定型文は使わない）", "Detractors: personal reply within 48 h (never a template)"),
             "promoters_thank_you": ("推奨者へお礼", "Promoters: thank first"),
             "promoters_referral_request": ("推奨者へ紹介のお願い", "Thanked promoters: ask for a referral"),
             "promoters_review_request": ("推奨者へレビューのお願い", "Thanked promoters: ask for a review")}  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    tab = Table(title=t("NPS のフォロー", "NPS follow-ups"))
    for c in (t("リスト", "List"), t("対象", "Customers"), t("ゲートで除外", "Kept out"), t("ファイル", "File")):
        tab.add_column(c)
    for lst in lists:
        path = out / f"{lst.name}.csv"
        cols = ["customer_id", "stage", "score", "answered_at", "due_by", "reason", "improve"]
        if not lst.name.startswith("detractors"):
            cols.remove("due_by")
        rows = lst.rows.select(cols)
        for c in ("answered_at", "due_by"):
            if c in cols:
                rows = rows.set_column(cols.index(c), c, pc.strftime(rows.column(c), format="%Y-%m-%d %H:%M"))
        _write_csv(rows, path)
        ja, en = names[lst.name]
        tab.add_row(ja if state.get_lang() == "ja" else en, f"{lst.rows.num_rows:,}", f"{lst.gate.n_blocked:,}", str(path))
    console.print(tab)


def register(app: typer.Typer) -> None:
    app.add_typer(nps_app, name="nps")
