"""The generic import layout: orders.csv, customers.csv, events.csv, subscriptions.csv (UTF-8)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from horetsu.sample.shop import Shop

FILES = ("customers.csv", "orders.csv", "subscriptions.csv", "events.csv")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """Write to a temporary name and rename at the end: a killed run leaves no half file."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_csv(table: pa.Table, path: Path) -> None:
    """UTF-8 CSV with a header; empty cells for missing values."""
    with replacing(path) as tmp:
        pacsv.write_csv(table, tmp, write_options=pacsv.WriteOptions(include_header=True, batch_size=65536))


def write(shop: Shop, out_dir: Path) -> list[Path]:
    paths = []
    for name in FILES:
        path = out_dir / name
        write_csv(getattr(shop, name.removesuffix(".csv")), path)
        paths.append(path)
    return paths
