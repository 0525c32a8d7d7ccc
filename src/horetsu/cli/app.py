"""The Typer application and the error boundary.

Every command lives in its own module with a ``register(app)`` function.  Any
:class:`horetsu.errors.HoretsuError` that escapes a command becomes one line on
stderr (in the chosen language) and the error's exit code; no traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer
from rich.markup import escape

from horetsu import __version__
from horetsu.cli.common import err_console, fit_consoles, state
from horetsu.errors import ConfigError, HoretsuError

COMMAND_MODULES = (
    "init_cmd",
    "import_cmd",
    "sample_cmd",
    "analyze_cmd",
    "report_cmd",
    "gate_cmd",
    "plan_cmd",
    "export_cmd",
    "demo_cmd",
    "history_cmd",
    "nps_cmd",
    "todo_cmd",
    "diagnose_cmd",
    "serve_cmd",
    "user_cmd",
    "mail_cmd",
)

app = typer.Typer(
    name="horetsu",
    help="horetsu (惚れ通): where every customer relationship stands on its time axis.\n\n"
    "顧客ごとの時間軸で、関係がいまどこにあり、次に何をし、何をしてはいけないかを示します。",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",  # not "rich": [import.mappings.NAME] in help must stay literal
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"horetsu {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    lang: Annotated[
        str | None, typer.Option("--lang", help="ja | en (default: from the locale). / 表示言語")
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    if lang:
        if lang not in ("ja", "en"):
            raise typer.BadParameter("--lang must be ja or en / --lang は ja か en です")
        state.lang = lang


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"horetsu.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command group not written yet
        if _exc.name != f"horetsu.cli.{_name}":
            raise
        continue
    _mod.register(app)


def _take_lang(args: list[str]) -> list[str]:
    """Honour ``--lang ja|en`` wherever it stands (before or after the command).

    The value is stored in :data:`state` and the option removed, so every command
    accepts it without declaring it; commands read ``state.get_lang()``.
    """
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--":
            out.extend(args[i:])
            break
        if arg == "--lang" and i + 1 < len(args):
            value, i = args[i + 1], i + 2
        elif arg.startswith("--lang="):
            value, i = arg.split("=", 1)[1], i + 1
        else:
            out.append(arg)
            i += 1
            continue
        if value not in ("ja", "en"):
            raise ConfigError(f"--lang must be ja or en, not {value!r}", ja=f"--lang は ja か en です（{value!r} は使えません）")
        state.lang = value
    return out


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the process exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    state.lang = ""  # each call starts from the locale (matters when called in-process)
    fit_consoles()
    try:
        args = _take_lang(args)
    except ConfigError as exc:
        err_console.print(f"Error: {escape(exc.message('en'))} / {escape(exc.message('ja'))}", highlight=False,
                          soft_wrap=True)
        return exc.exit_code
    try:
        app(args=args, prog_name="horetsu")
    except SystemExit as exc:  # Typer/Click exit (usage errors print their own message)
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except HoretsuError as exc:
        lang = state.get_lang()
        head = "エラー" if lang == "ja" else "Error"
        # escape: messages name TOML keys like [analysis.lapse_days], which Rich would eat
        err_console.print(f"[bold red]{head}:[/] {escape(exc.message(lang))}", highlight=False, soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err_console.print("Interrupted. / 中断しました。")
        return 130
    return 0


def run() -> None:
    """Console-script wrapper that exits with :func:`main`'s code."""
    raise SystemExit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
