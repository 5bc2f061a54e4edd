"""Households sector: family households from residents by age (headship rates).

Auxiliary
    ``households[member, area]`` = (1 - collective share) x sum over age of population
    x headship rate: residents of collective households (集体户, 4.45 % at the 2020
    census) head no family household. The headship rate by age has a fixed shape
    (:func:`headship_shape`, an assumption: no age-specific headship rates for China,
    Liaoning or Anshan were found in the 2010 or 2020 census tables, the 2015 survey or
    the ProFamy papers, POPULATION_SOURCES.md sec. 5 and 7) scaled so that the end-2015
    family household size equals ``household_size_2015`` (on the path between the
    censuses' 2.88 and 2.25), rising by ``headship_trend`` a year to 2020 (fitted to the
    2020 census per population basis) and by ``headship_trend_after_2020`` from 2021
    (China's 2010-2020 decline carried on).
    ``household_size`` = persons in family households / family households.

Flows (households/year)
    dissolution by death: deaths of heads aged 60+ who live alone
    (``elderly_alone_share``); dissolution by out-migration: out-migrating heads take
    their household with them; formation = net change of households + dissolutions.
    Dissolved households free dwellings that return through the second-hand market
    (used by the demand sector).

Feedback loops
    None inside the sector: it translates population (ageing, migration) into the
    number of households that need a dwelling.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from anshan_housing.model.population import AGES, ELDERLY_AGE, migration_profile
from anshan_housing.model.variables import Variable

ADULT_AGE = 18  # no household heads below this age (assumption)

VARIABLES = (
    Variable("households", "household", "family households (家庭户) by area", "auxiliary",
             "population in family households x headship; censuses: 2.88 persons per "
             "family household (2010), 1,411,251 households of 2.25 (2020)", ("area",),
             equation="model.households.households_from_sums"),
    Variable("household_size", "person/household",
             "average family household size (persons in family households per household)",
             "auxiliary", "(1 - collective share) x residents / family households",
             (), "last", equation="model.system.observe"),
    Variable("household_dissolution", "household/month",
             "households dissolved by deaths of elderly living alone and by out-migration",
             "flow", "deaths and out-migration x headship (assumption)", ("area",), "sum",
             equation="model.households.dissolution"),
)  # fmt: skip


@cache
def headship_shape() -> np.ndarray:
    """Relative headship rate by age (assumption), shape ``(age,)``.

    Zero below 18, rising linearly to 1 at age 30, flat to 59, then 1.1 at 60-74 and
    1.2 from 75 (elderly couples and widows head their own household more often).
    """
    h = np.clip((AGES - ADULT_AGE + 1) / (30 - ADULT_AGE + 1), 0.0, 1.0)
    h = np.where(AGES >= ELDERLY_AGE, 1.1, h)
    h = np.where(AGES >= 75, 1.2, h)
    h.flags.writeable = False
    return h


def heads_per_person(age_shape: np.ndarray) -> float:
    """Household heads per resident at headship level 1 with an age shape (shares by age)."""
    return float(age_shape @ headship_shape())


TREND_CHANGE = 5.0  # years after 1 January 2016: headship follows the post-census rule


def headship_level(p: dict[str, np.ndarray], heads_2015: float, t: float) -> np.ndarray:
    """Headship level (family households per resident at shape 1) at ``t``, (member,).

    ``t`` is in years since 1 January 2016. At ``t = 0`` it gives
    ``household_size_2015`` with the end-2015 age shape, whose heads per person at level
    1 are ``heads_2015`` (:func:`heads_per_person`); residents of collective households
    (``collective_share``) head none. It rises by ``headship_trend`` a year to the end
    of 2020 and by ``headship_trend_after_2020`` after.
    """
    before = min(t, TREND_CHANGE)
    growth = (1.0 + p["headship_trend"]) ** before
    if t > TREND_CHANGE:
        growth = growth * (1.0 + p["headship_trend_after_2020"]) ** (t - TREND_CHANGE)
    return (1.0 - p["collective_share"]) / (p["household_size_2015"] * heads_2015) * growth


def households(pop: np.ndarray, p: dict[str, np.ndarray], heads_2015: float) -> np.ndarray:
    """Family households by area at the end of 2015 (households), shape (member, area)."""
    level = headship_level(p, heads_2015, 0.0)
    return level[:, None] * np.einsum("mra,a->mr", pop, headship_shape())


def dissolution_weights(p: dict[str, np.ndarray], s: dict[str, np.ndarray]) -> np.ndarray:
    """Households dissolved per resident and year at headship level 1, (member, area, age).

    Deaths of heads aged 60+ living alone (``elderly_alone_share``) and out-migrating
    heads, who take their household with them. ``s`` is the output of
    :func:`model.population.schedules`.
    """
    alone = np.where(AGES >= ELDERLY_AGE, p["elderly_alone_share"][:, None], 0.0)
    per_head = s["death_rate"] * alone[:, None, :] + s["out_rate"]
    return per_head * headship_shape()


def dissolution(
    pop: np.ndarray,
    weights: np.ndarray,
    p: dict[str, np.ndarray],
    sums: dict[str, np.ndarray],
    unclipped: bool,
    level: np.ndarray,
) -> np.ndarray:
    """Households dissolved a year by elderly deaths and out-migration, (member, area).

    ``level`` is the headship level now (:func:`headship_level`). With unclipped
    demographic rates the sum over age factorises into per-member levels times the
    population sums of :func:`age_weights`; otherwise the full ``weights`` of
    :func:`dissolution_weights` are used.
    """
    if unclipped:
        per_head = (p["elderly_alone_share"] * p["mortality_scale"])[:, None] * sums[
            "elderly_head_deaths"
        ] + p["out_migration_rate"][:, None] * sums["head_migration"]
        return level[:, None] * per_head
    return level[:, None] * np.einsum("mra,mra->mr", pop, weights)


def age_weights(mortality: np.ndarray) -> dict[str, np.ndarray]:
    """Shared age schedules whose population-weighted sums give the sector's totals.

    ``mortality`` is the death rate by age at ``mortality_scale = 1`` (1/year).
    """
    elderly = (AGES >= ELDERLY_AGE).astype(float)
    return {
        "headship": headship_shape(),
        "elderly_head_deaths": mortality * headship_shape() * elderly,
        "head_migration": migration_profile() * headship_shape(),
    }


def households_from_sums(sums: dict[str, np.ndarray], level: np.ndarray) -> np.ndarray:
    """Family households by area from the headship-weighted population, (member, area).

    ``level`` is the headship level now (:func:`headship_level`).
    """
    return level[:, None] * sums["headship"]
