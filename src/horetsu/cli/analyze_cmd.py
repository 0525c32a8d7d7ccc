"""``horetsu analyze``: compute the time-axis analytics and write ``results/``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from horetsu.cli.common import EngineOpt, WorkspaceOpt, console, progress, state, t
from horetsu.errors import WorkspaceError

AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        help="Analyse as of this day, YYYY-MM-DD (default: the last order day). / 基準日",
        show_default=False,
    ),
]


def _connect(ws: Any) -> None:
    """Open the engine connection early so that a bad URL is one friendly line."""
    if not ws.engine_url:
        # our own progress bar is on stderr; DuckDB's would interleave with it
        ws.con.raw_sql("SET enable_progress_bar = false")
        return
    try:
        names = set(ws.con.list_tables())
    except Exception as exc:  # any driver error: report it as a workspace problem
        raise WorkspaceError(
            f"cannot connect to the engine {ws.engine_url!r}: {exc}",
            ja=f"実行エンジン {ws.engine_url!r} に接続できません: {exc}",
        ) from None
    missing = [n for n in ("orders", "customers", "order_lines", "subscriptions") if n not in names]
    if missing:
        raise WorkspaceError(
            f"the engine {ws.engine_url!r} has no table {missing[0]!r}; copy the workspace tables there "
            "first (ws.publish(ws.con), see docs/analytics.md)",
            ja=f"実行エンジン {ws.engine_url!r} にテーブル {missing[0]!r} がありません。先にワークスペースのテーブルを"
            "複製してください(ws.publish(ws.con)、docs/analytics.md 参照)",
        )


def summary_table(result: Any) -> Table:
    """A short Rich table of headline numbers and the CPM portfolio."""
    from horetsu.analytics.labels import CPM_ACTIVITY, CPM_SEGMENTS
    from horetsu.i18n import fmt_int, fmt_pct, fmt_yen, label

    lang = state.get_lang()
    h = result.headline()
    table = Table(title=t(f"分析結果(基準日 {result.as_of})", f"Analysis as of {result.as_of}"))
    table.add_column(t("項目", "Metric"))
    table.add_column(t("値", "Value"), justify="right")
    table.add_row(t("顧客数", "Customers"), fmt_int(h["customers"]))
    table.add_row(t("購入者数", "Buyers"), fmt_int(h["buyers"]))
    table.add_row(t("リピーター(2回以上)", "Repeat buyers (2+ days)"), fmt_int(h["repeaters"]))
    table.add_row(t("現役顧客", "Active buyers"), fmt_int(h["active"]))
    table.add_row(t("累計売上", "Revenue to date"), fmt_yen(h["revenue"], lang))
    f2 = h["f2_90"]
    table.add_row(t("F2転換率(90日以内)", "F2 within 90 days"), "-" if f2 is None else fmt_pct(f2))
    for seg in CPM_SEGMENTS:
        active = h["cpm"].get((seg, True), 0)
        lapsed = h["cpm"].get((seg, False), 0)
        table.add_row(
            f"CPM {label(CPM_SEGMENTS, seg, lang)}",
            f"{label(CPM_ACTIVITY, 'active', lang)} {fmt_int(active)} / {label(CPM_ACTIVITY, 'lapsed', lang)} {fmt_int(lapsed)}",
        )
    return table


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    def analyze(
        workspace: WorkspaceOpt = None,
        as_of: AsOfOpt = None,
        engine: EngineOpt = None,
        models: Annotated[
            bool, typer.Option("--models/--no-models", help="Add model scores (P(alive), CLV). / 予測モデルの値を付ける")
        ] = True,
        stages: Annotated[
            bool, typer.Option("--stages/--no-stages", help="Add relationship stages. / 関係ステージを付ける")
        ] = True,
    ) -> None:
        """Compute RFM, CPM, cohorts, F2, intervals, timeline and deciles into results/.
        RFM・CPM・コホート・F2・購買間隔・月次推移・デシルを計算し results/ に保存します。

        Example: horetsu analyze --workspace ./shop-data --as-of 2024-12-31
        """
        from horetsu.pipeline import analyze as run
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace, engine=engine)
        _connect(ws)
        with progress(t("分析しています", "Analysing"), total=1) as bar:
            result = run(ws, as_of=as_of, progress=bar, models=models, stages=stages)
        console.print(summary_table(result))
        skipped = (result.meta.get("models") or {}).get("skipped")
        if skipped:
            note = t(result.meta["models"]["skipped_ja"], skipped)
            console.print(t(f"[yellow]予測モデルは省略しました:[/] {note}", f"[yellow]Models skipped:[/] {note}"))
        console.print(t(f"結果を保存しました: {ws.results_dir}", f"Results written to {ws.results_dir}"))
