"""User-defined presets: ``[import.mappings.NAME]`` in horetsu.toml maps any CSV to a table.

Example::

    [import.mappings.mycart]
    table = "orders"                 # orders | customers | events | subscriptions
    columns = { order_id = "受注ID", customer_id = "顧客番号", ordered_at = "受注日", amount = "請求額" }
    # delimiter = ","                # optional; detected when absent
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from pydantic import Field

from horetsu.config import StrictModel
from horetsu.errors import ConfigError
from horetsu.io.presets import generic
from horetsu.io.presets.base import Columns, Parsed
from horetsu.io.reader import Source, read_source


class Mapping(StrictModel):
    table: str = "orders"
    columns: dict[str, str] = Field(default_factory=dict)
    delimiter: str | None = None


def make_preset(name: str, raw: Any, ws: Any) -> Any:
    from horetsu.io.presets.registry import Preset

    m = ws.section(f"import.mappings.{name}", Mapping)
    if m.table not in generic.REQUIRED:
        raise ConfigError(
            f"{ws.config_path}: [import.mappings.{name}] table must be one of {', '.join(generic.REQUIRED)}",
            ja=f"{ws.config_path}: [import.mappings.{name}] の table は {', '.join(generic.REQUIRED)} のいずれかです",
        )
    unknown = [c for c in m.columns if c not in generic.ALIASES[m.table]]
    if unknown:
        raise ConfigError(
            f"{ws.config_path}: [import.mappings.{name}.columns] unknown field(s): {', '.join(unknown)}",
            ja=f"{ws.config_path}: [import.mappings.{name}.columns] に不明な項目があります: {', '.join(unknown)}",
        )

    def read(path: Path) -> Source:
        return read_source(path, delimiter=m.delimiter)

    def parse(source: Source, table: str | None = None) -> Parsed:
        aliases = {canon: (src,) for canon, src in m.columns.items()}
        cols = Columns(source, aliases, exact=True)
        shown = {c: f"{m.columns.get(c, c)} ({c})" for c in generic.REQUIRED[m.table]}
        cols.require(generic.REQUIRED[m.table], table=m.table, shown=shown)
        fn = {"orders": generic.parse_orders, "customers": generic.parse_customers,
              "events": generic.parse_events, "subscriptions": generic.parse_subscriptions}[m.table]  # fmt: skip
        return fn(source, cols, name)

    return Preset(name, read, partial(parse))
