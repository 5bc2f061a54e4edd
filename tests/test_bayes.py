"""Bayesian calibration: likelihood and prior by hand, the sampler's output, the CLI."""

from __future__ import annotations

import os

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.calibration import bayes
from anshan_housing.calibration.objective import load_setup
from anshan_housing.cli import main
from anshan_housing.model.errors import InputError

SMALL = bayes.Budget(runs=2, particles=170, mcmc_steps=2, seed=3)  # 17 parameters: >= 170


@pytest.fixture(scope="module")
def posterior(table, run_values):
    return bayes.Posterior(load_setup(table), run_values, table)


@pytest.fixture(scope="module")
def small_run(posterior):
    result = bayes.sample(posterior, SMALL)
    return result, bayes.inference_data(posterior, result, SMALL, {"test": "yes"})


def test_lognormal_likelihood_by_hand(posterior):
    sigma = posterior.sigma
    predicted = (posterior.observed * np.exp(sigma))[None, :]  # each point one sigma off
    expected = -0.5 * np.sum(1.0 + np.log(2 * np.pi) + 2 * np.log(sigma))
    assert posterior.log_likelihood(predicted)[0] == pytest.approx(expected, rel=1e-12)
    worse = (posterior.observed * np.exp(2 * sigma))[None, :]
    assert posterior.log_likelihood(worse)[0] == pytest.approx(expected - 1.5 * len(sigma))


def test_every_series_has_a_sigma_and_permits_are_the_loosest(table):
    setup = load_setup(table)
    sigma = {s.observed: s.sigma for s in setup.series}
    assert all(v is not None and v > 0 for v in sigma.values())
    assert max(sigma, key=sigma.get) == "presale_permits"
    assert min(sigma, key=sigma.get) == "per_capita_floor_area"


def test_prior_and_posterior_are_minus_infinity_outside_a_range(posterior, run_values):
    x = np.array([[run_values[n] for n in posterior.names]] * 2)
    x[1, 0] = posterior.priors[0].upper * 2  # outside price_2015's range
    prior = posterior.log_prior(x)
    assert np.isfinite(prior[0]) and prior[1] == -np.inf
    assert np.isfinite(posterior(x)[0]) and posterior(x)[1] == -np.inf


def test_a_sampled_parameter_needs_a_prior(table, run_values):
    setup = load_setup(table)
    without = next(n for n, p in table.items() if p.prior is None and not p.uncertain)
    changed = type(setup)(setup.free, setup.series, setup.source, (without,))
    with pytest.raises(InputError, match="has no prior in the parameter file"):
        bayes.Posterior(changed, run_values, table)


def test_the_run_has_every_group_with_runs_as_chains(small_run, posterior):
    _, idata = small_run
    for group in ("prior", "posterior", "sample_stats", "observed_data",
                  "posterior_predictive"):  # fmt: skip
        assert group in idata.groups(), group
    post = idata.posterior
    assert post.sizes["chain"] == SMALL.runs and post.sizes["draw"] == SMALL.particles
    assert list(post.data_vars) == list(posterior.names)
    fitted = idata.posterior_predictive["fitted"]
    assert fitted.shape == (SMALL.runs, SMALL.particles, posterior.objective.n_points)
    assert idata.prior.sizes["draw"] == SMALL.draws
    for j, name in enumerate(posterior.names):  # draws inside the ranges
        values = post[name].values
        assert values.min() >= posterior.priors[j].lower
        assert values.max() <= posterior.priors[j].upper
    assert idata.posterior.attrs["seed"] == str(SMALL.seed)
    assert idata.posterior.attrs["test"] == "yes"


def test_the_sampler_is_reproducible_and_its_runs_independent(posterior, small_run):
    result, _ = small_run
    again = bayes.sample(posterior, SMALL)
    np.testing.assert_array_equal(result.draws, again.draws)
    assert not np.array_equal(result.draws[0], result.draws[1])  # each run its own seed
    alone = bayes.sample(posterior, bayes.Budget(1, SMALL.particles, SMALL.mcmc_steps, 3))
    np.testing.assert_array_equal(alone.draws[0], result.draws[0])


def test_the_tempering_runs_from_the_prior_to_the_posterior(small_run, posterior):
    """phi rises from 0 to 1; the last particles carry their own log likelihood."""
    result, _ = small_run
    for phi, moved in zip(result.stages, result.moved, strict=True):
        assert phi[0] == 0 and phi[-1] == 1 and np.all(np.diff(phi) > 0)
        assert len(phi) > 5  # the data are informative: far more than one stage
        assert 0 < moved[-1] <= 1
    flat = result.draws.reshape(-1, len(posterior.names))
    expected = posterior.log_likelihood(posterior.predicted(flat[:20]))
    np.testing.assert_allclose(result.log_likelihood.reshape(-1)[:20], expected, rtol=1e-9)
    assert np.all(np.isfinite(result.log_evidence))


def test_diagnostics_and_coverage_are_computed(small_run):
    result, idata = small_run
    table = bayes.diagnostics(result.draws, list(idata.posterior.data_vars))
    assert set(table) == set(idata.posterior.data_vars)
    for row in table.values():
        assert row["rhat"] > 0.9 and row["ess_bulk"] > 0 and row["ess_tail"] > 0
    assert 0.0 <= bayes.predictive_coverage(idata) <= 1.0
    text = bayes.format_smc(idata.posterior.attrs)
    assert text.count("tempering stages") == SMALL.runs and "log evidence" in text
    assert bayes.format_smc({}) == "SMC record: not in the file"


def test_r_hat_and_the_runs_ess_flag_runs_that_disagree():
    """Two runs of the same distribution: R-hat ~1, ESS ~ the draws; shifted: both fail."""
    rng = np.random.default_rng(5)
    agree = rng.standard_normal((4, 2000, 3))
    table = bayes.diagnostics(agree, ["a", "b", "c"])
    assert max(d["rhat"] for d in table.values()) < 1.01
    assert min(d["ess_runs"] for d in table.values()) > 1000  # 8,000 independent draws
    apart = agree.copy()
    apart[1] += 1.0  # one run a standard deviation off
    table = bayes.diagnostics(apart, ["a", "b", "c"])
    assert min(d["rhat"] for d in table.values()) > 1.05
    assert max(d["ess_runs"] for d in table.values()) < bayes.ESS_MIN
    assert "NO" in bayes.format_checks(table)


def test_cli_writes_the_posterior_and_refuses_bad_options(tmp_path):
    out = tmp_path / "posterior.nc"
    args = ["calibrate", "--bayes", "--runs", "2", "--particles", "170", "--mcmc-steps", "1"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "R-hat" in result.output and "posterior predictive" in result.output
    assert "tempering stages" in result.output
    idata = bayes.arviz().from_netcdf(str(out))
    assert idata.posterior.sizes["chain"] == 2 and idata.posterior.sizes["draw"] == 170
    assert "parameter_table_sha256" in idata.posterior.attrs
    few = CliRunner().invoke(main, ["calibrate", "--bayes", "--particles", "100"])
    assert few.exit_code == 2 and "must be at least 170" in few.output
    toml = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "p.toml")])
    assert toml.exit_code == 2 and "a name ending .nc" in toml.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["posterior.nc"]


def test_a_negative_sigma_is_refused_with_its_field(tmp_path):
    from anshan_housing.calibration.objective import DEFAULT_SETUP

    text = DEFAULT_SETUP.read_text(encoding="utf-8").replace("sigma = 0.02", "sigma = -0.02")
    setup = tmp_path / "setup.toml"
    setup.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["calibrate", "--bayes", "--setup", str(setup)])
    assert result.exit_code == 2
    assert "series[0].sigma: must be a positive relative error" in result.output


@pytest.fixture(scope="module")
def saved(small_run, tmp_path_factory):
    """The small run saved twice: with this parameter table's hash and with another's."""
    from anshan_housing.model.io import file_sha256
    from anshan_housing.model.parameters import DEFAULT_PARAMETER_FILE

    _, idata = small_run
    folder = tmp_path_factory.mktemp("posterior")
    good, other = folder / "good.nc", folder / "other.nc"
    idata.posterior.attrs["parameter_table_sha256"] = file_sha256(DEFAULT_PARAMETER_FILE)
    bayes.save(idata, good)
    idata.posterior.attrs["parameter_table_sha256"] = "0" * 64
    bayes.save(idata, other)
    return good, other


def test_run_posterior_runs_the_draws_as_one_ensemble(saved, table, run_values, tmp_path):
    good, _ = saved
    values = bayes.posterior_values(good, table, run_values, 7)
    assert np.shape(values["neutral_clearance"]) == (7,)
    assert values["tfr"] == run_values["tfr"]  # not sampled: kept
    out = tmp_path / "post.nc"
    result = CliRunner().invoke(main, ["run", "--posterior", str(good), "--draws", "7",
                                       "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    import xarray as xr

    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.sizes["member"] == 7
        spread = ds["average_price"].sel(year=2025).values
        assert np.ptp(spread) > 0  # the draws differ


def test_a_posterior_from_another_parameter_table_is_refused(saved, tmp_path):
    _, other = saved
    out = tmp_path / "post.nc"
    result = CliRunner().invoke(main, ["run", "--posterior", str(other), "--out", str(out)])
    assert result.exit_code == 2
    assert "parameter_table_sha256" in result.output and "another parameter table" in result.output
    assert not out.exists()
    many = CliRunner().invoke(main, ["run", "--posterior", str(saved[0]), "--draws", "99999"])
    assert many.exit_code == 2 and "fewer than 99999" in many.output


def test_the_committed_posterior_belongs_to_this_parameter_table(table, run_values):
    """calibration/posterior.nc: every group, >= 1,000 draws, this table's hash, usable."""
    from anshan_housing.calibration.bayes import posterior_values
    from anshan_housing.calibration.objective import DEFAULT_SETUP

    path = DEFAULT_SETUP.with_name("posterior.nc")
    idata = bayes.arviz().from_netcdf(str(path))
    for group in ("prior", "posterior", "sample_stats", "observed_data",
                  "posterior_predictive"):  # fmt: skip
        assert group in idata.groups(), group
    post = idata.posterior
    assert post.sizes["chain"] * post.sizes["draw"] >= 1000
    values = posterior_values(path, table, run_values, 1000)  # refuses another table's
    assert np.shape(values["neutral_clearance"]) == (1000,)


def test_the_committed_posterior_passes_the_issue_checks():
    """R-hat <= 1.01 and every ESS >= 400 per parameter; >= 85 % of the points covered."""
    idata = bayes.load(bayes.DEFAULT_POSTERIOR)
    names, draws = bayes.chains(idata)
    assert draws.shape[0] >= 4 and set(names) >= {"construction_cost", "neutral_clearance"}
    table = bayes.diagnostics(draws, names)
    assert max(d["rhat"] for d in table.values()) <= bayes.RHAT_MAX
    for key in ("ess_bulk", "ess_tail", "ess_runs"):
        assert min(d[key] for d in table.values()) >= bayes.ESS_MIN, key
    assert bayes.predictive_coverage(idata) >= 0.85
    assert "yes" in bayes.format_checks(table) and "NO" not in bayes.format_checks(table)


def test_known_answer_runs_a_replicate_and_restores_the_data(posterior):
    observed = posterior.observed.copy()
    tiny = bayes.Budget(runs=1, particles=160, mcmc_steps=1, seed=2)
    covered = bayes.known_answer(posterior, 2, tiny)
    assert covered.shape == (2, len(posterior.names)) and covered.dtype == bool
    np.testing.assert_array_equal(posterior.observed, observed)
    shared = bayes.known_answer(posterior, 2, tiny, workers=2)  # one replicate a process
    np.testing.assert_array_equal(shared, covered)


@pytest.mark.slow
def test_known_answer_90_percent_intervals_cover_the_truth_in_80_percent(posterior):
    """20 replicates of data simulated at prior draws (about 18 min on two cores)."""
    covered = bayes.known_answer(posterior, 20, workers=os.cpu_count() or 1)
    assert covered.mean() >= 0.8


def test_narrowing_and_correlations_by_hand():
    """A posterior a tenth as wide as its prior, and two parameters tied together."""
    from anshan_housing.calibration import posterior_summary as ps

    rng = np.random.default_rng(0)
    prior = {"a": rng.normal(0, 1, (1, 4000)), "b": rng.normal(0, 1, (1, 4000)),
             "c": rng.normal(0, 1, (1, 4000))}  # fmt: skip
    a = rng.normal(0.5, 0.1, (2, 2000))
    post = {"a": a, "b": 2 * a + rng.normal(0, 0.01, a.shape), "c": rng.normal(0, 1, a.shape)}
    idata = bayes.arviz().from_dict(posterior=post, prior=prior)
    rows = {r.name: r for r in ps.narrowing(idata)}
    assert rows["a"].width_ratio == pytest.approx(0.1, rel=0.08)
    assert rows["a"].contraction == pytest.approx(0.99, abs=0.005)
    assert rows["a"].verdict == "pinned" and rows["c"].verdict == "prior only"
    assert ps.narrowing(idata)[-1].name == "c"  # the least narrowed last
    (first, second, r), *_ = ps.correlations(idata, top=2)
    assert {first, second} == {"a", "b"} and r > 0.99


def test_calibrate_bayes_report_reads_a_saved_posterior(saved, tmp_path):
    good, other = saved
    figures = tmp_path / "figs"
    args = ["calibrate", "--bayes", "--report", "--posterior", str(good), "--plot", str(figures)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for text in ("R-hat", "tempering stages", "what the data say", "R-hat <= 1.01",
                 "strongest posterior correlations", "posterior predictive"):  # fmt: skip
        assert text in result.output, text
    assert sorted(p.name for p in figures.iterdir()) == ["narrowing.png", "pairs.png"]
    bad = CliRunner().invoke(main, ["calibrate", "--bayes", "--report", "--posterior", str(other)])
    assert bad.exit_code == 2 and "another parameter table" in bad.output
    lone = CliRunner().invoke(main, ["calibrate", "--posterior", str(good)])
    assert lone.exit_code == 2 and "only with --bayes --report" in lone.output
