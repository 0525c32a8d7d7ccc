"""``horetsu export``: allowed audiences for Shopify, Klaviyo or a LINE-friendly list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from horetsu.cli.common import (
    AudienceOpt,
    SendDateOpt,
    WorkspaceOpt,
    check_request,
    console,
    fresh_results,
    progress,
    t,
)


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        tactic: Annotated[str, typer.Option("--tactic", help="Tactic the audience is for (its id or name, e.g. 割引クーポン); the gate runs first. / 施策名")],
        fmt: Annotated[str, typer.Option("--format", help="shopify | klaviyo | line. / 出力形式")],
        out: Annotated[Path, typer.Option("--out", help="Output CSV. / 出力ファイル")],
        audience: AudienceOpt = None,
        as_of: SendDateOpt = None,
        encoding: Annotated[str, typer.Option("--encoding", help="utf-8 | utf-8-sig (Excel) | cp932. / 文字コード")] = "utf-8",
        override: Annotated[str | None, typer.Option("--override", help="Include blocked customers; the reason is logged. / 理由を記録して上書き")] = None,
        record: Annotated[bool, typer.Option("--record", help="Record a message_sent event per exported customer, so that frequency caps count this send. / 送付を記録")] = False,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Export the customers a tactic may reach. / 施策を届けてよい顧客だけを書き出します。

        Example: horetsu export --tactic follow_up_email --format line --encoding cp932 --out line.csv
        """
        from horetsu.playbook.exports import export_audience
        from horetsu.playbook.gate import gate as run_gate
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace)
        check_request(ws, tactic, audience)  # a typo fails before a long refresh
        fresh_results(ws, as_of)
        with progress(t("ゲートを通しています", "Running the gate")):
            result = run_gate(ws, tactic, audience=audience, as_of=as_of, override=override)
            written = export_audience(ws, result, fmt, out, encoding=encoding)
            if record:
                from horetsu.playbook.exports import record_sends

                record_sends(ws, written.customer_ids, result.tactic, result.as_of)
        console.print(t(
            f"{written.rows:,} 人を書き出しました ({written.fmt}, {written.encoding}): {out}",
            f"Exported {written.rows:,} customers ({written.fmt}, {written.encoding}) to {out}",
        ))
        if result.n_blocked and not result.overridden:
            console.print(t(f"ゲートで {result.n_blocked:,} 人を除外しました。", f"The gate kept out {result.n_blocked:,} customers."))
        if written.skipped_no_consent or written.skipped_no_contact:
            console.print(t(
                f"配信同意なし {written.skipped_no_consent:,} 人、連絡先なし {written.skipped_no_contact:,} 人を除外しました。",
                f"Left out {written.skipped_no_consent:,} without consent and {written.skipped_no_contact:,} without a contact.",
            ))
        if record:
            console.print(t(f"送付記録を {written.rows:,} 件追加しました(events: message_sent)。",
                            f"Recorded {written.rows:,} sends (events: message_sent)."))
        if written.replaced_characters:
            console.print(t(
                f"CP932 で表せない文字 {written.replaced_characters:,} 字を ? に置き換えました。",
                f"{written.replaced_characters:,} characters CP932 cannot encode were replaced by ?.",
            ))
