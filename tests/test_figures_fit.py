"""Tests of experiments/figures/fit.py: calibrated series against the seed, with statistics."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

from anshan_housing.calibration.observed import load_observed
from anshan_housing.calibration.statistics import FitStatistics
from anshan_housing.experiments.figures.fit import fit_figure
from anshan_housing.model.errors import InputError
from tests.conftest import png_size

MAPPING = {
    "sales_area": "sales_area",
    "average_price": "average_price",
    "presale_permits": "presale_permits",
    "residential_inventory_yearly": "residential_inventory",
    "clearance_period": "clearance_period",
    "development_investment": "development_investment",
    "population_total": "population_resident",
    "per_capita_floor_area": "per_capita_floor_area",
}
SINGLE_YEAR = {"population_resident", "per_capita_floor_area"}


@pytest.fixture(scope="module")
def observed():
    return load_observed()


@pytest.fixture
def table():
    """Fake statistics: four-year series, and the two observed in 2019 only."""
    fake = {}
    for i, series in enumerate(MAPPING.values()):
        if series in SINGLE_YEAR:
            fake[series] = FitStatistics(1, 0.006, 0.0, 0.006, 4.0, 0.0, 0.0, 0.0, True)
        else:
            fake[series] = FitStatistics(4, 0.032 * (i + 1), 0.91, 0.04, 9.0, 0.05, 0.10, 0.85)
    return fake


def panels(fig):
    return [ax for ax in fig.axes if ax.axison]


def test_fit_figure_one_member(baseline, observed, table, tmp_path, captured):
    path = fit_figure(
        baseline, observed, table, tmp_path / "fig" / "fit.png", mapping=MAPPING, title="fit"
    )
    assert path == tmp_path / "fig" / "fit.png"
    assert path.stat().st_size > 50_000
    width, height = png_size(path)
    assert 1400 <= width <= 2200 and 1200 <= height <= 1800  # 3 x 3 panels at DPI 120
    (fig,) = captured
    axes = panels(fig)
    assert len(axes) == len(MAPPING)
    titles = [ax.get_title() for ax in axes]
    assert titles[0] == "sales area\nMAPE 3.2 %  R² 0.91  $U^M$ 0.05  $U^S$ 0.10  $U^C$ 0.85"
    assert titles[6] == "population resident\nMAPE 0.60 %  (one observed year: no R², U)"
    ylabels = [ax.get_ylabel() for ax in axes]
    assert ylabels[0] == "10⁴ m²/yr"
    assert ylabels[1] == "yuan/m²"
    assert ylabels[4] == "months"
    assert ylabels[6] == "million persons"
    for ax, series in zip(axes, MAPPING.values(), strict=True):
        labels = [line.get_label() for line in ax.get_lines()]
        assert labels.count("model") == 1, series
        (points,) = [line for line in ax.get_lines() if line.get_label() == "seed (observed)"]
        expected = 1 if series in SINGLE_YEAR else 4  # presale permits' 2015 left out
        assert len(points.get_xdata()) == expected, series
        # the run reaches 2025: calibration period shaded
        assert "calibration period" in [p.get_label() for p in ax.patches], series
        assert ax.get_xlim()[0] < 2016 and ax.get_xlim()[1] > 2025
    # one legend, in the spare ninth cell, with the key to the statistics
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    assert len(legends) == 1
    legend = legends[0]
    assert [t.get_text() for t in legend.texts] == [
        "calibration period",
        "model",
        "seed (observed)",
    ]
    assert "Sterman 1984" in legend.get_title().get_text()


def test_fit_figure_calibration_period_only(baseline, observed, table, tmp_path, captured):
    short = baseline.sel(year=slice(2016, 2019))
    fit_figure(short, observed, table, tmp_path / "fit.png", mapping=MAPPING)
    (fig,) = captured
    for ax in panels(fig):
        assert not ax.patches  # nothing to shade
        ticks = [t for t in ax.get_xticks() if 2016 <= t <= 2019]
        assert ticks == [2016, 2017, 2018, 2019]  # every year labelled


def test_fit_figure_ensemble_and_missing_statistics(baseline, observed, tmp_path, captured):
    one = baseline[list(MAPPING)].squeeze("member", drop=True)
    members = xr.concat([one * f for f in (0.95, 1.0, 1.05)], dim="member")
    members = members.assign_coords(member=np.arange(3))
    for name in MAPPING:
        members[name].attrs = baseline[name].attrs
    mapping = {"sales_area": "sales_area", "population_total": "population_resident"}
    path = fit_figure(members, observed, {}, tmp_path / "fit.png", mapping=mapping)
    assert path.stat().st_size > 20_000
    (fig,) = captured
    axes = panels(fig)
    assert len(axes) == 2
    assert all(ax.get_title().endswith("\nno fit statistics") for ax in axes)
    assert all(ax.collections for ax in axes)  # 5-95 % band
    assert "ensemble of 3 members" in fig.get_suptitle()
    # no spare cell: the legend goes below the panels
    assert fig.legends and not any(ax.get_legend() for ax in fig.axes)


def test_fit_figure_missing_variable(baseline, observed, table, tmp_path):
    mapping = {**MAPPING, "no_such_variable": "sales_area"}
    with pytest.raises(InputError, match="fit_figure needs variable.*'no_such_variable'"):
        fit_figure(baseline, observed, table, tmp_path / "fit.png", mapping=mapping)
    assert not (tmp_path / "fit.png").exists()


def test_fit_figure_unknown_observed_series(baseline, observed, table, tmp_path):
    with pytest.raises(InputError, match="'sales_area' to observed series 'no_such_series'"):
        fit_figure(
            baseline,
            observed,
            table,
            tmp_path / "fit.png",
            mapping={"sales_area": "no_such_series"},
        )


def test_fit_figure_refuses_mismatched_units(baseline, observed, table, tmp_path):
    with pytest.raises(InputError, match="units '1e4 m\\*\\*2' cannot be drawn"):
        fit_figure(
            baseline,
            observed,
            table,
            tmp_path / "fit.png",
            mapping={"average_price": "sales_area"},
        )


def test_fit_figure_refuses_empty_mapping_and_bad_table(baseline, observed, table, tmp_path):
    with pytest.raises(InputError, match="at least one variable"):
        fit_figure(baseline, observed, table, tmp_path / "fit.png", mapping={})
    with pytest.raises(TypeError, match="FitStatistics"):
        fit_figure(
            baseline,
            observed,
            {"sales_area": {"mape": 0.1}},
            tmp_path / "fit.png",
            mapping={"sales_area": "sales_area"},
        )


def test_fit_figure_leaves_no_open_figures(baseline, observed, table, tmp_path):
    before = plt.get_fignums()
    fit_figure(baseline, observed, table, tmp_path / "fit.png", mapping=MAPPING)
    with pytest.raises(InputError):
        fit_figure(
            baseline, observed, table, tmp_path / "bad.png", mapping={"average_price": "sales_area"}
        )
    assert plt.get_fignums() == before
