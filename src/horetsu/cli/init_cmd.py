"""``horetsu init``: create a workspace."""

from __future__ import annotations

import typer

from horetsu.cli.common import WorkspaceOpt, console, t


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init(workspace: WorkspaceOpt = None) -> None:
        """Create a workspace folder with horetsu.toml. / ワークスペースを作成します。

        Example: horetsu init --workspace ./shop-data
        """
        from horetsu.workspace import init_workspace

        ws = init_workspace(workspace)
        from horetsu.mail.sequences import install_defaults

        install_defaults(ws)  # the default step-mail sequences (never overwrites the shop's own)
        console.print(t(f"ワークスペースを用意しました: {ws.path}", f"Workspace ready: {ws.path}"))
