"""Figures of a simulation Dataset: model lines and bands beside the seed's observations.

Every function here takes data (an `xarray.Dataset` from `model.engine.simulate`, or
one read back from NetCDF) and a path, draws with matplotlib's Agg backend on a figure
of its own, writes a PNG and returns the path. Nothing here reaches into the engine.

Building blocks
---------------
`plot_model`
    One model variable on one axes: a line for one member, the ensemble median
    and a 5-95 % band for several.
`plot_observed`
    The seed's observed points of one series as distinct markers.
`variable_panels`
    One panel per yearly or monthly variable, one line per ``scenario`` (or other
    extra dimension) value, observed points where the seed has the series; backs
    ``anshan-housing plot FILE.nc``.
`population_figure`
    The population sector against the seed's 2019 figures, with a pyramid.
`run_figures`
    The entry point of ``anshan-housing run --plot DIR``: draws every figure of
    `FIGURES` whose variables are in the Dataset.

Adding a figure
---------------
Append one `FigureSpec` to `FIGURES`: a file name, a drawing function
``draw(ds, path, observed) -> Path`` and the variables it needs. A figure made
only of variable panels needs no new function::

    FIGURES.append(
        FigureSpec(
            "housing.png",
            panel_figure(("sales_area", "average_price"), "Anshan housing market"),
            requires=("sales_area",),
        )
    )
"""

from __future__ import annotations

import itertools
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, never a window; must precede the pyplot import

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from anshan_housing.calibration.observed import load_observed  # noqa: E402
from anshan_housing.calibration.statistics import FitStatistics  # noqa: E402
from anshan_housing.model.errors import InputError  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.legend_handler import HandlerTuple  # noqa: E402
from matplotlib.ticker import MultipleLocator  # noqa: E402

#: Resolution of written PNGs (dots per inch): the population figure (13.5 x 8.4 in)
#: comes out at about 1620 x 1010 px, readable on a laptop screen without zooming.
DPI = 120

#: Width and height (inches) of one panel in `variable_panels`.
PANEL_SIZE = (4.6, 3.3)

#: Panels per row in `variable_panels`.
MAX_COLUMNS = 3

#: Percentiles (%) of the ensemble band; the line is the median.
BAND = (5.0, 95.0)

#: Most lines (scenarios x other dimension values) drawn in one panel: beyond this a
#: panel is unreadable, so `variable_panels` asks the caller to select.
MAX_LINES = 12

#: Colour of the model's line(s) when there is one series in a panel.
MODEL_COLOR = "tab:blue"

#: Style of the seed's observed points: red diamonds edged in black, drawn above the
#: model lines and bands.
OBSERVED_STYLE = {
    "marker": "D",
    "markersize": 7,
    "markerfacecolor": "tab:red",
    "markeredgecolor": "black",
    "linestyle": "none",
    "zorder": 5,
}

# Label prefix of ensemble bands: hidden from matplotlib's own legend (leading
# underscore) and merged with the median line of the same label by `legend`.
_BAND_PREFIX = "_band_"

#: Legend label of the observed points.
OBSERVED_LABEL = "seed (observed)"

#: Model variable -> observed series of `calibration.observed` when the names differ.
#: Same-named series (population_urban, urbanisation_rate, natural_growth_rate,
#: net_migration, and the housing series) are matched without an entry.
OBSERVED_NAMES: dict[str, str] = {
    "population_total": "population_resident",
    "share_60plus": "share_60plus_registered",
    "residential_inventory_yearly": "residential_inventory",
    "completions_commodity": "completions",
    "clearance_period_monthly": "clearance_period",
}

#: Display form of the unit strings used in the model and observed data.
UNIT_LABELS: dict[str, str] = {
    "person": "persons",
    "person/year": "persons/yr",
    "person/month": "persons/month",
    "household": "households",
    "household/year": "households/yr",
    "household/month": "households/month",
    "person/household": "persons/household",
    "percent": "%",
    "per_mille": "‰",
    "1e4 m**2": "10⁴ m² (wan m²)",
    "1e4 m**2/year": "10⁴ m²/yr",
    "1e4 m**2/month": "10⁴ m²/month",
    "1e8 yuan": "10⁸ yuan (yi yuan)",
    "1e8 yuan/year": "10⁸ yuan/yr",
    "yuan/m**2": "yuan/m²",
    "yuan/year": "yuan/yr",
    "m**2/person": "m²/person",
    "month": "months",
    "ha": "ha",
    "ha/year": "ha/yr",
    "hectare": "ha",
    "hectare/year": "ha/yr",
    "hectare/month": "ha/month",
    "1": "",
}

#: Head-count units that `display_scale` shows in thousands or millions.
COUNT_UNITS = {"person", "household"}

# Han ideographs and CJK punctuation: the bundled fonts (DejaVu) have no glyphs for
# them, and a missing glyph is a warning (an error under the test settings).
_CJK = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef"
_CJK_PARENS = re.compile(rf"\s*[(（][^()（）]*[{_CJK}][^()（）]*[)）]")
_CJK_CHARS = re.compile(rf"[{_CJK}]+")


# --------------------------------------------------------------------------- text


def plain_text(text: str) -> str:
    """Drop Chinese characters (and brackets holding them) that the fonts lack.

    Parameters
    ----------
    text : str
        A ``long_name`` such as ``"resident population (常住人口) by area"``.

    Returns
    -------
    str
        ``"resident population by area"``.
    """
    text = _CJK_PARENS.sub("", text)
    return re.sub(r"\s{2,}", " ", _CJK_CHARS.sub("", text)).strip()


def unit_label(units: str) -> str:
    """Readable form of a unit string: ``"1e4 m**2"`` -> ``"10⁴ m² (wan m²)"``."""
    if units in UNIT_LABELS:
        return UNIT_LABELS[units]
    return units.replace("**2", "²").replace("**3", "³")


def display_scale(units: str, values: np.ndarray) -> tuple[float, str]:
    """Divisor and axis label that keep head counts to a few digits.

    Parameters
    ----------
    units : str
        The variable's ``units`` attribute.
    values : numpy.ndarray
        Its values, in `units`.

    Returns
    -------
    divisor : float
        1, 1e3 or 1e6 for head counts (persons, households, also per year or month),
        else 1.
    label : str
        The axis label, e.g. ``"million persons"`` or ``"thousand persons/yr"``.
    """
    label = unit_label(units)
    if units.split("/")[0] not in COUNT_UNITS:
        return 1.0, label
    finite = np.abs(values[np.isfinite(values)])
    peak = float(finite.max()) if finite.size else 0.0
    if peak >= 1e6:
        return 1e6, f"million {label}"
    if peak >= 1e4:
        return 1e3, f"thousand {label}"
    return 1.0, label


def _wrap(text: str, width: int = 42) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


# ------------------------------------------------------------------ data checks


def _source(ds: xr.Dataset) -> str:
    return str(ds.attrs.get("source_file", "Dataset"))


def require(ds: xr.Dataset, names: Sequence[str], what: str) -> None:
    """Raise a clear error when variables a figure needs are not in the Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        The Dataset to draw.
    names : sequence of str
        Variables the figure needs.
    what : str
        The figure or function, quoted in the message.

    Raises
    ------
    model.errors.InputError
        Naming the missing variables and listing the ones available.
    """
    missing = [name for name in names if name not in ds.variables]
    if missing:
        available = ", ".join(sorted(map(str, ds.data_vars))) or "none"
        raise InputError(
            _source(ds),
            ", ".join(missing),
            f"{what} needs variable(s) {', '.join(repr(m) for m in missing)}, not in the "
            f"Dataset; available: {available}",
        )


def _x_dim(da: xr.DataArray) -> str:
    for dim in ("year", "time"):
        if dim in da.dims:
            return dim
    raise InputError(
        "Dataset",
        str(da.name),
        f"has dims {da.dims}; a panel needs a 'year' or 'time' dimension",
    )


def _x_values(da: xr.DataArray, x_dim: str) -> np.ndarray:
    return np.asarray(da[x_dim].values)


def _observed_x(years: np.ndarray, x_dim: str) -> np.ndarray:
    """Positions of yearly observations on a year axis or a monthly (December) axis."""
    if x_dim == "year":
        return years
    return np.array([np.datetime64(f"{int(y)}-12-01", "ns") for y in years])


def _observed_in_range(obs: xr.DataArray, x_dim: str, x_range: tuple) -> np.ndarray:
    """Values of a yearly observed series that `plot_observed` draws inside `x_range`."""
    x = _observed_x(obs["year"].values, x_dim)
    keep = (x >= x_range[0]) & (x <= x_range[1])
    return np.asarray(obs.values, dtype=float)[keep]


# ------------------------------------------------------------------ drawing blocks


def _cap_infinite(values: np.ndarray) -> np.ndarray:
    """Infinite values (a clearance period without sales) at the largest finite magnitude.

    A band bound computed with an infinite member would be infinite or NaN, and
    matplotlib leaves a gap in the band there; capped, the band runs off the axis.
    """
    values = np.asarray(values, dtype=float)
    infinite = np.isinf(values)
    if not infinite.any():
        return values
    finite = values[np.isfinite(values)]
    cap = float(np.abs(finite).max()) if finite.size else 1.0
    return np.clip(values, -cap, cap)


def plot_model(
    ax: Axes,
    da: xr.DataArray,
    *,
    scale: float = 1.0,
    color: str = MODEL_COLOR,
    label: str = "model",
    band: bool = True,
    band_alpha: float = 0.2,
    **line_kwargs,
) -> None:
    """Draw one model series: a line, or the ensemble median and a 5-95 % band.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    da : xarray.DataArray
        Dims ``year`` or ``time``, optionally ``member``; no other dims.
    scale : float
        Divisor applied to the values (1e6 to draw persons in millions).
    color : str
        Matplotlib colour of line and band.
    label : str
        Legend label; with a band, `legend` shows band and median as one entry.
    band : bool
        Draw the band when there are several members.
    band_alpha : float
        Opacity of the band, 0-1 (lower when many bands overlap).
    **line_kwargs
        Passed to `Axes.plot` (linestyle, linewidth ...).
    """
    x_dim = _x_dim(da)
    extra = [d for d in da.dims if d not in (x_dim, "member")]
    if extra:
        raise ValueError(f"plot_model: select or reduce dims {extra} of {da.name!r} first")
    x = _x_values(da, x_dim)
    if "member" in da.dims and da.sizes["member"] > 1:
        values = da.transpose("member", x_dim).values / scale
        mid = np.nanpercentile(values, 50.0, axis=0)
        low, high = np.nanpercentile(_cap_infinite(values), list(BAND), axis=0)
        if band:
            ax.fill_between(
                x,
                low,
                high,
                color=color,
                alpha=band_alpha,
                linewidth=0,
                label=f"{_BAND_PREFIX}{label}",
            )
        ax.plot(x, mid, color=color, label=label, **line_kwargs)
    else:
        values = da.squeeze("member", drop=True) if "member" in da.dims else da
        ax.plot(x, values.values / scale, color=color, label=label, **line_kwargs)


def plot_observed(
    ax: Axes,
    years: np.ndarray,
    values: np.ndarray,
    *,
    scale: float = 1.0,
    x_dim: str = "year",
    x_range: tuple | None = None,
    label: str | None = OBSERVED_LABEL,
    **style,
) -> int:
    """Draw observed yearly values as markers.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    years : numpy.ndarray of int
        Observation years.
    values : numpy.ndarray of float
        Observed values, in the model variable's units.
    scale : float
        Divisor, the same as the model line's.
    x_dim : {"year", "time"}
        Axis kind: on a monthly axis a year's value sits at its December.
    x_range : tuple, optional
        ``(first, last)`` x of the model; points outside are not drawn, so a
        2015 observation does not stretch a 2016-2025 axis.
    label : str or None
        Legend label; None for none (a second series sharing the first's entry).
    **style
        Overrides of `OBSERVED_STYLE` (e.g. ``markerfacecolor``).

    Returns
    -------
    int
        Number of points drawn.
    """
    x = _observed_x(np.asarray(years), x_dim)
    y = np.asarray(values, dtype=float) / scale
    if x_range is not None:
        keep = (x >= x_range[0]) & (x <= x_range[1])
        x, y = x[keep], y[keep]
    if x.size:
        ax.plot(x, y, label=label, **{**OBSERVED_STYLE, **style})
    return int(x.size)


def _observed_series(
    observed: xr.Dataset, name: str, names: Mapping[str, str]
) -> xr.DataArray | None:
    key = names.get(name, OBSERVED_NAMES.get(name, name))
    if key not in observed.data_vars:
        return None
    da = observed[key]
    return da if int(da.notnull().sum()) else None


def units_compatible(observed_units: str, model_units: str, x_dim: str = "year") -> bool:
    """Whether observed values can be drawn on a model variable's axis as they are.

    The seed states yearly flows without "per year" (sales area in ``1e4 m**2`` in
    the year), so on a yearly axis ``"X"`` matches a model's ``"X/year"``.

    Parameters
    ----------
    observed_units, model_units : str
        The ``units`` attributes; an empty one matches anything.
    x_dim : {"year", "time"}
        The panel's axis.

    Returns
    -------
    bool
    """
    if not observed_units or not model_units or observed_units == model_units:
        return True
    return x_dim == "year" and model_units == f"{observed_units}/year"


def _observed_label(da: xr.DataArray) -> str:
    if str(da.attrs.get("scope", "")).endswith("registered"):
        return f"{OBSERVED_LABEL}, registered pop."
    return OBSERVED_LABEL


def _format_x(ax: Axes, x_dim: str) -> None:
    if x_dim == "year":
        ax.xaxis.set_major_locator(MultipleLocator(2))
        ax.xaxis.set_minor_locator(MultipleLocator(1))
        ax.set_xlabel("year")
    else:
        ax.xaxis.set_major_locator(mdates.YearLocator(2))
        ax.xaxis.set_minor_locator(mdates.YearLocator(1))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        ax.set_xlabel("month")
    ax.grid(True, alpha=0.3)


def _note(ax: Axes, text: str) -> None:
    ax.text(
        0.5,
        0.5,
        _wrap(text, 36),
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=9,
        color="0.35",
    )


def legend(ax: Axes, **kwargs) -> None:
    """Draw the legend, one entry per model series with its band and median line.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes drawn with `plot_model` and `plot_observed`; no legend if nothing
        is labelled.
    **kwargs
        Passed to `Axes.legend` (loc, ncols, title ...).
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    bands = {
        str(c.get_label())[len(_BAND_PREFIX) :]: c
        for c in ax.collections
        if str(c.get_label()).startswith(_BAND_PREFIX)
    }
    handles = [
        (bands[lab], h) if lab in bands else h for h, lab in zip(handles, labels, strict=True)
    ]
    ax.legend(
        handles,
        labels,
        handler_map={tuple: HandlerTuple(ndivide=1)},
        fontsize=8,
        framealpha=0.85,
        **kwargs,
    )


def _members(ds: xr.Dataset) -> int:
    return int(ds.sizes.get("member", 1))


def _ensemble_note(ds: xr.Dataset) -> str:
    n = _members(ds)
    if n > 1:
        note = f"ensemble of {n:,} members: median and {BAND[0]:g}–{BAND[1]:g} % band"
    else:
        note = "one run"
    if "scenario" in ds.dims:
        note = f"{ds.sizes['scenario']} scenarios; {note} each"
    return note


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path


def _load_default_observed(observed: xr.Dataset | None) -> xr.Dataset:
    return load_observed() if observed is None else observed


# ------------------------------------------------------------------ generic panels


def _line_keys(da: xr.DataArray, x_dim: str) -> list[dict]:
    """One selection dict per line: every combination of the non-member, non-x dims."""
    dims = [d for d in da.dims if d not in (x_dim, "member")]
    dims.sort(key=lambda d: d != "scenario")  # scenario first in labels
    if not dims:
        return [{}]
    combos = list(itertools.product(*(da[d].values for d in dims)))
    if len(combos) > MAX_LINES:
        sizes = ", ".join(f"{d}={da.sizes[d]}" for d in dims)
        raise InputError(
            "Dataset",
            str(da.name),
            f"would need {len(combos)} lines ({sizes}); at most {MAX_LINES} per panel: "
            f"select or sum over a dimension first, e.g. ds.sum('{dims[-1]}')",
        )
    return [dict(zip(dims, combo, strict=True)) for combo in combos]


def _draw_variable(
    ax: Axes,
    ds: xr.Dataset,
    name: str,
    observed: xr.Dataset,
    observed_names: Mapping[str, str],
) -> None:
    da = ds[name]
    x_dim = _x_dim(da)
    units = str(da.attrs.get("units", ""))
    scale, ylabel = display_scale(units, np.asarray(da.values, dtype=float))
    keys = _line_keys(da, x_dim)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, key in enumerate(keys):
        label = ", ".join(str(v) for v in key.values()) or "model"
        color = MODEL_COLOR if len(keys) == 1 else colors[i % len(colors)]
        plot_model(ax, da.sel(key), scale=scale, color=color, label=label)
    obs = _observed_series(observed, name, observed_names)
    seen = np.array([])
    if obs is not None:
        obs_units = str(obs.attrs.get("units", ""))
        if not units_compatible(obs_units, units, x_dim):
            ax.text(
                0.02,
                0.02,
                f"seed '{obs.name}' not drawn: {obs_units} vs {units}",
                transform=ax.transAxes,
                fontsize=7,
                color="0.4",
            )
        else:
            valid = obs.dropna("year")
            x = _x_values(da, x_dim)
            plot_observed(
                ax,
                valid["year"].values,
                valid.values,
                scale=scale,
                x_dim=x_dim,
                x_range=(x.min(), x.max()),
                label=_observed_label(obs),
            )
            seen = _observed_in_range(valid, x_dim, (x.min(), x.max())) / scale
    note = {}
    if "member" in da.dims and da.sizes["member"] > 1:  # wide bands must not hide medians
        core = _core_limits(da.median("member").values / scale, seen)
        if core is not None and _clip_bands(ax, da, x_dim, scale, core):
            note = {
                "title": f"{BAND[0]:g}–{BAND[1]:g} % bands cut at the axis",
                "title_fontsize": 7.5,
            }
    ax.set_title(_wrap(plain_text(str(da.attrs.get("long_name", name)))), fontsize=10)
    ax.set_ylabel(ylabel or "(dimensionless)")
    _format_x(ax, x_dim)
    legend(ax, **note)


def variable_panels(
    ds: xr.Dataset,
    names: Sequence[str],
    path: str | Path,
    observed: xr.Dataset | None = None,
    *,
    observed_names: Mapping[str, str] | None = None,
    title: str | None = None,
    missing: str = "raise",
) -> Path:
    """One panel per yearly or monthly variable, with the seed's observed points.

    Each panel draws one line per value of the dimensions other than ``member`` and
    ``year``/``time`` (a ``scenario`` dimension gives one line per scenario, an
    ``area`` dimension one per area), each with the ensemble median and 5-95 % band
    when there are several members, and the seed's observations of the same series.

    Parameters
    ----------
    ds : xarray.Dataset
        Model output (dims ``member``, ``year`` or ``time``, optionally
        ``scenario``); every variable with ``units`` and ``long_name``.
    names : sequence of str
        Variables to draw, one panel each, in this order.
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    observed : xarray.Dataset, optional
        Observed series on a ``year`` dim (see `calibration.observed.load_observed`,
        the default); pass ``xarray.Dataset()`` to draw none.
    observed_names : mapping of str to str, optional
        Model variable -> observed series name, added to `OBSERVED_NAMES`; a variable
        with neither an entry nor a same-named series gets no points. Observed
        points are drawn only when their units equal the variable's.
    title : str, optional
        Figure title; a note on the ensemble size is added below it.
    missing : {"raise", "skip"}
        What to do with names not in `ds`: raise, or leave them out (a figure drawn
        from whatever of a list the model already has).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        A variable is missing (with ``missing="raise"``, or none is left), has no
        ``year``/``time`` dimension, or would need more than `MAX_LINES` lines.
    ValueError
        `missing` is not ``"raise"`` or ``"skip"``.
    """
    if missing not in ("raise", "skip"):
        raise ValueError(f"missing={missing!r}; allowed: 'raise', 'skip'")
    names = list(names)
    if missing == "raise" or not any(n in ds.data_vars for n in names):
        require(ds, names, "variable_panels")
    names = [n for n in names if n in ds.data_vars]
    observed = _load_default_observed(observed)
    mapping = {**OBSERVED_NAMES, **(observed_names or {})}
    ncols = min(MAX_COLUMNS, len(names))
    nrows = -(-len(names) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(PANEL_SIZE[0] * ncols, PANEL_SIZE[1] * nrows + 0.9),
        squeeze=False,
        layout="constrained",
    )
    try:
        for ax, name in zip(axes.flat, names, strict=False):
            _draw_variable(ax, ds, name, observed, mapping)
        for ax in axes.flat[len(names) :]:
            ax.set_axis_off()
        fig.suptitle(f"{title or 'Anshan model'}\n{_ensemble_note(ds)}", fontsize=12, weight="bold")
    except BaseException:
        plt.close(fig)
        raise
    return _save(fig, path)


def panel_figure(
    names: Sequence[str],
    title: str,
    observed_names: Mapping[str, str] | None = None,
) -> Callable[[xr.Dataset, Path, xr.Dataset | None], Path]:
    """A `FIGURES` drawing function made of `variable_panels` of some variables.

    Parameters
    ----------
    names : sequence of str
        Variables, one panel each; those missing from a Dataset are left out.
    title : str
        Figure title.
    observed_names : mapping of str to str, optional
        As in `variable_panels`.

    Returns
    -------
    callable
        ``draw(ds, path, observed) -> Path``.
    """

    def draw(ds: xr.Dataset, path: Path, observed: xr.Dataset | None = None) -> Path:
        return variable_panels(
            ds,
            names,
            path,
            observed,
            observed_names=observed_names,
            title=title,
            missing="skip",
        )

    return draw


# ------------------------------------------------------------------ population


def _yearly_sum_area(ds: xr.Dataset, name: str) -> xr.DataArray | None:
    if name not in ds.data_vars:
        return None
    da = ds[name]
    return da.sum("area") if "area" in da.dims else da


def _model_range(ds: xr.Dataset) -> tuple:
    years = ds["year"].values
    return years.min(), years.max()


def _observed_points(
    ax: Axes,
    observed: xr.Dataset,
    series: str,
    x_range: tuple,
    *,
    scale: float = 1.0,
    label: str | None = OBSERVED_LABEL,
    **style,
) -> int:
    if series not in observed.data_vars:
        return 0
    da = observed[series].dropna("year")
    return plot_observed(
        ax,
        da["year"].values,
        da.values,
        scale=scale,
        x_range=x_range,
        label=label,
        **style,
    )


def _pyramid_panel(ax: Axes, ds: xr.Dataset) -> None:
    ax.set_title("residents by single year of age, end of year", fontsize=10)
    if "population_by_age" not in ds.data_vars:
        ax.set_axis_off()
        ax.set_title("residents by age", fontsize=10)
        _note(
            ax,
            "population_by_age not in the Dataset (the engine records it for "
            "ensembles of at most 1,000 members, or with record_age=True): "
            "no pyramid",
        )
        return
    da = ds["population_by_age"]
    if "area" in da.dims:
        da = da.sum("area")
    if "member" in da.dims:
        da = da.median("member")
    extra = [d for d in da.dims if d not in ("year", "age")]
    if extra:  # a scenario dim: the pyramid shows the first
        da = da.isel({d: 0 for d in extra})
    ages = da["age"].values
    edges = np.append(ages, ages[-1] + 1) - 0.5
    first, last = int(ds["year"].values[0]), int(ds["year"].values[-1])
    ax.stairs(
        da.sel(year=first).values / 1e3,
        edges,
        orientation="horizontal",
        fill=True,
        color="0.75",
        label=str(first),
    )
    ax.stairs(
        da.sel(year=last).values / 1e3,
        edges,
        orientation="horizontal",
        color="tab:purple",
        linewidth=1.5,
        label=str(last),
    )
    ax.axhline(60, color="0.4", linestyle=":", linewidth=1)
    ax.text(
        0.01,
        61,
        "age 60",
        transform=ax.get_yaxis_transform(),
        va="bottom",
        fontsize=8,
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1},
    )
    ax.set_ylim(edges[0], edges[-1])
    ax.set_xlim(left=0)
    ax.set_xlabel("thousand persons per year of age")
    ax.set_ylabel(f"age (years; {int(ages[-1])} = {int(ages[-1])}+)")
    ax.grid(True, alpha=0.3)
    note = ", ensemble median" if _members(ds) > 1 else ""
    legend(ax, title=f"urban + rural{note}", title_fontsize=8, loc="upper right")


def population_figure(ds: xr.Dataset, path: str | Path, observed: xr.Dataset | None = None) -> Path:
    """The population sector, 2016-2025, against the seed's observed figures.

    Six panels: total residents, urban residents, natural growth rate, migration
    (in, out, net), share aged 60+ and a pyramid of the first against the last
    year (urban + rural by single year of age). Model lines for one member, median
    and 5-95 % band for an ensemble; the seed's figures as red diamonds.

    Parameters
    ----------
    ds : xarray.Dataset
        From `model.engine.simulate`: needs ``population_total`` (person); draws
        ``population_urban`` (person), ``natural_growth_rate`` (per mille),
        ``in_migration_yearly``/``out_migration_yearly`` (person/year, by area),
        ``net_migration`` (person/year), ``share_60plus`` (percent) and
        ``population_by_age`` (person) when present, and a note in their place
        when not. A ``scenario`` dim, if any, is shown at its first value; use
        `variable_panels` to compare scenarios.
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    observed : xarray.Dataset, optional
        Observed series (`calibration.observed.load_observed`, the default); pass
        ``xarray.Dataset()`` for none.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If ``population_total`` is not in `ds`.
    """
    require(ds, ["population_total"], "population_figure")
    if "scenario" in ds.dims:
        ds = ds.isel(scenario=0)
    observed = _load_default_observed(observed)
    x_range = _model_range(ds)
    fig, axes = plt.subplots(2, 3, figsize=(13.5, 8.4), layout="constrained")
    try:
        _population_panels(axes.flat, ds, observed, x_range)
        fig.suptitle(
            "Anshan resident population 2016–2025: model against the seed plan\n"
            f"{_ensemble_note(ds)}",
            fontsize=13,
            weight="bold",
        )
    except BaseException:
        plt.close(fig)
        raise
    return _save(fig, path)


def _missing_panel(ax: Axes, title: str, name: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    _note(ax, f"{name} not in the Dataset")


def _population_panels(axes, ds: xr.Dataset, observed: xr.Dataset, x_range) -> None:
    ax_total, ax_urban, ax_growth, ax_migration, ax_old, ax_pyramid = axes

    # residents, total and urban (millions)
    for ax, name, series, title in (
        (ax_total, "population_total", "population_resident", "total residents"),
        (ax_urban, "population_urban", "population_urban", "urban residents"),
    ):
        if name not in ds.data_vars:
            _missing_panel(ax, title, name)
            continue
        plot_model(ax, ds[name], scale=1e6)
        _observed_points(ax, observed, series, x_range, scale=1e6)
        ax.set_title(f"{title}, end of year", fontsize=10)
        ax.set_ylabel("million persons")
        _format_x(ax, "year")
        legend(ax)
    if "urbanisation_rate" in ds.data_vars and "population_urban" in ds.data_vars:
        rate = ds["urbanisation_rate"]
        rate = rate.median("member") if "member" in rate.dims else rate
        text = (
            f"urbanisation rate {float(rate.isel(year=0)):.1f} % ({int(x_range[0])})"
            f" → {float(rate.isel(year=-1)):.1f} % ({int(x_range[1])})"
        )
        if "urbanisation_rate" in observed.data_vars:
            seen = observed["urbanisation_rate"].dropna("year")
            if seen.size:
                text += f"\nseed {int(seen.year[-1])}: {float(seen[-1]):.1f} %"
        ax_urban.text(0.02, 0.03, text, transform=ax_urban.transAxes, fontsize=8, color="0.3")

    # natural growth rate (per mille)
    if "natural_growth_rate" in ds.data_vars:
        plot_model(ax_growth, ds["natural_growth_rate"])
        _observed_points(ax_growth, observed, "natural_growth_rate", x_range)
        mean_name = "natural_growth_rate_mean_2015_2019"
        if mean_name in observed.data_vars and int(observed[mean_name].notnull().sum()):
            mean = float(observed[mean_name].dropna("year").values[-1])
            ax_growth.hlines(
                mean,
                x_range[0],
                2019,
                colors="tab:red",
                linestyles="--",
                linewidth=1.5,
                label=f"seed 2015–19 mean ({mean:+.2f} ‰)",
            )
        ax_growth.axhline(0, color="0.5", linewidth=0.8)
        ax_growth.set_title("natural growth rate (births − deaths)", fontsize=10)
        ax_growth.set_ylabel("‰ of residents per year")
        _format_x(ax_growth, "year")
        legend(ax_growth, loc="lower left")
    else:
        _missing_panel(ax_growth, "natural growth rate", "natural_growth_rate")

    # migration (thousand persons per year)
    flows = (
        ("in_migration_yearly", "in_migration", "in-migration", "tab:green"),
        ("out_migration_yearly", "out_migration", "out-migration", "tab:orange"),
        ("net_migration", "net_migration", "net (in − out)", MODEL_COLOR),
    )
    drawn = 0
    for name, series, label, color in flows:
        da = _yearly_sum_area(ds, name)
        if da is None:
            continue
        plot_model(ax_migration, da, scale=1e3, color=color, label=label)
        _observed_points(
            ax_migration,
            observed,
            series,
            x_range,
            scale=1e3,
            label=None,
            markerfacecolor=color,
        )
        drawn += 1
    if drawn:
        ax_migration.plot(  # one legend entry for the points coloured by series
            [], [], label=OBSERVED_LABEL, **{**OBSERVED_STYLE, "markerfacecolor": "0.75"}
        )
        ax_migration.axhline(0, color="0.5", linewidth=0.8)
        ax_migration.set_title("migration into and out of the city", fontsize=10)
        ax_migration.set_ylabel("thousand persons/yr")
        _format_x(ax_migration, "year")
        low, high = ax_migration.get_ylim()
        ax_migration.set_ylim(low, high + 0.3 * (high - low))  # room for the legend
        legend(ax_migration, loc="upper center", ncols=2)
    else:
        _missing_panel(ax_migration, "migration", "net_migration")

    # share aged 60+ (percent)
    if "share_60plus" in ds.data_vars:
        plot_model(ax_old, ds["share_60plus"], label="model (residents)")
        _observed_points(
            ax_old,
            observed,
            "share_60plus_registered",
            x_range,
            label="seed 2019: 26.2 % of registered\n(hukou) population",
        )
        ax_old.set_title("share of residents aged 60+", fontsize=10)
        ax_old.set_ylabel("% of residents")
        _format_x(ax_old, "year")
        legend(ax_old, loc="upper left")
    else:
        _missing_panel(ax_old, "share aged 60+", "share_60plus")

    _pyramid_panel(ax_pyramid, ds)


# ------------------------------------------------------------------ registry


@dataclass(frozen=True)
class FigureSpec:
    """One figure of `run_figures`.

    Attributes
    ----------
    filename : str
        File written into the output folder, e.g. ``"population.png"``.
    draw : callable
        ``draw(ds, path, observed) -> Path``.
    requires : tuple of str
        Variables that must all be in the Dataset for the figure to be drawn.
    """

    filename: str
    draw: Callable[[xr.Dataset, Path, xr.Dataset | None], Path]
    requires: tuple[str, ...]

    def available(self, ds: xr.Dataset) -> bool:
        """Whether every required variable is in `ds`."""
        return all(name in ds.data_vars for name in self.requires)


#: Figures of ``anshan-housing run --plot DIR``, in drawing order.
HOUSING_PANELS = (
    "sales_area",
    "average_price",
    "presale_permits",
    "residential_inventory_yearly",
    "clearance_period",
    "development_investment",
    "per_capita_floor_area",
    "land_transacted_yearly",
)
FIGURES: list[FigureSpec] = [
    FigureSpec("population.png", population_figure, ("population_total",)),
    FigureSpec(
        "housing.png",
        panel_figure(HOUSING_PANELS, "Anshan housing market 2016-2025: model and seed"),
        ("sales_area",),
    ),
]


def run_figures(
    ds: xr.Dataset,
    out_dir: str | Path,
    observed: xr.Dataset | None = None,
    figures: Sequence[FigureSpec] | None = None,
) -> list[Path]:
    """Write every figure whose variables are in the Dataset.

    Parameters
    ----------
    ds : xarray.Dataset
        Model output from `model.engine.simulate`.
    out_dir : str or pathlib.Path
        Folder for the PNGs; created (with parents) if missing. Existing files of
        the same names are overwritten (the command line asks for ``--force``).
    observed : xarray.Dataset, optional
        Observed series; `calibration.observed.load_observed` by default.
    figures : sequence of FigureSpec, optional
        Figures to consider; `FIGURES` by default. A figure whose required
        variables are not all in `ds` is skipped.

    Returns
    -------
    list of pathlib.Path
        Written files, in the order of `figures`.

    Raises
    ------
    model.errors.InputError
        If no figure can be drawn: the message lists what each one needs.
    """
    figures = FIGURES if figures is None else list(figures)
    drawable = [spec for spec in figures if spec.available(ds)]
    if not drawable:
        needs = "; ".join(f"{s.filename}: {', '.join(s.requires)}" for s in figures)
        raise InputError(
            _source(ds),
            "variables",
            f"no figure can be drawn from this Dataset; the figures need: {needs or '-'}",
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    observed = _load_default_observed(observed)
    return [spec.draw(ds, out_dir / spec.filename, observed) for spec in drawable]


# ------------------------------------------------------------------ calibration fit


def _fit_series(
    ds: xr.Dataset, observed: xr.Dataset, name: str, series: str
) -> tuple[xr.DataArray, xr.DataArray]:
    """Model variable (yearly, dims member and year only) and its observed series."""
    da = ds[name]
    if "scenario" in da.dims:
        da = da.isel(scenario=0)
    if "year" not in da.dims:
        raise InputError(
            _source(ds),
            name,
            f"has dims {da.dims}; fit_figure compares yearly variables (a 'year' dim)",
        )
    extra = [d for d in da.dims if d not in ("year", "member")]
    if extra:
        raise InputError(
            _source(ds),
            name,
            f"has dims {da.dims}; fit_figure draws one line per panel: select or sum "
            f"over {', '.join(repr(d) for d in extra)} first",
        )
    if series not in observed.data_vars:
        available = ", ".join(sorted(map(str, observed.data_vars))) or "none"
        raise InputError(
            "observed dataset",
            series,
            f"mapping sends {name!r} to observed series {series!r}, which is not in the "
            f"observed data; available: {available}",
        )
    obs = observed[series]
    units, obs_units = str(da.attrs.get("units", "")), str(obs.attrs.get("units", ""))
    if not units_compatible(obs_units, units):
        raise InputError(
            "observed dataset",
            series,
            f"units {obs_units!r} cannot be drawn on the axis of {name!r} ({units!r})",
        )
    return da, obs.dropna("year")


def _fit_text(stats: FitStatistics | None) -> str:
    """Second title line of a `fit_figure` panel: the fit statistics of its series."""
    if stats is None:
        return "no fit statistics"
    percent = 100 * stats.mape
    mape = f"MAPE {percent:.2f} %" if percent < 1 else f"MAPE {percent:.1f} %"
    if stats.single_point:
        return f"{mape}  (one observed year: no R², U)"
    return (  # mathtext: Theil's capital superscripts, which Unicode lacks for S and C
        f"{mape}  R² {stats.r2:.2f}  $U^M$ {stats.um:.2f}  $U^S$ {stats.us:.2f}  "
        f"$U^C$ {stats.uc:.2f}"
    )


#: Key to the statistics in the titles of `fit_figure`.
_FIT_KEY = (
    "MAPE: mean absolute percent error\n"
    "R²: squared correlation of model and seed\n"
    "$U^M$, $U^S$, $U^C$: shares of the mean square error due to\n"
    "unequal means (bias), unequal variation and\n"
    "imperfect covariation (Theil; Sterman 1984)"
)


def _fit_legend(fig: Figure, axes: np.ndarray, n_panels: int) -> None:
    """One legend for all panels (from the first) with the key to the statistics.

    In the first unused grid cell when there is one, else below the panels.
    """
    ax = axes.flat[0]
    handles, labels = ax.get_legend_handles_labels()
    bands = {
        str(c.get_label())[len(_BAND_PREFIX) :]: c
        for c in ax.collections
        if str(c.get_label()).startswith(_BAND_PREFIX)
    }
    handles = [
        (bands[lab], h) if lab in bands else h for h, lab in zip(handles, labels, strict=True)
    ]
    style = {
        "handler_map": {tuple: HandlerTuple(ndivide=1)},
        "title": _FIT_KEY,
        "title_fontsize": 8.5,
        "fontsize": 9,
        "alignment": "left",
    }
    if n_panels < axes.size:
        spare = axes.flat[n_panels]
        spare.legend(handles, labels, loc="center", frameon=False, **style)
    else:
        fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), **style)


def fit_figure(
    ds: xr.Dataset,
    observed: xr.Dataset | None,
    table: Mapping[str, FitStatistics],
    path: str | Path,
    *,
    mapping: Mapping[str, str],
    title: str | None = None,
    period: tuple[int, int] = (2016, 2019),
) -> Path:
    """The calibrated series against the seed, one panel each, with their fit statistics.

    Each panel draws a model variable (a line for one member, the median and
    5-95 % band for an ensemble) and the seed's observations of it, titled with the
    observed series' name and its statistics from `table`, e.g.
    ``"sales area"`` over ``"MAPE 3.2 %  R² 0.91  Uᴹ 0.05  Uˢ 0.10  Uᶜ 0.85"`` (the U
    with capital superscripts, in mathtext).
    When the run reaches beyond `period` the whole run is drawn and `period` is
    shaded as the calibration period.

    Parameters
    ----------
    ds : xarray.Dataset
        Model output (`model.engine.simulate`): the variables of `mapping` on dims
        ``year`` and optionally ``member``, with ``units`` and ``long_name``. A
        ``scenario`` dim, if any, is shown at its first value.
    observed : xarray.Dataset or None
        Observed series on a ``year`` dim (`calibration.observed.load_observed`, used
        when None).
    table : mapping of str to calibration.statistics.FitStatistics
        Observed series name -> its fit statistics (`calibration.statistics.fit_statistics`);
        a series without an entry is drawn with "no fit statistics" in its title.
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    mapping : mapping of str to str
        Model variable -> observed series name, one panel each in this order, e.g.
        ``{"population_total": "population_resident"}``. Observed values are
        drawn in the variable's units (the seed states a yearly flow in
        ``"1e4 m**2"`` where the model has ``"1e4 m**2/year"``); head counts in
        thousands or millions (`display_scale`).
    title : str, optional
        Figure title; a note on the ensemble size is added below it.
    period : tuple of int
        First and last year of the calibration period (inclusive).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If `mapping` is empty or names a variable not in `ds` or a series not in
        `observed`, a variable has no ``year`` dim or other dims than ``member``
        (and ``scenario``), or its units differ from the observed series'.
    TypeError
        If a value of `table` is not a `FitStatistics`.
    """
    if not mapping:
        raise InputError(_source(ds), "mapping", "fit_figure needs at least one variable")
    require(ds, list(mapping), "fit_figure")
    wrong = {k: type(v).__name__ for k, v in table.items() if not isinstance(v, FitStatistics)}
    if wrong:
        raise TypeError(f"fit_figure: table values must be FitStatistics, got {wrong}")
    observed = _load_default_observed(observed)
    pairs = [(series, *_fit_series(ds, observed, name, series)) for name, series in mapping.items()]
    first, last = (int(y) for y in _model_range(ds))
    shade = first < period[0] or last > period[1]
    ncols = min(MAX_COLUMNS, len(pairs))
    nrows = -(-len(pairs) // ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(PANEL_SIZE[0] * ncols, (PANEL_SIZE[1] + 0.35) * nrows + 0.9),
        squeeze=False,
        layout="constrained",
    )
    try:
        for ax, (series, da, obs) in zip(axes.flat, pairs, strict=False):
            units = str(da.attrs.get("units", ""))
            scale, ylabel = display_scale(units, np.asarray(da.values, dtype=float))
            if shade:
                ax.axvspan(
                    period[0] - 0.5,
                    period[1] + 0.5,
                    color="0.9",
                    zorder=0,
                    label="calibration period",
                )
            plot_model(ax, da, scale=scale)
            plot_observed(
                ax,
                obs["year"].values,
                obs.values,
                scale=scale,
                x_range=(first, last),
                label=_observed_label(obs),
            )
            ax.set_xlim(first - 0.5, last + 0.5)
            ax.margins(y=0.08)  # room for the diamonds at the top and bottom
            ax.set_title(f"{series.replace('_', ' ')}\n{_fit_text(table.get(series))}", fontsize=10)
            ax.set_ylabel(ylabel or "(dimensionless)")
            _format_x(ax, "year")
            if last - first < 6:  # a short run: every year labelled
                ax.xaxis.set_major_locator(MultipleLocator(1))
        for ax in axes.flat[len(pairs) :]:
            ax.set_axis_off()
        _fit_legend(fig, axes, len(pairs))
        heading = (
            title or f"Anshan model against the seed, calibration period {period[0]}–{period[1]}"
        )
        fig.suptitle(f"{heading}\n{_ensemble_note(ds)}", fontsize=12, weight="bold")
    except BaseException:
        plt.close(fig)
        raise
    return _save(fig, path)


# ------------------------------------------------------------------ scenario comparison

#: First and last year of the Anshan 2021-2025 housing plan, shaded in `comparison_figure`.
PLAN_PERIOD = (2021, 2025)

#: Fill colour of the plan period, and colour of the plan's targets (the clearance
#: band, the floor-area line): a grey that no scenario line has.
PLAN_PERIOD_COLOR = "#fbeed2"
TARGET_COLOR = "0.35"

# The plan's clearance band: hatched, so that it stands out from the (grey where
# several overlap) ensemble bands it is drawn over.
_TARGET_BAND_STYLE = {
    "facecolor": (0.35, 0.35, 0.35, 0.12),
    "edgecolor": TARGET_COLOR,
    "hatch": "///",
    "linewidth": 0.8,
    "zorder": 1.5,
}

#: Line colours of the scenarios in `comparison_figure`: the tab10 palette without red,
#: which marks the seed's observed points, and grey, which marks the plan's targets.
#: From the tenth scenario on the colours repeat with dashed lines.
SCENARIO_COLORS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:purple",
    "tab:brown",
    "tab:pink",
    "tab:olive",
    "tab:cyan",
    "black",
)

#: Panels of `comparison_figure`: model variable and panel title. The clearance
#: period is drawn monthly (``clearance_period_monthly``) when the Dataset has it.
COMPARISON_PANELS: tuple[tuple[str, str], ...] = (
    ("land_transacted_yearly", "residential land supplied"),
    ("presale_permits", "new presale permits (commodity housing)"),
    ("residential_inventory_yearly", "unsold residential inventory, end of year"),
    ("clearance_period", "clearance period (inventory / monthly sales)"),
    ("average_price", "average sales price"),
    ("per_capita_floor_area", "residential floor area per urban resident"),
    ("population_total", "resident population, end of year"),
)

#: Most variable names quoted in the message of an unknown variable in `plot_file`.
MAX_LISTED = 15


def as_members(ds: xr.Dataset) -> xr.Dataset:
    """Treat a sweep's ``sample`` dimension as ensemble members.

    Parameters
    ----------
    ds : xarray.Dataset
        Model output; a parameter sweep has a ``sample`` dimension instead of (or
        besides) ``member``.

    Returns
    -------
    xarray.Dataset
        `ds` itself without a ``sample`` dimension; else ``sample`` renamed
        ``member``, or, when both are present, the two stacked into one
        ``member`` dimension of ``sample x member`` runs, so that the figures draw
        the median and 5-95 % band over all of them.
    """
    if "sample" not in ds.dims:
        return ds
    if "member" not in ds.dims:
        return ds.rename({"sample": "member"})
    stacked = ds.stack(_runs=("sample", "member"), create_index=False)
    stacked = stacked.drop_vars(
        [c for c in ("sample", "member") if c in stacked.coords], errors="ignore"
    )
    return stacked.rename({"_runs": "member"})


def _comparison_names(ds: xr.Dataset) -> list[str]:
    """Variables of the comparison panels, the monthly clearance period if present."""
    names = [name for name, _ in COMPARISON_PANELS]
    if "clearance_period_monthly" in ds.data_vars:
        names[names.index("clearance_period")] = "clearance_period_monthly"
    return names


def _scenario_style(i: int) -> dict:
    """Colour and line style of the i-th scenario (0-based)."""
    n = len(SCENARIO_COLORS)
    return {"color": SCENARIO_COLORS[i % n], "linestyle": "-" if i < n else "--"}


def _shade_plan_period(ax: Axes, x_dim: str, x: np.ndarray) -> None:
    """Shade the plan period on a year axis or a monthly axis."""
    first, last = PLAN_PERIOD
    if x_dim == "year":
        ax.axvspan(first - 0.5, last + 0.5, color=PLAN_PERIOD_COLOR, zorder=0, linewidth=0)
    else:
        end = min(np.datetime64(f"{last + 1}-01-01", "ns"), x.max() + np.timedelta64(15, "D"))
        ax.axvspan(
            np.datetime64(f"{first}-01-01", "ns"),
            end,
            color=PLAN_PERIOD_COLOR,
            zorder=0,
            linewidth=0,
        )


def _set_x_limits(ax: Axes, x_dim: str, x: np.ndarray) -> None:
    if x_dim == "year":
        ax.set_xlim(x.min() - 0.5, x.max() + 0.5)
    else:
        half_month = np.timedelta64(15, "D")
        ax.set_xlim(x.min() - half_month, x.max() + half_month)


def _core_limits(medians: np.ndarray, extra: Sequence[float]) -> tuple[float, float] | None:
    """Range of the median lines, observed points and targets (display units)."""
    values = np.concatenate([np.ravel(medians), np.asarray(extra, dtype=float)])
    values = values[np.isfinite(values)]
    if not values.size:
        return None
    return float(values.min()), float(values.max())


def _clip_bands(ax: Axes, da: xr.DataArray, x_dim: str, scale: float, core: tuple) -> bool:
    """Keep wide ensemble bands from squashing the median lines; True if clipped.

    The axis shows the bands as far as twice the core range (medians, observed
    points, targets) beyond the core on either side.
    """
    values = _cap_infinite(da.transpose(..., "member", x_dim).values / scale)
    low, high = np.nanpercentile(values, list(BAND), axis=-2)
    lo_c, hi_c = core
    span = 2 * max(hi_c - lo_c, 0.05 * max(abs(lo_c), abs(hi_c)), 1e-9)
    lo_b, hi_b = float(np.nanmin(low)), float(np.nanmax(high))
    lo_ax = min(lo_c, max(lo_b, lo_c - span))  # the core always shows
    hi_ax = max(hi_c, min(hi_b, hi_c + span))
    clipped = lo_ax > lo_b or hi_ax < hi_b
    if clipped:
        pad = 0.05 * (hi_ax - lo_ax)
        ax.set_ylim(lo_ax - pad, hi_ax + pad)
    return clipped


def _panel_note(ax: Axes, text: str) -> None:
    """A small note where it hides least of the lines (a title-only legend, "best")."""
    note = ax.legend(
        [],
        [],
        title=text,
        title_fontsize=7.5,
        loc="best",
        frameon=True,
        framealpha=0.85,
        borderpad=0.3,
    )
    note.get_frame().set_linewidth(0)


def _comparison_panel(
    ax: Axes,
    ds: xr.Dataset,
    name: str,
    title: str,
    observed: xr.Dataset,
    band_alpha: float,
    targets: Sequence[float] = (),
) -> int:
    """One panel of `comparison_figure`; returns the number of observed points drawn.

    `targets` are values (in the variable's units) the axis must show, the plan's
    targets drawn by the caller.
    """
    da = ds[name]
    x_dim = _x_dim(da)
    extra = [d for d in da.dims if d not in (x_dim, "member", "scenario")]
    if extra:
        raise InputError(
            _source(ds),
            name,
            f"has dims {da.dims}; comparison_figure draws one line per scenario: select "
            f"or sum over {', '.join(repr(d) for d in extra)} first",
        )
    x = _x_values(da, x_dim)
    units = str(da.attrs.get("units", ""))
    scale, ylabel = display_scale(units, np.asarray(da.values, dtype=float))
    _shade_plan_period(ax, x_dim, x)
    if "scenario" in da.dims:
        lines = [(str(s), da.isel(scenario=i)) for i, s in enumerate(da["scenario"].values)]
    else:
        lines = [("model", da)]
    for i, (label, sub) in enumerate(lines):
        plot_model(
            ax,
            sub,
            scale=scale,
            label=label,
            band_alpha=band_alpha,
            linewidth=1.6,
            **_scenario_style(i),
        )
    drawn, seen = 0, np.array([])
    obs = _observed_series(observed, name, OBSERVED_NAMES)
    if obs is not None and units_compatible(str(obs.attrs.get("units", "")), units, x_dim):
        valid = obs.dropna("year")
        drawn = plot_observed(
            ax,
            valid["year"].values,
            valid.values,
            scale=scale,
            x_dim=x_dim,
            x_range=(x.min(), x.max()),
            label=OBSERVED_LABEL,
        )
        seen = _observed_in_range(valid, x_dim, (x.min(), x.max())) / scale
    medians = da.median("member") if "member" in da.dims else da
    if "scenario" in medians.dims:
        medians = medians.transpose("scenario", ...)
    medians = np.asarray(medians.values, dtype=float) / scale
    notes = []
    core = _core_limits(medians, [*seen, *(t / scale for t in targets)])
    if "member" in da.dims and da.sizes["member"] > 1 and core is not None:
        if _clip_bands(ax, da, x_dim, scale, core):
            notes.append(f"{BAND[0]:g}–{BAND[1]:g} % bands cut at the axis")
    if len(lines) > 1:
        flat = medians.reshape(len(lines), -1)
        if np.allclose(flat, flat[0], rtol=1e-9, atol=0, equal_nan=True):
            notes.append("all scenarios coincide")
    if notes:
        _panel_note(ax, "\n".join(notes))
    ax.set_title(_wrap(title, 48), fontsize=10)  # a monthly axis is labelled "month"
    ax.set_ylabel(ylabel or "(dimensionless)")
    _format_x(ax, x_dim)
    _set_x_limits(ax, x_dim, x)
    return drawn


def draw_comparison(
    ds: xr.Dataset,
    observed: xr.Dataset | None = None,
    *,
    band: tuple[float, float] | None = (15.0, 18.0),
    floor_area_target: float | None = 36.0,
    title: str | None = None,
) -> Figure:
    """The figure of `comparison_figure`, not saved: for callers that add to it.

    Parameters and errors as in `comparison_figure`.

    Returns
    -------
    matplotlib.figure.Figure
        Seven panels (row-major, in the order of `COMPARISON_PANELS`) and a legend in
        the eighth cell. The caller closes it (``matplotlib.pyplot.close``).
    """
    ds = as_members(ds)
    names = _comparison_names(ds)
    require(ds, names, "comparison_figure")
    if band is not None:
        low, high = (float(v) for v in band)
        if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
            raise InputError(
                "comparison_figure",
                "band",
                f"{band!r}: need two finite months, 0 <= low < high, e.g. (15, 18)",
            )
    if floor_area_target is not None and not (
        np.isfinite(floor_area_target) and floor_area_target > 0
    ):
        raise InputError(
            "comparison_figure",
            "floor_area_target",
            f"{floor_area_target!r}: need a positive floor area (m²/person), e.g. 36",
        )
    n_scenarios = int(ds.sizes.get("scenario", 1))
    if n_scenarios > MAX_LINES:
        raise InputError(
            _source(ds),
            "scenario",
            f"{n_scenarios} scenarios; comparison_figure draws at most {MAX_LINES} "
            "readably: select some first, e.g. ds.isel(scenario=slice(0, 8))",
        )
    observed = _load_default_observed(observed)
    several = _members(ds) > 1
    band_alpha = min(0.2, 0.5 / n_scenarios)  # overlapping bands stay see-through
    band_label = f"plan target {low:g}-{high:g} months" if band is not None else None
    target_label = (
        f"plan target > {floor_area_target:g} m²" if floor_area_target is not None else None
    )
    fig, axes = plt.subplots(2, 4, figsize=(17.6, 8.6), layout="constrained")
    try:
        n_observed = 0
        panels = dict(COMPARISON_PANELS)
        for ax, name in zip(axes.flat, names, strict=False):
            key = "clearance_period" if name == "clearance_period_monthly" else name
            targets: tuple[float, ...] = ()
            if key == "clearance_period" and band is not None:
                targets = (low, high)
                ax.axhspan(low, high, label=band_label, **_TARGET_BAND_STYLE)
            if key == "per_capita_floor_area" and floor_area_target is not None:
                targets = (floor_area_target,)
                ax.axhline(
                    floor_area_target,
                    color=TARGET_COLOR,
                    linestyle="--",
                    linewidth=1.8,
                    zorder=1,
                    label=target_label,
                )
            n_observed += _comparison_panel(
                ax, ds, name, panels[key], observed, band_alpha, targets
            )
        _comparison_legend(
            axes.flat[-1], ds, several, band_alpha, n_observed > 0, band_label, target_label
        )
        heading = title or "Anshan housing scenarios 2016–2025 against the 2021–2025 plan"
        fig.suptitle(f"{heading}\n{_ensemble_note(ds)}", fontsize=13, weight="bold")
    except BaseException:
        plt.close(fig)
        raise
    return fig


def _comparison_legend(
    ax: Axes,
    ds: xr.Dataset,
    several: bool,
    band_alpha: float,
    observed: bool,
    band_label: str | None,
    target_label: str | None,
) -> None:
    """The shared legend of `comparison_figure`, in its own (spare) grid cell."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    ax.set_axis_off()
    scenarios = [str(s) for s in ds["scenario"].values] if "scenario" in ds.dims else ["model"]
    handles: list = []
    for i, _ in enumerate(scenarios):
        style = _scenario_style(i)
        line = Line2D([], [], linewidth=1.6, **style)
        if several:
            handles.append((Patch(facecolor=style["color"], alpha=max(band_alpha, 0.2)), line))
        else:
            handles.append(line)
    labels = list(scenarios)
    extras: list[tuple] = []
    if observed:
        extras.append((Line2D([], [], **OBSERVED_STYLE), f"{OBSERVED_LABEL}, 2016–2019"))
    first, last = PLAN_PERIOD
    extras.append((Patch(facecolor=PLAN_PERIOD_COLOR), f"plan period {first}–{last}"))
    if band_label is not None:
        extras.append((Patch(**_TARGET_BAND_STYLE), f"{band_label}\n(clearance period)"))
    if target_label is not None:
        extras.append(
            (
                Line2D([], [], color=TARGET_COLOR, linestyle="--", linewidth=1.8),
                f"{target_label}\n(floor area per resident)",
            )
        )
    style = {
        "handler_map": {tuple: HandlerTuple(ndivide=1)},
        "fontsize": 9.5 if len(scenarios) <= 6 else 8.5,
        "title_fontsize": 10,
        "alignment": "left",
        "frameon": False,
    }
    title = "scenario"
    if several:
        title += f"\n(median, {BAND[0]:g}–{BAND[1]:g} % band)"
    spacer = Line2D([], [], linestyle="none")
    ax.legend(
        [*handles, spacer, *(h for h, _ in extras)],
        [*labels, "", *(lab for _, lab in extras)],
        loc="upper left",
        title=title,
        **style,
    )


def comparison_figure(
    ds: xr.Dataset,
    path: str | Path,
    observed: xr.Dataset | None = None,
    *,
    band: tuple[float, float] | None = (15.0, 18.0),
    floor_area_target: float | None = 36.0,
    title: str | None = None,
) -> Path:
    """Scenarios side by side, against the seed and the targets of the 2021-2025 plan.

    Seven panels, one line per scenario (distinct colours, one shared legend in the
    eighth cell): residential land supplied (ha/yr), new presale permits (10⁴ m²/yr,
    商品房 scope), unsold residential inventory (10⁴ m²), clearance period (months;
    monthly when the Dataset has ``clearance_period_monthly``, with the plan's band
    shaded), average price (yuan/m²), floor area per urban resident (m²/person, with
    the plan's target as a dashed line) and resident population (million persons).
    The seed's observed 2016-2019 points are red diamonds; the plan period
    `PLAN_PERIOD` is shaded. With several members each scenario is drawn as its
    median and 5-95 % band.

    Parameters
    ----------
    ds : xarray.Dataset
        Model output with a ``scenario`` dimension (a `model.engine.simulate` Dataset
        per scenario concatenated along ``scenario``; one run without it is drawn as
        one line "model"), dims ``member`` (or a sweep's ``sample``, see
        `as_members`) and ``year``/``time``. Needs the variables of
        `COMPARISON_PANELS` (``clearance_period_monthly`` may stand for
        ``clearance_period``).
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    observed : xarray.Dataset, optional
        Observed series on a ``year`` dim (`calibration.observed.load_observed`, the
        default); pass ``xarray.Dataset()`` for none.
    band : tuple of float or None
        The plan's target clearance period, ``(low, high)`` in months, shaded and
        labelled "plan target 15-18 months"; None for no band.
    floor_area_target : float or None
        The plan's per-capita floor area target (m²/person), a dashed line labelled
        "plan target > 36 m²"; None for no line.
    title : str, optional
        First line of the figure title; a note on scenarios and members follows.

    Returns
    -------
    pathlib.Path
        The written file (about 2100 x 1030 px).

    Raises
    ------
    model.errors.InputError
        A variable is missing, has dims other than ``scenario``, ``member`` and
        ``year``/``time``; more than `MAX_LINES` scenarios; `band` is not
        ``0 <= low < high`` or `floor_area_target` not positive.
    """
    fig = draw_comparison(ds, observed, band=band, floor_area_target=floor_area_target, title=title)
    return _save(fig, path)


# ------------------------------------------------------------------ saved files


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
    import difflib

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
    """Draw variables of a saved run, comparison or sweep file as `variable_panels`.

    One panel per variable, one line per scenario (a ``scenario`` dim), the median
    and 5-95 % band of the members (a sweep's ``sample`` dim counts as members, see
    `as_members`), and the seed's observed points where it has the series.

    Parameters
    ----------
    path : str or pathlib.Path
        NetCDF file written by the model (``engine="h5netcdf"``).
    variables : sequence of str, optional
        Variables to draw, one panel each, in this order. By default those of the
        comparison panels (`COMPARISON_PANELS`) for a file with a ``scenario`` dim,
        else `HOUSING_PANELS` and ``population_total``, whichever are in the file.
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
        be drawn as a line over ``year``/``time`` (see `variable_panels`).
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
