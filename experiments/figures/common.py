"""Shared pieces of the figures: styles, unit labels, checks and drawing blocks.

Every figure module draws with these, so that a model line, an ensemble band, the
seed's observed points, a scenario's colour and the plan's targets look the same in
every figure.

Building blocks
---------------
`plot_model`
    One model variable on one axes: a line for one member, the ensemble median
    and a 5-95 % band for several.
`plot_observed`
    The seed's observed points of one series as distinct markers.
`legend`
    One legend entry per model series, its band and median line together.
`panel_grid`
    A grid of panels, at most `MAX_COLUMNS` a row.
`save`
    Write a figure as a PNG at `DPI` and close it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.ticker import MultipleLocator

from anshan_housing.calibration.observed import load_observed
from anshan_housing.experiments import scorecard
from anshan_housing.experiments.policies import PLAN_END, PLAN_START
from anshan_housing.model.errors import InputError

#: Resolution of written PNGs (dots per inch): the population figure (13.5 x 8.4 in)
#: comes out at about 1620 x 1010 px, readable on a laptop screen without zooming.
DPI = 120

#: Width and height (inches) of one panel of `run.variable_panels` and `fit.fit_figure`.
PANEL_SIZE = (4.6, 3.3)

#: Panels per row in `panel_grid`; six variables or metrics make a 3 x 2 grid.
MAX_COLUMNS = 3

#: Width (inches) of a sweep figure (fan chart, index figures) with full rows; at
#: `DPI` about 1620 px.
SWEEP_WIDTH = 13.5

#: Percentiles (%) of the ensemble band; the line is the median.
BAND = (5.0, 95.0)

#: Most lines (scenarios x other dimension values) drawn in one panel: beyond this a
#: panel is unreadable, so the figures ask the caller to select.
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

#: First and last year of the Anshan 2021-2025 housing plan, shaded in the comparison
#: figure and marked in the fan chart.
PLAN_PERIOD = (PLAN_START, PLAN_END)

#: The plan's targets drawn in the figures, from its Table 1 (`experiments.scorecard`):
#: the clearance period band (months) and the per-capita floor area (m²/person).
CLEARANCE_TARGET = scorecard.BAND
FLOOR_AREA_TARGET = scorecard.FLOOR_AREA_TARGET

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

#: Line colours of the scenarios (see `_scenario_style`): the tab10 palette without red,
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

# Legend handler of a (band, median line) pair: the two drawn over each other.
_PAIR_HANDLER = {tuple: HandlerTuple(ndivide=1)}


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
    """`text` in lines of at most `width` characters (a panel title)."""
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


def _require_dims(
    data: xr.Dataset, name: str, needed: Sequence[str], allowed: Sequence[str], what: str
) -> None:
    """Check that variable `name` has every dim of `needed` and none outside `allowed`."""
    dims = data[name].dims
    missing = [d for d in needed if d not in dims]
    extra = [d for d in dims if d not in allowed]
    if missing or extra:
        problem = []
        if missing:
            problem.append(f"lacks dim(s) {', '.join(repr(d) for d in missing)}")
        if extra:
            problem.append(f"has unexpected dim(s) {', '.join(repr(d) for d in extra)}")
        optional = ", ".join(d for d in allowed if d not in needed)
        raise InputError(
            _source(data),
            name,
            f"{' and '.join(problem)} (dims {tuple(dims)}); {what} needs dims "
            f"{', '.join(needed)}" + (f" (and optionally {optional})" if optional else ""),
        )


def _pick_scenario(
    data: xr.Dataset, scenario: Hashable | None, what: str
) -> tuple[xr.Dataset, str | None]:
    """The Dataset at one scenario (the first when None) and that scenario's name."""
    if "scenario" not in data.dims:
        if scenario is not None:
            raise InputError(
                _source(data),
                "scenario",
                f"{scenario!r} asked for, but the Dataset has no 'scenario' dimension",
            )
        return data, None
    names = [str(s) for s in data["scenario"].values]
    if not names:
        raise InputError(_source(data), "scenario", f"{what}: the scenario dimension is empty")
    if scenario is None:
        return data.isel(scenario=0), names[0]
    if str(scenario) not in names:
        raise InputError(
            _source(data),
            "scenario",
            f"unknown scenario {scenario!r}; available: {', '.join(names)}",
        )
    return data.isel(scenario=names.index(str(scenario))), str(scenario)


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
    handles, labels = _band_handles(ax)
    if not handles:
        return
    ax.legend(handles, labels, handler_map=_PAIR_HANDLER, fontsize=8, framealpha=0.85, **kwargs)


def _band_handles(ax: Axes) -> tuple[list, list[str]]:
    """Legend handles and labels of `ax`, each band paired with its median line."""
    handles, labels = ax.get_legend_handles_labels()
    bands = {
        str(c.get_label())[len(_BAND_PREFIX) :]: c
        for c in ax.collections
        if str(c.get_label()).startswith(_BAND_PREFIX)
    }
    handles = [
        (bands[lab], h) if lab in bands else h for h, lab in zip(handles, labels, strict=True)
    ]
    return handles, labels


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


# ------------------------------------------------------------------ figures


def panel_grid(
    n: int, row_height: float, extra: float, width: float | None = None
) -> tuple[Figure, np.ndarray]:
    """A figure of `n` panels, at most `MAX_COLUMNS` a row; the cells beyond `n` hidden.

    Parameters
    ----------
    n : int
        Number of panels, at least 1.
    row_height : float
        Height (inches) of one row of panels.
    extra : float
        Height (inches) added for the title and any legend below the panels.
    width : float, optional
        Width (inches) of a figure with full rows, narrower for fewer columns (the
        sweep figures, `SWEEP_WIDTH`); by default ``PANEL_SIZE[0]`` a column.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : numpy.ndarray of matplotlib.axes.Axes
        Shape (rows, columns).
    """
    ncols = min(MAX_COLUMNS, n)
    nrows = -(-n // ncols)
    if width is None:
        width = PANEL_SIZE[0] * ncols
    elif ncols < MAX_COLUMNS:
        width = width * (0.4 + 0.6 * ncols / MAX_COLUMNS)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width, row_height * nrows + extra),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[n:]:
        ax.set_axis_off()
    return fig, axes


def _scenario_style(i: int) -> dict:
    """Colour and line style of the i-th scenario (0-based)."""
    n = len(SCENARIO_COLORS)
    return {"color": SCENARIO_COLORS[i % n], "linestyle": "-" if i < n else "--"}


def _model_range(ds: xr.Dataset) -> tuple:
    """First and last year of a yearly Dataset."""
    years = ds["year"].values
    return years.min(), years.max()


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
    basis = ds.attrs.get("population_basis")
    if basis:
        note += f"; {basis} population basis"
    return note


def _scenario_note(name: str | None, n_scenarios: int) -> str:
    """Which scenario a one-scenario figure shows, e.g. "scenario 'freeze' (1 of 3)"."""
    if name is None:
        return ""
    if n_scenarios > 1:
        return f"scenario '{name}' (1 of {n_scenarios})"
    return f"scenario '{name}'"


def _load_default_observed(observed: xr.Dataset | None) -> xr.Dataset:
    return load_observed() if observed is None else observed


def save(fig: Figure, path: str | Path) -> Path:
    """Write `fig` as a PNG at `DPI` (its folder created if missing) and close it.

    The figure modules call it as ``common.save``, so that a test can wrap it in one
    place to inspect the figures before they are closed.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, closed even if writing fails.
    path : str or pathlib.Path
        The PNG to write.

    Returns
    -------
    pathlib.Path
        `path`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path
