"""Income back-cast as an uncertain parameter: ``income_backcast_offset``.

The 2015-2018 urban disposable incomes of model/data/inputs.toml are a back-cast from
the official 2019 figure; the offset adds to each of its four growth rates, per member.
2019 and the forecast after it (a separate assumption: the default continuation at the
table's sourced 2020-2025 growth rates, or a scenario's ``income_growth``) do not move. The expected
numbers here are built from the input table's values alone.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.cli import main
from anshan_housing.experiments.scenarios import find_scenario, load_scenario, scenario_inputs
from anshan_housing.model.engine import set_up, simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.inputs import shipped_data
from anshan_housing.model.parameters import resolve_values
from anshan_housing.model.system import constants, default_inputs, income_paths, year_inputs

YEARS = np.arange(2016, 2026)
TABLE_INCOME = [29571.0, 31227.0, 33226.0, 35452.0, 37756.0]  # 2015-2019, inputs.toml
TABLE_GROWTH = [0.028, 0.071, 0.025, 0.050, 0.044, 0.043]  # 2020-2025, inputs.toml
EXACT = 1e-12  # relative: the same products taken in another order
# Variables compared between an ensemble and single runs: the income-driven ones and
# the market they feed (members are integrated together, so equal to rounding).
COMPARED = ("average_price", "sales_area", "residential_inventory_yearly", "clearance_period")


@pytest.fixture(scope="module")
def fixed():
    return constants(shipped_data())


def expected_path(offset: float) -> np.ndarray:
    """2015-2025 income with ``offset`` added to each 2016-2019 growth rate, by hand."""
    rates = [TABLE_INCOME[i + 1] / TABLE_INCOME[i] - 1.0 for i in range(4)]  # 2016..2019
    path = [TABLE_INCOME[-1]]
    for rate in reversed(rates):  # 2019 back to 2015
        path.insert(0, path[0] / (1.0 + rate + offset))
    later = TABLE_INCOME[-1] * np.cumprod(1.0 + np.array(TABLE_GROWTH))  # whatever the offset
    return np.array(path + list(later))


def expected_fundamental(offset: float, values) -> np.ndarray:
    """Fundamental price 2016-2025 (yuan/m²) on the by-hand income path (model/price.py).

    normal price-to-income ratio x 2.25 persons x 2016 income x (income / 2016 income)
    ^ income_elasticity_price, over a 90 m² dwelling.
    """
    income = expected_path(offset)[1:]  # 2016-2025
    household = 2.25 * income[0] * (income / income[0]) ** values["income_elasticity_price"]
    return values["normal_price_to_income"] * household / 90.0


def test_offset_zero_is_the_shipped_back_cast_exactly(fixed):
    central = default_inputs(YEARS)["urban_disposable_income"]
    path = income_paths(central, YEARS, np.zeros(1), fixed)[0]
    assert path[:5].tolist() == TABLE_INCOME
    assert np.array_equal(path[1:], central)


def test_table_growth_rates_are_the_provincial_ones():
    rates = np.diff(TABLE_INCOME) / TABLE_INCOME[:-1]
    assert rates == pytest.approx([0.056, 0.064, 0.067, 0.065], abs=5e-5)


@pytest.mark.parametrize("offset", [0.01, -0.01, 0.004])
def test_offset_moves_2015_2018_not_2019_nor_the_growth_after_it(fixed, offset):
    central = default_inputs(YEARS)["urban_disposable_income"]
    path = income_paths(central, YEARS, np.array([offset]), fixed)[0]
    assert path == pytest.approx(expected_path(offset), rel=EXACT)
    assert path[4] == TABLE_INCOME[-1]  # 2019, official
    growth = path[1:5] / path[:4] - 1.0
    assert growth == pytest.approx(np.diff(TABLE_INCOME) / TABLE_INCOME[:-1] + offset, rel=EXACT)
    assert path[5:] / path[4:-1] - 1.0 == pytest.approx(TABLE_GROWTH, rel=1e-9)
    assert np.array_equal(path[5:], central[4:])  # 2020 on: the input as given


def test_default_income_after_2019_grows_at_the_sourced_rates():
    """2020-2025 from the official 2019 figure at the table's sourced rates; 2026 on, the last."""
    later = np.arange(2016, 2029)
    income = default_inputs(later)["urban_disposable_income"]
    assert income[:4] == pytest.approx(TABLE_INCOME[1:], rel=EXACT)
    expected = TABLE_INCOME[-1] * np.cumprod(1.0 + np.array(TABLE_GROWTH))
    assert income[4:10] == pytest.approx(expected, rel=1e-12)
    assert income[9] == pytest.approx(48_716, abs=1)  # 2025, against 54,471 at 6.30 %
    assert income[10:] / income[9:-1] - 1.0 == pytest.approx([TABLE_GROWTH[-1]] * 3, rel=1e-9)


def test_positive_offset_lowers_2015_2018_by_the_compounded_extra_growth(fixed):
    path = income_paths(
        default_inputs(YEARS)["urban_disposable_income"], YEARS, np.array([0.01]), fixed
    )[0]
    assert np.all(path[:4] < TABLE_INCOME[:4])
    # 2018 = 37756 / (1.06499 + 0.01): one year of extra growth; 2015 four
    assert path[3] == pytest.approx(37756 / (37756 / 35452 + 0.01), rel=EXACT)
    assert path[3] == pytest.approx(35120, abs=5)
    assert path[0] == pytest.approx(28484, abs=5)


def test_scenario_income_growth_is_kept_whatever_the_offset(table, fixed):
    scenario = load_scenario(find_scenario("historical"), table)
    given = dataclasses.replace(scenario, inputs={"income_growth": 0.03})
    central = scenario_inputs(given, YEARS)["urban_disposable_income"]
    paths = income_paths(central, YEARS, np.array([-0.01, 0.01]), fixed)
    assert np.array_equal(paths[:, 5:], np.vstack([central[4:]] * 2))  # 2020 on
    assert paths[0, 0] > paths[1, 0]  # 2015 still moves


def test_ensemble_of_two_offsets_is_two_single_runs(run_values):
    offsets = np.array([-0.008, 0.006])
    ensemble = simulate({**run_values, "income_backcast_offset": offsets}, record_age=False)
    for member, offset in enumerate(offsets):
        single = simulate({**run_values, "income_backcast_offset": float(offset)}, record_age=False)
        for name in COMPARED:
            np.testing.assert_allclose(
                ensemble[name].isel(member=member).values,
                single[name].isel(member=0).values,
                rtol=EXACT,
                err_msg=name,
            )
    # income moves the price's anchor, not its growth (model/price.py, B7): each member's
    # fundamental price follows its own income path, and on each 1 January the reference
    # price moves with it (price.follow_income); the faster back-cast growth means faster
    # income growth to 2019 from the same end-2015 reference, so a higher 2019 price
    for member, offset in enumerate(offsets):
        anchor = ensemble["fundamental_price_yearly"].isel(member=member).values
        assert anchor == pytest.approx(expected_fundamental(offset, run_values), rel=EXACT)
    price = ensemble["average_price"].sel(year=2019).values
    assert price[1] > price[0]


def test_offset_zero_gives_the_sectors_the_shipped_inputs_exactly(run_values, fixed):
    values = {**run_values, "income_backcast_offset": [0.0, 0.0]}
    setup = set_up(values, dt=1 / 12, end_year=2025, shocks=(), record_age=False, inputs=None,
                   monthly=(), integrator="heun", data=None)  # fmt: skip
    central = default_inputs(YEARS)["urban_disposable_income"]
    previous = np.concatenate([[TABLE_INCOME[0]], central[:-1]])
    for index in range(len(YEARS)):
        x = year_inputs(setup.inputs, index, setup.fixed, setup.income)
        assert np.all(x["income"] == central[index])
        assert np.all(x["income_growth"] == central[index] / previous[index] - 1.0)
        assert np.all(x["income_reference"] == central[0])


def test_out_of_range_offset_refused(table):
    with pytest.raises(
        InputError,
        match=r"income_backcast_offset: 0.02 is outside its range \[-0.01, 0.01\] 1/year",
    ):
        resolve_values(table, ("p.toml", {"income_backcast_offset": 0.02}))
    with pytest.raises(InputError, match=r"-0.011 is outside its range"):
        resolve_values(table, ("p.toml", {"income_backcast_offset": [0.0, -0.011]}))


def test_out_of_range_offset_refused_by_the_command_line(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text("[values]\nincome_backcast_offset = -0.05\n")
    result = CliRunner().invoke(main, ["run", "--params", str(path)])
    assert result.exit_code == 2
    assert "income_backcast_offset: -0.05 is outside its range [-0.01, 0.01]" in result.output


def test_offset_is_swept_by_default(table):
    par = table["income_backcast_offset"]
    assert par.uncertain and par.value == 0.0 and (par.lower, par.upper) == (-0.01, 0.01)
