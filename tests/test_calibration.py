"""Calibration: the committed fit meets its bounds; the optimiser works and reproduces."""

from __future__ import annotations

import csv
import tomllib

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.calibration import CALIBRATED_FILE, fit
from anshan_housing.calibration.demography import BASES_FILE
from anshan_housing.calibration.objective import Objective, load_setup
from anshan_housing.calibration.observed import DEFAULT_PATH, load_observed
from anshan_housing.cli import main
from anshan_housing.model.engine import simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import resolve_values

UM_BOUND = 0.2  # issue 4: bias share of the mean square error, every series
# A fresh calibration from another seed must find the committed optimum, not merely a
# fit as good: objective within 1 % and each identified parameter within 1 % of its
# plausible range (measured: 1e-8 and below 1e-4 of the range, seeds 11 and 12).
TWO_SEEDS_RTOL = 0.01
SAME_OPTIMUM_RANGE_SHARE = 0.01
RECOMPUTED_RTOL = 1e-9  # the committed statistics are those of the committed values
ISSUE_PERMIT_BOUND = 0.20  # issue 4 asks presale permits within 20 %
T_975_DOF_9 = 2.262  # Student t, 97.5 % quantile, 9 degrees of freedom (printed tables)


@pytest.fixture(scope="module")
def setup(table):
    return load_setup(table)


@pytest.fixture(scope="module")
def observed():
    return load_observed()


@pytest.fixture(scope="module")
def committed():
    with CALIBRATED_FILE.open("rb") as handle:
        return tomllib.load(handle)


@pytest.fixture(scope="module")
def statistics(baseline, setup, observed):
    return fit.fit_table(baseline, setup, observed)


def observed_rows(years=(2016, 2019)):
    """Observed series read straight from observed.csv: {series: {year: value}}."""
    rows = {}
    with DEFAULT_PATH.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            year = int(row["year"])
            if years[0] <= year <= years[1]:
                rows.setdefault(row["series"], {})[year] = float(row["value"])
    return rows


def test_committed_fit_is_recomputed_from_observed_csv(committed, setup, defaults, baseline):
    """The file's statistics and objective follow from its values and observed.csv.

    The committed values and the demographic values of the population basis they were
    fitted on (``calibration/bases.toml``) are applied over the defaults here (not
    through the loader the commands use), run, and compared by hand with the seed's
    figures; the run every command uses (``baseline``) must be that same run.
    """
    basis = committed["meta"]["population_basis"]
    assert basis == "plan"  # the seed's market figures belong to the plan's population
    with BASES_FILE.open("rb") as handle:
        demography = tomllib.load(handle)[basis]["values"]
    ds = simulate({**defaults, **committed["values"], **demography}).isel(member=0)
    rows = observed_rows()
    mapping = {spec.observed: spec for spec in setup.series}
    objective = 0.0
    for series, stats in committed["statistics"].items():
        model_name = mapping[series].model if series in mapping else "population_total"
        years = sorted(rows[series])
        observed = np.array([rows[series][y] for y in years])
        model = ds[model_name].sel(year=years).values
        error = model / observed - 1
        assert stats["n"] == len(years), series
        assert np.mean(np.abs(error)) == pytest.approx(stats["mape"], rel=RECOMPUTED_RTOL), series
        if len(years) > 1:
            r = np.corrcoef(model, observed)[0, 1]
            assert r**2 == pytest.approx(stats["r2"], rel=RECOMPUTED_RTOL), series
            bias = (model.mean() - observed.mean()) ** 2 / np.mean((model - observed) ** 2)
            assert bias == pytest.approx(stats["um"], rel=RECOMPUTED_RTOL), series
        if series in mapping:
            objective += mapping[series].weight * np.sum(error**2)
        np.testing.assert_array_equal(baseline[model_name].isel(member=0).sel(year=years), model)
    assert objective == pytest.approx(committed["fit"]["objective"], rel=RECOMPUTED_RTOL)


def test_every_fitted_series_meets_its_mape_bound(statistics, setup):
    bounded = [spec for spec in setup.series if spec.mape_bound is not None]
    assert len(bounded) >= 8
    for spec in bounded:
        assert statistics[spec.observed].mape <= spec.mape_bound, spec.observed


@pytest.mark.parametrize(
    "series, bound",
    [
        ("average_price", 0.03),
        ("sales_area", 0.07),
        ("sales_value", 0.07),
        ("residential_inventory", 0.10),
        ("clearance_period", 0.10),
        ("development_investment", 0.10),
    ],
)
def test_issue_bounds(statistics, series, bound):
    assert statistics[series].mape <= bound


def test_presale_permits_within_what_the_seed_contradiction_forces(baseline):
    """Permits miss by no more than the seed's own figures force on a conserving model.

    In the model, floor area is conserved: the residential inventory changes each year
    by residential permits minus residential sales. The seed's figures do not: its
    inventory changes 2017-2019 are -235.2, -47.7, +39.8 万m2 while its permits minus
    sales, in residential scope, are -133, -100, +93. Fitting inventory and sales
    exactly would leave the permits that explain those changes; the seed's permits
    miss them by 58, 33 and 17 %. A fit that shares the contradiction among permits,
    inventory and sales must not do worse on permits than loading all of it there. For
    2016 the seed gives no 2015 inventory to check against: the issue's 20 % applies.
    """
    rows = observed_rows()
    years = [2016, 2017, 2018, 2019]
    permits, sales, inventory = (
        np.array([rows[name][y] for y in years])
        for name in ("presale_permits", "sales_area", "residential_inventory")
    )
    # residential (商品住宅) share of the 商品房 figures: the seed's 2019 sales, 220 / 242.7
    share = rows["residential_sales"][2019] / rows["sales_area"][2019]
    np.testing.assert_allclose(
        (permits - sales)[1:] * share, [-133.0, -100.3, 92.6], atol=0.1
    )  # the figures quoted above
    implied = np.diff(inventory) / share + sales[1:]  # 商品房 permits the inventory implies
    forced = np.abs(permits[1:] - implied) / permits[1:]  # relative, as the MAPE
    # a second sign that the permit figures do not add up: the stated 2019 growth
    # (+105.4 %) is not the growth of the stated levels (344.9 / 178 - 1 = +93.8 %)
    assert 1.054 - (permits[3] / permits[2] - 1) > 0.1
    model = baseline["presale_permits"].isel(member=0).sel(year=years).values
    error = np.abs(model / permits - 1)
    assert np.mean(error[1:]) <= np.mean(forced)
    assert error[0] <= ISSUE_PERMIT_BOUND


def test_bias_share_small_for_every_series(statistics):
    for name, st in statistics.items():
        if not st.single_point:
            assert st.um <= UM_BOUND, name


def test_2019_population_and_floor_area_within_one_percent(baseline):
    y = baseline.isel(member=0).sel(year=2019)
    assert y["population_total"].item() == pytest.approx(3.553e6, rel=0.01)
    assert y["per_capita_floor_area"].item() == pytest.approx(31.6, rel=0.01)


def test_committed_objective_matches_recomputed(committed, setup, run_values):
    objective = Objective(setup, run_values)
    value = objective(objective.start()[None, :])[0]
    assert value == pytest.approx(committed["fit"]["objective"], rel=1e-9)


def test_quick_calibration_halves_the_objective(table, setup, defaults):
    result = fit.calibrate(table, setup, defaults, seed=7, maxiter=10, popsize=8)
    assert result.objective <= 0.5 * result.start_objective
    assert all(table[n].lower <= v <= table[n].upper for n, v in result.values.items())


def test_calibration_is_reproducible_for_a_seed(table, setup, defaults):
    a = fit.calibrate(table, setup, defaults, seed=3, maxiter=3, popsize=5, polish=False)
    b = fit.calibrate(table, setup, defaults, seed=3, maxiter=3, popsize=5, polish=False)
    assert a.values == b.values and a.objective == b.objective


@pytest.mark.parametrize("seed", [11, 12])
def test_full_calibration_from_other_seeds_lands_near_committed(
    table, setup, defaults, committed, seed
):
    result = fit.calibrate(table, setup, defaults, seed=seed, maxiter=150, popsize=15)
    assert result.objective == pytest.approx(committed["fit"]["objective"], rel=TWO_SEEDS_RTOL)
    identified = [n for n, u in committed["uncertainty"].items() if u["identified"]]
    assert len(identified) >= 3
    for name in identified:
        span = table[name].upper - table[name].lower
        assert result.values[name] == pytest.approx(
            committed["values"][name], abs=SAME_OPTIMUM_RANGE_SHARE * span
        ), name
        assert result.identified[name], name


class LinearResiduals:
    """Residuals A x - b of a linear least-squares problem, many candidates at once."""

    def __init__(self, a, b):
        self.a, self.b = a, b

    def residuals(self, candidates):
        return np.atleast_2d(candidates) @ self.a.T - self.b


def empty_result(free):
    return fit.CalibrationResult(values={}, objective=0, start_objective=0, global_objective=0,
                                 seed=0, years=(2016, 2019), runs=0, free=free)  # fmt: skip


def test_uncertainty_gives_the_textbook_intervals_of_a_linear_fit():
    """Known answer: ordinary least squares, t intervals with n - k degrees of freedom.

    Three parameters on 12 points: ``strong`` informed by every point, ``weak`` by 5
    points with a small slope (its interval is between one and two ranges wide, so
    the width rule itself is checked), ``absent`` by none.
    """
    rng = np.random.default_rng(5)
    n = 12
    a = np.zeros((n, 3))
    a[:, 0] = rng.normal(size=n)
    a[:5, 1] = 5e-3 * rng.normal(size=5)
    b = a[:, :2] @ [0.7, -0.2] + 0.1 * rng.normal(size=n)
    informed = a[:, :2]
    x = np.append(np.linalg.lstsq(informed, b, rcond=None)[0], 0.5)
    ssr = float(np.sum((informed @ x[:2] - b) ** 2))
    cov = ssr / (n - 3) * np.linalg.inv(informed.T @ informed)  # dof: all 3 parameters
    half = T_975_DOF_9 * np.sqrt(np.diag(cov))
    bounds = np.array([[-10.0, 10.0]] * 3)
    result = empty_result(("strong", "weak", "absent"))
    fit.uncertainty(result, LinearResiduals(a, b), x, bounds)
    for j, name in enumerate(["strong", "weak"]):
        low, high = result.intervals[name]
        assert (low + high) / 2 == pytest.approx(x[j], rel=1e-9)
        assert (high - low) / 2 == pytest.approx(half[j], rel=1e-3)  # t to 4 digits
    assert 2 * half[0] < 20.0 < 2 * half[1] < 40.0  # the range is 20 wide
    assert result.identified == {"strong": True, "weak": False, "absent": False}
    assert result.points == {"strong": 12, "weak": 5, "absent": 0}
    expected = cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1])
    assert result.correlation[0, 1] == pytest.approx(expected, rel=1e-6)
    assert result.correlation[2, 2] == 0.0  # no information: no correlation either


def test_committed_uncertainty_is_recomputed_at_the_committed_values(
    table, setup, run_values, committed
):
    objective = Objective(setup, run_values)
    result = empty_result(setup.free)
    x = objective.start()
    fit.uncertainty(result, objective, x, fit.bounds_of(table, setup.free))
    for name in setup.free:
        stored = committed["uncertainty"][name]
        low, high = result.intervals[name]
        assert (low, high) == pytest.approx((stored["low95"], stored["high95"]), rel=1e-6), name
        assert result.identified[name] == stored["identified"], name
        assert result.points[name] == stored["data_points"], name


def test_residuals_are_relative_errors_weighted(setup, run_values, observed):
    objective = Objective(setup, run_values)
    ds = simulate(run_values, end_year=2019, monthly=())
    residuals = objective.residuals_of(ds)[0]
    first = objective.targets[0]
    model = ds[first.spec.model].values[0, first.years - 2016]
    expected = np.sqrt(first.spec.weight) * (model / first.values - 1)
    np.testing.assert_allclose(residuals[: len(expected)], expected)


@pytest.mark.parametrize(
    "text, match",
    [
        ("[free]\nnames = []\n", "non-empty list"),
        ('[free]\nnames = ["nope"]\n', "unknown parameter"),
        ('[free]\nnames = ["tfr", "tfr"]\n', "twice"),
        (
            '[free]\nnames = ["tfr"]\n[[series]]\nmodel = "sales_area"\nobserved = "x"\n'
            'weight = 1\nreason = "r"\n',
            "unknown series",
        ),
        (
            '[free]\nnames = ["tfr"]\n[[series]]\nmodel = "sales_area"\nobserved = "sales_area"\n'
            'weight = -1\nreason = "r"\n',
            "positive number",
        ),
        (
            '[free]\nnames = ["tfr"]\n[[series]]\nmodel = "sales_area"\nobserved = "sales_area"\n'
            "weight = 1\n",
            "reason: missing",
        ),
        ('[free]\nnames = ["tfr"]\n[extra]\n', "unknown table"),
    ],
)
def test_bad_setup_files_refused(table, tmp_path, text, match):
    path = tmp_path / "setup.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        load_setup(table, path)


def test_cli_report_prints_fit_table_without_fitting():
    result = CliRunner().invoke(main, ["calibrate", "--report"])
    assert result.exit_code == 0, result.output
    assert "average_price" in result.output and "U^M" in result.output
    assert "differential evolution" not in result.output


def test_cli_calibrate_writes_result_only_with_out(tmp_path):
    runner = CliRunner()
    out = tmp_path / "cal.toml"
    result = runner.invoke(
        main, ["calibrate", "--maxiter", "2", "--popsize", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with out.open("rb") as handle:
        written = tomllib.load(handle)
    assert set(written) >= {"meta", "values", "fit", "statistics", "uncertainty"}
    rerun = runner.invoke(main, ["run", "--params", str(out), "--end-year", "2016"])
    assert rerun.exit_code == 0
    assert list(tmp_path.iterdir()) == [out]


@pytest.fixture(scope="module")
def holdout(table, setup, defaults, observed):
    """A calibration on 2016-2018 and its 2019 prediction errors (a reduced budget)."""
    return fit.out_of_sample(table, setup, defaults, observed, maxiter=40, popsize=8)


@pytest.mark.xfail(
    strict=True,
    reason="issue 13: fitted on 2016-2018, the model misses the 2019 price by 11.6 % against "
    "4.2 % for persistence (sales value 23.1 % against 13.9 %): the 12 % rise of 2018 "
    "carries on (expectations) where the market slowed to 4 %",
)
def test_out_of_sample_2019_beats_the_no_change_forecast(holdout):
    """Fitted on 2016-2018, the model predicts 2019 better than "2019 = 2018" does.

    The no-change (persistence) forecast needs no model; a model that cannot beat it on
    the market it is built for has not learnt 2016-2018. The market series (price,
    sales area and value, clearance period) must each beat it, and all series with a
    2018 figure together, by their mean absolute error.
    """
    result, errors = holdout
    assert result.years == (2016, 2018)
    rows = observed_rows()
    model, naive = {}, {}
    for e in errors:
        assert e.observed == rows[e.series][2019]
        if 2018 in rows[e.series]:
            model[e.series] = abs(e.predicted / e.observed - 1)
            naive[e.series] = abs(rows[e.series][2018] / e.observed - 1)
    assert len(model) == 7
    for series in ("average_price", "sales_area", "sales_value"):
        assert model[series] < naive[series], series
    assert np.mean(list(model.values())) < np.mean(list(naive.values()))


@pytest.mark.xfail(
    strict=True,
    reason="the clearance period of 2019 predicted from a 2016-2018 fit is 12.6 % off, "
    "persistence 10.4 % (issue 13)",
)
def test_out_of_sample_2019_clearance_beats_the_no_change_forecast(holdout):
    _, errors = holdout
    rows = observed_rows()
    (error,) = [e for e in errors if e.series == "clearance_period"]
    assert abs(error.relative) < abs(rows["clearance_period"][2018] / error.observed - 1)


def test_start_values_are_defaults(setup, table):
    objective = Objective(setup, resolve_values(table))
    assert objective.start().tolist() == [table[n].value for n in setup.free]
