"""Calibration objective: weighted squared relative errors of yearly outputs.

The set-up file ``calibration/calibration.toml`` names the free parameters (bounds from
the parameter file) and, for each fitted series, the model variable, the observed
series, its weight and the reason for that weight. :class:`Objective` evaluates many
candidate parameter vectors in one ensemble run (one member each), which is what
``differential_evolution(vectorized=True)`` hands it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from anshan_housing.calibration.observed import SERIES, load_observed
from anshan_housing.model.engine import START_YEAR, simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import ParameterTable, read_toml

DEFAULT_SETUP = Path(__file__).with_name("calibration.toml")
CALIBRATION_YEARS = (2016, 2019)


@dataclass(frozen=True)
class SeriesSpec:
    """One fitted series: model variable, observed series, weight and its reason."""

    model: str
    observed: str
    weight: float
    reason: str
    mape_bound: float | None = None
    sigma: float | None = None  # relative error of the series (log scale), Bayesian


@dataclass(frozen=True)
class CalibrationSetup:
    """Free parameters (names) and fitted series of a calibration."""

    free: tuple[str, ...]
    series: tuple[SeriesSpec, ...]
    source: str
    bayes_extra: tuple[str, ...] = ()  # sampled too by the Bayesian calibration


def load_setup(table: ParameterTable, path: str | Path | None = None) -> CalibrationSetup:
    """Read and check the calibration set-up file.

    Raises
    ------
    InputError
        Unknown or duplicate free parameters, unknown observed series, missing
        fields, non-positive weights.
    """
    path = Path(path) if path is not None else DEFAULT_SETUP
    raw = read_toml(path)
    unknown = sorted(set(raw) - {"free", "series", "bayes"})
    if unknown:
        raise InputError(path, unknown[0], "unknown table; allowed: free, series, bayes")
    free = raw.get("free", {})
    if not isinstance(free, dict):
        raise InputError(path, "free", "must be a table with names = [...]")
    names = free.get("names")
    if not isinstance(names, list) or not names:
        raise InputError(path, "free.names", "must be a non-empty list of parameter names")
    for name in names:
        if not isinstance(name, str) or name not in table:
            raise InputError(path, f"free.names: {name}", "unknown parameter")
    if len(set(names)) != len(names):
        raise InputError(path, "free.names", "lists a parameter twice")
    specs = []
    series = raw.get("series", [])
    if not isinstance(series, list):
        raise InputError(path, "series", "must be a list of tables ([[series]])")
    known = model_outputs()
    for i, entry in enumerate(series):
        where = f"series[{i}]"
        if not isinstance(entry, dict):
            raise InputError(path, where, "must be a table (model, observed, weight, reason)")
        missing = [f for f in ("model", "observed", "weight", "reason") if f not in entry]
        if missing:
            raise InputError(path, f"{where}.{missing[0]}", "missing")
        if not isinstance(entry["model"], str) or entry["model"] not in known:
            raise InputError(path, f"{where}.model",
                             f"{entry['model']!r} is not a yearly model output; e.g. "
                             "sales_area, average_price, residential_inventory_yearly")  # fmt: skip
        if not isinstance(entry["observed"], str) or entry["observed"] not in SERIES:
            raise InputError(path, f"{where}.observed", f"unknown series {entry['observed']!r}")
        weight = entry["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise InputError(path, f"{where}.weight", f"must be a positive number, got {weight!r}")
        bound = entry.get("mape_bound")
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int | float)
                                  or not 0 < bound < 1):  # fmt: skip
            raise InputError(
                path, f"{where}.mape_bound", f"must be a fraction in (0, 1), got {bound!r}"
            )
        sigma = entry.get("sigma")
        if sigma is not None and (isinstance(sigma, bool) or not isinstance(sigma, int | float)
                                  or not 0 < sigma < 5):  # fmt: skip
            problem = f"must be a positive relative error below 5, got {sigma!r}"
            raise InputError(path, f"{where}.sigma", problem)
        specs.append(
            SeriesSpec(entry["model"], entry["observed"], float(weight), str(entry["reason"]),
                       None if bound is None else float(bound),
                       None if sigma is None else float(sigma))
        )  # fmt: skip
    if not specs:
        raise InputError(path, "series", "no fitted series")
    extra = _bayes_extra(path, raw.get("bayes", {}), table, names)
    return CalibrationSetup(tuple(names), tuple(specs), str(path), extra)


def _bayes_extra(path: Path, raw, table: ParameterTable, free) -> tuple[str, ...]:
    """The ``[bayes] extra`` names: parameters sampled besides the free ones."""
    if not isinstance(raw, dict) or set(raw) - {"extra"}:
        raise InputError(path, "bayes", "must be a table with extra = [...] only")
    extra = raw.get("extra", [])
    if not isinstance(extra, list):
        raise InputError(path, "bayes.extra", "must be a list of parameter names")
    for name in extra:
        if not isinstance(name, str) or name not in table:
            raise InputError(path, f"bayes.extra: {name}", "unknown parameter")
        if name in free:
            raise InputError(path, f"bayes.extra: {name}", "is already free")
    return tuple(extra)


def model_outputs() -> set[str]:
    """Names of the yearly outputs of a run that a series can be fitted on."""
    from anshan_housing.model import system
    from anshan_housing.model.indicators import INDICATORS

    yearly = {f"{v.name}_yearly" for v in system.VARIABLES if v.yearly}
    return yearly | {v.name for v in INDICATORS if "time" not in v.dims}


@dataclass(frozen=True)
class Target:
    """Observed points of one series inside the calibration years."""

    spec: SeriesSpec
    years: np.ndarray
    values: np.ndarray


class Objective:
    """Weighted squared relative errors of the model's yearly outputs (dimensionless).

    Parameters
    ----------
    setup : CalibrationSetup
        Free parameters and fitted series.
    base : mapping of str to float
        Values of every parameter; the free ones are replaced by the candidates.
    observed : xarray.Dataset, optional
        Observed series (``load_observed()`` by default).
    years : tuple of int
        First and last calibration year (inclusive).
    """

    def __init__(
        self,
        setup: CalibrationSetup,
        base: Mapping[str, float],
        observed: xr.Dataset | None = None,
        years: tuple[int, int] = CALIBRATION_YEARS,
    ):
        self.setup = setup
        self.base = dict(base)
        self.years = years
        observed = load_observed() if observed is None else observed
        self.targets: list[Target] = []
        for spec in setup.series:
            series = observed[spec.observed].sel(year=slice(*years))
            keep = np.isfinite(series.values)
            if keep.any():
                self.targets.append(Target(spec, series["year"].values[keep], series.values[keep]))
        self.labels = [f"{t.spec.observed} {y}" for t in self.targets for y in t.years]
        self.n_points = len(self.labels)
        self.runs = 0

    def simulate(self, candidates: np.ndarray) -> xr.Dataset:
        """Run one member per candidate row (shape (member, free)), yearly record only."""
        candidates = np.atleast_2d(candidates)
        values = dict(self.base)
        for j, name in enumerate(self.setup.free):
            values[name] = candidates[:, j]
        self.runs += candidates.shape[0]
        return simulate(values, end_year=self.years[1], monthly=(), record_age=False)

    def model_values(self, ds: xr.Dataset) -> np.ndarray:
        """The model's value at each observed point, shape (member, point)."""
        columns = [ds[t.spec.model].values[:, t.years - START_YEAR] for t in self.targets]
        return np.concatenate(columns, axis=1)

    def residuals_of(self, ds: xr.Dataset) -> np.ndarray:
        """Weighted relative errors sqrt(w) (model / observed - 1), shape (member, point)."""
        weights = np.concatenate([np.full(len(t.years), t.spec.weight) for t in self.targets])
        observed = np.concatenate([t.values for t in self.targets])
        return np.sqrt(weights) * (self.model_values(ds) / observed - 1.0)

    def residuals(self, candidates: np.ndarray) -> np.ndarray:
        """Weighted relative errors of each candidate, shape (member, point)."""
        return self.residuals_of(self.simulate(candidates))

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        """Objective of each candidate (sum of squared weighted errors), shape (member,)."""
        return np.sum(self.residuals(candidates) ** 2, axis=1)

    def start(self) -> np.ndarray:
        """The base values of the free parameters, shape (free,)."""
        return np.array([self.base[name] for name in self.setup.free], dtype=float)
