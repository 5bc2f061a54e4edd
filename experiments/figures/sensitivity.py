"""Figures of a sweep's sensitivity indices: Sobol bars, Morris scatter, tornado.

Every function takes a Dataset written by `experiments.sweep` and a path, draws on a
figure of its own, writes a PNG and returns the path.

Inputs
------
Indices ``idx``
    ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` (Sobol) or ``mu_star``,
    ``mu_star_conf``, ``sigma``, ``mu`` (Morris) on dims ``(scenario, metric,
    parameter)``, with ``metric_units`` and ``metric_long_name`` on ``metric``; see
    `sobol_bars` and `morris_scatter`.
One-at-a-time bounds ``oat``
    ``base`` on ``(scenario, metric)``, ``low`` and ``high`` on ``(scenario,
    metric, parameter)``, with ``metric_units`` and ``metric_long_name``; see
    `tornado`.

The ``scenario`` dimension may be absent (one scenario). The figures show one
scenario: the first, or the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    SWEEP_WIDTH,
    _pick_scenario,
    _require_dims,
    _scenario_note,
    _source,
    _wrap,
    display_scale,
    panel_grid,
    plain_text,
    require,
)
from anshan_housing.model.errors import InputError

#: Parameters labelled by name in each `morris_scatter` panel (largest mu*).
MORRIS_LABELS = 5

#: Colours: Sobol first-order and total indices; tornado lower and upper bounds.
S1_COLOR, ST_COLOR = "#a6cee3", "#3a7dbf"
LOW_COLOR, HIGH_COLOR = "tab:blue", "tab:orange"

_SOBOL_VARS = ("S1", "S1_conf", "ST", "ST_conf")
_MORRIS_VARS = ("mu_star", "mu_star_conf", "sigma")
_OAT_VARS = ("base", "low", "high")


# ------------------------------------------------------------------ checks and ranking


def _check_top(top: int, what: str) -> int:
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise InputError(what, "top", f"{top!r}: need a whole number of parameters >= 1, e.g. 10")
    return int(top)


def _check_indices(idx: xr.Dataset, names: Sequence[str], method: str, what: str) -> None:
    """Variables and dims of an indices Dataset; a Dataset of the other method named."""
    if not isinstance(idx, xr.Dataset):
        raise InputError(what, "idx", f"need an xarray.Dataset, got {type(idx).__name__}")
    stated = str(idx.attrs.get("method", method))
    if stated != method and not all(n in idx.data_vars for n in names):
        other = {"sobol": "sobol_bars", "morris": "morris_scatter"}.get(stated, "another figure")
        raise InputError(
            _source(idx),
            "method",
            f"{what} draws {method} indices, but these are {stated!r} indices "
            f"(draw them with {other})",
        )
    require(idx, names, what)
    for name in names:
        _require_dims(idx, name, ("metric", "parameter"), ("scenario", "metric", "parameter"), what)


def _metrics(data: xr.Dataset) -> list[str]:
    metrics = [str(m) for m in data["metric"].values]
    if not metrics:
        raise InputError(_source(data), "metric", "the metric dimension is empty")
    return metrics


def metric_label(data: xr.Dataset, metric: str) -> tuple[str, str]:
    """Long name and units of a metric of an indices or one-at-a-time Dataset.

    Parameters
    ----------
    data : xarray.Dataset
        With a ``metric`` dim and, optionally, the string variables
        ``metric_long_name`` and ``metric_units`` on it.
    metric : str
        A value of ``metric``, e.g. ``"price_2025"``.

    Returns
    -------
    long_name : str
        E.g. ``"average price 2025"`` (the metric's name if none is given), with
        Chinese characters dropped (`common.plain_text`).
    units : str
        E.g. ``"yuan/m**2"``; empty if none is given.
    """
    long_name, units = metric, ""
    if "metric_long_name" in data.variables:
        long_name = str(data["metric_long_name"].sel(metric=metric).values) or metric
    if "metric_units" in data.variables:
        units = str(data["metric_units"].sel(metric=metric).values)
    return plain_text(long_name), units


def swing(oat: xr.Dataset) -> xr.DataArray:
    """Width of each tornado bar, ``|high - low|``, in the metric's units.

    Parameters
    ----------
    oat : xarray.Dataset
        One-at-a-time bounds with ``low`` and ``high``.

    Returns
    -------
    xarray.DataArray
        Same dims as ``high``.
    """
    require(oat, ("low", "high"), "swing")
    return abs(oat["high"] - oat["low"])


def ranked_parameters(
    data: xr.Dataset,
    metric: str,
    key: str = "ST",
    top: int = 10,
    scenario: Hashable | None = None,
) -> list[str]:
    """The `top` parameters of one metric by a key, largest first: a figure's bar order.

    Parameters
    ----------
    data : xarray.Dataset
        Indices (`sobol_bars`, `morris_scatter`) or one-at-a-time bounds (`tornado`).
    metric : str
        A value of the ``metric`` dim.
    key : str
        A variable on ``(metric, parameter)`` to rank by (``"ST"``, ``"mu_star"``
        ...), or ``"swing"`` for ``|high - low|`` of one-at-a-time bounds.
    top : int
        Most parameters returned (all if there are fewer).
    scenario : str, optional
        Scenario to rank in; the first when None.

    Returns
    -------
    list of str
        Parameter names, largest key first; ties keep the Dataset's order, and
        parameters whose key is NaN are left out.

    Raises
    ------
    model.errors.InputError
        If `key`, the ``metric``/``parameter`` dims, `metric` or `scenario` is
        unknown, or `top` is not a whole number >= 1.
    """
    top = _check_top(top, "ranked_parameters")
    if key == "swing":
        require(data, ("low", "high"), "ranked_parameters")
        values = swing(data)
    else:
        require(data, (key,), "ranked_parameters")
        values = data[key]
    values = values.to_dataset(name="_key")
    _require_dims(
        values,
        "_key",
        ("metric", "parameter"),
        ("scenario", "metric", "parameter"),
        "ranked_parameters",
    )
    values, _ = _pick_scenario(values, scenario, "ranked_parameters")
    metrics = _metrics(values)
    if metric not in metrics:
        raise InputError(
            _source(data), "metric", f"unknown metric {metric!r}; available: {', '.join(metrics)}"
        )
    row = np.asarray(values["_key"].sel(metric=metric).values, dtype=float)
    names = [str(p) for p in values["parameter"].values]
    finite = np.flatnonzero(np.isfinite(row))
    order = finite[np.argsort(-row[finite], kind="stable")]
    return [names[i] for i in order[:top]]


def _legend_and_title(
    fig: Figure, handles: list, labels: list[str], title: str, where: str, subtitle: str
) -> None:
    """One row of legend under the panels and a two-line bold title (index figures)."""
    fig.legend(handles, labels, loc="outside lower center", ncols=len(handles), fontsize=9.5,
               frameon=False)  # fmt: skip
    fig.suptitle(
        title + (f" — {where}" if where else "") + f"\n{subtitle}", fontsize=13, weight="bold"
    )


# ------------------------------------------------------------------ Sobol bars


def _sobol_panel(ax: Axes, idx: xr.Dataset, metric: str, top: int) -> int:
    params = ranked_parameters(idx, metric, "ST", top)
    long_name, _ = metric_label(idx, metric)
    row = idx.sel(metric=metric, parameter=params) if params else None
    ax.set_title(_wrap(long_name, 44), fontsize=10.5)
    if row is None:
        ax.text(0.5, 0.5, "no finite ST", transform=ax.transAxes, ha="center", color="0.4")
        return 0
    y = np.arange(len(params))
    height = 0.38
    values = {k: np.asarray(row[k].values, dtype=float) for k in _SOBOL_VARS}
    for key, offset, color in (("S1", -height / 2, S1_COLOR), ("ST", height / 2, ST_COLOR)):
        ax.barh(
            y + offset,
            values[key],
            height=height,
            color=color,
            xerr=np.abs(values[f"{key}_conf"]),
            error_kw={"ecolor": "black", "elinewidth": 1.0, "capsize": 2.5},
            label=key,
            zorder=2,
        )
    ax.set_yticks(y, params, fontsize=8.5)
    ax.set_ylim(len(params) - 0.5, -0.5)  # largest on top
    ax.axvline(0, color="0.3", linewidth=0.8)
    bars = np.concatenate([values["S1"], values["ST"], [0.0]])
    ends = np.concatenate(
        [values[k] + sign * np.abs(values[f"{k}_conf"]) for k in ("S1", "ST") for sign in (-1, 1)]
    )
    bar_lo, bar_hi = float(np.nanmin(bars)), max(float(np.nanmax(bars)), 0.05)
    end_lo = float(np.nanmin(ends)) if np.isfinite(ends).any() else bar_lo
    end_hi = float(np.nanmax(ends)) if np.isfinite(ends).any() else bar_hi
    # wide intervals of a small sample would squash the bars: cut them 0.25 beyond
    left, right = max(min(end_lo, bar_lo), bar_lo - 0.25), min(max(end_hi, bar_hi), bar_hi + 0.25)
    pad = 0.03 * (right - left)
    ax.set_xlim(left - pad, right + pad)
    if left > end_lo or right < end_hi:
        ax.text(
            0.99,
            0.01,
            "error bars cut at the axis",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7.5,
            color="0.3",
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 1},
        )
    ax.set_xlabel("Sobol index (share of variance)", fontsize=9.5)
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(True, axis="x", alpha=0.3)
    return len(params)


class RankedGrid(NamedTuple):
    """One scenario's indices and a figure with a panel per metric for ranked bars."""

    data: xr.Dataset
    chosen: Hashable | None
    n_scenarios: int
    metrics: list[str]
    shown: int
    n_params: int
    fig: Figure
    axes: np.ndarray


def _ranked_grid(data: xr.Dataset, scenario, top: int, what: str) -> RankedGrid:
    """Pick the scenario and lay out panels tall enough for ``top`` ranked parameters."""
    n_scenarios = int(data.sizes.get("scenario", 1))
    data, chosen = _pick_scenario(data, scenario, what)
    metrics = _metrics(data)
    n_params = int(data.sizes["parameter"])
    shown = min(top, n_params)
    fig, axes = panel_grid(len(metrics), 0.27 * shown + 1.6, 1.3, SWEEP_WIDTH)
    return RankedGrid(data, chosen, n_scenarios, metrics, shown, n_params, fig, axes)


def sobol_bars(
    idx: xr.Dataset, path: str | Path, scenario: Hashable | None = None, top: int = 10
) -> Path:
    """Sobol first-order (S1) and total (ST) indices, one panel per metric.

    Each panel shows the `top` parameters by ST, largest on top, with S1 and ST as
    side-by-side horizontal bars and their confidence intervals (``S1_conf``,
    ``ST_conf``) as error bars. Indices are shares of the metric's variance
    (dimensionless): S1 from the parameter alone, ST including its interactions.

    Parameters
    ----------
    idx : xarray.Dataset
        Sobol indices: ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` on dims ``metric``
        and ``parameter`` (and optionally ``scenario``), with ``metric_long_name``
        and ``metric_units`` on ``metric`` (see `metric_label`).
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    scenario : str, optional
        Scenario to draw; the first when None.
    top : int
        Most parameters per panel (ranked by ST, see `ranked_parameters`).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If a Sobol variable or dim is missing (a Morris Dataset is named as such),
        `scenario` is unknown or `top` is not a whole number >= 1.
    """
    _check_indices(idx, _SOBOL_VARS, "sobol", "sobol_bars")
    top = _check_top(top, "sobol_bars")
    grid = _ranked_grid(idx, scenario, top, "sobol_bars")
    idx, fig = grid.data, grid.fig
    try:
        for ax, metric in zip(grid.axes.flat, grid.metrics, strict=False):
            _sobol_panel(ax, idx, metric, top)
        _legend_and_title(
            fig,
            [Patch(facecolor=S1_COLOR), Patch(facecolor=ST_COLOR), Line2D([], [], color="black")],
            [
                "S1: first-order (parameter alone)",
                "ST: total (with interactions)",
                "confidence interval (S1_conf, ST_conf)",
            ],
            "Sobol sensitivity indices of the 2025 metrics",
            _scenario_note(grid.chosen, grid.n_scenarios),
            f"top {grid.shown} of {grid.n_params} parameters by total index ST",
        )
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


# ------------------------------------------------------------------ Morris scatter


def label_layout(
    points: np.ndarray,
    sizes: np.ndarray,
    obstacles: np.ndarray | None = None,
    *,
    gap: float = 0.02,
) -> list[tuple[float, float, float, float]]:
    """Boxes for point labels that avoid each other, the points and their error bars.

    All coordinates are axes fractions (0-1). Each label tries, in turn, the places
    above-right, above-left, below-right, below-left, right and left of its point,
    and takes the first that stays inside the axes and clears the labels placed
    before it, every point and every horizontal error bar; failing that, the same
    places shifted up or down in steps of half a label height (drawn with a leader
    line), and at last the place with the fewest clashes. Labels are placed
    highest point first.

    Parameters
    ----------
    points : numpy.ndarray
        Shape (n, 2): x and y of the labelled points.
    sizes : numpy.ndarray
        Shape (n, 2): width and height of each label.
    obstacles : numpy.ndarray, optional
        Shape (m, 3): x, y and half-width of every point's horizontal error bar
        (0 for none), the labelled points included.
    gap : float
        Space between a point and its label.

    Returns
    -------
    list of tuple of float
        ``(left, bottom, right, top)`` of each label, in the order of `points`.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=float).reshape(-1, 2)
    bars = np.zeros((0, 3)) if obstacles is None else np.asarray(obstacles, float).reshape(-1, 3)
    placed: dict[int, tuple[float, float, float, float]] = {}

    def overlaps(a, b) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    def hits(box) -> int:
        left, bottom, right, top = box
        n = 0
        for x, y, half in bars:  # a marker reaches about 0.015 around its centre
            if (
                bottom - 0.015 < y < top + 0.015
                and x - half - 0.01 < right
                and left < x + half + 0.01
            ):
                n += 1
        return n

    def inside(box) -> bool:
        return box[0] >= 0.005 and box[2] <= 0.995 and box[1] >= 0.005 and box[3] <= 0.995

    for i in np.argsort(-points[:, 1], kind="stable"):
        (fx, fy), (w, h) = points[i], sizes[i]
        candidates = [
            (fx - 0.01, fy + gap, fx - 0.01 + w, fy + gap + h),  # above right
            (fx + 0.01 - w, fy + gap, fx + 0.01, fy + gap + h),  # above left
            (fx - 0.01, fy - gap - h, fx - 0.01 + w, fy - gap),  # below right
            (fx + 0.01 - w, fy - gap - h, fx + 0.01, fy - gap),  # below left
            (fx + 2 * gap, fy - h / 2, fx + 2 * gap + w, fy + h / 2),  # right
            (fx - 2 * gap - w, fy - h / 2, fx - 2 * gap, fy + h / 2),  # left
        ]
        candidates = [c for c in candidates if inside(c)] or [
            (
                min(max(c[0], 0.005), 0.995 - w),
                min(max(c[1], 0.005), 0.995 - h),
                min(max(c[0], 0.005), 0.995 - w) + w,
                min(max(c[1], 0.005), 0.995 - h) + h,
            )
            for c in candidates
        ]

        def free(box) -> bool:
            return not any(overlaps(box, other) for other in placed.values())

        def shifted(box, dy):
            return (box[0], box[1] + dy, box[2], box[3] + dy)

        shifts = [0.0] + [sign * k * h / 2 for k in range(1, 40) for sign in (1, -1)]
        options = [shifted(c, dy) for dy in shifts for c in candidates]
        options = [c for c in options if inside(c)] or candidates
        clear = [c for c in options if free(c) and hits(c) == 0]
        placed[i] = clear[0] if clear else min(options, key=lambda c: (not free(c), hits(c)))
    return [placed[i] for i in range(len(points))]


def _place_labels(
    ax: Axes,
    xs: np.ndarray,
    ys: np.ndarray,
    names: Sequence[str],
    obstacles: np.ndarray,
    fontsize: float = 8.5,
) -> None:
    """Label points by name where `label_layout` puts them (data coordinates in)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    fig = ax.figure
    pos = ax.get_position()
    width_pt = max(pos.width * fig.get_figwidth() * 72, 1.0)
    height_pt = max(pos.height * fig.get_figheight() * 72, 1.0)
    to_frac = np.array([x1 - x0, y1 - y0])
    points = (np.column_stack([xs, ys]) - [x0, y0]) / to_frac
    sizes = np.array(
        [[0.6 * fontsize * len(n) / width_pt + 0.01, 1.3 * fontsize / height_pt] for n in names]
    )
    bars = np.column_stack(
        [
            (obstacles[:, 0] - x0) / to_frac[0],
            (obstacles[:, 1] - y0) / to_frac[1],
            obstacles[:, 2] / to_frac[0],
        ]
    )
    boxes = label_layout(points, sizes, bars)
    for (fx, fy), name, box in zip(points, names, boxes, strict=True):
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        near = box[0] - 0.02 <= fx <= box[2] + 0.02 and abs(cy - fy) < 1.5 * (box[3] - box[1])
        ax.annotate(
            name,
            xy=(fx, fy),
            xycoords="axes fraction",
            xytext=(cx, cy),
            textcoords="axes fraction",
            ha="center",
            va="center",
            fontsize=fontsize,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.4},
            arrowprops=None if near else {"arrowstyle": "-", "color": "0.45", "linewidth": 0.7},
            zorder=6,
        )


def _morris_panel(ax: Axes, idx: xr.Dataset, metric: str) -> Callable[[], None]:
    """Draw one metric's points; returns the labelling step, to run once laid out."""
    long_name, units = metric_label(idx, metric)
    row = idx.sel(metric=metric)
    mu_star = np.asarray(row["mu_star"].values, dtype=float)
    conf = np.abs(np.asarray(row["mu_star_conf"].values, dtype=float))
    sigma = np.asarray(row["sigma"].values, dtype=float)
    names = [str(p) for p in row["parameter"].values]
    scale, label = display_scale(units, np.concatenate([mu_star, sigma]))
    mu_star, conf, sigma = mu_star / scale, conf / scale, sigma / scale
    ax.set_title(_wrap(long_name, 44), fontsize=10.5)
    finite = np.isfinite(mu_star) & np.isfinite(sigma)
    if not finite.any():
        ax.text(0.5, 0.5, "no finite mu*", transform=ax.transAxes, ha="center", color="0.4")
        return lambda: None
    labelled = ranked_parameters(idx.sel(metric=[metric]), metric, "mu_star", MORRIS_LABELS)
    marked = np.array([n in labelled for n in names]) & finite
    ax.errorbar(
        mu_star[finite & ~marked],
        sigma[finite & ~marked],
        xerr=conf[finite & ~marked],
        fmt="o",
        color="0.55",
        markersize=4.5,
        elinewidth=0.8,
        capsize=0,
        zorder=3,
    )
    ax.errorbar(
        mu_star[marked],
        sigma[marked],
        xerr=conf[marked],
        fmt="o",
        color=ST_COLOR,
        markersize=6,
        elinewidth=1,
        capsize=2,
        zorder=4,
    )
    reach = np.nanmax(np.concatenate([mu_star[finite] + conf[finite], sigma[finite]]))
    reach = float(reach) * 1.1 if reach > 0 else 1.0
    ax.plot([0, reach], [0, reach], color="0.35", linestyle="--", linewidth=1, zorder=1)
    ax.set_xlim(0, float(np.nanmax(mu_star[finite] + conf[finite])) * 1.12 or 1.0)
    ax.set_ylim(0, float(np.nanmax(sigma[finite])) * 1.22 or 1.0)  # room for labels
    unit = f" ({label})" if label else ""
    ax.set_xlabel(f"μ*: mean |elementary effect|{unit}", fontsize=9.5)
    ax.set_ylabel(f"σ: spread of effects{unit}", fontsize=9.5)
    ax.tick_params(labelsize=9)
    ax.grid(True, alpha=0.3)
    # labels may cover the grey error bars, not any marker nor a named point's bar
    half = np.where(marked, np.nan_to_num(conf), 0.0)
    obstacles = np.column_stack([mu_star[finite], sigma[finite], half[finite]])
    labels = [n for n, m in zip(names, marked, strict=True) if m]
    return lambda: _place_labels(ax, mu_star[marked], sigma[marked], labels, obstacles)


def morris_scatter(idx: xr.Dataset, path: str | Path, scenario: Hashable | None = None) -> Path:
    """Morris screening: mean absolute effect mu* against its spread sigma, per metric.

    One panel per metric, one point per parameter with ``mu_star_conf`` as a
    horizontal error bar; the `MORRIS_LABELS` parameters with the largest mu* are
    coloured and named. A dashed line marks sigma = mu*: points above it act
    mostly through interactions or non-linearly. Axes are in the metric's units
    (head counts in thousands or millions, `common.display_scale`):
    SALib's elementary effects are output changes per full range of the parameter.

    Parameters
    ----------
    idx : xarray.Dataset
        Morris indices: ``mu_star``, ``mu_star_conf``, ``sigma`` (``mu`` is not
        drawn) on dims ``metric`` and ``parameter`` (and optionally ``scenario``),
        with ``metric_long_name`` and ``metric_units`` on ``metric``.
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    scenario : str, optional
        Scenario to draw; the first when None.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If a Morris variable or dim is missing (a Sobol Dataset is named as such)
        or `scenario` is unknown.
    """
    _check_indices(idx, _MORRIS_VARS, "morris", "morris_scatter")
    n_scenarios = int(idx.sizes.get("scenario", 1))
    idx, chosen = _pick_scenario(idx, scenario, "morris_scatter")
    metrics = _metrics(idx)
    n_params = int(idx.sizes["parameter"])
    fig, axes = panel_grid(len(metrics), 3.9, 1.3, SWEEP_WIDTH)
    try:
        steps = [
            _morris_panel(ax, idx, metric) for ax, metric in zip(axes.flat, metrics, strict=False)
        ]
        _legend_and_title(
            fig,
            [
                Line2D([], [], marker="o", color=ST_COLOR, linestyle="none", markersize=6),
                Line2D([], [], marker="o", color="0.55", linestyle="none", markersize=4.5),
                Line2D([], [], color="0.25", linewidth=1),
                Line2D([], [], color="0.35", linestyle="--", linewidth=1),
            ],
            [
                f"{MORRIS_LABELS} largest μ* (named)",
                "other parameters",
                "μ* confidence interval (mu_star_conf)",
                "σ = μ* (above: interactions / non-linear)",
            ],
            "Morris screening of the 2025 metrics",
            _scenario_note(chosen, n_scenarios),
            f"{n_params} parameters; effects in the metric's units per parameter range",
        )
        fig.canvas.draw()  # lay the panels out, so that labels are sized to them
        for step in steps:
            step()
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


# ------------------------------------------------------------------ tornado


def _tornado_panel(ax: Axes, oat: xr.Dataset, metric: str, top: int) -> None:
    long_name, units = metric_label(oat, metric)
    params = ranked_parameters(oat, metric, "swing", top)
    base = float(oat["base"].sel(metric=metric))
    low = np.asarray(oat["low"].sel(metric=metric, parameter=params).values, dtype=float)
    high = np.asarray(oat["high"].sel(metric=metric, parameter=params).values, dtype=float)
    scale, label = display_scale(units, np.concatenate([[base], low, high]))
    base, low, high = base / scale, low / scale, high / scale
    y = np.arange(len(params))
    for i in range(len(params)):
        bars = [(low[i], LOW_COLOR), (high[i], HIGH_COLOR)]
        bars.sort(key=lambda b: -abs(b[0] - base))  # longer first, shorter drawn over it
        for z, (value, color) in enumerate(bars):
            ax.barh(
                y[i],
                value - base,
                left=base,
                height=0.7 if z == 0 else 0.5,
                color=color,
                zorder=2 + z,
                edgecolor="white",
                linewidth=0.5,
            )
    ax.axvline(base, color="black", linewidth=1.2, zorder=5)
    ax.set_yticks(y, params, fontsize=8.5)
    ax.set_ylim(len(params) - 0.5, -0.5)
    number = f"{base:,.0f}" if abs(base) >= 100 else f"{base:,.3g}"
    unit = f" {label}" if label else ""
    ax.set_title(f"{_wrap(long_name, 44)}\nbase value {number}{unit}", fontsize=10.5)
    ax.set_xlabel(label or "(dimensionless)", fontsize=9.5)
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(True, axis="x", alpha=0.3)
    lo = np.nanmin(np.concatenate([[base], low, high]))
    hi = np.nanmax(np.concatenate([[base], low, high]))
    pad = 0.06 * (hi - lo) if hi > lo else max(abs(base) * 0.01, 1e-9)
    ax.set_xlim(lo - pad, hi + pad)


def tornado(
    oat: xr.Dataset, path: str | Path, scenario: Hashable | None = None, top: int = 10
) -> Path:
    """One-at-a-time sensitivity: each metric with one parameter at a bound.

    One panel per metric: for the `top` parameters by ``|high - low|`` (largest on
    top), a bar from the base value to the metric with the parameter at its lower
    bound and one to the metric at its upper bound (distinct colours; when both
    lie on the same side, the shorter is drawn narrower over the longer), with
    the base value as a vertical line.

    Parameters
    ----------
    oat : xarray.Dataset
        ``base`` on ``metric``, ``low`` and ``high`` on ``metric`` and
        ``parameter`` (each optionally on ``scenario``), in the metric's units,
        with ``metric_long_name`` and ``metric_units`` on ``metric``.
    path : str or pathlib.Path
        PNG to write; its folder is created if missing.
    scenario : str, optional
        Scenario to draw; the first when None.
    top : int
        Most parameters per panel (see `ranked_parameters` with ``key="swing"``).

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    model.errors.InputError
        If ``base``, ``low`` or ``high`` or a dim is missing, `scenario` is unknown
        or `top` is not a whole number >= 1.
    """
    if not isinstance(oat, xr.Dataset):
        raise InputError("tornado", "oat", f"need an xarray.Dataset, got {type(oat).__name__}")
    require(oat, _OAT_VARS, "tornado")
    _require_dims(oat, "base", ("metric",), ("scenario", "metric"), "tornado")
    for name in ("low", "high"):
        _require_dims(
            oat, name, ("metric", "parameter"), ("scenario", "metric", "parameter"), "tornado"
        )
    top = _check_top(top, "tornado")
    grid = _ranked_grid(oat, scenario, top, "tornado")
    oat, fig = grid.data, grid.fig
    try:
        for ax, metric in zip(grid.axes.flat, grid.metrics, strict=False):
            _tornado_panel(ax, oat, metric, top)
        _legend_and_title(
            fig,
            [
                Patch(facecolor=LOW_COLOR),
                Patch(facecolor=HIGH_COLOR),
                Line2D([], [], color="black", linewidth=1.2),
            ],
            [
                "parameter at lower bound",
                "parameter at upper bound",
                "base value (all parameters at base)",
            ],
            "One-at-a-time sensitivity of the 2025 metrics",
            _scenario_note(grid.chosen, grid.n_scenarios),
            f"top {grid.shown} of {grid.n_params} parameters by swing |upper − lower|",
        )
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


__all__ = [
    "label_layout",
    "metric_label",
    "morris_scatter",
    "ranked_parameters",
    "sobol_bars",
    "swing",
    "tornado",
]
