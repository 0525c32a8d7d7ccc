"""Build a platform export table from a header list and the columns we fill."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def as_text(values) -> pa.Array:
    """Any array-like as Arrow strings (integers without decimals)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values))
    return values if pa.types.is_string(values.type) else values.cast(pa.string())


def build(headers: Sequence[str], columns: Mapping[str, object], n: int) -> pa.Table:
    """All ``headers`` in order; unfilled columns are empty (as the platforms leave them)."""
    unknown = set(columns) - set(headers)
    if unknown:  # a header renamed upstream must not silently drop our data
        raise KeyError(f"not in the export layout: {sorted(unknown)}")
    empty = pa.nulls(n, pa.string())
    arrays = [as_text(columns[h]) if h in columns else empty for h in headers]
    return pa.Table.from_arrays(arrays, names=list(headers))


def const(value: str, n: int) -> pa.Array:
    return pa.array(np.full(n, value))


def blank_unless(values: pa.Array, keep) -> pa.Array:
    keep = pa.array(np.asarray(keep, dtype=bool))
    return pc.if_else(keep, as_text(values), pa.nulls(len(keep), pa.string()))
