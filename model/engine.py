"""The simulation engine: a simpy clock, the integrators, dated events, the record.

The state is a dict of numpy arrays with a leading ``member`` axis, so one call runs an
ensemble of parameter sets. One simpy environment drives the whole ensemble:

- the integrator process advances the continuous stocks by ``dt`` and closes each
  month in the record. The default is Heun's method (second order) for the housing
  market with one Euler step for the population by age; plain Euler (``stock + dt *
  rate``, the classic SD scheme) and classical RK4 are options. With monthly steps
  Heun is within 1 % of RK4 at dt = 1/48 for every yearly output; Euler is up to
  17 % off (tests/test_structure.py, integration error);
- the calendar process fires the 1 January events (ageing of the population, then the
  yearly decision hooks that policies use);
- one process per dated shock changes a parameter at its date;
- systems may add their own dated processes (the winter construction stop).

The simpy clock counts integration steps ("ticks", ``dt`` years each). The integrator
works at half ticks, so every event dated at a tick happens before the step that starts
there, whatever order simpy would give processes scheduled at the same time.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import simpy
import xarray as xr
from anshan_housing.model import system
from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import load_parameters, member_arrays
from threadpoolctl import ThreadpoolController

START_YEAR = 2016  # simulation starts 1 January 2016; initial state = end of 2015
END_YEAR = 2025  # last simulated year (to 31 December)
DEFAULT_DT = 1 / 12  # years: one month, as SD tools default
MAX_STEPS_PER_MONTH = 64  # finer steps buy nothing for monthly data
VERSION = "0.1.0"
BLOCK_MEMBERS = 2048  # members integrated together: the block's arrays stay in cache
INTEGRATORS = ("heun", "euler", "rk4")  # the first is the default
SMALL_ENSEMBLE = 1000  # members up to which monthly series and ages are kept by default
MONTH_MEANS = ("funding_effect",)  # auxiliaries recorded as their mean over the month
THREADS = 1  # blocks run in turn: with the housing sectors a step is many small numpy calls,
# and a second thread contending for the GIL made it slower on the 2-core machine

YearHook = Callable[["Clock", dict, dict], None]


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
    """Calendar view of the simpy clock, handed to hooks and systems.

    Attributes
    ----------
    env : simpy.Environment
        Its ``now`` counts integration steps (ticks); the integrator runs at half ticks.
    dt : float
        Step (years).
    steps_per_month : int
        Ticks in a month.
    history : dict of str to ndarray
        The yearly record so far, arrays (year, member, ...); complete for the
        years before ``months_done // 12``.
    months_done : int
        Months completed.
    """

    env: simpy.Environment
    dt: float
    steps_per_month: int
    history: dict[str, np.ndarray] = field(default_factory=dict)
    months_done: int = 0

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
    year_hooks: Iterable[YearHook] = (),
    record_age: bool | None = None,
    inputs: Mapping[str, np.ndarray] | None = None,
    monthly: Iterable[str] | None = None,
    integrator: str = INTEGRATORS[0],
    attrs: Mapping[str, object] | None = None,
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
    year_hooks : iterable of callable
        Called every 1 January after ageing as ``hook(clock, state, params)``; a
        policy sets its land supply here.
    record_age : bool, optional
        Keep population by age at each year end (``age`` dim). Default: only for
        ensembles of at most 1,000 members.
    inputs : mapping of str to ndarray, optional
        Yearly exogenous inputs, each of shape (year,) for 2016..``end_year``
        (names as :func:`model.system.default_inputs`); defaults to the seed's
        2016-2019 figures continued by :data:`model.system.INPUT_CONTINUATION`.
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

    Returns
    -------
    xarray.Dataset
        Dims ``member``, ``time`` (months), ``year``, ``area``, and ``age`` when
        recorded; every variable with ``units`` and ``long_name``.
    """
    if not isinstance(end_year, int) or end_year < START_YEAR:
        raise InputError(
            "option --end-year",
            "end_year",
            f"must be {START_YEAR} or later, got {end_year!r}",
        )
    k = steps_per_month(dt)
    dt = 1 / (12 * k)
    p = member_arrays(values)
    initial_p = {name: v.copy() for name, v in p.items()}
    n_months = 12 * (end_year - START_YEAR + 1)
    n_members = next(iter(p.values())).shape[0]
    if integrator not in INTEGRATORS:
        raise InputError("option --integrator", integrator, f"allowed: {', '.join(INTEGRATORS)}")
    integrator_name = integrator
    small = n_members <= SMALL_ENSEMBLE
    record_age = small if record_age is None else record_age
    names = {var.name for var in system.VARIABLES}
    if monthly is None:
        monthly = names if small else set()
    monthly = set(monthly)
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
            raise InputError("shock", "date", f"{shock.date} is outside 2016-01..{end_year}-12")

    years = np.arange(START_YEAR, end_year + 1)
    inputs = dict(system.default_inputs(years) if inputs is None else inputs)
    for name in system.INPUT_NAMES:
        if name not in inputs or np.shape(inputs[name]) != years.shape:
            raise InputError(
                "inputs", name, f"needs one value for each year {years[0]}-{years[-1]}"
            )
    env = simpy.Environment()
    clock = Clock(env, dt=dt, steps_per_month=k)
    year_x: dict[str, np.ndarray] = {}
    state = system.initial_state(p)
    recorder = Recorder(n_members, n_months, monthly)
    ages: list[np.ndarray] = []
    hooks = list(year_hooks)
    blocks = [
        slice(i, min(i + BLOCK_MEMBERS, n_members)) for i in range(0, n_members, BLOCK_MEMBERS)
    ]
    all_members = slice(0, n_members)
    pool = ThreadPoolExecutor(THREADS) if len(blocks) > 1 and THREADS > 1 else None
    derived: list[dict[str, np.ndarray]] = [{} for _ in blocks]

    def for_each_block(work: Callable[[int, slice], None]) -> None:
        if pool is None:
            for i, block in enumerate(blocks):
                work(i, block)
        else:
            list(pool.map(work, range(len(blocks)), blocks))

    def prepare_block(i: int, block: slice) -> None:
        x = {name: np.broadcast_to(v, (n_members,))[block] for name, v in year_x.items()}
        derived[i] = system.prepare({name: v[block] for name, v in p.items()}, dt, x)

    def calendar():
        for index in range(len(years)):
            year_x.clear()
            year_x.update(system.year_inputs(inputs, index))
            system.new_year(state, p, year_x)
            for hook in hooks:
                hook(clock, state, p)
            for_each_block(prepare_block)
            yield env.timeout(12 * k)

    def shock_process(shock: Shock):
        yield env.timeout(shock.month_index() * k)
        p[shock.parameter] = shock.apply(p[shock.parameter])
        for_each_block(prepare_block)

    def advance(view: dict, params: dict, derived_block: dict, t: float):
        """Increments of the stocks over one step and the step's mean flows."""
        return STEPPERS[integrator_name](view, params, derived_block, t, dt)

    def step_block(i: int, block: slice) -> None:
        """One step of the members in ``block``; closes the month when due."""
        whole = block == all_members
        view = state if whole else {name: array[block] for name, array in state.items()}
        params = p if whole else {name: array[block] for name, array in p.items()}
        increments, flows = advance(view, params, derived[i], clock.t)
        for name, increment in increments.items():
            view[name] += increment
        recorder.add_flows(flows, dt, block)
        if (clock.tick + 1) % k == 0:
            month = clock.tick // k
            levels = system.observe(view, params, clock.t + dt, cache=derived[i])
            recorder.close_month(month, levels, block)

    def integrate():
        yield env.timeout(0.5)  # half a tick: events dated at a tick come first
        for tick in range(n_months * k):
            for_each_block(step_block)
            if (tick + 1) % k == 0:
                month = tick // k
                clock.months_done = month + 1
                clock.history = recorder.yearly
                if record_age and month % 12 == 11:
                    ages.append(state["population"].copy())
            yield env.timeout(1)

    env.process(calendar())
    for shock in shocks:
        env.process(shock_process(shock))

    def pulse(stock: str, amount: np.ndarray, flows: Mapping[str, np.ndarray]) -> None:
        state[stock] += amount
        recorder.add_pulse(flows)

    for process in system.processes(env, state, p, k, len(years), pulse):
        env.process(process)
    env.process(integrate())
    try:
        with blas_controller().limit(limits=1, user_api="blas"):
            env.run()
    finally:
        if pool is not None:
            pool.shutdown()
    ds = assemble(recorder, initial_p, dt, end_year, ages,
                  {"integrator": integrator, **(attrs or {})})  # fmt: skip
    return ds.assign(
        {
            f"input_{name}": xr.Variable(
                "year",
                np.asarray(inputs[name], float),
                {
                    "long_name": f"input: {name.replace('_', ' ')}",
                    "units": system.INPUT_UNITS[name],
                },
            )
            for name in system.INPUT_NAMES
        }
    )


def heun_increments(state: dict, p: dict, derived: dict, t: float, dt: float):
    """Heun's increments of the market stocks, Euler's of the population, mean flows.

    Heun's method (explicit trapezoidal rule, second order): an Euler step to the end
    of the step, the rates there, and the mean of the two increments. As the mean of
    the start and of an Euler step taken from the end, it keeps every stock
    non-negative wherever Euler does. The population by age takes one Euler step: its
    rates barely change within a month (its step-size error is below 0.01 %), and the
    market's second evaluation sees it as at the start of the step.
    """
    pop_step, flows, drivers = system.demography(state, p, derived, t, dt)
    first, first_flows = system.market(state, p, derived, drivers, dt)
    ahead = dict(state)
    ahead.update({name: state[name] + inc for name, inc in first.items()})
    second, second_flows = system.market(ahead, p, derived, drivers, dt)
    total = {name: 0.5 * (inc + second[name]) for name, inc in first.items()}
    total["population"] = pop_step
    flows.update({name: 0.5 * (rate + second_flows[name]) for name, rate in first_flows.items()})
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


def rk4_increments(state: dict, p: dict, derived: dict, t: float, dt: float):
    """Classical Runge-Kutta increments of the stocks and the step's weighted flows.

    The four stages evaluate the same increment function as Euler at the start, twice
    at the middle and at the end of the step; flows are averaged with the same weights.
    """
    weights = (1.0, 2.0, 2.0, 1.0)
    stage_state, total, flows = state, {}, {}
    for stage, (weight, offset) in enumerate(zip(weights, (0.0, 0.5, 0.5, 1.0), strict=True)):
        k, f = system.increments(stage_state, p, derived, t + offset * dt, dt)
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
