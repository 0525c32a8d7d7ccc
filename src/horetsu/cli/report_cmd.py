"""``horetsu report``: write the offline HTML report of a workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from horetsu.cli.common import WorkspaceOpt, console, progress, say, state, t


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(
        workspace: WorkspaceOpt = None,
        as_of: Annotated[
            str | None,
            typer.Option("--as-of", help="Date of the analysis, YYYY-MM-DD (default: the last order). / 基準日"),
        ] = None,
        lang: Annotated[
            str | None, typer.Option("--lang", help="ja | en (default: from the locale). / レポートの言語")
        ] = None,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help=r"HTML file to write (default: WORKSPACE/reports/report-\<lang\>.html). / 出力先"),
        ] = None,
    ) -> None:
        """Write one self-contained HTML report that opens offline. / オフラインで開ける HTML レポートを作成します。

        Runs the analysis first when the workspace has no results yet.

        Example: horetsu report --workspace ./shop-data --lang ja --out report.html
        """
        from horetsu.errors import ConfigError
        from horetsu.report import build_report
        from horetsu.workspace import open_workspace

        if lang is not None:
            if lang not in ("ja", "en"):
                raise ConfigError("--lang must be ja or en", ja="--lang は ja か en です")
            state.lang = lang
        ws = open_workspace(workspace)
        # --lang here, then `horetsu --lang`, then the workspace setting, then the locale
        chosen = lang or state.lang or ws.settings.lang or state.get_lang()
        with progress(t("レポートを作成中…", "Building the report…"), total=1) as bar:
            path = build_report(ws, lang=chosen, out=out, as_of=as_of, progress=bar, say=say)
        console.print(t(f"レポートを書き出しました: {path}", f"Report written: {path}"), highlight=False, soft_wrap=True)
