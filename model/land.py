"""Residential land market: the price developers pay for land (yuan per m² of land).

Stock
    ``land_price``: average transaction price of residential land (yuan per m² of land);
    its end-2015 value is the bid on the 2015 market (:func:`initial_price`).
Equations
    residual land value = (price / (1 + normal_margin) - construction_cost) x plot_ratio:
    what a developer can bid for one m² of land and still earn the normal margin (the
    residual method of land valuation);
    land-bank pressure = (land bank / (expected sales x land-bank years of 2015))
    ^ -land_bank_price_elasticity: developers holding more land than they can build on
    bid less;
    bid = min(land_bid_share x pressure, 1) x residual value;
    indicated land price = max(bid, land_reserve_price), the reserve price (底价) below
    which the city does not sell;
    take-up = clip(bid / reserve price, 0, 1) x min(1, normal land bank / land bank) x
    funding effect: the share of the offered land that sells; the rest is withdrawn
    (流拍);
    d land price/dt = (indicated - land price) / land_price_time.

Feedback loops
    B8 land cost: more land -> larger land bank -> lower land price -> lower cost and
    wider margins -> more starts -> more inventory -> lower price -> lower residual
    value -> lower land price.
    B9 land take-up: falling prices or a full land bank -> less of the offered land
    sold -> a smaller land bank -> fewer starts.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.variables import Variable

HELD_RATIO_LIMITS = (0.25, 4.0)  # land bank against normal: the pressure stays finite when
# the bank is empty (a freeze sells no land, so no price forms there) or overflowing

VARIABLES = (
    Variable("land_price", "yuan/m**2", "price of residential land per m² of land", "stock",
             "residual land value x land-bank pressure, at least the reserve price "
             "(model/land.py)", (), "mean", equation="model.land.rate"),
)  # fmt: skip


def residual_value(price: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Residual land value (yuan per m² of land) at ``price`` (yuan/m² of floor area)."""
    return (price / (1.0 + p["normal_margin"]) - p["construction_cost"]) * p["plot_ratio"]


def initial_price(p: dict[str, np.ndarray]) -> np.ndarray:
    """Land price at the end of 2015 (yuan per m² of land): the bid on the 2015 market.

    bid share x residual value at ``price_2015``, at least the reserve price.
    """
    bid = p["land_bid_share"] * residual_value(p["price_2015"], p)
    return np.maximum(bid, p["land_reserve_price"])


def land_bank_years(land_bank: np.ndarray, expected_sales: np.ndarray) -> np.ndarray:
    """Land bank in years of expected sales (year); 2015's is the developers' normal."""
    return land_bank / np.maximum(expected_sales, 1e-9)


def held_ratio(state: dict[str, np.ndarray], normal_years) -> np.ndarray:
    """Land bank against normal (1): years of expected sales held over 2015's.

    Limited to HELD_RATIO_LIMITS; ``normal_years`` as in :func:`land_bank_years`.
    """
    held = land_bank_years(state["land_bank"], state["expected_sales"]) / normal_years
    return np.clip(held, *HELD_RATIO_LIMITS)


def bid(state: dict[str, np.ndarray], p: dict[str, np.ndarray], normal_years) -> np.ndarray:
    """Developers' bid for land (yuan per m² of land), before the reserve price.

    min(bid share x land-bank pressure, 1) x residual value: never more than the whole
    residual, so that land never takes the developers' normal margin away. The pressure
    (:func:`held_ratio` ^ -land_bank_price_elasticity) is 1 with a normal land bank.
    """
    pressure = held_ratio(state, normal_years) ** -p["land_bank_price_elasticity"]
    share = np.minimum(p["land_bid_share"] * pressure, 1.0)
    return share * residual_value(state["price"], p)


def take_up(state: dict[str, np.ndarray], p: dict[str, np.ndarray], normal_years) -> np.ndarray:
    """Share of the offered land that sells (1), before the developers' funds.

    clip(bid / reserve price, 0, 1) x min(1, 1 / :func:`held_ratio`): plots whose bids
    fall short of the reserve are withdrawn (流拍), the more the further they fall
    short, and developers holding more than a normal land bank buy only what keeps it
    normal [assumption].
    """
    offer = np.clip(bid(state, p, normal_years) / p["land_reserve_price"], 0.0, 1.0)
    return offer * np.minimum(1.0, 1.0 / held_ratio(state, normal_years))


def rate(state: dict[str, np.ndarray], p: dict[str, np.ndarray], normal_years) -> np.ndarray:
    """Rate of change of the land price (yuan per m² of land a year).

    ``normal_years`` is the land bank of 2015 in years of sales (:func:`land_bank_years`).
    """
    indicated = np.maximum(bid(state, p, normal_years), p["land_reserve_price"])
    return (indicated - state["land_price"]) / p["land_price_time"]
