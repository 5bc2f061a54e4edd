"""Yearly indicators on the Dataset, in the scopes of the seed's statistics.

The model keeps residential (商品住宅) floor area. The seed reports sales area, sales
value, presale permits and completions for all commodity buildings (商品房) and the
inventory for housing only; model residential figures are divided by
``residential_share_sales`` (seed 2019: 220 of 242.7 万m²) to compare with 商品房
figures, and development investment by ``investment_residential_share``.

`INDICATORS` is the one list of the indicators with their units, meaning, source and
the function computing each; :func:`add_indicators` labels the Dataset from it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from anshan_housing.model.variables import Variable

M2_PER_1E4 = 1e4
POP = "model.indicators.population_indicators"
HOUSING = "model.indicators.housing_indicators"
AREA_YEAR = "1e4 m**2/year"
SEED_YEARS = "(2016-2019)"

INDICATORS = (
    Variable("population_total", "person", "resident population at the end of the year",
             "indicator", "seed 2019: 3.553 M residents", ("year",), "", equation=POP),
    Variable("population_urban", "person", "urban residents at the end of the year",
             "indicator", "seed 2019: 2.5791 M urban residents", ("year",), "", equation=POP),
    Variable("urbanisation_rate", "percent", "urban share of residents at the end of the year",
             "indicator", "seed 2019: 72.59 %", ("year",), "", equation=POP),
    Variable("natural_growth_rate", "per_mille/year", "(births - deaths) / mean population",
             "indicator", "seed: -2.24 ‰ in 2019, mean -2.19 ‰ 2015-2019", ("year",), "",
             equation=POP),
    Variable("net_migration", "person/year", "in-migrants minus out-migrants", "indicator",
             "seed 2019: net outflow 12,300", ("year",), "", equation=POP),
    Variable("share_60plus", "percent", "share of residents aged 60+ at the end of the year",
             "indicator", "seed 2019: 26.2 % of the registered population", ("year",), "",
             equation=POP),
    Variable("households_urban", "household", "urban family households at the end of the year",
             "indicator", "households sector: population x headship rates", ("year",), "",
             equation=POP),
    Variable("clearance_period_monthly", "month",
             "clearance period (去化周期): inventory / 12-month mean sales", "indicator",
             "the seed's definition of 去化周期 (inventory / mean monthly sales)", ("time",), "",
             equation="model.indicators.trailing_clearance"),
    Variable("clearance_period", "month", "clearance period (去化周期) at the end of the year",
             "indicator", "seed: 32.1, 22, 23.3, 26 months (end of 2016-2019)",
             ("year",), "", equation=HOUSING),
    Variable("residential_sales", AREA_YEAR, "residential (商品住宅) sales area", "indicator",
             "seed 2019: 220 万m² residential", ("year",), "", equation=HOUSING),
    Variable("sales_area", AREA_YEAR, "sales area of commodity buildings (商品房)",
             "indicator", f"seed: 302.4, 339.9, 288.6, 242.7 万m² {SEED_YEARS}", ("year",), "",
             equation=HOUSING),
    Variable("sales_value", "1e8 yuan/year", "sales value of commodity buildings (商品房)",
             "indicator", f"seed: 124.86, 148.86, 141.76, 124.46 亿元 {SEED_YEARS}", ("year",),
             "", equation=HOUSING),
    Variable("average_price", "yuan/m**2",
             "sales-weighted average price (the mean price in a year without sales)",
             "indicator", f"seed: 4,129, 4,380, 4,912, 5,128 yuan/m² {SEED_YEARS}", ("year",),
             "", equation=HOUSING),
    Variable("presale_permits", AREA_YEAR, "new presale permits (商品房 scope)", "indicator",
             f"seed: 305.73, 193.14, 178, 344.9 万m² {SEED_YEARS}", ("year",), "",
             equation=HOUSING),
    Variable("completions_commodity", AREA_YEAR, "completions (商品房 scope)", "indicator",
             "seed 2019: 197.5 万m²", ("year",), "", equation=HOUSING),
    Variable("development_investment", "1e8 yuan/year",
             "real-estate development investment (房地产开发投资)", "indicator",
             f"seed: 149.6, 156.6, 135.6, 129.5 亿元 {SEED_YEARS}", ("year",), "",
             equation=HOUSING),
    Variable("per_capita_floor_area", "m**2/person",
             "urban residential floor area per urban resident", "indicator",
             "seed 2019: 31.6 m² per person", ("year",), "", equation=HOUSING),
    Variable("presale_share", "percent", "share of presales (期房) in sales (0 without sales)",
             "indicator", "model definition: presales / sales; no seed figure", ("year",), "",
             equation=HOUSING),
    Variable("new_supply", AREA_YEAR,
             "new commodity housing supply: residential presale permits", "indicator",
             "seed Table 2: 220 万m² a year 2021-2025", ("year",), "", equation=HOUSING),
)  # fmt: skip
BY_NAME = {var.name: var for var in INDICATORS}


def _param(ds: xr.Dataset, name: str) -> xr.Variable | float:
    """A parameter as a member Variable when it varies, else a float."""
    if f"parameter_{name}" in ds:
        return ds.variables[f"parameter_{name}"]
    return float(ds.attrs[f"param_{name}"])


def _ratio(num: xr.Variable, den: xr.Variable, otherwise: xr.Variable) -> xr.Variable:
    """``num / den`` where ``den > 0``, else ``otherwise`` (a year without sales)."""
    out = np.array(otherwise.values, dtype=float, copy=True)
    with np.errstate(over="ignore"):  # a denominator of 1e-300 gives inf, as it should
        np.divide(num.values, den.values, out=out, where=den.values > 0)
    return den.copy(data=out)


def add_indicators(ds: xr.Dataset) -> xr.Dataset:
    """Return ``ds`` with the yearly population and housing indicators added.

    Computed on ``xarray.Variable`` objects (named dims, no index alignment), which
    keeps a single run fast. Units and long names come from `INDICATORS`.
    """
    new = population_indicators(ds)
    if "sales_yearly" in ds:
        new.update(housing_indicators(ds))
    arrays = {}
    for name, data in new.items():
        meta = BY_NAME[name]
        arrays[name] = data.copy(deep=False)
        arrays[name].attrs = {"units": meta.units, "long_name": meta.long_name}
    return ds.assign(arrays)


def population_indicators(ds: xr.Dataset) -> dict[str, xr.Variable]:
    """Population, migration, ageing and household indicators per year."""
    v = ds.variables
    pop_end = v["population_yearly"].sum("area")
    births = v["births_yearly"].sum("area")
    deaths = v["deaths_yearly"].sum("area")
    migration_in = v["in_migration_yearly"].sum("area")
    migration_out = v["out_migration_yearly"].sum("area")
    pop_start = pop_end - (births - deaths + migration_in - migration_out)
    mean_pop = (pop_start + pop_end) / 2
    urban = v["population_yearly"].isel(area=0)
    return {
        "population_total": pop_end,
        "population_urban": urban,
        "urbanisation_rate": 100 * urban / pop_end,
        "natural_growth_rate": 1000 * (births - deaths) / mean_pop,
        "net_migration": migration_in - migration_out,
        "share_60plus": 100 * v["population_60plus_yearly"] / pop_end,
        "households_urban": v["households_yearly"].isel(area=0),
    }


def trailing_clearance(ds: xr.Dataset) -> xr.Variable:
    """Clearance period 去化周期 each month (months): inventory / trailing 12-month sales.

    The first 11 months complete the 12-month window with the end-2015 expected sales
    rate (a parameter), since 2015 sales are not simulated. With no sales in 12 months
    the period is infinite (zero if the inventory is empty too).
    """
    sales = ds.variables["sales"]  # (member, time), per month
    before = _param(ds, "expected_sales_2015")
    before = before.values if isinstance(before, xr.Variable) else np.full(sales.shape[0], before)
    padded = np.concatenate([np.repeat(before[:, None] / 12.0, 12, axis=1), sales.values], axis=1)
    cumulative = np.cumsum(padded, axis=1)
    window = cumulative[:, 12:] - cumulative[:, :-12]
    inventory = ds.variables["residential_inventory"].values
    months = np.divide(inventory, window / 12.0, out=np.zeros_like(inventory), where=window > 0)
    months[(window <= 0) & (inventory > 0)] = np.inf  # no sales in a year: never cleared
    return sales.copy(data=months)


def housing_indicators(ds: xr.Dataset) -> dict[str, xr.Variable]:
    """Housing-market indicators per year, mapped to the seed's scopes."""
    v = ds.variables
    share = _param(ds, "residential_share_sales")
    invest_share = _param(ds, "investment_residential_share")
    sales = v["sales_yearly"]
    value = v["residential_sales_value_yearly"]
    inventory = v["residential_inventory_yearly"]
    never = inventory.copy(data=np.where(inventory.values > 0, np.inf, 0.0))  # no sales
    december = _ratio(12.0 * inventory, sales, never)
    monthly = {}
    if "sales" in ds and "residential_inventory" in ds:
        monthly["clearance_period_monthly"] = trailing_clearance(ds)
    urban = v["population_yearly"].isel(area=0)
    presales = v["presales_yearly"]
    investment = (v["construction_spending_yearly"] + v["land_payments_yearly"]) / invest_share
    return monthly | {
        "clearance_period": december,
        "residential_sales": sales,
        "sales_area": sales / share,
        "sales_value": value / share,
        "average_price": _ratio(value * M2_PER_1E4, sales, v["price_yearly"]),
        "presale_permits": ds["permits_yearly"] / share,
        "completions_commodity": ds["completions_yearly"] / share,
        "development_investment": investment,
        "per_capita_floor_area": ds["housing_stock_yearly"] * M2_PER_1E4 / urban,
        "presale_share": _ratio(100 * presales, sales, 0.0 * sales),
        "new_supply": ds["permits_yearly"],
    }


__all__ = ["INDICATORS", "add_indicators", "trailing_clearance", "np"]
