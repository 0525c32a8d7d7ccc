"""The estimator contract every model keeps (scikit-learn style)."""

from __future__ import annotations

import numpy as np
import pytest

from horetsu.errors import AnalysisError, ConvergenceError, NotFittedError
from horetsu.models import BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNBD, ShiftedBetaGeometric

SURVIVORS = [1000, 631, 468, 382, 326, 289, 262, 241]


def _fit_args(model, s):
    if isinstance(model, GammaGamma):
        return (s["frequency"], s["monetary"])
    if isinstance(model, ShiftedBetaGeometric):
        return (SURVIVORS,)
    if isinstance(model, BetaGeoBetaBinom):  # a discrete-time history: (x, t_x) after 6 opportunities
        return ([0, 1, 1, 2, 2, 3, 4, 6], [0, 1, 5, 2, 6, 6, 5, 6], [6] * 8, [3000, 1000, 200, 600, 250, 300, 250, 1200])
    return (s["frequency"], s["recency"], s["T"])


def _predict(model):
    if isinstance(model, GammaGamma):
        return model.expected_spend(2, 30.0)
    if isinstance(model, ShiftedBetaGeometric):
        return model.survival(3)
    if isinstance(model, BetaGeoBetaBinom):
        return model.p_alive(2, 3, 6)
    return model.p_alive(2, 30.43, 38.86)


MODELS = [BetaGeo, ModifiedBetaGeo, ParetoNBD, GammaGamma, ShiftedBetaGeometric, BetaGeoBetaBinom]


@pytest.mark.parametrize("cls", MODELS)
def test_estimator_contract(cls, cdnow_summary):
    model = cls(tol=1e-9)
    assert set(vars(model)) == {"init", "tol", "max_iter"}  # __init__ stores options only
    with pytest.raises(NotFittedError):
        _predict(model)
    with pytest.raises(AttributeError):  # NotFittedError is also an AttributeError
        _predict(model)
    for learned in ("params_", "log_likelihood_", "standard_errors_"):
        with pytest.raises(NotFittedError, match="fit"):
            getattr(model, learned)
    assert not hasattr(model, "params_")
    import horetsu.models

    assert horetsu.models.NotFittedError is NotFittedError
    fitted = model.fit(*_fit_args(model, cdnow_summary))
    assert fitted is model
    assert set(model.params_) == set(cls.param_names)
    assert set(model.standard_errors_) == set(cls.param_names)
    assert np.isfinite(model.log_likelihood_)
    learned = set(vars(model)) - {"init", "tol", "max_iter"}
    assert learned and all(name.endswith("_") for name in learned)
    # the model keeps no reference to the data
    assert not any(isinstance(v, np.ndarray) and v.size > 10 for v in vars(model).values())
    assert np.all(np.isfinite(_predict(model)))
    assert cls.__name__ in repr(model)


def test_not_fitted_message_is_bilingual():
    with pytest.raises(NotFittedError) as info:
        BetaGeo().p_alive(1, 1, 2)
    assert "fit" in info.value.message("en")
    assert "推定されていません" in info.value.message("ja")


def test_convergence_error_says_what_to_try(cdnow_summary):
    s = cdnow_summary
    with pytest.raises(ConvergenceError) as info:
        BetaGeo(max_iter=2).fit(s["frequency"], s["recency"], s["T"])
    msg = info.value.message("en")
    assert "Try" in msg and "init" in msg and "max_iter" in msg
    assert "収束しませんでした" in info.value.message("ja")
    with pytest.raises(ConvergenceError):
        BetaGeo(init=[1, -1, 1, 1]).fit(s["frequency"], s["recency"], s["T"])


def test_invalid_summaries_are_refused():
    with pytest.raises(AnalysisError, match="recency must be 0"):
        BetaGeo().fit([0, 1], [1.0, 1.0], [5.0, 5.0])
    with pytest.raises(AnalysisError, match="between 0 and T"):
        BetaGeo().fit([2], [6.0], [5.0])
    with pytest.raises(AnalysisError, match="whole numbers"):
        ParetoNBD().fit([1.5], [1.0], [5.0])
    with pytest.raises(AnalysisError, match="missing"):
        BetaGeo().fit([1, np.nan], [1.0, 0.0], [5.0, 5.0])
    with pytest.raises(AnalysisError, match="never increase"):
        ShiftedBetaGeometric().fit([100, 120, 90])
    with pytest.raises(AnalysisError, match="repeat buyers"):
        GammaGamma().fit([0, 0, 1], [0.0, 0.0, 5.0])


@pytest.mark.parametrize("cls", [BetaGeo, ModifiedBetaGeo, ParetoNBD])
def test_predictions_are_vectorised_over_customers_and_t(cls, cdnow_summary):
    s = cdnow_summary
    m = cls().fit(s["frequency"], s["recency"], s["T"])
    x, t_x, T = np.array([0, 2, 7]), np.array([0, 30.43, 35.0]), np.array([38.86, 38.86, 38.0])
    ts = np.array([[1.0], [13.0], [52.0]])
    grid = m.expected_purchases(ts, x, t_x, T)
    assert grid.shape == (3, 3)
    for i, t in enumerate(ts[:, 0]):
        for j in range(3):
            assert grid[i, j] == pytest.approx(float(m.expected_purchases(t, x[j], t_x[j], T[j])), rel=1e-12)
    assert np.all(np.diff(grid, axis=0) > 0)
    new = m.expected_purchases_new(ts[:, 0])
    assert new.shape == (3,) and np.all(np.diff(new) > 0)
    # a new customer is a customer with no history observed for no time
    assert new[1] == pytest.approx(float(m.expected_purchases(13.0, 0, 0, 0)), rel=1e-9)
    pa = m.p_alive(x, t_x, T)
    assert pa.shape == (3,) and np.all((pa > 0) & (pa <= 1))
    if cls is BetaGeo:
        assert pa[0] == 1.0  # BG/NBD: without a repeat purchase there was no chance to drop out
    # buying recently keeps a customer alive: same x and T, later last purchase -> higher P(alive)
    assert m.p_alive(3, 35.0, 38.86) > m.p_alive(3, 5.0, 38.86)
