"""Population sector: residents by single year of age (0-100+) and by urban/rural area.

Stock
    ``population[member, area, age]`` (persons), area 0 = urban, 1 = rural. Age is the
    age reached in the current calendar year (cohort age): everyone moves up one year on
    1 January (:func:`age_one_year`) and births of the year accumulate at age 0.

Flows (persons/year)
    births (age-specific fertility of women 15-49), deaths (age-specific mortality),
    out-migration (rate by age with a Rogers-Castro profile: young adults leave most),
    in-migration (a yearly number spread by the same profile), and the rural-to-urban
    flow (urbanisation, same age profile).

Feedback loops
    The sector is nearly open-loop: births depend on the number of women of childbearing
    age, which out-migration of young adults drains (a reinforcing loop of decline:
    fewer young adults, fewer births, fewer young adults later); deaths and the ageing
    chain balance the old-age stocks. It drives households and housing demand; nothing
    in the housing market feeds back to it in this version.

Sources are in ``model/parameters.toml`` and the headers of the CSV files in
``model/data/``, which :mod:`model.inputs` reads and the engine hands in; the seed's
2019 figures are the calibration targets.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy.interpolate import PchipInterpolator

from anshan_housing.model.inputs import AgeGroups
from anshan_housing.model.variables import Variable

N_AGES = 101  # single years 0..99 and the open group 100+
AGES = np.arange(N_AGES)
AREAS = ("urban", "rural")
AGEING_MEMBERS = 1024  # members shifted up one age together on 1 January
URBAN, RURAL = 0, 1
FERTILE = slice(15, 50)  # ages 15-49
ELDERLY_AGE = 60  # the seed's ageing indicator counts people aged 60+
ELDERLY_URBAN_SHARE_2015 = 0.515  # 397 k of 771 k registered 60+ lived in urban areas
# (POPULATION_SOURCES.md sec. 1, tag M)
INFANT_MORTALITY = 4.5e-3  # Liaoning 2017 infant mortality (health white paper, tag M)
CHILD_MORTALITY_1_4 = 0.15e-3  # per year at 1-4: (5.1 - 4.5) per mille under-5 over 4 years
# Rogers-Castro "fundamental" schedule (Rogers & Castro 1981, IIASA RR-81-30)
ROGERS_CASTRO = {"a1": 0.02, "alpha1": 0.1, "a2": 0.06, "alpha2": 0.1, "mu2": 20.0,
                 "lambda2": 0.4, "c": 0.003}  # fmt: skip

VARIABLES = (
    Variable("population", "person", "resident population (常住人口) by area",
             "stock", "seed 2019: 3.553 M residents, 2.5791 M urban", ("area",),
             equation="model.population.rates"),
    Variable("population_60plus", "person", "residents aged 60 and over",
             "auxiliary", "seed 2019: 26.2 % of registered population", (),
             equation="model.system.observe"),
    Variable("births", "person/month", "live births", "flow",
             "tfr x fertility shape x women 15-49 (assumption, see parameters)", ("area",),
             "sum", equation="model.population.rates"),
    Variable("deaths", "person/month", "deaths", "flow",
             "China 2000 death rates x mortality_scale (POPULATION_SOURCES sec. 2)",
             ("area",), "sum", equation="model.population.rates"),
    Variable("in_migration", "person/month", "in-migrants", "flow",
             "seed 2019: 6,800 in", ("area",), "sum", equation="model.population.rates"),
    Variable("out_migration", "person/month", "out-migrants", "flow",
             "seed 2019: 19,100 out", ("area",), "sum", equation="model.population.rates"),
    Variable("urbanisation", "person/month", "rural-to-urban movers", "flow",
             "seed 2019: urbanisation 72.59 %", (), "sum", equation="model.population.rates"),
)  # fmt: skip


def initial_age_shape(groups: AgeGroups) -> np.ndarray:
    """End-2015 age distribution of residents, shares summing to 1, shape ``(age,)``.

    ``groups`` (column ``thousands``, ``data/population_2015.csv``) are five-year groups,
    split into single years by a monotone cubic through the cumulative counts (group
    totals kept exactly).
    """
    start, end, thousands = groups.start, groups.end, groups.columns["thousands"]
    edges = np.append(start, end[-1] + 1).astype(float)
    cumulative = np.append(0.0, np.cumsum(thousands))
    # a monotone (PCHIP) curve through the cumulative counts keeps every group's total
    # and gives smooth, non-negative single years instead of 5-year steps
    curve = PchipInterpolator(edges, cumulative)
    shape = np.diff(curve(np.arange(N_AGES + 1, dtype=float)))
    return shape / shape.sum()


def base_mortality(groups: AgeGroups) -> np.ndarray:
    """Death rates by single year of age at ``mortality_scale = 1`` (1/year).

    Mean of the male and female China 2000 rates of ``groups`` (per mille,
    ``data/mortality_china_2000.csv``), log-linear between group midpoints from age 5,
    infant and 1-4 rates from Liaoning, 100+ extrapolated from 90-99.
    """
    start, end = groups.start, groups.end
    male, female = groups.columns["male"], groups.columns["female"]
    rate = (male + female) / 2 / 1000
    mid = (start + end) / 2
    old = slice(1, None)  # groups from 5-9 on
    mx = np.exp(np.interp(AGES, mid[old], np.log(rate[old])))
    slope = (np.log(rate[-1]) - np.log(rate[-3])) / (mid[-1] - mid[-3])
    mx[AGES > mid[-1]] = rate[-1] * np.exp(slope * (AGES[AGES > mid[-1]] - mid[-1]))
    mx[0] = INFANT_MORTALITY
    mx[1:5] = CHILD_MORTALITY_1_4
    return mx


@cache
def migration_profile() -> np.ndarray:
    """Rogers-Castro model migration schedule by age, mean 1 over ages, shape ``(age,)``.

    Peaks in the early twenties (young adults move most); used for out-migration,
    in-migration and urbanisation alike.
    """
    rc = ROGERS_CASTRO
    x = AGES.astype(float)
    m = (
        rc["a1"] * np.exp(-rc["alpha1"] * x)
        + rc["a2"]
        * np.exp(-rc["alpha2"] * (x - rc["mu2"]) - np.exp(-rc["lambda2"] * (x - rc["mu2"])))
        + rc["c"]
    )
    return m / m.mean()


def fertility_shape(mean_age: np.ndarray, spread: float = 5.0) -> np.ndarray:
    """Age pattern of fertility over ages 15-49, each member's row summing to 1.

    Parameters
    ----------
    mean_age : ndarray, shape (member,)
        Mean age of childbearing (years).
    spread : float
        Standard deviation of the age at childbearing (years), an assumption.

    Returns
    -------
    ndarray, shape (member, 35)
    """
    ages = AGES[FERTILE].astype(float)
    z = (ages[None, :] - mean_age[:, None]) / spread
    w = np.exp(-0.5 * z * z)
    return w / w.sum(axis=1, keepdims=True)


def initial_state(p: dict[str, np.ndarray], age_shape: np.ndarray) -> dict[str, np.ndarray]:
    """Population at the end of 2015, shape ``(member, area, age)`` (persons).

    The age shape (shares by age, :func:`initial_age_shape`) is scaled to
    ``population_2015``; people 60+
    are urban in the 2015 registered proportion, the younger ones take the rest of
    ``urban_share_2015``.
    """
    total = p["population_2015"][:, None] * age_shape[None, :]
    elderly = AGES >= ELDERLY_AGE
    old = total[:, elderly].sum(axis=1)
    young = total[:, ~elderly].sum(axis=1)
    urban_young = p["urban_share_2015"] * p["population_2015"] - ELDERLY_URBAN_SHARE_2015 * old
    share_young = urban_young / young
    if np.any((share_young < 0) | (share_young > 1)):
        raise ValueError("urban_share_2015 is incompatible with the 60+ urban share")
    urban_share = np.where(elderly[None, :], ELDERLY_URBAN_SHARE_2015, share_young[:, None])
    pop = np.stack([total * urban_share, total * (1 - urban_share)], axis=1)
    return {"population": pop}


def schedules(p: dict[str, np.ndarray], dt: float, mortality: np.ndarray) -> dict[str, np.ndarray]:
    """Per-member demographic schedules, recomputed only when parameters change.

    Parameters
    ----------
    p : dict of str to ndarray
        Parameters, each of shape (member,).
    dt : float
        Time step (years). Exits from an age group are limited to what it holds in
        one step (an explicit clip), so no stock goes negative however extreme the
        rates; the clip scales death, out-migration and urbanisation alike.
    mortality : ndarray, shape (age,)
        Death rates at ``mortality_scale = 1`` (1/year, :func:`base_mortality`).

    Returns
    -------
    dict of str to ndarray
        ``death_rate``, ``out_rate`` (member, area, age; only when a rate was
        clipped, to save memory) and ``urban_rate`` (member, age) in 1/year;
        ``step_exit`` = -dt x (death + out-migration + urbanisation rate) and
        ``step_in_migration`` = dt x in-migrants by age (member, area, age) for one
        step; in-migrants summed over age ``in_migration_total`` (member, area);
        ``asfr`` (member, 35) births per person and year at 15-49; ``unclipped``, a
        0-d bool array: true when no rate needed the clip, so that flow totals are
        per-member levels times sums of population over age weighted by the shared
        schedules (:func:`age_weights`).
    """
    profile = migration_profile()
    mortality = p["mortality_scale"][:, None] * mortality[None, :]
    out_rate = p["out_migration_rate"][:, None] * profile[None, :]
    urban_rate = p["urbanisation_rate"][:, None] * profile[None, :]
    exit_rate = np.stack([mortality + out_rate, mortality + out_rate + urban_rate], axis=1)
    clip = np.minimum(1.0, 1.0 / (dt * np.maximum(exit_rate, 1e-300)))
    in_share = np.stack([p["in_migration_urban_share"], 1 - p["in_migration_urban_share"]], 1)
    in_age = profile / profile.sum()
    asfr = (p["tfr"] * p["female_share"])[:, None] * fertility_shape(p["mean_age_childbearing"])
    unclipped = bool(np.all(clip == 1.0))
    by_age = {}  # full (member, area, age) rates, only needed when some rate was clipped
    if not unclipped:
        by_age = {
            "death_rate": mortality[:, None, :] * clip,
            "out_rate": out_rate[:, None, :] * clip,
        }
    return by_age | {
        "urban_rate": urban_rate * clip[:, RURAL],
        "step_exit": -dt * exit_rate * clip,
        "step_in_migration": dt * (p["in_migration"][:, None] * in_share)[:, :, None] * in_age,
        "asfr": asfr,
        "in_migration_total": p["in_migration"][:, None] * in_share,
        "unclipped": np.asarray(unclipped),
    }


def age_weights(mortality: np.ndarray) -> dict[str, np.ndarray]:
    """Shared age schedules whose population-weighted sums give the flow totals.

    ``mortality`` is :func:`base_mortality` (1/year by age).
    """
    return {"mortality": mortality, "migration": migration_profile()}


def rates(
    pop: np.ndarray,
    s: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    sums: dict[str, np.ndarray],
    dt: float,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Change of the population over one step and the flow totals (persons/year).

    Parameters
    ----------
    pop : ndarray, shape (member, area, age)
        Residents (persons).
    s : dict of str to ndarray
        Output of :func:`schedules`.
    p : dict of str to ndarray
        Parameters, each of shape (member,).
    sums : dict of str to ndarray
        Population summed over age with the weights of :func:`age_weights`,
        (member, area) each.
    dt : float
        Time step (years).

    Returns
    -------
    increment : ndarray, shape (member, area, age)
        ``dt`` x (births + in-migration - deaths - out-migration -/+ urbanisation),
        the Euler increment of the stock (persons); a buffer kept in ``s``, which the
        next call overwrites.
    totals : dict of str to ndarray
        ``births``, ``deaths``, ``in_migration``, ``out_migration`` by area
        (member, area) and ``urbanisation`` (member,).
    """
    births = np.einsum("maf,mf->ma", pop[:, :, FERTILE], s["asfr"])
    buffers = s.get("buffers")  # reused each step: fresh arrays of this size cost page faults
    if buffers is None or buffers[0].shape != pop.shape:
        buffers = s["buffers"] = (np.empty_like(pop), np.empty_like(pop[:, RURAL]))
    increment, urbanisation = buffers
    np.multiply(pop[:, RURAL], s["urban_rate"], out=urbanisation)
    if s["unclipped"]:
        deaths = p["mortality_scale"][:, None] * sums["mortality"]
        out_migration = p["out_migration_rate"][:, None] * sums["migration"]
        urbanised = p["urbanisation_rate"] * sums["migration"][:, RURAL]
    else:
        deaths = np.einsum("mra,mra->mr", pop, s["death_rate"])
        out_migration = np.einsum("mra,mra->mr", pop, s["out_rate"])
        urbanised = urbanisation.sum(axis=1)
    np.multiply(pop, s["step_exit"], out=increment)
    increment += s["step_in_migration"]
    increment[:, URBAN] += dt * urbanisation
    increment[:, :, 0] += births * dt
    totals = {
        "births": births,
        "deaths": deaths,
        "in_migration": s["in_migration_total"],
        "out_migration": out_migration,
        "urbanisation": urbanised,
    }
    return increment, totals


def age_one_year(pop: np.ndarray) -> None:
    """Move every cohort up one year of age, in place (the 1 January event).

    The open group 100+ keeps its members and receives those aged 99; age 0 is emptied
    for the births of the new year.
    """
    for start in range(0, len(pop), AGEING_MEMBERS):  # a cache-sized copy at a time
        part = pop[start : start + AGEING_MEMBERS]
        part[..., -1] += part[..., -2]
        part[..., 1:-1] = part[..., :-2].copy()
        part[..., 0] = 0.0
