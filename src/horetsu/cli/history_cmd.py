"""``horetsu history`` and ``horetsu rollback GEN``: the kept generations of the tables, and going back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from horetsu.cli.common import WorkspaceOpt, console, t


def _open(workspace: Path | None) -> Any:
    from horetsu.workspace import open_workspace

    return open_workspace(workspace)


def _label(r: dict[str, Any]) -> str:
    return str(r["seq"]) if r.get("seq") is not None else r["name"]


def _what(r: dict[str, Any]) -> str:
    by = r.get("by") or ""
    if by == "import":
        files = ", ".join(r.get("files") or [])
        return t(f"取り込み（{r.get('preset', '')}）: {files}", f"import ({r.get('preset', '')}): {files}")
    return {"init": t("作成", "created"), "write": t("書き込み", "write"), "unrecorded": t("記録なし", "not recorded"),
            "nps answer": t("NPS の回答", "NPS answer"), "recorded sends": t("送信の記録", "recorded sends")}.get(
        by, by
    )


def _confirm(question: str, yes: bool) -> None:
    if yes:
        return
    if not typer.confirm(question, default=False):
        console.print(t("中止しました。何も変更していません。", "Cancelled; nothing changed."))
        raise typer.Exit(1)


def _done(info: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, default=str))
        return
    console.print(t(f"ワークスペースを世代 {info['to']} に戻しました（元: {info['from']}）。",
                    f"The workspace is back at generation {info['to']} (was {info['from']})."))  # fmt: skip
    for e in info["undone"]:
        console.print(t(f"  取り消した取り込み: {Path(str(e.get('file'))).name}（{e.get('accepted', 0)} 行）",
                        f"  undone import: {Path(str(e.get('file'))).name} ({e.get('accepted', 0)} rows)"))  # fmt: skip
    if info.get("results_stale"):
        console.print(t("分析結果は戻す前のデータのものです。`horetsu analyze` を実行し直してください。",
                        "The analysis results were made from the data before this change; run `horetsu analyze` again."))  # fmt: skip


def undo_last(workspace: Path | None, *, yes: bool, as_json: bool) -> None:
    """``horetsu import --undo``: back to the generation before the last import."""
    from horetsu.io.history import rollback, undo_target

    ws = _open(workspace)
    target, chain = undo_target(ws)
    files = [f for r in chain if r.get("by") == "import" for f in (r.get("files") or [])]
    _confirm(t(f"最後の取り込み（{', '.join(files)}）を取り消して世代 {target} に戻しますか?",
               f"Undo the last import ({', '.join(files)}) and return to generation {target}?"), yes)  # fmt: skip
    _done(rollback(ws, target), as_json)


def register(app: typer.Typer) -> None:
    @app.command("history")
    def history(
        workspace: WorkspaceOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON array only. / JSON で出力")] = False,
    ) -> None:
        """List the kept generations of the tables (newest last); `rollback GEN` returns to one.
        / 残っているテーブルの世代を一覧します（`rollback GEN` で戻せます）。

        Example: horetsu history --workspace ./shop-data
        """
        gens = _open(workspace).generations()
        if as_json:
            typer.echo(json.dumps(gens, ensure_ascii=False, default=str))
            return
        tab = Table(title=t("世代", "Generations"))
        for label in (t("世代", "Gen"), t("作成日時 (UTC)", "Created (UTC)"), t("内容", "What"), t("取込行", "Rows"), ""):
            tab.add_column(label)
        for r in gens:
            tab.add_row(_label(r), str(r.get("at") or ""), _what(r), str(r.get("accepted", "")),
                        t("← 現在", "← current") if r["current"] else "")  # fmt: skip
        console.print(tab)

    @app.command("rollback")
    def rollback_(
        gen: Annotated[str, typer.Argument(help="Generation number from `horetsu history`. / 世代番号", show_default=False)],
        workspace: WorkspaceOpt = None,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation. / 確認しない")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only. / JSON で出力")] = False,
    ) -> None:
        """Point the workspace at a kept generation (see `horetsu history`); later ones stay, so it can be redone.
        / ワークスペースを残っている世代に戻します（新しい世代も残るのでやり直せます）。

        Example: horetsu rollback 3 --workspace ./shop-data --yes
        """
        from horetsu.io.history import resolve, rollback

        ws = _open(workspace)
        name = resolve(ws, gen)
        _confirm(t(f"ワークスペースを世代 {name} に戻しますか?", f"Return the workspace to generation {name}?"), yes)
        _done(rollback(ws, name), as_json)
