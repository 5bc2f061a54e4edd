"""Sweeps: Ishigami known answer, index sanity on the model, dask = in-process, inputs."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.test_functions import Ishigami

from anshan_housing.experiments import sweep as sw
from anshan_housing.experiments.scenarios import find_scenario, load_scenario
from anshan_housing.model.errors import InputError

# Analytic indices of the Ishigami function, a = 7, b = 0.1 (Ishigami & Homma 1990)
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


@pytest.fixture(scope="module")
def plan(table):
    return load_scenario(find_scenario("plan-table2"), table)


def ishigami_model(samples):
    return {"y": Ishigami.evaluate(samples)}


def test_ishigami_indices_through_the_sweep_machinery():
    problem = sw.Problem(("x1", "x2", "x3"), np.array([[-np.pi, np.pi]] * 3))
    samples = sw.draw(problem, "sobol", 4096, seed=1)
    y = sw.run_chunks(samples, ishigami_model, chunk=5000)["y"]
    res = sw.analyse(problem, "sobol", samples, y, seed=1)
    assert np.all(np.abs(res["S1"] - ISHIGAMI_S1) <= res["S1_conf"])
    assert np.all(np.abs(res["ST"] - ISHIGAMI_ST) <= res["ST_conf"])


def test_model_sobol_indices_are_sane(table, plan, run_values):
    names = ["affordability_elasticity", "upgrade_rate", "plot_ratio", "tfr"]
    problem = sw.problem_from_table(table, names)
    fixed = sw.Problem(
        problem.names + ("female_share",), np.vstack([problem.bounds, [[0.4937, 0.4937]]])
    )
    result = sw.sweep(fixed, "sobol", 128, [plan], run_values, seed=2, chunk=2000)
    idx = result.indices.isel(scenario=0)
    s1, st = idx["S1"].values, idx["ST"].values
    tolerance = idx["S1_conf"].values + idx["ST_conf"].values
    assert np.all(s1 <= st + tolerance)
    assert np.all(s1.sum(axis=1) <= 1.0 + tolerance.sum(axis=1))
    fixed_index = list(fixed.names).index("female_share")
    assert np.all(np.abs(st[:, fixed_index]) < 1e-6)
    assert np.all(np.abs(s1[:, fixed_index]) < 1e-6)


def test_morris_indices_rank_a_driver_above_a_fixed_parameter(table, plan, run_values):
    problem = sw.problem_from_table(table, ["affordability_elasticity", "female_share"])
    narrow = sw.Problem(problem.names, np.array([problem.bounds[0], [0.4937, 0.4937]]))
    result = sw.sweep(narrow, "morris", 10, [plan], run_values, seed=3, chunk=1000)
    mu_star = result.indices["mu_star"].isel(scenario=0).sel(metric="price_2025").values
    assert mu_star[0] > 0 and abs(mu_star[1]) < 1e-6 * mu_star[0]


def test_dask_local_cluster_gives_identical_outputs(table, plan, run_values):
    from distributed import Client, LocalCluster

    problem = sw.problem_from_table(table, ["upgrade_rate", "plot_ratio"])
    local = sw.sweep(problem, "lhs", 60, [plan], run_values, seed=4, chunk=25)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        remote = sw.sweep(problem, "lhs", 60, [plan], run_values, seed=4, chunk=25, client=client)
    for name in local.outputs.data_vars:
        np.testing.assert_array_equal(local.outputs[name].values, remote.outputs[name].values)


def test_same_samples_for_every_scenario_and_robustness(table, run_values):
    scenarios = [load_scenario(find_scenario(n), table) for n in ("plan-table2", "freeze")]
    problem = sw.problem_from_table(table, ["upgrade_rate"])
    result = sw.sweep(problem, "lhs", 40, scenarios, run_values, seed=5, chunk=100)
    out = result.outputs
    assert out.sizes == {"scenario": 2, "sample": 40, "year": 10, "parameter": 1, "target": 8}
    land = out["land_transacted_yearly"].sel(year=2023)
    assert np.all(land.sel(scenario="freeze") == 0) and np.all(land.sel(scenario="plan-table2") > 0)
    prob = sw.robustness(out)
    assert np.all((prob >= 0) & (prob <= 1))
    assert float(prob.sel(scenario="plan-table2", target="rental")) == 1.0
    assert float(prob.sel(scenario="freeze", target="rental")) == 0.0


def test_oat_bounds_move_the_metrics(table, plan, run_values):
    problem = sw.problem_from_table(table, ["upgrade_rate"])
    oat = sw.one_at_a_time(problem, [plan], run_values)
    price = oat.sel(scenario="plan-table2", metric="price_2025", parameter="upgrade_rate")
    assert float(price["high"]) > float(price["base"]) > float(price["low"])


@pytest.mark.parametrize(
    "method, n, match",
    [
        ("latin", 10, "unknown box method"),
        ("lhs", 0, "positive whole number"),
        ("lhs", -5, "positive whole number"),
    ],
)
def test_bad_sampling_refused(table, method, n, match):
    with pytest.raises(InputError, match=match):
        sw.draw(sw.problem_from_table(table, ["tfr"]), method, n, seed=0)


def test_bad_chunk_refused():
    with pytest.raises(InputError, match="positive whole number"):
        sw.run_chunks(np.zeros((3, 1)), ishigami_model, chunk=0)


@pytest.mark.parametrize(
    "text, match",
    [
        ("[nope]\nlower = 1\n", "unknown parameter"),
        ("[tfr]\nlower = 0.1\n", "0.1 is outside"),
        ("[tfr]\nlower = 1.0\nupper = 0.9\n", "above upper"),
        ('[tfr]\ndistribution = "normal"\n', "allowed: uniform"),
        ("[tfr]\nwidth = 1\n", "unknown key"),
        ("", "names no parameter"),
    ],
)
def test_bad_problem_files_refused(table, tmp_path, text, match):
    path = tmp_path / "problem.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        sw.problem_from_file(path, table)


def test_problem_file_narrows_bounds(table, tmp_path):
    path = tmp_path / "problem.toml"
    path.write_text("[tfr]\nlower = 0.8\nupper = 0.9\n[plot_ratio]\n")
    problem = sw.problem_from_file(path, table)
    assert problem.names == ("tfr", "plot_ratio")
    np.testing.assert_allclose(problem.bounds, [[0.8, 0.9], [1.5, 3.0]])


def test_default_problem_is_the_uncertain_parameters(table):
    problem = sw.problem_from_table(table)
    assert set(problem.names) == {n for n, p in table.items() if p.uncertain}
    with pytest.raises(InputError, match="unknown parameter"):
        sw.problem_from_table(table, ["tfr", "nonsense"])


def test_cli_sweep_writes_outputs_and_robustness(tmp_path):
    from click.testing import CliRunner

    from anshan_housing.cli import main

    out = tmp_path / "sweep"
    args = [
        "sweep",
        "--method",
        "morris",
        "--samples",
        "3",
        "--param",
        "upgrade_rate",
        "--param",
        "plot_ratio",
        "--scenario",
        "freeze",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "P(target met)" in result.output and "most influential" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "fan_chart.png",
        "indices.csv",
        "indices.png",
        "robustness.csv",
        "sweep.nc",
        "tornado.png",
    ]
    header = (out / "indices.csv").read_text().splitlines()[0]
    assert header.startswith("method,scenario,metric,parameter,mu")
    import xarray as xr

    with xr.open_dataset(out / "sweep.nc", engine="h5netcdf") as ds:
        assert ds.sizes["sample"] == 9 and ds.attrs["method"] == "morris"
        assert "sample_values" in ds.coords and ds["average_price"].attrs["units"]


def test_the_default_sweep_is_over_posterior_draws_and_reproduces_2019(table, run_values):
    """Posterior draws keep the seed's 2019 price; the full-range box does not (exploratory)."""
    from anshan_housing.calibration.bayes import DEFAULT_POSTERIOR, posterior_values

    problem, samples, sampling = sw.posterior_problem(DEFAULT_POSTERIOR, table, run_values, 60)
    assert sampling == "posterior: 60 draws of posterior.nc"
    drawn = posterior_values(DEFAULT_POSTERIOR, table, run_values, 60)
    np.testing.assert_array_equal(samples[:, 0], drawn[problem.names[0]])
    low, high = problem.bounds.T  # the tornado spans the posterior 5-95 %
    assert np.all(low < np.median(samples, axis=0)) and np.all(np.median(samples, axis=0) < high)
    plan = load_scenario(find_scenario("plan-table2"), table)
    post = sw.sweep(problem, "posterior", 60, [plan], run_values, samples=samples,
                    sampling=sampling)  # fmt: skip
    box = sw.sweep(sw.problem_from_table(table), "lhs", 60, [plan], run_values, seed=1)
    assert post.outputs.attrs["sampling"] == sampling
    assert box.outputs.attrs["sampling"] == sw.EXPLORATORY
    assert sw.EXPLORATORY in sw.robustness_table(box.outputs)
    from anshan_housing.calibration.observed import load_observed

    seed_2019 = float(load_observed()["average_price"].sel(year=2019))  # 5,128 yuan/m²
    price = {k: r.outputs["average_price"].sel(year=2019, scenario="plan-table2").values
             for k, r in (("post", post), ("box", box))}  # fmt: skip
    assert abs(np.median(price["post"]) / seed_2019 - 1) < 0.03
    assert np.ptp(np.quantile(price["post"], [0.05, 0.95])) < 0.5 * np.ptp(
        np.quantile(price["box"], [0.05, 0.95])
    )
