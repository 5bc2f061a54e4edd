"""Population bases and households on the 2010 and 2020 censuses (calibration/demography)."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.calibration import default_run_values
from anshan_housing.calibration.demography import (
    BASES,
    FITTED,
    basis_checks,
    basis_values,
    between_censuses,
    census_day_index,
    census_figures,
    check_basis,
    fit_bases,
)
from anshan_housing.cli import main
from anshan_housing.model import households, population
from anshan_housing.model.engine import simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.inputs import shipped_data
from anshan_housing.model.parameters import load_parameters, resolve_values
from anshan_housing.model.population import N_AGES
from anshan_housing.model.system import constants

CENSUS = census_figures()
SIZE_TOLERANCE = 0.05  # persons per family household (the bound)
CENSUS_RESIDENTS_TOLERANCE = 0.007  # relative, end of 2020 against 1 November (issue)
HOUSEHOLDS_TOLERANCE = 0.03  # relative (issue)
DECLINE_TOLERANCE = 0.15  # percentage points a year (issue)
REFIT_TOLERANCE = 1e-6  # relative: a fresh fit of the bases lands on the committed values


@pytest.fixture(scope="module")
def runs():
    return {b: simulate(default_run_values(basis=b)[1], record_age=False) for b in BASES}


def test_census_figures_are_the_bulletins():
    assert CENSUS.population == {2010: 3_645_884, 2020: 3_325_372}
    assert CENSUS.household_size == {2010: 2.88, 2020: 2.25}
    assert CENSUS.family_households_2020 == 1_411_251
    assert CENSUS.collective_2020 == 148_053
    assert 100 * CENSUS.decline == pytest.approx(-0.92, abs=0.005)


@pytest.mark.parametrize("basis", BASES)
def test_household_size_end_2020_is_the_census(runs, basis):
    size = float(runs[basis]["household_size_yearly"].sel(year=2020).isel(member=0))
    assert abs(size - CENSUS.household_size[2020]) <= SIZE_TOLERANCE


def test_plan_basis_keeps_the_plans_2019_residents(runs):
    residents = float(runs["plan"]["population_total"].sel(year=2019).isel(member=0))
    assert residents == pytest.approx(3.553e6, rel=0.005)


def test_census_basis_meets_the_2020_census(runs):
    ds = runs["census"].isel(member=0)
    residents = float(ds["population_total"].sel(year=2020))
    assert residents == pytest.approx(CENSUS.population[2020], rel=CENSUS_RESIDENTS_TOLERANCE)
    family = float(ds["households_yearly"].sel(year=2020).sum())
    assert family == pytest.approx(CENSUS.family_households_2020, rel=HOUSEHOLDS_TOLERANCE)
    start = basis_values("census")["population_2015"]
    change = 100 * ((residents / start) ** (1 / 5) - 1)
    assert abs(change - 100 * CENSUS.decline) <= DECLINE_TOLERANCE


def test_census_basis_starts_on_the_path_between_the_censuses():
    import datetime as dt

    start = basis_values("census")["population_2015"]
    # 62 of the 120 months between the censuses: 3,645,884 x (3,325,372/3,645,884)^(62/120)
    by_months = 3_645_884 * (3_325_372 / 3_645_884) ** (62 / 120)
    assert start == pytest.approx(by_months, rel=2e-4)  # the fit counts days, not months
    assert start == pytest.approx(between_censuses(CENSUS.population, dt.date(2015, 12, 31)))


def test_census_day_is_the_end_of_october():
    ds = simulate(default_run_values()[1], record_age=False, end_year=2020)
    time = ds["time"].values[census_day_index()]
    assert str(time)[:7] == "2020-10"


def test_bases_differ_only_in_demography():
    plan, census = (default_run_values(basis=b)[1] for b in BASES)
    differ = {name for name in plan if plan[name] != census[name]}
    assert differ == {"population_2015", "out_migration_rate", "headship_trend"}
    assert differ == set(FITTED["census"]) >= set(FITTED["plan"])
    assert plan["housing_stock_2015"] == census["housing_stock_2015"]  # the same stock


def test_committed_bases_are_a_fresh_fit():
    _, values, _ = default_run_values(basis=None)
    fitted = fit_bases(values)
    for basis in BASES:
        committed = basis_values(basis)
        assert set(fitted[basis]) == set(committed)
        for name, value in fitted[basis].items():
            assert value == pytest.approx(committed[name], rel=REFIT_TOLERANCE), (basis, name)


def test_basis_checks_report_the_census_figures(runs):
    checks = {c.what: c for c in basis_checks(runs["census"], CENSUS)}
    assert checks["residents, 1 Nov 2020"].difference == pytest.approx(0.0, abs=1e-6)
    assert abs(checks["persons per family household, 1 Nov 2020"].difference) < 1e-6
    rate = checks["mean change of residents 2016-2020 (%/year)"]
    assert rate.rate and abs(rate.difference) < DECLINE_TOLERANCE


def test_per_person_figures_follow_the_basis(runs):
    plan, census = (runs[b].isel(member=0) for b in BASES)
    area = {b: float(runs[b]["per_capita_floor_area"].sel(year=2019).isel(member=0)) for b in BASES}
    assert area["census"] > area["plan"] * 1.04  # the same stock over ~5 % fewer residents
    eligible = {b: float(runs[b]["rental_new_eligible_yearly"].sel(year=2021).isel(member=0))
                for b in BASES}  # fmt: skip
    assert eligible["census"] < eligible["plan"]  # fewer households, fewer eligible
    assert float(census["households_urban"].sel(year=2020)) < float(
        plan["households_urban"].sel(year=2020)
    )


def test_household_arithmetic_known_answer():
    """1,000 urban residents aged 40 (headship shape 1): households = (1 - c) x 1000 / size."""
    table = load_parameters()
    p = {k: np.atleast_1d(np.asarray(v, float)) for k, v in resolve_values(table).items()}
    p.update(
        household_size_2015=np.array([2.5]),
        collective_share=np.array([0.05]),
        headship_trend=np.array([0.02]),
        headship_trend_after_2020=np.array([0.01]),
    )
    pop = np.zeros((1, 2, N_AGES))
    pop[0, 0, 40] = 1000.0
    shape = np.zeros(N_AGES)
    shape[40] = 1.0
    heads = households.heads_per_person(shape)
    assert households.headship_shape()[40] == 1.0 and heads == 1.0
    assert households.households(pop, p, heads)[0, 0] == pytest.approx(0.95 * 1000 / 2.5)
    level = households.headship_level(p, heads, 7.0)  # end of 2022: 5 years, then 2
    assert level[0] == pytest.approx(0.95 / 2.5 * 1.02**5 * 1.01**2)


def test_household_size_is_family_members_per_household(runs):
    ds = runs["plan"].isel(member=0)
    c = ds.attrs["param_collective_share"]
    size = (1 - c) * ds["population"].sum("area") / ds["households"].sum("area")
    np.testing.assert_allclose(ds["household_size"], size, rtol=1e-12)


def test_unknown_basis_refused():
    with pytest.raises(InputError, match="unknown basis; allowed: plan, census"):
        check_basis("mars")


def test_cli_basis_names_match_the_bases():
    from anshan_housing import cli

    assert cli.BASIS_NAMES == BASES


def test_compare_names_the_basis(tmp_path):
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["compare", "freeze", "--basis", "census", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "population basis: census" in result.output
    rows = (out / "scorecard.csv").read_text().splitlines()
    assert rows[0].split(",")[1] == "population_basis"
    assert {row.split(",")[1] for row in rows[1:]} == {"census"}


def test_demography_command_prints_the_checks(tmp_path):
    out = tmp_path / "bases.toml"
    result = CliRunner().invoke(main, ["demography", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "census basis" in result.output and "residents, 1 Nov 2020" in result.output
    assert "[census.values]" in out.read_text()


def test_end_2015_household_size_is_the_parameter(run_values):
    """The heads per person of the end-2015 age shape give household_size_2015 back."""
    fixed = constants(shipped_data())
    p = {k: np.atleast_1d(np.asarray(v, float)) for k, v in run_values.items()}
    pop = population.initial_state(p, fixed.age_shape)["population"]
    family = (1 - p["collective_share"][0]) * pop.sum()
    size = family / households.households(pop, p, fixed.heads_2015).sum()
    assert size == pytest.approx(p["household_size_2015"][0], rel=1e-12)


def test_a_bases_file_with_other_values_is_refused(tmp_path):
    path = tmp_path / "bases.toml"
    path.write_text(
        '[plan]\ndescription = "p"\n[plan.values]\nheadship_trend = 0.01\ntfr = 2.0\n'
        '[census]\ndescription = "c"\n[census.values]\nheadship_trend = 0.01\n'
    )
    with pytest.raises(InputError, match="plan.values.*a basis sets headship_trend"):
        basis_values("plan", path)
