"""Price formation: a level to return to (B7), inventory pressure (B6), the land lever."""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.experiments.scenarios import (
    Scenario,
    find_scenario,
    load_scenario,
    run_scenario,
)
from anshan_housing.model import land, price

YEARS = 5  # the plan period
INCOME_2016 = 31_000.0  # yuan/year, about the back-cast 2016 urban income (inputs.toml)
INCOME_2021 = 45_000.0  # yuan/year, about 2021 at the 2016-2019 growth


def _path(p, clearance_over_neutral: float, income_growth: float, start: float) -> np.ndarray:
    """Price each year (yuan/m²) with the clearance period held at a multiple of neutral.

    Monthly Euler steps of the price sector alone; expectations start at zero and
    follow the price; income grows at ``income_growth`` a year from `INCOME_2021`; the
    land price stays at its end-2015 value.
    """
    dt = 1 / 12
    x = {"income_reference": np.array([INCOME_2016])}
    level, reference, growth = np.array([start]), np.array([start]), np.zeros(1)
    clearance = np.array([clearance_over_neutral]) * p["neutral_clearance"]
    yearly = [float(level[0])]
    for month in range(12 * YEARS):
        x["income"] = np.array([INCOME_2021 * (1 + income_growth) ** (month * dt)])
        d_price, d_reference, d_growth, _ = price.rates(
            level, land.initial_price(p), reference, growth, clearance, p, x
        )
        level, reference, growth = level + dt * d_price, reference + dt * d_reference, \
            growth + dt * d_growth  # fmt: skip
        if (month + 1) % 12 == 0:
            yearly.append(float(level[0]))
    return np.array(yearly)


@pytest.fixture(scope="module")
def p(run_values):
    return {k: np.atleast_1d(np.asarray(v, float)) for k, v in run_values.items()}


@pytest.mark.parametrize("income_growth", [0.0, 0.05])
def test_price_falls_at_three_times_neutral_clearance(p, income_growth):
    x = {"income": np.array([INCOME_2021]), "income_reference": np.array([INCOME_2016])}
    fundamental = float(price.fundamental_price(p, x)[0])
    floor = float(price.cost_per_m2(p, land.initial_price(p))[0] * (1 + p["minimum_margin"][0]))
    assert fundamental > 1.5 * floor  # room to fall before the cost floor
    path = _path(p, 3.0, income_growth, start=fundamental)
    assert np.all(np.diff(path) < 0), path  # every year lower, income flat or +5 %
    # rough size: over five years more than a fifth of the way down to the cost floor
    assert (path[0] - path[-1]) / (path[0] - floor) > 0.2


def test_price_returns_to_the_fundamental_level(p):
    x = {"income": np.array([INCOME_2021]), "income_reference": np.array([INCOME_2016])}
    fundamental = float(price.fundamental_price(p, x)[0])
    for start in (0.8 * fundamental, 1.4 * fundamental):
        path = _path(p, 1.0, 0.0, start=start)  # neutral clearance: no pressure
        gaps = np.abs(path / fundamental - 1)
        assert np.all(np.diff(gaps[1:]) < 0)  # the gap closes every year
        # within five years at least 1 - exp(-5 / reversion time) of it closes (reference)
        closed = 1 - gaps[-1] / gaps[0]
        assert closed > 0.5 * (1 - np.exp(-YEARS / p["fundamental_reversion_time"][0]))


def test_income_passes_into_the_price_at_its_long_run_elasticity(p):
    base = {"income": np.array([30_000.0]), "income_reference": np.array([30_000.0])}
    richer = {"income": np.array([60_000.0]), "income_reference": np.array([30_000.0])}
    ratio = price.fundamental_price(p, richer) / price.fundamental_price(p, base)
    assert ratio[0] == pytest.approx(2.0 ** p["income_elasticity_price"][0])
    assert ratio[0] <= 2.0  # the pass-through cannot exceed the anchor's own ratio


def test_anshan_2019_price_to_income_ratio_is_near_the_calibrated_norm(p):
    # the seed's 2019 price and income over a 90 m² dwelling and a 2.25-person household
    observed = 5128 * 90 / (37_756 * 2.25)
    assert observed == pytest.approx(5.43, abs=0.01)
    assert abs(p["normal_price_to_income"][0] / observed - 1) < 0.25


@pytest.fixture(scope="module")
def plan_runs(table, run_values):
    names = ("plan-table2", "freeze")
    runs = {n: run_scenario(load_scenario(find_scenario(n), table), run_values) for n in names}
    heavy = Scenario("300 ha", "300 ha a year", "path", policy_settings={}, path=(300.0,) * 5)
    runs["300 ha"] = run_scenario(heavy, run_values)
    return {n: ds.isel(member=0) for n, ds in runs.items()}


@pytest.mark.xfail(
    strict=True,
    reason="issue 13 not reached: with 300 ha a year the 2025 price is 7,533 against 5,984 in "
    "2021; the clearance period (23 months in 2021 and 2022) passes the calibrated neutral "
    "30.1 months only late in 2023, and at the prior drift of 0.18 a clearance period of 38-51 "
    "months lowers the reference by 4-9 %/yr, against 4.4 %/yr of income in the anchor",
)
def test_three_hundred_hectares_a_year_lowers_the_price_by_2025(plan_runs):
    prices = plan_runs["300 ha"]["average_price"]
    assert float(prices.sel(year=2025)) < float(prices.sel(year=2021))


def test_a_land_freeze_ends_above_plan_table2(plan_runs):
    freeze = float(plan_runs["freeze"]["average_price"].sel(year=2025))
    table2 = float(plan_runs["plan-table2"]["average_price"].sel(year=2025))
    assert freeze > 1.1 * table2


def test_the_reference_moves_with_the_fundamental_price_of_a_new_income(p):
    """On 1 January the reference moves in proportion to the fundamental (B7)."""
    x = {"income": np.array([INCOME_2016]), "income_reference": np.array([INCOME_2016])}
    state = {"price_reference": np.array([5000.0]), "fundamental_level": np.zeros(1)}
    price.follow_income(state, p, x)  # the first year: no move, the level is set
    assert state["price_reference"][0] == 5000.0
    richer = dict(x, income=np.array([1.1 * INCOME_2016]))
    price.follow_income(state, p, richer)
    factor = 1.1 ** p["income_elasticity_price"][0]
    assert state["price_reference"][0] == pytest.approx(5000.0 * factor, rel=1e-12)
    assert state["fundamental_level"][0] == pytest.approx(
        float(price.fundamental_price(p, richer)[0]), rel=1e-12
    )


def test_with_income_the_shipped_reference_keeps_its_ratio_to_the_fundamental(run_values):
    """Without inventory pressure or a gap, the reference grows exactly as the anchor."""
    from anshan_housing.model.engine import simulate

    values = dict(run_values, clearance_price_drift=0.0, fundamental_reversion_time=1e9)
    ds = simulate(values, record_age=False).isel(member=0)
    ratio = ds["price_reference_yearly"].values / ds["fundamental_price_yearly"].values
    # yearly means: the reference moves on 1 January with the fundamental, so their
    # ratio holds from year to year (the pull is off and the drift is zero)
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-3)
