"""Price of new commodity housing (yuan/m²): a level to return to, pressure, expectations.

Stocks
    ``price``: average price of new commodity housing (yuan/m²; seed 4,129-5,128).
    ``price_reference``: the market's reference price (yuan/m²), which closes its gap
    to the fundamental price over ``fundamental_reversion_time``.
    ``expected_growth``: expected price growth (1/year), smoothed actual growth.
Equations
    fundamental price = normal_price_to_income x household income / 90 m², household
    income = 2.25 persons x urban disposable income per person, income taken relative
    to 2016 with the long-run elasticity ``income_elasticity_price`` (at most 1: no
    more than the anchor's own pass-through);
    perceived clearance period = inventory / (expected sales / 12) (months);
    on 1 January the reference moves with the fundamental price of the new income, in
    proportion: income moves the level at once, and only the reference's gap to the
    fundamental reverts slowly;
    d reference/dt = (fundamental - reference) / fundamental_reversion_time
    - clearance_price_slope x neutral_clearance x reference x ln(clearance /
    neutral_clearance): near neutral, each month of clearance period above the neutral
    one lowers the reference's growth by clearance_price_slope (1/year per month, the
    unit of the published estimates), logarithmically further out; the neutral period
    is the market's, not the developers' normal one;
    market price = reference x (1 + price_adjustment_time x expectation_weight x
    believed growth), believed growth = expected growth + expectation_shift (a change of
    sentiment beyond extrapolation, 0 by default), limited to +-20 %/year;
    cost price = (construction_cost + land price / plot_ratio) x (1 + minimum_margin);
    indicated price = max(market price, cost price);
    d price/dt = (indicated price - price) / price_adjustment_time, at most +-30 % of
    the price a year.

Feedback loops
    B6 clearance: a clearance period above the neutral one lowers the reference price
    year after year, a shorter one raises it.
    B7 fundamentals: a price above (below) the fundamental level pulls the reference,
    and so the price, back; income moves the level, not the growth rate.
    R2 expectations: price growth -> expected growth -> indicated price (and demand);
    it reverses when prices fall.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.variables import Variable

CLEARANCE_RATIO_LIMITS = (0.25, 4.0)  # keeps the price effect finite at empty inventory
DWELLING_M2 = 90.0  # m²: the dwelling of the price-to-income ratio (PRIORS sec. 1)
HOUSEHOLD_PERSONS = 2.25  # persons per family household, Anshan 2020 census (the ratio's
# household; held fixed so that the anchor moves with income only)
GROWTH_LIMIT = 0.2  # 1/year: expectations beyond +-20 % a year are not extrapolated
PRICE_CHANGE_LIMIT = 0.3  # 1/year: prices move at most 30 % a year either way (explicit
# clip; Anshan moved 4-12 % a year in 2016-2019, and city price controls damp jumps)
MONTHS = 12.0
MARGIN_EFFECT_CAP = 2.0  # starts at most double the stock-management rule's [assumption]

VARIABLES = (
    Variable("price", "yuan/m**2", "average price of new commodity housing", "stock",
             "seed: 4,129, 4,380, 4,912, 5,128 (2016-2019)", (), "mean",
             equation="model.price.rates"),
    Variable("price_reference", "yuan/m**2", "the market's reference price", "stock",
             "closes its gap to the fundamental price over fundamental_reversion_time",
             (), "mean", equation="model.price.rates"),
    Variable("fundamental_price", "yuan/m**2",
             "fundamental price: normal price-to-income ratio x household income / 90 m²",
             "auxiliary", "PRIORS sec. 1-2: price-to-income norms, income elasticity 0.7",
             (), "mean", equation="model.price.fundamental_price"),
    Variable("expected_growth", "1/year", "expected price growth", "stock",
             "first-order smoothing of price growth, expectation_time", (), "mean",
             equation="model.price.rates"),
    Variable("residential_sales_value", "1e8 yuan/month", "sales value of new housing (住宅)",
             "flow", "price x sales", (), "sum", equation="model.developers.receipts"),
)  # fmt: skip


def perceived_clearance(inventory: np.ndarray, expected_sales: np.ndarray) -> np.ndarray:
    """Clearance period seen by the market (months): inventory / expected monthly sales."""
    return inventory / np.maximum(expected_sales / MONTHS, 1e-9)


def cost_per_m2(p: dict[str, np.ndarray], land_price: np.ndarray) -> np.ndarray:
    """Development cost per m² of floor area (yuan/m²): construction + land.

    ``land_price`` is per m² of land (yuan/m², model/land.py).
    """
    return p["construction_cost"] + land_price / p["plot_ratio"]


def fundamental_price(p: dict[str, np.ndarray], x: dict[str, np.ndarray]) -> np.ndarray:
    """Fundamental price (yuan/m²): the normal price-to-income ratio at today's income.

    Household income = 2.25 persons x urban disposable income per person (yuan/year) at
    2016, scaled by (income / income in 2016) ^ ``income_elasticity_price``; over a
    90 m² dwelling.
    """
    relative = x["income"] / x["income_reference"]
    household = HOUSEHOLD_PERSONS * x["income_reference"] * relative ** p["income_elasticity_price"]
    return p["normal_price_to_income"] * household / DWELLING_M2


def follow_income(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], x: dict[str, np.ndarray]
) -> None:
    """Move the reference price with the fundamental price of a new year's income.

    reference x new fundamental / last year's (``state["fundamental_level"]``, 0 before
    the first year: no move), in place: without it the reference would trail a growing
    fundamental by its growth x fundamental_reversion_time (35 % at 4.4 %/yr and 8 yr).
    """
    new = fundamental_price(p, x)
    last = state["fundamental_level"]
    factor = np.divide(new, last, out=np.ones_like(new), where=last > 0)
    state["price_reference"] *= factor
    state["fundamental_level"][:] = new


def rates(
    price: np.ndarray,
    land_price: np.ndarray,
    reference: np.ndarray,
    growth: np.ndarray,
    clearance: np.ndarray,
    p: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates of price, reference price (yuan/m²/year), expected growth (1/year²); the anchor.

    Returns
    -------
    d_price, d_reference, d_growth, fundamental : ndarray
        Shape (member,) each; ``fundamental`` is the fundamental price (yuan/m²).
    """
    high = CLEARANCE_RATIO_LIMITS[1]  # an empty inventory counts as the tightest market
    ratio = np.divide(clearance, p["neutral_clearance"], out=np.full_like(price, 1 / high),
                      where=clearance > p["neutral_clearance"] / high)  # fmt: skip
    ratio = np.clip(ratio, 1 / high, high)  # clearance / neutral, finite at empty inventory
    believed = np.clip(growth + p["expectation_shift"], -GROWTH_LIMIT, GROWTH_LIMIT)
    market = reference * (1.0 + p["price_adjustment_time"] * p["expectation_weight"] * believed)
    indicated = np.maximum(market, cost_per_m2(p, land_price) * (1.0 + p["minimum_margin"]))
    d_price = (indicated - price) / p["price_adjustment_time"]
    d_price = np.clip(d_price, -PRICE_CHANGE_LIMIT * price, PRICE_CHANGE_LIMIT * price)
    d_growth = (d_price / price - growth) / p["expectation_time"]
    fundamental = fundamental_price(p, x)
    pull = (fundamental - reference) / p["fundamental_reversion_time"]
    drift = p["clearance_price_slope"] * p["neutral_clearance"]  # 1/year per unit log
    d_reference = pull - drift * reference * np.log(ratio)
    return d_price, d_reference, d_growth, fundamental


def margin_effect(
    price: np.ndarray, land_price: np.ndarray, p: dict[str, np.ndarray]
) -> np.ndarray:
    """Effect of the profit margin on starts (1, between 0 and MARGIN_EFFECT_CAP).

    With r = price / cost / (1 + normal_margin) and e = ``margin_elasticity``, the
    effect is cap x r^k / (cap - 1 + r^k), k = e x cap / (cap - 1): 1 at the normal
    margin with elasticity e there, and a smooth approach to the cap (developers cannot
    start more than twice the indicated amount however wide the margin).
    """
    relative = price / cost_per_m2(p, land_price) / (1.0 + p["normal_margin"])
    cap = MARGIN_EFFECT_CAP
    power = relative ** (p["margin_elasticity"] * cap / (cap - 1.0))
    return cap * power / (cap - 1.0 + power)
