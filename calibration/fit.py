"""Calibration: global search, local polish, uncertainty, fit report and result file.

1. ``scipy.optimize.differential_evolution`` with ``vectorized=True``: each generation
   is one ensemble run of the whole population of candidates (``updating="deferred"``).
2. ``scipy.optimize.least_squares`` polishes the best candidate on the weighted
   residuals; its Jacobian is one ensemble run of the forward differences.
3. Approximate 95 % intervals from the Jacobian at the optimum:
   cov = s² (JᵀJ)⁻¹, s² = SSR / (n − k), t quantile with n − k degrees of freedom; a
   parameter whose interval is wider than its plausible range, or which sits on a
   bound with no curvature, is flagged as not identified.

References
----------
Storn, R. and Price, K. (1997), Differential evolution, J. Global Optim. 11, 341-359.
Sterman, J. D. (1984), Appropriate summary statistics for evaluating the historical fit
of system dynamics models, Dynamica 10(2), 51-66.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import optimize, stats

from anshan_housing.calibration.objective import CALIBRATION_YEARS, CalibrationSetup, Objective
from anshan_housing.calibration.statistics import FitStatistics, fit_statistics
from anshan_housing.model.engine import START_YEAR, simulate
from anshan_housing.model.io import write_atomic
from anshan_housing.model.parameters import ParameterTable

JACOBIAN_STEP = 1e-4  # forward-difference step, as a share of each parameter's range
IDENTIFIED_WIDTH = 1.0  # an interval wider than this share of the range: not identified
SENSITIVE = 1e-3  # |d residual| over the whole range above this: the point informs it


@dataclass
class CalibrationResult:
    """Fitted values and everything reported about the fit."""

    values: dict[str, float]
    objective: float
    start_objective: float
    global_objective: float
    seed: int
    years: tuple[int, int]
    runs: int
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    identified: dict[str, bool] = field(default_factory=dict)
    points: dict[str, int] = field(default_factory=dict)
    correlation: np.ndarray | None = None
    free: tuple[str, ...] = ()


def generation_callback(progress: Callable[[int, float], None] | None):
    """A differential-evolution callback reporting ``progress(generation, best)``."""
    generation = 0

    def callback(intermediate_result):
        nonlocal generation
        generation += 1
        if progress is not None:
            progress(generation, float(intermediate_result.fun))

    return callback


def bounds_of(table: ParameterTable, names: tuple[str, ...]) -> np.ndarray:
    """Lower and upper bounds of the free parameters, shape (free, 2)."""
    return np.array([[table[n].lower, table[n].upper] for n in names], dtype=float)


def ensemble_jacobian(objective: Objective, x: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Forward-difference Jacobian of the residuals, one ensemble run (point, free)."""
    span = bounds[:, 1] - bounds[:, 0]
    step = JACOBIAN_STEP * span
    step = np.where(x + step > bounds[:, 1], -step, step)  # stay inside the bounds
    candidates = np.vstack([x, x + np.diag(step)])
    residuals = objective.residuals(candidates)
    return ((residuals[1:] - residuals[0]) / step[:, None]).T


def calibrate(
    table: ParameterTable,
    setup: CalibrationSetup,
    base: Mapping[str, float],
    *,
    seed: int = 0,
    maxiter: int = 80,
    popsize: int = 10,
    years: tuple[int, int] = CALIBRATION_YEARS,
    polish: bool = True,
    progress: Callable[[int, float], None] | None = None,
) -> CalibrationResult:
    """Fit the free parameters to the observed series of ``years``.

    Parameters
    ----------
    table : ParameterTable
        Bounds of the free parameters.
    setup : CalibrationSetup
        Free parameters and fitted series.
    base : mapping of str to float
        Values of all parameters; the free ones give the uncalibrated start.
    seed : int
        Seed of the differential evolution (reproducible).
    maxiter, popsize : int
        Generations and population size factor of the differential evolution.
    years : tuple of int
        Calibration years (inclusive).
    polish : bool
        Run the least-squares polish and the uncertainty analysis.
    progress : callable, optional
        Called after each generation as ``progress(generation, best_objective)``.
    """
    objective = Objective(setup, base, years=years)
    bounds = bounds_of(table, setup.free)
    start_objective = float(objective(objective.start()[None, :])[0])
    callback = generation_callback(progress)
    found = optimize.differential_evolution(
        lambda x: objective(x.T),
        bounds,
        seed=seed,
        maxiter=maxiter,
        popsize=popsize,
        tol=1e-8,
        init="latinhypercube",
        polish=False,
        vectorized=True,
        updating="deferred",
        callback=callback,
    )
    x = found.x
    result = CalibrationResult(
        values={}, objective=float(found.fun), start_objective=start_objective,
        global_objective=float(found.fun), seed=seed, years=years, runs=0,
        free=setup.free,
    )  # fmt: skip
    if polish:
        local = optimize.least_squares(
            lambda v: objective.residuals(v[None, :])[0],
            x,
            jac=lambda v: ensemble_jacobian(objective, v, bounds),
            bounds=(bounds[:, 0], bounds[:, 1]),
            x_scale=bounds[:, 1] - bounds[:, 0],
        )
        if 2 * local.cost < found.fun:
            x = local.x
            result.objective = float(2 * local.cost)
        uncertainty(result, objective, x, bounds)
    result.values = {name: float(v) for name, v in zip(setup.free, x, strict=True)}
    result.runs = objective.runs
    return result


def uncertainty(
    result: CalibrationResult, objective: Objective, x: np.ndarray, bounds: np.ndarray
) -> None:
    """Approximate 95 % intervals, identification flags, correlations, informing points."""
    jac = ensemble_jacobian(objective, x, bounds)
    residuals = objective.residuals(x[None, :])[0]
    n, k = jac.shape
    dof = max(n - k, 1)
    s2 = float(residuals @ residuals) / dof
    cov = s2 * np.linalg.pinv(jac.T @ jac)
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    half = stats.t.ppf(0.975, dof) * sd
    span = bounds[:, 1] - bounds[:, 0]
    informing = np.abs(jac) * span[None, :] > SENSITIVE
    # a parameter no data point responds to has no interval: the pseudo-inverse gives
    # it a zero variance, which must not read as a sharp estimate
    seen = informing.any(axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        corr = cov / np.outer(sd, sd)
    corr = np.where(np.outer(seen, seen), np.nan_to_num(corr, nan=0.0), 0.0)
    result.correlation = np.clip(corr, -1.0, 1.0)
    for j, name in enumerate(result.free):
        result.intervals[name] = (float(x[j] - half[j]), float(x[j] + half[j]))
        identified = sd[j] > 0 and 2 * half[j] < IDENTIFIED_WIDTH * span[j]
        result.identified[name] = bool(identified and seen[j])
        result.points[name] = int(informing[:, j].sum())


def fit_table(
    ds, setup: CalibrationSetup, observed, years: tuple[int, int] = CALIBRATION_YEARS
) -> dict[str, FitStatistics]:
    """Fit statistics of member 0 of ``ds`` for every fitted series (observed name -> stats)."""
    table = {}
    for spec in setup.series:
        series = observed[spec.observed].sel(year=slice(*years))
        keep = np.isfinite(series.values)
        if not keep.any():
            continue
        obs_years = series["year"].values[keep]
        model = ds[spec.model].values[0, obs_years - START_YEAR]
        table[spec.observed] = fit_statistics(model, series.values[keep])
    return table


def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_toml(data: Mapping[str, Mapping], prefix: str = "") -> str:
    """Write nested tables of scalars, strings and lists as TOML text."""
    lines = []
    for table, entries in data.items():
        name = f"{prefix}{table}"
        scalars = {k: v for k, v in entries.items() if not isinstance(v, Mapping)}
        if scalars or not entries:
            lines.append(f"[{name}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in scalars.items()]
            lines.append("")
        tables = {k: v for k, v in entries.items() if isinstance(v, Mapping)}
        if tables:
            lines.append(to_toml(tables, prefix=f"{name}."))
    return "\n".join(lines)


def save_result(
    result: CalibrationResult,
    statistics: Mapping[str, FitStatistics],
    path: str | Path,
    setup: CalibrationSetup,
    basis: str = "plan",
) -> None:
    """Write the result file (``[values]`` is what ``--params`` reads), atomically.

    ``basis`` is the population basis the fit ran on (recorded in ``[meta]``).
    """
    data = {
        "meta": {
            "note": "written by `anshan-housing calibrate --out`; [values] override "
            "model/parameters.toml",
            "date": _dt.date.today().isoformat(),
            "setup": Path(setup.source).name,
            "population_basis": basis,
            "seed": result.seed,
            "years": list(result.years),
            "model_runs": result.runs,
        },
        "values": result.values,
        "fit": {
            "objective": result.objective,
            "objective_start": result.start_objective,
            "objective_global_search": result.global_objective,
        },
        "statistics": {
            series: {"n": st.n, "mape": st.mape, "r2": st.r2, "um": st.um, "us": st.us, "uc": st.uc}
            for series, st in statistics.items()
        },  # fmt: skip
        "uncertainty": {
            name: {
                "low95": result.intervals[name][0],
                "high95": result.intervals[name][1],
                "identified": result.identified[name],
                "data_points": result.points[name],
            }
            for name in result.intervals
        },
    }
    text = to_toml(data)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@dataclass(frozen=True)
class HoldoutError:
    """Error of a 2019 prediction from a fit on the earlier years."""

    series: str
    observed: float
    predicted: float

    @property
    def relative(self) -> float:
        """Relative error of the prediction (1)."""
        return self.predicted / self.observed - 1.0


def out_of_sample(
    table: ParameterTable,
    setup: CalibrationSetup,
    base: Mapping[str, float],
    observed,
    *,
    seed: int = 0,
    maxiter: int = 80,
    popsize: int = 10,
    fit_years: tuple[int, int] = (2016, 2018),
    predict_year: int = 2019,
) -> tuple[CalibrationResult, list[HoldoutError]]:
    """Calibrate on ``fit_years`` and compare the prediction of ``predict_year``."""
    result = calibrate(table, setup, base, seed=seed, maxiter=maxiter, popsize=popsize,
                       years=fit_years, polish=True)  # fmt: skip
    ds = simulate({**base, **result.values}, end_year=predict_year, monthly=(), record_age=False)
    errors = []
    for spec in setup.series:
        value = observed[spec.observed].sel(year=predict_year).item()
        if np.isfinite(value):
            predicted = float(ds[spec.model].values[0, predict_year - START_YEAR])
            errors.append(HoldoutError(spec.observed, value, predicted))
    return result, errors
