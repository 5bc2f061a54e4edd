"""Bayesian calibration: the posterior of the free parameters given 2016-2019.

Likelihood
    each observed point ``y`` of a fitted series is lognormal around the model's value
    ``m``: ``log y - log m ~ Normal(0, sigma)``, with the series' ``sigma`` from the
    set-up file (``[[series]] sigma``: the relative error of that series, set from the
    seed's documented inconsistencies), the scopes of calibration/objective.py.
Prior
    each sampled parameter's prior from the parameter file (model/priors.py),
    truncated to its range.
Sampler
    emcee's ensemble sampler (Foreman-Mackey et al. 2013) with differential-evolution
    and snooker moves (ter Braak 2006; ter Braak & Vrugt 2008), vectorised: each call
    evaluates half the walkers as one ensemble run of the model (``member`` = walker).
    Seeded; a progress bar on request.
Diagnostics
    ArviZ's rank-normalised R-hat and bulk and tail effective sample sizes, each walker
    a chain, after the burn-in; emcee's integrated autocorrelation time.
Output
    ArviZ InferenceData with the groups prior, posterior, sample_stats (log
    likelihood and log prior of each draw), observed_data and posterior_predictive (the
    fitted series of the posterior draws), with provenance attributes (the parameter
    file and its SHA-256, the set-up file, seed, budget, date, version).
"""

from __future__ import annotations

import datetime as _dt
import logging
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from anshan_housing.calibration.objective import CalibrationSetup, Objective
from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import ParameterTable

LOG_2PI = float(np.log(2.0 * np.pi))
DEFAULT_POSTERIOR = Path(__file__).with_name("posterior.nc")  # written by calibrate --bayes


def arviz():
    """ArviZ, imported without its notice of a coming refactor (0.x on Python 3.11)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


@dataclass(frozen=True)
class Budget:
    """Walkers, steps after the burn-in, burn-in steps, thinning of the saved draws, seed."""

    walkers: int = 128
    steps: int = 5000
    burn: int = 1000
    seed: int = 0
    thin: int = 1  # the saved InferenceData keeps every thin-th step (diagnostics: all)


class Posterior:
    """Log posterior of parameter vectors, evaluated for many at once.

    Parameters
    ----------
    setup : CalibrationSetup
        Fitted series (each with its ``sigma``) and the sampled parameters
        (``setup.free`` plus ``setup.bayes_extra``).
    base : mapping of str to float
        Values of every parameter; the sampled ones are replaced.
    table : ParameterTable
        Ranges and priors; every sampled parameter needs a prior.
    observed : xarray.Dataset, optional
        Observed series (a synthetic set in the known-answer check).
    """

    def __init__(self, setup: CalibrationSetup, base: Mapping[str, float],
                 table: ParameterTable, observed=None):  # fmt: skip
        self.names = tuple(setup.free) + tuple(setup.bayes_extra)
        missing = [n for n in self.names if table[n].prior is None]
        if missing:
            raise InputError(setup.source, f"free: {missing[0]}",
                             "has no prior in the parameter file; the Bayesian calibration "
                             "samples only parameters with a prior")  # fmt: skip
        self.priors = [table[n].prior for n in self.names]
        wide = CalibrationSetup(self.names, setup.series, setup.source, ())
        self.objective = Objective(wide, base, observed=observed)
        self.sigma = np.concatenate([np.full(len(t.years), t.spec.sigma)
                                     for t in self.objective.targets])  # fmt: skip
        self.observed = np.concatenate([t.values for t in self.objective.targets])

    def log_prior(self, x: np.ndarray) -> np.ndarray:
        """Sum of the priors' log densities, shape (member,); -inf outside a range."""
        return sum(prior.logpdf(x[:, j]) for j, prior in enumerate(self.priors))

    def predicted(self, x: np.ndarray) -> np.ndarray:
        """The fitted series' model values at ``x`` (member, point), observed scope."""
        return self.objective.model_values(self.objective.simulate(x))

    def log_likelihood(self, predicted: np.ndarray) -> np.ndarray:
        """Lognormal log likelihood of the observed points, shape (member,)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(self.observed) - np.log(predicted)) / self.sigma
        value = -0.5 * np.sum(z**2 + LOG_2PI + 2 * np.log(self.sigma), axis=1)
        return np.where(np.isfinite(value), value, -np.inf)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Log posterior (up to a constant) of each row of ``x`` (walker, parameter)."""
        x = np.atleast_2d(x)
        prior = self.log_prior(x)
        out = np.full(len(x), -np.inf)
        inside = np.isfinite(prior)
        if inside.any():
            out[inside] = prior[inside] + self.log_likelihood(self.predicted(x[inside]))
        return out


def sample(posterior: Posterior, budget: Budget, start, progress: bool = False,
           initial: np.ndarray | None = None):  # fmt: skip
    """Run emcee from a ball around ``start``; return the sampler (chain incl. burn-in).

    The walkers start at ``start`` (the point calibration) plus 1 % of each range,
    moved inside the ranges, or at the rows of ``initial`` (walker, parameter): the
    burn-in forgets the start.
    """
    import emcee

    start = np.asarray(start, float)
    rng = np.random.default_rng(budget.seed)
    lower = np.array([p.lower for p in posterior.priors])
    upper = np.array([p.upper for p in posterior.priors])
    spread = 0.01 * (upper - lower)
    ball = start + spread * rng.standard_normal((budget.walkers, len(start)))
    ball = np.clip(ball, lower + 1e-6 * spread, upper - 1e-6 * spread)  # explicit clip
    if initial is not None:
        ball = np.asarray(initial, float)
    # differential-evolution proposals with a share of snooker updates: for a posterior
    # with strongly correlated parameters (the 2015 price, its reference and expected
    # growth) they mix faster than the default stretch move, which gave autocorrelation
    # times of 105-125 steps at 128 walkers
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(budget.walkers, len(start), posterior, vectorize=True,
                                    moves=moves)  # fmt: skip
    sampler.random_state = np.random.RandomState(budget.seed).get_state()
    sampler.run_mcmc(ball, budget.burn + budget.steps, progress=progress)
    return sampler


def inference_data(posterior: Posterior, sampler, budget: Budget, attrs: Mapping[str, str]):
    """The run as ArviZ InferenceData, the predictive draws and the prior included.

    Every ``budget.thin``-th step after the burn-in is kept. The prior group holds as
    many independent draws from the priors as the posterior has draws;
    posterior_predictive holds the fitted series at every posterior draw, with the
    observation noise of the likelihood.
    """
    az = arviz()
    keep = {"discard": budget.burn, "thin": budget.thin}
    chain = sampler.get_chain(**keep)  # (draw, walker, parameter)
    draws = np.transpose(chain, (1, 0, 2))  # (chain, draw, parameter)
    log_prob = np.transpose(sampler.get_log_prob(**keep))
    flat = draws.reshape(-1, draws.shape[-1])
    predicted = posterior.predicted(flat)
    log_prior = posterior.log_prior(flat)
    rng = np.random.default_rng(budget.seed + 1)
    noisy = predicted * np.exp(posterior.sigma * rng.standard_normal(predicted.shape))
    prior_draws = np.column_stack([p.sample(rng, flat.shape[0]) for p in posterior.priors])
    shape = draws.shape[:2]
    groups = {
        "posterior": {n: draws[:, :, j] for j, n in enumerate(posterior.names)},
        "prior": {n: prior_draws[None, :, j] for j, n in enumerate(posterior.names)},
        "sample_stats": {"lp": log_prob, "log_prior": log_prior.reshape(shape),
                         "log_likelihood_total": log_prob - log_prior.reshape(shape)},
        "posterior_predictive": {"fitted": noisy.reshape(*shape, -1)},
        "observed_data": {"fitted": posterior.observed},
    }  # fmt: skip
    sigma = ", ".join(f"{t.spec.observed} {t.spec.sigma:g}" for t in posterior.objective.targets)
    attrs = {**attrs, "walkers": budget.walkers, "steps": budget.steps, "burn": budget.burn,
             "thin": budget.thin, "seed": budget.seed, "sigma": sigma,
             "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}  # fmt: skip
    with warnings.catch_warnings():  # many walkers, few steps: the shapes are given right
        warnings.filterwarnings("ignore", "More chains", UserWarning)
        idata = az.from_dict(
            **groups, dims={"fitted": ["point"]}, coords={"point": posterior.objective.labels}
        )
    for group in idata.groups():  # provenance on every group, as in every output file
        getattr(idata, group).attrs.update({k: str(v) for k, v in attrs.items()})
    return idata


def diagnostics(sampler, names, budget: Budget) -> dict[str, dict[str, float]]:
    """R-hat, bulk and tail ESS (ArviZ) and the autocorrelation time (emcee), per parameter.

    On every step after the burn-in, each walker a chain (not on the thinned draws).
    """
    az = arviz()
    chain = np.transpose(sampler.get_chain(discard=budget.burn), (1, 0, 2))
    with warnings.catch_warnings():  # many walkers, few steps: the shapes are given right
        warnings.filterwarnings("ignore", "More chains", UserWarning)
        full = az.convert_to_dataset({n: chain[:, :, j] for j, n in enumerate(names)})
    rhat = az.rhat(full)
    bulk = az.ess(full, method="bulk")
    tail = az.ess(full, method="tail")
    log = logging.getLogger("emcee")
    level = log.level
    log.setLevel(logging.ERROR)  # a short chain's tau is reported in the table, not logged
    try:
        tau = sampler.get_autocorr_time(discard=budget.burn, quiet=True)
    finally:
        log.setLevel(level)
    return {
        name: {"rhat": float(rhat[name]), "ess_bulk": float(bulk[name]),
               "ess_tail": float(tail[name]), "tau": float(tau[j])}
        for j, name in enumerate(names)
    }  # fmt: skip


def format_diagnostics(idata, table: Mapping[str, dict[str, float]]) -> str:
    """One line per parameter: posterior median, 90 % interval, R-hat, ESS, tau."""
    post = idata.posterior
    prior = idata.prior
    lines = [f"{'parameter':<30} {'prior 5-95 %':>23} {'posterior 5-50-95 %':>32} "
             f"{'R-hat':>6} {'ESS bulk':>9} {'ESS tail':>9} {'tau':>6}"]  # fmt: skip
    for name, d in table.items():
        lo, mid, hi = np.quantile(post[name].values, [0.05, 0.5, 0.95])
        plo, phi = np.quantile(prior[name].values, [0.05, 0.95])
        lines.append(f"{name:<30} {plo:>11.4g}-{phi:<11.4g} {lo:>10.4g} {mid:>10.4g} "
                     f"{hi:>10.4g} {d['rhat']:>6.3f} {d['ess_bulk']:>9.0f} "
                     f"{d['ess_tail']:>9.0f} {d['tau']:>6.1f}")  # fmt: skip
    return "\n".join(lines)


def predictive_coverage(idata, low: float = 0.05, high: float = 0.95) -> float:
    """Share of the observed points inside the posterior predictive's 5-95 % band."""
    draws = idata.posterior_predictive["fitted"].values.reshape(-1, idata.observed_data[
        "fitted"].size)  # fmt: skip
    lo, hi = np.quantile(draws, [low, high], axis=0)
    observed = idata.observed_data["fitted"].values
    return float(np.mean((observed >= lo) & (observed <= hi)))


def save(idata, path: Path) -> None:
    """Write the InferenceData to NetCDF (h5netcdf), one group per ArviZ group."""
    idata.to_netcdf(str(path), engine="h5netcdf")


def posterior_values(path: str | Path, table: ParameterTable, base: Mapping[str, float],
                     draws: int) -> dict[str, float | np.ndarray]:  # fmt: skip
    """Parameter values with one member per posterior draw, from a saved posterior.

    ``draws`` draws are taken evenly over all walkers and steps of the file; the other
    parameters keep ``base``.

    Raises
    ------
    InputError
        A file that is missing, is not InferenceData with a posterior, was made with
        another parameter table (its SHA-256 differs from model/parameters.toml's), names
        a parameter the table lacks, or holds fewer draws than asked.
    """
    from anshan_housing.model.io import file_sha256
    from anshan_housing.model.parameters import DEFAULT_PARAMETER_FILE, check_values

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "(file)", "no such file; write one with calibrate --bayes --out")
    try:
        idata = arviz().from_netcdf(str(path))
        post = idata.posterior
    except (OSError, ValueError, AttributeError, KeyError) as err:
        raise InputError(path, "(file)", f"not a posterior (ArviZ InferenceData): {err}") from None
    made = post.attrs.get("parameter_table_sha256")
    now = file_sha256(DEFAULT_PARAMETER_FILE)
    if made != now:
        raise InputError(
            path,
            "parameter_table_sha256",
            f"{made} was made with another parameter table than "
            f"{DEFAULT_PARAMETER_FILE.name} ({now}); run calibrate --bayes again",
        )
    names = list(post.data_vars)
    flat = np.column_stack([post[n].values.reshape(-1) for n in names])
    if draws > len(flat):
        raise InputError(path, "posterior", f"holds {len(flat)} draws, fewer than {draws}")
    picked = flat[np.linspace(0, len(flat) - 1, draws).round().astype(int)]
    sampled = check_values(table, {n: picked[:, j] for j, n in enumerate(names)}, str(path))
    return {**base, **sampled}


KNOWN_ANSWER_BUDGET = Budget(walkers=48, steps=400, burn=300, seed=11)


def known_answer(posterior: Posterior, replicates: int, budget: Budget = KNOWN_ANSWER_BUDGET,
                 first: int = 0) -> np.ndarray:  # fmt: skip
    """Whether each replicate's 90 % posterior interval covers the true value.

    Replicate ``r`` draws true values from the priors, simulates the fitted series at
    them, adds the likelihood's lognormal noise, and samples the posterior of that
    synthetic data with ``budget`` (the walkers start at prior draws). Replicates
    ``first`` to ``first + replicates - 1`` of one seeded sequence are run, so that
    the sequence can be split between processes.

    Returns
    -------
    ndarray of bool, shape (replicate, parameter)
    """
    rng = np.random.default_rng(budget.seed)
    total = first + replicates
    truths = np.column_stack([p.sample(rng, total) for p in posterior.priors])
    noise = rng.standard_normal((total, len(posterior.sigma)))
    starts = [np.column_stack([p.sample(rng, budget.walkers) for p in posterior.priors])
              for _ in range(total)]  # fmt: skip
    predicted = posterior.predicted(truths[first:])  # the true worlds: one ensemble run
    observed = posterior.observed
    covered = np.zeros((replicates, len(posterior.names)), dtype=bool)
    try:
        for i in range(replicates):  # one sampler run per replicate
            r = first + i
            posterior.observed = predicted[i] * np.exp(posterior.sigma * noise[r])
            run = Budget(budget.walkers, budget.steps, budget.burn, budget.seed + r)
            chain = sample(posterior, run, truths[r], initial=starts[r])
            flat = chain.get_chain(discard=budget.burn, flat=True)
            low, high = np.quantile(flat, [0.05, 0.95], axis=0)
            covered[i] = (low <= truths[r]) & (truths[r] <= high)
    finally:
        posterior.observed = observed
    return covered
