"""Small vectorised helpers shared by the simulator (no loops over rows)."""

from __future__ import annotations

import numpy as np

from horetsu.sample.params import END_EPOCH, START_EPOCH, WEEK_SECONDS


def choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with the given probabilities (inverse CDF, vectorised)."""
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(weights) - 1)


def segment_starts(counts: np.ndarray) -> np.ndarray:
    """Offset of each segment in a flat array built with ``np.repeat(..., counts)``."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def rank_in_segment(owner: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """0, 1, 2... within each run of equal ``owner`` (owner sorted, built by repeat)."""
    return np.arange(len(owner), dtype=np.int64) - segment_starts(counts)[owner]


def to_epoch(weeks: np.ndarray) -> np.ndarray:
    """Weeks since START -> Unix seconds (int64), clipped to the window."""
    sec = START_EPOCH + np.floor(np.asarray(weeks, dtype=float) * WEEK_SECONDS).astype(np.int64)
    return np.clip(sec, START_EPOCH, END_EPOCH)


def pick_in_groups(
    rng: np.random.Generator, group: np.ndarray, members_by_group: list[np.ndarray]
) -> np.ndarray:
    """For each row, a uniformly chosen member of its group (groups are small lists)."""
    sizes = np.array([len(m) for m in members_by_group], dtype=np.int64)
    flat = np.concatenate(members_by_group)
    starts = segment_starts(sizes)
    k = np.floor(rng.random(len(group)) * sizes[group]).astype(np.int64)
    return flat[starts[group] + k]
