"""Old residential compounds (老旧小区): renovation and property management.

Stocks (万m² of floor area)
    ``old_waiting``: old residential floor area awaiting renovation (end 2015:
    ``old_stock_2015``).
    ``old_renovated``: floor area renovated since 2016.
Flows
    renovation = the programme's area (input ``old_compound_renovation``, 万m²/year),
    at most what is waiting (explicit clip): old_waiting + old_renovated stays the
    end-2015 stock;
    property management: completions x ``management_share_new`` (new compounds) and
    renovation x ``management_share_renovated`` (renovated compounds), both inputs.
Effect on demand
    upgrading demand x (1 - renovation_upgrade_effect x old_renovated / housing stock):
    residents of a renovated compound (lifts, insulation, pipes) are less likely to
    move to a new home, the seed's demand section counting lifts and renovation among
    upgrading needs. The renovated share of the stock is small (a few per cent), so the
    effect is an open-loop policy lever, no feedback loop.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.variables import Variable

AREA = "1e4 m**2"

VARIABLES = (
    Variable("old_waiting", AREA, "old residential floor area awaiting renovation", "stock",
             "old_stock_2015 (model/parameters.toml), less renovation",
             equation="model.renovation.rates"),
    Variable("old_renovated", AREA, "old residential floor area renovated since 2016",
             "stock", "renovation", equation="model.renovation.rates"),
    Variable("renovation", f"{AREA}/month", "old-compound renovation (老旧小区改造)", "flow",
             "input old_compound_renovation, at most what is waiting", (), "sum",
             equation="model.renovation.rates"),
    Variable("managed_completions", f"{AREA}/month", "completions under property "
             "management", "flow", "completions x management_share_new (input)", (), "sum",
             equation="model.renovation.rates"),
    Variable("managed_renovation", f"{AREA}/month", "renovated area entering property "
             "management", "flow", "renovation x management_share_renovated (input)", (),
             "sum", equation="model.renovation.rates"),
)  # fmt: skip


def initial_state(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """End-2015 stocks: the whole old stock waiting, nothing renovated yet."""
    return {"old_waiting": p["old_stock_2015"].copy(),
            "old_renovated": np.zeros_like(p["old_stock_2015"])}  # fmt: skip


def rates(
    state: dict[str, np.ndarray],
    x: dict[str, np.ndarray],
    completions: np.ndarray,
    dt: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Increments of the two stocks (万m²) and the flows to record (万m²/year)."""
    # explicit clip: a step never renovates more than is waiting
    renovation = np.minimum(
        np.broadcast_to(x["old_compound_renovation"], state["old_waiting"].shape),
        state["old_waiting"] / dt,
    )
    steps = {"old_waiting": -dt * renovation, "old_renovated": dt * renovation}
    flows = {
        "renovation": renovation,
        "managed_completions": x["management_share_new"] * completions,
        "managed_renovation": x["management_share_renovated"] * renovation,
    }
    return steps, flows


def upgrade_factor(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], housing_stock: np.ndarray
) -> np.ndarray:
    """Multiplier of upgrading demand (1): lower as more of the stock is renovated."""
    renovated = np.divide(state["old_renovated"], housing_stock,
                          out=np.zeros_like(housing_stock), where=housing_stock > 0)  # fmt: skip
    return 1.0 - p["renovation_upgrade_effect"] * np.minimum(renovated, 1.0)
