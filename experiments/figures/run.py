"""Figures of a simulation run: the population sector, the housing market, variable panels.

Every figure takes data (an `xarray.Dataset` from `model.engine.simulate`, or one read
back from NetCDF) and a path, draws on a figure of its own, writes a PNG and returns
the path. Nothing here reaches into the engine.

`variable_panels`
    One panel per yearly or monthly variable, one line per ``scenario`` (or other
    extra dimension) value, observed points where the seed has the series; backs
    ``anshan-housing plot FILE.nc`` (`files.plot_file`).
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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    BAND,
    MAX_LINES,
    MODEL_COLOR,
    OBSERVED_LABEL,
    OBSERVED_NAMES,
    OBSERVED_STYLE,
    PANEL_SIZE,
    _clip_bands,
    _core_limits,
    _ensemble_note,
    _format_x,
    _load_default_observed,
    _members,
    _model_range,
    _note,
    _observed_in_range,
    _observed_label,
    _observed_series,
    _source,
    _wrap,
    _x_dim,
    _x_values,
    display_scale,
    legend,
    panel_grid,
    plain_text,
    plot_model,
    plot_observed,
    require,
    units_compatible,
)
from anshan_housing.model.errors import InputError

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
    fig, axes = panel_grid(len(names), PANEL_SIZE[1], 0.9)
    try:
        for ax, name in zip(axes.flat, names, strict=False):
            _draw_variable(ax, ds, name, observed, mapping)
        fig.suptitle(f"{title or 'Anshan model'}\n{_ensemble_note(ds)}", fontsize=12, weight="bold")
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


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


CENSUS_DAY = 10 / 12  # 1 November: the share of its year before the census day
CENSUS_STYLE = {**OBSERVED_STYLE, "markerfacecolor": "white", "marker": "s"}


def _census_points(ax: Axes, ds: xr.Dataset, observed: xr.Dataset, x_range) -> None:
    """The censuses' residents (1 November) and the 2020 household size beside the model's."""
    if "census_population" not in observed.data_vars:
        return
    census = observed["census_population"].dropna("year")
    inside = census.where((census.year >= x_range[0] - 1) & (census.year <= x_range[1]), drop=True)
    if inside.size:
        # the model's yearly values stand at the end of their year, x = year
        ax.plot(inside.year.values - (1 - CENSUS_DAY), inside.values / 1e6,
                label="census, 1 November", **CENSUS_STYLE)  # fmt: skip
    pairs = zip(census.year.values, census.values, strict=True)
    lines = [f"census {int(y)}: {v / 1e6:.3f} M" for y, v in pairs]
    if "census_household_size" in observed.data_vars and "household_size_yearly" in ds:
        seen = observed["census_household_size"].dropna("year")
        model = ds["household_size_yearly"].sel(year=int(seen.year[-1]))
        model = model.median("member") if "member" in model.dims else model
        lines.append(f"persons per family household {int(seen.year[-1])}: "
                     f"model {float(model):.2f}, census {float(seen[-1]):.2f}")  # fmt: skip
    ax.text(0.02, 0.03, "\n".join(lines), transform=ax.transAxes, fontsize=8, color="0.3")


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
    return common.save(fig, path)


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
        if name == "population_total":
            _census_points(ax, ds, observed, x_range)
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
