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
        files: Annotated[list[Path], typer.Argument(help="Export files (CSV, TSV or Parquet). / 取り込むファイル", show_default=False)],
        preset: Annotated[
            str,
            typer.Option(
                "--preset",
                "-p",
                help="generic | shopify | rakuten | eccube | cdnow | a [import.mappings.NAME] of horetsu.toml. / 形式",
            ),
        ] = "generic",
        workspace: WorkspaceOpt = None,
        table: Annotated[
            str | None,
            typer.Option("--table", help="orders | customers | events | subscriptions (generic: detected when absent). / 取込先"),
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object only. / JSON で出力")] = False,
    ) -> None:
        """Import shop exports; every row is accepted, quarantined or counted as a duplicate.
        / 受注・顧客データを取り込みます（全行が取込・隔離・重複のいずれかに数えられます）。

        Example: horetsu import orders.csv customers.csv --preset shopify --workspace ./shop-data
        """
        from horetsu.config import default_workspace_path
        from horetsu.errors import HoretsuError, MissingFileError
        from horetsu.io import import_files
        from horetsu.workspace import open_workspace

        root = Path(workspace) if workspace is not None else default_workspace_path()
        for f in files:
            if not f.exists():
                raise MissingFileError(f"{f}: file not found", ja=f"{f}: ファイルが見つかりません")
        created = None
        # a missing workspace is an error naming `horetsu init`, as for analyze (a typo in -w
        # must not silently create a new workspace)
        ws = open_workspace(root)
        try:
            with progress(t("取り込み中", "Importing")) as bar:
                result = import_files(ws, files, preset, table=table, progress=bar)
        except HoretsuError:
            _undo_init(root, created)  # a failed first import leaves no half-made workspace behind
            raise
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


def _undo_init(root: Path, created: str | None) -> None:
    import shutil

    if created == "folder":
        shutil.rmtree(root, ignore_errors=True)
    elif created == "contents":
        for child in root.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
