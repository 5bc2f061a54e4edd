"""The model's data files, read and checked here and nowhere else.

Exogenous inputs (land, resettlement, income, credit) live in
``model/data/inputs.toml``, one table per input with ``unit``, ``years``, ``values``
and ``source``; `INPUTS` below is the one list of known inputs with their units and
English names. The population tables by five-year age group (the end-2015 age
structure, the China 2000 death rates) are CSV files in ``model/data/``, each with
its source in the header. `load_data` reads them all into one `ModelData`, which the
engine hands to the sectors; `shipped_data` is the shipped set, read once.
`yearly_input` gives a series' value for any year from its first year on, carrying it
past the last observed year with the 2016-2019 mean, the last value or a given number.
"""

from __future__ import annotations

import csv
import functools
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anshan_housing.model.errors import InputError

#: Folder of the shipped data files.
DATA_DIR = Path(__file__).parent / "data"

#: Default location of the inputs file.
DEFAULT_PATH = DATA_DIR / "inputs.toml"

#: The population tables by five-year age group in `DATA_DIR`.
POPULATION_2015_FILE = "population_2015.csv"  # thousands of residents, end of 2015
MORTALITY_FILE = "mortality_china_2000.csv"  # deaths per 1,000, male and female

#: Keys every input table must have, and the only ones it may have.
FIELDS = ("unit", "years", "values", "source")

#: Earliest and latest year accepted in the file (inclusive).
YEAR_MIN, YEAR_MAX = 2010, 2030

#: Years whose mean continues a series after its last year by default: the
#: calibration period of the plan's figures.
MEAN_YEARS = (2016, 2019)

#: Every known input: expected unit and English long name. "/year" marks a yearly
#: total; ``household`` and ``loan`` are counting units.
INPUTS: dict[str, dict[str, str]] = {
    "land_transacted": {
        "unit": "hectare/year",
        "long_name": "residential land transacted, whole city",
    },
    "land_transacted_city_proper": {
        "unit": "hectare/year",
        "long_name": "residential land transacted, city proper (市本级)",
    },
    "land_planned": {
        "unit": "hectare/year",
        "long_name": "residential land supply plan, whole city",
    },
    "land_planned_city_proper": {
        "unit": "hectare/year",
        "long_name": "residential land supply plan, city proper (市本级)",
    },
    "resettlement_cash": {
        "unit": "household/year",
        "long_name": "shantytown households resettled with cash (纯货币化安置)",
    },
    "resettlement_purchase": {
        "unit": "household/year",
        "long_name": "shantytown households resettled by government purchase or brokerage",
    },
    "resettlement_new_build": {
        "unit": "household/year",
        "long_name": "shantytown households resettled in new-built resettlement housing",
    },
    "resettlement_total": {
        "unit": "household/year",
        "long_name": "shantytown households redeveloped, all kinds",
    },
    "urban_disposable_income": {
        "unit": "yuan/year",
        "long_name": "urban per-capita disposable income",
    },
    "urban_disposable_income_growth": {
        "unit": "1/year",
        "long_name": "urban per-capita disposable income growth after 2019",
    },
    "old_compound_renovation": {
        "unit": "1e4 m**2/year",
        "long_name": "old residential compounds renovated (老旧小区改造), floor area",
    },
    "green_building_share": {
        "unit": "1",
        "long_name": "share of housing starts built to the green-building standard",
    },
    "prefabricated_share": {
        "unit": "1",
        "long_name": "prefabricated (装配式) share of housing starts",
    },
    "management_share_new": {
        "unit": "1",
        "long_name": "share of newly completed housing under property management",
    },
    "management_share_renovated": {
        "unit": "1",
        "long_name": "share of renovated old compounds entering property management",
    },
    "provident_loans": {
        "unit": "loan/year",
        "long_name": "housing provident fund loans granted",
    },
    "provident_lending": {
        "unit": "1e8 yuan/year",
        "long_name": "housing provident fund lending",
    },
    "provident_area_supported": {
        "unit": "1e4 m**2/year",
        "long_name": "floor area bought with provident fund loans",
    },
    "provident_loan_balance": {
        "unit": "1e8 yuan",
        "long_name": "housing provident fund loan balance at the end of the year",
    },
}


@dataclass(frozen=True, eq=False)
class InputSeries:
    """One exogenous input: a value per consecutive calendar year.

    Parameters
    ----------
    name : str
        Key of the input in `INPUTS`, e.g. ``"land_transacted"``.
    unit : str
        Unit of `values`, e.g. ``"hectare/year"``.
    years : numpy.ndarray of int
        Consecutive calendar years, ascending (read-only).
    values : numpy.ndarray of float
        Non-negative value for each year, in `unit` (read-only).
    source : str
        Where the numbers come from, with a confidence tag.
    """

    name: str
    unit: str
    years: np.ndarray
    values: np.ndarray
    source: str

    def __repr__(self) -> str:
        return (
            f"InputSeries({self.name!r}, {self.unit!r}, "
            f"years {int(self.years[0])}-{int(self.years[-1])}, "
            f"values {np.array2string(self.values, separator=', ')})"
        )


def _allowed(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _is_number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _check_table(name: str, table, source: str) -> InputSeries:
    if not isinstance(table, dict):
        raise InputError(
            source,
            name,
            f"value {table!r} is not a table; allowed: a table with keys {_allowed(FIELDS)}",
        )
    unknown = [k for k in table if k not in FIELDS]
    if unknown:
        raise InputError(
            source,
            f"{name}.{unknown[0]}",
            f"unknown key {unknown[0]!r}; allowed keys: {_allowed(FIELDS)}",
        )
    missing = [k for k in FIELDS if k not in table]
    if missing:
        raise InputError(
            source,
            name,
            f"missing key(s) {_allowed(missing)}; required keys: {_allowed(FIELDS)}",
        )
    expected_unit = INPUTS[name]["unit"]
    if table["unit"] != expected_unit:
        raise InputError(
            source,
            f"{name}.unit",
            f"unit {table['unit']!r} is not allowed; allowed: {expected_unit!r}",
        )
    text = table["source"]
    if not isinstance(text, str) or not text.strip():
        raise InputError(
            source,
            f"{name}.source",
            f"source {text!r} is not allowed; allowed: a non-empty string",
        )
    years, values = table["years"], table["values"]
    for key, seq in (("years", years), ("values", values)):
        if not isinstance(seq, list) or not seq:
            raise InputError(
                source,
                f"{name}.{key}",
                f"{seq!r} is not allowed; allowed: a non-empty array",
            )
    for y in years:
        if not isinstance(y, int) or isinstance(y, bool):
            raise InputError(
                source,
                f"{name}.years",
                f"year {y!r} is not an integer; allowed: integer years {YEAR_MIN}-{YEAR_MAX}",
            )
        if not YEAR_MIN <= y <= YEAR_MAX:
            raise InputError(
                source,
                f"{name}.years",
                f"year {y} is outside the allowed range {YEAR_MIN}-{YEAR_MAX}",
            )
    if any(b != a + 1 for a, b in zip(years, years[1:], strict=False)):
        raise InputError(
            source,
            f"{name}.years",
            f"years {years} are not allowed; allowed: consecutive years, ascending",
        )
    if len(values) != len(years):
        raise InputError(
            source,
            f"{name}.values",
            f"{len(values)} values {values} for {len(years)} years {years}; "
            "allowed: exactly one value per year",
        )
    _check_values(name, values, source, upper=1.0 if expected_unit == "1" else math.inf)
    years_arr = np.array(years, dtype=int)
    values_arr = np.array(values, dtype=float)
    years_arr.flags.writeable = False
    values_arr.flags.writeable = False
    return InputSeries(name, expected_unit, years_arr, values_arr, text.strip())


def _check_values(name: str, values: list, source: str, upper: float = math.inf) -> None:
    """Refuse a value that is not a non-negative finite number (a share: at most 1)."""
    for v in values:
        if not _is_number(v):
            raise InputError(
                source,
                f"{name}.values",
                f"value {v!r} is not a number; allowed: non-negative finite numbers",
            )
        if not math.isfinite(v) or v < 0:
            raise InputError(
                source,
                f"{name}.values",
                f"value {v!r} is not allowed; allowed: non-negative finite numbers",
            )
        if v > upper:
            raise InputError(
                source, f"{name}.values", f"share {v!r} is not allowed; allowed: 0 to 1"
            )


def load_inputs(path: str | Path | None = None) -> dict[str, InputSeries]:
    """Load and check the exogenous inputs.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        TOML file with one table per input of `INPUTS`, each with the keys
        ``unit``, ``years``, ``values`` and ``source``. Default:
        ``model/data/inputs.toml``.

    Returns
    -------
    dict of str to InputSeries
        Every input of `INPUTS`, in that order. Units as listed there: residential
        land in ha a year (``"hectare/year"``), resettlement in households a year,
        income in yuan a person a year (``"yuan/year"``), provident-fund lending in
        亿元 a year (``"1e8 yuan/year"``), area supported in 万m² a year.

    Raises
    ------
    model.errors.InputError
        If the file is missing or not valid TOML, an input is unknown or missing, a
        table has an unknown or missing key, a unit differs from `INPUTS`, years are
        not consecutive integers in 2010-2030, values are not non-negative finite
        numbers, or there are not as many values as years. The message names the
        file, the key, the bad value and what is allowed.
    """
    path = Path(DEFAULT_PATH if path is None else path)
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(
            source, "file", "no such file; give the path of an inputs TOML file"
        ) from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(source, "file", f"not valid TOML ({err}); allowed: a TOML file") from None
    unknown = [k for k in data if k not in INPUTS]
    if unknown:
        raise InputError(
            source,
            unknown[0],
            f"unknown input {unknown[0]!r}; allowed: {_allowed(INPUTS)}",
        )
    missing = [k for k in INPUTS if k not in data]
    if missing:
        raise InputError(
            source,
            missing[0],
            f"missing input(s) {_allowed(missing)}; every input of {_allowed(INPUTS)} is required",
        )
    return {name: _check_table(name, data[name], source) for name in INPUTS}


def yearly_input(series: InputSeries, years, after: str | float = "mean") -> np.ndarray:
    """Return the value of an input for each requested year.

    Parameters
    ----------
    series : InputSeries
        An input from `load_inputs`.
    years : int or array_like of int
        Calendar years, none before ``series.years[0]``.
    after : {"mean", "last"} or float, default "mean"
        Value for years after ``series.years[-1]``: ``"mean"`` is the mean of the
        series over `MEAN_YEARS` (2016-2019, or the part of it the series has),
        ``"last"`` the last value, a number that number (in ``series.unit``). Use
        ``after=0.0`` for inputs that ended, such as shantytown resettlement.

    Returns
    -------
    numpy.ndarray of float
        One value per requested year, in ``series.unit`` (e.g. ha a year for
        ``land_transacted``), with the shape of `years`.

    Raises
    ------
    model.errors.InputError
        If a year is not an integer or lies before the series' first year, or
        `after` is not ``"mean"``, ``"last"`` or a finite number.

    Examples
    --------
    >>> land = load_inputs()["land_transacted"]
    >>> yearly_input(land, [2019, 2020]).round(4).tolist()
    [51.28, 55.1175]
    """
    where = f"input {series.name!r}"
    if isinstance(after, str):
        if after == "mean":
            lo, hi = MEAN_YEARS
            window = (series.years >= lo) & (series.years <= hi)
            if not window.any():
                raise InputError(
                    where,
                    "after",
                    f"'mean' needs values in {lo}-{hi} but the series covers "
                    f"{series.years[0]}-{series.years[-1]}; allowed: 'last' or a number",
                )
            fill = float(series.values[window].mean())
        elif after == "last":
            fill = float(series.values[-1])
        else:
            raise InputError(
                where,
                "after",
                f"{after!r} is not allowed; allowed: 'mean', 'last', or a number",
            )
    elif _is_number(after) and math.isfinite(after):
        fill = float(after)
    else:
        raise InputError(
            where,
            "after",
            f"{after!r} is not allowed; allowed: 'mean', 'last', or a number",
        )
    requested = np.asarray(years)
    if requested.dtype.kind == "f" and np.all(np.isfinite(requested)):
        if np.any(requested != np.round(requested)):
            bad = float(requested[requested != np.round(requested)].flat[0])
            raise InputError(
                where, "years", f"year {bad!r} is not an integer; allowed: integer years"
            )
        requested = requested.astype(int)
    if requested.dtype.kind not in "iu":
        raise InputError(
            where,
            "years",
            f"years {years!r} are not integers; allowed: integer years",
        )
    first, last = int(series.years[0]), int(series.years[-1])
    if requested.size and requested.min() < first:
        raise InputError(
            where,
            "years",
            f"year {int(requested.min())} is before the first year {first} of the "
            f"series; allowed: {first} or later",
        )
    out = np.full(requested.shape, fill, dtype=float)
    inside = requested <= last
    out[inside] = series.values[requested[inside] - first]
    return out


@dataclass(frozen=True)
class AgeGroups:
    """A table by age group, as read from a CSV file of ``model/data/``.

    Attributes
    ----------
    start, end : numpy.ndarray of int
        First and last age of each group (years).
    columns : dict of str to numpy.ndarray
        The value columns by header name, one value per group.
    """

    start: np.ndarray
    end: np.ndarray
    columns: dict[str, np.ndarray]


def read_age_groups(path: str | Path) -> AgeGroups:
    """Read a table by age group: ``age_start,age_end,<columns...>``, ``#`` comments.

    Raises
    ------
    model.errors.InputError
        If the file is missing, or a row is not whole ages and numbers.
    """
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(line for line in handle if not line.startswith("#")))
    except FileNotFoundError:
        raise InputError(path, "file", "no such file") from None
    header, body = rows[0], rows[1:]
    try:
        start = np.array([int(r[0]) for r in body])
        end = np.array([int(r[1]) for r in body])
        columns = {name: np.array([float(r[i]) for r in body]) for i, name in
                   enumerate(header) if i >= 2}  # fmt: skip
    except (ValueError, IndexError) as err:
        raise InputError(path, "rows", f"not whole ages and numbers ({err})") from None
    return AgeGroups(start, end, columns)


@dataclass(frozen=True)
class ModelData:
    """Every data file of the model, read once and handed to the sectors.

    Attributes
    ----------
    inputs : dict of str to InputSeries
        The exogenous inputs (`load_inputs`).
    population_2015 : AgeGroups
        End-2015 residents by five-year group, column ``thousands``.
    mortality_2000 : AgeGroups
        China 2000 census death rates by five-year group (per mille), columns
        ``male`` and ``female``.
    """

    inputs: dict[str, InputSeries]
    population_2015: AgeGroups
    mortality_2000: AgeGroups


def load_data(folder: str | Path = DATA_DIR) -> ModelData:
    """Read and check every data file in ``folder`` (default: the shipped ``model/data``)."""
    folder = Path(folder)
    return ModelData(
        inputs=load_inputs(folder / DEFAULT_PATH.name),
        population_2015=read_age_groups(folder / POPULATION_2015_FILE),
        mortality_2000=read_age_groups(folder / MORTALITY_FILE),
    )


@functools.cache
def shipped_data() -> ModelData:
    """The shipped data (``model/data``), read once per process."""
    return load_data()
