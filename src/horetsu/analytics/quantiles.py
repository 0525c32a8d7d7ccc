"""Discrete quantiles that give the same answer on every engine.

The q-quantile of n values is the smallest value v such that at least q·n values
are <= v (``percentile_disc``).  We compute it from a histogram of distinct values
with a running count, comparing integers (``cum·m >= k·n`` for q = k/m), so no
floating-point rounding can move a cut point.

Global cut points over all customers would need one ordered window over the whole
table; on Spark that runs in a single partition, so there we use Spark's
``approx_percentile`` instead (exact while a column has fewer than ~10,000 values,
within 0.01% of rank beyond).  Grouped quantiles (per category, per SKU) are
partitioned and stay exact everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis

Fraction = tuple[int, int]  # (k, m) means the quantile k/m


def _histogram_quantiles(table: Any, keys: Sequence[str], col: str, fractions: Sequence[Fraction]) -> Any:
    t = table.filter(table[col].notnull())
    h = t.group_by([*keys, col]).aggregate(_n=ibis._.count())
    part = list(keys) if keys else None
    w = ibis.window(group_by=part, order_by=h[col], rows=(None, 0))
    h = h.mutate(_cum=h._n.sum().over(w), _tot=h._n.sum().over(ibis.window(group_by=part)))
    aggs = {
        f"q_{k}_{m}": h[col].min(where=h._cum * m >= h._tot * k) for k, m in fractions
    }
    if keys:
        return h.group_by(list(keys)).aggregate(**aggs)
    return h.aggregate(**aggs)


def grouped_quantiles(table: Any, keys: Sequence[str], col: str, fractions: Sequence[Fraction]) -> Any:
    """An expression: ``keys`` + one column ``q_k_m`` per fraction (exact, any engine)."""
    return _histogram_quantiles(table, keys, col, fractions)


def cut_points(ctx: Any, table: Any, col: str, fractions: Sequence[Fraction]) -> list[Any]:
    """Global discrete quantiles of ``table[col]`` as Python values (one query)."""
    if ctx.backend == "pyspark":
        t = table.filter(table[col].notnull())
        # approx_percentile takes rank ceil(q·n); nudge q down so q·n never rounds up.
        probs = [k / m - 1e-9 for k, m in fractions]
        expr = t.aggregate(**{f"q{i}": t[col].approx_quantile(p) for i, p in enumerate(probs)})
        row = expr.to_pyarrow().to_pylist()[0]
        values = [row[f"q{i}"] for i in range(len(probs))]
        kind = table[col].type()
        if kind.is_integer():
            values = [None if v is None else int(round(v)) for v in values]
        return values
    row = _histogram_quantiles(table, (), col, fractions).to_pyarrow().to_pylist()[0]
    return [row[f"q_{k}_{m}"] for k, m in fractions]


def cut_points_many(ctx: Any, table: Any, columns: Sequence[str], fractions: Sequence[Fraction]) -> dict[str, list[Any]]:
    """:func:`cut_points` for several columns in one query (one round trip instead of one per column)."""
    if ctx.backend == "pyspark":
        t = table
        probs = [k / m - 1e-9 for k, m in fractions]
        aggs = {
            f"{col}__{i}": t[col].approx_quantile(p)  # nulls are ignored
            for col in columns
            for i, p in enumerate(probs)
        }
        row = t.aggregate(**aggs).to_pyarrow().to_pylist()[0]
        out = {}
        for col in columns:
            values = [row[f"{col}__{i}"] for i in range(len(probs))]
            if table[col].type().is_integer():
                values = [None if v is None else int(round(v)) for v in values]
            out[col] = values
        return out
    parts = [
        _histogram_quantiles(table, (), col, fractions).rename(
            {f"{col}__q_{k}_{m}": f"q_{k}_{m}" for k, m in fractions}
        )
        for col in columns
    ]
    joined = parts[0]
    for p in parts[1:]:
        joined = joined.cross_join(p)
    row = joined.to_pyarrow().to_pylist()[0]
    return {col: [row[f"{col}__q_{k}_{m}"] for k, m in fractions] for col in columns}


def bucket(value: Any, cuts: Sequence[Any]) -> Any:
    """1 + the number of cut points strictly below ``value`` (1..len(cuts)+1), as int64."""
    score = ibis.literal(1, "int64")
    for c in cuts:
        if c is None:
            continue
        score = score + ibis.ifelse(value > ibis.literal(c), 1, 0).cast("int64")  # PostgreSQL: no bool→bigint cast
    return score
