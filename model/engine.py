"""The simulation engine: a simpy clock, the integrators, dated events, the record.

The state is a dict of numpy arrays with a leading ``member`` axis, so one call runs an
ensemble of parameter sets. One simpy environment drives the whole ensemble:

- the integrator process advances the continuous stocks by ``dt`` and closes each
  month in the record. The default is Heun's method (second order) for the housing
  market with one Euler step for the population by age; plain Euler (``stock + dt *
  rate``, the classic SD scheme) and classical RK4 are options. With monthly steps
  Heun is within 1 % of RK4 at dt = 1/48 for every yearly output; Euler is up to
  17 % off (tests/test_structure.py, integration error);
- the calendar process fires the 1 January events (ageing of the population, the
  year's inputs, then the land policy's decision: it sees a read-only
  :class:`~model.policy.Observation` and returns a :class:`~model.policy.LandDecision`,
  which the engine applies);
- one process per dated shock changes a parameter at its date;
- systems may add their own dated processes (the winter construction stop).

The simpy clock counts integration steps ("ticks", ``dt`` years each). The integrator
works at half ticks, so every event dated at a tick happens before the step that starts
there, whatever order simpy would give processes scheduled at the same time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import simpy
import xarray as xr
from threadpoolctl import ThreadpoolController

from anshan_housing.model import supply, system
from anshan_housing.model.errors import InputError
from anshan_housing.model.inputs import ModelData, shipped_data
from anshan_housing.model.parameters import load_parameters, member_arrays
from anshan_housing.model.policy import Observation, Policy

START_YEAR = 2016  # simulation starts 1 January 2016; initial state = end of 2015
END_YEAR = 2025  # last simulated year (to 31 December)
DEFAULT_DT = 1 / 12  # years: one month, as SD tools default
MAX_STEPS_PER_MONTH = 64  # finer steps buy nothing for monthly data
VERSION = "0.1.0"
BLOCK_MEMBERS = 2048  # members integrated together: the block's arrays stay in cache
INTEGRATORS = ("heun", "euler", "rk4")  # the first is the default
SMALL_ENSEMBLE = 1000  # members up to which monthly series and ages are kept by default
# auxiliaries kept as month means
MONTH_MEANS = ("funding_effect", "fundamental_price", "presale_confidence")
# Blocks run in turn, in one thread: with the housing sectors a step is many small numpy
# calls, and a second thread contending for the GIL made it slower on the 2-core machine.


@dataclass(frozen=True)
class Shock:
    """A dated change of one parameter, from that month on.

    Attributes
    ----------
    date : str
        ``"YYYY-MM"``, the first month affected.
    parameter : str
        Parameter name.
    operation : str
        ``"set"``, ``"scale"`` (multiply) or ``"add"``.
    value : float
        The new value, factor or increment.
    """

    date: str
    parameter: str
    operation: str
    value: float

    OPERATIONS = ("set", "scale", "add")

    def month_index(self) -> int:
        """Months from January 2016 to the shock's month."""
        try:
            year, month = (int(part) for part in self.date.split("-"))
        except ValueError:
            raise InputError("shock", "date", f"{self.date!r} is not YYYY-MM") from None
        if not 1 <= month <= 12:
            raise InputError("shock", "date", f"month {month} is not 1-12")
        return (year - START_YEAR) * 12 + month - 1

    def apply(self, values: np.ndarray) -> np.ndarray:
        """The parameter's member array after the shock."""
        if self.operation == "set":
            return np.full_like(values, self.value)
        if self.operation == "scale":
            return values * self.value
        return values + self.value


@dataclass
class Clock:
    """Calendar view of the simpy clock.

    Attributes
    ----------
    env : simpy.Environment
        Its ``now`` counts integration steps (ticks); the integrator runs at half ticks.
    dt : float
        Step (years).
    steps_per_month : int
        Ticks in a month.
    """

    env: simpy.Environment
    dt: float
    steps_per_month: int

    @property
    def tick(self) -> int:
        """Integration steps since 1 January 2016."""
        return math.floor(self.env.now)

    @property
    def t(self) -> float:
        """Years since 1 January 2016."""
        return self.tick * self.dt

    @property
    def year(self) -> int:
        """Calendar year of the current tick."""
        return START_YEAR + self.tick // (12 * self.steps_per_month)

    @property
    def month(self) -> int:
        """Calendar month (1-12) of the current tick."""
        return (self.tick // self.steps_per_month) % 12 + 1


def steps_per_month(dt: float) -> int:
    """Integration steps in a month; ``dt`` must divide a month evenly.

    Raises
    ------
    InputError
        ``dt`` not positive, or not 1/12 divided by a whole number up to 64.
    """
    if not isinstance(dt, int | float) or not math.isfinite(dt) or dt <= 0:
        raise InputError("option --dt", "dt", f"must be a positive number of years, got {dt!r}")
    k = round(1 / (12 * dt))
    if k < 1 or k > MAX_STEPS_PER_MONTH or not math.isclose(k * dt * 12, 1.0, rel_tol=1e-9):
        raise InputError(
            "option --dt",
            "dt",
            f"{dt:g} year does not divide a month; use 1/12, 1/24, 1/48, ... "
            f"(1/(12 k), k = 1..{MAX_STEPS_PER_MONTH})",
        )
    return k


class Recorder:
    """The record: yearly aggregates of every variable, monthly series of some.

    Stocks and auxiliaries are taken at month end, flows summed over the month; the
    yearly value is the December level, the sum or the mean of the months (the
    variable's ``yearly`` rule). Monthly series are kept only for ``monthly`` names,
    which bounds memory for large ensembles. Arrays are allocated up front, so blocks
    of members running on different threads write to disjoint slices only.
    """

    def __init__(self, n_members: int, n_months: int, monthly: set[str]):
        self.monthly: dict[str, np.ndarray] = {}
        self.yearly: dict[str, np.ndarray] = {}
        self.rule: dict[str, str] = {}
        self.flow_sum: dict[str, np.ndarray] = {}
        self.averaged: set[str] = set()
        for var in system.VARIABLES:
            shape = tuple(system.DIM_SIZES[d] for d in var.dims)
            if var.name in monthly:
                self.monthly[var.name] = np.zeros((n_months, n_members, *shape))
            self.yearly[var.name] = np.zeros((n_months // 12, n_members, *shape))
            self.rule[var.name] = var.yearly or "last"
            if var.kind in ("flow", "input") or var.name in MONTH_MEANS:
                self.flow_sum[var.name] = np.zeros((n_members, *shape))
            if var.name in MONTH_MEANS:
                self.averaged.add(var.name)

    def add_flows(self, flows: Mapping[str, np.ndarray], dt: float, block: slice) -> None:
        """Accumulate flow rates (per year) times ``dt`` of the members in ``block``.

        Auxiliaries recorded as month means are weighted by the step's share of the
        month (12 dt) instead.
        """
        sums, averaged = self.flow_sum, self.averaged
        for name, rate in flows.items():
            sums[name][block] += rate * (12.0 * dt if name in averaged else dt)

    def add_pulse(self, flows: Mapping[str, np.ndarray]) -> None:
        """Record amounts moved at once by a discrete event (all members)."""
        for name, amount in flows.items():
            self.flow_sum[name] += amount

    def close_month(self, month: int, levels: Mapping[str, np.ndarray], block: slice) -> None:
        """Store month ``month``'s flow totals and end-of-month levels of ``block``."""
        year = month // 12
        for name, total in self.flow_sum.items():
            self._store(name, month, year, block, total[block])
            total[block] = 0.0
        for name, value in levels.items():
            self._store(name, month, year, block, value)

    def _store(self, name: str, month: int, year: int, block: slice, value) -> None:
        monthly = self.monthly.get(name)
        if monthly is not None:
            monthly[month, block] = value
        rule = self.rule[name]
        if rule == "sum":
            self.yearly[name][year, block] += value
        elif rule == "mean":
            self.yearly[name][year, block] += value / 12.0
        else:
            self.yearly[name][year, block] = value


def simulate(
    values: Mapping[str, float | np.ndarray],
    *,
    dt: float = DEFAULT_DT,
    end_year: int = END_YEAR,
    shocks: Sequence[Shock] = (),
    policy: Policy | None = None,
    record_age: bool | None = None,
    inputs: Mapping[str, np.ndarray] | None = None,
    monthly: Iterable[str] | None = None,
    integrator: str = INTEGRATORS[0],
    attrs: Mapping[str, object] | None = None,
    data: ModelData | None = None,
) -> xr.Dataset:
    """Simulate the model from January 2016 to December of ``end_year``.

    Parameters
    ----------
    values : mapping of str to float or ndarray
        Every parameter, a scalar or an array of shape ``(member,)``; see
        :func:`model.parameters.resolve_values`.
    dt : float
        Integration step (years), 1/12 divided by a whole number.
    end_year : int
        Last simulated year, 2016 or later.
    shocks : sequence of Shock
        Dated parameter changes.
    policy : callable, optional
        The land-supply policy (:data:`model.policy.Policy`): every 1 January after
        ageing it receives an :class:`~model.policy.Observation` and returns a
        :class:`~model.policy.LandDecision`, or None to keep the year's input quota.
    record_age : bool, optional
        Keep population by age at each year end (``age`` dim). Default: only for
        ensembles of at most 1,000 members.
    inputs : mapping of str to ndarray, optional
        Yearly exogenous inputs, each of shape (year,) for 2016..``end_year``
        (names as :func:`model.system.default_inputs`); defaults to the seed's
        2016-2019 figures continued by :data:`model.system.INPUT_CONTINUATION`.
        Income is the central path: each member's 2016-2018 moves with its
        ``income_backcast_offset`` (:func:`model.system.income_paths`), 2019 and the
        forecast after it (a separate assumption, the scenario input ``income_growth``)
        do not; ``input_urban_disposable_income`` records the central path.
    monthly : iterable of str, optional
        Variables to keep as monthly series on the ``time`` dim; every variable is
        always kept as yearly aggregates (``NAME_yearly`` on ``year``). Default: all
        for ensembles of at most 1,000 members, none above (memory stays bounded).
    integrator : {"heun", "euler", "rk4"}
        Heun's method for the market stocks with an Euler step for the population
        (the default), Euler for all (the classic SD scheme, first order) or
        classical fourth-order Runge-Kutta for all; discrete events are the same
        for each.
    attrs : mapping, optional
        Extra Dataset attributes (scenario name, parameter file, command line).
    data : ModelData, optional
        The model's data files (:func:`model.inputs.load_data`); the shipped ones by
        default.

    Returns
    -------
    xarray.Dataset
        Dims ``member``, ``time`` (months), ``year``, ``area``, and ``age`` when
        recorded; every variable with ``units`` and ``long_name``.
    """
    setup = set_up(values, dt, end_year, shocks, record_age, inputs, monthly, integrator, data)
    run = Run(setup, policy)
    run.execute()
    ds = assemble(run.recorder, setup.initial_p, setup.dt, end_year, run.ages,
                  {"integrator": integrator, **(attrs or {})})  # fmt: skip
    return ds.assign(
        {
            f"input_{name}": xr.Variable(
                "year",
                np.asarray(setup.inputs[name], float),
                {
                    "long_name": f"input: {name.replace('_', ' ')}",
                    "units": system.INPUT_UNITS[name],
                },
            )
            for name in system.INPUT_NAMES
        }
    )


@dataclass
class Setup:
    """A checked simulation request: parameters, calendar, inputs and what to record."""

    p: dict[str, np.ndarray]
    initial_p: dict[str, np.ndarray]
    dt: float
    k: int
    years: np.ndarray
    shocks: Sequence[Shock]
    record_age: bool
    inputs: dict[str, np.ndarray]
    monthly: set[str]
    integrator: str
    fixed: system.Constants
    income: np.ndarray

    @property
    def n_members(self) -> int:
        """Ensemble size."""
        return next(iter(self.p.values())).shape[0]

    @property
    def n_months(self) -> int:
        """Simulated months."""
        return 12 * len(self.years)


def set_up(values, dt, end_year, shocks, record_age, inputs, monthly, integrator, data) -> Setup:
    """Check the arguments of :func:`simulate` and gather them (see there).

    Raises
    ------
    InputError
        An end year before 2016, a bad step, integrator, monthly variable, shock or
        input series.
    """
    if not isinstance(end_year, int) or end_year < START_YEAR:
        raise InputError(
            "option --end-year",
            "end_year",
            f"must be {START_YEAR} or later, got {end_year!r}",
        )
    k = steps_per_month(dt)
    p = member_arrays(values)
    years = np.arange(START_YEAR, end_year + 1)
    n_months = 12 * len(years)
    if integrator not in INTEGRATORS:
        raise InputError("option --integrator", integrator, f"allowed: {', '.join(INTEGRATORS)}")
    small = next(iter(p.values())).shape[0] <= SMALL_ENSEMBLE
    names = {var.name for var in system.VARIABLES}
    monthly = set(names if small else ()) if monthly is None else set(monthly)
    if monthly - names:
        unknown = sorted(monthly - names)[0]
        raise InputError("option --monthly", unknown, "unknown variable; see `anshan-housing doc`")
    for shock in shocks:
        if shock.parameter not in p:
            raise InputError("shock", shock.parameter, "unknown parameter")
        if shock.operation not in Shock.OPERATIONS:
            raise InputError(
                "shock", "operation", f"{shock.operation!r}; allowed: {Shock.OPERATIONS}"
            )
        if not 0 <= shock.month_index() < n_months:
            raise InputError(
                "shock", "date", f"{shock.date} is outside {START_YEAR}-01..{end_year}-12"
            )
    data = data or shipped_data()
    inputs = dict(system.default_inputs(years, data) if inputs is None else inputs)
    for name in system.INPUT_NAMES:
        if name not in inputs or np.shape(inputs[name]) != years.shape:
            raise InputError(
                "inputs", name, f"needs one value for each year {years[0]}-{years[-1]}"
            )
    fixed = system.constants(data)
    return Setup(
        p=p,
        initial_p={name: v.copy() for name, v in p.items()},
        dt=1 / (12 * k),
        k=k,
        years=years,
        shocks=tuple(shocks),
        record_age=small if record_age is None else record_age,
        inputs=inputs,
        monthly=monthly,
        integrator=integrator,
        fixed=fixed,
        income=system.income_paths(
            inputs["urban_disposable_income"], years, p["income_backcast_offset"], fixed
        ),
    )


class Run:
    """One simulation in progress: the state, the simpy processes and the record.

    The processes are the calendar (1 January: ageing, inputs, the policy's land
    decision), one per dated shock, the system's own dated processes (land tranches,
    the winter stop) and the integrator. Members are integrated in blocks of
    `BLOCK_MEMBERS`; each block has its derived quantities and carries the age sums
    of its month-end record to its next step (the population is unchanged between).
    """

    def __init__(self, setup: Setup, policy: Policy | None):
        self.setup, self.policy = setup, policy
        self.env = simpy.Environment()
        self.clock = Clock(self.env, dt=setup.dt, steps_per_month=setup.k)
        self.p = setup.p
        self.state = system.initial_state(self.p, setup.fixed)
        self.recorder = Recorder(setup.n_members, setup.n_months, setup.monthly)
        self.ages: list[np.ndarray] = []
        n = setup.n_members
        self.blocks = [slice(i, min(i + BLOCK_MEMBERS, n)) for i in range(0, n, BLOCK_MEMBERS)]
        self.derived: list[dict] = [{} for _ in self.blocks]
        self.carried: list[dict | None] = [None for _ in self.blocks]
        self.year_x: dict[str, np.ndarray] = {}
        self.stepper = STEPPERS[setup.integrator]

    def execute(self) -> None:
        """Start every process and run the clock to the end (BLAS held to one thread)."""
        env = self.env
        env.process(self.calendar())
        for shock in self.setup.shocks:
            env.process(self.shock(shock))
        for process in system.processes(
            env, self.state, self.p, self.setup.k, len(self.setup.years), self.pulse
        ):
            env.process(process)
        env.process(self.integrate())
        with blas_controller().limit(limits=1, user_api="blas"):
            env.run()

    def prepare_blocks(self) -> None:
        """Rebuild each block's derived quantities (after new parameters or inputs)."""
        n = self.setup.n_members
        for i, block in enumerate(self.blocks):
            x = {name: np.broadcast_to(v, (n,))[block] for name, v in self.year_x.items()}
            params = {name: v[block] for name, v in self.p.items()}
            self.derived[i] = system.prepare(params, self.setup.dt, x, self.setup.fixed)
            self.carried[i] = None

    def calendar(self):
        """Every 1 January: ageing, the year's inputs, the policy's land decision."""
        setup = self.setup
        for index in range(len(setup.years)):
            last_quota = self.state["land_quota"].copy()
            self.year_x = system.year_inputs(setup.inputs, index, setup.fixed, setup.income)
            system.new_year(self.state, self.p, self.year_x, int(setup.years[index]))
            if self.policy is not None:
                self.apply_policy(index, last_quota if index > 0 else None)
            self.prepare_blocks()
            yield self.env.timeout(12 * setup.k)

    def apply_policy(self, index: int, last_quota: np.ndarray | None) -> None:
        """Show the policy the city's figures and apply its decision (land quota, pace)."""
        state = self.state
        sales = (
            self.recorder.yearly["sales"][index - 1]
            if index > 0
            else np.zeros_like(state["land_quota"])
        )
        observation = Observation.of(
            year=int(self.setup.years[index]),
            inventory=supply.inventory(state),
            sales_last_year=sales,
            quota_last_year=state["land_quota"] if last_quota is None else last_quota,
            default_quota=state["land_quota"],
            plot_ratio=self.p["plot_ratio"],
        )
        decision = self.policy(observation)
        if decision is not None:
            quota, fast = decision.checked(self.setup.n_members)
            state["land_quota"][:] = quota
            state["land_fast"][:] = fast

    def shock(self, shock: Shock):
        """Change a parameter at the shock's date."""
        yield self.env.timeout(shock.month_index() * self.setup.k)
        self.p[shock.parameter] = shock.apply(self.p[shock.parameter])
        self.prepare_blocks()

    def pulse(self, stock: str, amount: np.ndarray, flows: Mapping[str, np.ndarray]) -> None:
        """Add ``amount`` to a stock at once and record the flows in the current month."""
        self.state[stock] += amount
        self.recorder.add_pulse(flows)

    def integrate(self):
        """Step every block through every tick; record ages at each year end."""
        setup = self.setup
        yield self.env.timeout(0.5)  # half a tick: events dated at a tick come first
        for tick in range(setup.n_months * setup.k):
            for i, block in enumerate(self.blocks):
                self.step_block(i, block)
            if setup.record_age and (tick + 1) % (12 * setup.k) == 0:
                self.ages.append(self.state["population"].copy())
            yield self.env.timeout(1)

    def step_block(self, i: int, block: slice) -> None:
        """One step of the members in ``block``; closes the month in the record when due."""
        setup, clock = self.setup, self.clock
        whole = block == slice(0, setup.n_members)
        view = self.state if whole else {name: a[block] for name, a in self.state.items()}
        params = self.p if whole else {name: a[block] for name, a in self.p.items()}
        sums, self.carried[i] = self.carried[i], None
        increments, flows = self.stepper(view, params, self.derived[i], clock.t, setup.dt, sums)
        for name, increment in increments.items():
            view[name] += increment
        self.recorder.add_flows(flows, setup.dt, block)
        if (clock.tick + 1) % setup.k == 0:
            levels, self.carried[i] = system.observe(
                view, params, self.derived[i], clock.t + setup.dt
            )
            self.recorder.close_month(clock.tick // setup.k, levels, block)


def heun_increments(state: dict, p: dict, derived: dict, t: float, dt: float, sums=None):
    """Heun's increments of all the stocks and the step's mean flows.

    Heun's method (explicit trapezoidal rule, second order): an Euler step to the end
    of the step, the rates there, and the mean of the two increments. As the mean of
    the start and of an Euler step taken from the end, it keeps every stock
    non-negative wherever Euler does. The population takes part in both stages:
    household formation is the small difference of households and their smoothed
    count, so an Euler step of the population, or start-of-step households in the
    second evaluation, would make the coupled step first order.
    """
    first, first_flows = system.increments(state, p, derived, t, dt, sums)
    first["population"] = first["population"].copy()  # a buffer the next call reuses
    ahead = dict(state)
    ahead.update({name: state[name] + inc for name, inc in first.items()})
    second, second_flows = system.increments(ahead, p, derived, t + dt, dt)
    total = {name: 0.5 * (inc + second[name]) for name, inc in first.items()}
    flows = {name: 0.5 * (rate + second_flows[name]) for name, rate in first_flows.items()}
    return total, flows


@functools.cache
def shipped_parameters() -> dict:
    """The shipped parameter table (units and meanings of per-member parameters)."""
    return load_parameters()


@functools.cache
def blas_controller() -> ThreadpoolController:
    """The BLAS thread pools of this process (found once).

    The run holds BLAS to one thread: its only matrix products (population age sums
    of one block) are small, and a second BLAS thread spinning between them slowed a
    100,000-member run by a third on the 2-core machine and made its time erratic.
    """
    return ThreadpoolController()


def rk4_increments(state: dict, p: dict, derived: dict, t: float, dt: float, sums=None):
    """Classical Runge-Kutta increments of the stocks and the step's weighted flows.

    The four stages evaluate the same increment function as Euler at the start, twice
    at the middle and at the end of the step; flows are averaged with the same weights.
    """
    weights = (1.0, 2.0, 2.0, 1.0)
    stage_state, total, flows = state, {}, {}
    for stage, (weight, offset) in enumerate(zip(weights, (0.0, 0.5, 0.5, 1.0), strict=True)):
        k, f = system.increments(stage_state, p, derived, t + offset * dt, dt, sums)
        sums = None  # the given sums are those of the start of the step
        for name, inc in k.items():
            total[name] = total.get(name, 0.0) + weight / 6.0 * inc
        for name, rate in f.items():
            flows[name] = flows.get(name, 0.0) + weight / 6.0 * rate
        if stage < 3:
            step = 0.5 if stage < 2 else 1.0
            stage_state = dict(state)
            stage_state.update({name: state[name] + step * inc for name, inc in k.items()})
    return total, flows


STEPPERS = {"heun": heun_increments, "euler": system.increments, "rk4": rk4_increments}


def assemble(
    recorder: Recorder,
    p: Mapping[str, np.ndarray],
    dt: float,
    end_year: int,
    ages: Sequence[np.ndarray],
    attrs: Mapping[str, object],
) -> xr.Dataset:
    """Build the Dataset: monthly series, yearly aggregates, indicators, metadata."""
    n_members = next(iter(p.values())).shape[0]
    years = np.arange(START_YEAR, end_year + 1)
    coords = {"member": np.arange(n_members), "year": years, "area": list(system.AREAS)}
    if recorder.monthly:
        time = np.arange(f"{START_YEAR}-01", f"{end_year + 1}-01", dtype="datetime64[M]")
        coords["time"] = time.astype("datetime64[ns]")
    variables: dict[str, tuple] = {}
    for var in system.VARIABLES:
        if var.name in recorder.monthly:
            variables[var.name] = (
                ("member", "time", *var.dims),
                np.moveaxis(recorder.monthly[var.name], 0, 1),
                {"units": var.units, "long_name": var.long_name, "source": var.source},
            )
        if var.yearly:
            units = var.units.replace("/month", "/year") if var.yearly == "sum" else var.units
            variables[f"{var.name}_yearly"] = (
                ("member", "year", *var.dims),
                np.moveaxis(recorder.yearly[var.name], 0, 1),
                {"units": units, "long_name": f"{var.long_name} ({var.yearly} over the year)"},
            )
    if ages:
        coords["age"] = np.arange(ages[0].shape[-1])
        variables["population_by_age"] = (
            ("member", "year", "area", "age"),
            np.stack(ages, axis=1),
            {"units": "person", "long_name": "residents by age at the end of the year"},
        )
    ds_attrs = {
        "model": "anshan-housing",
        "model_version": VERSION,
        "dt_years": dt,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **{str(k): v for k, v in attrs.items()},
    }
    table = shipped_parameters()
    for name, value in p.items():
        if np.all(value == value[0]):
            ds_attrs[f"param_{name}"] = float(value[0])
        else:
            par = table.get(name)
            variables[f"parameter_{name}"] = (
                "member",
                value,
                {
                    "long_name": f"parameter {name}" + (f": {par.meaning}" if par else ""),
                    "units": par.unit if par else "1",
                },
            )
    ds = xr.Dataset(variables, coords=coords, attrs=ds_attrs)
    if "time" in ds.coords:
        ds["time"].attrs.update(long_name="month (stocks at its end, flows during it)")
    ds["year"].attrs.update(long_name="calendar year", units="year")
    if ages:
        ds["age"].attrs.update(long_name="age reached in the year (100 = 100+)", units="year")
    return system.indicators(ds)
