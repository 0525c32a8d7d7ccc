"""``horetsu plan check PLAN.toml``: check a campaign plan against the gate (for CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from horetsu.cli.common import WorkspaceOpt, console, fresh_results, progress, t

plan_app = typer.Typer(
    help="Campaign plans: check that no campaign reaches a customer a rule forbids. / キャンペーン計画\n\n"
    "Example: horetsu plan check campaigns.toml --workspace ./shop-data",
    no_args_is_help=True,
)


@plan_app.command("check")
def check(
    plan: Annotated[Path, typer.Argument(metavar="PLAN.toml", help="Plan TOML with [[campaign]] name, tactic, audience or segment, send_date. / 計画ファイル")],
    report: Annotated[Path | None, typer.Option("--report", help="Also write the result as JSON. / 結果のJSON")] = None,
    blocked_dir: Annotated[Path | None, typer.Option("--blocked-dir", help="Write each campaign's blocked customers as CSV here. / 停止者CSVの出力先")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Check every campaign; exit with code 8 if any would reach a forbidden customer. / 計画を検査します。

    Example: horetsu plan check campaigns/july.toml --report plan-check.json
    """
    from horetsu.errors import GateBlockedError
    from horetsu.playbook.plan import check_plan
    from horetsu.workspace import open_workspace

    ws = open_workspace(workspace)
    from horetsu.playbook.plan import load_plan
    from horetsu.playbook.policy import load_policy

    load_plan(plan, load_policy(ws))  # an invalid plan fails before a long refresh
    fresh_results(ws)
    with progress(t("計画を検査しています", "Checking the plan")) as bar:
        result = check_plan(ws, plan, progress=bar)
    table = Table(title=t(f"計画の検査: {plan}", f"Plan check: {plan}"))
    for head in (t("キャンペーン", "Campaign"), t("施策", "Tactic"), t("送付日", "Send date")):
        table.add_column(head)
    for head in (t("対象", "Audience"), t("実施可", "Allowed"), t("停止", "Blocked")):
        table.add_column(head, justify="right")
    table.add_column(t("停止の理由(ルール別)", "Blocked by rule"))
    for c in result.campaigns:
        rules = ", ".join(f"{k} {v:,}" for k, v in sorted(c.rules.items(), key=lambda kv: -kv[1]))
        table.add_row(c.name, c.tactic, c.send_date.isoformat(), f"{c.audience:,}", f"{c.allowed:,}",
                      f"{c.blocked:,}", rules)
    console.print(table)
    if report is not None:
        report.write_text(json.dumps(result.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")
    if blocked_dir is not None:
        blocked_dir.mkdir(parents=True, exist_ok=True)
        for i, c in enumerate(result.campaigns):
            if c.blocked_rows is not None and len(c.blocked_rows):
                c.blocked_rows[["customer_id", "stage", "rule", "reason"]].to_csv(
                    blocked_dir / f"campaign{i + 1:02d}_blocked.csv", index=False, encoding="utf-8")
    bad = [c for c in result.campaigns if c.blocked]
    if bad:
        total = sum(c.blocked for c in bad)
        raise GateBlockedError(
            f"{len(bad)} of {len(result.campaigns)} campaigns would reach {total:,} customers a rule forbids",
            ja=f"{len(result.campaigns)} 件中 {len(bad)} 件のキャンペーンが、ルールで禁止された顧客 {total:,} 人に届きます",
        )
    console.print(t("すべてのキャンペーンが検査を通過しました。", "Every campaign passes the gate."))


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")
