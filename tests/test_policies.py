"""Land-supply policies: the five-category rule at every band and boundary, and runs."""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.experiments.policies import (
    POLICY_SETTINGS,
    clearance_target,
    five_category,
    historical_quota,
)
from anshan_housing.experiments.scenarios import Scenario, run_scenario

SETTINGS = {k: s.default for k, s in POLICY_SETTINGS["five-category"].items()}
LAST = 50.0


@pytest.mark.parametrize(
    "months, quota, fast",
    [
        (60.0, 0.0, 0),  # above 36: stop
        (36.01, 0.0, 0),
        (36.0, LAST * 0.8, 0),  # boundary 36 belongs to "reduce"
        (24.0, LAST * 0.8, 0),  # 18-36: reduce
        (18.01, LAST * 0.8, 0),
        (18.0, LAST, 0),  # boundary 18 belongs to "hold"
        (15.0, LAST, 0),  # 12-18: hold
        (12.01, LAST, 0),
        (12.0, LAST * 1.2, 0),  # boundary 12 belongs to "increase"
        (9.0, LAST * 1.2, 0),  # 6-12: increase
        (6.01, LAST * 1.2, 0),
        (6.0, LAST * 1.5, 1),  # boundary 6: increase markedly and release faster
        (2.0, LAST * 1.5, 1),
        (0.0, LAST * 1.5, 1),
    ],
)
def test_five_category_bands_and_boundaries(months, quota, fast):
    got, rush = five_category(np.array([months]), np.array([LAST]), SETTINGS)
    assert got[0] == pytest.approx(quota)
    assert rush[0] == fast


def test_five_category_restarts_from_floor_after_a_stop():
    got, _ = five_category(np.array([9.0]), np.array([0.0]), SETTINGS)
    assert got[0] == pytest.approx(SETTINGS["floor"] * 1.2)
    held, _ = five_category(np.array([15.0]), np.array([0.0]), SETTINGS)
    assert held[0] == 0.0


def test_five_category_is_vectorised_over_members():
    months = np.array([40.0, 20.0, 15.0, 10.0, 3.0])
    got, rush = five_category(months, np.full(5, LAST), SETTINGS)
    np.testing.assert_allclose(got, [0, 40, 50, 60, 75])
    np.testing.assert_array_equal(rush, [0, 0, 0, 0, 1])


def test_clearance_target_moves_toward_target():
    settings = {k: s.default for k, s in POLICY_SETTINGS["clearance-target"].items()}
    last = np.full(3, LAST)
    got = clearance_target(np.array([33.0, 16.5, 8.25]), last, settings)
    assert got[0] < LAST and got[1] == pytest.approx(LAST) and got[2] > LAST
    assert got[0] >= LAST * (1 - settings["max_change"])


def test_historical_quota_is_the_2016_2019_mean():
    assert historical_quota() == pytest.approx(np.mean([39.26, 69.78, 60.15, 51.28]))


def scenario(kind, **settings):
    return Scenario(name=kind, description="test", policy=kind, policy_settings=settings)


def test_freeze_gives_zero_land_and_falling_inventory(run_values):
    ds = run_scenario(scenario("freeze"), run_values).isel(member=0)
    land = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    assert np.all(land == 0.0)
    inventory = ds["residential_inventory_yearly"].sel(year=slice(2021, 2025)).values
    assert np.all(np.diff(inventory) < 0)


def test_historical_supplies_its_mean(run_values):
    ds = run_scenario(scenario("historical"), run_values).isel(member=0)
    land = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    np.testing.assert_allclose(land, historical_quota())


def test_plan_table2_supplies_220_floor_area_a_year(run_values):
    ds = run_scenario(scenario("plan-table2", target_floor_area=220.0), run_values).isel(member=0)
    area = ds["land_area_in_yearly"].sel(year=slice(2021, 2025)).values
    np.testing.assert_allclose(area, 220.0)
    land = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    np.testing.assert_allclose(land, 220.0 / run_values["plot_ratio"])


def _band_quota(months: float, last: float) -> float:
    """The national rule written out by hand: next quota from the clearance period."""
    base = max(last, 10.0)  # the rule restarts from 10 ha after a stop (setting "floor")
    if months > 36:
        return 0.0  # stop
    if months > 18:
        return base * 0.8  # reduce by 20 %
    if months > 12:
        return last  # hold
    if months > 6:
        return base * 1.2  # increase by 20 %
    return base * 1.5  # increase markedly by 50 %


# Markets that take the rule through every band: the calibrated one (reduce), a tight
# one (increase markedly, increase, reduce, stop) and a steady one (hold).
MARKETS = ({}, {"inventory_2015": 500.0, "upgrade_rate": 0.04}, {"upgrade_rate": 0.03})


def test_five_category_run_follows_the_rule(run_values):
    bands = set()
    for market in MARKETS:
        rule = Scenario("t", "t", "five-category", policy_settings={}, start_year=2017)
        ds = run_scenario(rule, dict(run_values, **market)).isel(member=0)
        land = ds["land_transacted_yearly"]
        inventory = ds["residential_inventory_yearly"]
        sales = ds["sales_yearly"]  # residential sales, 万m²/year
        for year in range(2017, 2026):
            # the clearance period the city reads on 1 January: last year's end inventory
            # over last year's mean monthly sales
            months = float(inventory.sel(year=year - 1)) / (float(sales.sel(year=year - 1)) / 12)
            bands.add(sum(months > edge for edge in (6, 12, 18, 36)))
            expected = _band_quota(months, float(land.sel(year=year - 1)))
            assert float(land.sel(year=year)) == pytest.approx(expected, rel=1e-9), (market, year)
    assert bands == {0, 1, 2, 3, 4}  # every band of the rule was decided at least once


def test_fast_release_puts_land_early(run_values):
    # a tight market (small inventory, strong demand) from 2017, the rule from 2018
    rule = Scenario(
        name="t", description="t", policy="five-category", policy_settings=SETTINGS, start_year=2018
    )
    ds = run_scenario(rule, dict(run_values, inventory_2015=500.0, upgrade_rate=0.04))
    clearance = ds["clearance_period"].isel(member=0)
    monthly = ds["land_transacted"].isel(member=0).to_series()
    fast_years = [y for y in range(2018, 2026) if float(clearance.sel(year=y - 1)) <= 6.0]
    slow_years = [y for y in range(2018, 2026) if 6.0 < float(clearance.sel(year=y - 1)) <= 36]
    assert fast_years and slow_years
    for year in fast_years:
        months = monthly[str(year)].values
        assert months[0] > 0 and months[0] == pytest.approx(months[2]) and months[5] == 0
    for year in slow_years:
        months = monthly[str(year)].values
        assert months[0] == 0 and months[2] > 0 and months[5] == pytest.approx(months[2])


def test_path_policy_per_member(run_values):
    paths = np.array([[0, 0, 0, 0, 0], [100, 100, 100, 100, 100.0]])
    ds = run_scenario(scenario("path"), run_values, path=paths)
    land = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    np.testing.assert_allclose(land, paths)
