"""``horetsu demo``: sample shop -> import -> analysis -> report, in one command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from horetsu.cli.common import console, progress, state, t
from horetsu.cli.sample_cmd import LangOpt, set_lang

BAR_LABELS = {
    "sample": ("サンプルショップを生成", "Generating the sample shop"),
    "import": ("ワークスペースに取り込み中", "Importing into the workspace"),
    "analyze": ("分析しています", "Analysing"),
    "report": ("レポートを作成中", "Building the report"),
}
TABLE_LABELS = {
    "customers": ("顧客", "customers"),
    "orders": ("注文", "orders"),
    "subscriptions": ("定期購入", "subscriptions"),
    "events": ("イベント", "events"),
}


def _bar(label: str, total: float | None) -> Any:
    ja, en = BAR_LABELS[label]
    return progress(t(ja, en), total=total)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder. / 出力先フォルダ")] = Path("horetsu-demo"),
        customers: Annotated[int, typer.Option("--customers", "-n", help="Customers in the sample shop. / 顧客数")] = 20000,
        seed: Annotated[int, typer.Option("--seed", help="Random seed of the sample shop. / 乱数シード")] = 0,
        lang: LangOpt = None,
    ) -> None:
        """Try horetsu on a simulated shop: sample, import, analyse, report. / 架空ショップで一通り試します。

        Writes OUT/sample (the export files), OUT/workspace and OUT/report.html.

        Example: horetsu demo --out ./horetsu-demo --customers 20000 --lang ja
        """
        from horetsu.sample.demo import run_demo

        set_lang(lang)
        result = run_demo(out, customers=customers, seed=seed, lang=state.get_lang(), bar=_bar)
        _print(result)


def _print(r: Any) -> None:
    info, sec = r.sample, r.seconds
    console.print(
        t(
            f"1. サンプルショップ（{info.customers:,} 人、seed={info.seed}）を生成: {info.out_dir}  [{sec.get('sample', 0):.1f} 秒]",
            f"1. Generated a sample shop ({info.customers:,} customers, seed={info.seed}): {info.out_dir}  [{sec.get('sample', 0):.1f} s]",
        ),
        highlight=False,
        soft_wrap=True,
    )
    counts = ", ".join(f"{t(*TABLE_LABELS[k])} {v:,}" for k, v in r.table_rows.items())
    imp = r.imported
    console.print(
        t(
            f"2. 取り込み: {counts}（隔離 {imp['quarantined']:,}、重複 {imp['duplicates']:,}）  [{sec.get('import', 0):.1f} 秒]",
            f"2. Imported: {counts} (quarantined {imp['quarantined']:,}, duplicates {imp['duplicates']:,})  [{sec.get('import', 0):.1f} s]",
        ),
        highlight=False,
        soft_wrap=True,
    )
    n = 3
    if r.analyzed:
        console.print(t(f"{n}. 分析しました  [{sec['analyze']:.1f} 秒]", f"{n}. Analysed  [{sec['analyze']:.1f} s]"), highlight=False, soft_wrap=True)
        n += 1
    if r.report is not None:
        console.print(t(f"{n}. レポート: {r.report}  [{sec['report']:.1f} 秒]", f"{n}. Report: {r.report}  [{sec['report']:.1f} s]"), highlight=False, soft_wrap=True)
    for step in r.skipped:
        console.print(t(f"（{step} はまだ使えないため省略しました）", f"({step} is not available yet; skipped)"), highlight=False, soft_wrap=True)
    console.print(t(f"ワークスペース: {r.workspace}", f"Workspace: {r.workspace}"), highlight=False, soft_wrap=True)
    if r.report is not None:
        console.print(t(f"レポート: {r.report}", f"Report: {r.report}"), highlight=False, soft_wrap=True)
    console.print(
        t(
            f"真のモデルパラメータ: {info.params_file}",
            f"True model parameters: {info.params_file}",
        ),
        highlight=False,
        soft_wrap=True,
    )
