"""Priors of the uncertain parameters: known densities, truncation, sampling, the file."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import load_parameters
from anshan_housing.model.priors import Prior, parse_prior

HERE = Path("p.toml")


def test_truncated_normal_density_is_renormalised_inside_the_range():
    prior = Prior("normal", {"mean": 0.0, "sd": 1.0}, 0.0, 10.0)  # half of the mass inside
    assert prior.mass == pytest.approx(0.5, rel=1e-12)
    x = np.array([-0.1, 0.0, 1.0, 10.0, 10.1])
    expected = stats.norm.logpdf(x) + math.log(2.0)
    np.testing.assert_allclose(prior.logpdf(x)[1:4], expected[1:4], rtol=1e-12)
    assert prior.logpdf(x)[0] == -np.inf and prior.logpdf(x)[-1] == -np.inf


@pytest.mark.parametrize(
    "dist, params, lower, upper",
    [
        ("normal", {"mean": 0.7, "sd": 0.25}, 0.2, 1.0),
        ("lognormal", {"median": 10.0, "sigma": 0.55}, 3.0, 25.0),
        ("beta", {"a": 2.5, "b": 2.5}, 0.0, 1.0),
        ("uniform", {}, 1500.0, 4000.0),
    ],
)
def test_draws_stay_in_the_range_and_follow_the_density(dist, params, lower, upper):
    prior = Prior(dist, params, lower, upper)
    draws = prior.sample(np.random.default_rng(1), 20_000)
    assert draws.min() >= lower and draws.max() <= upper
    # the density integrates to 1 over the range, and the draws' mean matches it
    grid = np.linspace(lower, upper, 20_001)
    density = np.exp(prior.logpdf(grid))
    assert np.trapezoid(density, grid) == pytest.approx(1.0, rel=1e-3)
    mean = np.trapezoid(grid * density, grid)
    assert draws.mean() == pytest.approx(mean, rel=0.01)


def test_lognormal_median_and_beta_shape_are_read_as_published():
    lognormal = Prior("lognormal", {"median": 10.0, "sigma": 0.55}, 1e-9, 1e9)
    assert float(lognormal.ppf(0.5)) == pytest.approx(10.0, rel=1e-9)
    # a 90 % interval of 4-25 years: sigma = ln(25 / 4) / (2 x 1.645) = 0.557
    assert float(lognormal.ppf(0.95) / lognormal.ppf(0.05)) == pytest.approx(
        math.exp(2 * 1.6449 * 0.55), rel=1e-3
    )
    beta = Prior("beta", {"a": 2.5, "b": 2.5}, 0.0, 1.0)
    assert float(beta.ppf(0.5)) == pytest.approx(0.5, abs=1e-12)


def test_every_uncertain_parameter_has_a_prior_with_a_source():
    table = load_parameters()
    uncertain = [par for par in table.values() if par.uncertain]
    assert len(uncertain) >= 40
    for par in uncertain:
        assert par.prior is not None and par.prior_source.strip(), par.name
        assert par.prior.mass > 0.5, par.name  # most of the prior inside the range
        if par.prior.dist == "uniform":
            assert "nothing" in par.prior_source or "no " in par.prior_source, par.name
        # the default value is a plausible draw: inside the central 99.8 %
        q = np.array([0.001, 0.999])
        low, high = par.prior.ppf(q)
        assert low <= par.value <= high, par.name


@pytest.mark.parametrize(
    "entry, field, message",
    [
        ({"dist": "gamma", "shape": 2.0}, "x.prior.dist", "'gamma' is not a distribution"),
        ({"dist": "normal", "mean": 1.0}, "x.prior.sd", "missing (normal needs mean, sd)"),
        ({"dist": "normal", "mean": 1.0, "sd": -0.1}, "x.prior.sd", "must be above 0"),
        ({"dist": "normal", "mean": 1.0, "sd": 0.1, "skew": 1}, "x.prior.skew",
         "not a parameter of normal"),
        ({"dist": "beta", "a": "two", "b": 2.0}, "x.prior.a", "must be a finite number"),
        ({"dist": "normal", "mean": 100.0, "sd": 0.1}, "x.prior", "no probability inside"),
        ("normal", "x.prior", "must be an inline table"),
    ],
)  # fmt: skip
def test_a_bad_prior_is_refused_with_its_field(entry, field, message):
    with pytest.raises(InputError) as err:
        parse_prior(HERE, "x", entry, 0.0, 2.0)
    assert field in str(err.value) and message in str(err.value)


def test_lognormal_needs_a_range_above_zero():
    with pytest.raises(InputError, match="a lognormal needs a range at or above 0"):
        parse_prior(HERE, "x", {"dist": "lognormal", "median": 1.0, "sigma": 0.5}, -1.0, 2.0)
