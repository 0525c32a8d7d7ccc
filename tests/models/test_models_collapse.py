"""Collapsing customers into distinct rows: continuous times skip the hashing, same likelihood."""

from __future__ import annotations

import numpy as np
import pytest

from horetsu.models import BetaGeo, ParetoNBD
from horetsu.models import _suffstats
from horetsu.models._suffstats import _codes_unless_all_distinct, collapse


def _customers(n, seed, repeat=1):
    rng = np.random.default_rng(seed)
    big_t = np.repeat(rng.uniform(26.0, 39.0, n // repeat), repeat)
    x = rng.poisson(1.5, len(big_t)).astype(float)
    t_x = np.where(x > 0, big_t * rng.uniform(0.0, 1.0, len(big_t)), 0.0)
    return x, t_x, big_t


def test_values_that_repeat_are_still_found():
    _, _, big_t = _customers(200_000, 1, repeat=2)  # every T twice: the sample sees repeats
    values, index = _codes_unless_all_distinct(big_t)
    assert len(values) == 100_000 and np.array_equal(values[index], big_t)


def test_continuous_values_are_one_per_row():
    _, _, big_t = _customers(200_000, 2)
    values, index = _codes_unless_all_distinct(big_t)
    assert np.array_equal(index, np.arange(len(big_t))) and np.array_equal(values, big_t)


@pytest.mark.parametrize("cls", [BetaGeo, ParetoNBD])
def test_the_likelihood_does_not_depend_on_the_shortcut(cls, monkeypatch):
    x, t_x, big_t = _customers(100_000, 3)
    quick = collapse(x, t_x, big_t)
    monkeypatch.setattr(_suffstats, "DISTINCT_SAMPLE", 10**9)  # the sample check off: every value hashed
    hashed = collapse(x, t_x, big_t)
    assert quick.n_customers == hashed.n_customers == 100_000
    for theta in (np.log([0.25, 4.4, 0.8, 2.4]), np.log([1.0, 2.0, 3.0, 4.0])):
        a, b = cls()._objective(quick)(theta), cls()._objective(hashed)(theta)
        assert a[0] == pytest.approx(b[0], rel=1e-12)
        assert np.allclose(a[1], b[1], rtol=1e-9)
