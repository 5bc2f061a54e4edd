"""Benchmark of the simulation: wall time and peak memory per case, against targets.

Run ``python experiments/bench.py`` (about 20 s) or ``--quick`` (10,000 instead
of 100,000 members in the large case). Each case runs in a fresh Python process, so
one case's memory does not inflate the next one's peak; the child reports the
median wall time of its timed repeats (after an untimed warm-up) and its peak
resident memory (``ru_maxrss``: interpreter, imports, parameters and the Dataset).

Ensemble members differ: every parameter marked ``uncertain`` in the parameter
table is drawn uniformly within its lower and upper bounds, with
``numpy.random.default_rng(0)``.

Adding a case
-------------
Write a preparer ``prepare(members, seed) -> (warmup, run)`` (both zero-argument
callables; only ``run`` is timed), register it in `PREPARERS` and add one `Case`
to `cases` (a compare, calibration or sweep case is one entry each).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np

#: Members of the large ensemble case, in full and ``--quick`` runs.
LARGE_MEMBERS = 100_000
QUICK_MEMBERS = 10_000

#: Targets of the issues: one run of one member; 100,000 members x 120 months with the
#: population sector alone and with the full model; compare; calibration; a sweep.
ONE_RUN_SECONDS = 0.050
LARGE_SECONDS = 20.0
LARGE_MB = 4096.0
FULL_SECONDS = 30.0
FULL_MB = 6144.0
COMPARE_SECONDS = 5.0
CALIBRATION_SECONDS = 120.0
SWEEP_SECONDS = 60.0
POSTERIOR_COMPARE_SECONDS = 10.0  # issue 15: every scenario over 1,000 posterior draws
BAYES_SECONDS = 600.0  # issue 15: the full Bayesian calibration on 2 cores
POSTERIOR_DRAWS = 1000

#: Timed repeats of the one-member case (its median is reported); one warm-up first.
ONE_RUN_REPEATS = 10

#: Longest a child process may run before the case is reported as failed (s).
CHILD_TIMEOUT = 900

#: ``ru_maxrss`` is in kibibytes on Linux (bytes on macOS).
_RSS_TO_MB = 1 / 1024 if sys.platform != "darwin" else 1 / 1024**2


Prepared = tuple[Callable[[], object], Callable[[], object]]


def sample_values(members: int, seed: int | np.random.Generator = 0) -> dict:
    """Parameter values of an ensemble: uncertain parameters uniform within bounds.

    Parameters
    ----------
    members : int
        Ensemble size; 1 gives the table's default values.
    seed : int or numpy.random.Generator
        Seed of the draws.

    Returns
    -------
    dict of str to float or numpy.ndarray
        Every parameter; the uncertain ones as arrays of shape ``(members,)``.
    """
    from anshan_housing.model.parameters import load_parameters, resolve_values

    table = load_parameters()
    if members == 1:
        return resolve_values(table)
    rng = np.random.default_rng(seed)
    draws = {
        name: rng.uniform(par.lower, par.upper, members)
        for name, par in table.items()
        if par.uncertain
    }
    return resolve_values(table, ("bench", draws))


def prepare_simulate(members: int, seed: int = 0) -> Prepared:
    """The whole `model.engine.simulate`, 2016-2025 monthly, for an ensemble.

    The warm-up is a one-member run (first-call costs: data files, caches); the
    timed call simulates `members` members and assembles the Dataset.
    """
    from anshan_housing.model.engine import simulate

    one = sample_values(1)
    values = sample_values(members, seed)
    return (lambda: simulate(one)), (lambda: simulate(values))


def prepare_population(members: int, seed: int = 0) -> Prepared:
    """The population sector alone: 120 monthly Euler steps and 10 ageings.

    The same schedules, rates and blocks of members as the engine, without the other
    sectors, the simpy calendar or the record (the issue's population-only target).
    """
    from anshan_housing.model import population
    from anshan_housing.model.engine import BLOCK_MEMBERS, blas_controller
    from anshan_housing.model.inputs import shipped_data
    from anshan_housing.model.parameters import member_arrays
    from anshan_housing.model.system import age_sums, constants

    p = member_arrays(sample_values(members, seed), members)
    dt = 1 / 12
    fixed = constants(shipped_data())

    def run():
        pop = population.initial_state(p, fixed.age_shape)["population"]
        with blas_controller().limit(limits=1, user_api="blas"):  # as the engine
            step_blocks(pop)
        return pop

    def step_blocks(pop):
        for start in range(0, members, BLOCK_MEMBERS):
            block = slice(start, min(start + BLOCK_MEMBERS, members))
            params = {k: v[block] for k, v in p.items()}
            schedules = population.schedules(params, dt, fixed.mortality)
            view = pop[block]
            for month in range(120):
                if month % 12 == 0:
                    population.age_one_year(view)
                sums = age_sums(view, fixed)
                change, _ = population.rates(view, schedules, params, sums, dt)
                view += change

    return run, run


def prepare_compare(members: int, seed: int = 0) -> Prepared:
    """`anshan-housing compare` of all shipped scenarios, without writing files."""
    from anshan_housing.calibration import default_run_values
    from anshan_housing.experiments.scenarios import load_scenario, run_scenario, shipped_scenarios
    from anshan_housing.experiments.scorecard import scorecard

    table, values, _ = default_run_values()
    scenarios = [load_scenario(p, table) for p in shipped_scenarios()]

    def run():
        return {s.name: scorecard(run_scenario(s, values)) for s in scenarios}

    return run, run


def prepare_posterior_compare(members: int, seed: int = 0) -> Prepared:
    """`anshan-housing compare` as the README runs it: every scenario over posterior draws."""
    from anshan_housing.calibration import default_run_values
    from anshan_housing.calibration.bayes import DEFAULT_POSTERIOR, posterior_values
    from anshan_housing.experiments.comparison import compare_scenarios
    from anshan_housing.experiments.scenarios import load_scenario, shipped_scenarios

    table, values, _ = default_run_values()
    scenarios = [load_scenario(p, table) for p in shipped_scenarios()]

    def run():
        drawn = posterior_values(DEFAULT_POSTERIOR, table, values, members)
        return compare_scenarios(scenarios, drawn, posterior=True)

    return run, run


def prepare_bayes(members: int, seed: int = 0) -> Prepared:
    """`calibrate --bayes` with its defaults: the SMC runs on every core, InferenceData."""
    import os

    from anshan_housing.calibration import bayes, default_run_values
    from anshan_housing.calibration.objective import load_setup

    table, values, _ = default_run_values()
    posterior = bayes.Posterior(load_setup(table), values, table)
    budget = bayes.Budget(seed=seed)

    def run():
        result = bayes.sample(posterior, budget, workers=os.cpu_count() or 1)
        return bayes.inference_data(posterior, result, budget, {})

    return (lambda: None), run


def prepare_calibration(members: int, seed: int = 0) -> Prepared:
    """The full calibration (differential evolution + polish), the CLI's defaults."""
    from anshan_housing.calibration.fit import calibrate
    from anshan_housing.calibration.objective import load_setup
    from anshan_housing.model.parameters import load_parameters, resolve_values

    table = load_parameters()
    setup = load_setup(table)

    def run():
        return calibrate(table, setup, resolve_values(table), seed=seed, maxiter=150, popsize=15)

    return (lambda: None), run


def prepare_sweep(members: int, seed: int = 0) -> Prepared:
    """A Latin-hypercube sweep of all uncertain parameters under plan-table2."""
    from anshan_housing.calibration import default_run_values
    from anshan_housing.experiments import sweep as sw
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario

    table, values, _ = default_run_values()
    scenario = load_scenario(find_scenario("plan-table2"), table)
    problem = sw.problem_from_table(table)

    def run():
        return sw.sweep(problem, "lhs", members, [scenario], values, seed=seed, chunk=10_000)

    return (lambda: sw.sweep(problem, "lhs", 10, [scenario], values, seed=seed)), run


#: Preparers by name; a child process looks its case's up here.
PREPARERS: dict[str, Callable[..., Prepared]] = {
    "simulate": prepare_simulate,
    "population": prepare_population,
    "compare": prepare_compare,
    "calibration": prepare_calibration,
    "sweep": prepare_sweep,
    "posterior-compare": prepare_posterior_compare,
    "bayes": prepare_bayes,
}


@dataclass(frozen=True)
class Case:
    """One benchmark case.

    Attributes
    ----------
    name : str
        Row label.
    prepare : str
        Key of `PREPARERS`.
    members : int
        Ensemble size.
    repeats : int
        Timed calls; the median is reported.
    max_seconds, max_mb : float or None
        Targets on wall time (s) and peak memory (MB); None for none.
    target_note : str
        Target text shown instead of the computed one (for a reduced case).
    """

    name: str
    prepare: str
    members: int
    repeats: int = 1
    max_seconds: float | None = None
    max_mb: float | None = None
    target_note: str = ""

    def target(self) -> str:
        """The target as text."""
        if self.target_note:
            return self.target_note
        parts = []
        if self.max_seconds is not None:
            parts.append(
                f"≤ {self.max_seconds * 1e3:g} ms"
                if self.max_seconds < 1
                else f"≤ {self.max_seconds:g} s"
            )
        if self.max_mb is not None:
            parts.append(f"≤ {self.max_mb / 1024:g} GB")
        return ", ".join(parts) or "-"

    def met(self, seconds: float, mb: float) -> str:
        """``"yes"``, ``"NO"`` or ``"-"`` (no target)."""
        checks = []
        if self.max_seconds is not None:
            checks.append(seconds <= self.max_seconds)
        if self.max_mb is not None:
            checks.append(mb <= self.max_mb)
        if not checks:
            return "-"
        return "yes" if all(checks) else "NO"


def cases(quick: bool = False) -> list[Case]:
    """The benchmark cases, in order.

    Parameters
    ----------
    quick : bool
        Run the large ensemble with `QUICK_MEMBERS` instead of `LARGE_MEMBERS`
        members, its target then shown for reference only, and leave out the
        Bayesian calibration (about 5 minutes).
    """
    large = QUICK_MEMBERS if quick else LARGE_MEMBERS
    reduced = f"(targets at {LARGE_MEMBERS:,})" if quick else ""
    return [
        Case("one run", "simulate", 1, repeats=ONE_RUN_REPEATS, max_seconds=ONE_RUN_SECONDS),
        Case("ensemble 1,000", "simulate", 1_000),
        Case(f"population {large:,}", "population", large,
             max_seconds=None if quick else LARGE_SECONDS,
             max_mb=None if quick else LARGE_MB, target_note=reduced),
        Case(f"ensemble {large:,}", "simulate", large,
             max_seconds=None if quick else FULL_SECONDS,
             max_mb=None if quick else FULL_MB, target_note=reduced),
        Case("compare (all)", "compare", 1, repeats=3, max_seconds=COMPARE_SECONDS),
        Case("calibration", "calibration", 1, max_seconds=CALIBRATION_SECONDS),
        Case(f"compare (all) x {POSTERIOR_DRAWS:,} posterior draws", "posterior-compare",
             POSTERIOR_DRAWS, repeats=3, max_seconds=POSTERIOR_COMPARE_SECONDS),
        *([] if quick else [Case("Bayesian calibration (SMC)", "bayes", 1,
                                 max_seconds=BAYES_SECONDS)]),
        Case("sweep lhs 1,000", "sweep", 1_000),
        Case("sweep lhs 10,000", "sweep", 10_000),
        Case(f"sweep lhs {large:,}", "sweep", large,
             max_seconds=None if quick else SWEEP_SECONDS,
             max_mb=None if quick else LARGE_MB, target_note=reduced),
    ]  # fmt: skip


def child() -> None:
    """Entry point of a case's process: run it and print one JSON line.

    Reads the case (a `Case` as JSON) from ``sys.argv[1]``; prints ``{"seconds":
    median wall time of the timed calls, "mb": peak resident memory}``.
    """
    spec = json.loads(sys.argv[1])
    warmup, run = PREPARERS[spec["prepare"]](spec["members"])
    warmup()
    times = []
    for _ in range(spec["repeats"]):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _RSS_TO_MB
    print(json.dumps({"seconds": statistics.median(times), "mb": peak}))


def run_case(case: Case) -> dict:
    """Run one case in a fresh Python process.

    Returns
    -------
    dict
        ``seconds`` and ``mb``, or ``error`` with the child's last stderr lines.
    """
    code = "from anshan_housing.experiments.bench import child; child()"
    try:
        proc = subprocess.run(
            [sys.executable, "-c", code, json.dumps(asdict(case))],
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {CHILD_TIMEOUT} s"}
    if proc.returncode != 0:
        tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
        return {"error": f"exit status {proc.returncode}: {tail}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def format_row(case: Case, result: dict) -> str:
    """One table row."""
    head = f"{case.name:<38} {case.members:>9,}"
    if "error" in result:
        return f"{head}  failed: {result['error']}"
    return (
        f"{head} {result['seconds']:>10.3f} {result['mb']:>10,.0f}  "
        f"{case.target():<32} {case.met(result['seconds'], result['mb'])}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run every case and print the table.

    Returns
    -------
    int
        0, or 1 if a case failed to run (a missed target is shown, not an error).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_MEMBERS:,} instead of {LARGE_MEMBERS:,} members in the large case",
    )
    parser.add_argument(
        "--case",
        dest="only",
        default="",
        help="run only the cases whose name holds this text, e.g. 'posterior' or 'Bayesian'",
    )
    args = parser.parse_args(argv)
    print(
        f"anshan-housing benchmark: Python {platform.python_version()}, numpy "
        f"{np.__version__}, {platform.machine()}; each case in a fresh process, "
        "simulate() 2016-01..2025-12, monthly steps, default integrator (Heun)"
    )
    header = f"{'case':<38} {'members':>9} {'wall (s)':>10} {'peak (MB)':>10}  {'target':<32} met"
    print(header)
    print("-" * len(header))
    failed = False
    for case in cases(args.quick):
        if args.only and args.only.lower() not in case.name.lower():
            continue
        result = run_case(case)
        failed = failed or "error" in result
        print(format_row(case, result), flush=True)
    print(
        "wall: median of the timed calls after a one-member warm-up; peak: the "
        "process's maximum resident memory (interpreter and imports included)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
