"""``horetsu sample``: write the export files of a simulated shop."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from horetsu.cli.common import console, progress, state, t

LangOpt = Annotated[str | None, typer.Option("--lang", help="ja | en (default: from the locale). / 表示言語")]


def set_lang(lang: str | None) -> None:
    if lang in ("ja", "en"):
        state.lang = lang
    elif lang:
        raise typer.BadParameter("--lang must be ja or en / --lang は ja か en です")

STEP_LABELS = {
    "customers": ("顧客を生成", "customers"),
    "orders": ("注文と定期購入を生成", "orders and subscriptions"),
    "events": ("接点イベントを生成", "events"),
    "tables": ("表を組み立て", "building tables"),
    "write": ("ファイルに書き込み", "writing files"),
    "done": ("完了", "done"),
}


def describe_params(params: dict) -> str:
    """One line with the true parameters, e.g. for the terminal."""
    bg, gg, sbg = params["bgnbd"], params["gamma_gamma"], params["sbg"]
    return (
        f"BG/NBD r={bg['r']:g} alpha={bg['alpha']:g} a={bg['a']:g} b={bg['b']:g} "
        + t("（週単位）", "(per week)")
        + f" · Gamma-Gamma p={gg['p']:g} q={gg['q']:g} gamma={gg['gamma']:g}"
        + f" · sBG alpha={sbg['alpha']:g} beta={sbg['beta']:g}"
    )


def run_sample(out: Path, customers: int, seed: int, fmt: str):
    """Generate with a progress bar; shared by ``sample`` and ``demo``."""
    from horetsu.sample import generate

    with progress(t("サンプルショップを生成", "Generating the sample shop"), total=5) as bar:

        def report(label: str, done: int, total: int) -> None:
            ja, en = STEP_LABELS.get(label, (label, label))
            bar.update(completed=done, description=t(f"サンプル: {ja}", f"Sample: {en}"))

        return generate(out, customers=customers, seed=seed, fmt=fmt, progress=report)


def register(app: typer.Typer) -> None:
    @app.command("sample")
    def sample(
        customers: Annotated[int, typer.Option("--customers", "-n", help="Number of customers (leads included). / 顧客数")] = 20000,
        seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same files. / 乱数シード")] = 0,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder. / 出力先フォルダ")] = Path("sample-shop"),
        fmt: Annotated[
            str, typer.Option("--format", help="generic | shopify | rakuten (export layout). / 出力形式")
        ] = "generic",
        lang: LangOpt = None,
    ) -> None:
        """Write the export files of a simulated Japanese D2C shop. / 架空の通販ショップのデータを書き出します。

        Health foods and cosmetics, three and a half years ending 2026-09-30, with
        known true model parameters (written to sample_params.json).

        Example: horetsu sample --customers 20000 --seed 1 --out ./sample-shop --format generic
        """
        set_lang(lang)
        info = run_sample(out, customers, seed, fmt)
        console.print(
            t(
                f"サンプルショップ（{info.customers:,} 人、seed={info.seed}、形式 {info.fmt}）を {info.out_dir} に書き出しました:",
                f"Wrote a sample shop ({info.customers:,} customers, seed={info.seed}, format {info.fmt}) to {info.out_dir}:",
            ),
            highlight=False,
            soft_wrap=True,
        )
        for path in info.files:
            console.print(f"  {path}", highlight=False, soft_wrap=True)
        console.print(
            t(f"  真のパラメータ: {info.params_file}", f"  true parameters: {info.params_file}"), highlight=False, soft_wrap=True
        )
        console.print(f"  {describe_params(info.params)}", highlight=False, soft_wrap=True)
        if info.fmt == "generic":
            console.print(
                t("取り込み: ", "Import with: ")
                + f"horetsu import {' '.join(str(p) for p in info.files)} --preset generic",
                highlight=False,
                soft_wrap=True,
            )
