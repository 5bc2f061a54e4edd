"""Search for the yearly residential land supply 2021-2025 that best meets Table 1.

The decision variables are five quotas (ha/year). Each generation of
``scipy.optimize.differential_evolution`` (``vectorized=True``) is one ensemble run:
one member per candidate path, under a ``path`` land policy with the scenario's
variants, overrides and inputs. The objective (to minimise) is

    - (Table 1 targets met) + mean distance of the monthly clearance period from the
    15-18 band over 2021-2025 / 18 months + shortfalls of supply and floor area,

so paths that meet more targets always win, and among them the one whose clearance
period stays in the band longest; the smooth terms guide the search where no target
is met yet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import xarray as xr
from scipy import optimize
from scipy.stats import qmc

from anshan_housing.calibration.fit import generation_callback
from anshan_housing.experiments.policies import PLAN_END, PLAN_START
from anshan_housing.experiments.scenarios import Scenario, run_scenario
from anshan_housing.experiments.scorecard import (
    BAND,
    FLOOR_AREA_TARGET,
    SUPPLY_TARGET,
    SUPPLY_TOLERANCE,
    target_flags,
)

YEARS = PLAN_END - PLAN_START + 1
MAX_LAND = 300.0  # ha/year: upper bound of the search, 5x the 2016-2019 mean


@dataclasses.dataclass(frozen=True)
class Optimum:
    """The best land path found and how it scores."""

    path: np.ndarray  # ha/year, 2021-2025
    objective: float
    targets_met: int
    months_in_band: int
    runs: int


def target_scores(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Per member: targets met, months in band, and the smooth distances (member,)."""
    plan = slice(PLAN_START, PLAN_END)
    monthly = ds["clearance_period_monthly"].sel(time=slice(f"{PLAN_START}-01", f"{PLAN_END}-12"))
    period = monthly.values
    low, high = BAND
    inside = (period >= low) & (period <= high)
    distance = np.where(period < low, low - period, np.where(period > high, period - high, 0.0))
    distance = np.where(np.isfinite(distance), distance, 10 * high)
    supply = ds["new_supply"].sel(year=plan).sum("year").values
    area = ds["per_capita_floor_area"].sel(year=PLAN_END).values
    supply_gap = np.maximum(np.abs(supply / SUPPLY_TARGET - 1) - SUPPLY_TOLERANCE, 0.0)
    met = sum(flag.astype(int) for flag in target_flags(ds).values())
    return {
        "met": met,
        "months_in_band": inside.sum(axis=1),
        "band_distance": distance.mean(axis=1),
        "supply_gap": supply_gap,
        "area_gap": np.maximum(FLOOR_AREA_TARGET - area, 0.0) / FLOOR_AREA_TARGET,
    }


def objective_of(scores: Mapping[str, np.ndarray]) -> np.ndarray:
    """Objective to minimise, per member (see the module docstring)."""
    return (
        -scores["met"]
        + scores["band_distance"] / BAND[1]
        + scores["supply_gap"]
        + scores["area_gap"]
    )


def optimise_land(
    scenario: Scenario,
    values: Mapping[str, float],
    *,
    seed: int = 0,
    maxiter: int = 60,
    popsize: int = 12,
    max_land: float = MAX_LAND,
    starts: Sequence[np.ndarray] = (),
    progress: Callable[[int, float], None] | None = None,
) -> Optimum:
    """Find the land path 2021-2025 (ha/year) that best meets Table 1 (see module doc).

    ``starts`` are known paths (the shipped policies' land) put into the first
    generation next to a Latin hypercube, so the search can only improve on them.
    """
    base = dataclasses.replace(scenario, policy="path", policy_settings={}, path=None,
                               start_year=PLAN_START)  # fmt: skip
    runs = 0

    def evaluate(paths: np.ndarray) -> np.ndarray:
        nonlocal runs
        runs += paths.shape[0]
        ds = run_scenario(base, values, path=paths, record_age=False,
                          monthly=("sales", "residential_inventory"))  # fmt: skip
        return objective_of(target_scores(ds))

    callback = generation_callback(progress)
    size = popsize * YEARS
    first = qmc.LatinHypercube(d=YEARS, seed=seed).random(size) * max_land
    for i, path in enumerate(list(starts)[:size]):
        first[i] = np.clip(np.asarray(path, dtype=float), 0.0, max_land)
    found = optimize.differential_evolution(
        lambda x: evaluate(x.T),
        [(0.0, max_land)] * YEARS,
        seed=seed,
        maxiter=maxiter,
        init=first,
        polish=False,
        vectorized=True,
        updating="deferred",
        callback=callback,
    )
    ds = run_scenario(base, values, path=found.x[None, :], record_age=False)
    scores = target_scores(ds)
    return Optimum(found.x, float(found.fun), int(scores["met"][0]),
                   int(scores["months_in_band"][0]), runs)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class LandSearch:
    """The searched land path beside the plan's Table 2 under one scenario."""

    best: Optimum
    runs: dict[str, xr.Dataset]  # "optimised" and "plan-table2"
    table2_land: np.ndarray  # ha/year 2021-2025


def known_paths(scenario: Scenario, others: Sequence[Scenario], values) -> list[np.ndarray]:
    """Land paths 2021-2025 (ha/year) of other scenarios' policies under ``scenario``."""
    paths = []
    for other in others:
        policy = dataclasses.replace(scenario, policy=other.policy,
                                     policy_settings=other.policy_settings)  # fmt: skip
        land = run_scenario(policy, values)["land_transacted_yearly"].isel(member=0)
        paths.append(land.values[-YEARS:])
    return paths


def search_against_table2(
    scenario: Scenario, others: Sequence[Scenario], values, **search
) -> LandSearch:
    """Search the land path (seeded with ``others``' paths) and run it beside Table 2.

    ``search`` is passed to :func:`optimise_land` (seed, maxiter, popsize, progress).
    """
    best = optimise_land(scenario, values, starts=known_paths(scenario, others, values),
                         **search)  # fmt: skip
    table2 = dataclasses.replace(scenario, policy="plan-table2", policy_settings={})
    searched = dataclasses.replace(scenario, name="optimised", policy="path", policy_settings={},
                                   path=tuple(best.path), start_year=PLAN_START)  # fmt: skip
    runs = {
        "optimised": run_scenario(searched, values),
        "plan-table2": run_scenario(table2, values),
    }
    land = runs["plan-table2"]["land_transacted_yearly"].isel(member=0).values[-YEARS:]
    return LandSearch(best, runs, land)


def format_search(search: LandSearch, label: str) -> str:
    """The land table (searched vs Table 2, ha/year) and the targets met."""
    best, plan_land = search.best, search.table2_land
    lines = [
        f"best land path ({best.runs:,} model runs; parameters: {label})",
        "year          optimised (ha)   Table 2 (ha)   difference (ha)",
    ]
    for i, (land, plan) in enumerate(zip(best.path, plan_land, strict=True)):
        lines.append(f"{PLAN_START + i}  {land:>20.1f} {plan:>14.1f} {land - plan:>+17.1f}")
    lines.append(f"2021-2025 {best.path.sum():>19.1f} {plan_land.sum():>14.1f} "
                 f"{best.path.sum() - plan_land.sum():>+17.1f}")  # fmt: skip
    lines.append(f"Table 1 targets met: {best.targets_met} of 8; months of 2021-2025 "
                 f"with the clearance period in 15-18: {best.months_in_band} of 60")  # fmt: skip
    return "\n".join(lines)
