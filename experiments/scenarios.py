"""Scenario files: loading, schema check, and running a scenario through the model.

A scenario is a TOML file in ``experiments/scenarios/``::

    name = "five-category"
    description = "The national rule on the clearance period"
    [policy]                  # required: the land-supply policy from 2021
    kind = "five-category"    # see experiments.policies.POLICY_SETTINGS
    reduce_step = 0.2         # settings of that kind (defaults apply)
    [[variants]]              # optional demand-side variants, combinable
    kind = "talent-retention"
    [overrides]               # optional parameter values (names of parameters.toml)
    tfr = 0.9
    [[shocks]]                # optional dated parameter changes
    date = "2023-01"
    parameter = "upgrade_rate"
    operation = "scale"       # set, scale or add
    value = 0.8
    [inputs]                  # optional exogenous inputs from 2020 on
    income_growth = 0.05
    [renovation]              # optional old-compound programme 2021-2025
    area = 210.0              # 万m² a year, or a list of five yearly values
    management_share = 0.8    # share of the renovated area put under property management
    [standards]               # optional construction standards of the starts 2021-2025
    green_share = 0.7         # a share, or a list of five yearly shares
    prefab_share = [0.1, 0.15, 0.2, 0.25, 0.3]
    management_share = 1.0    # share of new completions under property management

Every key is checked once, here: unknown keys, wrong types and impossible values are
refused with an :class:`~model.errors.InputError` naming the file, the key and what is
allowed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from anshan_housing.experiments.policies import (
    PLAN_END,
    PLAN_START,
    POLICY_SETTINGS,
    VARIANT_SETTINGS,
    LandPolicy,
    Setting,
    variant_shocks,
)
from anshan_housing.model.engine import END_YEAR, START_YEAR, Shock, simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import file_sha256
from anshan_housing.model.parameters import ParameterTable, check_values, member_arrays, read_toml
from anshan_housing.model.system import default_inputs

SCENARIO_DIR = Path(__file__).with_name("scenarios")
TOP_KEYS = ("name", "description", "policy", "variants", "overrides", "shocks", "inputs",
            "renovation", "standards")  # fmt: skip
INPUTS_FROM = 2020  # scenario inputs apply from this year (2016-2019 are the seed's)
INPUT_SETTINGS: dict[str, Setting] = {  # defaults are unused: absent inputs keep the seed's path
    "income_growth": Setting(0.063, -0.1, 0.2, "1/year", "urban disposable income growth"),
    "resettlement_cash": Setting(0.0, 0.0, 50000.0, "household/year",
                                 "shantytown households resettled with cash"),
    "resettlement_purchase": Setting(0.0, 0.0, 50000.0, "household/year",
                                     "households resettled by government purchase"),
    "provident_lending": Setting(14.84, 0.0, 100.0, "1e8 yuan/year", "provident-fund lending"),
    "in_migration": Setting(6800.0, 0.0, 50000.0, "person/year", "in-migrants a year"),
    "out_migration_rate": Setting(0.0047, 0.0, 0.05, "1/year", "out-migration rate"),
}  # fmt: skip
MIGRATION_INPUTS = ("in_migration", "out_migration_rate")  # parameters, changed by shocks
# The Table 1 programmes a scenario may set for 2021-2025: section, key, the yearly
# input it sets (model/data/inputs.toml) and what it allows.
PROGRAMMES: dict[tuple[str, str], tuple[str, Setting]] = {
    ("renovation", "area"): ("old_compound_renovation", Setting(
        0.0, 0.0, 2000.0, "1e4 m**2/year", "old-compound floor area renovated a year")),
    ("renovation", "management_share"): ("management_share_renovated", Setting(
        0.0, 0.0, 1.0, "1", "share of renovated compounds under property management")),
    ("standards", "green_share"): ("green_building_share", Setting(
        0.0, 0.0, 1.0, "1", "share of starts built to the green-building standard")),
    ("standards", "prefab_share"): ("prefabricated_share", Setting(
        0.0, 0.0, 1.0, "1", "prefabricated share of starts")),
    ("standards", "management_share"): ("management_share_new", Setting(
        0.0, 0.0, 1.0, "1", "share of new completions under property management")),
}  # fmt: skip
PLAN_YEARS = PLAN_END - PLAN_START + 1


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: policy, variants, overrides, shocks and inputs."""

    name: str
    description: str
    policy: str
    policy_settings: dict[str, float]
    start_year: int = PLAN_START
    path: tuple[float, ...] | None = None
    variants: tuple[tuple[str, dict[str, float]], ...] = ()
    overrides: dict[str, float] = field(default_factory=dict)
    shocks: tuple[Shock, ...] = ()
    inputs: dict[str, float] = field(default_factory=dict)
    programmes: dict[str, tuple[float, ...]] = field(default_factory=dict)
    source: str = ""


def _number(source, key: str, value, setting: Setting | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(source, key, f"must be a number, got {value!r}")
    if setting is not None and not setting.lower <= value <= setting.upper:
        raise InputError(
            source, key,
            f"{value:g} is outside [{setting.lower:g}, {setting.upper:g}] {setting.unit} "
            f"({setting.meaning})",
        )  # fmt: skip
    return float(value)


def _settings(source, where: str, raw: Mapping, allowed: Mapping[str, Setting], skip=()) -> dict:
    values = {}
    for key, value in raw.items():
        if key in skip:
            continue
        if key not in allowed:
            names = ", ".join(sorted([*allowed, *skip])) or "(none)"
            raise InputError(source, f"{where}.{key}", f"unknown key; allowed: {names}")
        values[key] = _number(source, f"{where}.{key}", value, allowed[key])
    return values


def _list(source, key: str, value) -> list:
    if not isinstance(value, list):
        raise InputError(source, key, f"must be a list of tables ([[{key}]]), got {value!r}")
    return value


def _table(source, key: str, value) -> Mapping:
    if not isinstance(value, Mapping):
        raise InputError(source, key, f"must be a table, got {type(value).__name__}")
    return value


def parse_scenario(raw: Mapping, source: str, table: ParameterTable) -> Scenario:
    """Check a scenario read from TOML and build it (see the module docstring)."""
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise InputError(source, unknown[0], f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    for key in ("name", "description", "policy"):
        if key not in raw:
            raise InputError(source, key, "missing (every scenario needs it)")
    for key in ("name", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise InputError(source, key, "must be a non-empty string")
    policy = _table(source, "policy", raw["policy"])
    kind = policy.get("kind")
    if not isinstance(kind, str) or kind not in POLICY_SETTINGS:
        allowed = ", ".join(POLICY_SETTINGS)
        raise InputError(source, "policy.kind", f"{kind!r} is not a policy; allowed: {allowed}")
    start = policy.get("start_year", PLAN_START)
    if isinstance(start, bool) or not isinstance(start, int) or not 2017 <= start <= PLAN_END:
        raise InputError(
            source, "policy.start_year", f"must be a year 2017-{PLAN_END}, got {start!r}"
        )
    settings = _settings(source, "policy", policy, POLICY_SETTINGS[kind],
                         skip=("kind", "start_year", "land"))  # fmt: skip
    path = None
    if kind == "path":
        land = policy.get("land")
        years = PLAN_END - start + 1
        if not isinstance(land, list) or len(land) != years:
            problem = f"must list {years} yearly quotas (ha) for {start}-{PLAN_END}"
            raise InputError(source, "policy.land", problem)
        path = tuple(_number(source, f"policy.land[{i}]", v, Setting(0, 0, 5000, "hectare", "land"))
                     for i, v in enumerate(land))  # fmt: skip
    elif "land" in policy:
        raise InputError(source, "policy.land", "only a 'path' policy takes yearly land quotas")
    variants = []
    for i, entry in enumerate(_list(source, "variants", raw.get("variants", []))):
        entry = _table(source, f"variants[{i}]", entry)
        vkind = entry.get("kind")
        if not isinstance(vkind, str) or vkind not in VARIANT_SETTINGS:
            raise InputError(source, f"variants[{i}].kind",
                             f"{vkind!r}; allowed: {', '.join(VARIANT_SETTINGS)}")  # fmt: skip
        vset = _settings(source, f"variants[{i}]", entry, VARIANT_SETTINGS[vkind], skip=("kind",))
        variants.append((vkind, vset))
    overrides = check_values(
        table, _table(source, "overrides", raw.get("overrides", {})), source, "overrides."
    )
    if any(np.ndim(v) for v in overrides.values()):
        raise InputError(source, "overrides", "values must be single numbers")
    raw_shocks = _list(source, "shocks", raw.get("shocks", []))
    shocks = [_shock(source, i, entry, table) for i, entry in enumerate(raw_shocks)]
    inputs = _settings(source, "inputs", _table(source, "inputs", raw.get("inputs", {})),
                       INPUT_SETTINGS)  # fmt: skip
    programmes = _programmes(source, raw)
    for name in MIGRATION_INPUTS:  # they set parameters: the parameter's range applies
        if name in inputs:
            par = table[name]
            allowed = Setting(par.value, par.lower, par.upper, par.unit, f"range of {name}")
            _number(source, f"inputs.{name}", inputs[name], allowed)
    return Scenario(
        name=raw["name"], description=raw["description"].strip(), policy=kind,
        policy_settings=settings, start_year=start, path=path, variants=tuple(variants),
        overrides=dict(overrides), shocks=tuple(shocks), inputs=inputs,
        programmes=programmes, source=str(source),
    )  # fmt: skip


def _programmes(source, raw: Mapping) -> dict[str, tuple[float, ...]]:
    """The [renovation] and [standards] sections: a yearly path 2021-2025 per input."""
    paths = {}
    for section in ("renovation", "standards"):
        given = _table(source, section, raw.get(section, {}))
        allowed = {key: entry for (sec, key), entry in PROGRAMMES.items() if sec == section}
        for key, value in given.items():
            if key not in allowed:
                names = ", ".join(allowed)
                raise InputError(source, f"{section}.{key}", f"unknown key; allowed: {names}")
            name, setting = allowed[key]
            where = f"{section}.{key}"
            if isinstance(value, list):
                if len(value) != PLAN_YEARS:
                    raise InputError(source, where, f"must list {PLAN_YEARS} yearly values for "
                                     f"{PLAN_START}-{PLAN_END} or be one number")  # fmt: skip
                path = [_number(source, f"{where}[{i}]", v, setting) for i, v in enumerate(value)]
            else:
                path = [_number(source, where, value, setting)] * PLAN_YEARS
            paths[name] = tuple(path)
    return paths


def _shock(source, i: int, entry, table: ParameterTable) -> Shock:
    where = f"shocks[{i}]"
    entry = _table(source, where, entry)
    allowed = ("date", "parameter", "operation", "value")
    for key in entry:
        if key not in allowed:
            raise InputError(
                source, f"{where}.{key}", f"unknown key; allowed: {', '.join(allowed)}"
            )
    for key in allowed:
        if key not in entry:
            raise InputError(source, f"{where}.{key}", "missing")
    date = entry["date"]
    try:
        year, month = (int(x) for x in str(date).split("-"))
    except ValueError:
        raise InputError(source, f"{where}.date", f"{date!r} is not YYYY-MM") from None
    if not (START_YEAR <= year <= END_YEAR and 1 <= month <= 12):
        span = f"{START_YEAR}-01..{END_YEAR}-12"
        raise InputError(source, f"{where}.date", f"{date} is outside {span}")
    name = entry["parameter"]
    if not isinstance(name, str) or name not in table:
        raise InputError(source, f"{where}.parameter", f"{name!r} is not a parameter")
    operation = entry["operation"]
    if operation not in Shock.OPERATIONS:
        raise InputError(source, f"{where}.operation",
                         f"{operation!r}; allowed: {', '.join(Shock.OPERATIONS)}")  # fmt: skip
    value = _number(source, f"{where}.value", entry["value"])
    par = table[name]
    if operation == "set":
        _number(source, f"{where}.value", value,
                Setting(0, par.lower, par.upper, par.unit, f"range of {name}"))  # fmt: skip
    elif operation == "scale" and value < 0:
        raise InputError(source, f"{where}.value", f"a scale factor must be >= 0, got {value:g}")
    return Shock(f"{year:04d}-{month:02d}", name, operation, value)


def load_scenario(path: str | Path, table: ParameterTable) -> Scenario:
    """Read and check one scenario file."""
    path = Path(path)
    return parse_scenario(read_toml(path), str(path), table)


def shipped_scenarios() -> list[Path]:
    """The scenario files shipped in ``experiments/scenarios/``, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def find_scenario(name: str) -> Path:
    """A shipped scenario by name (file stem), or a path to a scenario file."""
    candidate = Path(name)
    if candidate.suffix == ".toml":
        if not candidate.is_file():
            raise InputError(name, "(file)", "no such scenario file")
        return candidate
    shipped = {p.stem: p for p in shipped_scenarios()}
    if name in shipped:
        return shipped[name]
    known = ", ".join(shipped)
    raise InputError("scenario", name, f"unknown scenario; shipped: {known} (or a .toml path)")


def scenario_inputs(scenario: Scenario, years: np.ndarray) -> dict[str, np.ndarray]:
    """Yearly inputs: the seed's 2016-2019, then the scenario's from 2020 where it sets them.

    Inputs a scenario leaves out continue as :func:`model.system.default_inputs` does.
    A scenario's ``income_growth``, like the default continuation, is the forecast
    after 2019, a separate assumption the same for every member: the member's
    ``income_backcast_offset`` moves only 2015-2018 (:func:`model.system.income_paths`).
    """
    inputs = default_inputs(years)
    later = years >= INPUTS_FROM
    given = scenario.inputs
    if "income_growth" in given:
        income = inputs["urban_disposable_income"].copy()
        base = income[years == INPUTS_FROM - 1][0]
        income[later] = base * (1 + given["income_growth"]) ** (years[later] - INPUTS_FROM + 1)
        inputs["urban_disposable_income"] = income
    for name in ("resettlement_cash", "resettlement_purchase", "provident_lending"):
        if name in given:
            series = inputs[name].copy()
            series[later] = given[name]
            inputs[name] = series
    plan = (years >= PLAN_START) & (years <= PLAN_END)
    for name, path in scenario.programmes.items():
        series = inputs[name].copy()
        series[plan] = np.asarray(path)[years[plan] - PLAN_START]
        inputs[name] = series
    return inputs


def scenario_shocks(scenario: Scenario) -> list[Shock]:
    """Dated shocks of the scenario: its own, its variants', its migration inputs."""
    shocks = list(scenario.shocks)
    for kind, settings in scenario.variants:
        shocks += variant_shocks(kind, settings, scenario.start_year)
    for name in MIGRATION_INPUTS:
        if name in scenario.inputs:
            shocks.append(Shock(f"{INPUTS_FROM}-01", name, "set", scenario.inputs[name]))
    return shocks


def _scenario_file(scenario: Scenario) -> dict[str, str]:
    """The scenario file and its SHA-256, when the scenario came from a file."""
    path = Path(scenario.source)
    if not scenario.source or not path.is_file():
        return {}
    return {"scenario_file": str(path), "scenario_file_sha256": file_sha256(path)}


def run_scenario(
    scenario: Scenario,
    values: Mapping[str, float | np.ndarray],
    *,
    dt: float = 1 / 12,
    record_age: bool | None = None,
    monthly=None,
    attrs: Mapping[str, object] | None = None,
    path: np.ndarray | None = None,
) -> xr.Dataset:
    """Simulate 2016-2025 under a scenario.

    Parameters
    ----------
    scenario : Scenario
        The checked scenario.
    values : mapping
        Parameter values (the calibrated set by default in the command line);
        the scenario's overrides are applied on top.
    path : ndarray, optional
        Land quotas (ha/year) for a ``path`` policy, shape (year,) or (member, year);
        the scenario's own ``land`` list otherwise.
    """
    run_values = {**values, **scenario.overrides}
    if path is not None and np.ndim(path) == 2:  # one path per member
        run_values = member_arrays(run_values, np.shape(path)[0])
    policy = LandPolicy(
        scenario.policy, scenario.policy_settings, start_year=scenario.start_year,
        path=path if path is not None else scenario.path,
    )  # fmt: skip
    years = np.arange(START_YEAR, END_YEAR + 1)
    return simulate(
        run_values,
        dt=dt,
        shocks=scenario_shocks(scenario),
        policy=policy,
        inputs=scenario_inputs(scenario, years),
        record_age=record_age,
        monthly=monthly,
        attrs={
            "scenario": scenario.name,
            "scenario_description": scenario.description,
            "policy": scenario.policy,
            **_scenario_file(scenario),
            **(attrs or {}),
        },  # fmt: skip
    )
