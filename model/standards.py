"""Construction standards: the green-building and prefabricated shares of new housing.

Stocks (万m²), co-flows of the supply pipeline (model/supply.py, Sterman 2000 ch. 12)
    ``green_construction[3]``, ``prefab_construction[3]``: area started to the standard,
    before the presale threshold (the stages of ``construction``).
    ``green_building[3]``, ``prefab_building[3]``: the same area after its permit, sold
    or not, until completion (the stages of ``presale_unsold`` + ``presale_sold``: a
    presale moves area between the two within a stage, so their sum is one chain).
    Each stage's outflow carries the stage's own share, so permits, completions and the
    area under construction keep the mix of the starts they came from.
Inputs (policy, 1): ``green_building_share`` and ``prefabricated_share`` of starts.
Effects
    construction cost per m² = construction_cost + green_cost_premium x green share
    + prefab_cost_premium x prefabricated share (yuan/m²), construction_cost being
    conventional construction: the shares of the starts for a new project's cost (price floor,
    margins, land bids), the shares of the area under construction for spending;
    presale and completion delays x (1 - prefab_time_saving x the chain's prefabricated
    share): factory-made parts shorten the work on site.
There is no feedback loop here: the shares are policy, and they reach the market
through cost (B3 margin, the price floor) and the pipeline's pace.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.delays import chain_increment, stage_total
from anshan_housing.model.variables import Variable

ATTRIBUTES = ("green", "prefab")  # the standards carried through the pipeline
SHARE_INPUTS = {"green": "green_building_share", "prefab": "prefabricated_share"}
AREA = "1e4 m**2"


def _variables():
    out = []
    for name, label in (("green", "to the green-building standard"),
                        ("prefab", "prefabricated (装配式)")):  # fmt: skip
        out += [
            Variable(f"{name}_construction", AREA, f"started {label}, before the presale "
                     "threshold", "stock", "co-flow of construction",
                     equation="model.supply.increments"),
            Variable(f"{name}_building", AREA, f"permitted {label}, being built", "stock",
                     "co-flow of presale_unsold + presale_sold",
                     equation="model.supply.increments"),
            Variable(f"{name}_starts", f"{AREA}/month", f"starts {label}", "flow",
                     f"starts x {SHARE_INPUTS[name]} (input)", (), "sum",
                     equation="model.supply.increments"),
            Variable(f"{name}_completions", f"{AREA}/month", f"completions {label}", "flow",
                     "the last stage's outflow times its share", (), "sum",
                     equation="model.supply.increments"),
        ]  # fmt: skip
    return tuple(out)


VARIABLES = _variables()


def initial_state(stocks: dict[str, np.ndarray], shares: dict[str, np.ndarray]) -> dict:
    """End-2015 co-flow stocks: the pipeline's stages at the 2016 shares of starts.

    ``stocks`` holds ``construction`` and ``building`` stages (万m², (member, 3));
    ``shares`` the 2016 share of each attribute (1).
    """
    out = {}
    for name in ATTRIBUTES:
        for chain in ("construction", "building"):
            out[f"{name}_{chain}"] = np.asfortranarray(stocks[chain] * shares[name])
    return out


def share(attribute: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Share of a chain's area that carries the attribute (1), 0 for an empty chain."""
    a, t = stage_total(attribute), stage_total(total)
    return np.divide(a, t, out=np.zeros_like(t), where=t > 0)


def carried(attribute: np.ndarray, stages: np.ndarray, outflows: np.ndarray) -> np.ndarray:
    """Outflow of each attribute stage (万m²/year): the stage's outflow x its share."""
    fraction = np.divide(attribute, stages, out=np.zeros_like(outflows), where=stages > 0)
    return outflows * fraction


def coflow_rates(
    state: dict[str, np.ndarray],
    name: str,
    attribute_starts: np.ndarray,
    chains: dict[str, np.ndarray],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Rates of one standard's co-flow stocks (万m²/year) and its recorded flows.

    ``chains`` are the stage outflows of the supply chains after the step's limits
    (:func:`model.supply.increments`); permits carry the construction chain's last
    share into the building chain, completions leave it.
    """
    before, after = state[f"{name}_construction"], state[f"{name}_building"]
    permits = carried(before, state["construction"], chains["construction"])
    building = state["presale_unsold"] + state["presale_sold"]
    done = carried(after, building, chains["presale_unsold"] + chains["presale_sold"])
    rates = {
        f"{name}_construction": chain_increment(before, attribute_starts, permits),
        f"{name}_building": chain_increment(after, permits[:, -1], done),
    }
    return rates, {f"{name}_starts": attribute_starts, f"{name}_completions": done[:, -1]}


def construction_cost(
    p: dict[str, np.ndarray], green: np.ndarray, prefab: np.ndarray
) -> np.ndarray:
    """Construction cost per m² (yuan/m²) at the given shares of the two standards."""
    extra = p["green_cost_premium"] * green + p["prefab_cost_premium"] * prefab
    return p["construction_cost"] + extra


def delay_factor(p: dict[str, np.ndarray], prefab: np.ndarray) -> np.ndarray:
    """Construction delay over conventional construction (1) at a prefabricated share."""
    return 1.0 - p["prefab_time_saving"] * prefab
