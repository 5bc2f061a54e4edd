"""Tests of experiments/figures/comparison.py: scenarios side by side against the plan."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection

from anshan_housing.experiments.figures.common import MAX_LINES, OBSERVED_LABEL
from anshan_housing.experiments.figures.comparison import (
    COMPARISON_PANELS,
    as_members,
    comparison_figure,
    draw_comparison,
)
from anshan_housing.model.errors import InputError
from tests.conftest import COMPARE_SCENARIOS, bands, check_png, labelled_lines, model_labels


@pytest.fixture
def figure(comparison):
    fig = draw_comparison(comparison)
    yield fig
    plt.close(fig)


# ---------------------------------------------------------------- comparison_figure


def test_comparison_figure_is_written(comparison, tmp_path):
    before = plt.get_fignums()
    path = comparison_figure(comparison, tmp_path / "nested" / "compare.png")
    assert path == tmp_path / "nested" / "compare.png"
    check_png(path, min_width=1800)
    assert plt.get_fignums() == before


def test_one_line_per_scenario_in_every_panel(figure):
    panels = figure.axes[: len(COMPARISON_PANELS)]
    for ax in panels:
        assert model_labels(ax) == list(COMPARE_SCENARIOS)
    colours = {line.get_color() for line in labelled_lines(panels[0])}
    assert len(colours) == len(COMPARE_SCENARIOS)
    assert "tab:red" not in colours  # red is the observed points'


def test_panels_titles_units_and_monthly_clearance(figure):
    axes = figure.axes
    assert len(axes) == 8
    assert [ax.get_ylabel() for ax in axes[:7]] == [
        "ha/yr",
        "10⁴ m²/yr",
        "10⁴ m² (wan m²)",
        "months",
        "yuan/m²",
        "m²/person",
        "million persons",
    ]
    assert all(ax.get_title() for ax in axes[:7])
    clearance = labelled_lines(axes[3])[0]
    assert len(clearance.get_xdata()) == 120  # monthly
    assert axes[3].get_xlabel() == "month"
    population = labelled_lines(axes[6])[0].get_ydata()
    assert 3.0 < population[0] < 4.0  # millions
    assert "3 scenarios" in figure.get_suptitle()


def test_plan_targets_drawn_and_labelled(figure):
    clearance, area = figure.axes[3], figure.axes[5]
    band = [p for p in clearance.patches if p.get_label() == "plan target 15-18 months"]
    assert len(band) == 1
    target = [line for line in area.get_lines() if line.get_label() == "plan target > 36 m²"]
    assert len(target) == 1
    assert np.allclose(target[0].get_ydata(), 36.0)
    assert area.get_ylim()[0] < 36.0 < area.get_ylim()[1]
    low, high = clearance.get_ylim()
    assert low < 15.0 and high > 18.0


def test_observed_points_and_shared_legend(figure):
    def observed(ax):
        return [line for line in ax.get_lines() if line.get_label() == OBSERVED_LABEL]

    land, permits, inventory, clearance, price, area, population = figure.axes[:7]
    assert observed(land) == []
    assert len(observed(permits)[0].get_xdata()) == 4  # 2016-2019; the 2015 value is cut
    assert len(observed(price)[0].get_xdata()) == 4
    assert len(observed(population)[0].get_xdata()) == 1
    assert len(observed(clearance)[0].get_xdata()) == 4
    legend = figure.axes[7].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    for name in COMPARE_SCENARIOS:
        assert name in texts
    assert any(t.startswith("plan target 15-18 months") for t in texts)
    assert any(t.startswith("plan target > 36 m²") for t in texts)
    assert any(t.startswith("plan period 2021") for t in texts)
    for ax in figure.axes[:7]:  # no legends in the panels, at most a note (a title)
        assert ax.get_legend() is None or not ax.get_legend().get_texts()


def test_ensemble_draws_median_and_band_per_scenario(comparison_ensemble):
    fig = draw_comparison(comparison_ensemble)
    try:
        for ax in fig.axes[:7]:
            assert model_labels(ax) == list(COMPARE_SCENARIOS)
            assert len(bands(ax)) == len(COMPARE_SCENARIOS)
            assert all(isinstance(c, PolyCollection) for c in bands(ax))
        assert "6 members" in fig.get_suptitle()
        title = fig.axes[7].get_legend().get_title().get_text()
        assert "5–95 % band" in title
    finally:
        plt.close(fig)


def test_sweep_sample_dim_counts_as_members(comparison_ensemble, tmp_path):
    sweep = comparison_ensemble.rename({"member": "sample"})
    fig = draw_comparison(sweep)
    try:
        assert len(bands(fig.axes[4])) == len(COMPARE_SCENARIOS)
    finally:
        plt.close(fig)


def test_as_members_renames_or_stacks(comparison_ensemble):
    assert as_members(comparison_ensemble) is comparison_ensemble
    renamed = as_members(comparison_ensemble.rename({"member": "sample"}))
    assert renamed.sizes["member"] == 6 and "sample" not in renamed.dims
    both = comparison_ensemble.rename({"member": "sample"}).expand_dims(member=2)
    stacked = as_members(both)
    assert stacked.sizes["member"] == 12 and "sample" not in stacked.dims


def test_options_band_and_target(comparison):
    fig = draw_comparison(comparison, band=(12, 14), floor_area_target=None, title="Test")
    try:
        labels = [p.get_label() for p in fig.axes[3].patches]
        assert "plan target 12-14 months" in labels
        assert not [ln for ln in fig.axes[5].get_lines() if "plan target" in ln.get_label()]
        assert fig.get_suptitle().startswith("Test")
    finally:
        plt.close(fig)
    fig = draw_comparison(comparison, band=None)
    try:
        assert not [p for p in fig.axes[3].patches if "plan target" in p.get_label()]
    finally:
        plt.close(fig)


def test_single_run_and_yearly_clearance(baseline):
    fig = draw_comparison(baseline.drop_vars("clearance_period_monthly"), xr.Dataset())
    try:
        assert [ln.get_label() for ln in labelled_lines(fig.axes[0])] == ["model"]
        assert len(labelled_lines(fig.axes[3])[0].get_xdata()) == 10  # yearly
        assert fig.axes[3].get_xlabel() == "year"
    finally:
        plt.close(fig)


def test_coinciding_scenarios_are_noted(figure):
    population = figure.axes[6]  # the land supply does not move the population
    note = population.get_legend()
    assert note is not None and "coincide" in note.get_title().get_text()


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda ds: ds.drop_vars("average_price"), "average_price"),
        (
            lambda ds: ds.drop_vars(["clearance_period", "clearance_period_monthly"]),
            "clearance_period",
        ),
        (
            lambda ds: ds.assign(population_total=ds["population_total"].expand_dims(area=2)),
            "area",
        ),
    ],
)
def test_bad_dataset_raises_input_error(comparison, tmp_path, change, match):
    before = plt.get_fignums()
    with pytest.raises(InputError, match=match):
        comparison_figure(change(comparison), tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()
    assert plt.get_fignums() == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"band": (18.0, 15.0)}, "band"),
        ({"band": (15.0, float("nan"))}, "band"),
        ({"floor_area_target": -1.0}, "floor_area_target"),
    ],
)
def test_bad_options_raise_input_error(comparison, tmp_path, kwargs, field):
    with pytest.raises(InputError) as info:
        comparison_figure(comparison, tmp_path / "x.png", **kwargs)
    assert info.value.field == field


def test_too_many_scenarios(baseline, tmp_path):
    names = [f"s{i}" for i in range(MAX_LINES + 1)]
    many = xr.concat(
        [baseline] * len(names),
        dim=xr.DataArray(names, dims="scenario", name="scenario"),
        coords="minimal",
        compat="override",
    )
    with pytest.raises(InputError, match="scenarios"):
        comparison_figure(many, tmp_path / "x.png")
