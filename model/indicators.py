"""Yearly indicators on the Dataset, in the scopes of the seed's statistics.

The model keeps residential (商品住宅) floor area. The seed reports sales area, sales
value, presale permits and completions for all commodity buildings (商品房) and the
inventory for housing only; model residential figures are divided by
``residential_share_sales`` (seed 2019: 220 of 242.7 万m²) to compare with 商品房
figures, and development investment by ``investment_residential_share``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

M2_PER_1E4 = 1e4


def _param(ds: xr.Dataset, name: str) -> xr.DataArray | float:
    """A parameter as a member array when it varies, else a float."""
    if f"parameter_{name}" in ds:
        return ds[f"parameter_{name}"]
    return float(ds.attrs[f"param_{name}"])


def add_indicators(ds: xr.Dataset) -> xr.Dataset:
    """Add the yearly population and housing indicators to ``ds`` (in place) and return it."""
    new = population_indicators(ds)
    if "sales_yearly" in ds:
        new.update(housing_indicators(ds))
    for name, (data, units, long_name) in new.items():
        ds[name] = data
        ds[name].attrs.update(units=units, long_name=long_name)
    return ds


def population_indicators(ds: xr.Dataset) -> dict:
    """Population, migration, ageing and household indicators per year."""
    pop_end = ds["population_yearly"].sum("area")
    births = ds["births_yearly"].sum("area")
    deaths = ds["deaths_yearly"].sum("area")
    migration_in = ds["in_migration_yearly"].sum("area")
    migration_out = ds["out_migration_yearly"].sum("area")
    pop_start = pop_end - (births - deaths + migration_in - migration_out)
    mean_pop = (pop_start + pop_end) / 2
    urban = ds["population_yearly"].sel(area="urban", drop=True)
    return {
        "population_total": (pop_end, "person", "resident population at the end of the year"),
        "population_urban": (urban, "person", "urban residents at the end of the year"),
        "urbanisation_rate": (100 * urban / pop_end, "percent",
                              "urban share of residents at the end of the year"),
        "natural_growth_rate": (1000 * (births - deaths) / mean_pop, "per_mille",
                                "(births - deaths) / mean population"),
        "net_migration": (migration_in - migration_out, "person/year",
                          "in-migrants minus out-migrants"),
        "share_60plus": (100 * ds["population_60plus_yearly"] / pop_end, "percent",
                         "share of residents aged 60+ at the end of the year"),
        "households_urban": (ds["households_yearly"].sel(area="urban", drop=True), "household",
                             "urban family households at the end of the year"),
    }  # fmt: skip


def trailing_clearance(ds: xr.Dataset) -> xr.DataArray:
    """Clearance period 去化周期 each month (months): inventory / trailing 12-month sales.

    The first 11 months complete the 12-month window with the end-2015 expected sales
    rate (a parameter), since 2015 sales are not simulated.
    """
    monthly_sales = ds["sales"]
    before = _param(ds, "expected_sales_2015") / 12.0
    window = monthly_sales.rolling(time=12, min_periods=1).sum()
    count = monthly_sales.rolling(time=12, min_periods=1).count()
    average = (window + (12 - count) * before) / 12.0
    return ds["residential_inventory"] / average.where(average > 0)


def housing_indicators(ds: xr.Dataset) -> dict:
    """Housing-market indicators per year, mapped to the seed's scopes."""
    share = _param(ds, "residential_share_sales")
    invest_share = _param(ds, "investment_residential_share")
    sales = ds["sales_yearly"]
    value = ds["sales_value_yearly"]
    clearance = trailing_clearance(ds)
    december = clearance.isel(time=slice(11, None, 12))
    december = december.assign_coords(time=ds["year"].values).rename(time="year")
    urban = ds["population_yearly"].sel(area="urban", drop=True)
    presales = ds["presales_yearly"]
    investment = (ds["construction_spending_yearly"] + ds["land_payments_yearly"]) / invest_share
    return {
        "clearance_period_monthly": (
            clearance, "month", "clearance period (去化周期): inventory / 12-month mean sales"),
        "clearance_period": (
            december, "month", "clearance period (去化周期) at the end of the year"),
        "residential_sales": (sales, "1e4 m**2/year", "residential (商品住宅) sales area"),
        "sales_area": (
            sales / share, "1e4 m**2/year", "sales area of commodity buildings (商品房)"),
        "sales_value": (
            value / share, "1e8 yuan/year", "sales value of commodity buildings (商品房)"),
        "average_price": (value / sales.where(sales > 0) * M2_PER_1E4, "yuan/m**2",
                          "sales-weighted average price"),
        "presale_permits": (ds["permits_yearly"] / share, "1e4 m**2/year",
                            "new presale permits (商品房 scope)"),
        "completions_commodity": (ds["completions_yearly"] / share, "1e4 m**2/year",
                                  "completions (商品房 scope)"),
        "development_investment": (investment, "1e8 yuan/year",
                                   "real-estate development investment (房地产开发投资)"),
        "per_capita_floor_area": (ds["housing_stock_yearly"] * M2_PER_1E4 / urban, "m**2/person",
                                  "urban residential floor area per urban resident"),
        "presale_share": (100 * presales / sales.where(sales > 0), "percent",
                          "share of presales (期房) in sales"),
        "new_supply": (ds["permits_yearly"], "1e4 m**2/year",
                       "new commodity housing supply: residential presale permits"),
    }  # fmt: skip


__all__ = ["add_indicators", "trailing_clearance", "np"]
