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


def _param(ds: xr.Dataset, name: str) -> xr.Variable | float:
    """A parameter as a member Variable when it varies, else a float."""
    if f"parameter_{name}" in ds:
        return ds.variables[f"parameter_{name}"]
    return float(ds.attrs[f"param_{name}"])


def _ratio(num: xr.Variable, den: xr.Variable, otherwise: xr.Variable) -> xr.Variable:
    """``num / den`` where ``den > 0``, else ``otherwise`` (a year without sales)."""
    out = np.array(otherwise.values, dtype=float, copy=True)
    np.divide(num.values, den.values, out=out, where=den.values > 0)
    return den.copy(data=out)


def add_indicators(ds: xr.Dataset) -> xr.Dataset:
    """Return ``ds`` with the yearly population and housing indicators added.

    Computed on ``xarray.Variable`` objects (named dims, no index alignment), which
    keeps a single run fast.
    """
    new = population_indicators(ds)
    if "sales_yearly" in ds:
        new.update(housing_indicators(ds))
    arrays = {}
    for name, (data, units, long_name) in new.items():
        arrays[name] = data.copy(deep=False)
        arrays[name].attrs = {"units": units, "long_name": long_name}
    return ds.assign(arrays)


def population_indicators(ds: xr.Dataset) -> dict:
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
        "population_total": (pop_end, "person", "resident population at the end of the year"),
        "population_urban": (urban, "person", "urban residents at the end of the year"),
        "urbanisation_rate": (100 * urban / pop_end, "percent",
                              "urban share of residents at the end of the year"),
        "natural_growth_rate": (1000 * (births - deaths) / mean_pop, "per_mille",
                                "(births - deaths) / mean population"),
        "net_migration": (migration_in - migration_out, "person/year",
                          "in-migrants minus out-migrants"),
        "share_60plus": (100 * v["population_60plus_yearly"] / pop_end, "percent",
                         "share of residents aged 60+ at the end of the year"),
        "households_urban": (v["households_yearly"].isel(area=0), "household",
                             "urban family households at the end of the year"),
    }  # fmt: skip


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


def housing_indicators(ds: xr.Dataset) -> dict:
    """Housing-market indicators per year, mapped to the seed's scopes."""
    v = ds.variables
    share = _param(ds, "residential_share_sales")
    invest_share = _param(ds, "investment_residential_share")
    sales = v["sales_yearly"]
    value = v["sales_value_yearly"]
    inventory = v["residential_inventory_yearly"]
    never = inventory.copy(data=np.where(inventory.values > 0, np.inf, 0.0))  # no sales
    december = _ratio(12.0 * inventory, sales, never)
    monthly = {}
    if "sales" in ds and "residential_inventory" in ds:
        monthly["clearance_period_monthly"] = (
            trailing_clearance(ds), "month",
            "clearance period (去化周期): inventory / 12-month mean sales")  # fmt: skip
    urban = v["population_yearly"].isel(area=0)
    presales = v["presales_yearly"]
    investment = (v["construction_spending_yearly"] + v["land_payments_yearly"]) / invest_share
    return monthly | {
        "clearance_period": (
            december, "month", "clearance period (去化周期) at the end of the year"),
        "residential_sales": (sales, "1e4 m**2/year", "residential (商品住宅) sales area"),
        "sales_area": (
            sales / share, "1e4 m**2/year", "sales area of commodity buildings (商品房)"),
        "sales_value": (
            value / share, "1e8 yuan/year", "sales value of commodity buildings (商品房)"),
        "average_price": (_ratio(value * M2_PER_1E4, sales, v["price_yearly"]), "yuan/m**2",
                          "sales-weighted average price (the mean price in a year without sales)"),
        "presale_permits": (ds["permits_yearly"] / share, "1e4 m**2/year",
                            "new presale permits (商品房 scope)"),
        "completions_commodity": (ds["completions_yearly"] / share, "1e4 m**2/year",
                                  "completions (商品房 scope)"),
        "development_investment": (investment, "1e8 yuan/year",
                                   "real-estate development investment (房地产开发投资)"),
        "per_capita_floor_area": (ds["housing_stock_yearly"] * M2_PER_1E4 / urban, "m**2/person",
                                  "urban residential floor area per urban resident"),
        "presale_share": (_ratio(100 * presales, sales, 0.0 * sales), "percent",
                          "share of presales (期房) in sales (0 without sales)"),
        "new_supply": (ds["permits_yearly"], "1e4 m**2/year",
                       "new commodity housing supply: residential presale permits"),
    }  # fmt: skip


__all__ = ["add_indicators", "trailing_clearance", "np"]
