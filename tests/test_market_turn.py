"""The loops that let the market turn (issue 13): credit, confidence, mortgages, price level.

Each test sets one lever in an otherwise shipped run and checks the direction and
rough size of what follows.
"""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.calibration import default_run_values
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
    assert np.allclose(ds["funding_effect"].values[..., :48], 1.0)
    assert np.allclose(ds["presale_confidence"].values[..., :48], 1.0)


def test_lower_presale_confidence_shifts_sales_to_completed_homes(values):
    base = run(values)
    shaken = run(values, Shock("2021-01", "presale_confidence", "set", 0.5))
    presales = yearly(shaken, "presales_yearly")[5] / yearly(base, "presales_yearly")[5]
    completed = yearly(shaken, "completed_sales_yearly")[5] / yearly(
        base, "completed_sales_yearly"
    )[5]
    assert presales < 0.75  # half of the buyers off the plan are gone, less the feedback
    assert completed > 1.05  # half of those buy a completed home instead
    assert yearly(shaken, "sales_area")[5] < yearly(base, "sales_area")[5]


def test_tighter_developer_credit_lowers_starts_when_receipts_fall(values):
    # receipts cover construction twice over in 2016-2019, so credit bites only once
    # sales have fallen: a confidence shock first, then credit on or off
    stress = Shock("2021-01", "presale_confidence", "set", 0.2)
    loose = run(values, stress)
    tight = run(values, stress, Shock("2021-01", "developer_credit", "set", 0.0))
    ratio = yearly(tight, "starts_yearly")[YEARS_AFTER].sum() / yearly(
        loose, "starts_yearly"
    )[YEARS_AFTER].sum()
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
def test_price_falls_while_the_clearance_period_stays_at_three_times_neutral(
    values, income_growth
):
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
