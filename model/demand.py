"""Demand for new commodity housing (万m²/year) from households, income and resettlement.

Components
    formation: gross new urban households (net formation + dissolutions) x share buying
    new commodity housing x area of a new unit, less the dwellings that dissolved
    households free for the second-hand market (out-migrants, elderly living alone);
    upgrading: urban households x upgrade rate, rising with income (elasticity) and
    falling as floor area per urban resident grows past its end-2015 level (people
    with more space upgrade less);
    resettlement: shantytown households resettled by cash (x share of the cash spent on
    housing) or by government purchase, x area, x share bought new (seed section 4).
Multipliers
    affordability: (price / income, relative to the start) ^ -affordability_elasticity
    x payment factor ^ -mortgage_payment_elasticity; the payment factor = down payment
    share + (1 - down payment share) x annuity(mortgage_rate) / annuity(the 2016-2019
    rate), 30-year loans: a lower rate makes the same price cheaper to carry;
    expectations: 1 + expectation_sensitivity x believed price growth (expected growth
    + expectation_shift, as in price.py);
    credit: 1 + credit_elasticity x (provident-fund lending / its 2016-2019 mean - 1):
    the fund finances part of the purchases, so lending at zero removes that part
    (credit_elasticity ~ its share) rather than all demand.

Feedback loops
    B5 affordability: higher price -> less demand -> fewer sales -> longer clearance
    period -> lower price.
    R2 speculation: price growth -> expected growth -> more demand -> faster price
    growth (Özbaş, Özgün & Barlas 2014, FACTS.md).
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.price import GROWTH_LIMIT
from anshan_housing.model.variables import Variable

M2_TO_1E4 = 1e-4  # m² -> 万m²
MORTGAGE_TERM = 30.0  # years: the usual (and maximum) term of a Chinese home loan [assumption]
MORTGAGE_RATE_2016_2019 = 0.056  # 1/year: first-home rate, 5-year LPR 4.85 % (Aug 2019) plus
# about 0.8 points of spread; the rate was 5.63 % in Dec 2021 (PRIORS sec. 9, derived, weak)
AREA_FLOW = "1e4 m**2/month"

VARIABLES = (
    Variable("demand", AREA_FLOW, "demand for new commodity housing", "flow",
             "sum of components x multipliers (see model/demand.py)", (), "sum",
             equation="model.demand.demand"),
    Variable("demand_formation", AREA_FLOW, "demand from household formation, net of "
             "freed dwellings", "flow", "urban households (population sector)", (), "sum",
             equation="model.demand.components"),
    Variable("demand_upgrading", AREA_FLOW, "upgrading (improvement) demand", "flow",
             "seed section 8: upgrading demand", (), "sum", equation="model.demand.components"),
    Variable("demand_resettlement", AREA_FLOW, "shantytown resettlement purchases", "flow",
             "seed section 4: cash and government-purchase households", (), "sum",
             equation="model.demand.components"),
    Variable("sales", AREA_FLOW, "sales of new commodity housing (商品住宅), presale + "
             "completed", "flow", "seed 2019: 220 万m² residential", (), "sum",
             equation="model.system.market"),
    Variable("expected_sales", "1e4 m**2/year", "developers' smoothed sales rate", "stock",
             "first-order smoothing of sales, sales_smoothing_time",
             equation="model.system.market"),
    Variable("households_reference", "household", "smoothed urban households", "stock",
             "first-order smoothing, household_smoothing_time", equation="model.demand.formation"),
)  # fmt: skip


def formation(urban_households: np.ndarray, reference: np.ndarray, p: dict) -> np.ndarray:
    """Net formation of urban households (households/year): rate of the smoothed count.

    Smoothing spreads the 1 January step of households (ageing) over the year.
    """
    return (urban_households - reference) / p["household_smoothing_time"]


def components(
    p: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
    urban_households: np.ndarray,
    net_formation: np.ndarray,
    dissolved: np.ndarray,
    space: np.ndarray,
) -> dict[str, np.ndarray]:
    """Demand components before multipliers (万m²/year), each shape (member,).

    ``space`` is floor area per urban resident relative to its end-2015 value (1).
    """
    area_new = p["area_per_unit"] * M2_TO_1E4
    gross = np.maximum(net_formation + dissolved, 0.0)
    freed = dissolved * p["freed_dwelling_area"] * M2_TO_1E4 * p["second_hand_substitution"]
    income = x["income"] / x["income_reference"]
    upgrading = (
        urban_households
        * p["upgrade_rate"]
        * income ** p["upgrade_income_elasticity"]
        * space ** -p["space_elasticity"]
        * area_new
    )
    households = x["resettlement_cash"] * p["cash_housing_share"] + x["resettlement_purchase"]
    resettlement = households * p["resettlement_area"] * M2_TO_1E4 * p["resettlement_new_share"]
    return {
        "demand_formation": gross * p["new_home_share"] * area_new - freed,
        "demand_upgrading": upgrading,
        "demand_resettlement": resettlement,
    }


def annuity(rate: np.ndarray) -> np.ndarray:
    """Yearly payment per yuan borrowed over MORTGAGE_TERM years at ``rate`` (1/year)."""
    rate = np.asarray(rate, float)
    safe = np.where(rate > 0, rate, 1.0)
    return np.where(rate > 0, safe / (1.0 - (1.0 + safe) ** -MORTGAGE_TERM), 1 / MORTGAGE_TERM)


def payment_factor(p: dict[str, np.ndarray]) -> np.ndarray:
    """What a yuan of price costs a buyer to carry, against the 2016-2019 rate (1).

    The down payment is paid in cash, the rest over the loan: down + (1 - down) x
    annuity(rate) / annuity(2016-2019 rate). The down payment's other role, the cash a
    buyer must have saved, is not modelled.
    """
    down = p["mortgage_down_payment"]
    relative = annuity(p["mortgage_rate"]) / annuity(MORTGAGE_RATE_2016_2019)
    return down + (1.0 - down) * relative


def multiplier(
    p: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
    price: np.ndarray,
    growth: np.ndarray,
) -> np.ndarray:
    """Affordability x expectations x credit multiplier of market demand (1)."""
    net_price = np.maximum(price - p["purchase_subsidy"], 1.0)
    relative_pir = (net_price / x["income"]) / (p["price_2015"] / x["income_reference"])
    affordability = relative_pir ** -p["affordability_elasticity"]
    affordability = affordability * payment_factor(p) ** -p["mortgage_payment_elasticity"]
    believed = np.clip(growth + p["expectation_shift"], -GROWTH_LIMIT, GROWTH_LIMIT)
    expectation = np.maximum(1.0 + p["expectation_sensitivity"] * believed, 0.0)
    relative_lending = x["provident_lending"] / x["provident_reference"]
    credit = np.maximum(1.0 + p["credit_elasticity"] * (relative_lending - 1.0), 0.0)
    return affordability * expectation * credit


def demand(parts: dict[str, np.ndarray], factor: np.ndarray) -> np.ndarray:
    """Total demand for new commodity housing (万m²/year), never negative.

    Market demand (formation net of freed dwellings, plus upgrading) is scaled by the
    multiplier and floored at zero; resettlement purchases are added unscaled (they
    follow the programme, not the market).
    """
    market = np.maximum(parts["demand_formation"] + parts["demand_upgrading"], 0.0)
    return market * factor + parts["demand_resettlement"]
