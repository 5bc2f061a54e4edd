"""Figures of a posterior: how far each parameter narrowed, and a pair plot.

`narrowing_figure`
    One row per sampled parameter: its prior 90 % interval as the unit width, the
    posterior's 90 % interval and median inside it, the most narrowed at the top.
`pair_plot`
    The parameters of the strongest posterior correlations: each pair's draws (lower
    triangle, with its correlation), each parameter's posterior against its prior
    (diagonal).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from anshan_housing.calibration.posterior_summary import (
    PINNED,
    UNTOUCHED,
    Narrowing,
    correlations,
    narrowing,
)
from anshan_housing.experiments.figures import common

PRIOR_COLOR = "0.78"
POSTERIOR_COLOR = common.MODEL_COLOR
PAIR_DRAWS = 2000  # draws drawn as points per panel (evenly over the file)
PAIR_PARAMETERS = 6  # parameters of the pair plot: those of the strongest correlations


def _unit(units: Mapping[str, str], name: str) -> str:
    unit = units.get(name, "")
    return "" if unit in ("", "1") else f" {common.unit_label(unit)}"


def narrowing_figure(rows: Sequence[Narrowing], path: str | Path,
                     units: Mapping[str, str] | None = None, title: str = "") -> Path:  # fmt: skip
    """Prior against posterior 90 % intervals, each on its prior interval's scale.

    Parameters
    ----------
    rows : sequence of Narrowing
        From `calibration.posterior_summary.narrowing`, in the order drawn (top first).
    path : str or pathlib.Path
        PNG to write.
    units : mapping of str to str, optional
        Each parameter's unit, printed beside its posterior interval.
    title : str
        First line of the title.
    """
    units = units or {}
    n = len(rows)
    fig, ax = plt.subplots(figsize=(11.5, 0.42 * n + 1.9), layout="constrained")
    try:
        for i, r in enumerate(rows):
            y = n - 1 - i
            p_lo, p_hi = r.prior
            width = p_hi - p_lo
            lo, mid, hi = ((v - p_lo) / width for v in r.posterior)
            ax.barh(y, 1.0, left=0.0, height=0.62, color=PRIOR_COLOR,
                    label="prior 5–95 %" if i == 0 else None)  # fmt: skip
            ax.barh(y, hi - lo, left=lo, height=0.34, color=POSTERIOR_COLOR,
                    label="posterior 5–95 %" if i == 0 else None)  # fmt: skip
            ax.plot(mid, y, "o", color="white", mec="black", ms=5,
                    label="posterior median" if i == 0 else None)  # fmt: skip
            post = f"{r.posterior[0]:.4g} – {r.posterior[2]:.4g}{_unit(units, r.name)}"
            ax.text(1.32, y, f"{r.width_ratio:.2f}  {r.verdict}   {post}", va="center",
                    fontsize=9)  # fmt: skip
        ax.set_yticks(range(n)[::-1], [r.name for r in rows], fontsize=9.5)
        ax.set_xlim(-0.32, 2.35)
        ax.set_xticks([0, 0.5, 1], ["prior 5 %", "middle", "prior 95 %"])
        ax.axvline(0, color="0.5", lw=0.6)
        ax.axvline(1, color="0.5", lw=0.6)
        ax.text(1.32, n - 0.3, "posterior / prior width, verdict, posterior 5–95 %",
                fontsize=9, weight="bold")  # fmt: skip
        ax.set_ylim(-0.7, n + 0.2)
        ax.set_xlabel("position within the prior's 90 % interval (0 = its 5 %, 1 = its 95 %)")
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=3, frameon=False,
                  fontsize=9)  # fmt: skip
        ax.grid(axis="x", alpha=0.3)
        fig.suptitle(
            f"{title or 'What the 2016-2019 data pin down'}\n"
            f"posterior 90 % width under {PINNED:g} of the prior's: pinned; "
            f"over {UNTOUCHED:g}: prior only",
            fontsize=12,
            weight="bold",
        )
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


def pair_plot(idata, names: Sequence[str], path: str | Path,
              units: Mapping[str, str] | None = None, title: str = "") -> Path:  # fmt: skip
    """Posterior draws of ``names`` pairwise, with the priors on the diagonal.

    Parameters
    ----------
    idata : arviz.InferenceData
        With prior and posterior groups.
    names : sequence of str
        Two to six parameters, e.g. those of the strongest correlations.
    path : str or pathlib.Path
        PNG to write.
    units : mapping of str to str, optional
        Each parameter's unit, on its axis label.
    title : str
        First line of the title.
    """
    units = units or {}
    k = len(names)
    if not 2 <= k <= 6:
        raise ValueError(f"pair_plot draws 2 to 6 parameters, got {k}")
    post = {n: np.asarray(idata.posterior[n].values, float).reshape(-1) for n in names}
    prior = {n: np.asarray(idata.prior[n].values, float).reshape(-1) for n in names}
    total = len(post[names[0]])
    pick = np.linspace(0, total - 1, min(PAIR_DRAWS, total)).round().astype(int)
    fig, axes = plt.subplots(k, k, figsize=(2.35 * k + 0.6, 2.2 * k + 0.9),
                             layout="constrained", squeeze=False)  # fmt: skip
    try:
        for i, a in enumerate(names):
            for j, b in enumerate(names):
                ax = axes[i, j]
                if j > i:
                    ax.set_axis_off()
                    continue
                if i == j:
                    lo, hi = np.quantile(prior[a], [0.005, 0.995])
                    bins = np.linspace(min(lo, post[a].min()), max(hi, post[a].max()), 40)
                    ax.hist(prior[a], bins=bins, density=True, color=PRIOR_COLOR,
                            label="prior")  # fmt: skip
                    ax.hist(post[a], bins=bins, density=True, histtype="step", lw=1.6,
                            color=POSTERIOR_COLOR, label="posterior")  # fmt: skip
                    ax.set_yticks([])
                    ax.set_title(a, fontsize=9)
                    if i == 0:
                        ax.legend(fontsize=8, frameon=False)
                else:
                    ax.plot(post[b][pick], post[a][pick], ".", ms=1.6, alpha=0.35,
                            color=POSTERIOR_COLOR)  # fmt: skip
                    r = np.corrcoef(post[a], post[b])[0, 1]
                    ax.text(0.04, 0.92, f"r = {r:+.2f}", transform=ax.transAxes, fontsize=9,
                            weight="bold", va="top")  # fmt: skip
                if i == k - 1:
                    ax.set_xlabel(f"{b}{_unit(units, b)}", fontsize=8.5)
                if j == 0 and i > 0:
                    ax.set_ylabel(f"{a}{_unit(units, a)}", fontsize=8.5)
                ax.tick_params(labelsize=7.5)
        fig.suptitle(
            f"{title or 'Posterior pair plot: the strongest correlations'}\n"
            f"{len(pick):,} of {total:,} posterior draws; diagonal: prior (grey) and "
            "posterior (blue)",
            fontsize=12,
            weight="bold",
        )
    except BaseException:
        plt.close(fig)
        raise
    return common.save(fig, path)


def posterior_figures(idata, folder: Path) -> list[Path]:
    """``narrowing.png`` and ``pairs.png`` (the strongest correlations) in ``folder``."""
    from anshan_housing.model.parameters import load_parameters

    units = {n: p.unit for n, p in load_parameters().items()}
    pairs = correlations(idata)
    names = list(dict.fromkeys(n for a, b, _ in pairs for n in (a, b)))[:PAIR_PARAMETERS]
    return [narrowing_figure(narrowing(idata), folder / "narrowing.png", units),
            pair_plot(idata, names, folder / "pairs.png", units)]  # fmt: skip


__all__ = ["narrowing_figure", "pair_plot", "posterior_figures"]
