"""The land market (model/land.py): residual value, bids, take-up, the land price's rate.

Known answers at the shipped defaults: plot ratio 2.2, normal margin 0.25, construction
cost 2,200 yuan/m², bid share 0.75, land-bank elasticity 0.5, reserve price 1,800
yuan/m², land_price_time 1 year.
"""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.model import land
from anshan_housing.model.parameters import load_parameters, resolve_values

NORMAL_YEARS = 1.5  # land bank of 2015 in years of expected sales (any positive value)
SALES = 200.0  # 万m²/year of expected sales


@pytest.fixture(scope="module")
def p():
    values = resolve_values(load_parameters())
    return {k: np.atleast_1d(np.asarray(v, float)) for k, v in values.items()}


def market(held: float, price: float = 5000.0, land_price: float = 2500.0) -> dict:
    """A state whose land bank is ``held`` times the normal one."""
    return {
        "land_bank": np.array([held * NORMAL_YEARS * SALES]),
        "expected_sales": np.array([SALES]),
        "price": np.array([price]),
        "land_price": np.array([land_price]),
    }


def test_known_defaults(p):
    for name, value in (("plot_ratio", 2.2), ("normal_margin", 0.25),
                        ("construction_cost", 2200.0), ("land_bid_share", 0.75),
                        ("land_bank_price_elasticity", 0.5), ("land_reserve_price", 1800.0),
                        ("land_price_time", 1.0)):  # fmt: skip
        assert p[name][0] == value, name


def test_residual_value_is_what_leaves_the_normal_margin(p):
    # (5,000 / 1.25 - 2,200) x 2.2 = 3,960 yuan per m² of land
    assert land.residual_value(np.array([5000.0]), p)[0] == pytest.approx(3960.0)


def test_a_normal_land_bank_bids_the_bid_share_and_buys_all_it_is_offered(p):
    state = market(held=1.0)
    assert land.bid(state, p, NORMAL_YEARS)[0] == pytest.approx(0.75 * 3960.0)
    assert land.take_up(state, p, NORMAL_YEARS)[0] == pytest.approx(1.0)


def test_a_full_land_bank_bids_less_and_buys_less(p):
    state = market(held=4.0)  # pressure 4^-0.5 = 0.5: bid 0.375 x 3,960 = 1,485
    assert land.bid(state, p, NORMAL_YEARS)[0] == pytest.approx(1485.0)
    # under the reserve: 1,485 / 1,800 of the plots sell, and of those a quarter
    assert land.take_up(state, p, NORMAL_YEARS)[0] == pytest.approx(1485 / 1800 / 4)
    # the land price heads for the reserve, not below it
    assert land.rate(state, p, NORMAL_YEARS)[0] == pytest.approx(1800.0 - 2500.0)


def test_an_empty_land_bank_bids_at_most_the_whole_residual(p):
    state = market(held=0.0)  # held ratio limited to 0.25: pressure 2, share min(1.5, 1)
    assert land.bid(state, p, NORMAL_YEARS)[0] == pytest.approx(3960.0)
    assert land.take_up(state, p, NORMAL_YEARS)[0] == pytest.approx(1.0)
    assert land.rate(state, p, NORMAL_YEARS)[0] == pytest.approx(3960.0 - 2500.0)


def test_bids_fall_as_the_land_bank_grows_and_rise_with_the_house_price(p):
    held = np.array([0.5, 1.0, 2.0, 3.0])
    bids = [land.bid(market(h), p, NORMAL_YEARS)[0] for h in held]
    assert np.all(np.diff(bids) < 0)
    richer = land.bid(market(1.0, price=6000.0), p, NORMAL_YEARS)[0]
    assert richer > bids[1]


def test_a_price_at_cost_sells_no_land(p):
    # at 2,750 yuan/m² the residual is zero: no bid reaches the reserve
    state = market(held=1.0, price=2200.0 * 1.25)
    assert land.residual_value(state["price"], p)[0] == pytest.approx(0.0)
    assert land.take_up(state, p, NORMAL_YEARS)[0] == 0.0
