"""``horetsu mail``: step mails (plan, preview, run, status, suppress, lint)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from horetsu.cli.common import WorkspaceOpt, console, t

NowOpt = Annotated[str | None, typer.Option("--now", help="The clock for every decision (Asia/Tokyo unless an offset is given), e.g. 2026-10-01T10:00. / 判定に使う時刻")]


def register(app: typer.Typer) -> None:
    mail = typer.Typer(help="Step mails on each customer's own time axis. / ステップメール", no_args_is_help=True)
    app.add_typer(mail, name="mail")

    @mail.command("plan")
    def plan_cmd(now: NowOpt = None, workspace: WorkspaceOpt = None) -> None:
        """What would be enqueued now: counts per sequence and step, blocked by rule. / 配信予定を表示します。

        Example: horetsu mail plan --now 2026-10-01T10:00
        """
        from horetsu.mail.clock import parse_now
        from horetsu.mail.planner import plan
        from horetsu.mail.worker import mail_settings
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace)
        p = plan(ws, parse_now(now), quiet_end=mail_settings(ws).quiet_end)
        table = Table(title=t("配信予定", "Due now"))
        for col in (t("シーケンス", "Sequence"), t("ステップ", "Step"), t("状態・ルール", "Status / rule")):
            table.add_column(col)
        table.add_column(t("人数", "Customers"), justify="right")
        for (seq, step, status), n in sorted(p.counts.items()):
            table.add_row(seq, str(step), status, f"{n:,}")
        console.print(table)

    @mail.command("preview")
    def preview(
        sequence: Annotated[str, typer.Argument(help="Sequence name (file name without .toml). / シーケンス名")],
        step: Annotated[int, typer.Argument(help="Step number, from 1. / ステップ番号")],
        customer: Annotated[str, typer.Option("--customer", help="Customer id. / 顧客ID")],
        now: NowOpt = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Show one step rendered for one customer. / 1通を表示します。

        Example: horetsu mail preview first_purchase 1 --customer C0000002
        """
        from horetsu.mail.preview import preview as make

        console.print(make(workspace, sequence, step, customer, now), markup=False, highlight=False, soft_wrap=True)

    @mail.command("run")
    def run_cmd(
        now: NowOpt = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Plan only; enqueue and send nothing. / 送信しない")] = False,
        limit: Annotated[int | None, typer.Option("--limit", help="Send at most N messages. / 送信上限")] = None,
        loop: Annotated[bool, typer.Option("--loop", help="Run again every --every seconds until stopped. / 繰り返し実行")] = False,
        every: Annotated[float, typer.Option("--every", help="Seconds between runs with --loop. / 間隔(秒)")] = 300.0,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Enqueue what is due and send it. / 期日の来たステップを送信します。

        Example: horetsu mail run --now 2026-10-01T10:00 --limit 500
        """
        from horetsu.mail.worker import run, run_loop
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace)
        if loop:
            run_loop(ws, every_seconds=every, limit=limit)
            return
        r = run(ws, now, dry_run=dry_run, limit=limit)
        due = sum(n for (_, _, s), n in r.planned.items() if s == "due")
        console.print(t(f"{r.now.isoformat()}: 期日 {due:,} 件、新規登録 {r.enqueued:,} 件",
                        f"{r.now.isoformat()}: {due:,} due, {r.enqueued:,} newly enqueued"))
        if r.quiet:
            console.print(t("配信停止時間帯のため送信しませんでした", "Quiet hours: nothing sent"))
        for key, n in sorted(r.outcomes.items()):
            console.print(f"  {key}: {n:,}")
        if r.outcomes:
            console.print(t(f"送信処理 {r.send_seconds:.2f} 秒 (CPU {r.send_cpu_seconds:.2f} 秒)",
                            f"send phase {r.send_seconds:.2f} s (CPU {r.send_cpu_seconds:.2f} s)"))

    @mail.command("status")
    def status_cmd(workspace: WorkspaceOpt = None) -> None:
        """Sent, skipped by reason, and each sequence against its holdout. / 配信結果と効果を表示します。

        Example: horetsu mail status
        """
        import math

        from horetsu.mail.measure import status
        from horetsu.workspace import open_workspace

        s = status(open_workspace(workspace))
        table = Table(title=t("ステップ別", "Per step"))
        for col in (t("シーケンス", "Sequence"), t("ステップ", "Step"), t("状態", "State"), t("理由", "Reason"), t("件数", "Count")):
            table.add_column(col)
        for r in s["steps"].to_pylist():
            table.add_row(r["sequence"], str(r["step"]), r["state"], r["reason"] or "", f"{r['n']:,}")
        console.print(table)
        table = Table(title=t(f"ステップ別の結果(開封は計測したメールのみ、購入は送信後{s['days']}日以内)",
                              f"Per step (opens only where tracked; purchases within {s['days']} days of the send)"))
        for col in (t("シーケンス", "Sequence"), t("ステップ", "Step"), t("送信", "Sent"), t("開封", "Opened"),
                    t("購入", "Purchased")):
            table.add_column(col)
        for r in s["step_results"]:
            opened = t("不明", "unknown") if r["opened"] is None else f"{r['opened']:,} / {r['tracked']:,}"
            table.add_row(r["sequence"], str(r["step"]), f"{r['sent']:,}", opened, f"{r['purchased']:,}")
        console.print(table)
        table = Table(title=t(f"効果({s['days']}日以内の購入、対照群との差)", f"Effect (purchase within {s['days']} days, against the holdout)"))
        for col in (t("シーケンス", "Sequence"), t("配信", "Reached"), t("購入率", "Rate"), t("対照群", "Holdout"),
                    t("対照群購入率", "Holdout rate"), t("差 [95%CI]", "Uplift [95% CI]"), t("増分購入", "Incremental")):
            table.add_column(col)
        for r in s["sequences"]:
            rate = lambda x, n: f"{x / n:.1%}" if n else "-"  # noqa: E731
            up = "-" if math.isnan(r["uplift"]) else f"{r['uplift']:+.1%} [{r['ci_low']:+.1%}, {r['ci_high']:+.1%}]"
            inc = "-" if math.isnan(r["incremental"]) else f"{r['incremental']:+.1f}"
            table.add_row(r["sequence"], f"{r['reached']:,}", rate(r["reached_bought"], r["reached"]), f"{r['holdout']:,}",
                          rate(r["holdout_bought"], r["holdout"]), up, inc)
        console.print(table)

    @mail.command("suppress")
    def suppress_cmd(
        email: Annotated[str, typer.Argument(help="Address that must receive nothing more. / 配信停止するアドレス")],
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Stop all further step mails to an address. / アドレスを配信停止にします。

        Example: horetsu mail suppress hanako@example.jp
        """
        from horetsu.mail.consent import suppress
        from horetsu.workspace import open_workspace

        new = suppress(open_workspace(workspace), email, reason="manual", source="horetsu mail suppress")
        console.print(t("配信停止にしました" if new else "すでに配信停止です", "Suppressed" if new else "Already suppressed"))

    @mail.command("lint")
    def lint_cmd(workspace: WorkspaceOpt = None) -> None:
        """Prove that no step can reach a customer a rule forbids at its send time. / ルール違反の検査

        Example: horetsu mail lint
        """
        from horetsu.errors import GateBlockedError
        from horetsu.mail.lint import lint
        from horetsu.workspace import open_workspace

        findings = lint(open_workspace(workspace))
        for f in findings:
            console.print(t(f.message_ja, f.message_en) + f"  [{f.rule}]", markup=False)
        if findings:
            raise GateBlockedError(f"{len(findings)} step(s) can reach customers a rule forbids",
                                   ja=f"ルールで禁止された顧客に届き得るステップが {len(findings)} 件あります")
        console.print(t("すべてのステップがルールを満たしています", "Every step passes every rule"))
