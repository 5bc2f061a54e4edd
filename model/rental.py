"""Public rental housing (公租房): eligible households waiting and cash rent subsidies.

Stock
    ``rental_waiting``: eligible urban households not yet served (seed: 1,177 people
    unserved at the end of 2019; about 8,200 newly eligible 2021-2025).
Flows (households/year)
    newly eligible = rental_eligible_rate x urban family households (so the queue
    follows the population basis); subsidies granted = min(waiting / rental_grant_time,
    rental_subsidy_capacity) (the plan: 1,640 a year, cash subsidy).

No feedback loop: the sector reports the plan's Table 1 row on rental subsidies.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model.variables import Variable

VARIABLES = (
    Variable("rental_waiting", "household", "eligible households waiting for rental "
             "housing support", "stock", "seed: 1,177 unserved end 2019",
             equation="model.rental.rates"),
    Variable("rental_new_eligible", "household/month",
             "urban family households becoming eligible for rental support", "flow",
             "seed: about 8,200 eligible 2021-2025 (rental_eligible_rate)", (), "sum",
             equation="model.rental.rates"),
    Variable("rental_subsidies", "household/month", "cash rent subsidies granted", "flow",
             "seed Table 2: 1,640 a year 2021-2025", (), "sum", equation="model.rental.rates"),
)  # fmt: skip


def rates(
    waiting: np.ndarray, urban_households: np.ndarray, p: dict[str, np.ndarray], dt: float
) -> dict[str, np.ndarray]:
    """Newly eligible households and subsidies granted (households/year).

    ``waiting`` and ``urban_households`` are in households, shape (member,).
    """
    granted = np.minimum(
        waiting / np.maximum(p["rental_grant_time"], dt), p["rental_subsidy_capacity"]
    )
    eligible = p["rental_eligible_rate"] * urban_households
    return {"rental_new_eligible": eligible, "rental_subsidies": granted}
