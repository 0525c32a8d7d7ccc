"""Shared CLI plumbing: language, console, workspace option, progress bars."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from horetsu.config import detect_lang


class _State:
    lang: str = ""

    def get_lang(self) -> str:
        return self.lang or detect_lang()


state = _State()
console = Console()
err_console = Console(stderr=True)

#: width used when the output is not a terminal and COLUMNS is unset (pipes, files, CI logs):
#: wide enough that tables are never cut or wrapped at Rich's fallback of 80 columns
PIPE_WIDTH = 4000


def fit_consoles() -> None:
    """Choose the console widths for this call: COLUMNS when set, the terminal's own width
    on a terminal, else :data:`PIPE_WIDTH` (a table written to a file stays whole)."""
    columns = os.environ.get("COLUMNS", "")
    for c in (console, err_console):
        if columns.isdigit() and int(columns) > 0:
            c.width = int(columns)
        elif c.is_terminal:
            c.width = None  # type: ignore[assignment]  # Rich measures the terminal again
        else:
            c.width = PIPE_WIDTH


def t(ja: str, en: str) -> str:
    """Pick the Japanese or English text according to ``--lang``."""
    return ja if state.get_lang() == "ja" else en


WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (default ./horetsu-data or $HORETSU_WORKSPACE). / ワークスペース",
        show_default=False,
    ),
]

AudienceOpt = Annotated[
    Path | None,
    typer.Option("--audience", help="CSV with a customer_id column (default: every customer). / 対象者CSV"),
]

SendDateOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Send date YYYY-MM-DD (default: the latest day in the data). / 送付日"),
]

EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="Ibis connection URL (default: embedded DuckDB). / 実行エンジン"),
]


@contextlib.contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields (progress, task_id) as a small helper object."""
    with Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}" if total else ""),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,  # no stray blank line in logs and pipes
    ) as prog:
        task = prog.add_task(description, total=total)

        class _Bar:
            def advance(self, n: float = 1) -> None:
                prog.advance(task, n)

            def update(self, **kw: Any) -> None:
                prog.update(task, **kw)

        yield _Bar()


def say(en: str, ja: str) -> None:
    """One line on stderr in the chosen language (notices such as a results refresh)."""
    from rich.markup import escape

    err_console.print(escape(t(ja, en)), highlight=False, soft_wrap=True)


def fresh_results(ws: Any, as_of: Any = None) -> Any:
    """The workspace's results, refreshed first (with a progress bar) when missing or stale."""
    from horetsu.pipeline import ensure

    with progress(t("分析結果を更新中…", "Refreshing the analysis results…")) as bar:
        return ensure(ws, as_of=as_of, progress=bar, say=say)


def check_request(ws: Any, tactic: str, audience: Any = None) -> None:
    """Fail early on an unknown tactic or a missing audience file (before results are refreshed)."""
    from horetsu.playbook.gate import read_audience
    from horetsu.playbook.rules import resolve_tactic
    from horetsu.playbook.policy import load_policy

    resolve_tactic(load_policy(ws), tactic)
    if audience is not None:
        read_audience(audience)
