"""Price of new commodity housing (yuan/m²) and price expectations.

Stocks
    ``price``: average price of new commodity housing (yuan/m²; seed 4,129-5,128).
    ``expected_growth``: expected price growth (1/year), smoothed actual growth.
Equations
    perceived clearance period = inventory / (expected sales / 12) (months);
    market price = price x (normal_clearance / clearance) ^ clearance_price_elasticity
    x (1 + price_adjustment_time x (income_price_weight x income growth
    + expectation_weight x expected growth)), expected growth limited to +-20 %/year;
    cost price = (construction_cost + land_price / plot_ratio) x (1 + minimum_margin);
    indicated price = max(market price, cost price);
    d price/dt = (indicated price - price) / price_adjustment_time, at most +-30 % of
    the price a year.

Feedback loops
    B6 clearance: a long clearance period lowers the indicated price.
    R2 expectations: price growth -> expected growth -> indicated price (and demand).
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.variables import Variable

CLEARANCE_RATIO_LIMITS = (0.25, 4.0)  # keeps the price effect finite at empty inventory
GROWTH_LIMIT = 0.2  # 1/year: expectations beyond +-20 % a year are not extrapolated
PRICE_CHANGE_LIMIT = 0.3  # 1/year: prices move at most 30 % a year either way (explicit
# clip; Anshan moved 4-12 % a year in 2016-2019, and city price controls damp jumps)
MONTHS = 12.0

VARIABLES = (
    Variable("price", "yuan/m**2", "average price of new commodity housing", "stock",
             "seed: 4,129, 4,380, 4,912, 5,128 (2016-2019)", (), "mean",
             equation="model.price.rates"),
    Variable("expected_growth", "1/year", "expected price growth", "stock",
             "first-order smoothing of price growth, expectation_time", (), "mean",
             equation="model.price.rates"),
    Variable("residential_sales_value", "1e8 yuan/month", "sales value of new housing (住宅)",
             "flow", "price x sales", (), "sum", equation="model.developers.receipts"),
)  # fmt: skip


def perceived_clearance(inventory: np.ndarray, expected_sales: np.ndarray) -> np.ndarray:
    """Clearance period seen by the market (months): inventory / expected monthly sales."""
    return inventory / np.maximum(expected_sales / MONTHS, 1e-9)


def cost_per_m2(p: dict[str, np.ndarray]) -> np.ndarray:
    """Development cost per m² of floor area (yuan/m²): construction + land."""
    return p["construction_cost"] + p["land_price"] / p["plot_ratio"]


def rates(
    price: np.ndarray,
    growth: np.ndarray,
    clearance: np.ndarray,
    p: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Rates of change of price (yuan/m²/year) and of expected growth (1/year²)."""
    high = CLEARANCE_RATIO_LIMITS[1]  # an empty inventory counts as the tightest market
    ratio = np.divide(p["normal_clearance"], clearance, out=np.full_like(price, high),
                      where=clearance > p["normal_clearance"] / high)  # fmt: skip
    ratio = np.clip(ratio, *CLEARANCE_RATIO_LIMITS)
    believed = np.clip(growth, -GROWTH_LIMIT, GROWTH_LIMIT)
    trend = p["income_price_weight"] * x["income_growth"] + p["expectation_weight"] * believed
    market = (
        price
        * ratio ** p["clearance_price_elasticity"]
        * (1.0 + p["price_adjustment_time"] * trend)
    )
    indicated = np.maximum(market, cost_per_m2(p) * (1.0 + p["minimum_margin"]))
    d_price = (indicated - price) / p["price_adjustment_time"]
    d_price = np.clip(d_price, -PRICE_CHANGE_LIMIT * price, PRICE_CHANGE_LIMIT * price)
    d_growth = (d_price / price - growth) / p["expectation_time"]
    return d_price, d_growth


def margin_effect(price: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Effect of the profit margin on starts (1): (price / cost / (1 + normal margin))^e."""
    relative = price / cost_per_m2(p) / (1.0 + p["normal_margin"])
    return np.clip(relative ** p["margin_elasticity"], 0.0, 2.0)
