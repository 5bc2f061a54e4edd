"""Developers: investment, presale receipts and the funding constraint on construction.

Equations (亿元 = 1e8 yuan)
    construction spending = construction_cost x area under construction x funding
    effect / build time (pre-presale + post-permit delays);
    land payments = land transacted (ha) x 1e4 m²/ha x land_price, paid at transaction;
    development investment (房地产开发投资, 商品房 scope) = (spending + land payments)
    / investment_residential_share;
    presale receipts = (presales + completed sales) x price, smoothed over
    receipts_time;
    funding effect = clip((smoothed receipts / required spending / normal_funding_ratio)
    ^ funding_elasticity, min_funding_effect, 1): when receipts fall short of what
    construction at full pace needs, all construction slows (the formulation asked for:
    presales are the developers' main funding source).

Feedback loop
    R1 funding: fewer sales -> lower receipts -> slower construction -> fewer permits
    and completions -> less on offer -> fewer sales.
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
    Variable("funding_effect", "1", "effect of receipts on construction pace", "auxiliary",
             "see model/developers.py", (), "mean", equation="model.developers.funding_effect"),
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


def funding_effect(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], need: np.ndarray
) -> np.ndarray:
    """Pace of construction allowed by presale receipts (1, between the floor and 1).

    ``need`` is the spending at full pace (亿元/year, :func:`required_spending`).
    """
    ratio = np.divide(
        state["receipts_smoothed"], need * p["normal_funding_ratio"],
        out=np.ones_like(need), where=need > 0,
    )  # fmt: skip
    return np.clip(ratio ** p["funding_elasticity"], p["min_funding_effect"], 1.0)


def land_payment(hectares: np.ndarray, p: dict[str, np.ndarray]) -> np.ndarray:
    """Payment for ``hectares`` of residential land (亿元)."""
    return hectares * HA_TO_M2 * p["land_price"] * 1e-8


def receipts(sold_area_rate: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Sales receipts (亿元/year) of ``sold_area_rate`` 万m²/year at ``price`` yuan/m²."""
    return sold_area_rate * price * YUAN_1E4M2_TO_1E8
