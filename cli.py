"""Command line of anshan-housing: the only user entry point.

Every command is a thin layer over functions that return data. Bad input of any kind
ends with one message naming the file or option, the field and what is allowed, exit
status 2, and no output file.
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from pathlib import Path

import click

from anshan_housing.calibration import default_run_values
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import check_output_folder, check_plot_folder

# model.engine.INTEGRATORS, spelled out so that the CLI starts without importing the
# engine (tests/test_cli.py checks that the two agree)
INTEGRATOR_NAMES = ("heun", "euler", "rk4")
# calibration.demography.BASES, likewise spelled out (tests/test_cli.py checks them)
BASIS_NAMES = ("plan", "census")

EXIT_BAD_INPUT = 2


class Group(click.Group):
    """Click group that turns InputError into one message and exit status 2."""

    def parse_args(self, ctx, args):
        """Keep the command line (for the provenance of output files)."""
        ctx.meta["command_line"] = " ".join(["anshan-housing", *args])
        return super().parse_args(ctx, args)

    def invoke(self, ctx):
        """Run the command; bad input becomes one message and exit status 2."""
        try:
            return super().invoke(ctx)
        except InputError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(EXIT_BAD_INPUT)


@click.group(cls=Group)
@click.version_option(package_name="anshan-housing")
def main():
    """Anshan housing-market system-dynamics simulator (2016-2025).

    Example: anshan-housing run --out run.nc --plot figures
    """
    import warnings

    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if category.__name__ == "FontWarning":  # one line for the user, not a traceback
            click.echo(f"warning: {message}", err=True)
        else:
            default(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def _params_option(f):
    """--params FILE and --basis plan|census: the parameter values of a command."""
    f = click.option(
        "--basis",
        type=click.Choice(BASIS_NAMES),
        default=BASIS_NAMES[0],
        show_default=True,
        help="Population basis: the plan's own figures or the 2010 and 2020 censuses.",
    )(f)
    return click.option(
        "--params",
        "params_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Parameter values file ([values] table) or a full parameter table. "
        "Default: calibration/calibrated.toml, else the shipped defaults.",
    )(f)


def _search_options(maxiter: int, popsize: int, members: str):
    """--seed, --maxiter and --popsize of a differential-evolution search."""

    def decorate(f):
        f = click.option("--popsize", default=popsize, show_default=True,
                         type=click.IntRange(2, 1_000),
                         help=f"Population size factor (members per generation = popsize x "
                         f"{members}).")(f)  # fmt: skip
        f = click.option("--maxiter", default=maxiter, show_default=True,
                         type=click.IntRange(1, 10_000),
                         help="Generations of the differential evolution.")(f)  # fmt: skip
        seeds = click.IntRange(0, 2**32 - 1)
        seed = click.option("--seed", default=0, show_default=True, type=seeds,
                            help="Seed of the search.")  # fmt: skip
        return seed(f)

    return decorate


def _parse_dt(text: str) -> float:
    """Parse --dt given as a number or a fraction such as 1/48."""
    try:
        return float(Fraction(text.strip()))
    except (ValueError, ZeroDivisionError):
        problem = f"{text!r} is not a number or fraction like 1/48"
        raise InputError("option --dt", "dt", problem) from None


@main.command()
@_params_option
def params(params_file, basis):
    """Print the parameter table: value, unit, range and source.

    Example: anshan-housing params --params calibration/calibrated.toml
    """
    from anshan_housing.model.parameters import format_parameters

    table, values, label = default_run_values(params_file, basis)
    click.echo(f"parameters ({len(table)}; values from {label})")
    click.echo(format_parameters(table, values))


@main.command()
@_params_option
@click.option(
    "--dt",
    "dt_text",
    default="1/12",
    show_default=True,
    help="Integration step in years, 1/12 divided by a whole number (1/48 ...).",
)
@click.option(
    "--integrator",
    type=click.Choice(INTEGRATOR_NAMES),
    default=INTEGRATOR_NAMES[0],
    show_default=True,
    help="Heun (second order, the default), Euler (the classic SD scheme) or RK4.",
)
@click.option("--end-year", default=2025, show_default=True, type=int, help="Last simulated year.")
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the Dataset to this NetCDF file."
)
@click.option(
    "--plot",
    "plot_dir",
    type=click.Path(file_okay=False),
    help="Write figures (PNG) into this folder.",
)
@click.option(
    "--posterior",
    "posterior_file",
    type=click.Path(dir_okay=False),
    help="Run the draws of a posterior (calibrate --bayes) as one ensemble.",
)
@click.option(
    "--draws",
    type=click.IntRange(1, 100_000),
    default=500,
    show_default=True,
    help="Posterior draws to run, one member each (--posterior).",
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def run(params_file, basis, dt_text, integrator, end_year, out, plot_dir, posterior_file, draws,
        force):  # fmt: skip
    """Simulate 2016-2025 and print a yearly summary.

    Example: anshan-housing run --out run.nc --plot figures;
    anshan-housing run --posterior calibration/posterior.nc --draws 500 --out post.nc
    """
    from anshan_housing.model.engine import simulate
    from anshan_housing.model.io import check_output_path, provenance, save_netcdf

    dt = _parse_dt(dt_text)
    table, values, label = default_run_values(params_file, basis)
    if posterior_file:
        from anshan_housing.calibration.bayes import posterior_values

        values = posterior_values(posterior_file, table, values, draws)
        label = f"{label} with {draws} draws of {posterior_file}"
    if out:
        check_output_path(out, force)
    if plot_dir:
        check_plot_folder(plot_dir, force)
    ds = simulate(
        values,
        dt=dt,
        end_year=end_year,
        integrator=integrator,
        attrs=provenance(label, population_basis=basis),
    )
    from anshan_housing.experiments.tables import summary_table

    click.echo(summary_table(ds))
    if out:
        save_netcdf(ds, out)
        click.echo(f"wrote {out}")
    if plot_dir:
        from anshan_housing.experiments.figures import run_figures

        for path in run_figures(ds, Path(plot_dir)):
            click.echo(f"wrote {path}")


@main.command()
@_params_option
@click.option(
    "--report",
    "report_only",
    is_flag=True,
    help="Fit table of the parameters in use; no fitting.",
)
@_search_options(maxiter=150, popsize=15, members="free")
@click.option(
    "--holdout",
    is_flag=True,
    help="Also calibrate on 2016-2018 and report the errors of the 2019 prediction.",
)
@click.option(
    "--setup",
    "setup_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Calibration set-up file (default calibration/calibration.toml).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Write the result (values, objective, statistics) to this TOML file.",
)
@click.option(
    "--plot",
    "plot_dir",
    type=click.Path(file_okay=False),
    help="Write the fit figure (fit.png) into this folder.",
)
@click.option("--bayes", is_flag=True,
              help="Sample the posterior (sequential Monte Carlo) instead; --out writes ArviZ "
              "InferenceData (NetCDF, e.g. calibration/posterior.nc).")  # fmt: skip
@click.option(
    "--runs",
    type=click.IntRange(2, 64),
    default=4,
    show_default=True,
    help="Independent SMC runs of the Bayesian calibration (the chains of R-hat).",
)
@click.option(
    "--particles",
    type=click.IntRange(10, 1_000_000),
    default=2000,
    show_default=True,
    help="Particles per run (--bayes), at least ten per sampled parameter.",
)
@click.option(
    "--mcmc-steps",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Metropolis steps per tempering stage (--bayes).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=None,
    help="Processes the SMC runs are shared among (--bayes). Default: the CPU count.",
)
@click.option(
    "--posterior",
    "posterior_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Posterior reported by --bayes --report. Default: calibration/posterior.nc.",
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def calibrate(params_file, basis, report_only, seed, maxiter, popsize, holdout, setup_file, out,
              plot_dir, bayes, runs, particles, mcmc_steps, workers, posterior_file,
              force):  # fmt: skip
    """Fit the model to the seed's 2016-2019 figures and report the fit.

    Example: anshan-housing calibrate --out calibrated.toml --plot figures;
    anshan-housing calibrate --bayes --out calibration/posterior.nc
    """
    if posterior_file and not (bayes and report_only):
        raise InputError("option --posterior", posterior_file, "only with --bayes --report")
    if bayes:
        if holdout:
            raise InputError("option --bayes", "--holdout",
                             "not with --bayes (the posterior has its own checks)")  # fmt: skip
        if plot_dir:
            check_plot_folder(plot_dir, force, names=POSTERIOR_FIGURES)
        if report_only:
            if out:
                raise InputError("option --out", out, "--report samples nothing; drop --out")
            _report_posterior(posterior_file, plot_dir)
            return
        budget = (runs, particles, mcmc_steps)
        workers = workers or os.cpu_count() or 1
        _calibrate_bayes(params_file, basis, seed, setup_file, (out, plot_dir), budget, workers,
                         force)  # fmt: skip
        return
    from anshan_housing.calibration import fit, report
    from anshan_housing.calibration.demography import basis_values
    from anshan_housing.calibration.objective import load_setup
    from anshan_housing.calibration.observed import load_observed
    from anshan_housing.model.io import check_output_path
    from anshan_housing.model.parameters import load_parameters, resolve_values

    if out:
        if report_only:
            raise InputError("option --out", out, "--report fits nothing; drop --out")
        check_output_path(out, force)
    if plot_dir:
        check_plot_folder(plot_dir, force, names=("fit.png",))
    observed = load_observed()
    if report_only:
        table, values, label = default_run_values(params_file, basis)
        setup = load_setup(table, setup_file)
        click.echo(f"fit of the parameters in {label} ({basis} population basis)")
    else:
        table = load_parameters()
        values = (
            default_run_values(params_file, basis)[1]
            if params_file
            else {**resolve_values(table), **basis_values(basis)}
        )
        setup = load_setup(table, setup_file)
        click.echo(f"calibrating {len(setup.free)} parameters on {len(setup.series)} series "
                   f"(seed {seed}; {basis} population basis)")  # fmt: skip
        bar = click.progressbar(length=maxiter, label="differential evolution", file=sys.stderr)
        with bar:
            result = fit.calibrate(
                table, setup, values, seed=seed, maxiter=maxiter, popsize=popsize,
                progress=lambda generation, best: bar.update(1),
            )  # fmt: skip
        values = {**values, **result.values}
        click.echo(report.format_objective(result))
        click.echo(report.format_uncertainty(result))
    fitted = report.fit_report(values, setup, observed)
    click.echo(report.format_fit(fitted, setup))
    click.echo(report.format_seed_2019(fitted))
    if holdout:
        start = {**resolve_values(table), **basis_values(basis)}
        _, errors = fit.out_of_sample(table, setup, start, observed, seed=seed,
                                      maxiter=maxiter, popsize=popsize)  # fmt: skip
        click.echo(report.format_holdout(errors))
    if out and not report_only:
        fit.save_result(result, fitted.statistics, out, setup, basis=basis)
        click.echo(f"wrote {out}")
    if plot_dir:
        from anshan_housing.experiments.figures import fit_figure

        path = fit_figure(fitted.ds, observed, fitted.statistics, Path(plot_dir) / "fit.png",
                          mapping=report.fit_figure_mapping(setup),
                          title="Calibration 2016-2019: model and seed")  # fmt: skip
        click.echo(f"wrote {path}")


POSTERIOR_FIGURES = ("narrowing.png", "pairs.png")  # calibrate --bayes --plot


def _print_posterior(idata, plot_dir) -> None:
    """Diagnostics, the SMC's record, coverage and what the data say; the figures."""
    from anshan_housing.calibration.posterior_summary import (
        format_checks_of,
        format_what_the_data_say,
    )

    click.echo(format_checks_of(idata))
    click.echo(format_what_the_data_say(idata))
    if plot_dir:
        from anshan_housing.experiments.figures.posterior import posterior_figures

        for path in posterior_figures(idata, Path(plot_dir)):
            click.echo(f"wrote {path}")


def _report_posterior(posterior_file, plot_dir) -> None:
    """The checks and what the data say of a saved posterior (--bayes --report)."""
    from anshan_housing.calibration import bayes

    path = posterior_file or str(bayes.DEFAULT_POSTERIOR)
    idata = bayes.load(path)
    attrs = idata.posterior.attrs
    click.echo(f"posterior {path}: {attrs.get('sampler', 'sampler not recorded')}, made "
               f"{attrs.get('created', '?')} by: {attrs.get('command', '?')}")  # fmt: skip
    _print_posterior(idata, plot_dir)


def _calibrate_bayes(params_file, basis, seed, setup_file, outputs, budget, workers, force):
    """The posterior of the free parameters and ``[bayes] extra``: sample, report, save."""
    from anshan_housing.calibration import bayes
    from anshan_housing.calibration.objective import load_setup
    from anshan_housing.model.io import check_output_path, file_sha256, provenance, write_atomic

    out, plot_dir = outputs
    if out:
        if not out.endswith(".nc"):
            raise InputError("option --out", out, "the posterior is NetCDF: a name ending .nc")
        check_output_path(out, force)
    table, values, label = default_run_values(params_file, basis)
    setup = load_setup(table, setup_file)
    posterior = bayes.Posterior(setup, values, table)
    runs, particles, mcmc_steps = budget
    budget = posterior.check_budget(bayes.Budget(runs, particles, mcmc_steps, seed=seed))
    click.echo(f"sampling {len(posterior.names)} parameters on {posterior.objective.n_points} "
               f"points: {runs} SMC runs x {particles} particles, {mcmc_steps} Metropolis "
               f"steps per stage, seed {seed}, {basis} population basis, {workers} "
               "process(es)")  # fmt: skip
    result = bayes.sample(posterior, budget, progress=sys.stderr.isatty(), workers=workers)
    attrs = provenance(label, setup_file=setup.source, basis=basis,
                       setup_file_sha256=file_sha256(setup.source))  # fmt: skip
    idata = bayes.inference_data(posterior, result, budget, attrs)
    _print_posterior(idata, plot_dir)
    if out:
        write_atomic(out, lambda tmp: bayes.save(idata, tmp))
        click.echo(f"wrote {out}")


@main.command()
@click.option(
    "--params",
    "params_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Parameter values the bases are fitted on. Default: calibration/calibrated.toml.",
)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Write the fitted bases to this TOML file."
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def demography(params_file, out, force):
    """Fit the population bases (plan, census) and check them against the censuses.

    Example: anshan-housing demography --out calibration/bases.toml --force
    """
    from anshan_housing.calibration import demography as dem
    from anshan_housing.model.io import check_output_path

    if out:
        check_output_path(out, force)
    _, values, label = default_run_values(params_file, basis=None)
    fitted = dem.fit_bases(values)
    census = dem.census_figures()
    for basis, basis_fit in fitted.items():
        click.echo(f"{basis} basis: {dem.DESCRIPTIONS[basis]} (parameters: {label})")
        click.echo("  " + ", ".join(f"{name} = {value:.6g}" for name, value in basis_fit.items()))
        click.echo(dem.format_checks(dem.basis_checks(dem.run_basis(values, basis_fit), census)))
    if out:
        dem.write_bases(fitted, out)
        click.echo(f"wrote {out}")


@main.command()
def scenarios():
    """List the shipped scenarios with their descriptions.

    Example: anshan-housing scenarios
    """
    from anshan_housing.experiments.scenarios import load_scenario, shipped_scenarios
    from anshan_housing.model.parameters import load_parameters

    table = load_parameters()
    for path in shipped_scenarios():
        scenario = load_scenario(path, table)
        variants = ", ".join(kind for kind, _ in scenario.variants) or "none"
        click.echo(f"{scenario.name}\n    policy: {scenario.policy}; variants: {variants}")
        click.echo(f"    {scenario.description}")


def _posterior_draws_options(f):
    """--posterior FILE and --draws N of the commands that run scenarios over the posterior."""
    f = click.option("--draws", type=click.IntRange(2, 100_000), default=1000,
                     show_default=True,
                     help="Posterior draws per scenario, run as one ensemble.")(f)  # fmt: skip
    return click.option("--posterior", "posterior_file", type=click.Path(dir_okay=False),
                        default=None, help="Posterior (calibrate --bayes). Default: "
                        "calibration/posterior.nc.")(f)  # fmt: skip


@main.command()
@click.argument("names", nargs=-1)
@_params_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for scorecard.csv, comparison.nc and comparison.png.",
)
@click.option(
    "--point", is_flag=True, help="Score the single best-fit run instead of the posterior draws."
)
@_posterior_draws_options
@click.option(
    "--format",
    "output_format",
    default="table",
    show_default=True,
    help="Scorecard printed as: table (at most 100 columns), csv, markdown or json.",
)
@click.option("--lang", default="en", show_default=True, help="Labels in en or zh (Chinese).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def compare(names, params_file, basis, out_dir, point, posterior_file, draws, output_format,
            lang, force):  # fmt: skip
    """Run scenarios (all shipped ones by default) and print the Table 1 scorecard.

    NAMES are shipped scenario names or paths to scenario files. By default every
    scenario runs over posterior draws: each Table 1 cell is the median and the
    probability that the target is met; --point scores the best-fit run.

    Example: anshan-housing compare plan-table2 five-category --out results
    """
    from anshan_housing.experiments import tables
    from anshan_housing.experiments.comparison import (
        OUTPUT_FILES,
        compare_scenarios,
        write_comparison,
    )
    from anshan_housing.experiments.labels import check_language, wrap
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario, shipped_scenarios
    from anshan_housing.experiments.scorecard import format_robust, scorecard_csv
    from anshan_housing.model.io import provenance

    check_language(lang)
    if output_format not in tables.FORMATS:
        raise InputError("option --format", output_format,
                         f"unknown format; allowed: {', '.join(tables.FORMATS)}")  # fmt: skip
    table, values, label = default_run_values(params_file, basis)
    if point and posterior_file:
        raise InputError("option --point", "--posterior", "choose one: the point run or draws")
    paths = [find_scenario(n) for n in names] if names else shipped_scenarios()
    chosen = [load_scenario(p, table) for p in paths]
    if out_dir:
        check_output_folder("option --out", out_dir, OUTPUT_FILES, force)
    if not point:
        from anshan_housing.calibration.bayes import DEFAULT_POSTERIOR, posterior_values

        posterior_file = posterior_file or str(DEFAULT_POSTERIOR)
        values = posterior_values(posterior_file, table, values, draws)
        label = f"{label} with {draws} draws of {posterior_file}"
    comparison = compare_scenarios(chosen, values, posterior=not point,
                                   attrs=provenance(label, population_basis=basis))  # fmt: skip
    cards, shown = comparison.cards, None if point else draws
    if output_format == "csv":
        click.echo(scorecard_csv(cards, basis), nl=False)
    elif output_format == "json":
        click.echo(tables.format_json(cards, lang, basis))
    else:
        heading = tables.word("heading", lang, label=label, basis=basis)
        click.echo("\n".join(wrap(heading, tables.WIDTH)))
        text = (tables.format_markdown(cards, lang, shown) if output_format == "markdown"
                else tables.format_table(cards, lang, draws=shown))  # fmt: skip
        click.echo(text)
        if not point:
            click.echo(format_robust(cards, lang))
    if out_dir:
        for path in write_comparison(comparison, out_dir, lang):  # data formats: clean stdout
            click.echo(f"wrote {path}", err=output_format in ("csv", "json"))


@main.command()
@click.argument("names", nargs=-1)
@_params_option
@click.option("--lang", default="zh", show_default=True, help="Language of the report: zh or en.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default="report",
              show_default=True, help="Folder for report.html.")  # fmt: skip
@_posterior_draws_options
@click.option("--force", is_flag=True, help="Overwrite an existing report.")
def report(names, params_file, basis, lang, out_dir, posterior_file, draws, force):
    """Write one self-contained HTML report (report.html) in Chinese or English.

    NAMES are shipped scenario names or scenario files (all shipped ones by default).
    The page holds the model and its data, the Table 1 scorecard with probabilities
    over the posterior, the figures, the fit to 2016-2019, what the data pin down, the
    downturn, assumptions and sources, and provenance; it needs no network.

    Example: anshan-housing report --lang zh --out report
    """
    from anshan_housing.calibration.bayes import DEFAULT_POSTERIOR
    from anshan_housing.experiments.labels import check_language
    from anshan_housing.experiments.report import REPORT_FILE, make_report
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario, shipped_scenarios
    from anshan_housing.model.io import write_atomic

    check_language(lang)
    table, values, label = default_run_values(params_file, basis)
    paths = [find_scenario(n) for n in names] if names else shipped_scenarios()
    chosen = [load_scenario(p, table) for p in paths]
    path = Path(out_dir) / REPORT_FILE
    check_output_folder("option --out", out_dir, (REPORT_FILE,), force)
    page = make_report(chosen, paths, table, values, label, basis, lang,
                       Path(posterior_file or DEFAULT_POSTERIOR), draws)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
    click.echo(f"wrote {path}")


@main.command()
@click.option(
    "--scenario",
    "base_name",
    default="plan-table2",
    show_default=True,
    help="Scenario whose variants, overrides and inputs are kept; its land policy "
    "is replaced by the searched path.",
)
@_params_option
@_search_options(maxiter=60, popsize=12, members="5")
def optimise(base_name, params_file, basis, seed, maxiter, popsize):
    """Find the yearly residential land 2021-2025 (ha) that best meets the plan's Table 1.

    Example: anshan-housing optimise --scenario plan-table2
    """
    from anshan_housing.experiments.optimise import format_search, search_against_table2
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario, shipped_scenarios
    from anshan_housing.experiments.scorecard import scorecard
    from anshan_housing.experiments.tables import format_table

    table, values, label = default_run_values(params_file, basis)
    scenario = load_scenario(find_scenario(base_name), table)
    others = [load_scenario(path, table) for path in shipped_scenarios()]
    bar = click.progressbar(length=maxiter, label="searching land paths", file=sys.stderr)
    with bar:
        search = search_against_table2(
            scenario, others, values, seed=seed, maxiter=maxiter, popsize=popsize,
            progress=lambda generation, value: bar.update(1),
        )  # fmt: skip
    click.echo(format_search(search, label))
    click.echo(format_table({name: scorecard(ds) for name, ds in search.runs.items()}))


@main.command()
@click.option(
    "--method",
    type=click.Choice(["posterior", "lhs", "sobol", "morris"]),
    default="posterior",
    show_default=True,
    help="Posterior draws (calibrate --bayes); or, exploratory, over the parameters' full "
    "ranges: Latin hypercube, Sobol (Saltelli) or Morris.",
)
@click.option(
    "--samples",
    type=int,
    default=1000,
    show_default=True,
    help="Posterior draws; LHS samples; Sobol base samples N (N x (D+2) runs); Morris "
    "trajectories.",
)
@click.option(
    "--posterior",
    "posterior_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Posterior of --method posterior. Default: calibration/posterior.nc.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Seed of the sampling.",
)
@click.option(
    "--param",
    "param_names",
    multiple=True,
    help="Parameter to vary (repeatable); default all uncertain ones.",
)
@click.option(
    "--problem",
    "problem_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="TOML file of parameters to vary with bounds.",
)
@click.option(
    "--scenario",
    "scenario_names",
    multiple=True,
    help="Scenario to sweep (repeatable, same samples); default plan-table2.",
)
@_params_option
@click.option(
    "--chunk",
    type=int,
    default=10_000,
    show_default=True,
    help="Samples per ensemble run (bounds memory).",
)
@click.option("--workers", type=int, default=None, help="Run on a local dask cluster of N workers.")
@click.option("--scheduler", default=None, help="Address of a dask.distributed scheduler.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder for sweep.nc, indices.csv, robustness.csv and figures.",
)
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def sweep(method, samples, posterior_file, seed, param_names, problem_file, scenario_names,
          params_file, basis, chunk, workers, scheduler, out_dir, force):  # fmt: skip
    """Uncertainty of the scenarios over posterior draws, or a sensitivity sweep.

    By default the samples are posterior draws: fan charts and P(target met) given the
    2016-2019 data. --method lhs|sobol|morris vary the uncertain parameters over their
    full ranges (exploratory; Sobol and Morris give sensitivity indices).

    Example: anshan-housing sweep --out sweep_results;
    anshan-housing sweep --method sobol --samples 512 --out sobol_results
    """
    from anshan_housing.experiments import sweep as sw
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario
    from anshan_housing.model.io import provenance

    table, values, label = default_run_values(params_file, basis)
    problem, given, sampling = sw.sweep_problem(method, samples, table, values, param_names,
                                                problem_file, posterior_file)  # fmt: skip
    chosen = [load_scenario(find_scenario(n), table) for n in scenario_names or ("plan-table2",)]
    if chunk <= 0:
        raise InputError("option --chunk", "chunk", f"must be a positive whole number, got {chunk}")
    if out_dir:
        check_output_folder("option --out", out_dir, sw.SWEEP_FILES, force)
    sample_count = len(given) if given is not None else len(sw.draw(problem, method, samples,
                                                                        seed=seed))  # fmt: skip
    with sw.dask_session(workers, scheduler) as client:
        bar = click.progressbar(length=sample_count * len(chosen), label=f"{method} sweep",
                                file=sys.stderr)  # fmt: skip
        with bar:
            result = sw.sweep(problem, method, samples, chosen, values, seed=seed, chunk=chunk,
                              client=client, progress=bar.update, samples=given,
                              sampling=sampling)  # fmt: skip
    scenario_names = ", ".join(s.name for s in chosen)
    result.outputs.attrs.update(
        provenance(label, scenarios=scenario_names, dt_years=1 / 12, population_basis=basis)
    )
    click.echo(f"{method} sweep: {sample_count:,} samples x {len(chosen)} scenario(s) of "
               f"{len(problem.names)} parameters ({sampling}; others: {label})")  # fmt: skip
    click.echo(sw.robustness_table(result.outputs))
    if result.indices is not None:
        click.echo(sw.format_influence(result, method))
    if out_dir:
        for path in sw.write_sweep(result, out_dir):
            click.echo(f"wrote {path}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--var", "variables", multiple=True, help="Variable to draw (repeatable).")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=".",
    show_default=True,
    help="Folder for the PNG.",
)
def plot(file, variables, out_dir):
    """Draw variables of a saved run, comparison or sweep (NetCDF).

    Example: anshan-housing plot results/comparison.nc --var average_price --out figures
    """
    from anshan_housing.experiments.figures import plot_file

    check_output_folder("option --out", out_dir, (), force=True)
    for path in plot_file(file, list(variables) or None, out_dir):
        click.echo(f"wrote {path}")


@main.command()
@click.option("--out", type=click.Path(dir_okay=False), help="Write the Markdown to this file.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def doc(out, force):
    """Print the model documentation (Markdown) generated from the code's metadata.

    Stocks, flows, auxiliaries, indicators and inputs with units, meaning, the
    function computing each and its source; yearly aggregates; the parameters.

    Example: anshan-housing doc --out docs/MODEL.md
    """
    from anshan_housing.model.doc import model_doc
    from anshan_housing.model.io import check_output_path, write_atomic

    if out:
        check_output_path(out, force)
    text = model_doc()
    if out:
        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        click.echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


if __name__ == "__main__":
    main()
