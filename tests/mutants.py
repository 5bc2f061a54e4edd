"""Mutation check: break each sector's main feedback term and see which tests fail.

For each sector module of ``model/`` (population, households, demand, supply, price,
developers, rental) the table `MUTANTS` removes or reverses the term that carries the
module's feedback loop or main flow (each module's docstring names them). The script
copies the repository (tracked and untracked, not ignored, files) into a temporary
directory, applies one mutant at a time there, runs the tests expected to catch it with
``anshan_housing`` imported from the copy, and prints a Markdown table::

    python tests/mutants.py            # all mutants
    python tests/mutants.py --check    # only check that every find-text occurs once
    python tests/mutants.py -k price   # mutants whose module or description match

Exit status: 0 when every mutant is caught by at least one failing test, 1 when one
survives, 2 when a find-text does not occur exactly once, the unmutated tests fail or
the copy's package is not the one imported. The working tree is never modified.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTEST = ("-q", "-p", "no:cacheprovider", "-o", "addopts=")  # every listed test runs


@dataclass(frozen=True)
class Mutant:
    """One mutation: replace ``find`` (exactly once in ``module``) by ``replace``."""

    module: str  # sector name; the file is model/<module>.py
    description: str
    find: str
    replace: str
    tests: tuple[str, ...]  # pytest node ids (or files) expected to catch it

    @property
    def path(self) -> str:
        """Repository-relative path of the mutated file."""
        return f"model/{self.module}.py"


POP = "tests/test_population.py::"
PROG = "tests/test_programmes.py::"
HH = "tests/test_housing.py::"
CAL = "tests/test_calibration.py::"
STRUCT = "tests/test_structure.py::"
SCORE = "tests/test_scorecard.py::"
PRICE = "tests/test_price.py::"
CALIBRATION_BOUNDS = (
    CAL + "test_every_fitted_series_meets_its_mape_bound",
    CAL + "test_issue_bounds",
    CAL + "test_bias_share_small_for_every_series",
)

MUTANTS = (
    Mutant(
        "population",
        "out-migration reversed: emigrants are added, not removed",
        "exit_rate = np.stack([mortality + out_rate, mortality + out_rate + urban_rate], axis=1)",
        "exit_rate = np.stack([mortality - out_rate, mortality - out_rate + urban_rate], axis=1)",
        (
            POP + "test_2019_residents_within_half_percent",
            POP + "test_population_accounting_identity_every_month",
        ),
    ),
    Mutant(
        "population",
        "births no longer depend on the women of childbearing age (loop R: decline)",
        'births = np.einsum("maf,mf->ma", pop[:, :, FERTILE], s["asfr"])',
        'births = 0.0 * np.einsum("maf,mf->ma", pop[:, :, FERTILE], s["asfr"])',
        (
            POP + "test_natural_growth_2019_and_mean",
            POP + "test_2019_residents_within_half_percent",
        ),
    ),
    Mutant(
        "population",
        "ageing removed: cohorts stay at their age on 1 January",
        "        part[..., 1:-1] = part[..., :-2].copy()\n",
        "        part[..., 1:-1] = part[..., 1:-1].copy()\n",
        (
            POP + "test_ageing_shifts_cohorts_exactly",
            POP + "test_share_60plus_2019_about_26_percent",
        ),
    ),
    Mutant(
        "households",
        "dissolution by deaths of elderly living alone removed",
        '(p["elderly_alone_share"] * p["mortality_scale"])[:, None] * sums[',
        '(0.0 * p["elderly_alone_share"] * p["mortality_scale"])[:, None] * sums[',
        (POP + "test_household_dissolution_counts_elderly_deaths_and_emigrants",),
    ),
    Mutant(
        "households",
        "dissolution by out-migrating heads removed",
        '+ p["out_migration_rate"][:, None] * sums["head_migration"]',
        '+ 0.0 * p["out_migration_rate"][:, None] * sums["head_migration"]',
        (POP + "test_emigrating_heads_dissolve_households_in_proportion",),
    ),
    Mutant(
        "households",
        "headship trend reversed: households grow larger over time",
        '    growth = (1.0 + p["headship_trend"]) ** before',
        '    growth = (1.0 - p["headship_trend"]) ** before',
        (
            POP + "test_households_follow_population_and_shrink_in_size",
            POP + "test_headship_trend_compounds_households_at_its_rate",
        ),
    ),
    Mutant(
        "demand",
        "affordability multiplier reversed (loop B5): dearer housing sells more",
        'affordability = relative_pir ** -p["affordability_elasticity"]',
        'affordability = relative_pir ** p["affordability_elasticity"]',
        CALIBRATION_BOUNDS,
    ),
    Mutant(
        "demand",
        "expectation multiplier reversed (loop R2): expected growth deters buyers",
        'np.maximum(1.0 + p["expectation_sensitivity"] * believed, 0.0)',
        'np.maximum(1.0 - p["expectation_sensitivity"] * believed, 0.0)',
        CALIBRATION_BOUNDS,
    ),
    Mutant(
        "supply",
        "inventory correction reversed (loop B1): excess inventory raises starts",
        '+ (desired_inventory - inventory(state)) / p["inventory_adjustment_time"]',
        '+ (inventory(state) - desired_inventory) / p["inventory_adjustment_time"]',
        CALIBRATION_BOUNDS
        + (
            HH + "test_ten_times_land_raises_inventory_and_clearance_lowers_price",
            HH + "test_stock_management_rule_corrects_inventory_and_supply_line",
        ),
    ),
    Mutant(
        "supply",
        "supply-line correction reversed (loop B2): a full pipeline raises starts",
        '* (desired_line - supply_line) / p["supply_line_time"]',
        '* (supply_line - desired_line) / p["supply_line_time"]',
        CALIBRATION_BOUNDS
        + (HH + "test_stock_management_rule_corrects_inventory_and_supply_line",),
    ),
    Mutant(
        "price",
        "clearance effect reversed (loop B6): a long clearance period raises the price",
        "pull - drift * reference * np.log(ratio)",
        "pull + drift * reference * np.log(ratio)",
        (
            HH + "test_no_land_for_ten_years_drains_inventory_and_raises_price",
            HH + "test_ten_times_land_raises_inventory_and_clearance_lowers_price",
            PRICE + "test_price_falls_at_three_times_neutral_clearance",
        ),
    ),
    Mutant(
        "price",
        "clearance slope per log instead of per month: the neutral period drops out",
        'drift = p["clearance_price_slope"] * p["neutral_clearance"]',
        'drift = p["clearance_price_slope"] * 12.0',
        (PRICE + "test_near_neutral_the_reference_falls_by_the_slope_per_month",),
    ),
    Mutant(
        "supply",
        "idle land never taken back: unfunded idle land stays in the land bank",
        'return np.maximum(forced - wanted, 0.0) * (1.0 - state["funding_smoothed"])',
        "return 0.0 * forced",
        (
            HH + "test_unfunded_idle_land_is_taken_back_not_built",
            "tests/test_market_turn.py::test_downturn_starts_collapse",
        ),
    ),
    Mutant(
        "supply",
        "land taken back not removed from the land bank: floor area created",
        '"land_bank": -start_rate - repossessed,',
        '"land_bank": -start_rate,',
        (HH + "test_floor_area_conserved_every_month",),
    ),
    Mutant(
        "price",
        "fundamental pull removed (loop B7): the price has no level to return to",
        '    pull = (fundamental - reference) / p["fundamental_reversion_time"]',
        '    pull = 0.0 * (fundamental - reference) / p["fundamental_reversion_time"]',
        (PRICE + "test_price_returns_to_the_fundamental_level",),
    ),
    Mutant(
        "price",
        "expectation term reversed (loop R2): expected growth lowers the price",
        '* p["expectation_weight"] * believed',
        '* -p["expectation_weight"] * believed',
        CALIBRATION_BOUNDS,
    ),
    Mutant(
        "developers",
        "funding effect removed (loop R1): construction ignores presale receipts",
        'return np.clip(ratio ** p["funding_elasticity"], p["min_funding_effect"], 1.0)',
        "return np.ones_like(need)",
        (HH + "test_funding_constraint_slows_construction_when_receipts_vanish",),
    ),
    Mutant(
        "developers",
        "funding effect reversed (loop R1): more receipts slow construction",
        'return np.clip(ratio ** p["funding_elasticity"], p["min_funding_effect"], 1.0)',
        'return np.clip(ratio ** -p["funding_elasticity"], p["min_funding_effect"], 1.0)',
        (HH + "test_funding_constraint_slows_construction_when_receipts_vanish",),
    ),
    Mutant(
        "rental",
        "subsidies granted removed: nobody waiting is ever served",
        "    granted = np.minimum(\n",
        "    granted = 0.0 * np.minimum(\n",
        (
            STRUCT + "test_rental_subsidy_capacity_moves_waiting_households_the_right_way",
            SCORE + "test_rows_agree_with_the_raw_stocks_and_flows",
        ),
    ),
    Mutant(
        "rental",
        "subsidy capacity ignored: the waiting list is served at the grant pace only",
        'waiting / np.maximum(p["rental_grant_time"], dt), p["rental_subsidy_capacity"]',
        'waiting / np.maximum(p["rental_grant_time"], dt), np.inf',
        (STRUCT + "test_rental_subsidy_capacity_moves_waiting_households_the_right_way",),
    ),
    Mutant(
        "renovation",
        "renovation does not touch upgrading demand",
        'return 1.0 - p["renovation_upgrade_effect"] * np.minimum(renovated, 1.0)',
        "return 1.0 + 0.0 * renovated",
        (PROG + "test_more_renovation_lowers_new_home_demand",),
    ),
    Mutant(
        "renovation",
        "renovation not limited to what is waiting: old floor area goes negative",
        'state["old_waiting"] / dt,\n    )',
        "np.inf,\n    )",
        (PROG + "test_old_compound_stock_is_conserved_every_month",),
    ),
    Mutant(
        "standards",
        "prefabrication does not shorten construction",
        'return 1.0 - p["prefab_time_saving"] * prefab',
        "return 1.0 + 0.0 * prefab",
        (PROG + "test_a_higher_prefabricated_share_shortens_the_pipeline_and_raises_cost",),
    ),
    Mutant(
        "standards",
        "the green standard costs nothing extra",
        'extra = p["green_cost_premium"] * green',
        "extra = 0.0 * green",
        (PROG + "test_a_higher_green_share_raises_cost",),
    ),
    Mutant(
        "standards",
        "completions leave the co-flow at the chain's first-stage share (co-flow broken)",
        "fraction = np.divide(attribute, stages, out=np.zeros_like(outflows), where=stages > 0)",
        "fraction = np.divide(attribute, stages, out=np.zeros_like(outflows), where=stages > 0)"
        "[:, :1]",
        (
            PROG + "test_each_stage_passes_on_its_own_share",
            PROG + "test_completions_carry_the_share_of_the_starts_they_came_from",
        ),
    ),
)

SECTORS = ("population", "households", "demand", "supply", "price", "developers", "rental",
           "renovation", "standards")  # fmt: skip


def check_mutants(root: Path = ROOT, mutants=MUTANTS) -> list[str]:
    """Problems with the table: find-texts not occurring exactly once, sectors missing."""
    problems = []
    for m in mutants:
        count = (root / m.path).read_text(encoding="utf-8").count(m.find)
        if count != 1:
            problems.append(f"{m.path}: {m.description}: find-text occurs {count} times")
        if m.find == m.replace:
            problems.append(f"{m.path}: {m.description}: replacement equals the find-text")
    missing = sorted(set(SECTORS) - {m.module for m in mutants})
    problems += [f"no mutant for sector {name}" for name in missing]
    return problems


def copy_repository(target: Path) -> Path:
    """Copy the tracked and untracked (not ignored) files of the worktree to ``target``."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True,
    ).stdout.decode().split("\0")  # fmt: skip
    repo = target / "repo"
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a deleted but still tracked file is skipped
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    return repo


def environment(target: Path, repo: Path) -> dict[str, str]:
    """Environment importing ``anshan_housing`` from ``repo`` (a symlink on PYTHONPATH)."""
    site = target / "site"
    site.mkdir()
    (site / "anshan_housing").symlink_to(repo, target_is_directory=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no stale bytecode between mutants
    env["OMP_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] = "1"
    return env


def imported_from(repo: Path, env: dict[str, str]) -> Path:
    """Where ``anshan_housing`` is imported from in ``env``, run in ``repo``."""
    out = subprocess.run(
        [sys.executable, "-c", "import anshan_housing; print(anshan_housing.__file__)"],
        cwd=repo, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return Path(out.stdout.strip()).resolve()


def run_tests(repo: Path, env: dict[str, str], tests, report: Path) -> tuple[int, list[str]]:
    """Run ``tests`` in ``repo``; return pytest's exit code and the failing node ids."""
    command = [sys.executable, "-m", "pytest", *PYTEST, f"--junitxml={report}", *tests]
    done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
    failing = []
    if report.exists():
        for case in ET.parse(report).getroot().iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                path = case.get("classname", "").replace(".", "/") + ".py"
                failing.append(f"{path}::{case.get('name')}")
        report.unlink()
    if done.returncode not in (0, 1):
        print(done.stdout[-3000:], done.stderr[-3000:], sep="\n", file=sys.stderr)
    return done.returncode, failing


def short(node: str) -> str:
    """A node id without the tests/ folder, for the table."""
    return node.removeprefix("tests/")


def main(argv=None) -> int:
    """Run the mutation check; print the table; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the find-texts")
    parser.add_argument("-k", dest="only", help="run mutants whose module/description match")
    args = parser.parse_args(argv)
    problems = check_mutants()
    if problems:
        print("refusing to run:", *problems, sep="\n  ", file=sys.stderr)
        return 2
    if args.check:
        print(f"{len(MUTANTS)} mutants, each find-text found exactly once")
        return 0
    chosen = [m for m in MUTANTS if not args.only or args.only in f"{m.module} {m.description}"]
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="anshan-mutants-") as tmp:
        target = Path(tmp)
        repo = copy_repository(target)
        env = environment(target, repo)
        where = imported_from(repo, env)
        if where != (repo / "__init__.py").resolve():
            print(f"anshan_housing imported from {where}, not the copy {repo}", file=sys.stderr)
            return 2
        report = target / "report.xml"
        union = sorted({t for m in chosen for t in m.tests})
        code, failing = run_tests(repo, env, union, report)
        if code != 0:
            print("the unmutated tests do not pass:", *failing, sep="\n  ", file=sys.stderr)
            return 2
        print(f"anshan_housing imported from the copy ({where.parent}); unmutated: "
              f"{len(union)} test ids pass\n")  # fmt: skip
        print("| module | mutant | tests run | failing tests | caught? |")
        print("|---|---|---|---|---|")
        survivors = 0
        for m in chosen:
            path = repo / m.path
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace(m.find, m.replace, 1), encoding="utf-8")
            try:
                code, failing = run_tests(repo, env, m.tests, report)
            finally:
                path.write_text(original, encoding="utf-8")
            caught = code == 1 and bool(failing)
            survivors += not caught
            shown = ", ".join(short(f) for f in failing[:3])
            if len(failing) > 3:
                shown += f" (+{len(failing) - 3} more)"
            verdict = "yes" if caught else ("**NO**" if code in (0, 1) else f"**error {code}**")
            print(f"| {m.module} | {m.description} | {len(m.tests)} | {shown or '-'} | "
                  f"{verdict} |", flush=True)  # fmt: skip
    elapsed = time.perf_counter() - started
    print(f"\n{len(chosen) - survivors} of {len(chosen)} mutants caught in {elapsed:.0f} s")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
