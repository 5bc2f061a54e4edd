"""Scorecard: values come from the Dataset; unsimulated rows never pass; CLI compare."""

from __future__ import annotations

import numpy as np
import pytest
from anshan_housing.cli import main
from anshan_housing.experiments.scorecard import (
    NOT_SIMULATED,
    months_in_band,
    scorecard,
    scorecard_csv,
)
from click.testing import CliRunner


def test_rows_are_computed_from_the_dataset(baseline):
    rows = {r.indicator: r for r in scorecard(baseline)}
    supply = rows["new commodity housing supply 2021-2025 (permits)"]
    expected = baseline["permits_yearly"].isel(member=0).sel(year=slice(2021, 2025)).sum().item()
    assert supply.value == pytest.approx(expected)
    area = rows["per-capita housing floor area 2025"]
    assert area.value == baseline["per_capita_floor_area"].isel(member=0).sel(year=2025).item()
    assert area.status == ("met" if area.value > 36 else "missed")
    clearance = rows["clearance period 2025"]
    assert clearance.status == ("met" if 15 <= clearance.value <= 18 else "missed")


def test_unsimulated_rows_never_pass(baseline):
    rows = {r.indicator: r for r in scorecard(baseline)}
    for name, _, _ in NOT_SIMULATED:
        assert rows[name].status == "not simulated" and rows[name].value is None


def test_months_in_band_counts_monthly_values(baseline):
    period = baseline["clearance_period_monthly"].isel(member=0).sel(time=slice("2021", "2025"))
    expected = int(np.sum((period.values >= 15) & (period.values <= 18)))
    assert months_in_band(baseline) == expected


def test_csv_has_a_row_per_indicator_and_scenario(baseline):
    text = scorecard_csv({"a": scorecard(baseline), "b": scorecard(baseline)})
    lines = text.strip().splitlines()
    assert lines[0] == "scenario,indicator,unit,target,value,status"
    assert len(lines) == 1 + 2 * len(scorecard(baseline))


def test_compare_prints_scorecard_and_writes_outputs(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["compare", "plan-table2", "freeze", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "plan-table2" in result.output and "not simulated" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.nc",
        "comparison.png",
        "scorecard.csv",
    ]
    import xarray as xr

    with xr.open_dataset(out / "comparison.nc", engine="h5netcdf") as ds:
        assert list(ds["scenario"].values) == ["plan-table2", "freeze"]
    again = CliRunner().invoke(main, ["compare", "freeze", "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output


def test_scenarios_lists_descriptions():
    result = CliRunner().invoke(main, ["scenarios"])
    assert result.exit_code == 0
    assert "five-category" in result.output and "clearance period" in result.output
