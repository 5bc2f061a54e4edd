"""Land-supply policies: the five-category rule at every band and boundary, and runs."""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.experiments import scenarios
from anshan_housing.experiments.policies import (
    POLICY_SETTINGS,
    LandPolicy,
    clearance_target,
    five_category,
    historical_quota,
)
from anshan_housing.experiments.scenarios import Scenario, run_scenario
from anshan_housing.model import developers

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


@pytest.fixture
def offers(monkeypatch):
    """The land the policy offers in run_scenario: year -> (quota ha/year, fast 0/1).

    After 2019 the run records only the land that sells, a share of the offer, so the
    offer is taken from the policy's decision itself.
    """
    made = {}

    class Recorded(LandPolicy):
        def __call__(self, seen):
            decision = super().__call__(seen)
            if decision is not None:
                made[seen.year] = decision.checked(len(seen.inventory))
            return decision

    monkeypatch.setattr(scenarios, "LandPolicy", Recorded)
    return made


# Share of the year's quota in each tranche month: quarterly, or half in January and
# half in March when released fast (model/system.py LAND_TRANCHES, written out).
TRANCHES = {False: {3: 0.25, 6: 0.25, 9: 0.25, 12: 0.25}, True: {1: 0.5, 3: 0.5}}


def sold_share(ds, values, month, quota):
    """Share of an offer that sells on the 1st of ``month`` (after 2019), one member.

    At the state then, the levels recorded at the end of the month before; as
    model/land.py has it: take-up = clip(bid / reserve price, 0, 1) x min(1, 1 / held),
    held = land bank in years of expected sales over 2015's, within [0.25, 4], bid =
    min(bid share x held ^ -elasticity, 1) x residual land value; times the
    developers' funding effect (model/developers.py), which also counts the offer.
    """
    v, end = values, ds.sel(time=slice(None, month)).isel(time=-2)
    normal = v["land_bank_2015"] / v["expected_sales_2015"]
    held = np.clip(float(end["land_bank"]) / float(end["expected_sales"]) / normal, 0.25, 4.0)
    price = float(end["price"])
    residual = (price / (1 + v["normal_margin"]) - v["construction_cost"]) * v["plot_ratio"]
    bid = min(v["land_bid_share"] * held ** -v["land_bank_price_elasticity"], 1.0) * residual
    take_up = np.clip(bid / v["land_reserve_price"], 0.0, 1.0) * min(1.0, 1.0 / held)
    names = ("construction", "presale_unsold", "presale_sold", "receipts_smoothed", "land_price")
    state = {name: np.full((1, 1), float(end[name])) for name in names[:3]}  # one stage each
    state.update({name: np.atleast_1d(float(end[name])) for name in names[3:]})
    state["land_quota"] = np.atleast_1d(float(quota))
    need = developers.required_spending(state, v)
    return take_up * developers.funding_effect(state, v, need)[0]


def expected_land(ds, values, year, quota, fast):
    """Land (ha) each month of ``year`` brings: tranche x quota x the share that sells.

    Up to 2019 the quota is the observed land, all sold; after it, an offer.
    """
    months = np.zeros(12)
    for month, share in TRANCHES[bool(fast)].items():
        sold = 1.0 if year <= 2019 else sold_share(ds, values, f"{year}-{month:02d}", quota)
        months[month - 1] = share * quota * sold
    return months


def monthly_land(ds, year):
    return ds["land_transacted"].sel(time=str(year)).values


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


def test_plan_table2_supplies_220_floor_area_a_year(run_values, offers):
    ds = run_scenario(scenario("plan-table2", target_floor_area=220.0), run_values).isel(member=0)
    quota = 220.0 / run_values["plot_ratio"]  # ha/year: 100 at plot ratio 2.2
    for year in range(2021, 2026):
        assert offers[year][0] == pytest.approx([quota]), year  # land for 220 万m² offered
        # ... and what developers take up of it sells, in quarterly tranches
        np.testing.assert_allclose(
            monthly_land(ds, year), expected_land(ds, run_values, year, quota, 0), rtol=1e-9
        )
    land_yearly = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    area = ds["land_area_in_yearly"].sel(year=slice(2021, 2025)).values
    np.testing.assert_allclose(area, land_yearly * run_values["plot_ratio"])
    assert np.all(area <= 220.0 + 1e-9)


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


# Markets that take the rule through every band: the calibrated one (reduce, hold,
# increase markedly), a tight one (increase markedly, increase, reduce) and a slack one
# (stop, then from the floor: reduce, hold, increase markedly).
MARKETS = ({}, {"inventory_2015": 500.0, "upgrade_rate": 0.04}, {"inventory_2015": 1200.0})


def test_five_category_run_follows_the_rule(run_values, offers):
    bands = set()
    for market in MARKETS:
        offers.clear()
        values = dict(run_values, **market)
        rule = Scenario("t", "t", "five-category", policy_settings={}, start_year=2017)
        ds = run_scenario(rule, values).isel(member=0)
        inventory = ds["residential_inventory_yearly"]
        sales = ds["sales_yearly"]  # residential sales, 万m²/year
        last = float(ds["land_transacted_yearly"].sel(year=2016))  # 2016's quota: all sold
        for year in range(2017, 2026):
            # the clearance period the city reads on 1 January: last year's end inventory
            # over last year's mean monthly sales
            months = float(inventory.sel(year=year - 1)) / (float(sales.sel(year=year - 1)) / 12)
            bands.add(sum(months > edge for edge in (6, 12, 18, 36)))
            # the rule steps from last year's quota (what was offered, not what sold)
            quota, fast = offers[year][0][0], offers[year][1][0]
            assert quota == pytest.approx(_band_quota(months, last), rel=1e-9), (market, year)
            assert fast == (months <= 6), (market, year)
            np.testing.assert_allclose(
                monthly_land(ds, year), expected_land(ds, values, year, quota, fast),
                rtol=1e-9, err_msg=str((market, year)),
            )  # fmt: skip
            last = quota
    assert bands == {0, 1, 2, 3, 4}  # every band of the rule was decided at least once


def test_fast_release_puts_land_early(run_values, offers):
    # a tight market (small inventory, strong demand) from 2017, the rule from 2018
    rule = Scenario(
        name="t", description="t", policy="five-category", policy_settings=SETTINGS, start_year=2018
    )
    values = dict(run_values, inventory_2015=500.0, upgrade_rate=0.04)
    ds = run_scenario(rule, values).isel(member=0)
    clearance = ds["clearance_period"]
    fast_years = [y for y in range(2018, 2026) if float(clearance.sel(year=y - 1)) <= 6.0]
    slow_years = [y for y in range(2018, 2026) if 6.0 < float(clearance.sel(year=y - 1)) <= 36]
    assert fast_years and slow_years and max(fast_years + slow_years) > 2019
    for year in fast_years + slow_years:
        quota, fast = offers[year][0][0], offers[year][1][0]
        assert fast == (year in fast_years), year
        months = monthly_land(ds, year)
        if fast:  # half the quota in January, half in March, none later
            assert months[0] > 0 and months[2] > 0 and months[5] == 0, year
        else:  # a quarter in March, June, September and December
            assert months[0] == 0 and months[2] > 0 and months[5] > 0, year
        # each tranche: its share of the quota x the share of it that sells
        expected = expected_land(ds, values, year, quota, fast)
        np.testing.assert_allclose(months, expected, rtol=1e-9, err_msg=str(year))


def test_path_policy_per_member(run_values, offers):
    paths = np.array([[0, 0, 0, 0, 0], [100, 100, 100, 100, 100.0]])
    ds = run_scenario(scenario("path"), run_values, path=paths)
    for column, year in enumerate(range(2021, 2026)):
        np.testing.assert_array_equal(offers[year][0], paths[:, column])  # each its own
        for member in (0, 1):  # each member's land: its own offer x its own take-up
            one = ds.isel(member=member)
            expected = expected_land(one, run_values, year, paths[member, column], 0)
            np.testing.assert_allclose(monthly_land(one, year), expected, rtol=1e-9)
    land = ds["land_transacted_yearly"].sel(year=slice(2021, 2025)).values
    assert np.all(land[0] == 0.0) and np.all((land[1] > 0) & (land[1] <= 100.0 + 1e-9))
