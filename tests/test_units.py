"""Units: every unit string parses with pint, and the stock-flow equations are consistent.

Flows are recorded as amounts per month (``.../month``); the sectors compute rates per
year and the engine sums ``rate x dt`` over the month, so a stock changes in one month
by (inflows - outflows) x 1 month. Parameters that enter as flows are rates per year
(``dt`` is in years).
"""

from __future__ import annotations

import numpy as np
import pint
import pytest

from anshan_housing.model import demand, developers, indicators, price, system
from anshan_housing.model.doc import UNIT_DEFINITIONS
from anshan_housing.model.inputs import INPUTS

BY_NAME = {var.name: var for var in system.VARIABLES}
EXACT = 1e-12  # relative tolerance of unit conversions: they are exact powers of ten

# The stock-flow structure, in one place: (stock, inflows, outflows). Names are recorded
# variables (flows in amount/month); "parameter:NAME" is a parameter entering as a flow
# (a rate per year). Completions and sales are recorded in total, so a stock fed by one
# part of them (housing_stock gets the sold completions) lists the whole flow: the check
# is of units, not of amounts. Urbanisation moves people between the two areas of
# population. Each must satisfy: stock units == flow units x time step.
STOCK_FLOWS = (
    ("land_bank", ("land_area_in",), ("starts", "land_repossessed")),
    ("construction", ("starts",), ("permits",)),
    ("presale_unsold", ("permits",), ("presales", "completions")),
    ("presale_sold", ("presales",), ("completions",)),
    ("completed_unsold", ("completions",), ("completed_sales",)),
    ("residential_inventory", ("permits",), ("presales", "completed_sales")),
    ("housing_stock", ("completions", "completed_sales", "parameter:other_completions"),
     ("demolition",)),
    ("population", ("births", "in_migration", "urbanisation", "parameter:in_migration"),
     ("deaths", "out_migration", "urbanisation")),
    ("rental_waiting", ("rental_new_eligible",), ("rental_subsidies",)),
)  # fmt: skip

# First-order smoothings, d stock/dt = (input - stock) / time: the stock has the
# dimension of its input and the time constant (a parameter) is a time.
SMOOTHINGS = (
    ("expected_sales", "sales", "sales_smoothing_time"),
    ("receipts_smoothed", "residential_sales_value", "receipts_time"),
    ("households_reference", "households", "household_smoothing_time"),
)

# Indicator = numerator / denominator (Dataset names; None: no denominator). Checked in
# dimension only: the code's constants (12 months a year, 1e4 m² per 万m²) are checked
# against pint below.
INDICATOR_FORMULAS = (
    ("population_total", "population_yearly", None),
    ("population_urban", "population_yearly", None),
    ("urbanisation_rate", "population_yearly", "population_yearly"),
    ("natural_growth_rate", "births_yearly", "population_yearly"),
    ("net_migration", "in_migration_yearly", None),
    ("share_60plus", "population_60plus_yearly", "population_yearly"),
    ("households_urban", "households_yearly", None),
    ("clearance_period_monthly", "residential_inventory", "sales"),
    ("clearance_period", "residential_inventory_yearly", "sales_yearly"),
    ("residential_sales", "sales_yearly", None),
    ("sales_area", "sales_yearly", None),
    ("sales_value", "residential_sales_value_yearly", None),
    ("average_price", "residential_sales_value_yearly", "sales_yearly"),
    ("presale_permits", "permits_yearly", None),
    ("completions_commodity", "completions_yearly", None),
    ("development_investment", "construction_spending_yearly", None),
    ("per_capita_floor_area", "housing_stock_yearly", "population_yearly"),
    ("presale_share", "presales_yearly", "sales_yearly"),
    ("new_supply", "permits_yearly", None),
)  # fmt: skip


def unit_registry() -> pint.UnitRegistry:
    """A pint registry knowing the model's counting units (`model.doc.UNIT_DEFINITIONS`)."""
    registry = pint.UnitRegistry()
    for line in UNIT_DEFINITIONS:
        registry.define(line)
    return registry


@pytest.fixture(scope="module")
def ureg():
    return unit_registry()


@pytest.fixture(scope="module")
def quantity(ureg):
    """One unit of a unit string, e.g. ``"1e4 m**2"`` -> 10000 m**2."""
    return ureg.Quantity


def ratio(a, b) -> float:
    """``a / b`` as a pure number; raises if the dimensions differ."""
    return float((a / b).to("dimensionless").magnitude)


def flow_units(name: str, table) -> tuple[str, str]:
    """Units of a flow and the time step it is multiplied by in the stock equation."""
    if name.startswith("parameter:"):
        return table[name.split(":", 1)[1]].unit, "year"
    return BY_NAME[name].units, "month"


def test_every_parameter_unit_parses(table, ureg):
    for name, par in table.items():
        try:
            ureg.Quantity(par.unit)
        except pint.errors.PintError as err:
            pytest.fail(f"{name}: unit {par.unit!r} does not parse: {err}")


def test_every_dataset_unit_parses(baseline, ureg):
    for name, array in baseline.variables.items():
        if "units" in array.attrs:
            try:
                ureg.Quantity(array.attrs["units"])
            except pint.errors.PintError as err:
                pytest.fail(f"{name}: units {array.attrs['units']!r} do not parse: {err}")
    assert all("units" in baseline[name].attrs for name in baseline.data_vars)


def test_per_member_parameters_carry_their_table_units(run_values, table, ureg):
    from anshan_housing.model.engine import simulate

    varied = {**run_values, "price_2015": np.array([3900.0, 4100.0]),
              "presale_delay": np.array([0.5, 0.7]), "tfr": np.array([0.8, 0.9])}  # fmt: skip
    ds = simulate(varied, end_year=2016, record_age=False)
    for name in ("price_2015", "presale_delay", "tfr"):
        attrs = ds[f"parameter_{name}"].attrs
        assert attrs["units"] == table[name].unit, name
        assert table[name].meaning in attrs["long_name"]
        ureg.Quantity(attrs["units"])
    assert ureg.Quantity(ds["parameter_presale_delay"].attrs["units"]).check("[time]")


def test_every_input_unit_parses(ureg):
    for meta in INPUTS.values():
        ureg.Quantity(meta["unit"])
    for name, units in system.INPUT_UNITS.items():
        assert units == INPUTS[name]["unit"], name


def test_per_mille_is_a_thousandth(quantity):
    assert ratio(quantity("per_mille"), quantity("percent")) == pytest.approx(0.1, rel=EXACT)


@pytest.mark.parametrize("stock, inflows, outflows", STOCK_FLOWS, ids=[s[0] for s in STOCK_FLOWS])
def test_stock_change_is_flow_times_time_step(stock, inflows, outflows, table, quantity):
    level = quantity(BY_NAME[stock].units)
    assert BY_NAME[stock].kind == "stock"
    for name in (*inflows, *outflows):
        units, step = flow_units(name, table)
        change = quantity(units) * quantity(step)
        assert change.dimensionality == level.dimensionality, (stock, name, units)
        assert ratio(change, level) == pytest.approx(1.0, rel=EXACT), (stock, name, units)
        if not name.startswith("parameter:"):
            assert BY_NAME[name].kind in ("flow", "input"), name


@pytest.mark.parametrize("stock, source, time", SMOOTHINGS, ids=[s[0] for s in SMOOTHINGS])
def test_smoothed_stock_has_the_dimension_of_its_input(stock, source, time, table, quantity):
    level = quantity(BY_NAME[stock].units)
    assert level.dimensionality == quantity(BY_NAME[source].units).dimensionality
    assert quantity(table[time].unit).dimensionality == quantity("year").dimensionality


def test_yearly_aggregates_of_flows_are_per_year(baseline, quantity):
    flows = [var for var in system.VARIABLES if var.yearly == "sum"]
    assert {var.kind for var in flows} == {"flow", "input"}
    for var in flows:
        yearly = baseline[f"{var.name}_yearly"].attrs["units"]
        assert var.units.endswith("/month") and yearly.endswith("/year"), var.name
        # a year's total of monthly amounts: 1 unit/year x 1 year == 1 unit/month x 1 month
        per_year = quantity(yearly) * quantity("year")
        assert ratio(per_year, quantity(var.units) * quantity("month")) == pytest.approx(
            1.0, rel=EXACT
        )


def test_yearly_levels_and_means_keep_their_units(baseline):
    for var in system.VARIABLES:
        if var.yearly in ("last", "mean"):
            assert baseline[f"{var.name}_yearly"].attrs["units"] == var.units, var.name


@pytest.mark.parametrize("name, numerator, denominator", INDICATOR_FORMULAS)
def test_indicator_units_follow_from_its_formula(name, numerator, denominator, baseline, quantity):
    units = lambda n: quantity(baseline[n].attrs["units"])  # noqa: E731
    formula = units(numerator) / (units(denominator) if denominator else 1)
    assert units(name).dimensionality == formula.dimensionality


def test_conversion_constants_match_pint(quantity):
    q = quantity
    assert demand.M2_TO_1E4 == pytest.approx(ratio(q("m**2"), q("1e4 m**2")), rel=EXACT)
    assert developers.HA_TO_M2 == pytest.approx(ratio(q("hectare"), q("m**2")), rel=EXACT)
    assert developers.YUAN_1E4M2_TO_1E8 == pytest.approx(
        ratio(q("yuan/m**2") * q("1e4 m**2"), q("1e8 yuan")), rel=EXACT
    )
    assert price.MONTHS == pytest.approx(ratio(q("year"), q("month")), rel=EXACT)
    # average price: 亿元 / 万m² -> yuan/m²; floor area per person: 万m² / person -> m²
    assert indicators.M2_PER_1E4 == pytest.approx(
        ratio(q("1e8 yuan") / q("1e4 m**2"), q("yuan/m**2")), rel=EXACT
    )
    assert indicators.M2_PER_1E4 == pytest.approx(ratio(q("1e4 m**2"), q("m**2")), rel=EXACT)
    # land tranches: hectares x plot ratio (1) enter the land bank in 万m²
    assert ratio(q("hectare"), q("1e4 m**2")) == pytest.approx(1.0, rel=EXACT)


def test_money_functions_return_their_documented_units(quantity):
    q = quantity
    one = np.array([1.0])
    payment = developers.land_payment(one, one)  # 1 ha at 1 yuan/m²
    assert payment[0] == pytest.approx(ratio(q("hectare") * q("yuan/m**2"), q("1e8 yuan")))
    receipts = developers.receipts(one, one)  # 1 万m²/year at 1 yuan/m²
    expected = ratio(q("1e4 m**2/year") * q("yuan/m**2"), q("1e8 yuan/year"))
    assert receipts[0] == pytest.approx(expected, rel=EXACT)


def test_model_and_observed_units_agree_for_every_fitted_series(baseline, table, quantity):
    from anshan_housing.calibration.objective import load_setup
    from anshan_housing.calibration.observed import SERIES

    for spec in load_setup(table).series:
        model = quantity(baseline[spec.model].attrs["units"])
        observed = quantity(SERIES[spec.observed]["unit"])
        # the seed gives a year's amount where the model gives a rate per year
        if model.dimensionality != observed.dimensionality:
            model = model * quantity("year")
        assert ratio(model, observed) == pytest.approx(1.0, rel=EXACT), spec.model
