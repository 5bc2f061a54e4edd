"""Table 1's programmes: old-compound renovation, construction standards, management.

Each test changes one programme of a shipped scenario and checks the direction and
rough size of what follows; stocks are checked for conservation month by month.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from anshan_housing.experiments.scenarios import find_scenario, load_scenario, run_scenario
from anshan_housing.model import standards

EXACT = 1e-9  # relative: sums of the same monthly flows
PLAN = slice(2021, 2025)


@pytest.fixture(scope="module")
def historical(table):
    return load_scenario(find_scenario("historical"), table)


def run(scenario, values, **programmes):
    """Member 0 of the scenario with ``programmes`` (input name: 2021-2025 path) set."""
    changed = dataclasses.replace(scenario, programmes={**scenario.programmes, **programmes})
    return run_scenario(changed, values, record_age=False).isel(member=0)


def five(value: float) -> tuple[float, ...]:
    return (value,) * 5


def spending_per_m2(ds) -> float:
    """Construction spending in 2025 per m² under construction (yuan/m²/year)."""
    held = ds["construction_yearly"] + ds["presale_unsold_yearly"] + ds["presale_sold_yearly"]
    return float((ds["construction_spending_yearly"] / held).sel(year=2025)) * 1e4


@pytest.mark.parametrize("area", [0.0, 210.0, 2000.0])
def test_old_compound_stock_is_conserved_every_month(historical, run_values, area):
    """Renovated + waiting = the end-2015 stock; 2,000 a year empties it (the clip)."""
    ds = run(historical, run_values, old_compound_renovation=five(area))
    total = ds["old_waiting"].values + ds["old_renovated"].values
    initial = run_values["old_stock_2015"]
    assert np.max(np.abs(total - initial)) <= EXACT * initial
    assert np.all(ds["old_waiting"].values >= 0.0)
    renovated = np.cumsum(ds["renovation"].values)
    np.testing.assert_allclose(ds["old_renovated"].values, renovated, rtol=EXACT, atol=1e-9)
    if area == 2000.0:  # the stock runs out: renovation stops at what was waiting
        assert float(ds["old_waiting"].values[-1]) == pytest.approx(0.0, abs=1e-6)
        assert float(ds["renovation_yearly"].sum()) == pytest.approx(initial, rel=EXACT)


def test_more_renovation_lowers_new_home_demand(historical, run_values):
    none = run(historical, run_values, old_compound_renovation=five(0.0))
    much = run(historical, run_values, old_compound_renovation=five(400.0))
    upgrading = much["demand_upgrading_yearly"] / none["demand_upgrading_yearly"]
    assert float(upgrading.sel(year=2020)) == pytest.approx(1.0, rel=1e-12)  # not yet
    # 2,000 万m² renovated more by 2025 against a stock of about 8,000: some 2.5 % of
    # the residents' upgrading demand goes (renovation_upgrade_effect 0.1 x a quarter)
    assert 0.95 < float(upgrading.sel(year=2025)) < 0.99
    assert np.all(np.diff(upgrading.sel(year=PLAN).values) < 0)  # growing with the area
    assert float(much["demand_yearly"].sel(year=2025)) < float(none["demand_yearly"].sel(year=2025))


def test_a_higher_prefabricated_share_shortens_the_pipeline_and_raises_cost(historical, run_values):
    low = run(historical, run_values, prefabricated_share=five(0.0))
    high = run(historical, run_values, prefabricated_share=five(0.8))

    # shorter pipeline: the same starts reach completion sooner, so less is under
    # construction per unit of completions by 2024-2025
    def months_in_pipeline(ds):
        held = ds["construction_yearly"] + ds["presale_unsold_yearly"] + ds["presale_sold_yearly"]
        return float((held / ds["completions_yearly"]).sel(year=2025) * 12)

    saving = run_values["prefab_time_saving"] * 0.8
    ratio = months_in_pipeline(high) / months_in_pipeline(low)
    assert 1 - 1.5 * saving < ratio < 1 - 0.3 * saving
    # dearer: construction spending per m² under construction rises by about the premium
    assert spending_per_m2(high) > spending_per_m2(low)
    p = {k: np.atleast_1d(v) for k, v in run_values.items()}
    extra = standards.construction_cost(p, np.zeros(1), np.array([0.8])) - p["construction_cost"]
    assert float(extra[0]) == pytest.approx(0.8 * run_values["prefab_cost_premium"])


def test_a_higher_green_share_raises_cost(historical, run_values):
    low = run(historical, run_values, green_building_share=five(0.0))
    high = run(historical, run_values, green_building_share=five(1.0))
    share = high["green_building_yearly"] / (high["presale_unsold_yearly"]
                                             + high["presale_sold_yearly"])  # fmt: skip
    assert float(share.sel(year=2025)) > 0.9  # the pipeline fills with green area
    assert spending_per_m2(high) > spending_per_m2(low)


@pytest.mark.parametrize("name", standards.ATTRIBUTES)
def test_coflows_stay_inside_the_pipeline_and_balance(table, run_values, name):
    ds = run_scenario(load_scenario(find_scenario("plan-table2"), table), run_values,
                      record_age=False).isel(member=0)  # fmt: skip
    before = ds[f"{name}_construction"].values
    after = ds[f"{name}_building"].values
    assert np.all(before >= -1e-12) and np.all(after >= -1e-12)
    assert np.all(before <= ds["construction"].values * (1 + 1e-12))
    held = ds["presale_unsold"].values + ds["presale_sold"].values
    assert np.all(after <= held * (1 + 1e-12))
    # month by month the co-flow's stocks change by its starts less its completions
    total = before + after
    flows = ds[f"{name}_starts"].values - ds[f"{name}_completions"].values
    np.testing.assert_allclose(np.diff(total), flows[1:], rtol=1e-9, atol=1e-9)


def test_each_stage_passes_on_its_own_share():
    """Known answer of the co-flow: a stage's outflow carries that stage's share."""
    stages = np.array([[10.0, 20.0, 30.0], [0.0, 4.0, 8.0]])
    green = np.array([[5.0, 5.0, 30.0], [0.0, 1.0, 0.0]])
    out = np.array([[1.0, 2.0, 3.0], [0.0, 4.0, 2.0]])
    expected = np.array([[0.5, 0.5, 3.0], [0.0, 1.0, 0.0]])  # share 0.5, 0.25, 1; empty: 0
    np.testing.assert_allclose(standards.carried(green, stages, out), expected, rtol=1e-15)
    assert float(standards.share(green, stages)[0]) == pytest.approx(40 / 60)
    assert float(standards.share(np.zeros((1, 3)), np.zeros((1, 3)))[0]) == 0.0


def test_completions_carry_the_share_of_the_starts_they_came_from(historical, run_values):
    ds = run(historical, run_values, green_building_share=(0.0, 0.0, 1.0, 1.0, 1.0))
    started = (ds["green_starts_yearly"] / ds["starts_yearly"]).sel(year=PLAN).values
    np.testing.assert_allclose(started, [0, 0, 1, 1, 1], atol=1e-12)
    completed = (ds["green_completions_yearly"] / ds["completions_yearly"]).sel(year=PLAN)
    # completions lag the starts by the construction time: in 2023 still mostly the
    # non-green starts of earlier years, rising after
    assert float(completed.sel(year=2023)) < 0.5
    assert np.all(np.diff(completed.sel(year=slice(2023, 2025)).values) > 0)


def test_property_management_rows_follow_the_shares(historical, run_values):
    ds = run(historical, run_values, management_share_new=five(0.9),
             management_share_renovated=five(0.5))  # fmt: skip
    plan = ds.sel(year=PLAN)
    managed = float(plan["managed_completions_yearly"].sum() / plan["completions_yearly"].sum())
    assert managed == pytest.approx(0.9, rel=1e-9)
    renovated = float(plan["managed_renovation_yearly"].sum() / plan["renovation_yearly"].sum())
    assert renovated == pytest.approx(0.5, rel=1e-9)


def test_plan_table2_sets_the_plans_programmes_for_2021_2025_only(table):
    from anshan_housing.experiments.scenarios import scenario_inputs
    from anshan_housing.model.system import default_inputs

    years = np.arange(2016, 2026)
    plan = scenario_inputs(load_scenario(find_scenario("plan-table2"), table), years)
    default = default_inputs(years)
    for name in ("old_compound_renovation", "green_building_share", "prefabricated_share"):
        np.testing.assert_array_equal(plan[name][:5], default[name][:5])  # 2016-2020 kept
    np.testing.assert_array_equal(plan["old_compound_renovation"][5:], [210.0] * 5)
    np.testing.assert_allclose(plan["prefabricated_share"][5:], [0.14, 0.19, 0.24, 0.29, 0.34])
    assert default["old_compound_renovation"][5] == pytest.approx(568.0 / 4)  # 2016-2019 mean
