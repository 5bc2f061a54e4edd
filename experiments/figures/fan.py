"""Fan charts of a sensitivity sweep's yearly outputs, against the seed and the plan.

`fan_chart` takes the outputs of `experiments.sweep` (yearly variables on dims
``(scenario, sample, year)`` with attrs ``units`` and ``long_name``, see
`experiments.sweep.OUTPUTS`), draws one panel per variable on a figure of its own and
writes a PNG. The ``scenario`` dimension may be absent (one scenario).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MultipleLocator

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    _PAIR_HANDLER,
    _TARGET_BAND_STYLE,
    CLEARANCE_TARGET,
    FLOOR_AREA_TARGET,
    MAX_LINES,
    MODEL_COLOR,
    OBSERVED_LABEL,
    OBSERVED_NAMES,
    OBSERVED_STYLE,
    PLAN_PERIOD,
    SWEEP_WIDTH,
    TARGET_COLOR,
    _load_default_observed,
    _observed_in_range,
    _observed_series,
    _pick_scenario,
    _require_dims,
    _scenario_note,
    _scenario_style,
    _source,
    _wrap,
    display_scale,
    panel_grid,
    plain_text,
    plot_observed,
    require,
    units_compatible,
)
from anshan_housing.experiments.sweep import OUTPUTS
from anshan_housing.model.errors import InputError

#: Yearly outputs drawn by `fan_chart` by default, one panel each: those of the sweep
#: marked for it (`experiments.sweep.OUTPUTS`).
FAN_VARIABLES = tuple(name for name, output in OUTPUTS.items() if output.fan)

#: Outer and inner percentile bands (%) of the fan chart; the line is the median.
OUTER_BAND = (5.0, 95.0)
INNER_BAND = (25.0, 75.0)

# The plan period 2021-2025 as a strip along a panel's top edge: a shaded column
# would tint the fan's bands and make them read as other colours.
_PLAN_STRIP = {"ymin": 0.975, "ymax": 1.0, "color": "#e3b75f", "linewidth": 0, "zorder": 4}


def _scenario_width(i: int, n: int) -> float:
    """Median line width of scenario i of n: earlier ones wider and drawn under later ones.

    A scenario identical to a later one (before the plan period, say) still shows.
    """
    return 1.6 + 1.6 * (n - 1 - i) / max(n - 1, 1)


def _scenario_alpha(n: int) -> float:
    """Opacity of each scenario's band: overlapping bands stay see-through."""
    return max(0.04, min(0.12, 0.25 / n))


def _variable_attrs(da: xr.DataArray) -> tuple[str, str]:
    """Units and long name of a variable; a sweep output's own when it has no attrs."""
    known = OUTPUTS.get(str(da.name))
    units, long_name = (known.units, known.long_name) if known else ("", str(da.name))
    units = str(da.attrs.get("units", units))
    long_name = plain_text(str(da.attrs.get("long_name", long_name)))
    return units, long_name


def _percentiles(values: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Percentiles over axis 0 (samples); NaN where every sample is NaN, without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanpercentile(values, list(q), axis=0)


def _number(value: float) -> str:
    """A value for a note: thousands separated, else three significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _clip_to_core(
    ax: Axes, core: Sequence[np.ndarray], outer: Sequence[np.ndarray], unit: str
) -> None:
    """Keep long band tails from squashing the medians, with a note when they are cut.

    The y axis shows the outer bands as far as one core range (medians, inner band,
    observed points, targets) beyond the core on either side, unless the whole
    band would take at most a quarter more room; a cut band is noted with the value
    it reaches.
    """
    core_values = np.concatenate([np.ravel(c) for c in core])
    core_values = core_values[np.isfinite(core_values)]
    band = np.concatenate([np.ravel(b) for b in outer])
    band = band[np.isfinite(band)]
    if not core_values.size or not band.size:
        return
    lo_c, hi_c = float(core_values.min()), float(core_values.max())
    span = max(hi_c - lo_c, 0.05 * max(abs(lo_c), abs(hi_c)), 1e-9)
    lo_b, hi_b = float(band.min()), float(band.max())
    lo_ax, hi_ax = max(lo_b, lo_c - span), min(hi_b, hi_c + span)
    if (hi_b - lo_b) <= 1.25 * (hi_ax - lo_ax):  # little to gain: show the whole band
        return
    pad = 0.05 * (hi_ax - lo_ax)
    ax.set_ylim(lo_ax - pad, hi_ax + pad)
    reach = []
    if hi_ax < hi_b:
        reach.append(f"up to {_number(hi_b)}")
    if lo_ax > lo_b:
        reach.append(f"down to {_number(lo_b)}")
    ax.text(
        0.02,
        0.955,
        f"{OUTER_BAND[0]:g}–{OUTER_BAND[1]:g} % band cut at the axis;\n"
        f"it reaches {' and '.join(reach)}{' ' + unit if unit else ''}",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=7.5,
        color="0.25",
        bbox={"facecolor": "white", "edgecolor": "0.7", "alpha": 0.85, "pad": 2},
        zorder=7,
    )


def _fan_panel(
    ax: Axes,
    da: xr.DataArray,
    scenarios: list[str] | None,
    observed: xr.Dataset,
    years: np.ndarray,
) -> bool:
    """One variable: bands and median(s), targets, observed points; True if points drawn."""
    name = str(da.name)
    units, long_name = _variable_attrs(da)
    scale, ylabel = display_scale(units, np.asarray(da.values, dtype=float))
    core: list[np.ndarray] = []  # what the y axis must show: medians, targets, points
    outer: list[np.ndarray] = []  # what it shows if there is room: the outer bands
    first, last = PLAN_PERIOD
    if years.min() <= last and years.max() >= first:  # a strip along the top edge
        ax.axvspan(first - 0.5, last + 0.5, **_PLAN_STRIP)
    if name == "clearance_period":
        ax.axhspan(*CLEARANCE_TARGET, **_TARGET_BAND_STYLE)
        core.append(np.array(CLEARANCE_TARGET))
    if name == "per_capita_floor_area":
        ax.axhline(FLOOR_AREA_TARGET, color=TARGET_COLOR, linestyle="--", linewidth=1.8, zorder=1)
        core.append(np.array([FLOOR_AREA_TARGET]))
    if scenarios is None:  # one scenario: the full fan
        values = da.transpose("sample", "year").values / scale
        q = (OUTER_BAND[0], INNER_BAND[0], 50.0, INNER_BAND[1], OUTER_BAND[1])
        lo, lo_in, mid, hi_in, hi = _percentiles(values, q)
        ax.fill_between(years, lo, hi, color=MODEL_COLOR, alpha=0.18, linewidth=0, zorder=2)
        ax.fill_between(years, lo_in, hi_in, color=MODEL_COLOR, alpha=0.38, linewidth=0, zorder=2)
        ax.plot(years, mid, color=MODEL_COLOR, linewidth=2, zorder=3)
        core += [lo_in, mid, hi_in]
        outer += [lo, hi]
    else:
        alpha = _scenario_alpha(len(scenarios))
        for i, scenario in enumerate(scenarios):
            style = _scenario_style(i)
            color = style["color"]
            values = da.isel(scenario=i).transpose("sample", "year").values / scale
            lo, mid, hi = _percentiles(values, (OUTER_BAND[0], 50.0, OUTER_BAND[1]))
            ax.fill_between(years, lo, hi, color=color, alpha=alpha, linewidth=0, zorder=2)
            for edge in (lo, hi):  # thin edges keep overlapping bands apart
                ax.plot(years, edge, color=color, linestyle=":", linewidth=1.1, zorder=2.5)
            ax.plot(
                years,
                mid,
                color=color,
                linestyle=style["linestyle"],
                zorder=3,
                linewidth=_scenario_width(i, len(scenarios)),
                label=scenario,
            )
            core.append(mid)
            outer += [lo, hi]
    drawn = 0
    obs = _observed_series(observed, name, OBSERVED_NAMES)
    if obs is not None and units_compatible(str(obs.attrs.get("units", "")), units):
        obs = obs.dropna("year")
        x_range = (years.min(), years.max())
        drawn = plot_observed(
            ax, obs["year"].values, obs.values, scale=scale, x_range=x_range, label=None
        )
        core.append(_observed_in_range(obs, "year", x_range) / scale)
    _clip_to_core(ax, core, outer, ylabel)
    ax.set_title(_wrap(long_name, 44), fontsize=10.5)
    ax.set_ylabel(ylabel or "(dimensionless)", fontsize=9.5)
    ax.set_xlim(years.min() - 0.5, years.max() + 0.5)
    ax.xaxis.set_major_locator(MultipleLocator(2 if years.size > 6 else 1))
    ax.xaxis.set_minor_locator(MultipleLocator(1))
    ax.set_xlabel("year", fontsize=9.5)
    ax.tick_params(labelsize=9)
    ax.grid(True, alpha=0.3)
    return drawn > 0


def _fan_legend(
    fig: Figure,
    scenarios: list[str] | None,
    names: Sequence[str],
    observed: bool,
    years: np.ndarray,
) -> None:
    """The shared legend below the panels: bands or scenarios, then observed and targets."""
    handles: list = []
    labels: list[str] = []
    if scenarios is None:
        handles += [
            Line2D([], [], color=MODEL_COLOR, linewidth=2),
            Patch(facecolor=MODEL_COLOR, alpha=0.18 + 0.38 * (1 - 0.18)),
            Patch(facecolor=MODEL_COLOR, alpha=0.18),
        ]
        labels += [
            "median of samples",
            f"{INNER_BAND[0]:g}–{INNER_BAND[1]:g} % of samples",
            f"{OUTER_BAND[0]:g}–{OUTER_BAND[1]:g} % of samples",
        ]
    else:
        alpha = _scenario_alpha(len(scenarios))
        for i, scenario in enumerate(scenarios):
            style = _scenario_style(i)
            color = style["color"]
            handles.append(
                (
                    Patch(facecolor=color, alpha=alpha, edgecolor=color, linestyle=":"),
                    Line2D(
                        [],
                        [],
                        color=color,
                        linestyle=style["linestyle"],
                        linewidth=_scenario_width(i, len(scenarios)),
                    ),
                )
            )
            labels.append(scenario)
    if observed:
        handles.append(Line2D([], [], **OBSERVED_STYLE))
        labels.append(f"{OBSERVED_LABEL}, 2016–2019")
    first, last = PLAN_PERIOD
    if years.min() <= last and years.max() >= first:
        handles.append(Patch(facecolor=_PLAN_STRIP["color"]))
        labels.append(f"plan period {first}–{last} (strip at top)")
    if "clearance_period" in names:
        handles.append(Patch(**_TARGET_BAND_STYLE))
        labels.append(f"plan target {CLEARANCE_TARGET[0]:g}–{CLEARANCE_TARGET[1]:g} months")
    if "per_capita_floor_area" in names:
        handles.append(Line2D([], [], color=TARGET_COLOR, linestyle="--", linewidth=1.8))
        labels.append(f"plan target {FLOOR_AREA_TARGET:g} m²/person")
    title = None
    if scenarios is not None:
        title = f"scenario: median and {OUTER_BAND[0]:g}–{OUTER_BAND[1]:g} % of samples"
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=min(len(handles), 4),
        handler_map=_PAIR_HANDLER,
        fontsize=9.5,
        title=title,
        title_fontsize=9.5,
        frameon=False,
    )


def fan_chart(
    ds: xr.Dataset,
    path: str | Path,
    observed: xr.Dataset | None = None,
    variables: Sequence[str] = FAN_VARIABLES,
    scenario: Hashable | None = None,
) -> Path:
    """Fan charts of yearly sweep outputs, one panel per variable, against the seed.

    With one scenario drawn: the median over samples, the 25-75 % and 5-95 % bands.
    With several scenarios and ``scenario=None``: one colour per scenario, its
    median and a lighter 5-95 % band. Each panel adds the seed's observed points
    (red diamonds, 2016-2019), the plan period 2021-2025 shaded, and the plan's
    targets: the 15-18 month band on the clearance period, the 36 m²/person line
    on the per-capita floor area.

    Parameters
    ----------
    ds : xarray.Dataset
        Sweep outputs: each variable on dims ``sample`` and ``year`` (and
        optionally ``scenario``), with attrs ``units`` (``yuan/m**2``, ``month``,
        ``m**2/person``, ``1e4 m**2``, ``person``, ``1e4 m**2/year`` ...) and
        ``long_name``; for the sweep's own outputs the units are known when the
        attrs are missing (`experiments.sweep.OUTPUTS`).
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    observed : xarray.Dataset, optional
        Observed series on a ``year`` dim (`calibration.observed.load_observed`, the
        default); pass ``xarray.Dataset()`` to draw none. Each variable's series
        is its namesake or the one `common.OBSERVED_NAMES` gives; points are drawn
        only when their units fit the variable's (a yearly flow may lack ``/year``
        in the seed).
    variables : sequence of str
        Variables to draw, one panel each, in this order (three per row).
    scenario : str, optional
        Draw this scenario's full fan. None: the full fan when there is one
        scenario, a median and 5-95 % band per scenario when there are several.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If a variable is missing or lacks the ``sample`` or ``year`` dim (or has
        others), `variables` is empty, `scenario` is unknown, or there are more
        than `common.MAX_LINES` scenarios to draw at once.
    """
    variables = [str(v) for v in variables]
    if not variables:
        raise InputError("fan_chart", "variables", "no variable given; e.g. ('average_price',)")
    require(ds, variables, "fan_chart")
    for name in variables:
        _require_dims(ds, name, ("sample", "year"), ("scenario", "sample", "year"), "fan_chart")
    n_scenarios = int(ds.sizes.get("scenario", 1))
    if scenario is not None or n_scenarios == 1:
        ds, chosen = _pick_scenario(ds, scenario, "fan_chart")
        scenarios = None
    else:
        if n_scenarios > MAX_LINES:
            raise InputError(
                _source(ds),
                "scenario",
                f"{n_scenarios} scenarios; fan_chart draws at most {MAX_LINES} at once: "
                "choose one with scenario=..., or select some, e.g. "
                "ds.isel(scenario=slice(0, 6))",
            )
        chosen = None
        scenarios = [str(s) for s in ds["scenario"].values]
    observed = _load_default_observed(observed)
    years = np.asarray(ds["year"].values)
    n_samples = int(ds.sizes["sample"])
    fig, axes = panel_grid(len(variables), 3.55, 1.6, SWEEP_WIDTH)
    try:
        points = False
        for ax, name in zip(axes.flat, variables, strict=False):
            points |= _fan_panel(ax, ds[name], scenarios, observed, years)
        _fan_legend(fig, scenarios, variables, points, years)
        if scenarios is None:
            what = _scenario_note(chosen, n_scenarios)
            spread = "median, 25–75 % and 5–95 % bands"
        else:
            what = f"{len(scenarios)} scenarios"
            spread = "median and 5–95 % band per scenario"
        method = str(ds.attrs.get("method", "")).strip()
        sampling = str(ds.attrs.get("sampling", "")).strip()
        if method == "posterior":
            kind, drawn = "scenarios over the posterior", sampling
        else:
            kind = f"sensitivity sweep ({method})" if method else "sensitivity sweep"
            drawn = f"{n_samples:,} parameter samples" + (f" ({sampling})" if sampling else "")
        fig.suptitle(
            f"Anshan {kind}{': ' + what if what else ''}\n{drawn} — {spread}",
            fontsize=13,
            weight="bold",
        )
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


__all__ = ["FAN_VARIABLES", "fan_chart"]
