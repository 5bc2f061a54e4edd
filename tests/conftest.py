"""Shared fixtures: the parameter table, default values and one baseline run."""

from __future__ import annotations

import struct

import numpy as np
import pytest
import xarray as xr

from anshan_housing.calibration import default_run_values
from anshan_housing.model.engine import simulate
from anshan_housing.model.parameters import load_parameters, resolve_values
from anshan_housing.model.system import default_inputs


@pytest.fixture(scope="session")
def table():
    return load_parameters()


@pytest.fixture(scope="session")
def defaults(table):
    """Shipped default values (uncalibrated, documented)."""
    return resolve_values(table)


@pytest.fixture(scope="session")
def run_values():
    """Values every command uses: the committed calibration over the defaults."""
    return default_run_values()[1]


@pytest.fixture(scope="session")
def baseline(run_values):
    """One member, 2016-2025, default settings."""
    return simulate(run_values)


def random_members(table, n, seed=0, names=None):
    """Values with the uncertain parameters (or ``names``) drawn inside their bounds."""
    rng = np.random.default_rng(seed)
    values = resolve_values(table)
    for name, par in table.items():
        if (names is None and par.uncertain) or (names is not None and name in names):
            values[name] = rng.uniform(par.lower, par.upper, n)
    return values


MIN_PNG_BYTES = 30_000  # a blank 1600 x 1000 canvas compresses to a few kB


def png_size(path):
    """Width and height in pixels from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def check_png(path, min_width=1400, min_height=900):
    """A real figure: the file exists, is not blank-sized and is large enough."""
    assert path.is_file()
    assert path.stat().st_size > MIN_PNG_BYTES
    width, height = png_size(path)
    assert width >= min_width and height >= min_height


def check_sweep_png(path):
    """A sweep figure: as `check_png`, 1400-1800 x 600-1600 px, and no figure left open."""
    import matplotlib.pyplot as plt

    check_png(path, min_width=1400, min_height=600)
    width, height = png_size(path)
    assert width <= 1800 and height <= 1600
    assert plt.get_fignums() == []  # no figure left open


#: Scenarios and parameters of the made-up sweep outputs and indices of the sweep figures.
SWEEP_SCENARIOS = ["plan_table2", "five_category", "freeze"]
SWEEP_PARAMETERS = [
    "tfr",
    "out_migration_rate",
    "in_migration",
    "upgrade_rate",
    "upgrade_income_elasticity",
    "space_elasticity",
    "affordability_elasticity",
    "expectation_sensitivity",
    "clearance_price_slope",
    "price_adjustment_time",
    "normal_margin",
    "presale_delay",
    "demolition_rate",
    "construction_cost",
]


@pytest.fixture
def captured(monkeypatch):
    """Keep each figure the plotting functions save, to inspect its axes."""
    from anshan_housing.experiments.figures import common

    figures = []
    save = common.save

    def keep(fig, path):
        figures.append(fig)
        return save(fig, path)

    monkeypatch.setattr(common, "save", keep)
    return figures


# ------------------------------------------------------------------ scenario comparisons


#: Scenarios of `compare`: name and factor on the land supply.
COMPARE_SCENARIOS = {"freeze": 0.0, "historical": 1.0, "triple": 3.0}


def compare(values, scenarios=COMPARE_SCENARIOS):
    """Runs with the land supply scaled, concatenated along ``scenario`` like a compare run."""
    runs = []
    for factor in scenarios.values():
        inputs = default_inputs(np.arange(2016, 2026))
        inputs["land_transacted"] = inputs["land_transacted"] * factor
        runs.append(simulate(values, inputs=inputs))
    return xr.concat(
        runs,
        dim=xr.DataArray(list(scenarios), dims="scenario", name="scenario"),
        coords="minimal",
        compat="override",
        combine_attrs="drop_conflicts",
    )


@pytest.fixture(scope="module")
def comparison(run_values):
    """Three scenarios, one member each."""
    return compare(run_values)


@pytest.fixture(scope="module")
def comparison_ensemble(table):
    """Three scenarios, six members each."""
    return compare(random_members(table, 6, seed=4))


def labelled_lines(ax):
    """Lines of `ax` with a legend label."""
    return [line for line in ax.get_lines() if not line.get_label().startswith("_")]


def model_labels(ax):
    """Labels of the scenario lines of `ax`."""
    labels = [line.get_label() for line in labelled_lines(ax)]
    return [label for label in labels if label in COMPARE_SCENARIOS]


def bands(ax):
    """Ensemble bands drawn on `ax` (`experiments.figures.common.plot_model`)."""
    return [c for c in ax.collections if str(c.get_label()).startswith("_band_")]
