"""Tests of experiments/figures/files.py: variable panels of saved runs, comparisons, sweeps."""

import pytest

from anshan_housing.experiments.figures.comparison import COMPARISON_PANELS
from anshan_housing.experiments.figures.files import MAX_LISTED, plot_file
from anshan_housing.experiments.figures.run import HOUSING_PANELS
from anshan_housing.model.errors import InputError
from tests.conftest import COMPARE_SCENARIOS, bands, check_png, model_labels

# ---------------------------------------------------------------- plot_file


def test_plot_file_single_run(baseline, tmp_path, captured):
    path = tmp_path / "run.nc"
    baseline.to_netcdf(path, engine="h5netcdf")
    out = plot_file(path, out_dir=tmp_path / "figs")
    assert out == [tmp_path / "figs" / "run_panels.png"]
    check_png(out[0])
    visible = [ax for ax in captured[0].axes if ax.axison]
    assert len(visible) == len(HOUSING_PANELS) + 1
    assert "run.nc" in captured[0].get_suptitle()
    baseline.to_netcdf(path, engine="h5netcdf")  # the file was closed


def test_plot_file_comparison(comparison, tmp_path, captured):
    path = tmp_path / "compare.nc"
    comparison.to_netcdf(path, engine="h5netcdf")
    out = plot_file(path, out_dir=tmp_path)
    assert out == [tmp_path / "compare_panels.png"]
    check_png(out[0])
    visible = [ax for ax in captured[0].axes if ax.axison]
    assert len(visible) == len(COMPARISON_PANELS)
    for ax in visible:
        assert model_labels(ax) == list(COMPARE_SCENARIOS)


def test_plot_file_sweep_and_chosen_variables(comparison_ensemble, tmp_path, captured):
    path = tmp_path / "sweep.nc"
    comparison_ensemble.isel(scenario=0, drop=True).rename({"member": "sample"}).to_netcdf(
        path, engine="h5netcdf"
    )
    out = plot_file(path, ["average_price", "clearance_period_monthly"], tmp_path)
    check_png(out[0], min_width=1000, min_height=400)  # two panels in a row
    axes = [ax for ax in captured[0].axes if ax.axison]
    assert len(axes) == 2
    assert all(len(bands(ax)) == 1 for ax in axes)
    assert "sweep of 6 samples" in captured[0].get_suptitle()


def test_plot_file_unknown_variable_lists_names(baseline, tmp_path):
    path = tmp_path / "run.nc"
    baseline.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(InputError) as info:
        plot_file(path, ["average_price", "avrage_price", "nonsense"], tmp_path)
    error = info.value
    assert error.source == str(path)
    assert error.field == "avrage_price, nonsense"
    assert error.problem.startswith("not in the file; variables: average_price")
    listed = error.problem.split("variables: ")[1].split(" ... ")[0].split(", ")
    assert len(listed) == MAX_LISTED
    assert "more)" in error.problem
    assert not list(tmp_path.glob("*.png"))


def test_plot_file_missing_unreadable_or_empty(baseline, tmp_path):
    missing = tmp_path / "nope.nc"
    with pytest.raises(InputError, match="no such file") as info:
        plot_file(missing)
    assert info.value.source == str(missing)
    text = tmp_path / "text.nc"
    text.write_text("not a netcdf file\n")
    with pytest.raises(InputError, match="cannot be read") as info:
        plot_file(text, out_dir=tmp_path)
    assert info.value.source == str(text)
    with pytest.raises(InputError, match="folder"):
        plot_file(tmp_path)
    path = tmp_path / "run.nc"
    baseline.to_netcdf(path, engine="h5netcdf")
    with pytest.raises(InputError, match="none requested"):
        plot_file(path, [], tmp_path)
