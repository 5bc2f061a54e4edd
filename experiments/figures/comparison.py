"""The scenario comparison figure: scenarios side by side against the plan's targets.

`comparison_figure` backs ``anshan-housing compare --out DIR``: seven panels of the
housing market and population, one line (or median and band) per scenario, the seed's
observed points, the plan period shaded and the plan's targets drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    _PAIR_HANDLER,
    _TARGET_BAND_STYLE,
    BAND,
    CLEARANCE_TARGET,
    FLOOR_AREA_TARGET,
    MAX_LINES,
    OBSERVED_LABEL,
    OBSERVED_NAMES,
    OBSERVED_STYLE,
    PLAN_PERIOD,
    PLAN_PERIOD_COLOR,
    TARGET_COLOR,
    _clip_bands,
    _core_limits,
    _ensemble_note,
    _format_x,
    _load_default_observed,
    _members,
    _observed_in_range,
    _observed_series,
    _scenario_style,
    _source,
    _wrap,
    _x_dim,
    _x_values,
    display_scale,
    plot_model,
    plot_observed,
    require,
    units_compatible,
)
from anshan_housing.model.errors import InputError

#: Panels of `comparison_figure`: model variable and panel title. The clearance
#: period is drawn monthly (``clearance_period_monthly``) when the Dataset has it.
COMPARISON_PANELS: tuple[tuple[str, str], ...] = (
    ("land_transacted_yearly", "residential land sold (transacted)"),
    ("presale_permits", "new presale permits (commodity housing)"),
    ("residential_inventory_yearly", "unsold residential inventory, end of year"),
    ("clearance_period", "clearance period (inventory / monthly sales)"),
    ("average_price", "average sales price"),
    ("per_capita_floor_area", "residential floor area per urban resident"),
    ("population_total", "resident population, end of year"),
)


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
    band: tuple[float, float] | None = CLEARANCE_TARGET,
    floor_area_target: float | None = FLOOR_AREA_TARGET,
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
        "handler_map": _PAIR_HANDLER,
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
    band: tuple[float, float] | None = CLEARANCE_TARGET,
    floor_area_target: float | None = FLOOR_AREA_TARGET,
    title: str | None = None,
) -> Path:
    """Scenarios side by side, against the seed and the targets of the 2021-2025 plan.

    Seven panels, one line per scenario (distinct colours, one shared legend in the
    eighth cell): residential land sold (ha/yr), new presale permits (10⁴ m²/yr,
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
    return common.save(fig, path)
