"""``generate``: simulate the shop and write its export files plus the true parameters."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from horetsu.errors import ConfigError, InputFileError
from horetsu.sample.params import TrueParams

FORMATS = ("generic", "shopify", "rakuten")
PARAMS_FILE = "sample_params.json"
TRUTH_FILE = "sample_truth.parquet"
STEPS = ("customers", "orders", "events", "tables", "write")

# progress: a callable progress(label, done, total), called once per step, or a bar
# object with update(total=..., completed=...) like the other parts of horetsu take.
ProgressFn = Callable[[str, int, int], None]


@dataclasses.dataclass(frozen=True)
class SampleInfo:
    """What ``generate`` wrote."""

    out_dir: Path
    fmt: str
    customers: int
    seed: int
    files: list[Path]  # the export files, ready for ``horetsu import``
    rows: dict[str, int]  # rows per generic table (customers, orders, subscriptions, events)
    params: dict[str, Any]  # the true parameters of the simulated processes
    params_file: Path
    truth_file: Path  # per-customer latent values (for model tests; not an export)


def generate(
    out_dir: Any,
    customers: int = 20000,
    seed: int = 0,
    fmt: str = "generic",
    progress: ProgressFn | Any = None,
    params: TrueParams | None = None,
) -> SampleInfo:
    """Write the export files of a simulated Japanese D2C shop to ``out_dir``.

    The same ``customers``, ``seed`` and ``fmt`` always give the same bytes.
    """
    if fmt not in FORMATS:
        raise ConfigError(
            f"unknown sample format {fmt!r} (use one of: {', '.join(FORMATS)})",
            ja=f"サンプルの形式 {fmt!r} は使えません（{', '.join(FORMATS)} のいずれか）",
        )
    if not isinstance(customers, int) or customers < 1:
        raise ConfigError(
            f"--customers must be a positive whole number, got {customers!r}",
            ja=f"--customers には正の整数を指定してください（{customers!r}）",
        )
    if not isinstance(seed, int) or seed < 0:
        raise ConfigError(
            f"--seed must be a whole number >= 0, got {seed!r}",
            ja=f"--seed には 0 以上の整数を指定してください（{seed!r}）",
        )
    params = params or TrueParams()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise InputFileError(f"{out} is not a folder", ja=f"{out} はフォルダではありません")
    out.mkdir(parents=True, exist_ok=True)

    def step(label: str) -> None:
        _report(progress, label, STEPS.index(label), len(STEPS))

    from horetsu.sample.formats.generic import replacing
    from horetsu.sample.shop import simulate

    shop = simulate(customers, seed, params, progress=step)
    step("write")
    files = _writer(fmt)(shop, out)
    params_dict = params.to_dict()
    params_dict["customers"] = customers
    params_dict["seed"] = seed
    params_file = out / PARAMS_FILE
    with replacing(params_file) as tmp:
        tmp.write_text(json.dumps(params_dict, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    truth_file = out / TRUTH_FILE
    with replacing(truth_file) as tmp:
        pq.write_table(shop.truth, tmp, compression="zstd")
    _report(progress, "done", len(STEPS), len(STEPS))
    rows = {name: getattr(shop, name).num_rows for name in ("customers", "orders", "subscriptions", "events")}
    return SampleInfo(out, fmt, customers, seed, files, rows, params_dict, params_file, truth_file)


def _report(progress: Any, label: str, done: int, total: int) -> None:
    if progress is None:
        return
    if hasattr(progress, "update"):
        progress.update(total=total, completed=done)
    else:
        progress(label, done, total)


def _writer(fmt: str) -> Callable:
    if fmt == "generic":
        from horetsu.sample.formats.generic import write
    elif fmt == "shopify":
        from horetsu.sample.formats.shopify import write
    else:
        from horetsu.sample.formats.rakuten import write
    return write
