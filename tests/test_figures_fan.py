"""Tests of experiments/figures/fan.py: fan charts of a sweep's yearly outputs."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr

from anshan_housing.experiments.figures.fan import FAN_VARIABLES, fan_chart
from anshan_housing.experiments.sweep import OUTPUTS
from anshan_housing.model.errors import InputError
from tests.conftest import SWEEP_PARAMETERS, SWEEP_SCENARIOS, check_sweep_png

YEARS = np.arange(2016, 2026)


@pytest.fixture(scope="module")
def outputs():
    """Sweep outputs like `experiments.sweep.outputs_dataset`, with realistic ranges."""
    rng = np.random.default_rng(1)
    n_scen, n_sample = len(SWEEP_SCENARIOS), 200
    t = (YEARS - 2016)[None, None, :]
    shape = (n_scen, n_sample, 1)
    shift = np.array([0.0, 0.01, -0.01])[:, None, None]
    growth = rng.uniform(0.0, 0.07, shape) + shift
    price = 4129 * (1 + growth) ** t * (1 + 0.02 * rng.standard_normal((n_scen, n_sample, 10)))
    clearance = np.clip(32 * np.exp(-rng.uniform(-0.05, 0.2, shape) * t), 5, 60)
    floor = 30.2 + rng.uniform(0.15, 0.8, shape) * t
    inventory = np.clip(780 + rng.uniform(-70, 15, shape) * t, 100, 900)
    population = 3.65e6 - rng.uniform(5e3, 3.8e4, shape) * t
    presale = np.clip(300 + 60 * rng.standard_normal((n_scen, n_sample, 10)), 50, None)
    land = np.clip(45 + 15 * rng.standard_normal((n_scen, n_sample, 10)), 0, None)

    def var(data, units, long_name):
        return (("scenario", "sample", "year"), data, {"units": units, "long_name": long_name})

    return xr.Dataset(
        {
            "average_price": var(price, "yuan/m**2", "average commodity housing price"),
            "clearance_period": var(clearance, "month", "clearance period"),
            "per_capita_floor_area": var(
                floor, "m**2/person", "residential floor area per resident"
            ),
            "residential_inventory_yearly": var(inventory, "1e4 m**2", "unsold inventory"),
            "population_total": var(population, "person", "resident population (常住人口)"),
            "presale_permits": var(presale, "1e4 m**2/year", "new presale permits"),
            "land_transacted_yearly": var(land, "hectare/year", "land transacted"),
        },
        coords={
            "scenario": SWEEP_SCENARIOS,
            "sample": np.arange(n_sample),
            "year": YEARS,
            "parameter": SWEEP_PARAMETERS,
            "sample_values": (
                ("sample", "parameter"),
                rng.uniform(0, 1, (n_sample, len(SWEEP_PARAMETERS))),
            ),
        },
        attrs={"method": "sobol"},
    )


# ------------------------------------------------------------------ written figures


def test_fan_chart_scenarios(outputs, tmp_path):
    check_sweep_png(fan_chart(outputs, tmp_path / "fan.png"))


def test_fan_chart_one_scenario(outputs, tmp_path):
    path = fan_chart(outputs, tmp_path / "fan_one.png", scenario="five_category")
    check_sweep_png(path)


def test_fan_chart_without_scenario_dim_or_observed(outputs, tmp_path):
    ds = outputs.isel(scenario=0, drop=True)
    path = fan_chart(
        ds, tmp_path / "sub" / "fan.png", observed=xr.Dataset(), variables=["average_price"]
    )
    assert path.exists() and plt.get_fignums() == []


def test_fan_chart_without_attrs_uses_fallback_units(outputs, tmp_path):
    ds = outputs.copy()
    for name in ds.data_vars:
        ds[name].attrs = {}
    check_sweep_png(fan_chart(ds, tmp_path / "fan_bare.png"))


def test_fan_variables_are_sweep_outputs():
    assert set(FAN_VARIABLES) < set(OUTPUTS)
    assert FAN_VARIABLES == tuple(name for name in OUTPUTS if name != "land_transacted_yearly")


# ------------------------------------------------------------------ bad input


def test_fan_chart_missing_variable(outputs, tmp_path):
    ds = outputs.drop_vars("clearance_period")
    with pytest.raises(InputError, match="clearance_period") as err:
        fan_chart(ds, tmp_path / "fan.png")
    assert err.value.field == "clearance_period"
    assert not (tmp_path / "fan.png").exists()
    assert plt.get_fignums() == []


def test_fan_chart_missing_dim(outputs, tmp_path):
    ds = outputs.isel(sample=0)
    with pytest.raises(InputError, match="'sample'"):
        fan_chart(ds, tmp_path / "fan.png")


def test_fan_chart_unknown_scenario(outputs, tmp_path):
    with pytest.raises(InputError, match="unknown scenario 'nope'.*plan_table2"):
        fan_chart(outputs, tmp_path / "fan.png", scenario="nope")
