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
from model.population import AREAS, ELDERLY_AGE

VARIABLES = population.VARIABLES + households.VARIABLES


def initial_state(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All stocks at the end of 2015, each with a leading member axis."""
    return population.initial_state(p)


def prepare(p: dict[str, np.ndarray], clock) -> dict[str, np.ndarray]:
    """Quantities that change only with the parameters (recomputed after events)."""
    derived = population.schedules(p, clock.dt)
    derived["dissolution_weights"] = households.dissolution_weights(p, derived)
    return derived


def rates(state: dict, p: dict, derived: dict, clock) -> tuple[dict, dict]:
    """Rates of change of the stocks and the flows to record (both per year).

    Returns
    -------
    derivatives : dict of str to ndarray
        d(stock)/dt for each stock that changes continuously.
    flows : dict of str to ndarray
        Recorded flows (per year), summed by the engine over each month.
    """
    pop = state["population"]
    change, flows = population.rates(pop, derived)
    flows["household_dissolution"] = households.dissolution(
        pop, derived["dissolution_weights"], p, clock.t
    )
    return {"population": change}, flows


def observe(state: dict, p: dict, clock) -> dict[str, np.ndarray]:
    """Stocks and auxiliaries to record at the end of a month."""
    pop = state["population"]
    hh = households.households(pop, p, clock.t)
    total = pop.sum(axis=(1, 2))
    return {
        "population": pop.sum(axis=2),
        "population_60plus": pop[:, :, ELDERLY_AGE:].sum(axis=(1, 2)),
        "households": hh,
        "household_size": total / hh.sum(axis=1),
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
        "population_total": (pop_end, "person", "resident population at the end of the year"),
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


__all__ = ["AREAS", "VARIABLES", "initial_state", "rates", "observe", "new_year", "indicators"]
