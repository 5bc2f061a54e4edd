"""Population bases: the plan's own population figures, or the 2010 and 2020 censuses.

The plan's 2016-2019 population figures are pre-census estimates: its 3.553 M residents
at the end of 2019 stand about 7 % above the 3,325,372 that the census counted eleven
months later. Every per-person figure depends on which population is right, so the
model runs on either basis:

``plan``
    The demographic parameters of ``model/parameters.toml``, fitted to the plan's 2019
    figures (residents, urbanisation, natural growth, migration, 60+ share).
``census``
    An end-2015 population on the geometric path between the censuses (3,645,884 on 1
    November 2010, 3,325,372 on 1 November 2020: -0.92 % a year), with out-migration
    refitted so that the model meets the 2020 census on its reference day; births,
    deaths, in-migration and urbanisation as on the plan basis.

On both bases the family household size starts on the path between the censuses'
2.88 and 2.25 (``household_size_2015``) and the 2016-2020 headship trend is fitted so
that the model's household size on 1 November 2020 is the census's 2.25. The fitted
values of each basis are committed in ``calibration/bases.toml`` (`fit_bases` writes
it); `basis_values` reads them for a run. The housing stock is the same on both bases.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import xarray as xr
from scipy import optimize

from anshan_housing.calibration.observed import load_observed, observed_years
from anshan_housing.model.engine import START_YEAR, simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import write_atomic
from anshan_housing.model.parameters import read_toml

#: The population bases, the first the default.
BASES = ("plan", "census")
BASES_FILE = Path(__file__).with_name("bases.toml")
DESCRIPTIONS = {
    "plan": "the plan's own population figures (pre-census estimates: 3.553 M at the end of 2019)",
    "census": "the 2010 and 2020 censuses (3,645,884 on 1 Nov 2010, 3,325,372 on 1 Nov "
    "2020: -0.92 % a year)",
}
CENSUS_MONTH = 10  # the census counts on 1 November: the model's level at the end of October
CENSUS_YEARS = (2010, 2020)
END_2015 = _dt.date(2015, 12, 31)
FIT_TOLERANCE = 1e-10  # relative tolerance of the root finder on a parameter
# the demographic values each basis fits (and its bases-file table holds)
FITTED = {"plan": ("headship_trend",), "census": ("population_2015", "out_migration_rate",
                                                   "headship_trend")}  # fmt: skip


@dataclass(frozen=True)
class CensusFigures:
    """The census figures of Anshan that the bases use (from ``observed.csv``)."""

    population: dict[int, float]  # residents by census year
    household_size: dict[int, float]  # persons per family household by census year
    family_households_2020: float
    collective_2020: float

    @property
    def decline(self) -> float:
        """Mean yearly change of residents between the censuses (1/year, negative)."""
        first, last = CENSUS_YEARS
        return (self.population[last] / self.population[first]) ** (1 / (last - first)) - 1


def census_figures(observed: xr.Dataset | None = None) -> CensusFigures:
    """The 2010 and 2020 census figures of ``observed`` (the shipped file by default)."""
    observed = load_observed() if observed is None else observed

    def by_year(name: str) -> dict[int, float]:
        years, values = observed_years(observed, name)
        return {int(y): float(v) for y, v in zip(years, values, strict=True)}

    return CensusFigures(
        population=by_year("census_population"),
        household_size=by_year("census_household_size"),
        family_households_2020=by_year("census_family_households")[2020],
        collective_2020=by_year("census_collective_residents")[2020],
    )


def between_censuses(figures: dict[int, float], day: _dt.date) -> float:
    """A census figure on ``day`` on the geometric path between the two censuses."""
    first, last = (_dt.date(y, CENSUS_MONTH + 1, 1) for y in CENSUS_YEARS)
    share = (day - first).days / (last - first).days
    start, end = (figures[y] for y in CENSUS_YEARS)
    return start * (end / start) ** share


def census_day_index(year: int = 2020) -> int:
    """Index of the month whose end is the census day (1 November) on the ``time`` dim."""
    return (year - START_YEAR) * 12 + CENSUS_MONTH - 1


def on_census_day(values: Mapping, updates: Mapping[str, float]) -> tuple[float, float]:
    """Residents and persons per family household on 1 November 2020 (member 0)."""
    ds = simulate({**values, **updates}, record_age=False, monthly=("population", "household_size"))
    day = census_day_index()
    return float(ds["population"].values[0, day].sum()), float(ds["household_size"].values[0, day])


def fit_basis(basis: str, values: Mapping[str, float], census: CensusFigures) -> dict:
    """Fitted demographic values of ``basis`` on top of ``values`` (see module docstring).

    Returns
    -------
    dict of str to float
        The values of `FITTED` for the basis.
    """
    check_basis(basis)
    fitted: dict[str, float] = {}
    if basis == "census":
        fitted["population_2015"] = between_censuses(census.population, END_2015)
        target = census.population[2020]

        def population_gap(rate: float) -> float:
            updates = {**fitted, "out_migration_rate": rate}
            return on_census_day(values, updates)[0] / target - 1

        fitted["out_migration_rate"] = optimize.brentq(population_gap, 0.0, 0.05,
                                                       rtol=FIT_TOLERANCE)  # fmt: skip
    size = census.household_size[2020]

    def size_gap(trend: float) -> float:
        return on_census_day(values, {**fitted, "headship_trend": trend})[1] - size

    fitted["headship_trend"] = optimize.brentq(size_gap, -0.02, 0.08, rtol=FIT_TOLERANCE)
    return fitted


def check_basis(basis: str) -> str:
    """``basis`` if it is one of `BASES`.

    Raises
    ------
    InputError
        An unknown basis; the message lists the allowed ones.
    """
    if basis not in BASES:
        raise InputError(
            "option --basis", str(basis), f"unknown basis; allowed: {', '.join(BASES)}"
        )
    return basis


@functools.cache
def _committed(path: Path) -> dict:
    raw = read_toml(path)
    for name in BASES:
        table = raw.get(name)
        if not isinstance(table, dict) or not isinstance(table.get("values"), dict):
            raise InputError(path, name, "missing table [NAME.values] of name = number")
        names = sorted(table["values"])
        if names != sorted(FITTED[name]):
            allowed = ", ".join(FITTED[name])
            raise InputError(path, f"{name}.values", f"holds {names}; a basis sets {allowed}")
    return raw


def basis_values(basis: str, path: str | Path = BASES_FILE) -> dict[str, float]:
    """The committed demographic values of ``basis`` (``calibration/bases.toml``)."""
    check_basis(basis)
    return {name: float(v) for name, v in _committed(Path(path))[basis]["values"].items()}


def bases_toml(fitted: Mapping[str, Mapping[str, float]]) -> str:
    """The bases file's text: each basis with its description and fitted values."""
    lines = [
        "# Population bases (calibration/demography.py): demographic values applied over the",
        "# parameter file by `--basis`. Written by `anshan-housing demography --out`.",
        f"# date = {_dt.date.today().isoformat()}",
    ]
    for basis, values in fitted.items():
        lines += ["", f"[{basis}]", f'description = "{DESCRIPTIONS[basis]}"', "",
                  f"[{basis}.values]"]  # fmt: skip
        lines += [f"{name} = {float(value)!r}" for name, value in values.items()]
    return "\n".join(lines) + "\n"


def run_basis(values: Mapping[str, float], fitted: Mapping[str, float]) -> xr.Dataset:
    """One run with a basis's fitted values over ``values``."""
    return simulate({**values, **fitted}, record_age=False)


def fit_bases(values: Mapping[str, float], observed: xr.Dataset | None = None) -> dict:
    """Fit every basis on top of ``values`` (the calibrated market): basis -> values."""
    census = census_figures(observed)
    return {basis: fit_basis(basis, values, census) for basis in BASES}


def write_bases(fitted: Mapping[str, Mapping[str, float]], path: str | Path) -> None:
    """Write the bases file atomically."""
    text = bases_toml(fitted)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@dataclass(frozen=True)
class BasisCheck:
    """A model figure beside its census target; a rate is compared in points."""

    what: str
    model: float
    target: float
    rate: bool = False

    @property
    def difference(self) -> float:
        """Model / target - 1, or model - target for a rate."""
        return self.model - self.target if self.rate else self.model / self.target - 1


def basis_checks(ds: xr.Dataset, census: CensusFigures) -> list[BasisCheck]:
    """The census figures against a run's (member 0): residents, households, size, decline."""
    day = census_day_index()
    member = ds.isel(member=0)
    population = member["population_total"]
    checks = [
        BasisCheck("residents, 1 Nov 2020", float(member["population"].sum("area")[day]),
                   census.population[2020]),
        BasisCheck("family households, 1 Nov 2020",
                   float(member["households"].sum("area")[day]), census.family_households_2020),
        BasisCheck("persons per family household, 1 Nov 2020",
                   float(member["household_size"][day]), census.household_size[2020]),
        BasisCheck("persons per family household, end 2020",
                   float(member["household_size_yearly"].sel(year=2020)),
                   census.household_size[2020]),
    ]  # fmt: skip
    change = (float(population.sel(year=2020)) / _population_2015(ds)) ** (1 / 5) - 1
    checks.append(BasisCheck("mean change of residents 2016-2020 (%/year)", 100 * change,
                             100 * census.decline, rate=True))  # fmt: skip
    return checks


def _population_2015(ds: xr.Dataset) -> float:
    """End-2015 residents of member 0 (a per-member variable or a Dataset attribute)."""
    if "parameter_population_2015" in ds:
        return float(ds["parameter_population_2015"].values[0])
    return float(ds.attrs["param_population_2015"])


def format_checks(checks: list[BasisCheck]) -> str:
    """The checks as a table: model, census, difference (% or points)."""
    lines = [f"{'figure':<46} {'model':>14} {'census':>14} {'difference':>12}"]
    for c in checks:
        diff = f"{c.difference:+.3f} pt" if c.rate else f"{100 * c.difference:+.2f} %"
        lines.append(f"{c.what:<46} {c.model:>14,.4f} {c.target:>14,.4f} {diff:>12}")
    return "\n".join(lines)
