"""Tests of experiments/sweep_plots.py: fan charts, Sobol bars, Morris scatter, tornado."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from anshan_housing.experiments import sweep_plots
from anshan_housing.experiments.sweep_plots import (
    fan_chart,
    metric_label,
    morris_scatter,
    ranked_parameters,
    sobol_bars,
    swing,
    tornado,
)
from anshan_housing.model.errors import InputError

from tests.conftest import png_size

MIN_PNG_BYTES = 30_000  # a blank 1600 x 1000 canvas compresses to a few kB
SCENARIOS = ["plan_table2", "five_category", "freeze"]
PARAMETERS = [
    "tfr",
    "out_migration_rate",
    "in_migration",
    "upgrade_rate",
    "upgrade_income_elasticity",
    "space_elasticity",
    "affordability_elasticity",
    "expectation_sensitivity",
    "clearance_price_elasticity",
    "price_adjustment_time",
    "normal_margin",
    "presale_delay",
    "demolition_rate",
    "construction_cost",
]
METRICS = {  # name: (long name, units, typical 2025 value)
    "price_2025": ("average price 2025", "yuan/m**2", 6200.0),
    "clearance_2025": ("clearance period 2025", "month", 20.0),
    "floor_area_2025": ("per-capita floor area 2025", "m**2/person", 34.0),
    "supply_2021_2025": ("new commodity housing supply 2021-2025", "1e4 m**2", 1200.0),
    "population_2025": ("resident population 2025", "person", 3.45e6),
    "inventory_2025": ("residential inventory end 2025", "1e4 m**2", 450.0),
}
YEARS = np.arange(2016, 2026)


def check_png(path):
    assert path.exists()
    assert path.stat().st_size > MIN_PNG_BYTES
    width, height = png_size(path)
    assert 1400 <= width <= 1800
    assert 600 <= height <= 1600
    assert plt.get_fignums() == []  # no figure left open


@pytest.fixture(scope="module")
def outputs():
    """Sweep outputs like `experiments.sweep.outputs_dataset`, with realistic ranges."""
    rng = np.random.default_rng(1)
    n_scen, n_sample = len(SCENARIOS), 200
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
            "scenario": SCENARIOS,
            "sample": np.arange(n_sample),
            "year": YEARS,
            "parameter": PARAMETERS,
            "sample_values": (
                ("sample", "parameter"),
                rng.uniform(0, 1, (n_sample, len(PARAMETERS))),
            ),
        },
        attrs={"method": "sobol"},
    )


def _metric_vars():
    return {
        "metric_long_name": ("metric", [v[0] for v in METRICS.values()]),
        "metric_units": ("metric", [v[1] for v in METRICS.values()]),
    }


def _coords():
    return {"scenario": SCENARIOS, "metric": list(METRICS), "parameter": PARAMETERS}


@pytest.fixture(scope="module")
def sobol_idx():
    rng = np.random.default_rng(2)
    shape = (len(SCENARIOS), len(METRICS), len(PARAMETERS))
    st = rng.dirichlet(np.full(len(PARAMETERS), 0.4), shape[:2]) * rng.uniform(1.0, 1.3, shape)
    s1 = st * rng.uniform(0.4, 1.0, shape) + rng.normal(0, 0.01, shape)
    data = {
        "S1": (("scenario", "metric", "parameter"), s1),
        "S1_conf": (("scenario", "metric", "parameter"), rng.uniform(0.005, 0.06, shape)),
        "ST": (("scenario", "metric", "parameter"), st),
        "ST_conf": (("scenario", "metric", "parameter"), rng.uniform(0.005, 0.08, shape)),
        **_metric_vars(),
    }
    return xr.Dataset(data, coords=_coords(), attrs={"method": "sobol", "seed": 0})


@pytest.fixture(scope="module")
def morris_idx():
    rng = np.random.default_rng(3)
    shape = (len(SCENARIOS), len(METRICS), len(PARAMETERS))
    typical = np.array([v[2] for v in METRICS.values()])[None, :, None]
    mu_star = typical * 0.3 * rng.dirichlet(np.full(len(PARAMETERS), 0.5), shape[:2])
    sigma = mu_star * rng.uniform(0.2, 1.6, shape)
    data = {
        "mu_star": (("scenario", "metric", "parameter"), mu_star),
        "mu_star_conf": (
            ("scenario", "metric", "parameter"),
            mu_star * rng.uniform(0.05, 0.3, shape),
        ),
        "sigma": (("scenario", "metric", "parameter"), sigma),
        "mu": (("scenario", "metric", "parameter"), mu_star * rng.choice([-1, 1], shape)),
        **_metric_vars(),
    }
    return xr.Dataset(data, coords=_coords(), attrs={"method": "morris", "seed": 0})


@pytest.fixture(scope="module")
def oat():
    rng = np.random.default_rng(4)
    shape = (len(SCENARIOS), len(METRICS), len(PARAMETERS))
    base = np.array([v[2] for v in METRICS.values()])[None, :] * np.ones((len(SCENARIOS), 1))
    effect = base[..., None] * 0.15 * rng.dirichlet(np.full(len(PARAMETERS), 0.5), shape[:2])
    sign = rng.choice([-1.0, 1.0], shape)
    low = base[..., None] - sign * effect * rng.uniform(0.3, 1.0, shape)
    high = base[..., None] + sign * effect * rng.uniform(0.3, 1.0, shape)
    high[..., 0] = base - 0.5 * effect[..., 0]  # both bounds on one side
    data = {
        "base": (("scenario", "metric"), base),
        "low": (("scenario", "metric", "parameter"), low),
        "high": (("scenario", "metric", "parameter"), high),
        **_metric_vars(),
    }
    return xr.Dataset(data, coords=_coords())


@pytest.fixture
def capture(monkeypatch):
    """The figures passed to `_save`, inspected before they are written and closed."""
    figures = []
    real = sweep_plots._save

    def spy(fig, path):
        figures.append(
            [
                (ax.get_title(), [t.get_text() for t in ax.get_yticklabels()])
                for ax in fig.axes
                if ax.axison
            ]
        )
        return real(fig, path)

    monkeypatch.setattr(sweep_plots, "_save", spy)
    return figures


# ------------------------------------------------------------------ written figures


def test_fan_chart_scenarios(outputs, tmp_path):
    check_png(fan_chart(outputs, tmp_path / "fan.png"))


def test_fan_chart_one_scenario(outputs, tmp_path):
    path = fan_chart(outputs, tmp_path / "fan_one.png", scenario="five_category")
    check_png(path)


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
    check_png(fan_chart(ds, tmp_path / "fan_bare.png"))


def test_sobol_bars(sobol_idx, tmp_path):
    check_png(sobol_bars(sobol_idx, tmp_path / "sobol.png"))


def test_morris_scatter(morris_idx, tmp_path):
    check_png(morris_scatter(morris_idx, tmp_path / "morris.png", scenario="freeze"))


def test_tornado(oat, tmp_path):
    check_png(tornado(oat, tmp_path / "tornado.png"))


# ------------------------------------------------------------------ ranking and top


def test_ranked_parameters_order_and_top(sobol_idx):
    ranked = ranked_parameters(sobol_idx, "price_2025", "ST", top=4)
    assert len(ranked) == 4
    st = sobol_idx["ST"].isel(scenario=0).sel(metric="price_2025")
    expected = [str(p) for p in st.sortby(st, ascending=False)["parameter"].values[:4]]
    assert ranked == expected
    values = st.sel(parameter=ranked).values
    assert np.all(np.diff(values) <= 0)


def test_ranked_parameters_scenario_and_all(sobol_idx):
    ranked = ranked_parameters(sobol_idx, "clearance_2025", "ST", top=100, scenario="freeze")
    assert sorted(ranked) == sorted(PARAMETERS)
    st = sobol_idx["ST"].sel(scenario="freeze", metric="clearance_2025")
    assert ranked[0] == str(st["parameter"][int(np.argmax(st.values))].values)


def test_ranked_parameters_drops_nan(sobol_idx):
    idx = sobol_idx.copy(deep=True)
    idx["ST"].loc[{"metric": "price_2025", "parameter": "tfr"}] = np.nan
    ranked = ranked_parameters(idx, "price_2025", "ST", top=len(PARAMETERS))
    assert "tfr" not in ranked and len(ranked) == len(PARAMETERS) - 1


def test_ranked_parameters_swing(oat):
    ranked = ranked_parameters(oat, "population_2025", "swing", top=3)
    width = swing(oat).isel(scenario=0).sel(metric="population_2025")
    assert ranked == [str(p) for p in width.sortby(width, ascending=False)["parameter"].values[:3]]


def test_ranked_parameters_bad_input(sobol_idx):
    with pytest.raises(InputError, match="unknown metric"):
        ranked_parameters(sobol_idx, "price_2030", "ST")
    with pytest.raises(InputError, match="mu_star"):
        ranked_parameters(sobol_idx, "price_2025", "mu_star")
    with pytest.raises(InputError, match="top"):
        ranked_parameters(sobol_idx, "price_2025", "ST", top=0)


@pytest.mark.parametrize("top", [3, 10])
def test_sobol_bars_draw_top_parameters(sobol_idx, tmp_path, capture, top):
    sobol_bars(sobol_idx, tmp_path / "sobol.png", top=top)
    (panels,) = capture
    assert len(panels) == len(METRICS)
    for (title, ticks), metric in zip(panels, METRICS, strict=True):
        assert title.replace("\n", " ") == METRICS[metric][0]
        assert ticks == ranked_parameters(sobol_idx, metric, "ST", top)
        assert len(ticks) == top


def test_tornado_draws_top_parameters(oat, tmp_path, capture):
    tornado(oat, tmp_path / "tornado.png", scenario="freeze", top=5)
    (panels,) = capture
    for (_, ticks), metric in zip(panels, METRICS, strict=True):
        assert ticks == ranked_parameters(oat, metric, "swing", 5, scenario="freeze")


def test_metric_label(sobol_idx):
    assert metric_label(sobol_idx, "population_2025") == ("resident population 2025", "person")
    bare = sobol_idx.drop_vars(["metric_long_name", "metric_units"])
    assert metric_label(bare, "population_2025") == ("population_2025", "")


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


def test_sobol_bars_missing_variable(sobol_idx, tmp_path):
    with pytest.raises(InputError, match="ST_conf"):
        sobol_bars(sobol_idx.drop_vars("ST_conf"), tmp_path / "s.png")


def test_sobol_bars_given_morris(morris_idx, tmp_path):
    with pytest.raises(InputError, match="'morris' indices.*morris_scatter"):
        sobol_bars(morris_idx, tmp_path / "s.png")


def test_sobol_bars_missing_dim(sobol_idx, tmp_path):
    with pytest.raises(InputError, match="'metric'"):
        sobol_bars(sobol_idx.isel(metric=0), tmp_path / "s.png")


def test_sobol_bars_bad_top(sobol_idx, tmp_path):
    with pytest.raises(InputError, match="top"):
        sobol_bars(sobol_idx, tmp_path / "s.png", top=-1)


def test_morris_scatter_missing_variable(morris_idx, tmp_path):
    with pytest.raises(InputError, match="sigma"):
        morris_scatter(morris_idx.drop_vars("sigma"), tmp_path / "m.png")


def test_tornado_missing_variable(oat, tmp_path):
    with pytest.raises(InputError, match="base"):
        tornado(oat.drop_vars("base"), tmp_path / "t.png")


def test_tornado_missing_parameter_dim(oat, tmp_path):
    bad = oat.assign(low=oat["low"].isel(parameter=0))
    with pytest.raises(InputError, match="low.*'parameter'|'parameter'"):
        tornado(bad, tmp_path / "t.png")


def test_label_layout_separates_clustered_labels():
    points = np.array([[0.5, 0.5], [0.52, 0.505], [0.49, 0.51], [0.9, 0.9], [0.95, 0.1]])
    sizes = np.array([[0.25, 0.05]] * len(points))
    boxes = sweep_plots.label_layout(points, sizes, np.column_stack([points, np.zeros(5)]))
    for i, a in enumerate(boxes):
        assert 0 <= a[0] < a[2] <= 1 and 0 <= a[1] < a[3] <= 1
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
        for x, y in points:  # no label covers a point
            assert not (a[0] < x < a[2] and a[1] < y < a[3])
