"""``horetsu import``: read shop exports into the workspace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from horetsu.cli.common import WorkspaceOpt, console, progress, t


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(
        files: Annotated[
            list[Path] | None,
            typer.Argument(help="Export files (CSV, TSV or Parquet). / 取り込むファイル", show_default=False),
        ] = None,
        preset: Annotated[
            str,
            typer.Option(
                "--preset",
                "-p",
                help="generic | shopify | rakuten | eccube | cdnow | amazon | a [import.mappings.NAME] of horetsu.toml. / 形式",
            ),
        ] = "generic",
        workspace: WorkspaceOpt = None,
        table: Annotated[
            str | None,
            typer.Option("--table", help="orders | customers | events | subscriptions (generic: detected when absent). / 取込先"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only. / JSON で出力")] = False,
        undo: Annotated[
            bool, typer.Option("--undo", help="Return to the generation before the last import. / 最後の取り込みを取り消す")
        ] = False,
        yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (--undo). / 確認しない")] = False,
    ) -> None:
        """Import shop exports; every row is accepted, quarantined or counted as a duplicate.
        / 受注・顧客データを取り込みます（全行が取込・隔離・重複のいずれかに数えられます）。

        Example: horetsu import orders.csv customers.csv --preset shopify --workspace ./shop-data

        Undo the last import (asks first; --yes skips the question): horetsu import --undo
        """
        from horetsu.config import default_workspace_path
        from horetsu.errors import InputFileError, MissingFileError
        from horetsu.io import import_files
        from horetsu.workspace import open_workspace

        root = Path(workspace) if workspace is not None else default_workspace_path()
        if undo:
            if files:
                raise InputFileError("--undo takes no files", ja="--undo にはファイルを指定しません")
            from horetsu.cli.history_cmd import undo_last

            undo_last(root, yes=yes, as_json=as_json)
            return
        if not files:
            raise InputFileError("no file given", ja="ファイルが指定されていません")
        for f in files:
            if not f.exists():
                raise MissingFileError(f"{f}: file not found", ja=f"{f}: ファイルが見つかりません")
        # a missing workspace is an error naming `horetsu init`, as for analyze (a typo in -w
        # must not silently create a new workspace)
        ws = open_workspace(root)
        with progress(t("取り込み中", "Importing")) as bar:
            result = import_files(ws, files, preset, table=table, progress=bar)
        data = result.to_dict()
        if as_json:
            typer.echo(json.dumps(data, ensure_ascii=False))
            return
        tab = Table(title=t("取り込み結果", "Import result"))
        tab.add_column(t("ファイル", "File"))
        tab.add_column(t("テーブル", "Table"))
        tab.add_column(t("文字コード", "Encoding"))
        for label in (t("読込", "Read"), t("取込", "Accepted"), t("隔離", "Quarantined"), t("重複", "Duplicates")):
            tab.add_column(label, justify="right")
        for f in data["files"]:
            counts = (f"{f[k]:,}" for k in ("read", "accepted", "quarantined", "duplicates"))
            tab.add_row(Path(f["file"]).name, f["table"], f["detected"].get("encoding", ""), *counts)
        totals = (f"{data[k]:,}" for k in ("read", "accepted", "quarantined", "duplicates"))
        tab.add_row(t("合計", "Total"), "", "", *totals)
        console.print(tab)
        for f in data["files"]:
            if f.get("quarantine_file"):
                console.print(t(f"隔離した行: {f['quarantine_file']}", f"Quarantined rows: {f['quarantine_file']}"))
        console.print(t(f"ワークスペース: {ws.path}", f"Workspace: {ws.path}"))
