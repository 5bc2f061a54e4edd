"""Scenario files: the shipped ones load and run; bad files are refused clearly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.cli import main
from anshan_housing.experiments.scenarios import (
    find_scenario,
    load_scenario,
    run_scenario,
    scenario_inputs,
    shipped_scenarios,
)
from anshan_housing.experiments.scorecard import scorecard, targets_met
from anshan_housing.model.errors import InputError

GOOD = 'name = "t"\ndescription = "a test"\n[policy]\nkind = "historical"\n'

BAD_FILES = {
    "unknown policy": (
        GOOD.replace('"historical"', '"lottery"'),
        "policy.kind: 'lottery' is not a policy; allowed: plan-table2",
    ),
    "negative land": (
        'name = "t"\ndescription = "d"\n[policy]\nkind = "path"\nland = [10, -5, 10, 10, 10]\n',
        "policy.land[1]: -5 is outside",
    ),
    "missing field": ('name = "t"\n[policy]\nkind = "freeze"\n', "description: missing"),
    "bad toml": ('name = "t\n', "not valid TOML"),
    "unknown parameter override": (GOOD + "[overrides]\ntfrr = 1.0\n", "tfrr: unknown parameter"),
    "override out of range": (GOOD + "[overrides]\ntfr = 9.0\n", "tfr: 9 is outside"),
    "unknown top key": ("colour = 1\n" + GOOD, "colour: unknown key; allowed: name"),
    "unknown setting": (
        GOOD.replace('kind = "historical"', 'kind = "five-category"\nspeed = 2'),
        "policy.speed: unknown key; allowed: floor",
    ),
    "setting wrong type": (
        GOOD.replace('kind = "historical"', 'kind = "five-category"\nreduce_step = "big"'),
        "policy.reduce_step: must be a number",
    ),
    "setting out of range": (
        GOOD.replace('kind = "historical"', 'kind = "five-category"\nreduce_step = 3.0'),
        "policy.reduce_step: 3 is outside [0, 1]",
    ),
    "unknown variant": (GOOD + '[[variants]]\nkind = "free-houses"\n', "variants[0].kind"),
    "bad shock date": (
        GOOD + '[[shocks]]\ndate = "2031-01"\nparameter = "tfr"\noperation = "set"\nvalue = 1.0\n',
        "shocks[0].date: 2031-01 is outside",
    ),
    "bad shock operation": (
        GOOD + '[[shocks]]\ndate = "2022-01"\nparameter = "tfr"\n'
        'operation = "double"\nvalue = 1.0\n',
        "shocks[0].operation",
    ),
    "shock value out of range": (
        GOOD + '[[shocks]]\ndate = "2022-01"\nparameter = "tfr"\noperation = "set"\nvalue = 7.0\n',
        "shocks[0].value: 7 is outside",
    ),
    "unknown input": (GOOD + "[inputs]\nrainfall = 3\n", "inputs.rainfall: unknown key"),
    "impossible input": (GOOD + "[inputs]\nincome_growth = 0.9\n", "inputs.income_growth: 0.9"),
    "path with wrong length": (
        'name = "t"\ndescription = "d"\n[policy]\nkind = "path"\nland = [10, 10]\n',
        "must list 5 yearly quotas",
    ),
    "start year": (
        GOOD.replace('kind = "historical"', 'kind = "freeze"\nstart_year = 2040'),
        "policy.start_year",
    ),
}


def test_every_shipped_scenario_loads(table):
    names = [load_scenario(p, table).name for p in shipped_scenarios()]
    assert set(names) >= {
        "plan-table2",
        "five-category",
        "historical",
        "freeze",
        "clearance-target",
    }
    assert len(names) == len(set(names))


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_scenario_file_refused(table, tmp_path, case):
    text, message = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        load_scenario(path, table)
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "case",
    ["unknown policy", "negative land", "missing field", "bad toml", "unknown parameter override"],
)
def test_bad_scenario_file_cli_exit_2_and_no_output(tmp_path, case):
    text, message = BAD_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "results"
    result = CliRunner().invoke(main, ["compare", str(path), "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.count("error:") == 1
    assert not out.exists()


def test_unknown_scenario_name_refused():
    result = CliRunner().invoke(main, ["compare", "utopia"])
    assert result.exit_code == 2 and "unknown scenario; shipped:" in result.output


def test_scenario_inputs_apply_from_2020(table, tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(GOOD + "[inputs]\nincome_growth = 0.0\nresettlement_cash = 1000\n")
    scenario = load_scenario(path, table)
    inputs = scenario_inputs(scenario, np.arange(2016, 2026))
    income = inputs["urban_disposable_income"]
    assert income[3] == pytest.approx(37756) and np.all(income[4:] == income[3])
    assert inputs["resettlement_cash"][3] == 735 and np.all(inputs["resettlement_cash"][4:] == 1000)


def test_scorecard_moves_when_an_input_changes(table, run_values):
    scenario = load_scenario(find_scenario("historical"), table)
    base = scorecard(run_scenario(scenario, run_values))
    richer = dataclasses.replace(scenario, inputs={"income_growth": 0.15})
    moved = scorecard(run_scenario(richer, run_values))
    price = [r for r in base if r.indicator.startswith("average price")][0].value
    price_moved = [r for r in moved if r.indicator.startswith("average price")][0].value
    assert price_moved > price
    assert [r.value for r in base][:3] != [r.value for r in moved][:3]


def test_talent_retention_keeps_more_people(table, run_values):
    scenario = load_scenario(find_scenario("historical"), table)
    retained = dataclasses.replace(scenario, variants=(("talent-retention", {}),))
    base = run_scenario(scenario, run_values)["population_total"].sel(year=2025).item()
    more = run_scenario(retained, run_values)["population_total"].sel(year=2025).item()
    assert more > base + 10_000


def test_rental_variant_reaches_8200(table, run_values):
    scenario = load_scenario(find_scenario("historical"), table)
    plan = dataclasses.replace(scenario, variants=(("rental-subsidy", {"per_year": 1640.0}),))
    rows = scorecard(run_scenario(plan, run_values))
    rental = [r for r in rows if r.indicator.startswith("public rental")][0]
    assert rental.value == pytest.approx(8200) and rental.status == "met"
    none = scorecard(run_scenario(scenario, run_values))
    assert [r for r in none if r.indicator.startswith("public rental")][0].status == "missed"
    assert 0 <= targets_met(rows) <= 4
