"""Reading run settings and writing results: parameter value files, atomic NetCDF/CSV.

Output files are written to a temporary file in the target folder and renamed into
place, so a failed or interrupted command never leaves a partial file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import (
    DEFAULT_PARAMETER_FILE,
    ParameterTable,
    load_parameters,
    parse_parameter,
    read_toml,
    resolve_values,
)

VALUES_FILE_TABLES = ("values", "meta", "fit", "statistics", "uncertainty")


def load_run_values(
    params_file: str | Path | None = None,
) -> tuple[ParameterTable, dict[str, float | np.ndarray], str]:
    """Parameter table and values for a run.

    Parameters
    ----------
    params_file : str or Path, optional
        Either a values file (a ``[values]`` table of name = number, as written by
        ``anshan-housing calibrate --out``) applied over the shipped parameter table,
        or a whole parameter table in the format of ``model/parameters.toml``. None:
        the shipped table's own values (the application layer chooses the default
        file: :func:`anshan_housing.calibration.default_run_values`).

    Returns
    -------
    table, values, label
        The table (names, bounds, units), the resolved values and the file used.
    """
    table = load_parameters()
    if params_file is None:
        return table, resolve_values(table), str(DEFAULT_PARAMETER_FILE)
    path = Path(params_file)
    raw = read_toml(path)
    if "values" in raw:
        extra = sorted(set(raw) - set(VALUES_FILE_TABLES))
        if extra:
            allowed = ", ".join(VALUES_FILE_TABLES)
            raise InputError(path, extra[0], f"unknown table; allowed: {allowed}")
        if not isinstance(raw["values"], dict):
            raise InputError(path, "values", "must be a table of name = number")
        return table, resolve_values(table, (str(path), raw["values"])), str(path)
    full = {name: parse_parameter(path, name, entry) for name, entry in raw.items()}
    missing = sorted(set(table) - set(full))
    if missing:
        raise InputError(path, missing[0], "missing (a full parameter table names every parameter)")
    unknown = sorted(set(full) - set(table))
    if unknown:
        raise InputError(path, unknown[0], "unknown parameter (see `anshan-housing params`)")
    return full, resolve_values(full), str(path)


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex), recorded with every output for provenance."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _command_line() -> str:
    """The command line of the running ``anshan-housing`` command (or of Python)."""
    try:
        import click

        context = click.get_current_context(silent=True)
    except ImportError:  # pragma: no cover - click is a dependency
        context = None
    if context is not None:
        line = context.find_root().meta.get("command_line")
        if line:
            return line
    return " ".join(sys.argv)


def provenance(parameter_file: str, **extra: object) -> dict[str, object]:
    """Attributes every output file carries: version, files and their hashes, command.

    Parameters
    ----------
    parameter_file : str
        The values file or parameter table the run used (``load_run_values`` label).
    **extra
        Scenario, seed, method and the like.
    """
    from anshan_housing.model.engine import VERSION

    record: dict[str, object] = {
        "model_version": VERSION,
        "parameter_table": str(DEFAULT_PARAMETER_FILE.name),
        "parameter_table_sha256": file_sha256(DEFAULT_PARAMETER_FILE),
        "parameter_file": str(parameter_file),
        "command": _command_line(),
    }
    path = Path(parameter_file)
    if path.is_file():
        record["parameter_file_sha256"] = file_sha256(path)
    record.update({k: v for k, v in extra.items() if v is not None})
    return record


def check_output_path(path: str | Path, force: bool, option: str = "--out") -> Path:
    """Refuse an output path that exists (without ``force``) or whose folder is missing."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError(f"option {option}", str(path), "exists; add --force to overwrite")
    if path.exists() and path.is_dir():
        raise InputError(f"option {option}", str(path), "is a folder, not a file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"option {option}", str(path), f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"option {option}", str(path), f"folder {parent} is not writable")
    return path


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def save_netcdf(ds: xr.Dataset, path: str | Path) -> None:
    """Write a Dataset as NetCDF-4 (h5netcdf), atomically."""
    clean = ds.copy()
    clean.attrs = {
        k: (v if isinstance(v, str | int | float) else str(v)) for k, v in ds.attrs.items()
    }
    write_atomic(path, lambda tmp: clean.to_netcdf(tmp, engine="h5netcdf"))


def check_output_folder(option: str, out_dir: str, names, force: bool) -> None:
    """Refuse an output folder that is a file, cannot be written or holds outputs."""
    folder = Path(out_dir)
    if folder.exists() and not folder.is_dir():
        raise InputError(option, out_dir, "is a file, not a folder")
    if folder.is_dir():
        if not os.access(folder, os.W_OK):
            raise InputError(option, out_dir, f"folder {folder} is not writable")
        existing = [n for n in names if (folder / n).exists()]
        if existing and not force:
            raise InputError(option, out_dir, f"holds {existing[0]} already; add --force")
        return
    parent = folder.parent if str(folder.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(option, out_dir, f"folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(option, out_dir, f"folder {parent} is not writable")


def check_plot_folder(plot_dir: str, force: bool, names=("population.png", "housing.png")) -> None:
    """Refuse a --plot folder holding any of the figures ``names`` (without ``force``)."""
    folder = Path(plot_dir)
    if folder.is_dir() and any((folder / n).exists() for n in names) and not force:
        raise InputError("option --plot", plot_dir, "holds figures already; add --force")
    check_output_folder("option --plot", plot_dir, names, force=True)
