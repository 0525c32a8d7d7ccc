"""The estimator contract shared by every model (scikit-learn style).

``__init__`` stores options only; ``fit`` validates, learns attributes that end in
``_`` (``params_``, ``log_likelihood_``, ``standard_errors_``...), keeps no reference
to the data and returns ``self``.  Using a model before ``fit`` raises
:class:`horetsu.errors.NotFittedError`.

Fitting maximises the log-likelihood over the logarithms of the parameters (so
they stay positive) with L-BFGS-B; standard errors come from a numerical Hessian
of the log-likelihood at the optimum (delta method back to the natural scale).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np
from scipy.optimize import minimize

from horetsu.errors import AnalysisError, ConvergenceError, NotFittedError

F = TypeVar("F", bound=Callable[..., Any])


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread for the duration (4-parameter problems gain nothing from threads,
    and idle OpenBLAS threads spin-waiting doubled the CPU time of a fit)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - declared dependency; keep working without it
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def blas_single_threaded(fn: F) -> F:
    """Decorator: run ``fn`` inside :func:`one_blas_thread`."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


#: above this many distinct rows, fitting starts from a subsample's optimum (see _fit_collapsed)
WARM_START_ROWS = 40_000
#: the share of the customers in the second, larger sample when the first one's start fails
LARGE_SAMPLE = 0.2
#: a first sample whose optimum has a standard error above this on the log scale (the estimate
#: uncertain by a factor e) cannot place Newton steps on the full data: a larger sample is used
SAMPLE_LOG_SE = 1.0
#: a Newton step that gains less log-likelihood than this while moving a log-parameter by more
#: than FLAT_MOVE is a step along a flat ridge; two in a row stop the fit there (see _set_fitted)
FLAT_GAIN = 0.01
FLAT_MOVE = 0.1

Objective = Callable[[np.ndarray], "tuple[float, np.ndarray | None]"]


class BaseModel:
    """Common plumbing: options, the fitted check, the optimiser, standard errors."""

    param_names: tuple[str, ...] = ()
    #: when Newton from the first sample fails, try a sample of LARGE_SAMPLE before fitting on
    #: all rows from the defaults (worth it where a full evaluation is dear: Pareto/NBD)
    _large_sample_restart: bool = False

    def __init__(self, *, init: Sequence[float] | None = None, tol: float = 1e-9, max_iter: int = 2000) -> None:
        self.init = init
        self.tol = tol
        self.max_iter = max_iter

    # ------------------------------------------------------------ contract
    def get_params(self) -> dict[str, Any]:
        """The options given to ``__init__`` (not the learned parameters)."""
        return {"init": self.init, "tol": self.tol, "max_iter": self.max_iter}

    def __repr__(self) -> str:
        learned = getattr(self, "params_", None)
        if learned is None:
            return f"{type(self).__name__}()"
        inner = ", ".join(f"{k}={v:.4g}" for k, v in learned.items())
        return f"{type(self).__name__}({inner})"

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: a learned attribute (params_,
        # log_likelihood_, ...) asked for before fit. NotFittedError is an AttributeError,
        # so hasattr() and getattr(..., default) keep working.
        if name.endswith("_") and not name.startswith("_"):
            cls = type(self).__name__
            raise NotFittedError(
                f"{cls}.{name} does not exist before fit; call {cls}().fit(...) first",
                ja=f"{cls}.{name} は fit の前にはありません。先に fit(...) を呼んでください",
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _check_fitted(self) -> dict[str, float]:
        params = getattr(self, "params_", None)
        if params is None:
            name = type(self).__name__
            raise NotFittedError(
                f"{name} is not fitted yet; call {name}().fit(...) first",
                ja=f"{name} はまだ推定されていません。先に fit(...) を呼んでください",
            )
        return params

    # ------------------------------------------------------------ fitting
    def _default_init(self) -> np.ndarray:
        return np.ones(len(self.param_names))

    def _optimise(self, objective: Objective, n_obs: float, start: Any = None) -> np.ndarray:
        """Minimise the mean negative log-likelihood over log-parameters; return natural params."""
        if start is None:
            start = self.init if self.init is not None else self._default_init()
        start = np.asarray(start, dtype=float)
        if start.shape != (len(self.param_names),) or np.any(start <= 0) or not np.all(np.isfinite(start)):
            raise ConvergenceError(
                f"init must be {len(self.param_names)} positive numbers ({', '.join(self.param_names)})",
                ja=f"init は正の数 {len(self.param_names)} 個 ({', '.join(self.param_names)}) にしてください",
            )
        scale = 1.0 / max(float(n_obs), 1.0)

        last: dict[str, Any] = {}

        def fun(theta: np.ndarray) -> Any:
            if np.any(np.abs(theta) > 30):  # exp(30) ~ 1e13: far outside any sensible region
                return np.inf, np.zeros_like(theta)
            value, grad = objective(theta)
            if not np.isfinite(value):
                return np.inf, np.zeros_like(theta)
            last.update(theta=theta.copy(), value=value, grad=np.asarray(grad))
            return value * scale, np.asarray(grad) * scale

        with np.errstate(all="ignore"):
            res = minimize(
                fun,
                np.log(start),
                jac=True,
                method="L-BFGS-B",
                bounds=[(-25.0, 25.0)] * len(start),
                options={"maxiter": self.max_iter, "ftol": self.tol * 1e-3, "gtol": 1e-7},
            )
        if not np.isfinite(res.fun) or (not res.success and "ABNORMAL" not in str(res.message)):
            self._raise_not_converged(str(res.message))
        theta = res.x
        if np.any(np.abs(theta) >= 24.9):
            self._raise_not_converged("a parameter ran to the edge of its range (the data cannot identify it)")
        self._theta_ = theta
        # the optimiser's last evaluation is usually at the optimum: reused for the Hessian
        self._last_eval_ = (last["value"], last["grad"]) if np.array_equal(last.get("theta"), theta) else None
        return np.exp(theta)

    def _raise_not_converged(self, why: str) -> None:
        name = type(self).__name__
        raise ConvergenceError(
            f"{name} did not converge ({why}). Try: more customers or a longer calibration period, "
            f"other starting values (init=...), a larger max_iter, or a simpler model "
            f"(BetaGeo instead of ParetoNBD).",
            ja=f"{name} の推定が収束しませんでした（{why}）。顧客数や観測期間を増やす、初期値 init=... を変える、"
            f"max_iter を増やす、より単純なモデル（ParetoNBD の代わりに BetaGeo）を試してください。",
        )

    def _hessian(self, objective: Objective) -> np.ndarray:
        """Hessian of the negative log-likelihood at ``_theta_`` (forward differences of the gradient)."""
        theta = self._theta_
        k = len(theta)
        eye = np.eye(k)
        h = 1e-5
        hess = np.empty((k, k))
        with np.errstate(all="ignore"):
            g0 = self._last_eval_[1] if self._last_eval_ is not None else np.asarray(objective(theta)[1])
            for i in range(k):
                hess[i] = (np.asarray(objective(theta + h * eye[i])[1]) - g0) / h
        return (hess + hess.T) / 2

    def _standard_errors(self, objective: Objective, hess: np.ndarray | None = None) -> dict[str, float]:
        """Standard errors from the numerical Hessian and the delta method (log → natural scale)."""
        try:
            cov_theta = np.linalg.inv(self._hessian(objective) if hess is None else hess)
        except np.linalg.LinAlgError:
            return {n: float("nan") for n in self.param_names}
        params = np.exp(self._theta_)
        var = np.diag(cov_theta) * params**2
        return {n: float(np.sqrt(v)) if v >= 0 else float("nan") for n, v in zip(self.param_names, var, strict=True)}

    def _fit_collapsed(self, c: Any) -> None:
        """Fit a purchase model on collapsed (frequency, recency, T) rows.

        With many distinct rows the model is first fitted on a random tenth-or-less of the
        customers; its optimum and Hessian then start Newton steps on all the data, which
        typically converge in three or four full evaluations instead of about twenty.
        """
        objective = self._objective(c)
        params = None
        self._flat_ = False
        if self.init is None and len(c.w) > WARM_START_ROWS:
            params = self._newton_from_sample(c, objective, WARM_START_ROWS / len(c.w), check=True)
            if params is None and self._large_sample_restart and LARGE_SAMPLE * len(c.w) > 2 * WARM_START_ROWS:
                # a flat likelihood (e.g. almost no dropout: a ridge along which the dropout
                # parameters trade off) whose small sample's optimum is far from the full data's:
                # a larger sample lands near enough for Newton steps on all the data
                params = self._newton_from_sample(c, objective, LARGE_SAMPLE, check=False)
        if params is None:
            params = self._optimise(objective, c.n_customers)
        params, hess = self._polish(objective, params)
        self._set_fitted(params, objective, c.n_customers, hess)
        self.n_distinct_ = len(c.w)

    def _newton_from_sample(self, c: Any, objective: Objective, fraction: float,
                            check: bool = False) -> np.ndarray | None:
        """Newton steps on the full data from a subsample's optimum; None when they do not settle.

        With ``check``, a sample that cannot identify its optimum (a standard error above
        SAMPLE_LOG_SE on the log scale) gives up at once rather than steering Newton steps.
        Steps that keep moving along a flat ridge (FLAT_GAIN, FLAT_MOVE) stop there and mark
        the fit ``_flat_``.
        """
        try:
            sub = c.thin(fraction)
            sub_objective = self._objective(sub)
            self._optimise(sub_objective, sub.n_customers)
            sub_hess = self._hessian(sub_objective)
            if check:
                with np.errstate(all="ignore"):
                    var = np.diag(np.linalg.inv(sub_hess))
                if not np.all(np.isfinite(var)) or np.any(var > SAMPLE_LOG_SE**2) or np.any(var < 0):
                    return None
            hess = sub_hess * (c.n_customers / sub.n_customers)
        except (ConvergenceError, AnalysisError, np.linalg.LinAlgError):
            return None
        theta = self._theta_
        flat_steps = 0
        with np.errstate(all="ignore"):
            value, grad = objective(theta)
            for _ in range(12):
                step = np.linalg.solve(hess, grad)
                if not np.all(np.isfinite(step)):
                    return None
                t = 1.0
                while True:
                    new_value, new_grad = objective(theta - t * step)
                    if np.isfinite(new_value) and new_value <= value + 1e-12 * abs(value):
                        break
                    t /= 4.0
                    if t < 1e-3:
                        return None
                new_grad = np.asarray(new_grad)
                # BFGS update: the subsample's Hessian is a good start but not the full data's
                # (strongly correlated parameters such as Pareto/NBD's s and beta), and plain
                # Newton steps with it converge only linearly
                d_theta, d_grad = -t * step, new_grad - grad
                curv = float(d_grad @ d_theta)
                if curv > 0:
                    h_d = hess @ d_theta
                    hess = hess - np.outer(h_d, h_d) / float(d_theta @ h_d) + np.outer(d_grad, d_grad) / curv
                d_value = new_value - value
                theta, value, grad = theta + d_theta, new_value, new_grad
                if np.max(np.abs(d_theta)) < 1e-7:
                    break
                flat_steps = flat_steps + 1 if (-d_value < FLAT_GAIN and np.max(np.abs(d_theta)) > FLAT_MOVE) else 0
                if flat_steps >= 2 and np.all(np.abs(theta) < 24.9):
                    self._flat_ = True
                    break
            else:
                # no step below 1e-7: accept only if the last steps no longer lower the value
                if abs(d_value) > 1e-13 * abs(value):
                    return None
        if np.any(np.abs(theta) >= 24.9):
            return None
        self._theta_ = theta
        self._last_eval_ = (value, grad)
        return np.exp(theta)

    def _polish(self, objective: Objective, params: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Full Newton steps with the Hessian the standard errors need anyway, while they still move
        the parameters (an optimiser that stopped on a flat valley floor short of the optimum)."""
        hess = None
        with np.errstate(all="ignore"):
            for _ in range(3):
                if self._last_eval_ is None:
                    self._last_eval_ = objective(self._theta_)
                hess = self._hessian(objective)
                if getattr(self, "_flat_", False):
                    break  # on a flat ridge: a step would only move on along it
                try:
                    step = np.linalg.solve(hess, np.asarray(self._last_eval_[1]))
                except np.linalg.LinAlgError:
                    break
                if not np.all(np.isfinite(step)) or np.max(np.abs(step)) < 1e-6:
                    break
                theta = self._theta_ - step
                value, grad = objective(theta)
                if not (np.isfinite(value) and value < self._last_eval_[0]) or np.any(np.abs(theta) >= 24.9):
                    break
                self._theta_, self._last_eval_ = theta, (value, np.asarray(grad))
                hess = None
        if hess is None:
            return np.exp(self._theta_), None
        return np.exp(self._theta_), hess

    def _set_fitted(self, params: np.ndarray, objective: Objective, n_obs: float,
                    hess: np.ndarray | None = None) -> None:
        self.params_ = {n: float(v) for n, v in zip(self.param_names, params, strict=True)}
        value = self._last_eval_[0] if self._last_eval_ is not None else objective(self._theta_)[0]
        self.log_likelihood_ = float(-value)
        self.standard_errors_ = self._standard_errors(objective, hess)
        # parameters the data do not pin down: a standard error larger than the estimate (or
        # none: a singular Hessian), e.g. Pareto/NBD's s and beta when almost nobody drops out
        self.not_identified_ = tuple(
            n for n in self.param_names
            if not np.isfinite(self.standard_errors_[n]) or self.standard_errors_[n] > abs(self.params_[n])
        )
        self.flat_ridge_ = bool(getattr(self, "_flat_", False))
        self.n_customers_ = float(n_obs)
        del self._theta_
        del self._last_eval_
        self.__dict__.pop("_flat_", None)
