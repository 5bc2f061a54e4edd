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
    sequential Monte Carlo with adaptive tempering (smcpy's ``AdaptiveSampler``, NASA):
    the particles start as prior draws and are reweighted by ``likelihood ** phi``,
    resampled and moved by Metropolis steps (proposal from the particles' covariance)
    as ``phi`` rises from 0 to 1, each step chosen so that the weights keep an
    effective sample size of ``target_ess`` of the particles. Every Metropolis step
    evaluates all the particles as one ensemble run of the model (``member`` =
    particle). Several independent runs, each seeded from one seed, shared among worker
    processes; a progress bar on request.
Diagnostics
    as for PyMC's SMC, each independent run is one chain: ArviZ's rank-normalised R-hat
    (do the runs agree?) and bulk and tail effective sample sizes, and an ESS from the
    spread of the runs' means (:func:`diagnostics`); the SMC's own criteria per run:
    tempering stages, the share of particles the last stage's Metropolis steps moved,
    and the log evidence (its spread over the runs).
Known answer
    :func:`known_answer` samples data simulated at prior draws and checks how often the
    90 % intervals cover the truth, with one run of 1,000 particles per replicate
    (`KNOWN_ANSWER_BUDGET`).
Output
    ArviZ InferenceData with the groups prior, posterior, sample_stats (log
    likelihood and log prior of each draw), observed_data and posterior_predictive (the
    fitted series of the posterior draws), with provenance attributes (the parameter
    file and its SHA-256, the set-up file, seed, budget, date, version).
"""

from __future__ import annotations

import datetime as _dt
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
    """Independent SMC runs, particles per run, Metropolis steps per stage, seed.

    ``target_ess`` is the share of the particles that the weights' effective sample
    size may fall to before the next stage (smcpy's default 0.8).
    """

    runs: int = 4
    particles: int = 2000
    mcmc_steps: int = 20  # 10 left the runs' log evidence 0.55 apart and one R-hat at 1.013
    seed: int = 0
    target_ess: float = 0.8

    @property
    def draws(self) -> int:
        """Posterior draws in all: runs x particles."""
        return self.runs * self.particles


@dataclass(frozen=True)
class Sample:
    """The particles of the independent runs at phi = 1, with each run's SMC record."""

    draws: np.ndarray  # (run, particle, parameter), equally weighted
    log_likelihood: np.ndarray  # (run, particle)
    stages: tuple[np.ndarray, ...]  # each run's tempering exponents phi, 0 to 1
    moved: tuple[np.ndarray, ...]  # each run's share of particles moved at each stage
    log_evidence: np.ndarray  # (run,): log marginal likelihood estimate of each run


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
        unset = [s.observed for s in setup.series if s.sigma is None]
        if unset:
            raise InputError(setup.source, f"series {unset[0]}.sigma", "missing: the "
                             "likelihood needs a relative error for every series")  # fmt: skip
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

    def check_budget(self, budget: Budget) -> Budget:
        """``budget`` if it has ten particles per parameter, else one error (--particles).

        The Metropolis proposal's covariance is estimated from the particles.
        """
        if budget.particles < 10 * len(self.names):
            raise InputError("option --particles", str(budget.particles),
                             f"must be at least {10 * len(self.names)}: ten per sampled "
                             "parameter, for the proposal's covariance")  # fmt: skip
        return budget

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
        """Log posterior (up to a constant) of each row of ``x`` (particle, parameter)."""
        x = np.atleast_2d(x)
        prior = self.log_prior(x)
        out = np.full(len(x), -np.inf)
        inside = np.isfinite(prior)
        if inside.any():
            out[inside] = prior[inside] + self.log_likelihood(self.predicted(x[inside]))
        return out


class _PriorOf:
    """One parameter's prior as smcpy wants it: ``logpdf`` of a column, ``rvs``."""

    def __init__(self, prior):
        self.prior = prior

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        return self.prior.logpdf(np.asarray(x, float).reshape(-1))

    def rvs(self, size: int, random_state: np.random.Generator) -> np.ndarray:
        return self.prior.sample(random_state, size)


class _LognormalLikelihood:
    """smcpy's log-likelihood hook: the posterior's lognormal likelihood of the model."""

    def __init__(self, model, data, posterior: Posterior):
        self.model = model
        self.posterior = posterior

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.posterior.log_likelihood(self.model(x))


def run_once(posterior: Posterior, budget: Budget, seed: np.random.SeedSequence,
             progress: bool = False) -> tuple:  # fmt: skip
    """One SMC run: its particles, log likelihoods, tempering exponents, moves, log evidence.

    Module-level, so that a worker process can run it.
    """
    from smcpy import AdaptiveSampler, VectorMCMC, VectorMCMCKernel

    priors = [_PriorOf(p) for p in posterior.priors]
    mcmc = VectorMCMC(posterior.predicted, posterior.observed, priors,
                      log_like_args=posterior, log_like_func=_LognormalLikelihood)  # fmt: skip
    kernel = VectorMCMCKernel(mcmc, param_order=posterior.names, rng=np.random.default_rng(seed))
    smc = AdaptiveSampler(kernel, show_progress_bar=progress)
    with warnings.catch_warnings():  # a proposal covariance made positive definite
        warnings.filterwarnings("ignore", "Covariance matrix is not positive", UserWarning)
        steps, log_z = smc.sample(budget.particles, budget.mcmc_steps,
                                  target_ess=budget.target_ess)  # fmt: skip
    last = steps[-1]
    return (last.params, last.log_likes.reshape(-1), np.asarray(steps.phi_sequence, float),
            np.asarray(steps.mut_ratio_sequence, float), float(log_z[-1]))  # fmt: skip


def sample(posterior: Posterior, budget: Budget, progress: bool = False,
           workers: int = 1) -> Sample:  # fmt: skip
    """Run ``budget.runs`` independent SMC samplers from the prior to the posterior.

    Run ``r`` draws from the ``r``-th child of ``numpy.random.SeedSequence(seed)``, so
    that a run depends neither on how many others there are nor on ``workers``, the
    processes the runs are shared among (1: in this process).
    """
    seeds = np.random.SeedSequence(budget.seed).spawn(budget.runs)
    if workers <= 1 or budget.runs == 1:
        runs = [run_once(posterior, budget, seed, progress) for seed in seeds]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(workers, budget.runs)) as pool:
            futures = [pool.submit(run_once, posterior, budget, seed) for seed in seeds]
            if progress:
                from concurrent.futures import as_completed

                from tqdm import tqdm

                for _ in tqdm(as_completed(futures), total=len(futures), desc="SMC runs"):
                    pass
            runs = [f.result() for f in futures]
    draws, log_like, stages, moved, evidence = zip(*runs, strict=True)
    return Sample(np.stack(draws), np.stack(log_like), stages, moved, np.asarray(evidence))


def inference_data(posterior: Posterior, result: Sample, budget: Budget,
                   attrs: Mapping[str, str]):  # fmt: skip
    """The runs as ArviZ InferenceData (chain = run, draw = particle), prior included.

    The prior group holds as many independent draws from the priors as the posterior
    has draws; posterior_predictive holds the fitted series at every posterior draw,
    with the observation noise of the likelihood.
    """
    az = arviz()
    draws = result.draws  # (chain, draw, parameter)
    flat = draws.reshape(-1, draws.shape[-1])
    shape = draws.shape[:2]
    predicted = posterior.predicted(flat)
    log_prior = posterior.log_prior(flat).reshape(shape)
    rng = np.random.default_rng(budget.seed + 1)
    noisy = predicted * np.exp(posterior.sigma * rng.standard_normal(predicted.shape))
    prior_draws = np.column_stack([p.sample(rng, flat.shape[0]) for p in posterior.priors])
    groups = {
        "posterior": {n: draws[:, :, j] for j, n in enumerate(posterior.names)},
        "prior": {n: prior_draws[None, :, j] for j, n in enumerate(posterior.names)},
        "sample_stats": {"lp": log_prior + result.log_likelihood, "log_prior": log_prior,
                         "log_likelihood_total": result.log_likelihood},
        "posterior_predictive": {"fitted": noisy.reshape(*shape, -1)},
        "observed_data": {"fitted": posterior.observed},
    }  # fmt: skip
    sigma = ", ".join(f"{t.spec.observed} {t.spec.sigma:g}" for t in posterior.objective.targets)
    attrs = {**attrs, "sampler": "smcpy AdaptiveSampler (SMC, adaptive tempering)",
             "runs": budget.runs, "particles": budget.particles,
             "mcmc_steps": budget.mcmc_steps, "target_ess": budget.target_ess,
             "seed": budget.seed, "sigma": sigma,
             "stages": " ".join(str(len(s) - 1) for s in result.stages),
             "moved_last_stage": " ".join(f"{m[-1]:.4f}" for m in result.moved),
             "log_evidence": " ".join(f"{z:.3f}" for z in result.log_evidence),
             "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}  # fmt: skip
    idata = az.from_dict(
        **groups, dims={"fitted": ["point"]}, coords={"point": posterior.objective.labels}
    )
    for group in idata.groups():  # provenance on every group, as in every output file
        getattr(idata, group).attrs.update({k: str(v) for k, v in attrs.items()})
    return idata


def diagnostics(draws: np.ndarray, names) -> dict[str, dict[str, float]]:
    """R-hat, bulk and tail ESS (ArviZ) and the runs' ESS of draws (run, particle, parameter).

    Each independent run is a chain (``Sample.draws``, or a saved posterior's
    :func:`chains`), as PyMC reports its SMC. ArviZ's ESS takes the particles of a run
    for a chain's successive draws, which they are not: particles that share an
    ancestor are correlated in any order. ``ess_runs`` does without that assumption:
    the posterior variance over the variance of the runs' means (the squared Monte
    Carlo error of one run's mean), times the runs; with 4 runs it is rough (3 degrees
    of freedom), but it falls when the runs disagree.
    """
    az = arviz()
    full = az.convert_to_dataset({n: draws[:, :, j] for j, n in enumerate(names)})
    rhat = az.rhat(full)
    bulk = az.ess(full, method="bulk")
    tail = az.ess(full, method="tail")
    runs = draws.shape[0]
    pooled = draws.reshape(-1, draws.shape[-1]).var(axis=0)
    spread = draws.mean(axis=1).var(axis=0, ddof=1) if runs > 1 else np.full(len(names), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ess_runs = runs * pooled / spread
    return {
        name: {"rhat": float(rhat[name]), "ess_bulk": float(bulk[name]),
               "ess_tail": float(tail[name]), "ess_runs": float(ess_runs[j])}
        for j, name in enumerate(names)
    }  # fmt: skip


def format_diagnostics(idata, table: Mapping[str, dict[str, float]]) -> str:
    """One line per parameter: prior and posterior 90 % intervals, R-hat, ESS."""
    post = idata.posterior
    prior = idata.prior
    lines = [f"{'parameter':<30} {'prior 5-95 %':>23} {'posterior 5-50-95 %':>32} "
             f"{'R-hat':>6} {'ESS bulk':>9} {'ESS tail':>9} {'ESS runs':>9}"]  # fmt: skip
    for name, d in table.items():
        lo, mid, hi = np.quantile(post[name].values, [0.05, 0.5, 0.95])
        plo, phi = np.quantile(prior[name].values, [0.05, 0.95])
        lines.append(f"{name:<30} {plo:>11.4g}-{phi:<11.4g} {lo:>10.4g} {mid:>10.4g} "
                     f"{hi:>10.4g} {d['rhat']:>6.3f} {d['ess_bulk']:>9.0f} "
                     f"{d['ess_tail']:>9.0f} {d['ess_runs']:>9.0f}")  # fmt: skip
    return "\n".join(lines)


RHAT_MAX = 1.01  # issue 15's bounds on the real data
ESS_MIN = 400


def format_checks(table: Mapping[str, dict[str, float]]) -> str:
    """Whether every parameter has R-hat <= RHAT_MAX and every ESS >= ESS_MIN."""
    rhat = max(d["rhat"] for d in table.values())
    ess = {k: min(d[k] for d in table.values()) for k in ("ess_bulk", "ess_tail", "ess_runs")}
    worst = min(ess.values())
    return (f"R-hat <= {RHAT_MAX:g} for every parameter: {'yes' if rhat <= RHAT_MAX else 'NO'} "
            f"(largest {rhat:.3f}); ESS >= {ESS_MIN} for every parameter: "
            f"{'yes' if worst >= ESS_MIN else 'NO'} (smallest bulk {ess['ess_bulk']:,.0f}, "
            f"tail {ess['ess_tail']:,.0f}, runs {ess['ess_runs']:,.0f})")  # fmt: skip


def format_smc(attrs: Mapping[str, str]) -> str:
    """The SMC's own criteria from a posterior's attributes, one line per run.

    Tempering stages, the share of particles the last stage's Metropolis steps moved,
    and the log evidence, with its spread over the runs.
    """
    stages = attrs.get("stages", "").split()
    moved = [float(m) for m in attrs.get("moved_last_stage", "").split()]
    evidence = [float(z) for z in attrs.get("log_evidence", "").split()]
    if not stages or len({len(stages), len(moved), len(evidence)}) != 1:
        return "SMC record: not in the file"
    lines = [f"run {r}: {n} tempering stages, the last moved {100 * m:.1f} % of the particles, "
             f"log evidence {z:.2f}" for r, (n, m, z) in enumerate(zip(stages, moved, evidence,
                                                                        strict=True))]  # fmt: skip
    lines.append(f"log evidence over the runs: {np.mean(evidence):.2f}, spread "
                 f"{np.ptp(evidence):.2f}")  # fmt: skip
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


def load(path: str | Path):
    """A saved posterior (InferenceData), checked against model/parameters.toml.

    Raises
    ------
    InputError
        A file that is missing, is not InferenceData with a posterior, or was made with
        another parameter table (its SHA-256 differs from model/parameters.toml's).
    """
    from anshan_housing.model.io import file_sha256
    from anshan_housing.model.parameters import DEFAULT_PARAMETER_FILE

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
    return idata


def chains(idata) -> tuple[list[str], np.ndarray]:
    """A posterior's parameter names and draws (chain, draw, parameter)."""
    names = [str(n) for n in idata.posterior.data_vars]
    return names, np.stack([idata.posterior[n].values for n in names], axis=-1)


def posterior_values(path: str | Path, table: ParameterTable, base: Mapping[str, float],
                     draws: int) -> dict[str, float | np.ndarray]:  # fmt: skip
    """Parameter values with one member per posterior draw, from a saved posterior.

    ``draws`` draws are taken evenly over all runs and particles of the file; the other
    parameters keep ``base``.

    Raises
    ------
    InputError
        A file that is missing, is not InferenceData with a posterior, was made with
        another parameter table (its SHA-256 differs from model/parameters.toml's), names
        a parameter the table lacks, or holds fewer draws than asked.
    """
    from anshan_housing.model.parameters import check_values

    path = Path(path)
    names, draws_array = chains(load(path))
    flat = draws_array.reshape(-1, len(names))
    if draws > len(flat):
        raise InputError(path, "posterior", f"holds {len(flat)} draws, fewer than {draws}")
    picked = flat[np.linspace(0, len(flat) - 1, draws).round().astype(int)]
    sampled = check_values(table, {n: picked[:, j] for j, n in enumerate(names)}, str(path))
    return {**base, **sampled}


KNOWN_ANSWER_BUDGET = Budget(runs=1, particles=1000, mcmc_steps=20, seed=11)


def known_answer(posterior: Posterior, replicates: int, budget: Budget = KNOWN_ANSWER_BUDGET,
                 first: int = 0, workers: int = 1) -> np.ndarray:  # fmt: skip
    """Whether each replicate's 90 % posterior interval covers the true value.

    Replicate ``r`` draws true values from the priors and the likelihood's lognormal
    noise (generator seeded with ``[budget.seed, r]``), simulates the fitted series at
    the truth, and samples the posterior of that synthetic data with ``budget`` (seed
    ``budget.seed + r``). Replicates ``first`` to ``first + replicates - 1`` are run,
    shared among ``workers`` processes; the answer does not depend on how they are
    shared.

    Returns
    -------
    ndarray of bool, shape (replicate, parameter)
    """
    if workers > 1 and replicates > 1:
        from concurrent.futures import ProcessPoolExecutor

        bounds = np.linspace(first, first + replicates, min(workers, replicates) + 1).astype(int)
        with ProcessPoolExecutor(max_workers=len(bounds) - 1) as pool:
            parts = [pool.submit(known_answer, posterior, int(b - a), budget, int(a))
                     for a, b in zip(bounds[:-1], bounds[1:], strict=True)]  # fmt: skip
            return np.concatenate([part.result() for part in parts])
    truths, noise = [], []
    for r in range(first, first + replicates):  # replicate r's own stream: any split agrees
        rng = np.random.default_rng([budget.seed, r])
        truths.append([float(p.sample(rng, 1)[0]) for p in posterior.priors])
        noise.append(rng.standard_normal(len(posterior.sigma)))
    truths = np.array(truths)
    predicted = posterior.predicted(truths)  # the true worlds: one ensemble run
    observed = posterior.observed
    covered = np.zeros((replicates, len(posterior.names)), dtype=bool)
    try:
        for i in range(replicates):  # one sampler run per replicate
            r = first + i
            posterior.observed = predicted[i] * np.exp(posterior.sigma * noise[i])
            run = Budget(budget.runs, budget.particles, budget.mcmc_steps, budget.seed + r,
                         budget.target_ess)  # fmt: skip
            flat = sample(posterior, run).draws.reshape(-1, len(posterior.names))
            low, high = np.quantile(flat, [0.05, 0.95], axis=0)
            covered[i] = (low <= truths[i]) & (truths[i] <= high)
    finally:
        posterior.observed = observed
    return covered
