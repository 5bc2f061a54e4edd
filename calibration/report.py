"""What `anshan-housing calibrate` reports: the fit of a parameter set, as data and text.

`fit_report` simulates a parameter set and measures its fit to every observed series
of the set-up, plus the 2019 resident population; the formatters turn that, and a
calibration result's intervals, into the terminal tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from anshan_housing.calibration.fit import CalibrationResult, HoldoutError, fit_table
from anshan_housing.calibration.objective import CalibrationSetup
from anshan_housing.calibration.observed import observed_years
from anshan_housing.calibration.statistics import FitStatistics, fit_statistics, format_fit_table
from anshan_housing.model.engine import simulate

#: Checked beside the fitted series: model variable -> observed series (one point, 2019).
SEED_2019 = {
    "population_total": "population_resident",  # persons, 常住人口
    "per_capita_floor_area": "per_capita_floor_area",  # m²/person, 人均住宅建筑面积
}
STRONG_CORRELATION = 0.9  # |r| of two estimates above which the fit cannot tell them apart
LISTED_CORRELATIONS = 5  # strongest pairs listed


@dataclass(frozen=True)
class FitReport:
    """A parameter set's run and its fit to the observed data.

    Attributes
    ----------
    ds : xarray.Dataset
        The run (one member).
    statistics : dict of str to FitStatistics
        Fit of every fitted series and of the 2019 resident population, by observed name.
    seed_2019 : dict of str to tuple of float
        Model and observed 2019 value of each `SEED_2019` variable, by model name.
    """

    ds: xr.Dataset
    statistics: dict[str, FitStatistics]
    seed_2019: dict[str, tuple[float, float]]


def fit_report(
    values: Mapping[str, float], setup: CalibrationSetup, observed: xr.Dataset
) -> FitReport:
    """Simulate ``values`` and measure the fit to ``observed`` (see :class:`FitReport`)."""
    ds = simulate(values)
    statistics = fit_table(ds, setup, observed)
    seed = {}
    for model_name, observed_name in SEED_2019.items():
        years, points = observed_years(observed, observed_name)
        value = float(ds[model_name].isel(member=0).sel(year=2019))
        seed[model_name] = (value, float(points[years == 2019][0]))
    population, resident = seed["population_total"]
    statistics["population_resident"] = fit_statistics([population], [resident])
    return FitReport(ds, statistics, seed)


def format_seed_2019(report: FitReport) -> str:
    """The 2019 line: residents and per-capita floor area, model beside the seed."""
    population, resident = report.seed_2019["population_total"]
    area, seed_area = report.seed_2019["per_capita_floor_area"]
    return (
        f"2019: residents {population / 1e6:.4f} M (seed {resident / 1e6:.4g}), "
        f"per-capita floor area {area:.2f} m² (seed {seed_area:.4g})"
    )


def format_fit(report: FitReport, setup: CalibrationSetup) -> str:
    """The fit table of the set-up's series, each with its MAPE bound."""
    bounds = {spec.observed: spec.mape_bound for spec in setup.series}
    rows = [(name, st, bounds[name]) for name, st in report.statistics.items() if name in bounds]
    return format_fit_table(rows)


def format_objective(result: CalibrationResult) -> str:
    """The objective at the start, after the global search and after the polish."""
    return (
        f"objective: {result.start_objective:.4f} at the start, "
        f"{result.global_objective:.4f} after the global search, "
        f"{result.objective:.4f} after the polish ({result.runs:,} model runs)"
    )


def format_holdout(errors: list[HoldoutError]) -> str:
    """Errors of the 2019 prediction from a calibration on 2016-2018."""
    lines = ["out of sample: calibrated on 2016-2018, 2019 predicted"]
    for e in errors:
        lines.append(f"  {e.series:<26} observed {e.observed:>10.2f}  predicted "
                     f"{e.predicted:>10.2f}  error {100 * e.relative:+6.1f} %")  # fmt: skip
    return "\n".join(lines)


def format_uncertainty(result: CalibrationResult) -> str:
    """Estimates with 95 % intervals, identification and strongly correlated pairs."""
    lines = [f"{'parameter':<30} {'value':>12} {'95 % interval':>27}  points  identified"]
    for name in result.free:
        low, high = result.intervals.get(name, (np.nan, np.nan))
        if result.identified.get(name):
            flag = "yes"
        elif result.points.get(name, 0) == 0:
            flag = "NO (no data point responds)"
        else:
            flag = "NO (wider than its range)"
        lines.append(f"{name:<30} {result.values[name]:>12.5g} [{low:>11.4g}, {high:>11.4g}]"
                     f"  {result.points.get(name, 0):>6}  {flag}")  # fmt: skip
    if result.correlation is not None:
        k = len(result.free)
        pairs = [(abs(result.correlation[i, j]), result.free[i], result.free[j])
                 for i in range(k) for j in range(i + 1, k)]  # fmt: skip
        strong = sorted((p for p in pairs if p[0] > STRONG_CORRELATION), reverse=True)
        for r, a, b in strong[:LISTED_CORRELATIONS]:
            lines.append(f"warning: |correlation| {r:.2f} between {a} and {b}")
    return "\n".join(lines)


def fit_figure_mapping(setup: CalibrationSetup) -> dict[str, str]:
    """Model variable -> observed series drawn in the fit figure."""
    mapping = {spec.model: spec.observed for spec in setup.series}
    mapping["population_total"] = "population_resident"
    return mapping
