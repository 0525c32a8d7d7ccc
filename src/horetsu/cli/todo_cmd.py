"""``horetsu todo``: a to-do list a person can open (Excel or CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from horetsu.cli.common import WorkspaceOpt, console, progress, state, t


def register(app: typer.Typer) -> None:
    @app.command("todo")
    def todo(
        out: Annotated[Path, typer.Option("--out", help="FILE.xlsx or FILE.csv (UTF-8 with BOM, for Excel). / 出力ファイル")],
        date: Annotated[
            str | None,
            typer.Option("--date", help="Day of the list, YYYY-MM-DD (default and only choice: the day of the stored results). / 基準日"),
        ] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Write per customer the next action, its reason and what not to do now, most valuable first.
        / 顧客ごとに次の一手・理由・今は控えることを、価値の高い順に書き出します。

        Reads the results of `horetsu analyze`; "what not to do now" runs the gate once per tactic.

        Example: horetsu todo --out todo.xlsx --workspace ./shop-data --lang ja
        """
        from horetsu.playbook.todo import todo_path, todo_table, write_todo
        from horetsu.workspace import open_workspace

        todo_path(out)  # a wrong file type fails before any work
        ws = open_workspace(workspace)
        lang = state.get_lang()
        with progress(t("やることリストを作成中", "Building the to-do list")):
            frame = todo_table(ws, date, lang=lang)
            path = write_todo(frame, out)
        console.print(t(f"{len(frame):,} 人分のやることリストを書き出しました: {path}",
                        f"Wrote the to-do list for {len(frame):,} customers: {path}"), highlight=False)
