"""Supply pipeline of new commodity housing, in 万m² (1e4 m²) of residential floor area.

Stocks
    ``land_bank``: floor area allowed on residential land transacted but not started.
    ``construction[3]``: started, not yet at the presale threshold (third-order chain,
    mean ``presale_delay``: 25 % of investment spent, structure partly built).
    ``presale_unsold[3]``: holding a presale permit (预售许可), unsold, being built
    (third-order chain, mean ``completion_delay``).
    ``presale_sold[3]``: sold off the plan (期房), being built; same chain.
    ``completed_unsold``: completed and unsold (现房 inventory).
    ``housing_stock``: occupied urban residential stock (all urban housing).

Flows (万m²/year)
    land tranches x plot ratio -> land bank -> starts (or idle land taken back) ->
    permits -> presales (unsold presale -> sold, stage by stage) -> completions (sold ->
    housing stock; unsold -> completed unsold) -> completed sales -> housing stock;
    other (non-commodity) urban completions enter the stock; demolition leaves it.

Residential inventory (商品住宅库存) = presale_unsold + completed_unsold.

Feedback loops
    B1 inventory control: inventory above its desired level (normal clearance period x
    expected sales) lowers starts, which lowers permits and inventory.
    B2 supply line: starts count the area already under construction before presale,
    weighted by ``supply_line_weight`` (Sterman's stock-management rule; a weight
    below 1 under-counts the pipeline and makes cycles, FACTS.md).
    B3 margin: a low price against cost lowers starts.
    R1/B4 funding: presale receipts and credit fund construction and starts
    (developers.py): falling sales slow construction, fewer permits and completions
    follow.
    R3 confidence: developers short of funds -> buyers distrust presales -> fewer
    presales, some completed sales instead -> lower receipts.
"""

from __future__ import annotations

import numpy as np

from anshan_housing.model import standards
from anshan_housing.model.delays import chain_increment, chain_rates, limit_outflows, stage_total
from anshan_housing.model.variables import Variable

IDLE_NOTICE_TIME = 1.0  # year: FACTS (MLR decree 53): land idle one year is fined, two
# years taken back; the city acts on a developer's funds over the past year, not a month
STAGES = 3  # order of the construction delays (Erlang-3: a spread-out lag)
WORKING_SEASON = 7.5 / 12  # share of the year outside the winter stop (mid-Nov to March)
AREA = "1e4 m**2"

VARIABLES = (
    Variable("land_bank", AREA, "floor area allowed on transacted land, not started",
             "stock", "land x plot ratio; end-2015 value a parameter",
             equation="model.supply.increments"),
    Variable("construction", AREA, "started, before the presale threshold", "stock",
             "third-order delay, presale_delay (FACTS: threshold 4-9 months after start)",
             equation="model.supply.increments"),
    Variable("presale_unsold", AREA, "presale-permitted, unsold, under construction",
             "stock", "third-order delay, completion_delay", equation="model.supply.increments"),
    Variable("presale_sold", AREA, "sold off the plan (期房), under construction", "stock",
             "third-order delay, completion_delay", equation="model.supply.increments"),
    Variable("completed_unsold", AREA, "completed, unsold (现房 inventory)", "stock",
             "completions of unsold presale area", equation="model.supply.increments"),
    Variable("housing_stock", AREA, "occupied urban residential stock", "stock",
             "seed 2019: 31.6 m2 per person", equation="model.supply.increments"),
    Variable("residential_inventory", AREA, "residential inventory (商品住宅库存), unsold",
             "stock", "seed: 781.9, 546.7, 499, 538.8 (end 2016-2019)",
             equation="model.supply.inventory"),
    Variable("land_transacted", "hectare/month", "residential land transacted", "input",
             "seed: 39.26, 69.78, 60.15, 51.28 ha (2016-2019)", (), "sum",
             equation="model.system.processes"),
    Variable("land_area_in", f"{AREA}/month", "floor area of transacted land", "flow",
             "land x plot_ratio", (), "sum", equation="model.system.processes"),
    Variable("starts", f"{AREA}/month", "construction starts", "flow",
             "stock-management rule (Sterman 2000)", (), "sum", equation="model.supply.starts"),
    Variable("funding_smoothed", "1", "developers' funding effect over the past year",
             "stock", "first-order smoothing of funding_effect over IDLE_NOTICE_TIME "
             "(1 year)", (), "mean", equation="model.system.market"),
    Variable("land_repossessed", f"{AREA}/month", "idle land taken back by the city "
             "(floor area allowed on it)", "flow", "FACTS: idle land taken back after two "
             "years (MLR decree 53, 2012); the part of the rule's forced starts that "
             "developers cannot fund", (), "sum", equation="model.supply.repossession"),
    Variable("permits", f"{AREA}/month", "new presale permits (新批预售许可), residential",
             "flow", "seed (商品房 scope): 305.73, 193.14, 178, 344.9", (), "sum",
             equation="model.supply.increments"),
    Variable("presales", f"{AREA}/month", "sales of presale (期房) area", "flow",
             "share of sales by available area", (), "sum", equation="model.supply.increments"),
    Variable("completed_sales", f"{AREA}/month", "sales of completed (现房) area", "flow",
             "share of sales by available area", (), "sum", equation="model.supply.increments"),
    Variable("presale_confidence", "1", "buyers' confidence that presold homes will be "
             "finished", "auxiliary", "presale_confidence x funding effect ^ "
             "confidence_stress_elasticity", (), "mean",
             equation="model.supply.presale_confidence"),
    Variable("completions", f"{AREA}/month", "completions of commodity housing",
             "flow", "seed 2019: 197.5 (商品房 scope)", (), "sum",
             equation="model.supply.increments"),
    Variable("other_completions", f"{AREA}/month",
             "urban completions outside commodity housing", "flow",
             "parameter other_completions", (), "sum", equation="model.supply.increments"),
    Variable("demolition", f"{AREA}/month", "demolished urban housing", "flow",
             "demolition_rate x stock", (), "sum", equation="model.supply.increments"),
)  # fmt: skip


def initial_state(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Pipeline stocks at the end of 2015 (万m²), chains spread evenly over stages."""
    n = len(p["land_bank_2015"])

    def chain(total: np.ndarray) -> np.ndarray:
        # stage-major memory (Fortran order): each stage's members are contiguous, so
        # the per-stage column operations run over whole rows of the block
        return np.asfortranarray(np.repeat(total[:, None] / STAGES, STAGES, axis=1))

    inventory = p["inventory_2015"]
    completed = inventory * p["completed_share_2015"]
    return {
        "land_bank": p["land_bank_2015"].copy(),
        "funding_smoothed": np.ones(n),
        "construction": chain(p["construction_2015"]),
        "presale_unsold": chain(inventory - completed),
        "presale_sold": chain(p["presale_sold_2015"]),
        "completed_unsold": completed.copy(),
        "housing_stock": p["housing_stock_2015"].copy(),
        "season_activity": np.ones(n),
        "land_quota": np.zeros(n),
        "land_fast": np.zeros(n),
        "land_offered": np.zeros(n),  # 1 when the quota is an offer, not an observation
    }


def inventory(state: dict[str, np.ndarray]) -> np.ndarray:
    """Residential inventory 商品住宅库存 (万m²): unsold presale + unsold completed."""
    return stage_total(state["presale_unsold"]) + state["completed_unsold"]


def desired_starts(
    state: dict[str, np.ndarray], p: dict[str, np.ndarray], expected_sales: np.ndarray
) -> np.ndarray:
    """Starts wanted by the stock-management rule (万m²/year), before margin and funds.

    desired = expected sales + (desired inventory - inventory) / inventory_adjustment_time
    + supply_line_weight x (desired supply line - supply line) / supply_line_time.
    """
    desired_inventory = p["normal_clearance"] / 12.0 * expected_sales
    supply_line = stage_total(state["construction"])
    desired_line = expected_sales * p["presale_delay"]
    return (
        expected_sales
        + (desired_inventory - inventory(state)) / p["inventory_adjustment_time"]
        + p["supply_line_weight"] * (desired_line - supply_line) / p["supply_line_time"]
    )


def starts(
    state: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    expected_sales: np.ndarray,
    margin_effect: np.ndarray,
    funding_effect: np.ndarray,
    dt: float,
) -> np.ndarray:
    """Construction starts (万m²/year) by the stock-management rule.

    :func:`desired_starts` times the margin and funding effects, compressed into the
    working season; at least the land that the idle-land rule forces into construction
    (land_bank / max_land_holding, times the funding effect: a developer without funds
    cannot be made to build; the rest is taken back, :func:`repossession`), at most
    land_bank / min_start_time; zero in the winter stop.
    """
    desired = desired_starts(state, p, expected_sales)
    land = state["land_bank"]
    rate = np.clip(
        np.maximum(desired, 0.0) * margin_effect * funding_effect,
        land / p["max_land_holding"] * funding_effect,
        land / np.maximum(p["min_start_time"], dt),
    )
    # explicit clip: a step never starts more than the land bank holds
    return np.minimum(state["season_activity"] * rate / WORKING_SEASON, land / dt)


def repossession(
    state: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    expected_sales: np.ndarray,
    margin_effect: np.ndarray,
) -> np.ndarray:
    """Idle land taken back by the city (万m²/year of floor area allowed on it).

    The idle-land rule (FACTS: land not started two years after the contract date is
    taken back without compensation, MLR decree 53) asks for land_bank /
    max_land_holding a year to be started; of the part that the developers' own rule
    would not start, the share they have lacked the funds for over the past year
    (1 - ``funding_smoothed``) is not built but taken back: max(land_bank /
    max_land_holding - desired x margin effect, 0) x (1 - funding_smoothed). Near zero
    while funds suffice (2016-2019: only each January's land payment dents them) and
    zero whenever developers build faster than the rule asks. Spread over the year: an
    administrative flow, not halted by the winter.
    """
    forced = state["land_bank"] / p["max_land_holding"]
    wanted = np.maximum(desired_starts(state, p, expected_sales), 0.0) * margin_effect
    return np.maximum(forced - wanted, 0.0) * (1.0 - state["funding_smoothed"])


def construction_flows(
    state: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    funding_effect: np.ndarray,
    dt: float,
    delay_factors: tuple[np.ndarray | float, np.ndarray | float] = (1.0, 1.0),
) -> dict[str, np.ndarray]:
    """Stage outflows of the three construction chains (万m²/year).

    Structural work before the presale threshold slows to ``winter_work`` in the winter
    stop; both phases slow when presale receipts fall short (``funding_effect``).
    ``delay_factors`` scale the presale and completion delays (prefabrication shortens
    them, :func:`model.standards.delay_factor`).
    """
    season = state["season_activity"]
    winter = season + (1.0 - season) * p["winter_work"]
    before, after = delay_factors
    building = p["completion_delay"] * after
    return {
        "construction": chain_rates(
            state["construction"], p["presale_delay"] * before, dt, pace=winter * funding_effect
        ),
        "presale_unsold": chain_rates(state["presale_unsold"], building, dt, pace=funding_effect),
        "presale_sold": chain_rates(state["presale_sold"], building, dt, pace=funding_effect),
    }


def presale_confidence(p: dict[str, np.ndarray], funding_effect: np.ndarray) -> np.ndarray:
    """Buyers' confidence that presold homes will be finished (1, between 0 and 1).

    presale_confidence (1 in 2016-2019; a shock lowers it) x funding effect ^
    confidence_stress_elasticity: buyers see developers short of funds and fear
    unfinished projects (the 2021-2022 defaults and mortgage boycotts,
    MARKET_2020_2025.md).
    """
    return p["presale_confidence"] * funding_effect ** p["confidence_stress_elasticity"]


def split_sales(
    state: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    demand: np.ndarray,
    confidence: np.ndarray,
    dt: float,
) -> dict[str, np.ndarray]:
    """Sales of presale and completed area (万m²/year) meeting ``demand``.

    Sales are limited by the area on offer (at most ``available / min_sale_time``) and
    split by the area on offer, completed area weighted by ``completed_preference``.
    Of the presales, the share ``1 - confidence`` (:func:`presale_confidence`) is not
    bought off the plan: a share ``completed_substitution`` of it buys completed homes
    instead (at most what they offer), the rest waits. Presales come from each stage in
    proportion to its unsold area.
    """
    presale = state["presale_unsold"]
    on_presale = stage_total(presale)
    completed = state["completed_unsold"]
    weighted = p["completed_preference"] * completed + on_presale
    available = on_presale + completed
    sale_time = np.maximum(p["min_sale_time"], dt)
    total = np.minimum(demand, available / sale_time)
    share_completed = np.divide(
        p["completed_preference"] * completed, weighted, out=np.zeros_like(weighted),
        where=weighted > 0,
    )  # fmt: skip
    presales = total * (1.0 - share_completed)
    completed_sales = total * share_completed
    distrust = presales * (1.0 - confidence)
    room = np.maximum(completed / sale_time - completed_sales, 0.0)
    completed_sales = completed_sales + np.minimum(distrust * p["completed_substitution"], room)
    presales = presales - distrust
    stage_share = np.divide(
        presale,
        on_presale[:, None],
        out=np.zeros_like(presale),
        where=on_presale[:, None] > 0,
    )
    return {
        "sales": presales + completed_sales,
        "presales": presales,
        "presales_by_stage": presales[:, None] * stage_share,
        "completed_sales": completed_sales,
    }


def increments(
    state: dict[str, np.ndarray],
    p: dict[str, np.ndarray],
    start_rate: np.ndarray,
    repossessed: np.ndarray,
    chains: dict[str, np.ndarray],
    sales: dict[str, np.ndarray],
    dt: float,
    start_shares: dict[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Euler increments of the supply stocks (万m²) and the flows to record (万m²/year).

    ``start_shares`` maps each construction standard (model/standards.py) to its share
    of the starts (1); its co-flow stocks follow the area through the pipeline.

    The land bank loses its starts and the idle land taken back (``repossessed``),
    the latter limited to what the starts leave of the land bank in one step.

    Each presale stage loses its completions and its presales together, and the
    completed inventory its completed sales; both are limited jointly to what the
    stock holds in one step (:func:`model.delays.limit_outflows`).
    """
    unsold_out, by_stage = limit_outflows(
        state["presale_unsold"], dt, chains["presale_unsold"], sales["presales_by_stage"]
    )
    (completed_sales,) = limit_outflows(state["completed_unsold"], dt, sales["completed_sales"])
    presales = stage_total(by_stage)
    sales = {"presales_by_stage": by_stage, "presales": presales,
             "completed_sales": completed_sales}  # fmt: skip
    chains = dict(chains, presale_unsold=unsold_out)
    permits = chains["construction"][:, -1]
    done_unsold = chains["presale_unsold"][:, -1]
    done_sold = chains["presale_sold"][:, -1]
    demolition = p["demolition_rate"] * state["housing_stock"]
    unsold_change = chain_increment(state["presale_unsold"], permits, chains["presale_unsold"])
    unsold_change -= sales["presales_by_stage"]
    sold_change = chain_increment(state["presale_sold"], 0.0, chains["presale_sold"])
    sold_change += sales["presales_by_stage"]
    into_stock = done_sold + sales["completed_sales"] + p["other_completions"]
    # explicit clip: a step never takes back more land than the starts leave
    repossessed = np.minimum(repossessed, np.maximum(state["land_bank"] / dt - start_rate, 0.0))
    rates = {
        "land_bank": -start_rate - repossessed,
        "construction": chain_increment(state["construction"], start_rate, chains["construction"]),
        "presale_unsold": unsold_change,
        "presale_sold": sold_change,
        "completed_unsold": done_unsold - sales["completed_sales"],
        "housing_stock": into_stock - demolition,
    }
    extra: dict[str, np.ndarray] = {}
    for name, share in (start_shares or {}).items():
        rates_co, flows_co = standards.coflow_rates(state, name, share * start_rate, chains)
        rates.update(rates_co)
        extra.update(flows_co)
    flows = {
        **extra,
        "starts": start_rate,
        "land_repossessed": repossessed,
        "permits": permits,
        "presales": sales["presales"],
        "completed_sales": sales["completed_sales"],
        "completions": done_unsold + done_sold,
        "other_completions": np.broadcast_to(p["other_completions"], start_rate.shape),
        "demolition": demolition,
    }
    return {name: rate * dt for name, rate in rates.items()}, flows


def observe(state: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Supply stocks at the end of a month (万m²)."""
    return {
        "land_bank": state["land_bank"],
        "funding_smoothed": state["funding_smoothed"],
        "construction": stage_total(state["construction"]),
        "presale_unsold": stage_total(state["presale_unsold"]),
        "presale_sold": stage_total(state["presale_sold"]),
        "completed_unsold": state["completed_unsold"],
        "housing_stock": state["housing_stock"],
        "residential_inventory": inventory(state),
    }
