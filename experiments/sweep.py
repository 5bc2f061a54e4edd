"""Sensitivity sweeps: problem definition, sampling, chunked execution, indices.

- The problem (parameters to vary and their bounds) comes from the parameter file:
  all ``uncertain`` parameters by default, a list of names, or a TOML file naming
  parameters with narrower bounds. :func:`salib_problem` turns it into SALib's dict.
- Samples are, by default, draws of the posterior (``posterior``: the Bayesian
  calibration's parameters, the others at their values), so that fan charts and the
  probability of meeting each target are those the 2016-2019 data allow. The uniform
  box over the parameters' full ranges is exploratory, for sensitivity indices: SALib's
  Latin hypercube (``lhs``), Saltelli's scheme for Sobol indices (``sobol``) or Morris
  trajectories (``morris``), seeded.
- Samples run through the model as ensemble members, in chunks of ``chunk`` samples
  (memory stays bounded), in-process or on a dask.distributed cluster; the chunks are
  the same either way, so the numbers are too.
- Indices come from SALib's ``sobol.analyze`` / ``morris.analyze`` for each metric.

References
----------
Saltelli, A. et al. (2010), Variance based sensitivity analysis of model output,
Comput. Phys. Commun. 181, 259-270, doi:10.1016/j.cpc.2009.09.018.
Morris, M. D. (1991), Factorial sampling plans for preliminary computational
experiments, Technometrics 33(2), 161-174, doi:10.1080/00401706.1991.10484804.
Herman, J. and Usher, W. (2017), SALib: an open-source Python library for sensitivity
analysis, JOSS 2(9), 97, doi:10.21105/joss.00097.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import xarray as xr
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

from anshan_housing.experiments.policies import PLAN_END, PLAN_START
from anshan_housing.experiments.scenarios import Scenario, run_scenario
from anshan_housing.experiments.scorecard import TARGETS, target_flags
from anshan_housing.model.engine import START_YEAR
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import save_netcdf, write_atomic
from anshan_housing.model.parameters import ParameterTable, read_toml


class Output(NamedTuple):
    """A yearly output kept by a sweep: its meaning, and whether the fan chart draws it.

    A sweep's outputs carry the model's own ``long_name`` and ``units``; these stand in
    for a Dataset without them.
    """

    long_name: str
    units: str
    fan: bool = True  # a default panel of `experiments.figures.fan.fan_chart`


METHODS = ("posterior", "lhs", "sobol", "morris")
BOX_METHODS = ("lhs", "sobol", "morris")  # uniform over the ranges (SALib's samplers)
EXPLORATORY = "exploratory: parameters over their full ranges"
POSTERIOR_BAND = (0.05, 0.95)  # quantiles of a posterior draw's one-at-a-time bounds
MORRIS_LEVELS = 4  # grid levels of the Morris design (SALib's default)
OUTPUTS = {  # name: Output; yearly variables kept for fan charts, (scenario, sample, year)
    "average_price": Output("average commodity housing price", "yuan/m**2"),
    "clearance_period": Output("clearance period (inventory / monthly sales)", "month"),
    "per_capita_floor_area": Output("residential floor area per urban resident", "m**2/person"),
    "residential_inventory_yearly": Output("unsold residential inventory, end of year", "1e4 m**2"),
    "population_total": Output("resident population, end of year", "person"),
    "presale_permits": Output("new presale permits", "1e4 m**2/year"),
    "land_transacted_yearly": Output("residential land transacted", "hectare/year", fan=False),
}
CLEARANCE_CAP = 240.0  # months: a clearance period without sales (infinite) counts as 20 years
METRICS = {  # name: (long name, units)
    "price_2025": ("average price 2025", "yuan/m**2"),
    "clearance_2025": ("clearance period 2025", "month"),
    "floor_area_2025": ("per-capita floor area 2025", "m**2/person"),
    "supply_2021_2025": ("new commodity housing supply 2021-2025", "1e4 m**2"),
    "population_2025": ("resident population 2025", "person"),
    "inventory_2025": ("residential inventory end 2025", "1e4 m**2"),
}


@dataclass(frozen=True)
class Problem:
    """Parameters to vary, each uniform between its bounds."""

    names: tuple[str, ...]
    bounds: np.ndarray  # (parameter, 2)

    def __post_init__(self):
        if len(self.names) != len(self.bounds):
            raise ValueError("one pair of bounds per name")


def salib_problem(problem: Problem) -> dict:
    """SALib's problem dict; a zero-width range is widened by a rounding-sized step.

    SALib needs lower < upper; a parameter held fixed by a zero-width range is given
    a relative width of 1e-12, which leaves its indices at ~0.
    """
    bounds = problem.bounds.copy()
    equal = bounds[:, 1] <= bounds[:, 0]
    bounds[equal, 1] = bounds[equal, 0] + np.maximum(np.abs(bounds[equal, 0]) * 1e-12, 1e-12)
    return {"num_vars": len(problem.names), "names": list(problem.names),
            "bounds": bounds.tolist()}  # fmt: skip


def problem_from_table(table: ParameterTable, names: Sequence[str] | None = None) -> Problem:
    """The parameters to vary with their file bounds: ``names``, or all uncertain ones."""
    chosen = list(names) if names else [n for n, p in table.items() if p.uncertain]
    for name in chosen:
        if name not in table:
            raise InputError(
                "option --param", name, "unknown parameter (see `anshan-housing params`)"
            )
    if len(set(chosen)) != len(chosen):
        raise InputError("option --param", "names", "a parameter is named twice")
    bounds = np.array([[table[n].lower, table[n].upper] for n in chosen], dtype=float)
    return Problem(tuple(chosen), bounds)


def problem_from_file(path: str | Path, table: ParameterTable) -> Problem:
    """Parameters and bounds from a TOML file: ``[name] lower = .. upper = ..``.

    Bounds may be omitted (the parameter file's are used) and must lie inside the
    parameter file's range; ``distribution`` may only be ``"uniform"``.
    """
    path = Path(path)
    raw = read_toml(path)
    if not raw:
        raise InputError(path, "(file)", "names no parameter")
    names, bounds = [], []
    for name, entry in raw.items():
        if name not in table:
            raise InputError(path, name, "unknown parameter (see `anshan-housing params`)")
        if not isinstance(entry, Mapping):
            raise InputError(path, name, "must be a table (lower, upper, distribution)")
        unknown = sorted(set(entry) - {"lower", "upper", "distribution"})
        if unknown:
            raise InputError(path, f"{name}.{unknown[0]}",
                             "unknown key; allowed: lower, upper, distribution")  # fmt: skip
        if entry.get("distribution", "uniform") != "uniform":
            raise InputError(path, f"{name}.distribution",
                             f"{entry['distribution']!r}; allowed: uniform")  # fmt: skip
        par = table[name]
        low, high = entry.get("lower", par.lower), entry.get("upper", par.upper)
        for key, value in (("lower", low), ("upper", high)):
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise InputError(path, f"{name}.{key}", f"must be a number, got {value!r}")
            if not par.lower <= value <= par.upper:
                problem = f"{value:g} is outside [{par.lower:g}, {par.upper:g}] {par.unit}"
                raise InputError(path, f"{name}.{key}", problem)
        if low > high:
            raise InputError(path, f"{name}.lower", f"{low:g} is above upper {high:g}")
        names.append(name)
        bounds.append((float(low), float(high)))
    return Problem(tuple(names), np.array(bounds))


def draw(problem: Problem, method: str, n: int, *, seed: int) -> np.ndarray:
    """Samples of the problem, shape (sample, parameter).

    ``lhs`` gives ``n`` samples; ``sobol`` Saltelli's ``n (D + 2)`` (first and total
    order); ``morris`` ``n`` trajectories of ``D + 1`` points.
    """
    if method not in BOX_METHODS:
        raise InputError(
            "option --method", method, f"unknown box method; allowed: {', '.join(BOX_METHODS)}"
        )
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise InputError(
            "option --samples", "samples", f"must be a positive whole number, got {n!r}"
        )
    spec = salib_problem(problem)
    if method == "lhs":
        return latin.sample(spec, n, seed=seed)
    if method == "sobol":
        return sobol_sample.sample(spec, n, calc_second_order=False, seed=seed)
    return morris_sample.sample(spec, n, num_levels=MORRIS_LEVELS, seed=seed)


def posterior_problem(path: str | Path, table: ParameterTable, base: Mapping[str, float],
                      draws: int) -> tuple[Problem, np.ndarray, str]:  # fmt: skip
    """``draws`` posterior draws as samples, the problem they span, and how they were made.

    The problem's bounds are each parameter's 5 and 95 % posterior quantiles (the
    tornado's low and high values); the samples are (draw, parameter).
    """
    from anshan_housing.calibration.bayes import posterior_values

    if isinstance(draws, bool) or not isinstance(draws, int) or draws <= 0:
        raise InputError(
            "option --samples", "samples", f"must be a positive whole number, got {draws!r}"
        )
    values = posterior_values(path, table, base, draws)
    names = tuple(n for n in values if np.ndim(values[n]) == 1 and n in table)
    samples = np.column_stack([values[n] for n in names])
    bounds = np.quantile(samples, POSTERIOR_BAND, axis=0).T
    return Problem(names, bounds), samples, f"posterior: {draws:,} draws of {Path(path).name}"


def sweep_problem(method: str, samples: int, table: ParameterTable, base: Mapping[str, float],
                  param_names: Sequence[str] = (), problem_file: str | None = None,
                  posterior_file: str | Path | None = None):  # fmt: skip
    """The problem, the given samples (posterior draws, else None) and how they are made.

    ``posterior``: ``samples`` draws of ``posterior_file`` (default the committed one),
    which fix the parameters; a box method: the parameters of ``problem_file`` or
    ``param_names`` (default all uncertain ones), labelled `EXPLORATORY`.

    Raises
    ------
    InputError
        --problem with --param; either with the posterior; --posterior with a box method.
    """
    if problem_file and param_names:
        raise InputError("option --problem", problem_file, "give --problem or --param, not both")
    if method == "posterior":
        if problem_file or param_names:
            raise InputError("option --method", "posterior", "its draws fix the parameters; "
                             "--param and --problem are for lhs, sobol, morris")  # fmt: skip
        from anshan_housing.calibration.bayes import DEFAULT_POSTERIOR

        return posterior_problem(posterior_file or DEFAULT_POSTERIOR, table, base, samples)
    if posterior_file:
        raise InputError("option --posterior", str(posterior_file), "only with --method posterior")
    problem = (problem_from_file(problem_file, table) if problem_file
               else problem_from_table(table, param_names or None))  # fmt: skip
    return problem, None, EXPLORATORY


def model_chunk(
    samples: np.ndarray,
    names: tuple[str, ...],
    base: Mapping[str, float],
    scenario: Scenario,
) -> dict[str, np.ndarray]:
    """Run one chunk of samples under a scenario: yearly outputs, metrics, targets met.

    Module-level and picklable, so a dask worker can run it.
    """
    values = dict(base)
    for j, name in enumerate(names):
        values[name] = samples[:, j]
    ds = run_scenario(scenario, values, record_age=False, monthly=())
    out = {name: ds[name].values for name in OUTPUTS}
    out.update(metrics_of(ds))
    flags = target_flags(ds)
    out["targets"] = np.stack([flags[t] for t in TARGETS], axis=1)
    return out


def metrics_of(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """The sweep's scalar outputs per member (see :data:`METRICS`)."""
    at_end = {"year": PLAN_END}
    return {
        "price_2025": ds["average_price"].sel(at_end).values,
        "clearance_2025": np.minimum(ds["clearance_period"].sel(at_end).values, CLEARANCE_CAP),
        "floor_area_2025": ds["per_capita_floor_area"].sel(at_end).values,
        "supply_2021_2025": ds["new_supply"]
        .sel(year=slice(PLAN_START, PLAN_END))
        .sum("year")
        .values,
        "population_2025": ds["population_total"].sel(at_end).values,
        "inventory_2025": ds["residential_inventory_yearly"].sel(at_end).values,
    }


def run_chunks(
    samples: np.ndarray,
    model: Callable[[np.ndarray], dict[str, np.ndarray]],
    chunk: int,
    *,
    client=None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Evaluate ``model`` on consecutive chunks of samples and join the results.

    Parameters
    ----------
    samples : ndarray, shape (sample, parameter)
    model : callable
        ``model(chunk_samples) -> dict of arrays with a leading sample axis``.
    chunk : int
        Samples per chunk (one ensemble run each).
    client : dask.distributed.Client, optional
        Runs the chunks on the cluster; in-process without one.
    progress : callable, optional
        Called with the number of samples of each finished chunk.
    """
    if isinstance(chunk, bool) or not isinstance(chunk, int) or chunk <= 0:
        raise InputError(
            "option --chunk", "chunk", f"must be a positive whole number, got {chunk!r}"
        )
    pieces = [samples[i : i + chunk] for i in range(0, len(samples), chunk)]
    if client is None:
        results = []
        for piece in pieces:
            results.append(model(piece))
            if progress:
                progress(len(piece))
    else:
        from distributed import as_completed

        futures = client.map(model, pieces, pure=False)
        done = {}
        for future in as_completed(futures):
            done[future.key] = future.result()
            if progress:
                progress(len(pieces[futures.index(future)]))
        results = [done[f.key] for f in futures]
    return {key: np.concatenate([r[key] for r in results]) for key in results[0]}


def analyse(problem: Problem, method: str, samples: np.ndarray, output: np.ndarray, *,
            seed: int) -> dict[str, np.ndarray]:  # fmt: skip
    """Sensitivity indices of one output with SALib (sobol or morris), per parameter."""
    spec = salib_problem(problem)
    output = np.asarray(output, dtype=float)
    if method == "sobol":
        res = sobol_analyze.analyze(spec, output, calc_second_order=False, seed=seed)
        return {k: np.asarray(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    res = morris_analyze.analyze(spec, samples, output, num_levels=MORRIS_LEVELS, seed=seed)
    return {k: np.asarray(res[k]) for k in ("mu", "mu_star", "mu_star_conf", "sigma")}


@dataclass
class Sweep:
    """A finished sweep: outputs, indices (sobol/morris) and one-at-a-time bounds."""

    outputs: xr.Dataset
    indices: xr.Dataset | None
    oat: xr.Dataset


def sweep(
    problem: Problem,
    method: str,
    n: int,
    scenarios: Sequence[Scenario],
    base: Mapping[str, float],
    *,
    seed: int = 0,
    chunk: int = 10_000,
    client=None,
    progress: Callable[[int], None] | None = None,
    samples: np.ndarray | None = None,
    sampling: str = EXPLORATORY,
) -> Sweep:
    """Sweep the problem under each scenario on the same samples.

    ``samples`` (sample, parameter), e.g. posterior draws (:func:`posterior_problem`),
    are used as given, with ``sampling`` saying what they are; otherwise ``n`` are
    drawn from the box with ``method``.

    Returns outputs with dims (scenario, sample, year), metrics (scenario, sample),
    targets met (scenario, sample, target), the samples as a coordinate; indices
    (scenario, metric, parameter) for ``sobol`` and ``morris``; and one-at-a-time
    bounds for the tornado chart.
    """
    if samples is None:
        samples = draw(problem, method, n, seed=seed)
    per_scenario = []
    for scenario in scenarios:
        model = partial(model_chunk, names=problem.names, base=dict(base), scenario=scenario)
        per_scenario.append(run_chunks(samples, model, chunk, client=client, progress=progress))
    outputs = outputs_dataset(problem, samples, scenarios, per_scenario, method, seed)
    outputs.attrs["sampling"] = sampling
    reference = run_scenario(scenarios[0], dict(base), record_age=False, monthly=())
    for name in OUTPUTS:  # units and meaning from the model's own metadata
        outputs[name].attrs.update(reference[name].attrs)
    indices = None
    if method in ("sobol", "morris"):
        indices = indices_dataset(problem, method, samples, scenarios, per_scenario, seed)
    oat = one_at_a_time(problem, scenarios, base)
    return Sweep(outputs, indices, oat)


def outputs_dataset(problem, samples, scenarios, results, method, seed) -> xr.Dataset:
    """Sweep outputs as a Dataset with dims scenario, sample, year, parameter, target."""
    years = np.arange(START_YEAR, PLAN_END + 1)
    names = [s.name for s in scenarios]
    data = {}
    for name in OUTPUTS:
        data[name] = (("scenario", "sample", "year"), np.stack([r[name] for r in results]))
    for name, (long_name, units) in METRICS.items():
        data[name] = (("scenario", "sample"), np.stack([r[name] for r in results]),
                      {"long_name": long_name, "units": units})  # fmt: skip
    met = np.stack([r["targets"] for r in results]).astype(np.int8)
    attrs = {"long_name": "Table 1 target met (1) or not (0)", "units": "1"}
    data["targets_met"] = (("scenario", "sample", "target"), met, attrs)
    ds = xr.Dataset(
        data,
        coords={"scenario": names, "sample": np.arange(len(samples)), "year": years,
                "parameter": list(problem.names), "target": list(TARGETS),
                "sample_values": (("sample", "parameter"), samples)},
        attrs={"method": method, "seed": seed, "samples": len(samples)},
    )  # fmt: skip
    ds["sample_values"].attrs.update(long_name="parameter values of each sample")
    return ds


def indices_dataset(problem, method, samples, scenarios, results, seed) -> xr.Dataset:
    """Indices of every metric under every scenario, (scenario, metric, parameter)."""
    rows = [[analyse(problem, method, samples, r[m], seed=seed) for m in METRICS] for r in results]
    keys = list(rows[0][0])
    data = {k: (("scenario", "metric", "parameter"),
                np.array([[row[k] for row in per] for per in rows])) for k in keys}  # fmt: skip
    ds = xr.Dataset(
        data,
        coords={"scenario": [s.name for s in scenarios], "metric": list(METRICS),
                "parameter": list(problem.names)},
        attrs={"method": method, "seed": seed},
    )  # fmt: skip
    ds["metric_long_name"] = ("metric", [v[0] for v in METRICS.values()])
    ds["metric_units"] = ("metric", [v[1] for v in METRICS.values()])
    return ds


def one_at_a_time(problem: Problem, scenarios: Sequence[Scenario], base: Mapping[str, float]):
    """Each metric with one parameter at its lower, then upper bound (others at base)."""
    k = len(problem.names)
    base_row = np.array([base[n] for n in problem.names], dtype=float)
    rows = np.tile(base_row, (2 * k + 1, 1))
    for j in range(k):
        rows[1 + j, j] = problem.bounds[j, 0]
        rows[1 + k + j, j] = problem.bounds[j, 1]
    metric_sets = []
    for scenario in scenarios:
        metric_sets.append(model_chunk(rows, problem.names, dict(base), scenario))
    data = {}
    for key, sl in (("base", slice(0, 1)), ("low", slice(1, 1 + k)), ("high", slice(1 + k, None))):
        stacked = np.array([[m[name][sl] for name in METRICS] for m in metric_sets])
        if key == "base":
            data[key] = (("scenario", "metric"), stacked[..., 0])
        else:
            data[key] = (("scenario", "metric", "parameter"), stacked)
    coords = {"scenario": [s.name for s in scenarios], "metric": list(METRICS),
              "parameter": list(problem.names)}  # fmt: skip
    ds = xr.Dataset(data, coords=coords)
    ds["metric_long_name"] = ("metric", [v[0] for v in METRICS.values()])
    ds["metric_units"] = ("metric", [v[1] for v in METRICS.values()])
    return ds


def robustness(outputs: xr.Dataset) -> xr.DataArray:
    """Probability that each scenario meets each simulated Table 1 target (scenario, target)."""
    return outputs["targets_met"].mean("sample")


def indices_csv(indices: xr.Dataset) -> str:
    """Indices in long CSV form: scenario, metric, parameter and one column per index."""
    keys = [k for k in ("S1", "S1_conf", "ST", "ST_conf", "mu", "mu_star", "mu_star_conf",
                        "sigma") if k in indices]  # fmt: skip
    lines = [",".join(["method", "scenario", "metric", "parameter", *keys])]
    method = indices.attrs.get("method", "")
    for s in indices["scenario"].values:
        for m in indices["metric"].values:
            for p in indices["parameter"].values:
                cells = [f"{float(indices[k].sel(scenario=s, metric=m, parameter=p)):.6g}"
                         for k in keys]  # fmt: skip
                lines.append(",".join([method, str(s), str(m), str(p), *cells]))
    return "\n".join(lines) + "\n"


def robustness_csv(outputs: xr.Dataset) -> str:
    """Probability each scenario meets each target, CSV: scenario, target, probability."""
    prob = robustness(outputs)
    lines = ["scenario,target,probability"]
    for s in prob["scenario"].values:
        for t in prob["target"].values:
            lines.append(f"{s},{t},{float(prob.sel(scenario=s, target=t)):.6g}")
    return "\n".join(lines) + "\n"


def robustness_table(outputs: xr.Dataset) -> str:
    """Probability each scenario meets each simulated Table 1 target, as text."""
    prob = robustness(outputs)
    names = [str(s) for s in prob["scenario"].values]
    width = max(12, *(len(n) for n in names)) + 2
    sampling = outputs.attrs.get("sampling", EXPLORATORY)
    lines = [f"probability of meeting each target over the samples ({sampling})",
             f"{'P(target met)':<14}" + "".join(f"{n:>{width}}" for n in names)]  # fmt: skip
    for target in prob["target"].values:
        cells = "".join(f"{float(prob.sel(scenario=n, target=target)):>{width}.2f}" for n in names)
        lines.append(f"{str(target):<14}{cells}")
    return "\n".join(lines)


#: Files that `write_sweep` may write (indices only for Sobol and Morris).
SWEEP_FILES = ("sweep.nc", "indices.csv", "robustness.csv", "fan_chart.png", "indices.png",
               "tornado.png")  # fmt: skip
INFLUENCE_METRICS = ("clearance_2025", "price_2025")  # outcomes whose top drivers are listed
TOP_DRIVERS = 5  # parameters listed per outcome


@contextlib.contextmanager
def dask_session(workers: int | None, scheduler: str | None):
    """A dask.distributed client for ``workers`` (local cluster) or ``scheduler``, else None.

    Closes the client (and the local cluster) on exit.

    Raises
    ------
    InputError
        ``workers`` not positive or given with ``scheduler``; no scheduler at the address.
    """
    if workers is not None and (workers <= 0 or scheduler):
        raise InputError("option --workers", str(workers),
                         "must be a positive number, and not given with --scheduler")  # fmt: skip
    if workers is None and scheduler is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as err:
            raise InputError("option --scheduler", scheduler, f"cannot connect: {err}") from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)  # fmt: skip
        client = Client(cluster)
    try:
        yield client
    finally:
        cluster = getattr(client, "cluster", None)
        client.close()
        if cluster is not None:
            cluster.close()


def format_influence(result: Sweep, method: str) -> str:
    """The most influential parameters for `INFLUENCE_METRICS` (total Sobol or Morris mu*)."""
    if result.indices is None:
        return ""
    key = "ST" if method == "sobol" else "mu_star"
    lines = []
    for metric in INFLUENCE_METRICS:
        ranked = result.indices[key].isel(scenario=0).sel(metric=metric).to_series()
        top = ranked.sort_values(ascending=False).head(TOP_DRIVERS)
        lines.append(f"most influential for {metric} ({key}): "
                     + ", ".join(f"{n} {v:.3g}" for n, v in top.items()))  # fmt: skip
    return "\n".join(lines)


def write_sweep(result: Sweep, folder: str | Path) -> list[Path]:
    """Write the sweep's NetCDF, CSV tables and figures into ``folder``; the paths written."""
    from anshan_housing.experiments import figures

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    save_netcdf(result.outputs, folder / "sweep.nc")
    text = robustness_csv(result.outputs)
    write_atomic(folder / "robustness.csv", lambda tmp: tmp.write_text(text))
    figures.fan_chart(result.outputs, folder / "fan_chart.png")
    figures.tornado(result.oat, folder / "tornado.png")
    written = ["sweep.nc", "robustness.csv", "fan_chart.png", "tornado.png"]
    if result.indices is not None:
        table = indices_csv(result.indices)
        write_atomic(folder / "indices.csv", lambda tmp: tmp.write_text(table))
        if result.indices.attrs["method"] == "sobol":
            figures.sobol_bars(result.indices, folder / "indices.png")
        else:
            figures.morris_scatter(result.indices, folder / "indices.png")
        written += ["indices.csv", "indices.png"]
    return [folder / name for name in written]
