"""``horetsu serve``: the shop's web app (login, dashboard, customers, campaign checker)."""

from __future__ import annotations

from typing import Annotated

import typer

from horetsu.cli.common import WorkspaceOpt, console, err_console, t


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        workspace: WorkspaceOpt = None,
        host: Annotated[str, typer.Option("--host", help="Address to listen on. / 待ち受けるアドレス")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on. / ポート番号", min=1, max=65535)] = 8000,
    ) -> None:
        """Run the web app with a production server (waitress). / Web アプリを起動します。

        Users log in at http://HOST:PORT/login; create the first one with `horetsu user add`.
        The operational database (users, sessions, audit log) is WORKSPACE/ops.sqlite3, or
        PostgreSQL when [server] database_url or HORETSU_DATABASE_URL is set.

        Example: horetsu serve --workspace ./shop-data --host 127.0.0.1 --port 8000
        """
        from horetsu.web import server
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace)

        def ready() -> None:
            if server.user_count() == 0:
                err_console.print(t(
                    "ユーザーがまだいません。最初のユーザーを作成してください:\n"
                    f"  horetsu user add you@example.jp --role owner --workspace {ws.path}",
                    "There is no user yet. Create the first one with:\n"
                    f"  horetsu user add you@example.jp --role owner --workspace {ws.path}",
                ), highlight=False, soft_wrap=True)
            shown = f"[{host}]" if ":" in host else host
            console.print(t(f"horetsu を起動しました: http://{shown}:{port}/ （Ctrl+C で終了）",
                            f"horetsu is serving on http://{shown}:{port}/ (Ctrl+C to stop)"),
                          highlight=False, soft_wrap=True)

        server.serve(ws, host, port, on_ready=ready)
