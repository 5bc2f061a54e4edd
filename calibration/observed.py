"""Observed series of the seed plan: the file format, its checks and its loader.

`observed.csv` (next to this module) holds every number the Anshan 14th Five-Year
housing plan (the seed) reports for the calibration period, and the city's 2010 and
2020 census figures, one row per series and
year, in long format with the columns ``series, year, value, unit, scope, source``.
`SERIES` below is the one place that lists the series: their unit, English name and
scope (which part of the market or population the number covers). `load_observed`
checks the file against it and returns an `xarray.Dataset` with one variable per
series on a ``year`` dimension.

Scopes used
-----------
``商品房``
    All commodity buildings (housing, offices, retail).
``商品住宅``
    Commodity housing only (商品住房 in the plan's wording is the same thing).
``房地产开发``
    All real-estate development (investment statistics).
``存量住房``
    Existing (second-hand) housing.
``population``
    Resident population (常住人口) unless the plan says otherwise.
``population_registered``
    Registered population (户籍人口).
``housing_stock``
    The whole residential stock.
``城镇居民``
    Urban residents (income statistics).
``census``
    The 2010 (6th) and 2020 (7th) population censuses of Anshan, reference day 1
    November, from the city statistics bureau's bulletins (POPULATION_SOURCES.md sec. 5):
    not the plan's figures, but the basis of the census population
    (``calibration/bases.toml``).

Rows whose ``source`` starts with ``[derived]`` are computed from the plan's text
(the formula is given), not printed in it. Means over several years are stored at
their last year; the ``source`` says so.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np
import xarray as xr

from anshan_housing.model.errors import InputError

#: Default location of the observed-data file.
DEFAULT_PATH = Path(__file__).with_name("observed.csv")

#: Columns the file must have, in this order.
COLUMNS = ("series", "year", "value", "unit", "scope", "source")

#: Earliest and latest year accepted in the file (inclusive). The model runs
#: 2016-2025; the margin allows back-computed and later observations.
YEAR_MIN, YEAR_MAX = 2010, 2030

#: Every known series: expected unit (a string pint can parse once ``per_mille`` is
#: defined), English long name and scope. The single list of series names.
SERIES: dict[str, dict[str, str]] = {
    "sales_area": {
        "unit": "1e4 m**2",
        "long_name": "commodity building sales area in the year",
        "scope": "商品房",
    },
    "sales_value": {
        "unit": "1e8 yuan",
        "long_name": "commodity building sales value in the year",
        "scope": "商品房",
    },
    "average_price": {
        "unit": "yuan/m**2",
        "long_name": "average commodity building sales price",
        "scope": "商品房",
    },
    "presale_permits": {
        "unit": "1e4 m**2",
        "long_name": "floor area newly granted presale permits in the year",
        "scope": "商品房",
    },
    "residential_inventory": {
        "unit": "1e4 m**2",
        "long_name": "commodity housing inventory at the end of the year",
        "scope": "商品住宅",
    },
    "clearance_period": {
        "unit": "month",
        "long_name": "commodity housing inventory clearance period at the end of the year",
        "scope": "商品住宅",
    },
    "development_investment": {
        "unit": "1e8 yuan",
        "long_name": "real-estate development investment in the year",
        "scope": "房地产开发",
    },
    "completions": {
        "unit": "1e4 m**2",
        "long_name": "commodity building floor area completed in the year",
        "scope": "商品房",
    },
    "residential_sales": {
        "unit": "1e4 m**2",
        "long_name": "commodity housing sales area in the year",
        "scope": "商品住宅",
    },
    "population_resident": {
        "unit": "person",
        "long_name": "resident population at the end of the year",
        "scope": "population",
    },
    "population_urban": {
        "unit": "person",
        "long_name": "urban resident population at the end of the year",
        "scope": "population",
    },
    "population_rural": {
        "unit": "person",
        "long_name": "rural resident population at the end of the year",
        "scope": "population",
    },
    "urbanisation_rate": {
        "unit": "percent",
        "long_name": "urban share of the resident population",
        "scope": "population",
    },
    "population_registered": {
        "unit": "person",
        "long_name": "registered (hukou) population at the end of the year",
        "scope": "population_registered",
    },
    "natural_growth_rate": {
        "unit": "per_mille",
        "long_name": "natural population growth rate in the year",
        "scope": "population",
    },
    "natural_growth_rate_mean_2015_2019": {
        "unit": "per_mille",
        "long_name": "mean natural population growth rate 2015-2019",
        "scope": "population",
    },
    "out_migration": {
        "unit": "person/year",
        "long_name": "persons migrating out of the city in the year",
        "scope": "population",
    },
    "in_migration": {
        "unit": "person/year",
        "long_name": "persons migrating into the city in the year",
        "scope": "population",
    },
    "net_migration": {
        "unit": "person/year",
        "long_name": "net migration (in minus out) in the year",
        "scope": "population",
    },
    "share_60plus_registered": {
        "unit": "percent",
        "long_name": "share of the registered population aged 60 and over",
        "scope": "population_registered",
    },
    "per_capita_floor_area": {
        "unit": "m**2/person",
        "long_name": "residential floor area per resident",
        "scope": "housing_stock",
    },
    "urban_disposable_income": {
        "unit": "yuan/year",
        "long_name": "urban per-capita disposable income",
        "scope": "城镇居民",
    },
    "new_housing_supply_mean_2016_2019": {
        "unit": "1e4 m**2",
        "long_name": "mean yearly commodity housing area entering the market 2016-2019",
        "scope": "商品住宅",
    },
    "filed_area_mean_2016_2019": {
        "unit": "1e4 m**2",
        "long_name": "mean yearly filed (备案) commodity housing area 2016-2019",
        "scope": "商品住宅",
    },
    "census_population": {
        "unit": "person",
        "long_name": "resident population at the census (1 November)",
        "scope": "census",
    },
    "census_household_size": {
        "unit": "person/household",
        "long_name": "persons per family household at the census (1 November)",
        "scope": "census",
    },
    "census_family_households": {
        "unit": "household",
        "long_name": "family households (家庭户) at the census (1 November)",
        "scope": "census",
    },
    "census_collective_residents": {
        "unit": "person",
        "long_name": "residents of collective households (集体户) at the census (1 November)",
        "scope": "census",
    },
    "existing_housing_transactions_mean_2016_2019": {
        "unit": "1e4 m**2",
        "long_name": "mean yearly existing (second-hand) housing transactions 2016-2019",
        "scope": "存量住房",
    },
}


def _allowed(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _parse_year(text: str, source: str, field: str) -> int:
    try:
        year = int(text.strip())
    except ValueError:
        raise InputError(
            source,
            field,
            f"year {text!r} is not a whole number; allowed: an integer year {YEAR_MIN}-{YEAR_MAX}",
        ) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InputError(
            source,
            field,
            f"year {year} is outside the allowed range {YEAR_MIN}-{YEAR_MAX}",
        )
    return year


def _parse_value(text: str, source: str, field: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise InputError(
            source,
            field,
            f"value {text!r} is not a number; allowed: a finite decimal number "
            "such as 302.4 or -2.24 (no thousands separators)",
        ) from None
    if not math.isfinite(value):
        raise InputError(source, field, f"value {text!r} is not finite; allowed: a finite number")
    return value


def load_observed(path: str | Path | None = None) -> xr.Dataset:
    """Load and check the observed series of the seed plan.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        CSV file with the columns ``series, year, value, unit, scope, source``
        (UTF-8). Default: ``calibration/observed.csv``.

    Returns
    -------
    xarray.Dataset
        One float variable per series present in the file, on an integer ``year``
        dimension covering every year that appears in the file; NaN where a series
        has no observation. Each variable carries the attrs ``units`` (e.g.
        ``"1e4 m**2"`` for 万m², ``"1e8 yuan"`` for 亿元), ``long_name`` (English),
        ``scope`` and ``source`` (the plan's wording, one entry per year). The
        Dataset attrs name the file.

    Raises
    ------
    model.errors.InputError
        If the file is missing or empty, a required column is missing or an
        unexpected one present, a series name is unknown, a year is not an integer
        in 2010-2030, a value is not a finite number, a unit or scope differs from
        the one listed in `SERIES`, a source is empty, or a (series, year) pair
        appears twice. The message names the file, the line and column, the bad
        value and what is allowed.

    Examples
    --------
    >>> ds = load_observed()
    >>> float(ds["sales_area"].sel(year=2017))
    339.9
    """
    path = Path(DEFAULT_PATH if path is None else path)
    source = str(path)
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(
            source, "file", "no such file; give the path of an observed-data CSV"
        ) from None
    except IsADirectoryError:
        raise InputError(source, "file", "is a folder; give the path of a CSV file") from None
    with handle:
        try:
            text = handle.read()
        except UnicodeDecodeError as err:
            raise InputError(
                source,
                "file",
                f"is not UTF-8 text ({err.reason} at byte {err.start}); save the CSV as UTF-8",
            ) from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames
        if not header:
            raise InputError(
                source,
                "header",
                f"the file is empty; required columns: {_allowed(COLUMNS)}",
            )
        header = [h.strip() for h in header]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InputError(
                source,
                "header",
                f"missing column(s) {_allowed(missing)} in header {header!r}; "
                f"required columns: {_allowed(COLUMNS)}",
            )
        extra = [c for c in header if c not in COLUMNS]
        if extra:
            raise InputError(
                source,
                "header",
                f"unexpected column(s) {_allowed(extra)}; allowed columns: {_allowed(COLUMNS)}",
            )
        reader.fieldnames = header
        records: dict[str, dict[int, tuple[float, str]]] = {}
        seen: dict[tuple[str, int], int] = {}
        for row in reader:
            line = reader.line_num
            where = f"line {line}"
            extra_fields = row.get(None) or []
            present = sum(row[c] is not None for c in COLUMNS)
            if extra_fields or present < len(COLUMNS):
                n = present + len(extra_fields)
                raise InputError(
                    source,
                    where,
                    f"the row has {n} fields; allowed: exactly {len(COLUMNS)} "
                    f"({_allowed(COLUMNS)}); quote a source containing commas",
                )
            name = row["series"].strip()
            if name not in SERIES:
                raise InputError(
                    source,
                    f"{where}, column 'series'",
                    f"unknown series {name!r}; allowed: {_allowed(SERIES)}",
                )
            spec = SERIES[name]
            year = _parse_year(row["year"], source, f"{where}, column 'year'")
            value = _parse_value(row["value"], source, f"{where}, column 'value'")
            unit = row["unit"].strip()
            if unit != spec["unit"]:
                raise InputError(
                    source,
                    f"{where}, column 'unit'",
                    f"unit {unit!r} for series {name!r} is not allowed; allowed: {spec['unit']!r}",
                )
            scope = row["scope"].strip()
            if scope != spec["scope"]:
                raise InputError(
                    source,
                    f"{where}, column 'scope'",
                    f"scope {scope!r} for series {name!r} is not allowed; "
                    f"allowed: {spec['scope']!r}",
                )
            text = row["source"].strip()
            if not text:
                raise InputError(
                    source,
                    f"{where}, column 'source'",
                    "the source is empty; allowed: the plan's wording for the number",
                )
            key = (name, year)
            if key in seen:
                raise InputError(
                    source,
                    f"{where}, columns 'series' and 'year'",
                    f"duplicate row for series {name!r} and year {year} (first on "
                    f"line {seen[key]}); allowed: one row per series and year",
                )
            seen[key] = line
            records.setdefault(name, {})[year] = (value, text)
    if not records:
        raise InputError(source, "rows", "the file has a header but no data rows; add observations")
    years = np.array(sorted({y for by_year in records.values() for y in by_year}))
    index = {int(y): i for i, y in enumerate(years)}
    variables = {}
    for name in SERIES:  # file order does not matter; SERIES order does
        if name not in records:
            continue
        data = np.full(years.size, np.nan)
        for year, (value, _) in records[name].items():
            data[index[year]] = value
        spec = SERIES[name]
        attrs = {
            "units": spec["unit"],
            "long_name": spec["long_name"],
            "scope": spec["scope"],
            "source": "; ".join(
                f"{year}: {text}" for year, (_, text) in sorted(records[name].items())
            ),
        }
        variables[name] = xr.DataArray(data, dims="year", attrs=attrs)
    ds = xr.Dataset(variables, coords={"year": ("year", years, {"units": "year"})})
    ds.attrs = {
        "title": "Observed series of the Anshan 2021-2025 housing plan",
        "source_file": source,
    }
    return ds


def observed_years(ds: xr.Dataset, series: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the years and values where a series has an observation.

    Parameters
    ----------
    ds : xarray.Dataset
        Dataset from `load_observed`.
    series : str
        Name of a variable in `ds`, e.g. ``"sales_area"``.

    Returns
    -------
    years : numpy.ndarray of int
        Years with a non-NaN value, ascending.
    values : numpy.ndarray of float
        The values in those years, in the series' ``units`` attr (e.g. 万m² as
        ``"1e4 m**2"``).

    Raises
    ------
    model.errors.InputError
        If `series` is not a variable of `ds`; the message lists those that are.
    """
    if series not in ds.data_vars:
        raise InputError(
            "observed dataset",
            "series",
            f"unknown series {series!r}; allowed: {_allowed(ds.data_vars)}",
        )
    values = np.asarray(ds[series].values, dtype=float)
    keep = ~np.isnan(values)
    years = np.asarray(ds["year"].values, dtype=int)
    return years[keep], values[keep]
