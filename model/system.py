"""The whole stock-and-flow system: sectors wired together for the engine.

The engine asks this module for the initial state, the increments of the stocks over
a step (with the flows to record; the population's in :func:`demography`, the other
stocks' in :func:`market`, which Heun's method evaluates twice a step), the levels
to record at month end, the 1 January events, the dated processes (land tranches,
the winter construction stop), the yearly inputs and the derived indicators. Sectors
are pure functions in their own modules; this is the only place that knows the order
in which they are evaluated:

population -> households -> developers' funding -> price signals -> supply (starts,
construction) -> demand -> sales -> supply increments -> price, expectations,
receipts -> rental housing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from anshan_housing.model import (
    demand,
    developers,
    households,
    land,
    population,
    price,
    renovation,
    rental,
    standards,
    supply,
)
from anshan_housing.model.delays import stage_total
from anshan_housing.model.inputs import MEAN_YEARS, ModelData, shipped_data, yearly_input
from anshan_housing.model.population import AREAS, ELDERLY_AGE, N_AGES, URBAN

VARIABLES = (
    population.VARIABLES
    + households.VARIABLES
    + supply.VARIABLES
    + demand.VARIABLES
    + price.VARIABLES
    + land.VARIABLES
    + developers.VARIABLES
    + rental.VARIABLES
    + renovation.VARIABLES
    + standards.VARIABLES
)
DIM_SIZES = {"area": len(AREAS)}
# Land auctions: (month, share of the year's quota normally, share when released fast).
# Normally quarterly tranches in March, June, September and December [assumption]; a
# policy asking for faster release (five-category rule, clearance <= 6 months) puts
# half in January, right after the decision, and half in March.
LAND_TRANCHES = ((1, 0.0, 0.5), (3, 0.25, 0.5), (6, 0.25, 0.0), (9, 0.25, 0.0), (12, 0.25, 0.0))
WINTER_STOP = 10.5  # months after 1 January: mid-November (FACTS: winter stop)
WINTER_END = 3.0  # months after 1 January: 1 April

# How each yearly input continues after the last observed year (2019) until a scenario
# sets it: the 2016-2019 mean (the default), except resettlement, which the
# seed says was complete by 2019, and income, which grows at the sourced 2020-2025 rates.
INPUT_CONTINUATION = {
    "land_transacted": "mean",
    "resettlement_cash": 0.0,
    "resettlement_purchase": 0.0,
    "provident_lending": "mean",
    # the programmes: renovation at its 2016-2019 pace, the standards' shares as the
    # table continues them (level and trend, to 2025), property management as last
    "old_compound_renovation": "mean",
    "green_building_share": "last",
    "prefabricated_share": "last",
    "management_share_new": "last",
    "management_share_renovated": "last",
}
INPUT_NAMES = (*INPUT_CONTINUATION, "urban_disposable_income")
INPUT_UNITS = {
    "land_transacted": "hectare/year",
    "resettlement_cash": "household/year",
    "resettlement_purchase": "household/year",
    "provident_lending": "1e8 yuan/year",
    "old_compound_renovation": "1e4 m**2/year",
    "green_building_share": "1",
    "prefabricated_share": "1",
    "management_share_new": "1",
    "management_share_renovated": "1",
    "urban_disposable_income": "yuan/year",
}
PROGRAMME_INPUTS = (
    "old_compound_renovation",
    "green_building_share",
    "prefabricated_share",
    "management_share_new",
    "management_share_renovated",
)  # yearly inputs the sectors read as they are


@dataclass(frozen=True)
class Constants:
    """Arrays that the data fix for a whole run, computed once from :class:`ModelData`.

    Attributes
    ----------
    age_shape : ndarray, shape (age,)
        End-2015 residents by single year of age, shares summing to 1.
    mortality : ndarray, shape (age,)
        Death rates by age at ``mortality_scale = 1`` (1/year).
    heads_2015 : float
        Household heads per resident at headship level 1 with the end-2015 age shape.
    basis_names : tuple of str
        Names of the age schedules the sectors sum population over.
    basis : ndarray, shape (age, K)
        Those schedules as columns.
    income_2015 : float
        Urban disposable income of 2015 (yuan/year), for the growth of 2016.
    income_last_year : int
        Last year of the income table (2019), the official figure the back-cast of
        the earlier years starts from.
    income_ratios : ndarray, shape (K,)
        Each year's income over the year before in the table, 2016..2019 (1): one
        plus the growth rates of the back-cast.
    provident_reference : float
        Mean provident-fund lending 2016-2019 (亿元/year), the credit reference.
    shares_2016 : dict of str to float
        Each construction standard's share of the 2016 starts (1), the share of the
        end-2015 pipeline (model/standards.py).
    """

    age_shape: np.ndarray
    mortality: np.ndarray
    heads_2015: float
    basis_names: tuple[str, ...]
    basis: np.ndarray
    income_2015: float
    income_last_year: int
    income_ratios: np.ndarray
    provident_reference: float
    shares_2016: dict[str, float]


def constants(data: ModelData) -> Constants:
    """The run's fixed arrays from the model's data files (read by :mod:`model.inputs`)."""
    age_shape = population.initial_age_shape(data.population_2015)
    mortality = population.base_mortality(data.mortality_2000)
    weights = {
        "all": np.ones(N_AGES),
        "elderly": (np.arange(N_AGES) >= ELDERLY_AGE).astype(float),
        **population.age_weights(mortality),
        **households.age_weights(mortality),
    }
    income = data.inputs["urban_disposable_income"]
    lending = data.inputs["provident_lending"]
    window = (lending.years >= MEAN_YEARS[0]) & (lending.years <= MEAN_YEARS[1])
    return Constants(
        age_shape=age_shape,
        mortality=mortality,
        heads_2015=households.heads_per_person(age_shape),
        basis_names=tuple(weights),
        basis=np.column_stack(list(weights.values())),
        income_2015=float(income.values[income.years == 2015][0]),
        income_last_year=int(income.years[-1]),
        income_ratios=np.asarray(income.values[1:] / income.values[:-1], float),
        provident_reference=float(np.mean(lending.values[window])),
        shares_2016={
            name: float(yearly_input(data.inputs[key], [2016])[0])
            for name, key in standards.SHARE_INPUTS.items()
        },
    )


def default_inputs(years: np.ndarray, data: ModelData | None = None) -> dict[str, np.ndarray]:
    """Yearly exogenous inputs for ``years`` from the input table.

    Parameters
    ----------
    years : ndarray of int
        Calendar years, 2016 or later.
    data : ModelData, optional
        The model's data; the shipped ``model/data`` by default.

    Returns
    -------
    dict of str to ndarray
        Each of shape (year,): land transacted (ha/year), resettlement households by
        kind (households/year), urban disposable income (yuan/year; after 2019 grown
        at the sourced rates of ``urban_disposable_income_growth``, a forecast that
        ``income_backcast_offset`` does not move; the central path of
        :func:`income_paths`), provident-fund lending
        (亿元/year).
    """
    table = (data or shipped_data()).inputs
    out = {name: yearly_input(table[name], years, after=how)
           for name, how in INPUT_CONTINUATION.items()}  # fmt: skip
    years = np.asarray(years)
    income = table["urban_disposable_income"]
    last = income.years[-1]
    later = years > last
    growth = yearly_input(table["urban_disposable_income_growth"], years[later], after="last")
    out["urban_disposable_income"] = np.concatenate([
        [income.values[income.years == y][0] for y in years[~later]],
        income.values[-1] * np.cumprod(1.0 + growth),
    ])  # fmt: skip
    return out


def income_paths(
    income: np.ndarray, years: np.ndarray, offset: np.ndarray, fixed: Constants
) -> np.ndarray:
    """Urban disposable income of each member, 2015 and each of ``years`` (yuan/year).

    The input series is the central path (``income_backcast_offset`` = 0): the
    official 2019 figure, back-cast to 2015-2018 with provincial growth rates
    (model/data/inputs.toml). A member's offset ``o`` is added to each of those growth
    rates, so that a year ``y`` before the last official year ``L`` (2019) becomes
    ``income_y x prod_{j=y+1..L} r_j / (r_j + o)``, with ``r_j`` the table's income of
    year ``j`` over ``j - 1``; year ``L`` never moves. The years after ``L`` are kept
    as given, the same for every member: the forecast after 2019 is a separate
    assumption (the scenario input ``income_growth``; by default the table's sourced
    2020-2025 growth rates, :func:`default_inputs`), not moved by the back-cast offset. With
    ``o`` = 0 every factor is exactly 1.

    Parameters
    ----------
    income : ndarray, shape (year,)
        Central income path of ``years`` (yuan/year).
    years : ndarray of int
        Calendar years of ``income``, consecutive from 2016.
    offset : ndarray, shape (member,)
        ``income_backcast_offset`` of each member (1/year).
    fixed : Constants
        The income table's 2015 value, ratios and last year.

    Returns
    -------
    ndarray, shape (member, 1 + year)
        Column 0 is 2015, column ``i + 1`` is ``years[i]``.
    """
    o = np.asarray(offset, float)[:, None]
    ratios = fixed.income_ratios
    last = fixed.income_last_year
    first = last - len(ratios)  # 2015, the table's first year
    # factor of year first + i (i = 0..K): product of the back-cast steps after it
    steps = ratios / (ratios + o)
    backcast = np.concatenate(
        [np.cumprod(steps[:, ::-1], axis=1)[:, ::-1], np.ones_like(o)], axis=1
    )
    path_years = np.concatenate([[years[0] - 1], years])
    path = np.concatenate([[fixed.income_2015], np.asarray(income, float)])
    factor = np.ones((len(o), len(path_years)))
    early = path_years <= last
    factor[:, early] = backcast[:, path_years[early] - first]
    return path * factor


def year_inputs(
    inputs: Mapping[str, np.ndarray], index: int, fixed: Constants, income: np.ndarray
) -> dict[str, np.ndarray]:
    """Inputs of simulation year ``index`` (0 = 2016) as the sectors use them.

    ``income`` is each member's income path (:func:`income_paths`), so the income
    entries have shape (member,); the others are scalars for the whole ensemble.
    """
    lending = inputs["provident_lending"]
    return {
        "land_transacted": np.asarray(inputs["land_transacted"][index], float),
        "resettlement_cash": np.asarray(inputs["resettlement_cash"][index], float),
        "resettlement_purchase": np.asarray(inputs["resettlement_purchase"][index], float),
        "income": income[:, index + 1],
        "income_growth": income[:, index + 1] / income[:, index] - 1.0,
        "income_reference": income[:, 1],
        "provident_lending": np.asarray(lending[index], float),
        "provident_reference": np.asarray(fixed.provident_reference, float),
        **{name: np.asarray(inputs[name][index], float) for name in PROGRAMME_INPUTS},
    }


def initial_state(p: dict[str, np.ndarray], fixed: Constants) -> dict[str, np.ndarray]:
    """All stocks at the end of 2015, each with a leading member axis."""
    state = population.initial_state(p, fixed.age_shape)
    state.update(supply.initial_state(p))
    urban = households.households(state["population"], p, fixed.heads_2015)[:, URBAN]
    state["households_reference"] = urban * (
        1.0 - p["household_growth_2015"] * p["household_smoothing_time"]
    )
    state["expected_sales"] = p["expected_sales_2015"].copy()
    state["price"] = p["price_2015"].copy()
    state["price_reference"] = p["price_reference_2015"].copy()
    state["expected_growth"] = p["expected_growth_2015"].copy()
    state["receipts_smoothed"] = developers.receipts(p["expected_sales_2015"], p["price_2015"])
    state["rental_waiting"] = p["rental_waiting_2015"].copy()
    state["land_price"] = land.initial_price(p)
    # a constant of the run, fixed by the end-2015 market (land.py): not integrated
    state["land_bank_years_2015"] = land.land_bank_years(
        p["land_bank_2015"], p["expected_sales_2015"]
    )
    # the fundamental price of the year's income, set on each 1 January (new_year); 0
    # until the first, so that price_reference_2015 is the reference at 2016 incomes
    state["fundamental_level"] = np.zeros_like(state["price"])
    state.update(renovation.initial_state(p))
    building = state["presale_unsold"] + state["presale_sold"]
    chains = {"construction": state["construction"], "building": building}
    state.update(standards.initial_state(chains, fixed.shares_2016))
    return state


def age_sums(pop: np.ndarray, fixed: Constants) -> dict[str, np.ndarray]:
    """Population summed over age with each shared weight, (member, area) each.

    One matrix product reads the population once for all of them.
    """
    n, areas, ages = pop.shape
    sums = (pop.reshape(n * areas, ages) @ fixed.basis).reshape(n, areas, -1)
    return {name: sums[:, :, j] for j, name in enumerate(fixed.basis_names)}


def prepare(
    p: dict[str, np.ndarray], dt: float, x: dict[str, np.ndarray], fixed: Constants
) -> dict:
    """Quantities that change only with parameters and yearly inputs ``x``."""
    derived = population.schedules(p, dt, fixed.mortality)
    if not derived["unclipped"]:
        derived["dissolution_weights"] = households.dissolution_weights(p, derived)
    derived["inputs"] = x
    derived["fixed"] = fixed
    urban_2015 = p["urban_share_2015"] * p["population_2015"]  # as in initial_state
    derived["floor_area_2015"] = p["housing_stock_2015"] / urban_2015
    return derived


def demography(
    state: dict, p: dict, derived: dict, t: float, dt: float, sums: dict | None = None
) -> tuple[np.ndarray, dict, dict]:
    """The population's increment over one step and what the market needs of it.

    ``sums`` are the population's age sums (:func:`age_sums`) when the caller has them
    for this very state (the engine keeps those of the month-end record for the next
    step); they are computed otherwise.

    Returns
    -------
    increment : ndarray
        ``dt * d(population)/dt`` (persons), shape (member, area, age).
    flows : dict of str to ndarray
        Recorded demographic flows (persons/year, households/year).
    drivers : dict of str to ndarray
        Urban households, urban households dissolved (households/year) and urban
        residents (persons), shape (member,): held for the whole step by the market.
    """
    pop = state["population"]
    fixed = derived["fixed"]
    if sums is None:
        sums = age_sums(pop, fixed)
    pop_step, flows = population.rates(pop, derived, p, sums, dt)
    level = households.headship_level(p, fixed.heads_2015, t)
    dissolved = households.dissolution(
        pop, derived.get("dissolution_weights"), p, sums, bool(derived["unclipped"]), level
    )
    flows["household_dissolution"] = dissolved
    drivers = {
        "urban_households": households.households_from_sums(sums, level)[:, URBAN],
        "urban_dissolved": dissolved[:, URBAN],
        "urban_residents": np.maximum(sums["all"][:, URBAN], 1.0),  # a city emptied in a test
    }
    return pop_step, flows, drivers


def market(state: dict, p: dict, derived: dict, drivers: dict, dt: float) -> tuple[dict, dict]:
    """Increments over one step of every stock but the population, and their flows.

    Returns
    -------
    increments : dict of str to ndarray
        ``dt * d(stock)/dt`` for the housing, price, developer and rental stocks.
    flows : dict of str to ndarray
        Recorded flows (per year) and month-averaged auxiliaries.
    """
    x = derived["inputs"]
    urban = drivers["urban_households"]
    formation = demand.formation(urban, state["households_reference"], p)
    # the standards raise the cost of construction over conventional construction: of a
    # new project at the starts' shares (price floor, margins, land bids), of spending at
    # the shares of the area under construction; the sectors read it as construction_cost
    shares = {name: x[key] for name, key in standards.SHARE_INPUTS.items()}
    building = state["presale_unsold"] + state["presale_sold"]
    pipeline = state["construction"] + building
    built = {n: standards.share(state[f"{n}_construction"] + state[f"{n}_building"], pipeline)
             for n in standards.ATTRIBUTES}  # fmt: skip
    p_new = dict(p, construction_cost=standards.construction_cost(p, **shares))
    p_built = dict(p, construction_cost=standards.construction_cost(p, **built))
    need = developers.required_spending(state, p_built)
    funding = developers.funding_effect(state, p, need)
    margin = price.margin_effect(state["price"], state["land_price"], p_new)
    start_rate = supply.starts(state, p, state["expected_sales"], margin, funding, dt)
    repossessed = supply.repossession(state, p, state["expected_sales"], margin)
    delay_factors = (
        standards.delay_factor(p, standards.share(state["prefab_construction"],
                                                  state["construction"])),
        standards.delay_factor(p, standards.share(state["prefab_building"], building)),
    )  # fmt: skip
    chains = supply.construction_flows(state, p, funding, dt, delay_factors)
    space = state["housing_stock"] / drivers["urban_residents"] / derived["floor_area_2015"]
    parts = demand.components(p, x, urban, formation, drivers["urban_dissolved"], space)
    parts["demand_upgrading"] = parts["demand_upgrading"] * renovation.upgrade_factor(
        state, p, state["housing_stock"]
    )
    factor = demand.multiplier(p, x, state["price"], state["expected_growth"])
    wanted = demand.demand(parts, factor)
    confidence = supply.presale_confidence(p, funding)
    sales = supply.split_sales(state, p, wanted, confidence, dt)
    steps, flows = supply.increments(
        state, p, start_rate, repossessed, chains, sales, dt, start_shares=shares
    )
    sold = flows["presales"] + flows["completed_sales"]
    renovated, renovation_flows = renovation.rates(state, x, flows["completions"], dt)
    steps.update(renovated)
    flows.update(renovation_flows)

    clearance = price.perceived_clearance(supply.inventory(state), state["expected_sales"])
    d_price, d_reference, d_growth, fundamental = price.rates(
        state["price"], state["land_price"], state["price_reference"],
        state["expected_growth"], clearance, p_new, x,
    )  # fmt: skip
    d_land = land.rate(state, p_new, state["land_bank_years_2015"])
    receipts = developers.receipts(sold, state["price"])
    spending = need * funding
    housing_rental = rental.rates(state["rental_waiting"], urban, p, dt)

    steps.update(
        households_reference=dt * formation,
        expected_sales=dt * (sold - state["expected_sales"]) / p["sales_smoothing_time"],
        price=dt * d_price,
        price_reference=dt * d_reference,
        land_price=dt * d_land,
        expected_growth=dt * d_growth,
        receipts_smoothed=dt * (receipts - state["receipts_smoothed"]) / p["receipts_time"],
        funding_smoothed=dt * (funding - state["funding_smoothed"]) / supply.IDLE_NOTICE_TIME,
        rental_waiting=dt
        * (housing_rental["rental_new_eligible"] - housing_rental["rental_subsidies"]),
    )
    flows.update(parts)
    flows.update(
        demand=wanted,
        sales=sold,
        residential_sales_value=receipts,
        construction_spending=spending,
        funding_effect=funding,
        presale_confidence=confidence,
        developer_credit_flow=developers.credit(developers.required_funds(state, p, need), p),
        fundamental_price=fundamental,
        rental_subsidies=housing_rental["rental_subsidies"],
        rental_new_eligible=housing_rental["rental_new_eligible"],
    )
    return steps, flows


def increments(
    state: dict, p: dict, derived: dict, t: float, dt: float, sums: dict | None = None
) -> tuple[dict, dict]:
    """Euler increments of all the stocks over one step and the flows to record.

    ``sums`` as in :func:`demography`.

    Returns
    -------
    increments : dict of str to ndarray
        ``dt * d(stock)/dt`` for each stock that changes continuously.
    flows : dict of str to ndarray
        Recorded flows (per year) and month-averaged auxiliaries.
    """
    pop_step, flows, drivers = demography(state, p, derived, t, dt, sums)
    steps, market_flows = market(state, p, derived, drivers, dt)
    steps["population"] = pop_step
    flows.update(market_flows)
    return steps, flows


def observe(
    state: dict, p: dict, derived: dict, t: float
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Stocks and auxiliaries to record at the end of a month (``t`` in years).

    Returns
    -------
    levels : dict of str to ndarray
        The recorded levels.
    sums : dict of str to ndarray
        The population's age sums (:func:`age_sums`), which the caller may hand to
        the next step while the population is unchanged.
    """
    fixed = derived["fixed"]
    sums = age_sums(state["population"], fixed)
    hh = households.households_from_sums(sums, households.headship_level(p, fixed.heads_2015, t))
    by_area = sums["all"]
    total_hh = hh[:, 0] + hh[:, 1]
    levels = {
        "population": by_area,
        "population_60plus": sums["elderly"][:, 0] + sums["elderly"][:, 1],
        "households": hh,
        "household_size": np.divide(  # persons in family households per family household
            (1.0 - p["collective_share"]) * (by_area[:, 0] + by_area[:, 1]),
            total_hh,
            out=np.zeros(len(hh)),
            where=total_hh > 0,
        ),
        "expected_sales": state["expected_sales"],
        "households_reference": state["households_reference"],
        "price": state["price"],
        "price_reference": state["price_reference"],
        "land_price": state["land_price"],
        "expected_growth": state["expected_growth"],
        "receipts_smoothed": state["receipts_smoothed"],
        "rental_waiting": state["rental_waiting"],
    }
    levels.update(supply.observe(state))
    levels.update({name: state[name] for name in ("old_waiting", "old_renovated")})
    chains = [
        f"{n}_{chain}" for n in standards.ATTRIBUTES for chain in ("construction", "building")
    ]
    levels.update({name: stage_total(state[name]) for name in chains})
    return levels, sums


def new_year(state: dict, p: dict, x: dict[str, np.ndarray], year: int) -> None:
    """The 1 January events: ageing, the year's income in the price, the land quota.

    The year's income moves the fundamental price, and the reference price moves with
    it in proportion (:func:`model.price.follow_income`). The quota (ha/year) is the
    year's input; the engine then applies the policy's decision (:mod:`model.policy`),
    which may replace it and ask for fast release. Up to the last observed year
    (``MEAN_YEARS``) the quota is what was transacted; after it, it is what the city
    offers, and the land market decides how much of it sells.
    """
    population.age_one_year(state["population"])
    price.follow_income(state, p, x)
    state["land_quota"][:] = x["land_transacted"]
    state["land_fast"][:] = 0.0
    state["land_offered"][:] = float(year > MEAN_YEARS[1])


Pulse = Callable[[str, np.ndarray, dict[str, np.ndarray]], None]


def processes(env, state: dict, p: dict, k: int, n_years: int, pulse: Pulse):
    """Dated simpy processes: land tranches and the winter construction stop.

    Parameters
    ----------
    env : simpy.Environment
        Clock in ticks of ``dt`` (``k`` ticks a month).
    state, p : dict of str to ndarray
        Stocks and parameters (the processes change ``state`` in place).
    k : int
        Ticks a month.
    n_years : int
        Simulated years.
    pulse : callable
        ``pulse(stock, amount, recorded_flows)`` adds ``amount`` to a stock at once
        and records the flows in the current month.
    """

    def land_tranches():
        for year in range(n_years):
            for month, normal, fast in LAND_TRANCHES:
                yield env.timeout((12 * year + month - 1) * k - env.now)
                share = np.where(state["land_fast"] > 0, fast, normal)
                # bids under the reserve and developers short of funds leave part of the
                # offered land unsold (流拍)
                need = developers.required_spending(state, p)
                sold = land.take_up(state, p, state["land_bank_years_2015"])
                sold = sold * developers.funding_effect(state, p, need)
                sold = np.where(state["land_offered"] > 0, sold, 1.0)  # observed: all sold
                hectares = state["land_quota"] * share * sold
                area = hectares * p["plot_ratio"]
                pulse(
                    "land_bank",
                    area,
                    {
                        "land_transacted": hectares,
                        "land_area_in": area,
                        "land_payments": developers.land_payment(hectares, state["land_price"]),
                    },
                )

    def winter():
        state["season_activity"][:] = 0.0  # 1 January 2016 falls in the winter stop
        for year in range(n_years):
            yield env.timeout((12 * year + WINTER_END) * k - env.now)
            state["season_activity"][:] = 1.0
            stop = (12 * year + WINTER_STOP) * k
            yield env.timeout(int(stop) - env.now)
            state["season_activity"][:] = stop - int(stop)  # active part of this step
            if stop > int(stop):
                yield env.timeout(1)
                state["season_activity"][:] = 0.0

    return land_tranches(), winter()


def indicators(ds):
    """Yearly indicators comparable with the seed's statistics (see model/indicators)."""
    from anshan_housing.model.indicators import add_indicators

    return add_indicators(ds)


__all__ = [
    "AREAS",
    "VARIABLES",
    "income_paths",
    "initial_state",
    "demography",
    "market",
    "increments",
    "observe",
    "new_year",
    "processes",
    "indicators",
]
