"""Figures of saved files: ``anshan-housing plot FILE.nc``.

`plot_file` reads a run, comparison or sweep written as NetCDF (`read_netcdf`) and draws
its variables as `run.variable_panels`.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import xarray as xr

from anshan_housing.experiments.figures.comparison import _comparison_names, as_members
from anshan_housing.experiments.figures.run import HOUSING_PANELS, variable_panels
from anshan_housing.model.errors import InputError

#: Most variable names quoted in the message of an unknown variable in `plot_file`.
MAX_LISTED = 15


def read_netcdf(path: str | Path) -> xr.Dataset:
    """Read a saved model Dataset into memory and close the file.

    Parameters
    ----------
    path : str or pathlib.Path
        A NetCDF-4 file written by ``Dataset.to_netcdf(..., engine="h5netcdf")``.

    Returns
    -------
    xarray.Dataset
        The Dataset, loaded, with ``attrs["source_file"]`` set to `path` (quoted in
        error messages).

    Raises
    ------
    model.errors.InputError
        If the file is missing, a folder, or cannot be read as NetCDF.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(str(path), "file", "no such file")
    if not path.is_file():
        raise InputError(str(path), "file", "is a folder, not a NetCDF file")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as opened:
            ds = opened.load()
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(str(path), "file", f"cannot be read as NetCDF (h5netcdf): {exc}") from exc
    ds.attrs["source_file"] = str(path)
    return ds


def _default_file_variables(ds: xr.Dataset) -> list[str]:
    """Panels `plot_file` draws when none are named."""
    if "scenario" in ds.dims:
        names = _comparison_names(ds)
    else:
        names = [*HOUSING_PANELS, "population_total"]
    return [name for name in names if name in ds.data_vars]


def _available_text(ds: xr.Dataset, wanted: Sequence[str]) -> str:
    """Up to `MAX_LISTED` variable names, close matches of `wanted` first."""
    available = [str(v) for v in ds.data_vars]
    close: list[str] = []
    for name in wanted:
        close += [m for m in difflib.get_close_matches(name, available, n=5) if m not in close]
    ordered = close + [v for v in available if v not in close]
    text = ", ".join(ordered[:MAX_LISTED]) or "none"
    if len(ordered) > MAX_LISTED:
        text += f" ... ({len(ordered) - MAX_LISTED} more)"
    return text


def plot_file(
    path: str | Path,
    variables: Sequence[str] | None = None,
    out_dir: str | Path = ".",
    *,
    observed: xr.Dataset | None = None,
    title: str | None = None,
) -> list[Path]:
    """Draw variables of a saved run, comparison or sweep file as `run.variable_panels`.

    One panel per variable, one line per scenario (a ``scenario`` dim), the median
    and 5-95 % band of the members (a sweep's ``sample`` dim counts as members, see
    `comparison.as_members`), and the seed's observed points where it has the series.

    Parameters
    ----------
    path : str or pathlib.Path
        NetCDF file written by the model (``engine="h5netcdf"``).
    variables : sequence of str, optional
        Variables to draw, one panel each, in this order. By default those of the
        comparison panels (`comparison.COMPARISON_PANELS`) for a file with a
        ``scenario`` dim, else `run.HOUSING_PANELS` and ``population_total``,
        whichever are in the file.
    out_dir : str or pathlib.Path
        Folder for the PNG, created if missing; ``<stem>_panels.png`` there is
        overwritten.
    observed : xarray.Dataset, optional
        Observed series (`calibration.observed.load_observed`, the default); pass
        ``xarray.Dataset()`` for none.
    title : str, optional
        Figure title; by default the file's name.

    Returns
    -------
    list of pathlib.Path
        The written PNG, ``out_dir / f"{stem}_panels.png"``.

    Raises
    ------
    model.errors.InputError
        The file is missing or unreadable; a variable is not in the file (the
        message lists up to `MAX_LISTED` that are, close matches first); no variable
        is requested or none of the default ones is in the file; a variable cannot
        be drawn as a line over ``year``/``time`` (see `run.variable_panels`).
    """
    path = Path(path)
    ds = read_netcdf(path)
    sweep = "sample" in ds.dims
    n_samples = int(ds.sizes.get("sample", 0))
    ds = as_members(ds)
    if variables is None:
        names = _default_file_variables(ds)
        if not names:
            raise InputError(
                str(path),
                "variables",
                "none of the default panels is in the file; name some; variables: "
                f"{_available_text(ds, [])}",
            )
    else:
        names = [str(v) for v in variables]
        if not names:
            raise InputError(str(path), "variables", "none requested")
        unknown = [n for n in names if n not in ds.data_vars]
        if unknown:
            raise InputError(
                str(path),
                ", ".join(unknown),
                f"not in the file; variables: {_available_text(ds, unknown)}",
            )
    heading = title or f"Anshan model: {path.name}"
    if sweep and title is None:
        heading += f" (sweep of {n_samples:,} samples drawn as members)"
    out = Path(out_dir) / f"{path.stem}_panels.png"
    return [variable_panels(ds, names, out, observed, title=heading)]
