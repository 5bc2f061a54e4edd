"""Scenario comparison: runs of several scenarios, their scorecards, one Dataset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from anshan_housing.experiments.scenarios import Scenario, run_scenario
from anshan_housing.experiments.scorecard import posterior_scorecard, scorecard, scorecard_csv
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import save_netcdf, write_atomic


def comparison_dataset(runs: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """Stack scenario runs along a new ``scenario`` dimension (attrs that differ dropped).

    Each scenario's description and policy are kept as ``scenario``-indexed variables.
    """
    names = list(runs)
    combined = xr.concat(
        [runs[n] for n in names],
        dim=xr.DataArray(names, dims="scenario", name="scenario"),
        coords="minimal",
        compat="override",
        combine_attrs="drop_conflicts",
    )
    combined["scenario_description"] = (
        "scenario",
        [str(runs[n].attrs.get("scenario_description", "")) for n in names],
    )
    combined["scenario_policy"] = (
        "scenario",
        [str(runs[n].attrs.get("policy", "")) for n in names],
    )
    combined.attrs.pop("scenario", None)
    return combined


#: Files that `write_comparison` writes into its folder.
OUTPUT_FILES = ("scorecard.csv", "comparison.nc", "comparison.png")


@dataclass(frozen=True)
class Comparison:
    """Scenario runs and their Table 1 scorecards, by scenario name."""

    runs: dict[str, xr.Dataset]
    cards: dict[str, dict]

    @property
    def basis(self) -> str:
        """The population basis of the runs (their ``population_basis`` attribute)."""
        bases = {str(ds.attrs.get("population_basis", "plan")) for ds in self.runs.values()}
        return bases.pop() if len(bases) == 1 else "mixed"


def compare_scenarios(
    scenarios: Sequence[Scenario],
    values: Mapping[str, float | np.ndarray],
    attrs: Mapping[str, object] | None = None,
    posterior: bool = False,
) -> Comparison:
    """Run each scenario on ``values`` and score it against the plan's Table 1.

    With ``posterior`` the values hold one member per posterior draw: each scenario
    runs them as one ensemble (yearly records only) and is scored by
    :func:`~experiments.scorecard.posterior_scorecard`.

    Raises
    ------
    InputError
        If two scenarios have the same name.
    """
    if len({s.name for s in scenarios}) != len(scenarios):
        raise InputError("arguments", "NAMES", "a scenario is named twice")
    options = {"monthly": (), "record_age": False} if posterior else {}
    runs = {s.name: run_scenario(s, values, attrs=attrs, **options) for s in scenarios}
    score = posterior_scorecard if posterior else scorecard
    return Comparison(runs, {name: score(ds) for name, ds in runs.items()})


def write_comparison(comparison: Comparison, folder: str | Path, lang: str = "en") -> list[Path]:
    """Write `OUTPUT_FILES` (scorecard CSV, NetCDF with a ``scenario`` dim, figure).

    With ``lang="zh"`` the figure is the indicator panels in Chinese (English, with one
    warning, where matplotlib has no CJK font).
    """
    from anshan_housing.experiments.figures import comparison_figure
    from anshan_housing.experiments.figures.indicators import drawing_language, indicator_panels

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    combined = comparison_dataset(comparison.runs)
    text = scorecard_csv(comparison.cards, comparison.basis)
    write_atomic(folder / "scorecard.csv", lambda tmp: tmp.write_text(text))
    save_netcdf(combined, folder / "comparison.nc")
    if lang != "en" and drawing_language(lang, vector=False) != "en":
        indicator_panels(combined, folder / "comparison.png", lang)
    else:
        comparison_figure(combined, folder / "comparison.png")
    return [folder / name for name in OUTPUT_FILES]
