"""Build a platform export table from a header list and the columns we fill.

Per-order and per-customer text is spread over the line rows as Arrow dictionary
arrays (row indices into the per-order values), so no string is copied before the
CSV writer decodes it; small vocabularies are dictionary arrays too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa


def as_arrow(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(np.asarray(values))


def build(headers: Sequence[str], columns: Mapping[str, object], n: int) -> pa.Table:
    """All ``headers`` in order; unfilled columns are empty (as the platforms leave them)."""
    unknown = set(columns) - set(headers)
    if unknown:  # a header renamed upstream must not silently drop our data
        raise KeyError(f"not in the export layout: {sorted(unknown)}")
    empty = pa.nulls(n, pa.string())
    arrays = [as_arrow(columns[h]) if h in columns else empty for h in headers]
    return pa.Table.from_arrays(arrays, names=list(headers))


def const(value: str, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def choose(choices: Sequence[str], idx: np.ndarray) -> pa.DictionaryArray:
    """Text from a small vocabulary by code."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(idx, dtype=np.int32)), pa.array(list(choices), pa.string()))


def spread(values, index: np.ndarray, keep: np.ndarray | None = None) -> pa.Array:
    """``values[index]`` for every output row, empty where ``keep`` is False."""
    mask = None if keep is None else ~np.asarray(keep, dtype=bool)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iufb":
        return pa.array(values[index], mask=mask)
    arr = as_arrow(values)
    if pa.types.is_dictionary(arr.type):
        codes = arr.indices.to_numpy(zero_copy_only=False)[index]
        dictionary = arr.dictionary
    else:
        codes, dictionary = index, arr
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int64), mask=mask), dictionary)


def blank_unless(values, keep: np.ndarray) -> pa.Array:
    """``values`` row by row, empty where ``keep`` is False."""
    return spread(values, np.arange(len(keep)), keep)

