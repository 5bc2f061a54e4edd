"""The parameter table: loading, validation and member arrays.

Every parameter of the model lives in one TOML file, ``model/parameters.toml``, as a
table with its value, unit, lower and upper bound, meaning and source. This module
reads that file, refuses anything malformed with an :class:`~model.errors.InputError`
that names the file and field, applies value overrides (a calibration result, a
scenario, a sweep sample) inside the bounds, and broadcasts values to arrays over the
``member`` axis of an ensemble.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anshan_housing.model.errors import InputError
from anshan_housing.model.priors import Prior, parse_prior

DEFAULT_PARAMETER_FILE = Path(__file__).with_name("parameters.toml")

REQUIRED_FIELDS = ("value", "unit", "lower", "upper", "meaning", "source")
OPTIONAL_FIELDS = ("sector", "uncertain", "prior", "prior_source")
NUMERIC_FIELDS = ("value", "lower", "upper")


@dataclass(frozen=True)
class Parameter:
    """One model parameter with its unit, plausible range and source.

    Attributes
    ----------
    name : str
        Identifier used in equations, files and the command line.
    value : float
        Default (uncalibrated, documented) value, in ``unit``.
    unit : str
        Unit, pint-parsable (``"1/year"``, ``"person"``, ``"1e4 m**2"``).
    lower, upper : float
        Plausible range; values outside it are refused everywhere.
    meaning : str
        One line on what the parameter is.
    source : str
        The seed figure, cited fact (FACTS.md / POPULATION_SOURCES.md) or stated
        assumption behind the value and the range.
    sector : str
        Model sector that uses it.
    uncertain : bool
        Whether sensitivity sweeps vary it by default; an uncertain parameter has a
        prior.
    prior : Prior or None
        Its prior distribution, truncated to [lower, upper] (model/priors.py).
    prior_source : str
        Where the prior comes from.
    """

    name: str
    value: float
    unit: str
    lower: float
    upper: float
    meaning: str
    source: str
    sector: str = "general"
    uncertain: bool = False
    prior: Prior | None = None
    prior_source: str = ""

    def __repr__(self) -> str:
        return (
            f"Parameter({self.name}={self.value:g} {self.unit}, "
            f"range [{self.lower:g}, {self.upper:g}])"
        )


ParameterTable = dict[str, Parameter]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def read_toml(path: str | Path) -> dict:
    """Read a TOML file, turning a missing file or a syntax error into InputError."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(path, "(file)", "no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise InputError(path, "(syntax)", f"not valid TOML: {err}") from None


def parse_parameter(path: Path, name: str, entry: object) -> Parameter:
    """Validate one parameter table of ``path`` and build its Parameter."""
    if not isinstance(entry, dict):
        raise InputError(path, name, "must be a table with fields " + ", ".join(REQUIRED_FIELDS))
    unknown = sorted(set(entry) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:
        allowed = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise InputError(path, f"{name}.{unknown[0]}", f"unknown field; allowed: {allowed}")
    for field in REQUIRED_FIELDS:
        if field not in entry:
            raise InputError(path, f"{name}.{field}", "missing (every parameter needs it)")
    for field in NUMERIC_FIELDS:
        value = entry[field]
        if not _is_number(value) or not math.isfinite(value):
            raise InputError(path, f"{name}.{field}", f"must be a finite number, got {value!r}")
    for field in ("unit", "meaning", "source"):
        if not isinstance(entry[field], str) or not entry[field].strip():
            raise InputError(path, f"{name}.{field}", "must be a non-empty string")
    if "uncertain" in entry and not isinstance(entry["uncertain"], bool):
        raise InputError(
            path, f"{name}.uncertain", f"must be true or false, got {entry['uncertain']!r}"
        )
    lower, upper, value = (
        float(entry["lower"]),
        float(entry["upper"]),
        float(entry["value"]),
    )
    if lower > upper:
        raise InputError(path, f"{name}.lower", f"lower {lower:g} is above upper {upper:g}")
    if not lower <= value <= upper:
        raise InputError(
            path, f"{name}.value", f"{value:g} is outside its range [{lower:g}, {upper:g}]"
        )
    uncertain = bool(entry.get("uncertain", False))
    prior = None
    if "prior" in entry:
        prior = parse_prior(path, name, entry["prior"], lower, upper)
        text = entry.get("prior_source")
        if not isinstance(text, str) or not text.strip():
            raise InputError(path, f"{name}.prior_source", "missing (every prior needs a source)")
    elif "prior_source" in entry:
        raise InputError(path, f"{name}.prior_source", "given without a prior")
    elif uncertain:
        raise InputError(path, f"{name}.prior", "missing (every uncertain parameter needs one)")
    return Parameter(
        name=name,
        value=value,
        unit=entry["unit"],
        lower=lower,
        upper=upper,
        meaning=entry["meaning"],
        source=entry["source"],
        sector=str(entry.get("sector", "general")),
        uncertain=uncertain,
        prior=prior,
        prior_source=str(entry.get("prior_source", "")),
    )


def load_parameters(path: str | Path | None = None) -> ParameterTable:
    """Read and validate a parameter table.

    Parameters
    ----------
    path : str or Path, optional
        TOML file with one table per parameter; the shipped file by default.

    Returns
    -------
    dict of str to Parameter
        In file order.

    Raises
    ------
    InputError
        Bad TOML, missing or unknown fields, non-numeric values, a value outside
        its bounds.
    """
    path = Path(path) if path is not None else DEFAULT_PARAMETER_FILE
    raw = read_toml(path)
    if not raw:
        raise InputError(path, "(file)", "holds no parameters")
    return {name: parse_parameter(path, name, entry) for name, entry in raw.items()}


def check_values(
    table: ParameterTable, values: Mapping[str, object], source: str, prefix: str = ""
) -> dict[str, float | np.ndarray]:
    """Check override values against the table: known names, numbers, inside bounds.

    Parameters
    ----------
    table : dict of str to Parameter
        The parameter table giving names and bounds.
    values : mapping of str to float or array_like
        Values to check; arrays are per ensemble member.
    source : str
        Where the values come from (a file name), quoted in errors.
    prefix : str
        Put before each name in errors: the table the values sit in (``"overrides."``).

    Returns
    -------
    dict of str to float or ndarray
        The values as floats or float arrays.
    """
    checked: dict[str, float | np.ndarray] = {}
    for name, value in values.items():
        field = prefix + name
        if name not in table:
            close = [known for known in table if name.split("_")[0] in known][:5]
            hint = f"; similar: {', '.join(close)}" if close else ""
            message = f"unknown parameter{hint} (see `anshan-housing params`)"
            raise InputError(source, field, message)
        par = table[name]
        if _is_number(value):
            array = np.asarray(float(value))
        elif isinstance(value, np.ndarray | list | tuple) and np.asarray(value).ndim == 1:
            try:
                array = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise InputError(source, field, f"must be numbers, got {value!r}") from None
        else:
            raise InputError(source, field, f"must be a number, got {value!r}")
        if array.ndim == 1 and array.size == 0:
            raise InputError(source, field, "is an empty list; give a number or one per member")
        if not np.all(np.isfinite(array)):
            raise InputError(source, field, "must be finite (no NaN or infinity)")
        outside = (array < par.lower) | (array > par.upper)
        if np.any(outside):
            bad = float(np.atleast_1d(array)[np.atleast_1d(outside)][0])
            raise InputError(
                source,
                field,
                f"{bad:g} is outside its range [{par.lower:g}, {par.upper:g}] {par.unit}",
            )
        checked[name] = float(array) if array.ndim == 0 else array
    lengths = {name: v.size for name, v in checked.items() if isinstance(v, np.ndarray)}
    if len(set(lengths.values())) > 1:
        (a, n_a), (b, n_b) = sorted(lengths.items(), key=lambda kv: kv[1])[:: len(lengths) - 1]
        raise InputError(
            source,
            prefix + b,
            f"has {n_b} values but {a} has {n_a}; give one value per ensemble member",
        )
    return checked


def resolve_values(
    table: ParameterTable, *overrides: tuple[str, Mapping[str, object]]
) -> dict[str, float | np.ndarray]:
    """Defaults of the table updated by checked overrides, later ones winning.

    Parameters
    ----------
    table : dict of str to Parameter
        Parameter table with the defaults.
    *overrides : tuple of (str, mapping)
        ``(source, values)`` pairs, for example the calibration result then a
        scenario's overrides.

    Returns
    -------
    dict of str to float or ndarray
        One value (or member array) for every parameter.
    """
    values: dict[str, float | np.ndarray] = {name: par.value for name, par in table.items()}
    for source, mapping in overrides:
        values.update(check_values(table, mapping, source))
    return values


def ensemble_size(values: Mapping[str, float | np.ndarray]) -> int:
    """Number of ensemble members implied by the array-valued parameters.

    Raises
    ------
    ValueError
        If two array-valued parameters have different lengths.
    """
    sizes = {np.size(v) for v in values.values() if np.ndim(v) == 1}
    if len(sizes) > 1:
        raise ValueError(f"member arrays of different lengths: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def member_arrays(
    values: Mapping[str, float | np.ndarray], n_members: int | None = None
) -> dict[str, np.ndarray]:
    """Broadcast every value to a float array of shape ``(member,)``.

    Parameters
    ----------
    values : mapping of str to float or ndarray
        Scalars or arrays of shape ``(member,)``.
    n_members : int, optional
        Ensemble size; inferred from the arrays when omitted.
    """
    n = ensemble_size(values) if n_members is None else n_members
    return {
        name: np.broadcast_to(np.asarray(v, dtype=float), (n,)).copy() for name, v in values.items()
    }


def format_parameters(table: ParameterTable, values: Mapping[str, float | np.ndarray]) -> str:
    """The parameter table as text: name, value (ensemble mean), unit, range, source.

    An uncertain parameter's prior follows its line, indented.
    """
    lines = [f"{'name':<28} {'value':>12} {'unit':<18} {'lower':>10} {'upper':>10}  source"]
    for name, par in table.items():
        lines.append(
            f"{name:<28} {float(np.mean(values[name])):>12.6g} {par.unit:<18} "
            f"{par.lower:>10.4g} {par.upper:>10.4g}  {par.source}"
        )
        if par.prior is not None:
            lines.append(f"{'':<28} prior {par.prior.describe()}: {par.prior_source}")
    return "\n".join(lines)
