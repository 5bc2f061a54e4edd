"""Scenario runs combined into one Dataset with a ``scenario`` dimension."""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr


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
