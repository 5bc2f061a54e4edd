"""The calibration fit figure: the calibrated series against the seed, with statistics.

`fit_figure` backs ``anshan-housing calibrate --plot DIR``: one panel per calibrated
series, titled with its fit statistics (MAPE, R² and Theil's inequality shares).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import MultipleLocator

from anshan_housing.calibration.objective import CALIBRATION_YEARS
from anshan_housing.calibration.statistics import FitStatistics
from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    _PAIR_HANDLER,
    PANEL_SIZE,
    _band_handles,
    _ensemble_note,
    _format_x,
    _load_default_observed,
    _model_range,
    _observed_label,
    _source,
    display_scale,
    panel_grid,
    plot_model,
    plot_observed,
    require,
    units_compatible,
)
from anshan_housing.model.errors import InputError


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
    handles, labels = _band_handles(axes.flat[0])
    style = {
        "handler_map": _PAIR_HANDLER,
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
    period: tuple[int, int] = CALIBRATION_YEARS,
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
    fig, axes = panel_grid(len(pairs), PANEL_SIZE[1] + 0.35, 0.9)
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
        _fit_legend(fig, axes, len(pairs))
        heading = (
            title or f"Anshan model against the seed, calibration period {period[0]}–{period[1]}"
        )
        fig.suptitle(f"{heading}\n{_ensemble_note(ds)}", fontsize=12, weight="bold")
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)
