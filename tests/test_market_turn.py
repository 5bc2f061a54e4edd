"""The loops that let the market turn (issue 13): credit, confidence, mortgages, price level.

Each test sets one lever in an otherwise shipped run and checks the direction and
rough size of what follows.
"""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.calibration import default_run_values
from anshan_housing.experiments.scenarios import find_scenario, load_scenario, run_scenario
from anshan_housing.model import demand, price
from anshan_housing.model.engine import Shock, simulate
from anshan_housing.model.parameters import member_arrays

YEARS_AFTER = slice(-4, None)  # 2022-2025


@pytest.fixture(scope="module")
def values():
    return default_run_values()[1]


def yearly(ds, name: str) -> np.ndarray:
    return ds[name].isel(member=0).values


def run(values, *shocks: Shock):
    return simulate(values, shocks=shocks, record_age=False)


def test_quiet_by_default_the_new_loops_do_not_act_in_2016_2019(values):
    ds = run(values)
    funding = ds["funding_effect"].values[..., :48]
    # each January the new year's land quota falls due at once: January-March 2016 are
    # 3.7, 2.2 and 0.7 % short (receipts still 2015's, at the calibrated 2015 price of
    # about 3,700 yuan/m²), January 2017 0.4 %; otherwise the funds suffice
    assert np.all(funding > 0.95)
    assert np.mean(funding) > 0.998
    assert np.all(funding[3:] > 0.99)
    assert np.all(ds["presale_confidence"].values[..., :48] > 0.95)  # follows the funds
    taken_back = ds["land_repossessed_yearly"].values[..., :4].sum()
    assert taken_back < 0.01 * ds["starts_yearly"].values[..., :4].sum()


def test_lower_presale_confidence_shifts_sales_to_completed_homes(values):
    base = run(values)
    shaken = run(values, Shock("2021-01", "presale_confidence", "set", 0.5))
    presales = yearly(shaken, "presales_yearly")[5] / yearly(base, "presales_yearly")[5]
    completed = (
        yearly(shaken, "completed_sales_yearly")[5] / yearly(base, "completed_sales_yearly")[5]
    )
    assert presales < 0.75  # half of the buyers off the plan are gone, less the feedback
    assert completed > 1.05  # half of those buy a completed home instead
    assert yearly(shaken, "sales_area")[5] < yearly(base, "sales_area")[5]


def test_tighter_developer_credit_lowers_starts_when_receipts_fall(values):
    # credit is 47 % of the required funds, but sales-linked funds cover the rest and
    # more in 2016-2019: a confidence shock first lowers them, then credit on or off
    stress = Shock("2021-01", "presale_confidence", "set", 0.2)
    loose = run(values, stress)
    tight = run(values, stress, Shock("2021-01", "developer_credit", "set", 0.0))
    ratio = (
        yearly(tight, "starts_yearly")[YEARS_AFTER].sum()
        / yearly(loose, "starts_yearly")[YEARS_AFTER].sum()
    )
    assert ratio < 0.95
    assert float(tight["funding_effect"].values.min()) < 1.0


def test_a_mortgage_rate_cut_raises_sales(values):
    base = run(values)
    cut = run(values, Shock("2021-01", "mortgage_rate", "set", 0.031))
    factor = float(demand.payment_factor({"mortgage_rate": np.array(0.031),
                                          "mortgage_down_payment": np.array(0.35)}))  # fmt: skip
    assert 0.8 < factor < 0.9  # a 2.5-point cut lowers the carrying cost by 12-20 %
    assert yearly(cut, "sales_area")[5] > 1.05 * yearly(base, "sales_area")[5]


@pytest.mark.parametrize("income_growth", [0.0, 0.05])
def test_price_falls_while_the_clearance_period_stays_at_three_times_neutral(values, income_growth):
    p = member_arrays(values)
    income = 37756.0
    x = {"income_reference": np.array(31227.0), "income": np.array(income)}
    state = {"price": p["price_2015"].copy(), "reference": p["price_2015"].copy(),
             "growth": np.zeros(1)}  # fmt: skip
    land = np.full(1, 1800.0)
    clearance = 3.0 * p["neutral_clearance"]
    dt = 1 / 12
    start = float(state["price"][0])
    for month in range(60):
        x["income"] = np.array(income * (1 + income_growth) ** (month / 12))
        d_price, d_reference, d_growth, _ = price.rates(
            state["price"], land, state["reference"], state["growth"], clearance, p, x
        )
        state["price"] = state["price"] + dt * d_price
        state["reference"] = state["reference"] + dt * d_reference
        state["growth"] = state["growth"] + dt * d_growth
    assert float(state["price"][0]) < 0.9 * start


@pytest.fixture(scope="module")
def downturn(table, run_values):
    ds = run_scenario(load_scenario(find_scenario("downturn"), table), run_values)
    return ds.isel(member=0)


def change_2021_2025(ds, name: str) -> float:
    series = ds[name]
    return float(series.sel(year=2025) / series.sel(year=2021))


def test_downturn_sales_investment_and_price_fall(downturn):
    assert 0.35 <= change_2021_2025(downturn, "sales_area") <= 0.70  # national 0.55
    assert 0.35 <= change_2021_2025(downturn, "development_investment") <= 0.75  # 0.60
    prices = downturn["average_price"].sel(year=slice(2022, 2025)).values
    assert prices[-1] < float(downturn["average_price"].sel(year=2021))
    assert np.all(np.diff(prices) < 0)  # falling every year from 2022


def test_downturn_starts_collapse(downturn):
    """Starts fall at least as far as sales (nationally 0.30 against 0.55 by 2025)."""
    assert change_2021_2025(downturn, "starts_yearly") <= 0.55
    # the unfunded idle land goes back to the city instead of into construction
    assert float(downturn["land_repossessed_yearly"].sel(year=slice(2022, 2025)).sum()) > 0
