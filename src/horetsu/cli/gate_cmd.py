"""``horetsu gate`` (split an audience for a tactic) and ``horetsu tactics`` (the catalogue)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from horetsu.cli.common import (
    AudienceOpt,
    SendDateOpt,
    WorkspaceOpt,
    check_request,
    console,
    fresh_results,
    progress,
    state,
    t,
)

def rule_table(counts: dict[str, int], title: str) -> Table:
    table = Table(title=title)
    table.add_column(t("ルール", "Rule"))
    table.add_column(t("人数", "Customers"), justify="right")
    for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(rule, f"{n:,}")
    return table


def register(app: typer.Typer) -> None:
    @app.command("gate")
    def gate(
        tactic: Annotated[str, typer.Option("--tactic", help="Tactic from the catalogue (see `horetsu tactics`): its id or its name, e.g. discount_coupon or 割引クーポン. / 施策名")],
        out: Annotated[Path, typer.Option("--out", help="Allowed customers CSV. / 実施してよい顧客のCSV")],
        blocked: Annotated[Path, typer.Option("--blocked", help="Blocked customers CSV (customer_id, stage, rule, reason). / 止めた顧客のCSV")],
        audience: AudienceOpt = None,
        as_of: SendDateOpt = None,
        override: Annotated[str | None, typer.Option("--override", help="Let blocked customers through; the reason is written to the audit log. / 理由を記録して上書き")] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """Refuse a tactic for customers at the wrong stage or moment. / 段階とタイミングに合わない施策を止めます。

        Example: horetsu gate --tactic discount_coupon --out allowed.csv --blocked blocked.csv
        """
        from horetsu.playbook.gate import gate as run_gate
        from horetsu.playbook.gate import write_gate_csv
        from horetsu.workspace import open_workspace

        ws = open_workspace(workspace)
        check_request(ws, tactic, audience)  # a typo fails before a long refresh
        fresh_results(ws, as_of)
        with progress(t("顧客の段階を判定しています", "Classifying customers")):
            result = run_gate(ws, tactic, audience=audience, as_of=as_of, override=override)
        write_gate_csv(result, out, blocked, lang=state.get_lang())
        let_through = result.n_blocked if result.overridden else 0  # with --override the blocked are in OUT too
        console.print(t(
            f"{result.as_of} 時点 施策 {result.tactic}: 実施可 {result.n_allowed - let_through:,} 人 / 停止 {result.n_blocked:,} 人"
            + ("（停止した人も上書きで実施可に含めました）" if let_through else ""),
            f"{result.tactic} as of {result.as_of}: {result.n_allowed - let_through:,} allowed, {result.n_blocked:,} blocked"
            + (" and let through by the override" if let_through else ""),
        ))
        if result.rule_counts:
            console.print(rule_table(result.rule_counts, t("停止の理由", "Blocked by rule")))
        if result.overridden and result.n_blocked:
            console.print(t(
                f"上書き: 停止対象 {result.n_blocked:,} 人も実施可に含めました。記録: {ws.audit_log}",
                f"Override: the {result.n_blocked:,} blocked customers are included in {out}; logged in {ws.audit_log}",
            ))
        console.print(t(f"出力: {out}, {blocked}", f"Wrote {out} and {blocked}"))

    @app.command("tactics")
    def tactics(
        stage: Annotated[str | None, typer.Option("--stage", help="Only tactics recommended or forbidden at this stage (observer or 観測). / 段階で絞り込み")] = None,
        workspace: WorkspaceOpt = None,
    ) -> None:
        """List the tactic catalogue and where each tactic is forbidden. / 施策カタログと禁止される段階を表示します。

        Example: horetsu tactics --stage observer
        """
        from horetsu.config import CONFIG_FILE, default_workspace_path
        from horetsu.playbook.policy import load_policy
        from horetsu.stages.policy import resolve_stage
        from horetsu.workspace import open_workspace

        root = workspace or default_workspace_path()
        policy = load_policy(open_workspace(root)) if (Path(root) / CONFIG_FILE).exists() else load_policy(None)
        if stage is not None:
            stage = resolve_stage(policy, stage)  # observer, Observer or 観測
        from horetsu.playbook.catalogue import catalogue

        lang = state.get_lang()
        table = Table(title=t("施策カタログ", "Tactic catalogue"))
        table.add_column(t("施策", "Tactic"), no_wrap=True, min_width=max(map(len, policy.tactics)))
        table.add_column(t("名前", "Name"))
        table.add_column(t("禁止される段階", "Forbidden at"))
        table.add_column(t("推奨される段階", "Recommended at"))

        def names(stages: list[str]) -> str:
            return ", ".join(policy.stage(s).ja if lang == "ja" else s for s in stages)

        for row in catalogue(policy=policy).to_pylist():
            if stage and stage not in row["forbidden_at"] + row["recommended_at"]:
                continue
            label = row["name_ja"] if lang == "ja" else row["name_en"]
            table.add_row(row["tactic"], label, names(row["forbidden_at"]), names(row["recommended_at"]))
        console.print(table)
