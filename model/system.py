"""The whole stock-and-flow system: sectors wired together for the engine.

The engine asks this module for the initial state, the rates of change of the stocks
(with the flows to record), the levels to record at month end, the 1 January events,
any dated processes, and the derived indicators. Sectors are pure functions in their
own modules; this is the only place that knows the order in which they are evaluated:
population -> households.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from model import households, population
from model.population import AREAS, ELDERLY_AGE, N_AGES

VARIABLES = population.VARIABLES + households.VARIABLES
DIM_SIZES = {"area": len(AREAS)}


def initial_state(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All stocks at the end of 2015, each with a leading member axis."""
    return population.initial_state(p)


def _age_basis() -> tuple[tuple[str, ...], np.ndarray]:
    """Names and matrix (age, K) of every age schedule the sectors sum population over."""
    weights = {
        "all": np.ones(N_AGES),
        "elderly": (np.arange(N_AGES) >= ELDERLY_AGE).astype(float),
        **population.age_weights(),
        **households.age_weights(),
    }
    return tuple(weights), np.column_stack(list(weights.values()))


AGE_BASIS_NAMES, AGE_BASIS = _age_basis()


def age_sums(pop: np.ndarray) -> dict[str, np.ndarray]:
    """Population summed over age with each shared weight, (member, area) each.

    One matrix product reads the population once for all of them.
    """
    n, areas, ages = pop.shape
    sums = (pop.reshape(n * areas, ages) @ AGE_BASIS).reshape(n, areas, -1)
    return {name: sums[:, :, j] for j, name in enumerate(AGE_BASIS_NAMES)}


def prepare(p: dict[str, np.ndarray], dt: float) -> dict[str, np.ndarray]:
    """Quantities that change only with the parameters (recomputed after events)."""
    derived = population.schedules(p, dt)
    derived["dissolution_weights"] = households.dissolution_weights(p, derived)
    return derived


def increments(
    state: dict, p: dict, derived: dict, t: float, dt: float
) -> tuple[dict, dict]:
    """Euler increments of the stocks over one step and the flows to record.

    Returns
    -------
    increments : dict of str to ndarray
        ``dt * d(stock)/dt`` for each stock that changes continuously.
    flows : dict of str to ndarray
        Recorded flows (per year), summed by the engine over each month.
    """
    pop = state["population"]
    sums = age_sums(pop)
    change, flows = population.rates(pop, derived, p, sums, dt)
    flows["household_dissolution"] = households.dissolution(
        pop, derived["dissolution_weights"], p, sums, bool(derived["unclipped"]), t
    )
    return {"population": change}, flows


def observe(state: dict, p: dict, t: float) -> dict[str, np.ndarray]:
    """Stocks and auxiliaries to record at the end of a month (``t`` in years)."""
    sums = age_sums(state["population"])
    hh = households.households_from_sums(sums, p, t)
    by_area = sums["all"]
    return {
        "population": by_area,
        "population_60plus": sums["elderly"].sum(axis=1),
        "households": hh,
        "household_size": np.divide(
            by_area.sum(axis=1), hh.sum(axis=1), out=np.zeros(len(hh)), where=hh.sum(axis=1) > 0
        ),
    }


def new_year(state: dict, p: dict, clock) -> None:
    """The 1 January events of the system: ageing of the population."""
    population.age_one_year(state["population"])


def processes(env, state: dict, p: dict, clock):
    """Dated simpy processes of the system besides the calendar (none yet)."""
    return ()


def indicators(ds: xr.Dataset) -> xr.Dataset:
    """Yearly indicators comparable with the seed's statistics.

    Natural growth rate and migration as the statistical bureaus report them: per
    mille of the mean of the start- and end-of-year population.
    """
    pop_end = ds["population_yearly"].sum("area")
    births = ds["births_yearly"].sum("area")
    deaths = ds["deaths_yearly"].sum("area")
    migration_in = ds["in_migration_yearly"].sum("area")
    migration_out = ds["out_migration_yearly"].sum("area")
    pop_start = pop_end - (births - deaths + migration_in - migration_out)
    mean_pop = (pop_start + pop_end) / 2
    new = {
        "population_total": (
            pop_end,
            "person",
            "resident population at the end of the year",
        ),
        "population_urban": (
            ds["population_yearly"].sel(area="urban", drop=True),
            "person",
            "urban residents at the end of the year",
        ),
        "urbanisation_rate": (
            100 * ds["population_yearly"].sel(area="urban", drop=True) / pop_end,
            "percent",
            "urban share of residents at the end of the year",
        ),
        "natural_growth_rate": (
            1000 * (births - deaths) / mean_pop,
            "per_mille",
            "(births - deaths) / mean population",
        ),
        "net_migration": (
            migration_in - migration_out,
            "person/year",
            "in-migrants minus out-migrants",
        ),
        "share_60plus": (
            100 * ds["population_60plus_yearly"] / pop_end,
            "percent",
            "share of residents aged 60+ at the end of the year",
        ),
        "households_urban": (
            ds["households_yearly"].sel(area="urban", drop=True),
            "household",
            "urban family households at the end of the year",
        ),
    }
    for name, (data, units, long_name) in new.items():
        ds[name] = data
        ds[name].attrs.update(units=units, long_name=long_name)
    return ds


__all__ = [
    "AREAS",
    "VARIABLES",
    "initial_state",
    "increments",
    "observe",
    "new_year",
    "indicators",
]
