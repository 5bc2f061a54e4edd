"""Model documentation generated from the code's own metadata.

The tables of ``anshan-housing doc`` (and ``docs/MODEL.md``) are built here from the
one place each fact is defined: the sectors' ``VARIABLES`` (via
:data:`model.system.VARIABLES`), :data:`model.indicators.INDICATORS`, the yearly
inputs of :mod:`model.system` and :mod:`model.inputs`, and the parameter table
``model/parameters.toml``. Nothing here is typed twice: a new variable appears in the
document when its sector declares it, and :func:`check_metadata` refuses one without
units, meaning, source or equation.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Sequence

from anshan_housing.model import system
from anshan_housing.model.indicators import INDICATORS
from anshan_housing.model.inputs import INPUTS, shipped_data
from anshan_housing.model.parameters import ParameterTable, load_parameters
from anshan_housing.model.variables import KINDS, Variable

#: Counting units and the per-mille sign in pint's definition syntax: with these
#: every ``units`` string of the model and every parameter unit parses with pint
#: (``pint.UnitRegistry().define(line)`` for each line).
UNIT_DEFINITIONS = (
    "person = [person]",
    "household = [household]",
    "loan = [loan]",
    "yuan = [currency]",
    "per_mille = 0.001",
)

#: Section title of each kind of variable, in the order of the document.
KIND_TITLES = {
    "stock": "Stocks",
    "flow": "Flows",
    "auxiliary": "Auxiliaries",
    "indicator": "Indicators",
    "input": "Inputs",
}

#: How each yearly rule forms ``NAME_yearly`` from the months.
YEARLY_MEANINGS = {
    "sum": "sum of the months",
    "last": "December (end of year)",
    "mean": "mean of the months",
}

#: How :data:`model.system.INPUT_CONTINUATION` carries an input past 2019 (``None``:
#: not listed there, income, which grows at the sourced 2020-2025 rates, the same for every
#: member: ``income_backcast_offset`` moves only the 2015-2018 back-cast).
AFTER_2019 = {
    "mean": "2016-2019 mean",
    None: "grows at the rates of urban_disposable_income_growth (a forecast, the scenario "
    "input income_growth replaces it; "
    "income_backcast_offset moves only 2015-2018: model.system.income_paths)",
}

#: Confidence tags of the sources in ``model/data/inputs.toml`` (see its header).
CONFIDENCE_TAG = re.compile(r"\[(official|derived|assumption|single)\b")

#: Population by single year of age, kept at each year end for small ensembles.
POPULATION_BY_AGE = Variable(
    "population_by_age",
    "person",
    "residents by age at the end of the year",
    "stock",
    "model/data/population_2015.csv at the start, then the population sector",
    ("year", "area", "age"),
    "",
    equation="model.engine.assemble",
)

VARIABLE_COLUMNS = ("name", "units", "meaning", "dims", "equation", "source")
PARAMETER_COLUMNS = ("name", "value", "unit", "lower", "upper", "meaning", "source", "sector",
                     "prior", "prior source")  # fmt: skip
DOC_COMMAND = "anshan-housing doc --out docs/MODEL.md --force"
PACKAGE = "anshan_housing"  # equation strings are relative to the import package


def resolve_equation(path: str) -> Callable:
    """The function named by an ``equation`` string such as ``"model.supply.starts"``.

    Equation strings name modules within the package (``model.supply`` is
    ``anshan_housing.model.supply``), as docs/MODEL.md prints them.

    Raises
    ------
    ValueError
        If ``path`` is not ``module.function``, the module does not import, or it has
        no callable of that name.
    """
    module_name, _, function = path.rpartition(".")
    if not module_name or not function:
        raise ValueError(f"equation {path!r} is not 'module.function'")
    try:
        module = importlib.import_module(f"{PACKAGE}.{module_name}")
    except ImportError:
        raise ValueError(f"equation {path!r}: no module {module_name!r}") from None
    found = getattr(module, function, None)
    if not callable(found):
        raise ValueError(f"equation {path!r}: {module_name} has no function {function!r}")
    return found


def check_metadata(variables: Iterable[Variable]) -> None:
    """Refuse variables with incomplete metadata or a repeated name.

    Parameters
    ----------
    variables : iterable of Variable
        Variables of one namespace (the recorded variables, or the indicators).

    Raises
    ------
    ValueError
        Naming the first variable whose ``units``, ``long_name``, ``source`` or
        ``equation`` is empty, whose equation names no function, or whose name is
        already taken.
    """
    seen: set[str] = set()
    for var in variables:
        if var.name in seen:
            raise ValueError(f"{var.name}: declared twice; names must be unique")
        seen.add(var.name)
        for field in ("units", "long_name", "source", "equation"):
            if not str(getattr(var, field)).strip():
                raise ValueError(f"{var.name}: empty {field}; every variable needs one")
        try:
            resolve_equation(var.equation)
        except ValueError as err:
            raise ValueError(f"{var.name}: {err}") from None


def yearly_units(var: Variable) -> str:
    """Units of ``NAME_yearly``: a monthly flow summed over the year is per year."""
    if var.yearly == "sum":
        return var.units.replace("/month", "/year")
    return var.units


def input_variables() -> tuple[Variable, ...]:
    """The yearly exogenous inputs as the Dataset records them (``input_NAME``)."""
    table = shipped_data().inputs
    out = []
    for name in system.INPUT_NAMES:
        how = system.INPUT_CONTINUATION.get(name)
        after = AFTER_2019.get(how, how) if isinstance(how, str | None) else f"{how:g}"
        tags = dict.fromkeys(CONFIDENCE_TAG.findall(table[name].source))
        tag = ", ".join(f"[{t}]" for t in tags) or "see the file"
        out.append(
            Variable(
                f"input_{name}",
                system.INPUT_UNITS[name],
                INPUTS[name]["long_name"],
                "input",
                f"model/data/inputs.toml [{name}] ({tag}); after 2019: {after}",
                ("year",),
                "",
                equation="model.system.default_inputs",
            )
        )
    return tuple(out)


def shadowed_names() -> list[str]:
    """Recorded variables that an indicator of the same name replaces in the Dataset."""
    indicators = {var.name for var in INDICATORS}
    return [var.name for var in system.VARIABLES if var.name in indicators]


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _code(value: str) -> str:
    return f"`{value}`"


def markdown_table(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown pipe table with ``columns`` as header."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _variable_row(var: Variable, dims: Sequence[str]) -> tuple[str, ...]:
    return (
        _code(var.name),
        _code(var.units),
        var.long_name,
        ", ".join(dims),
        _code(var.equation),
        var.source,
    )


def _rows(kind: str) -> list[tuple[str, ...]]:
    """Rows of the table of ``kind``, each with the variable's Dataset dims."""
    rows = [
        _variable_row(var, ("member", "time", *var.dims))
        for var in system.VARIABLES
        if var.kind == kind
    ]
    if kind == "indicator":
        rows += [_variable_row(var, ("member", *var.dims)) for var in INDICATORS]
    if kind == "input":
        rows += [_variable_row(var, var.dims) for var in input_variables()]
    return rows


def _yearly_rows() -> list[tuple[str, ...]]:
    return [
        (
            _code(f"{var.name}_yearly"),
            _code(yearly_units(var)),
            f"{var.yearly}: {YEARLY_MEANINGS[var.yearly]}",
            ", ".join(("member", "year", *var.dims)),
            _code(var.name),
        )
        for var in system.VARIABLES
        if var.yearly
    ]


def _parameter_rows(table: ParameterTable) -> list[tuple[str, ...]]:
    return [
        (
            _code(name),
            f"{par.value:g}",
            _code(par.unit),
            f"{par.lower:g}",
            f"{par.upper:g}",
            par.meaning,
            par.source,
            par.sector,
            par.prior.describe() if par.prior else "-",
            par.prior_source or "-",
        )
        for name, par in table.items()
    ]


def model_doc(parameters: ParameterTable | None = None) -> str:
    """The model documentation as Markdown.

    Parameters
    ----------
    parameters : dict of str to Parameter, optional
        Parameter table; the shipped ``model/parameters.toml`` by default.

    Returns
    -------
    str
        One table per kind of variable (stocks, flows, auxiliaries, indicators,
        inputs) with units, meaning, dims, the function computing each and its
        source; the yearly aggregates; other Dataset variables; the parameters.

    Raises
    ------
    ValueError
        If a variable's metadata is incomplete (:func:`check_metadata`).
    """
    check_metadata(system.VARIABLES)
    check_metadata((*INDICATORS, *input_variables(), POPULATION_BY_AGE))
    table = load_parameters() if parameters is None else parameters
    definitions = ", ".join(_code(d) for d in UNIT_DEFINITIONS)
    parts = [
        "# anshan-housing: model documentation",
        f"Generated by `{DOC_COMMAND}` from the model's own metadata (the sectors' "
        "`VARIABLES`, `model.indicators.INDICATORS`, `model/data/inputs.toml` and "
        "`model/parameters.toml`); do not edit it by hand.",
        "A run returns an `xarray.Dataset`. Each variable below is recorded monthly on "
        "`time` (stocks and auxiliaries at the end of the month, flows summed over the "
        "month, so their units are per month) and as a yearly aggregate `NAME_yearly` "
        "on `year`; indicators are derived from the yearly record in the seed's scopes. "
        "`equation` names the function computing the variable (for a stock, its rate "
        "of change). Units are pint strings; the counting units are defined as "
        f"{definitions}.",
    ]
    for kind in KINDS:
        parts += [f"## {KIND_TITLES[kind]}", markdown_table(VARIABLE_COLUMNS, _rows(kind))]
    parts += [
        "## Yearly aggregates",
        markdown_table(("name", "units", "aggregation", "dims", "of"), _yearly_rows()),
        "## Other Dataset variables",
        markdown_table(
            VARIABLE_COLUMNS,
            [
                _variable_row(POPULATION_BY_AGE, ("member", *POPULATION_BY_AGE.dims)),
                (
                    _code("parameter_NAME"),
                    _code("1"),
                    "value of parameter NAME in each member, when members differ",
                    "member",
                    _code("model.engine.assemble"),
                    "the parameter table below (its unit is the parameter's unit)",
                ),
            ],
        ),
        "## Parameters",
        "Shipped default values; `calibration/calibrated.toml` overrides the fitted "
        "ones (`anshan-housing params` prints the values in use).",
        markdown_table(PARAMETER_COLUMNS, _parameter_rows(table)),
    ]
    shadowed = shadowed_names()
    if shadowed:
        names = ", ".join(_code(name) for name in shadowed)
        kept = ", ".join(_code(f"{name}_yearly") for name in shadowed)
        parts += [
            "## Notes",
            f"An indicator of the same name replaces the monthly series of {names} in the "
            f"Dataset; the yearly aggregate {kept} is kept.",
        ]
    return "\n\n".join(parts) + "\n"


__all__ = [
    "UNIT_DEFINITIONS",
    "check_metadata",
    "input_variables",
    "model_doc",
    "resolve_equation",
    "shadowed_names",
    "yearly_units",
]
