"""Tests of experiments/figures/sensitivity.py: Sobol bars, Morris scatter, tornado."""

import numpy as np
import pytest
import xarray as xr

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.sensitivity import (
    label_layout,
    metric_label,
    morris_scatter,
    ranked_parameters,
    sobol_bars,
    swing,
    tornado,
)
from anshan_housing.model.errors import InputError
from tests.conftest import SWEEP_PARAMETERS, SWEEP_SCENARIOS, check_sweep_png

METRICS = {  # name: (long name, units, typical 2025 value)
    "price_2025": ("average price 2025", "yuan/m**2", 6200.0),
    "clearance_2025": ("clearance period 2025", "month", 20.0),
    "floor_area_2025": ("per-capita floor area 2025", "m**2/person", 34.0),
    "supply_2021_2025": ("new commodity housing supply 2021-2025", "1e4 m**2", 1200.0),
    "population_2025": ("resident population 2025", "person", 3.45e6),
    "inventory_2025": ("residential inventory end 2025", "1e4 m**2", 450.0),
}


def _metric_vars():
    return {
        "metric_long_name": ("metric", [v[0] for v in METRICS.values()]),
        "metric_units": ("metric", [v[1] for v in METRICS.values()]),
    }


def _coords():
    return {"scenario": SWEEP_SCENARIOS, "metric": list(METRICS), "parameter": SWEEP_PARAMETERS}


@pytest.fixture(scope="module")
def sobol_idx():
    rng = np.random.default_rng(2)
    shape = (len(SWEEP_SCENARIOS), len(METRICS), len(SWEEP_PARAMETERS))
    weights = np.full(len(SWEEP_PARAMETERS), 0.4)
    st = rng.dirichlet(weights, shape[:2]) * rng.uniform(1.0, 1.3, shape)
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
    shape = (len(SWEEP_SCENARIOS), len(METRICS), len(SWEEP_PARAMETERS))
    typical = np.array([v[2] for v in METRICS.values()])[None, :, None]
    mu_star = typical * 0.3 * rng.dirichlet(np.full(len(SWEEP_PARAMETERS), 0.5), shape[:2])
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
    shape = (len(SWEEP_SCENARIOS), len(METRICS), len(SWEEP_PARAMETERS))
    base = np.array([v[2] for v in METRICS.values()])[None, :] * np.ones((len(SWEEP_SCENARIOS), 1))
    effect = base[..., None] * 0.15 * rng.dirichlet(np.full(len(SWEEP_PARAMETERS), 0.5), shape[:2])
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
    """The figures passed to `common.save`, inspected before they are written and closed."""
    figures = []
    real = common.save

    def spy(fig, path):
        figures.append(
            [
                (ax.get_title(), [t.get_text() for t in ax.get_yticklabels()])
                for ax in fig.axes
                if ax.axison
            ]
        )
        return real(fig, path)

    monkeypatch.setattr(common, "save", spy)
    return figures


# ------------------------------------------------------------------ written figures


def test_sobol_bars(sobol_idx, tmp_path):
    check_sweep_png(sobol_bars(sobol_idx, tmp_path / "sobol.png"))


def test_morris_scatter(morris_idx, tmp_path):
    check_sweep_png(morris_scatter(morris_idx, tmp_path / "morris.png", scenario="freeze"))


def test_tornado(oat, tmp_path):
    check_sweep_png(tornado(oat, tmp_path / "tornado.png"))


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
    assert sorted(ranked) == sorted(SWEEP_PARAMETERS)
    st = sobol_idx["ST"].sel(scenario="freeze", metric="clearance_2025")
    assert ranked[0] == str(st["parameter"][int(np.argmax(st.values))].values)


def test_ranked_parameters_drops_nan(sobol_idx):
    idx = sobol_idx.copy(deep=True)
    idx["ST"].loc[{"metric": "price_2025", "parameter": "tfr"}] = np.nan
    ranked = ranked_parameters(idx, "price_2025", "ST", top=len(SWEEP_PARAMETERS))
    assert "tfr" not in ranked and len(ranked) == len(SWEEP_PARAMETERS) - 1


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
    boxes = label_layout(points, sizes, np.column_stack([points, np.zeros(5)]))
    for i, a in enumerate(boxes):
        assert 0 <= a[0] < a[2] <= 1 and 0 <= a[1] < a[3] <= 1
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3])
        for x, y in points:  # no label covers a point
            assert not (a[0] < x < a[2] and a[1] < y < a[3])
