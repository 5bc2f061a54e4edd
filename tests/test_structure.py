"""Structure tests after Barlas (1996): extreme conditions, integration error, conservation.

Barlas, Y. (1996), "Formal aspects of model validity and validation in system dynamics",
System Dynamics Review 12(3). Direct structure tests run here:

- extreme conditions: every policy lever and every exogenous input at zero, ten times
  normal and a sudden stop or jump; stocks stay non-negative, prices positive and
  finite, and the response goes the economically right way;
- integration error (behaviour sensitivity to dt and the integration method);
- dimensional/mass consistency: people and floor area conserved every month in every
  shipped scenario;
- property-based: random parameter sets over the whole parameter box and random
  scenario settings keep the model physical and its identities exact.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anshan_housing.calibration import default_run_values
from anshan_housing.experiments.policies import (
    PLAN_END,
    POLICY_SETTINGS,
    VARIANT_SETTINGS,
    clearance_target,
)
from anshan_housing.experiments.scenarios import (
    INPUT_SETTINGS,
    Scenario,
    load_scenario,
    run_scenario,
    shipped_scenarios,
)
from anshan_housing.model.delays import limit_outflows
from anshan_housing.model.engine import Shock, simulate
from anshan_housing.model.inputs import shipped_data
from anshan_housing.model.parameters import load_parameters
from anshan_housing.model.system import constants, default_inputs

YEARS = np.arange(2016, 2026)
ROUNDING = 1e-12  # a stock emptied exactly in one step may end at -1 ulp of its size
CONSERVATION_RTOL = 1e-9
STOCKS = (
    "population",
    "households",
    "land_bank",
    "construction",
    "presale_unsold",
    "presale_sold",
    "completed_unsold",
    "housing_stock",
    "residential_inventory",
    "expected_sales",
    "households_reference",
    "rental_waiting",
)
FLOWS = (
    "births",
    "deaths",
    "in_migration",
    "out_migration",
    "land_area_in",
    "starts",
    "permits",
    "presales",
    "completed_sales",
    "completions",
    "demolition",
    "sales",
    "demand",
    "rental_subsidies",
)
PRICES = ("price", "price_yearly", "average_price")
# The only documented infinity: the clearance period of a year (or trailing 12 months)
# without sales while inventory is left (model/indicators.py, trailing_clearance).
MAY_BE_INFINITE = ("clearance_period", "clearance_period_monthly")
PIPELINE = ("land_bank", "construction", "presale_unsold", "presale_sold", "completed_unsold")


@functools.cache
def run_values() -> dict:
    """The values every command uses: the committed calibration over the defaults."""
    return default_run_values()[1]


def members(ds, name: str) -> np.ndarray:
    """Values of a variable with the members first (one member when there is no dim)."""
    da = ds[name]
    return da.transpose("member", ...).values if "member" in da.dims else da.values[None]


def param(ds, name: str) -> np.ndarray:
    """A parameter of each member, shape (member,): a member variable or an attr."""
    size = ds.sizes.get("member", 1)
    if f"parameter_{name}" in ds:
        return np.broadcast_to(ds[f"parameter_{name}"].values, (size,)).astype(float)
    return np.full(size, float(ds.attrs[f"param_{name}"]))


# The end-2015 value of each stock (a parameter): part of the stock's size when the
# rounding allowance is set, since a stock drained in the first step records only ~0.
INITIAL = {
    "population": "population_2015",
    "land_bank": "land_bank_2015",
    "construction": "construction_2015",
    "presale_unsold": "inventory_2015",
    "presale_sold": "presale_sold_2015",
    "completed_unsold": "inventory_2015",
    "housing_stock": "housing_stock_2015",
    "residential_inventory": "inventory_2015",
    "expected_sales": "expected_sales_2015",
    "rental_waiting": "rental_waiting_2015",
}


def assert_physical(ds) -> None:
    """Stocks >= 0 (up to rounding), flows >= 0, prices positive and finite, no NaN.

    The rounding allowance is ROUNDING x the stock's largest value in that member,
    its end-2015 value included.
    """
    for name in STOCKS + FLOWS:
        values = members(ds, name).reshape(ds.sizes.get("member", 1), -1)
        assert np.all(np.isfinite(values)), name
        top = np.max(np.abs(values), axis=1)
        if name in INITIAL:
            top = np.maximum(top, param(ds, INITIAL[name]))
        low = values.min(axis=1)
        assert np.all(low >= -ROUNDING * top), (name, float(low.min()))
    for name in PRICES:
        values = ds[name].values
        assert np.all(np.isfinite(values)) and float(values.min()) > 0.0, name
    for name, var in ds.data_vars.items():
        if not np.issubdtype(var.dtype, np.floating):
            continue
        assert not np.isnan(var.values).any(), f"NaN in {name}"
        if name not in MAY_BE_INFINITE:
            assert np.isfinite(var.values).all(), f"infinity in {name}"
    never = np.isinf(members(ds, "clearance_period"))
    # infinite only without sales, or with sales so small (1e-311) that the ratio overflows
    overflow = members(ds, "residential_inventory_yearly")[never] / np.finfo(float).max
    assert np.all(members(ds, "sales_yearly")[never] <= 12 * overflow), "infinite with sales"


# ---------------------------------------------------------------- extreme conditions


def _inputs(name: str, change) -> dict[str, np.ndarray]:
    inputs = default_inputs(YEARS)
    inputs[name] = np.asarray(change(inputs[name].copy(), YEARS), float)
    return inputs


INCOME_2015 = constants(shipped_data()).income_2015  # yuan/year


def _income_growing(rate: float):
    return lambda income, years: INCOME_2015 * (1.0 + rate) ** (years - 2015)


MEAN_INCOME_GROWTH = float(
    (default_inputs(YEARS)["urban_disposable_income"][3] / INCOME_2015) ** (1 / 4) - 1
)  # 2016-2019 mean growth, about 6.5 %/year

# Each extreme: keyword arguments of simulate (inputs, shocks) and parameter changes.
EXTREMES: dict[str, dict] = {
    "base": {},
    # land transacted (input)
    "land-zero": {"inputs": _inputs("land_transacted", lambda a, y: 0 * a)},
    "land-x10": {"inputs": _inputs("land_transacted", lambda a, y: 10 * a)},
    "land-stop-2020": {
        "inputs": _inputs("land_transacted", lambda a, y: np.where(y >= 2020, 0, a))
    },
    # shantytown resettlement (inputs); the seed's programme already ends in 2019, so
    # the sudden stop is put in 2017
    **{
        f"{kind}-{label}": {"inputs": _inputs(f"resettlement_{kind}", change)}
        for kind in ("cash", "purchase")
        for label, change in (
            ("zero", lambda a, y: 0 * a),
            ("x10", lambda a, y: 10 * a),
            ("stop-2017", lambda a, y: np.where(y >= 2017, 0, a)),
        )
    },
    # urban disposable income (input)
    "income-no-growth": {"inputs": _inputs("urban_disposable_income", _income_growing(0.0))},
    "income-growth-x10": {
        "inputs": _inputs("urban_disposable_income", _income_growing(10 * MEAN_INCOME_GROWTH))
    },
    "income-x10-from-2020": {
        "inputs": _inputs("urban_disposable_income", lambda a, y: np.where(y >= 2020, 10 * a, a))
    },
    "income-growth-stop-2020": {
        "inputs": _inputs("urban_disposable_income", lambda a, y: np.where(y >= 2020, a[3], a))
    },
    # provident-fund lending (input), changed from 2020 on
    "lending-x10-from-2020": {
        "inputs": _inputs("provident_lending", lambda a, y: np.where(y >= 2020, 10 * a, a))
    },
    "lending-stop-2020": {
        "inputs": _inputs("provident_lending", lambda a, y: np.where(y >= 2020, 0, a))
    },
    # demand-side levers (parameters, the scenario variants' shocks)
    "subsidy-max": {"values": {"purchase_subsidy": "upper"}},
    "subsidy-max-from-2021": {"shocks": [Shock("2021-01", "purchase_subsidy", "set", 1000.0)]},
    "out-migration-x0": {"values": {"out_migration_rate": 0.0}},
    "out-migration-x10": {"values": {"out_migration_rate": "x10"}},
    "out-migration-stop-2020": {"shocks": [Shock("2020-01", "out_migration_rate", "scale", 0.0)]},
    "out-migration-x10-from-2020": {
        "shocks": [Shock("2020-01", "out_migration_rate", "scale", 10.0)]
    },
    "in-migration-x0": {"values": {"in_migration": 0.0}},
    "in-migration-x10": {"values": {"in_migration": "x10"}},
    "rental-capacity-zero": {"values": {"rental_subsidy_capacity": 0.0}},
    "rental-capacity-x10": {"values": {"rental_subsidy_capacity": "x10"}},
    "rental-stop-2020": {"shocks": [Shock("2020-01", "rental_subsidy_capacity", "set", 0.0)]},
}


@functools.cache
def extreme(name: str):
    """The run of one extreme condition (each simulated once per session)."""
    spec = EXTREMES[name]
    values = dict(run_values())
    table = load_parameters()
    for key, change in spec.get("values", {}).items():
        if change == "upper":
            values[key] = table[key].upper
        elif change == "x10":
            values[key] = 10.0 * values[key]
        else:
            values[key] = change
    ds = simulate(
        values, inputs=spec.get("inputs"), shocks=spec.get("shocks", ()), record_age=False
    )
    return ds.isel(member=0)


def at(name: str, variable: str, years) -> float:
    """Sum (flows, several years) or value (one year) of a yearly variable."""
    da = extreme(name)[variable]
    if isinstance(years, slice):
        return float(da.sel(year=years).sum())
    return float(da.sel(year=years))


@pytest.mark.parametrize("name", list(EXTREMES))
def test_extreme_condition_keeps_stocks_non_negative_and_prices_positive(name):
    assert_physical(extreme(name))


def test_no_land_empties_the_inventory_and_raises_the_price():
    assert float(extreme("land-zero")["land_transacted_yearly"].sum()) == 0.0
    assert at("land-zero", "residential_inventory_yearly", 2025) < 0.01 * at(
        "base", "residential_inventory_yearly", 2025
    )
    assert at("land-zero", "average_price", 2025) > at("base", "average_price", 2025)


def test_ten_times_land_raises_inventory_and_lowers_price_by_2025():
    assert at("land-x10", "residential_inventory_yearly", 2025) > 2 * at(
        "base", "residential_inventory_yearly", 2025
    )
    assert at("land-x10", "average_price", 2025) < at("base", "average_price", 2025)
    assert at("land-x10", "clearance_period", 2025) > at("base", "clearance_period", 2025)


def test_land_stop_in_2020_lowers_inventory_and_raises_price_by_2025():
    same = slice(2016, 2019)
    assert at("land-stop-2020", "sales_yearly", same) == at("base", "sales_yearly", same)
    assert at("land-stop-2020", "residential_inventory_yearly", 2025) < at(
        "base", "residential_inventory_yearly", 2025
    )
    assert at("land-stop-2020", "average_price", 2025) > at("base", "average_price", 2025)


@pytest.mark.parametrize("kind", ["cash", "purchase"])
def test_more_resettlement_means_more_sales_and_a_higher_price(kind):
    years = slice(2016, 2019)
    sales = [at(f"{kind}-{label}", "sales_yearly", years) for label in ("zero", "x10")]
    assert sales[0] < at("base", "sales_yearly", years) < sales[1]
    demand = [
        at(f"{kind}-{label}", "demand_resettlement_yearly", years) for label in ("zero", "x10")
    ]
    base_demand = at("base", "demand_resettlement_yearly", years)
    assert demand[0] < base_demand < demand[1]
    price = [at(f"{kind}-{label}", "average_price", 2019) for label in ("zero", "x10")]
    assert price[0] < at("base", "average_price", 2019) < price[1]


@pytest.mark.parametrize("kind", ["cash", "purchase"])
def test_resettlement_stop_in_2017_lowers_sales_2017_2019(kind):
    assert at(f"{kind}-stop-2017", "sales_yearly", 2016) == at("base", "sales_yearly", 2016)
    years = slice(2017, 2019)
    assert at(f"{kind}-stop-2017", "sales_yearly", years) < at("base", "sales_yearly", years)
    assert at(f"{kind}-stop-2017", "demand_resettlement_yearly", years) < at(
        "base", "demand_resettlement_yearly", years
    )


def test_more_income_growth_means_a_higher_price():
    prices = [
        at(name, "average_price", 2025)
        for name in ("income-no-growth", "base", "income-growth-x10")
    ]
    assert prices[0] < prices[1] < prices[2]


def test_ten_times_income_from_2020_raises_the_price():
    assert at("income-x10-from-2020", "average_price", 2025) > at("base", "average_price", 2025)


def test_income_growth_stop_in_2020_lowers_the_price_by_2025():
    assert at("income-growth-stop-2020", "average_price", 2025) < at("base", "average_price", 2025)


def test_ten_times_provident_lending_from_2020_raises_sales_and_price():
    years = slice(2020, 2025)
    assert at("lending-x10-from-2020", "sales_yearly", years) > at("base", "sales_yearly", years)
    assert at("lending-x10-from-2020", "average_price", 2025) > at("base", "average_price", 2025)


def test_provident_lending_stop_in_2020_lowers_sales_and_price():
    years = slice(2020, 2025)
    assert at("lending-stop-2020", "sales_yearly", years) < at("base", "sales_yearly", years)
    assert at("lending-stop-2020", "price_yearly", 2025) < at("base", "price_yearly", 2025)


def test_no_provident_lending_in_any_year_gives_finite_results():
    inputs = _inputs("provident_lending", lambda a, y: 0 * a)
    ds = simulate(run_values(), inputs=inputs, record_age=False).isel(member=0)
    assert_physical(ds)


def test_ten_times_provident_lending_in_every_year_raises_sales_then_price():
    """Ten times the credit pulls sales forward: they rise at once and drain the inventory.

    From 2019 on sales fall below the base run: demand stays above them, but with the
    land supply unchanged the drained inventory (a clearance period of 2-3 months) lets
    no more be sold than is built. The tight market drives the price up: the reference
    price grows by clearance_price_slope x neutral_clearance x ln 4 = 54 %/yr at most
    (the clearance ratio is clipped at a quarter of the neutral period), less the pull
    back to the fundamental price; the price, which adds expected growth, rises at its
    cap of 30 %/yr (35 % a year compounded) against 3-10 %/yr in the base run: 2.6
    times the base price in 2020 (14,320 against 5,492 yuan/m2).
    """
    inputs = _inputs("provident_lending", lambda a, y: 10 * a)
    ds = simulate(run_values(), inputs=inputs, record_age=False).isel(member=0)
    first = slice(2016, 2017)
    assert float(ds["sales_yearly"].sel(year=first).sum()) > 1.5 * at("base", "sales_yearly", first)
    inventory = float(ds["residential_inventory_yearly"].sel(year=2017))
    assert inventory < 0.5 * at("base", "residential_inventory_yearly", 2017)
    later = slice(2019, 2025)
    assert float(ds["sales_yearly"].sel(year=later).sum()) < at("base", "sales_yearly", later)
    assert float(ds["average_price"].sel(year=2020)) > 1.5 * at("base", "average_price", 2020)


def test_sales_go_on_without_provident_lending():
    assert at("lending-stop-2020", "sales_yearly", slice(2021, 2025)) > 0.0


def test_purchase_subsidy_at_its_maximum_raises_sales_and_price():
    years = slice(2016, 2019)
    assert at("subsidy-max", "sales_yearly", years) > at("base", "sales_yearly", years)
    assert at("subsidy-max", "price_yearly", 2019) > at("base", "price_yearly", 2019)


def test_purchase_subsidy_from_2021_raises_sales_2021_2025():
    years = slice(2021, 2025)
    assert at("subsidy-max-from-2021", "sales_yearly", years) > at("base", "sales_yearly", years)
    same = slice(2016, 2020)
    assert at("subsidy-max-from-2021", "sales_yearly", same) == at("base", "sales_yearly", same)


def test_less_out_migration_means_more_people():
    population = [
        at(name, "population_total", 2025)
        for name in ("out-migration-x0", "base", "out-migration-x10")
    ]
    assert population[0] > population[1] > population[2]
    assert float(extreme("out-migration-x0")["out_migration_yearly"].sum()) == 0.0


def test_ten_times_out_migration_lowers_sales_and_price_and_leaves_inventory():
    years = slice(2016, 2025)
    assert at("out-migration-x10", "sales_yearly", years) < at("base", "sales_yearly", years)
    assert at("out-migration-x10", "average_price", 2025) < at("base", "average_price", 2025)
    assert at("out-migration-x10", "residential_inventory_yearly", 2025) > at(
        "base", "residential_inventory_yearly", 2025
    )


def test_out_migration_stop_or_jump_in_2020_moves_population_from_then_on():
    same = slice(2016, 2019)
    for name in ("out-migration-stop-2020", "out-migration-x10-from-2020"):
        assert at(name, "out_migration_yearly", same) == at("base", "out_migration_yearly", same)
    assert at("out-migration-stop-2020", "population_total", 2025) > at(
        "base", "population_total", 2025
    )
    assert at("out-migration-x10-from-2020", "population_total", 2025) < at(
        "base", "population_total", 2025
    )


def test_more_in_migration_means_more_people():
    population = [
        at(name, "population_total", 2025)
        for name in ("in-migration-x0", "base", "in-migration-x10")
    ]
    assert population[0] < population[1] < population[2]


def test_rental_subsidy_capacity_moves_waiting_households_the_right_way():
    waiting = [
        at(name, "rental_waiting_yearly", 2025)
        for name in ("rental-capacity-zero", "base", "rental-capacity-x10")
    ]
    assert waiting[0] > waiting[1] > waiting[2]
    assert at("rental-capacity-zero", "rental_subsidies_yearly", slice(2016, 2025)) == 0.0
    granted = extreme("rental-capacity-x10")["rental_subsidies_yearly"].values
    capacity = 10 * run_values()["rental_subsidy_capacity"]
    assert np.all(granted <= capacity * (1 + 1e-9))
    assert at("rental-stop-2020", "rental_subsidies_yearly", slice(2020, 2025)) == 0.0
    assert at("rental-stop-2020", "rental_waiting_yearly", 2025) > waiting[1]


# ---------------------------------------------------------------- integration error

# Largest difference 2016-2025 of every yearly output between the default integrator
# (Heun, monthly steps) and Heun at dt = 1/48, RK4 at monthly steps and RK4 at 1/48,
# with the committed calibration (percent of the reference; growth rates, which pass
# through zero, and the residual stocks below in percent of their largest size).
# Measured:
#
#   output (59 yearly outputs)     Heun 1/48   RK4 1/12   RK4 1/48   Euler 1/12 vs RK4 1/48
#   construction_yearly              0.90        1.10       0.97           4.1
#   land_bank_yearly                 0.48        0.50       0.51           2.6
#   presale_permits                  0.15        0.17       0.16           3.3
#   clearance_period                 0.094       0.092      0.099          2.2
#   residential_inventory_yearly     0.089       0.10       0.095          0.83
#   expected_growth_yearly           0.090       0.067      0.093          2.0
#   average_price                    0.054       0.019      0.055          1.7
#   demand_formation_yearly          0.052       0.056      0.056          1.9
#   development_investment           0.032       0.040      0.031          1.4
#   sales_area                       0.023       0.032      0.025          1.6
#   per_capita_floor_area            0.002       0.002      0.002          0.12
#   population_total                 0.000       0.000      0.000          0.010
#
# Euler with monthly steps, the classic SD scheme and still an option, misses 1 % for
# the pipeline: the presale delay is a third-order chain of 0.6 years (stages of 2.4
# months) inside the stock-management loop, and Euler is first order; Heun's second
# evaluation (of the whole model, the population included) removes most of that error.
GROWTH_RATES = {"expected_growth_yearly", "natural_growth_rate"}
# The largest differences are those of construction in December 2025. In the base run
# starts stay at the idle-land floor (land_bank / max_land_holding) until April 2022,
# then follow the stock-management rule and, with the land bank nearly drained, reach
# its ceiling (land_bank / min_start_time) in August-November 2025. Across these
# switches monthly steps are off more (construction, below). The README's promise is
# Heun at monthly steps within 1 % of the converged solution (RK4 or Heun at 1/48);
# RK4 at monthly steps is a reference only up to its own error, at most 0.5 %
# (test_rk4_at_monthly_steps_is_converged), so against it the bound is 1 % + 0.5 %.
MONTHLY_STEP_TOLERANCE = {"heun-48": 0.01, "rk4-12": 0.015, "rk4-48": 0.01}
# The land bank is the small residual of large flows (land in, starts out): starts
# drain it to about 46 万m² by the end of 2025 (from 432 in 2016; sales stay near 205
# 万m²/year). The winter stop begins on 15 November, inside the November step at
# monthly steps (that step runs half active); from dt = 1/24 on the stop falls on a
# step boundary. Measured on 2026-12-01, before idle land was taken back: RK4
# converges from monthly steps on (end of 2025: 45.916, 45.879,
# 45.868, 45.872, 45.872 at 1/12, 1/24, 1/48, 1/96, 1/192), Heun at second order
# (48.064, 46.359, 45.990, 45.898, 45.878: errors 2.19, 0.49, 0.12, 0.03, 0.01 万m²).
# Monthly Heun steps thus leave it 4.8 % off its own value at the end of 2025 but only
# 0.5 % of its largest size: it is measured against its largest size, like the growth
# rates, and its own-value error is bounded separately below.
# Construction in 2025 follows it: with the land bank nearly drained, starts run at the
# land-bank ceiling (land_bank / min_start_time), so the land bank's error passes into
# construction (monthly Heun: -1.33 % of its 2025 value, 1.05 % of its largest size
# against RK4 at 1/48 year: the one output over the README's 1 %, allowed 1.1 % here
# and stated there).
# The co-flows of construction (the green and prefabricated area started, model/standards.py)
# carry its error, but peak in 2025, so against their largest size it is their own-value
# error, 1.3-1.8 % (construction's own: 1.4 %): allowed 2 %.
CONSTRUCTION_COFLOWS = ("green_construction_yearly", "prefab_construction_yearly")
RESIDUAL_STOCKS = {"land_bank_yearly", "construction_yearly", *CONSTRUCTION_COFLOWS}
LAND_LIMITED_TOLERANCE = {"construction_yearly": 0.011, **dict.fromkeys(CONSTRUCTION_COFLOWS, 0.02)}
RESIDUAL_OWN_VALUE = 0.05  # the land bank's error against its own value, monthly steps
# Flows near zero in the shipped run, measured against a larger flow of the same stock:
# idle land is taken back only where funds fall short, in 2016-2019 just after each
# January's land payment (0.7 万m² in 2016 against 254 of starts)
SMALL_FLOWS = {"land_repossessed_yearly": "starts_yearly"}


@functools.cache
def integration_runs() -> dict:
    values = run_values()
    runs = {
        "heun-12": simulate(values, record_age=False, monthly=()),
        "heun-48": simulate(values, dt=1 / 48, record_age=False, monthly=()),
        "rk4-12": simulate(values, integrator="rk4", record_age=False, monthly=()),
        "rk4-48": simulate(values, dt=1 / 48, integrator="rk4", record_age=False, monthly=()),
        "euler-12": simulate(values, integrator="euler", record_age=False, monthly=()),
        "euler-48": simulate(values, integrator="euler", dt=1 / 48, record_age=False, monthly=()),
    }
    return {name: ds.isel(member=0) for name, ds in runs.items()}


def yearly_outputs() -> list[str]:
    ds = integration_runs()["heun-12"]
    return [name for name, var in ds.data_vars.items()
            if var.dims == ("year",) and not name.startswith("input_")]  # fmt: skip


def relative_difference(a: str, b: str, variable: str) -> float:
    """Largest difference over the years, relative to the reference ``b``."""
    runs = integration_runs()
    x, y = runs[a][variable].values, runs[b][variable].values
    assert np.all(np.isfinite(x)) and np.all(np.isfinite(y))
    scale = np.max(np.abs(y)) if variable in GROWTH_RATES | RESIDUAL_STOCKS else np.abs(y)
    if variable in SMALL_FLOWS:
        scale = np.abs(runs[b][SMALL_FLOWS[variable]].values)
    differs = np.abs(x - y)
    return float(np.max(np.divide(differs, scale, out=np.zeros_like(differs),
                                  where=differs > 0)))  # fmt: skip


def test_integration_check_covers_the_outputs_the_plan_reports():
    names = yearly_outputs()
    assert len(names) > 40
    for name in (
        "clearance_period",
        "presale_permits",
        "residential_inventory_yearly",
        "development_investment",
        "per_capita_floor_area",
        "population_total",
    ):
        assert name in names


@pytest.mark.parametrize("reference", list(MONTHLY_STEP_TOLERANCE))
def test_monthly_steps_are_within_one_percent_of_finer_steps_and_rk4(reference):
    tolerance = MONTHLY_STEP_TOLERANCE[reference]
    over = {
        name: error
        for name in yearly_outputs()
        if (error := relative_difference("heun-12", reference, name))
        > max(tolerance, LAND_LIMITED_TOLERANCE.get(name, 0.0))
    }
    assert not over, over


def test_rk4_at_monthly_steps_is_converged():
    for name in yearly_outputs():
        assert relative_difference("rk4-12", "rk4-48", name) <= 0.005, name


def test_land_bank_against_its_own_value_and_finer_steps_converge():
    runs = integration_runs()
    for coarse in ("heun-12", "rk4-12"):
        own = runs[coarse]["land_bank_yearly"] / runs["rk4-48"]["land_bank_yearly"] - 1
        assert float(np.max(np.abs(own))) <= RESIDUAL_OWN_VALUE, coarse
    fine = runs["heun-48"]["land_bank_yearly"] / runs["rk4-48"]["land_bank_yearly"] - 1
    assert float(np.max(np.abs(fine))) <= 0.003  # 1/19 of the monthly error: 0.24 %


@pytest.mark.parametrize("variable", ["presale_permits", "clearance_period", "average_price"])
def test_euler_option_misses_one_percent_and_converges_at_first_order(variable):
    # the reason the default is Heun: Euler at monthly steps misses the 1 % that Heun
    # keeps (README), and a step four times smaller leaves about a quarter of the error.
    # Measured against RK4 at 1/48: permits 3.3 %, clearance 2.2 %, price 1.7 % (Heun
    # 0.16, 0.10, 0.06 %), ratios 4.3, 4.2 and 3.9; the inventory is 0.83 % off.
    coarse = relative_difference("euler-12", "rk4-48", variable)
    fine = relative_difference("euler-48", "rk4-48", variable)
    assert coarse > 0.01
    assert 3.0 < coarse / fine < 5.0


def test_heun_error_shrinks_faster_than_euler():
    for name in ("presale_permits", "residential_inventory_yearly", "clearance_period"):
        coarse = relative_difference("heun-12", "rk4-48", name)
        fine = relative_difference("heun-48", "rk4-48", name)
        assert coarse / fine > 3.0, name
        assert coarse < relative_difference("euler-12", "rk4-48", name) / 5, name


# ---------------------------------------------------------------- conservation


@functools.cache
def scenario_run(path):
    table, values, _ = default_run_values()
    return run_scenario(load_scenario(path, table), values, record_age=False).isel(member=0)


SCENARIOS = [pytest.param(path, id=path.stem) for path in shipped_scenarios()]


def check_people_conserved(ds) -> None:
    """Population change = births - deaths + in - out, each month, total and by area."""
    total = param(ds, "population_2015")
    urban = total * param(ds, "urban_share_2015")
    pop = members(ds, "population")  # (member, time, area)
    start = np.stack([urban, total - urban], axis=-1)[:, None, :]
    before = np.concatenate([start, pop[:, :-1]], axis=1)
    net = (
        members(ds, "births")
        - members(ds, "deaths")
        + members(ds, "in_migration")
        - members(ds, "out_migration")
    )
    scale = CONSERVATION_RTOL * np.maximum(pop.sum(axis=-1), 1.0)
    change = pop.sum(axis=-1) - before.sum(axis=-1)
    assert np.all(np.abs(change - net.sum(axis=-1)) <= scale)
    moved = members(ds, "urbanisation")  # rural -> urban, the only flow between areas
    urban_change = pop[..., 0] - before[..., 0] - net[..., 0]
    rural_change = pop[..., 1] - before[..., 1] - net[..., 1]
    assert np.all(np.abs(urban_change - moved) <= scale)
    assert np.all(np.abs(rural_change + moved) <= scale)


def check_floor_area_conserved(ds) -> None:
    """Land floor area in = change of the pipeline + change of the stock net of the
    other completions and demolition, cumulated month by month (member, time)."""
    start_pipeline = (
        param(ds, "land_bank_2015")
        + param(ds, "construction_2015")
        + param(ds, "inventory_2015")
        + param(ds, "presale_sold_2015")
    )[:, None]
    start_stock = param(ds, "housing_stock_2015")[:, None]
    pipeline = sum(members(ds, name) for name in PIPELINE)
    stock = members(ds, "housing_stock")
    land_in = np.cumsum(members(ds, "land_area_in") - members(ds, "land_repossessed"), axis=1)
    other = np.cumsum(members(ds, "other_completions"), axis=1)
    demolished = np.cumsum(members(ds, "demolition"), axis=1)
    balance = land_in - (pipeline - start_pipeline) - (stock - start_stock - other + demolished)
    scale = CONSERVATION_RTOL * (start_pipeline + start_stock + land_in)
    assert np.all(np.abs(balance) <= scale), float(np.max(np.abs(balance) / scale))


def check_stage_balances(ds) -> None:
    """Land bank and construction change by their recorded flows, month by month."""

    def change(name: str) -> np.ndarray:
        start = param(ds, f"{name}_2015")[:, None]
        return np.diff(members(ds, name), axis=1, prepend=start)

    land_in, starts, permits = (members(ds, n) for n in ("land_area_in", "starts", "permits"))
    taken_back = members(ds, "land_repossessed")
    scale = CONSERVATION_RTOL * np.maximum(members(ds, "housing_stock"), 1.0)
    assert np.all(np.abs(change("land_bank") - (land_in - starts - taken_back)) <= scale)
    assert np.all(np.abs(change("construction") - (starts - permits)) <= scale)


@pytest.mark.parametrize("path", SCENARIOS)
def test_people_are_conserved_every_month(path):
    check_people_conserved(scenario_run(path))


@pytest.mark.parametrize("path", SCENARIOS)
def test_floor_area_is_conserved_every_month(path):
    check_floor_area_conserved(scenario_run(path))


@pytest.mark.parametrize("path", SCENARIOS)
def test_land_bank_and_construction_change_by_their_flows_every_month(path):
    check_stage_balances(scenario_run(path))


@pytest.mark.parametrize("path", SCENARIOS)
def test_shipped_scenario_stays_physical(path):
    assert_physical(scenario_run(path))


# ---------------------------------------------------------------- property-based

TABLE = load_parameters()


def check_identities(ds) -> None:
    np.testing.assert_allclose(
        ds["residential_inventory"], ds["presale_unsold"] + ds["completed_unsold"], rtol=1e-12
    )
    np.testing.assert_allclose(
        ds["sales"], ds["presales"] + ds["completed_sales"], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(
        ds["sales_yearly"], ds["presales_yearly"] + ds["completed_sales_yearly"], rtol=1e-9
    )
    check_people_conserved(ds)
    check_floor_area_conserved(ds)
    check_stage_balances(ds)


# every parameter from its lower bound (winter_work 0 and subnormal outflows are covered:
# see test_winter_work_at_its_lower_bound_runs_without_warnings and
# test_outflow_limit_copes_with_a_vanishing_outflow)
LOWER = {name: par.lower for name, par in TABLE.items()}

parameter_sets = st.fixed_dictionaries(
    {
        name: st.floats(LOWER[name], par.upper, allow_nan=False, allow_subnormal=False)
        for name, par in TABLE.items()
    }
)


def test_winter_work_at_its_lower_bound_runs_without_warnings():
    values = dict(run_values(), winter_work=TABLE["winter_work"].lower)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = simulate(values, record_age=False).isel(member=0)
    assert_physical(ds)


def _setting(setting, exclude_min: bool = False) -> st.SearchStrategy[float]:
    return st.floats(
        setting.lower,
        setting.upper,
        exclude_min=exclude_min,
        allow_nan=False,
        allow_subnormal=False,
    )


@st.composite
def scenarios(draw) -> Scenario:
    """A scenario with every setting inside the ranges a scenario file allows."""
    kind = draw(st.sampled_from(sorted(POLICY_SETTINGS)))
    policy_settings = {
        k: draw(_setting(s, exclude_min=False)) for k, s in POLICY_SETTINGS[kind].items()
    }
    start = draw(st.integers(2017, PLAN_END))
    path = None
    if kind == "path":
        land = st.floats(0.0, 5000.0, allow_nan=False, allow_subnormal=False)
        path = tuple(
            draw(st.lists(land, min_size=PLAN_END - start + 1, max_size=PLAN_END - start + 1))
        )
    kinds = draw(st.lists(st.sampled_from(sorted(VARIANT_SETTINGS)), unique=True, max_size=3))
    variants = tuple(
        (v, {k: draw(_setting(s)) for k, s in VARIANT_SETTINGS[v].items()}) for v in kinds
    )
    chosen = draw(st.lists(st.sampled_from(sorted(INPUT_SETTINGS)), unique=True))
    inputs = {name: draw(_setting(INPUT_SETTINGS[name])) for name in chosen}
    return Scenario(
        name="drawn",
        description="drawn by hypothesis",
        policy=kind,
        policy_settings=policy_settings,
        start_year=start,
        path=path,
        variants=variants,
        inputs=inputs,
    )


def test_clearance_target_with_zero_gain_keeps_the_quota_after_a_year_without_sales():
    quota = clearance_target(
        np.array([np.inf, 10.0]),
        np.array([50.0, 50.0]),
        {"target_months": 16.5, "gain": 0.0, "max_change": 0.5, "floor": 10.0},
    )
    assert np.all(quota == 50.0)
    # the same through a scenario a user can write: no provident lending from 2020
    scenario = Scenario(
        name="zero-gain",
        description="clearance target without gain, lending stopped",
        policy="clearance-target",
        policy_settings={"target_months": 16.5, "gain": 0.0, "max_change": 0.5, "floor": 10.0},
        inputs={"provident_lending": 0.0},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ds = run_scenario(scenario, run_values(), record_age=False).isel(member=0)
    assert_physical(ds)


def test_outflow_limit_copes_with_a_vanishing_outflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for total in (5e-324, 2.2e-309):
            (flow,) = limit_outflows(np.array([[100.0]]), 1 / 12, np.array([[total]]))
            assert flow[0, 0] == total


EXAMPLES = {"single": 0, "ensemble": 0, "members": 0}
SINGLE_EXAMPLES = 80  # random single runs of the first property test
ENSEMBLE_EXAMPLES = 25  # random ensembles of the second


@settings(max_examples=SINGLE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=parameter_sets, scenario=scenarios())
def test_random_parameters_and_scenarios_stay_physical_and_keep_identities(values, scenario):
    EXAMPLES["single"] += 1
    ds = run_scenario(scenario, values, record_age=False).isel(member=0)
    assert_physical(ds)
    check_identities(ds)


ENSEMBLE = 64


@settings(
    max_examples=ENSEMBLE_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    corners=st.booleans(),
    scenario=scenarios(),
)
def test_random_parameter_ensembles_stay_physical_and_keep_identities(seed, corners, scenario):
    """ENSEMBLE parameter sets at once, uniform in the box or at its corners."""
    EXAMPLES["ensemble"] += 1
    EXAMPLES["members"] += ENSEMBLE
    rng = np.random.default_rng(seed)
    shape = (ENSEMBLE, len(TABLE))
    u = rng.integers(0, 2, shape).astype(float) if corners else rng.uniform(0.0, 1.0, shape)
    values = {
        name: LOWER[name] + u[:, j] * (par.upper - LOWER[name])
        for j, (name, par) in enumerate(TABLE.items())
    }
    ds = run_scenario(scenario, values, record_age=False)
    assert ds.sizes["member"] == ENSEMBLE
    assert_physical(ds)
    check_identities(ds)


def test_property_tests_ran_every_example_they_claim():
    """Runs last in the file: the two property tests above ran all their examples.

    Hypothesis runs fewer than ``max_examples`` when its strategies reject draws or
    the space is exhausted; then the parameter box is not covered as claimed. Skipped
    when the property tests were deselected (``-k``).
    """
    ran = {name: EXAMPLES[name] for name in ("single", "ensemble") if EXAMPLES[name]}
    if not ran:
        pytest.skip("the property tests did not run in this session")
    claimed = {"single": SINGLE_EXAMPLES, "ensemble": ENSEMBLE_EXAMPLES}
    for name, count in ran.items():
        assert count >= claimed[name], f"{name}: {count} examples of {claimed[name]}"
    assert EXAMPLES["members"] == ENSEMBLE * EXAMPLES["ensemble"]
