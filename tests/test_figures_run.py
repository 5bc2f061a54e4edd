"""Tests of experiments/figures/run.py: figures are written, checked and skipped by name."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from anshan_housing.experiments.figures.run import (
    FIGURES,
    FigureSpec,
    panel_figure,
    population_figure,
    run_figures,
    variable_panels,
)
from anshan_housing.model.engine import simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import load_parameters, resolve_values
from tests.conftest import check_png

SCENARIOS = ["plan_table2", "five_category", "freeze"]


@pytest.fixture
def ds_one(baseline):
    """The shared one-member baseline run (conftest)."""
    return baseline


@pytest.fixture(scope="module")
def ds_ensemble():
    table = load_parameters()
    return simulate(resolve_values(table, ("test", {"tfr": np.linspace(0.7, 1.0, 6)})))


@pytest.fixture
def fake_scenarios():
    """Yearly and monthly variables with scenario and member dims, like a compare run."""
    rng = np.random.default_rng(0)
    n_member, years = 8, np.arange(2016, 2026)
    time = pd.date_range("2016-01-01", periods=120, freq="MS")

    def yearly(base, units, long_name):
        data = base * (1 + 0.02 * rng.standard_normal((3, n_member, years.size)))
        return xr.DataArray(
            data,
            dims=("scenario", "member", "year"),
            attrs={"units": units, "long_name": long_name},
        )

    return xr.Dataset(
        {
            "sales_area": yearly(300.0, "1e4 m**2/year", "sales area (商品房销售面积)"),
            "average_price": yearly(4500.0, "yuan/m**2", "average price"),
            "population_total": yearly(3.5e6, "person", "resident population"),
            "clearance_period": xr.DataArray(
                20 + rng.standard_normal((3, n_member, time.size)),
                dims=("scenario", "member", "time"),
                attrs={"units": "month", "long_name": "clearance period"},
            ),
        },
        coords={
            "scenario": SCENARIOS,
            "member": np.arange(n_member),
            "year": years,
            "time": time,
        },
    )


# ---------------------------------------------------------------- run_figures


def test_run_figures_one_member(ds_one, tmp_path):
    out = tmp_path / "figures" / "nested"  # created with parents
    paths = run_figures(ds_one, out)
    assert paths == [out / "population.png", out / "housing.png"]
    for path in paths:
        check_png(path)


def test_run_figures_ensemble(ds_ensemble, tmp_path):
    paths = run_figures(ds_ensemble, tmp_path)
    assert [p.name for p in paths] == ["population.png", "housing.png"]
    check_png(paths[0])


def test_run_figures_leaves_no_open_figures(ds_one, tmp_path):
    before = plt.get_fignums()
    run_figures(ds_one, tmp_path)
    assert plt.get_fignums() == before


def test_run_figures_skips_figure_whose_variables_are_missing(ds_one, tmp_path):
    extra = FigureSpec(
        "extra.png", panel_figure(["no_such_variable"], "extra"), ("no_such_variable",)
    )
    paths = run_figures(ds_one, tmp_path, figures=[*FIGURES, extra])
    assert [p.name for p in paths] == ["population.png", "housing.png"]
    assert not (tmp_path / "extra.png").exists()


def test_run_figures_draws_registered_panel_figure(ds_one, tmp_path):
    extra = FigureSpec(
        "households.png",
        panel_figure(["households_urban", "not_yet_a_variable"], "households"),
        ("households_urban",),
    )
    paths = run_figures(ds_one, tmp_path, figures=[extra])
    assert paths == [tmp_path / "households.png"]
    assert paths[0].stat().st_size > 10_000


def test_run_figures_nothing_drawable_raises(ds_one, tmp_path):
    bare = ds_one[["households_urban"]]
    with pytest.raises(InputError, match="no figure can be drawn.*population_total"):
        run_figures(bare, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- population


def test_population_figure_requires_total(ds_one, tmp_path):
    with pytest.raises(InputError, match="'population_total', not in the Dataset"):
        population_figure(ds_one.drop_vars("population_total"), tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


def test_population_figure_without_pyramid_or_panels(ds_one, tmp_path):
    thin = ds_one.drop_vars(["population_by_age", "share_60plus", "in_migration_yearly"])
    path = population_figure(thin, tmp_path / "p.png")
    check_png(path)


def test_population_figure_without_observed(ds_one, tmp_path):
    path = population_figure(ds_one, tmp_path / "p.png", observed=xr.Dataset())
    check_png(path)


# ---------------------------------------------------------------- variable_panels


def test_variable_panels_one_line_per_scenario(fake_scenarios, tmp_path, captured):
    names = ["sales_area", "average_price", "population_total", "clearance_period"]
    path = variable_panels(fake_scenarios, names, tmp_path / "v.png", title="compare")
    check_png(path, min_width=1000, min_height=600)
    (fig,) = captured
    axes = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(axes) == len(names)
    for ax, name in zip(axes, names, strict=True):
        labels = [line.get_label() for line in ax.get_lines()]
        assert [lab for lab in labels if lab in SCENARIOS] == SCENARIOS, name
        assert len(ax.collections) >= len(SCENARIOS), name  # one band per scenario
    # observed points: same name (sales_area, yearly flow "X" vs "X/year"),
    # a mapped name (population_total -> population_resident), on a monthly axis
    for ax in (axes[0], axes[2], axes[3]):
        assert "seed (observed)" in [line.get_label() for line in ax.get_lines()]
    assert axes[2].get_ylabel() == "million persons"
    assert plt.get_fignums() == []


def test_variable_panels_single_member_has_no_band(fake_scenarios, tmp_path, captured):
    one = fake_scenarios.isel(member=[0])
    variable_panels(one, ["average_price"], tmp_path / "v.png", observed=xr.Dataset())
    (ax,) = captured[0].axes
    assert len(ax.get_lines()) == len(SCENARIOS)
    assert len(ax.collections) == 0


def test_variable_panels_mapping_of_observed_names(fake_scenarios, tmp_path, captured):
    ds = fake_scenarios.rename({"average_price": "price"})
    variable_panels(ds, ["price"], tmp_path / "v.png", observed_names={"price": "average_price"})
    labels = [line.get_label() for line in captured[0].axes[0].get_lines()]
    assert "seed (observed)" in labels


def test_variable_panels_unit_mismatch_is_noted(fake_scenarios, tmp_path, captured):
    ds = fake_scenarios.copy()
    ds["average_price"].attrs["units"] = "yuan/m**2/month"
    variable_panels(ds, ["average_price"], tmp_path / "v.png")
    ax = captured[0].axes[0]
    assert "seed (observed)" not in [line.get_label() for line in ax.get_lines()]
    assert any("not drawn" in text.get_text() for text in ax.texts)


def test_variable_panels_missing_variable_raises(fake_scenarios, tmp_path):
    with pytest.raises(InputError, match="'land_bank', not in the Dataset; available"):
        variable_panels(fake_scenarios, ["sales_area", "land_bank"], tmp_path / "v.png")
    assert not (tmp_path / "v.png").exists()


def test_variable_panels_skip_missing(fake_scenarios, tmp_path, captured):
    variable_panels(fake_scenarios, ["land_bank", "sales_area"], tmp_path / "v.png", missing="skip")
    assert len(captured[0].axes) == 1
    with pytest.raises(InputError, match="land_bank"):
        variable_panels(fake_scenarios, ["land_bank"], tmp_path / "w.png", missing="skip")


def test_variable_panels_bad_missing_option(fake_scenarios, tmp_path):
    with pytest.raises(ValueError, match="missing='ignore'; allowed: 'raise', 'skip'"):
        variable_panels(fake_scenarios, ["sales_area"], tmp_path / "v.png", missing="ignore")


def test_variable_panels_too_many_lines(ds_one, tmp_path):
    with pytest.raises(InputError, match="at most 12 per panel"):
        variable_panels(ds_one, ["population_by_age"], tmp_path / "v.png")
    assert plt.get_fignums() == []


def test_variable_panels_needs_time_axis(fake_scenarios, tmp_path):
    ds = fake_scenarios.assign(flat=xr.DataArray([1.0, 2.0], dims="other"))
    with pytest.raises(InputError, match="needs a 'year' or 'time' dimension"):
        variable_panels(ds, ["flat"], tmp_path / "v.png")
    assert plt.get_fignums() == []


def test_variable_panels_on_model_output_with_area(ds_ensemble, tmp_path, captured):
    variable_panels(ds_ensemble, ["births_yearly", "population"], tmp_path / "v.png")
    for ax in captured[0].axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels[:2] == ["urban", "rural"]
