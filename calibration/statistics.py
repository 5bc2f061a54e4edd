"""Summary statistics of a simulated series' fit to an observed one.

`fit_statistics` compares a model series S (simulated) with the seed's series A
(actual, observed) of the same years and returns a `FitStatistics`: the mean
absolute percent error, R², the root mean square percent error, the mean square
error and its decomposition into Theil's inequality statistics, after

    Sterman, J. D. (1984). Appropriate summary statistics for evaluating the
    historical fit of system dynamics models. *Dynamica* 10(2): 51-66.

The decomposition splits the mean square error into a part due to unequal means
(bias, U^M), unequal variances (U^S) and imperfect correlation (U^C)::

    MSE = (mean S - mean A)**2 + (σ_S - σ_A)**2 + 2 (1 - r) σ_S σ_A
    U^M = (mean S - mean A)**2 / MSE
    U^S = (σ_S - σ_A)**2 / MSE
    U^C = 2 (1 - r) σ_S σ_A / MSE,        U^M + U^S + U^C = 1

with population standard deviations (``ddof=0``) and r Pearson's correlation of S
and A. A large error concentrated in U^C is unsystematic (the model follows the
trend but not every wiggle, often acceptable); a large U^M or U^S is systematic.

`format_fit_table` lays out several series' statistics as a text table, with an
optional check of each MAPE against a bound.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = ["FitStatistics", "fit_statistics", "format_fit_table"]


@dataclass(frozen=True)
class FitStatistics:
    """Fit of a simulated series to an observed one (see `fit_statistics`).

    Attributes
    ----------
    n : int
        Number of observations (years) compared.
    mape : float
        Mean absolute percent error, mean of ``|S - A| / |A|``, as a fraction
        (0.032 is 3.2 %); dimensionless.
    r2 : float
        Coefficient of determination, the square of Pearson's correlation of S and
        A; dimensionless, in [0, 1]. 0.0 (not NaN) when either series is constant
        or `single_point`.
    rmspe : float
        Root mean square percent error, ``sqrt(mean(((S - A) / A)**2))``, as a
        fraction; dimensionless.
    mse : float
        Mean square error, mean of ``(S - A)**2``, in the series' units squared
        (e.g. (10⁴ m²)² for sales area).
    um : float
        Theil's bias proportion U^M, ``(mean S - mean A)**2 / MSE``; dimensionless.
    us : float
        Theil's unequal-variation proportion U^S, ``(σ_S - σ_A)**2 / MSE``;
        dimensionless.
    uc : float
        Theil's unequal-covariation proportion U^C, ``2 (1 - r) σ_S σ_A / MSE``;
        dimensionless. ``um + us + uc`` is 1 up to rounding, or 0 when S equals A
        (``mse == 0``: a perfect fit has no error to decompose) or `single_point`.
    single_point : bool
        True when ``n == 1`` (a single observed year, such as the 2019 population):
        only ``mape``, ``rmspe`` and ``mse`` are meaningful; ``r2``, ``um``, ``us``
        and ``uc`` are set to 0.
    """

    n: int
    mape: float
    r2: float
    rmspe: float
    mse: float
    um: float
    us: float
    uc: float
    single_point: bool = False


def _as_series(values, name: str) -> np.ndarray:
    """Return `values` as a 1-D float array, refusing what cannot be compared."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not a sequence of numbers ({exc})") from None
    if array.ndim != 1:
        raise ValueError(f"{name}: must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: is empty; at least one value is needed")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        kind = "NaN" if np.isnan(array[bad[0]]) else "infinite"
        raise ValueError(
            f"{name}: {kind} value at position {int(bad[0])} "
            f"({bad.size} non-finite value(s) at positions {bad.tolist()}); "
            "compare only years where both series have a value"
        )
    return array


def _is_constant(x: np.ndarray) -> bool:
    return bool(np.all(x == x[0]))


def _unit(x: np.ndarray) -> np.ndarray:
    """Return `x` divided by its largest magnitude (unchanged when all zero)."""
    peak = float(np.max(np.abs(x)))
    return x / peak if peak > 0 else x


def _root_mean_square(x: np.ndarray) -> float:
    """Return ``sqrt(mean(x**2))`` without overflow or underflow in the squares."""
    peak = float(np.max(np.abs(x)))
    return peak * float(np.sqrt(np.mean((x / peak) ** 2))) if peak > 0 else 0.0


def fit_statistics(simulated, observed) -> FitStatistics:
    """Fit statistics of a simulated series against an observed one.

    Parameters
    ----------
    simulated : array_like of float, shape (n,)
        Model values S, one per compared year, in the observed series' units.
    observed : array_like of float, shape (n,)
        Observed values A of the same years, in the same units; no zero (percent
        errors divide by A).

    Returns
    -------
    FitStatistics
        MAPE, R², RMSPE, MSE and Theil's U^M, U^S, U^C (Sterman 1984). Special
        cases, so that no statistic is ever NaN:

        * either series constant: ``r2 = 0.0`` (the correlation is undefined; a
          constant series explains none of the other's variation);
        * S equals A (``mse == 0``, a perfect fit): ``um = us = uc = 0.0``;
        * ``n == 1``: ``r2 = um = us = uc = 0.0`` and ``single_point=True``.

    Raises
    ------
    ValueError
        If either series is not one-dimensional, is empty or holds NaN or an
        infinite value, if the lengths differ, or if an observed value is zero.

    Notes
    -----
    U^M + U^S + U^C = 1 holds to rounding at any scale: the three are computed from
    the error ``d = S - A`` as ``mean(d)**2``, and ``var(d)`` split into
    ``(σ_S - σ_A)**2`` and the rest, which equals ``2 (1 - r) σ_S σ_A``, each over
    ``mean(d**2)``, with `d` divided by its largest magnitude first so that nothing
    underflows. In a near-perfect fit (MSE many orders of magnitude below var(A))
    the split between U^S and U^C is dominated by rounding.

    Examples
    --------
    >>> stats = fit_statistics([11.0, 21.0, 31.0], [10.0, 20.0, 30.0])
    >>> round(stats.um, 12), round(stats.us, 12), round(stats.uc, 12)
    (1.0, 0.0, 0.0)
    """
    s = _as_series(simulated, "simulated")
    a = _as_series(observed, "observed")
    if s.size != a.size:
        raise ValueError(
            f"simulated has {s.size} value(s), observed {a.size}; "
            "the series must cover the same years"
        )
    zero = np.flatnonzero(a == 0.0)
    if zero.size:
        raise ValueError(
            f"observed: zero at position(s) {zero.tolist()}; "
            "MAPE and RMSPE divide by the observed value"
        )
    n = int(a.size)
    d = s - a
    relative = d / a
    mape = float(np.mean(np.abs(relative)))
    rmspe = _root_mean_square(relative)
    mse = _root_mean_square(d) ** 2
    if n == 1:
        return FitStatistics(n, mape, 0.0, rmspe, mse, 0.0, 0.0, 0.0, single_point=True)

    # Deviations and errors are divided by their largest magnitude before squaring, so
    # that tiny series do not underflow: every statistic below is a ratio and does not
    # depend on that scale.
    s_dev, a_dev = s - s.mean(), a - a.mean()
    if _is_constant(s) or _is_constant(a):
        r2 = 0.0
    else:
        s_hat, a_hat = _unit(s_dev), _unit(a_dev)
        r = float(np.mean(s_hat * a_hat) / np.sqrt(np.mean(s_hat**2) * np.mean(a_hat**2)))
        r2 = min(1.0, r * r)

    if not np.any(d):  # perfect fit: no error to decompose
        return FitStatistics(n, mape, r2, rmspe, mse, 0.0, 0.0, 0.0)
    e = _unit(d)
    bias = float(np.mean(e))  # (mean S - mean A) / max|d|
    e_dev = e - bias  # (d - mean d) / max|d| = (s' - a') / max|d|
    square = float(np.mean(e**2))  # MSE / max|d|², at least 1/n
    variation = float(np.mean(e_dev**2))  # [(σ_S - σ_A)² + 2 (1 - r) σ_S σ_A] / max|d|²
    # σ_S - σ_A = (σ_S² - σ_A²) / (σ_S + σ_A) with σ_S² - σ_A² = mean((s' - a') (s' + a')),
    # s', a' the deviations from the means: no cancellation of two nearly equal σ.
    q = max(float(np.max(np.abs(s_dev))), float(np.max(np.abs(a_dev))))
    if q > 0:
        s_dev, a_dev = s_dev / q, a_dev / q
        spread = float(np.sqrt(np.mean(s_dev**2)) + np.sqrt(np.mean(a_dev**2)))
        sd_diff = float(np.mean(e_dev * (s_dev + a_dev))) / spread  # (σ_S - σ_A) / max|d|
    else:  # both constant
        sd_diff = 0.0
    unequal_variation = min(sd_diff**2, variation)
    unequal_covariation = variation - unequal_variation  # 2 (1 - r) σ_S σ_A ≥ 0
    return FitStatistics(
        n,
        mape,
        r2,
        rmspe,
        mse,
        bias**2 / square,
        unequal_variation / square,
        unequal_covariation / square,
    )


def _row(item) -> tuple[str, FitStatistics, float | None]:
    if not isinstance(item, tuple) or len(item) not in (2, 3):
        raise ValueError(
            f"fit table row {item!r}: expected (series, FitStatistics) or "
            "(series, FitStatistics, mape_bound)"
        )
    series, stats, bound = (*item, None) if len(item) == 2 else item
    if not isinstance(stats, FitStatistics):
        raise ValueError(f"fit table row {series!r}: {stats!r} is not a FitStatistics")
    if bound is not None and not (isinstance(bound, int | float) and math.isfinite(bound)):
        raise ValueError(f"fit table row {series!r}: MAPE bound {bound!r} is not a number")
    return str(series), stats, None if bound is None else float(bound)


def format_fit_table(
    rows: Mapping[str, FitStatistics]
    | Iterable[tuple[str, FitStatistics] | tuple[str, FitStatistics, float | None]],
) -> str:
    """Lay out fit statistics of several series as a plain-text table.

    Parameters
    ----------
    rows : mapping or iterable of tuples
        ``{series: FitStatistics}``, or ``(series, FitStatistics)`` and
        ``(series, FitStatistics, mape_bound)`` tuples in display order. A
        ``mape_bound`` is the largest acceptable MAPE as a fraction (0.05 for 5 %),
        or None for no check.

    Returns
    -------
    str
        Columns ``series``, ``n``, ``MAPE %``, ``R²``, ``U^M``, ``U^S``, ``U^C``, and
        ``bound`` when any row has one: ``"ok"`` if the MAPE is at most the bound
        (``"ok ≤5%"``), ``"MISS"`` if above, ``"-"`` for a row without bound. R² and
        the U statistics of a `single_point` row are shown as ``"-"``; a table
        without rows is its header alone. No trailing newline.

    Raises
    ------
    ValueError
        If a row is not such a tuple or a bound is not a finite number.

    Examples
    --------
    >>> stats = fit_statistics([11.0, 21.0, 31.0], [10.0, 20.0, 30.0])
    >>> print(format_fit_table([("sales_area", stats, 0.05)]))
    series      n  MAPE %    R²   U^M   U^S   U^C  bound
    sales_area  3    6.11  1.00  1.00  0.00  0.00  MISS >5%
    """
    items = rows.items() if isinstance(rows, Mapping) else rows
    parsed = [_row(tuple(item)) for item in items]
    with_bound = any(bound is not None for _, _, bound in parsed)
    header = ["series", "n", "MAPE %", "R²", "U^M", "U^S", "U^C"]
    if with_bound:
        header.append("bound")
    lines = []
    for series, stats, bound in parsed:
        if stats.single_point:
            shares = ["-"] * 4
        else:
            shares = [f"{v:.2f}" for v in (stats.r2, stats.um, stats.us, stats.uc)]
        cells = [series, str(stats.n), f"{100 * stats.mape:.2f}", *shares]
        if with_bound:
            if bound is None:
                cells.append("-")
            elif stats.mape <= bound:
                cells.append(f"ok ≤{100 * bound:g}%")
            else:
                cells.append(f"MISS >{100 * bound:g}%")
        lines.append(cells)
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

    def render(cells: list[str]) -> str:
        # series and bound left-aligned, numbers right-aligned
        out = [
            cell.ljust(w) if i == 0 or (with_bound and i == len(header) - 1) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(out).rstrip()

    return "\n".join(render(cells) for cells in [header, *lines])
