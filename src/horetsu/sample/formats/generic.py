"""The generic import layout: orders.csv, customers.csv, events.csv, subscriptions.csv (UTF-8)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from horetsu.sample.shop import Shop

FILES = ("customers.csv", "orders.csv", "subscriptions.csv", "events.csv")


def write_csv(table: pa.Table, path: Path) -> None:
    """UTF-8 CSV with a header; empty cells for missing values."""
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(include_header=True, batch_size=65536))


def write(shop: Shop, out_dir: Path) -> list[Path]:
    paths = []
    for name in FILES:
        path = out_dir / name
        write_csv(getattr(shop, name.removesuffix(".csv")), path)
        paths.append(path)
    return paths
