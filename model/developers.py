"""Developers: investment, presale receipts and the funding constraint on construction.

Equations (亿元 = 1e8 yuan)
    construction spending = construction_cost x area under construction x funding
    effect / build time (pre-presale + post-permit delays);
    land payments = land transacted (ha) x 1e4 m²/ha x land price (land.py), paid at
    transaction;
    development investment (房地产开发投资, 商品房 scope) = (spending + land payments)
    / investment_residential_share;
    presale receipts = (presales + completed sales) x price, smoothed over
    receipts_time;
    required funds = normal_funding_ratio x (construction spending at full pace + the
    year's land quota at the land price): the funds a yuan of investment needs once
    taxes, fees and debt service are paid (national 2021: 1.36);
    sales-linked funds = presale_receipt_share x smoothed receipts: deposits, advance
    payments and mortgage loans that reach the developers (national 2021: 58 % of the
    sales value; the rest is escrowed or paid later);
    credit (bank loans, bonds, trusts, own funds) = developer_credit x credit_share x
    required funds: lenders and owners finance a share of what the projects need;
    developer_credit is 1 in 2016-2019 and is what the 2020 "three red lines" cut;
    funding effect = clip(((sales-linked funds + credit) / required funds)
    ^ funding_elasticity, min_funding_effect, 1): when the funds fall short,
    construction slows, developers start less, buy less of the land the city offers,
    and even land held past the idle-land limit waits (supply.py).

Feedback loops
    R1 funding: fewer sales -> lower receipts -> slower construction and fewer starts
    -> fewer permits and completions -> less on offer -> fewer sales.
    R3 confidence: stressed developers -> buyers distrust presales (supply.py) ->
    fewer presales -> lower receipts -> more stress.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.delays import stage_total
from anshan_housing.model.variables import Variable

YUAN_1E4M2_TO_1E8 = 1e-4  # yuan/m² x 万m² = 1e4 yuan; /1e4 -> 亿元
HA_TO_M2 = 1e4

VARIABLES = (
    Variable("construction_spending", "1e8 yuan/month", "construction spending", "flow",
             "construction_cost x area under construction / build time", (), "sum",
             equation="model.developers.required_spending"),
    Variable("land_payments", "1e8 yuan/month", "payments for residential land", "flow",
             "land transacted x land_price", (), "sum", equation="model.developers.land_payment"),
    Variable("receipts_smoothed", "1e8 yuan/year", "smoothed sales receipts", "stock",
             "first-order smoothing, receipts_time", (), "mean",
             equation="model.system.market"),
    Variable("developer_credit_flow", "1e8 yuan/month", "developers' funds beyond sales "
             "(loans, bonds, trusts, own funds)", "flow",
             "developer_credit x credit_share x required funds",
             (), "sum", equation="model.developers.credit"),
    Variable("funding_effect", "1", "effect of funds on construction, starts and land",
             "auxiliary", "see model/developers.py", (), "mean",
             equation="model.developers.funding_effect"),
)  # fmt: skip


def under_construction(state: dict[str, np.ndarray]) -> np.ndarray:
    """Floor area under construction (万m²): before and after the presale permit."""
    return (
        stage_total(state["construction"])
        + stage_total(state["presale_unsold"])
        + stage_total(state["presale_sold"])
    )


def required_spending(state: dict[str, np.ndarray], p: dict[str, np.ndarray]) -> np.ndarray:
    """Construction spending at full pace (亿元/year)."""
    build_time = p["presale_delay"] + p["completion_delay"]
    return p["construction_cost"] * under_construction(state) / build_time * YUAN_1E4M2_TO_1E8


def required_funds(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], need: np.ndarray
) -> np.ndarray:
    """Funds that building at full pace and buying the offered land need (亿元/year).

    normal_funding_ratio x (``need`` (:func:`required_spending`) + the year's land quota
    (ha/year) at today's land price).
    """
    land = land_payment(state["land_quota"], state["land_price"])
    return p["normal_funding_ratio"] * (need + land)


def credit(required: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Developers' funds beyond sales: bank loans, bonds, trusts, own funds (亿元/year).

    developer_credit x credit_share x ``required`` (:func:`required_funds`).
    """
    return p["developer_credit"] * p["credit_share"] * required


def funding_effect(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], need: np.ndarray
) -> np.ndarray:
    """Pace of construction, starts and land purchase the funds allow (1, at most 1).

    ``need`` is the construction spending at full pace (亿元/year,
    :func:`required_spending`); the effect is clip(((presale_receipt_share x receipts
    + credit) / required funds) ^ funding_elasticity, min_funding_effect, 1).
    """
    required = required_funds(state, p, need)
    funds = p["presale_receipt_share"] * state["receipts_smoothed"] + credit(required, p)
    ratio = np.divide(funds, required, out=np.ones_like(need), where=required > 0)
    return np.clip(ratio ** p["funding_elasticity"], p["min_funding_effect"], 1.0)


def land_payment(hectares: np.ndarray, land_price: np.ndarray) -> np.ndarray:
    """Payment for ``hectares`` of residential land at ``land_price`` yuan/m² (亿元)."""
    return hectares * HA_TO_M2 * land_price * 1e-8


def receipts(sold_area_rate: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Sales receipts (亿元/year) of ``sold_area_rate`` 万m²/year at ``price`` yuan/m²."""
    return sold_area_rate * price * YUAN_1E4M2_TO_1E8
