"""Bad input: every way a user can get input wrong ends the same way.

The contract (cli.py, README): one message that starts with ``error: `` and names the
file or option and the field, exit status 2, and no output file or folder left behind.
Each case of :data:`CASES` runs the command line in a fresh folder holding the case's
files; the folder is listed (names and bytes) before and after.

Click's own usage errors (a bad choice or type) end with exit status 2 and click's
``Error: Invalid value ...`` message; those cases are marked ``where=CLICK``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from anshan_housing import cli
from anshan_housing.calibration import default_run_values
from anshan_housing.calibration.observed import load_observed
from anshan_housing.model.engine import simulate
from anshan_housing.model.errors import InputError
from anshan_housing.model.io import save_netcdf
from anshan_housing.model.parameters import DEFAULT_PARAMETER_FILE

ROOT = os.geteuid() == 0
CLICK = "<click usage error>"  # ``where`` of the errors click reports itself
SAVED_RUN = "<a small saved run (NetCDF)>"  # file content: a real run file
READ_ONLY = "<a folder with mode 0o500>"  # file content: a folder nobody may write into

# An output folder the command cannot write into. chmod does not stop root (CI runs
# as root), so root gets a path under a regular file instead, which fails for root too.
if ROOT:
    BLOCKED = "blocked.txt"
    BLOCKED_FILES = {"blocked.txt": "a regular file, not a folder\n"}
    BLOCKED_PROBLEM = "folder blocked.txt does not exist"
else:
    BLOCKED = "blocked"
    BLOCKED_FILES = {"blocked": READ_ONLY}
    BLOCKED_PROBLEM = "folder blocked is not writable"


@dataclass(frozen=True)
class Case:
    """One way to get input wrong.

    Attributes
    ----------
    id : str
        Test id.
    args : tuple of str
        Command line after ``anshan-housing``.
    where : str
        The file or option the message must name right after ``error: ``.
    message : str
        Fragment of the message: the field and what is wrong.
    files : dict of str to str
        Files to create first (path relative to the folder: text content, or
        :data:`SAVED_RUN` / :data:`READ_ONLY`).
    bug : str, optional
        Reason of a known bug (the case is a strict xfail).
    """

    id: str
    args: tuple[str, ...]
    where: str
    message: str
    files: dict[str, str] = field(default_factory=dict)
    bug: str | None = None


def _table_block(text: str, name: str) -> tuple[int, int]:
    """Start and end of the ``[name]`` table in a parameter file."""
    start = text.index(f"\n[{name}]\n") + 1
    following = re.search(r"^\[", text[start + 1 :], flags=re.MULTILINE)
    return start, (start + 1 + following.start()) if following else len(text)


def _edit_table(text: str, name: str, edit) -> str:
    start, end = _table_block(text, name)
    return text[:start] + edit(text[start:end]) + text[end:]


FULL = DEFAULT_PARAMETER_FILE.read_text(encoding="utf-8")  # a whole parameter table
FULL_NO_SOURCE = _edit_table(FULL, "tfr", lambda t: re.sub(r"^source = .*\n", "", t, flags=re.M))
FULL_BAD_VALUE = _edit_table(FULL, "tfr", lambda t: t.replace("value = 0.85", "value = 2.85"))
FULL_TEXT_VALUE = _edit_table(FULL, "tfr", lambda t: t.replace("value = 0.85", 'value = "0.85"'))
FULL_EXTRA_FIELD = _edit_table(FULL, "tfr", lambda t: t.replace("\nunit", "\ncolour = 1\nunit", 1))
FULL_NO_TFR = _edit_table(FULL, "tfr", lambda t: "")
TFR_PRIOR = 'prior = { dist = "normal", mean = 0.85, sd = 0.12 }'
FULL_UNKNOWN_PRIOR = _edit_table(
    FULL, "tfr", lambda t: t.replace(TFR_PRIOR, 'prior = { dist = "gamma", shape = 2.0 }')
)
FULL_NEGATIVE_SD = _edit_table(
    FULL, "tfr", lambda t: t.replace(TFR_PRIOR, TFR_PRIOR.replace("sd = 0.12", "sd = -0.12"))
)
FULL_NO_PRIOR = _edit_table(FULL, "tfr", lambda t: re.sub(r"^prior.*\n", "", t, flags=re.M))
assert TFR_PRIOR in FULL and "gamma" in FULL_UNKNOWN_PRIOR and "sd = -0.12" in FULL_NEGATIVE_SD
assert "value = 2.85" in FULL_BAD_VALUE and FULL_NO_SOURCE.count("source =") < FULL.count(
    "source ="
)
FULL_EXTRA_TABLE = (
    FULL + '\n[nonsense]\nvalue = 1.0\nunit = "1"\nlower = 0.0\nupper = 2.0\n'
    'meaning = "m"\nsource = "s"\n'
)

SCENARIO = 'name = "bad"\ndescription = "a scenario with a mistake"\n'
FREEZE = SCENARIO + '[policy]\nkind = "freeze"\n'


def shock(date='"2023-01"', parameter='"upgrade_rate"', operation='"scale"', value="0.8"):
    lines = [f"date = {date}", f"parameter = {parameter}", f"operation = {operation}"]
    lines += [f"value = {value}"] if value is not None else []
    return FREEZE + "[[shocks]]\n" + "\n".join(lines) + "\n"


FREE = '[free]\nnames = ["upgrade_rate"]\n'
SERIES = '[[series]]\nmodel = "sales_area"\nobserved = "sales_area"\nweight = 1.0\nreason = "r"\n'


def series(**fields):
    entry = {"model": '"sales_area"', "observed": '"sales_area"', "weight": "1.0",
             "reason": '"r"'} | fields  # fmt: skip
    return FREE + "[[series]]\n" + "".join(f"{k} = {v}\n" for k, v in entry.items() if v)


RUN = ("run", "--end-year", "2016", "--out", "run.nc")
COMPARE = ("compare", "s.toml", "--out", "res")
REPORT = ("calibrate", "--report", "--setup", "c.toml")
FIT = ("calibrate", "--maxiter", "1", "--popsize", "2")
SWEEP = ("sweep", "--method", "lhs", "--samples", "2", "--out", "sw")
OPTIMISE = ("optimise", "--maxiter", "1", "--popsize", "2")

CASES = [
    # ------------------------------------------------ parameter file (--params)
    Case("params-unknown-name", (*RUN, "--params", "p.toml"), "p.toml",
         "tfrr: unknown parameter", {"p.toml": "[values]\ntfrr = 1.0\n"}),
    Case("params-out-of-bounds", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: 3 is outside its range [0.6, 1.3]", {"p.toml": "[values]\ntfr = 3.0\n"}),
    Case("params-wrong-type", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: must be a number, got 'high'", {"p.toml": '[values]\ntfr = "high"\n'}),
    Case("params-boolean", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: must be a number, got True", {"p.toml": "[values]\ntfr = true\n"}),
    Case("params-nan", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: must be finite", {"p.toml": "[values]\ntfr = nan\n"}),
    Case("params-table-as-value", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: must be a number", {"p.toml": "[values]\ntfr = {a = 1}\n"}),
    Case("params-bad-toml", (*RUN, "--params", "p.toml"), "p.toml",
         "(syntax): not valid TOML", {"p.toml": "[values\ntfr = 1\n"}),
    Case("params-unknown-table", (*RUN, "--params", "p.toml"), "p.toml",
         "extra: unknown table; allowed: values, meta, fit, statistics, uncertainty",
         {"p.toml": "[values]\ntfr = 1.0\n[extra]\na = 1\n"}),
    Case("params-values-not-a-table", (*RUN, "--params", "p.toml"), "p.toml",
         "values: must be a table of name = number", {"p.toml": "values = 3\n"}),
    Case("params-missing-file", (*RUN, "--params", "none.toml"), "none.toml",
         "(file): no such file"),
    Case("params-full-table-missing-field", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.source: missing (every parameter needs it)", {"p.toml": FULL_NO_SOURCE}),
    Case("params-full-table-missing-parameter", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr: missing (a full parameter table names every parameter)",
         {"p.toml": FULL_NO_TFR}),
    Case("params-unknown-prior-distribution", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.prior.dist: 'gamma' is not a distribution; allowed: normal, lognormal, beta",
         {"p.toml": FULL_UNKNOWN_PRIOR}),
    Case("params-negative-prior-sd", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.prior.sd: must be above 0, got -0.12", {"p.toml": FULL_NEGATIVE_SD}),
    Case("params-uncertain-without-prior", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.prior: missing (every uncertain parameter needs one)", {"p.toml": FULL_NO_PRIOR}),
    Case("params-full-table-unknown-parameter", (*RUN, "--params", "p.toml"), "p.toml",
         "nonsense: unknown parameter", {"p.toml": FULL_EXTRA_TABLE}),
    Case("params-full-table-value-out-of-range", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.value: 2.85 is outside its range [0.6, 1.3]", {"p.toml": FULL_BAD_VALUE}),
    Case("params-full-table-text-value", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.value: must be a finite number, got '0.85'", {"p.toml": FULL_TEXT_VALUE}),
    Case("params-full-table-unknown-field", (*RUN, "--params", "p.toml"), "p.toml",
         "tfr.colour: unknown field", {"p.toml": FULL_EXTRA_FIELD}),
    Case("params-in-compare", (*COMPARE, "--params", "p.toml"), "p.toml",
         "tfrr: unknown parameter", {"p.toml": "[values]\ntfrr = 1.0\n", "s.toml": FREEZE}),
    Case("params-in-sweep", (*SWEEP, "--params", "p.toml"), "p.toml",
         "tfr: 3 is outside its range", {"p.toml": "[values]\ntfr = 3.0\n"}),
    Case("params-in-optimise", (*OPTIMISE, "--params", "p.toml"), "p.toml",
         "(syntax): not valid TOML", {"p.toml": "[values\n"}),
    Case("params-in-calibrate", (*FIT, "--params", "p.toml", "--out", "cal.toml"), "p.toml",
         "tfrr: unknown parameter", {"p.toml": "[values]\ntfrr = 1.0\n"}),
    Case("params-empty-member-list", (*RUN, "--params", "p.toml"), "p.toml", "tfr",
         {"p.toml": "[values]\ntfr = []\n"}),
    Case("params-member-lists-of-different-lengths", (*RUN, "--params", "p.toml"), "p.toml",
         "member", {"p.toml": "[values]\ntfr = [0.8, 0.9]\nmortality_scale = [0.6, 0.7, 0.8]\n"}),
    # ------------------------------------------------ scenario files
    Case("scenario-unknown-policy", COMPARE, "s.toml",
         "policy.kind: 'magic' is not a policy; allowed: plan-table2, five-category",
         {"s.toml": SCENARIO + '[policy]\nkind = "magic"\n'}),
    Case("scenario-negative-land", COMPARE, "s.toml",
         "policy.land[1]: -5 is outside [0, 5000] hectare",
         {"s.toml": SCENARIO + '[policy]\nkind = "path"\nland = [10.0, -5.0, 10.0, 10.0, 10.0]\n'}),
    Case("scenario-land-path-too-short", COMPARE, "s.toml",
         "policy.land: must list 5 yearly quotas (ha) for 2021-2025",
         {"s.toml": SCENARIO + '[policy]\nkind = "path"\nland = [10.0, 10.0]\n'}),
    Case("scenario-land-for-another-policy", COMPARE, "s.toml",
         "policy.land: only a 'path' policy takes yearly land quotas",
         {"s.toml": FREEZE + "land = [1.0, 1.0, 1.0, 1.0, 1.0]\n"}),
    Case("scenario-missing-description", COMPARE, "s.toml",
         "description: missing (every scenario needs it)",
         {"s.toml": 'name = "bad"\n[policy]\nkind = "freeze"\n'}),
    Case("scenario-missing-policy", COMPARE, "s.toml", "policy: missing",
         {"s.toml": SCENARIO}),
    Case("scenario-policy-not-a-table", COMPARE, "s.toml", "policy: must be a table, got str",
         {"s.toml": SCENARIO + 'policy = "freeze"\n'}),
    Case("scenario-bad-toml", COMPARE, "s.toml", "(syntax): not valid TOML",
         {"s.toml": SCENARIO + '[policy\nkind = "freeze"\n'}),
    Case("scenario-unknown-top-key", COMPARE, "s.toml",
         "colour: unknown key; allowed: name, description, policy",
         {"s.toml": 'colour = "red"\n' + FREEZE}),
    Case("scenario-unknown-policy-setting", COMPARE, "s.toml",
         "policy.reduce: unknown key; allowed: floor, increase_step, kind",
         {"s.toml": SCENARIO + '[policy]\nkind = "five-category"\nreduce = 0.2\n'}),
    Case("scenario-policy-setting-wrong-type", COMPARE, "s.toml",
         "policy.reduce_step: must be a number, got 'big'",
         {"s.toml": SCENARIO + '[policy]\nkind = "five-category"\nreduce_step = "big"\n'}),
    Case("scenario-policy-setting-out-of-range", COMPARE, "s.toml",
         "policy.gain: 20 is outside [0, 10]",
         {"s.toml": SCENARIO + '[policy]\nkind = "clearance-target"\ngain = 20.0\n'}),
    Case("scenario-start-year", COMPARE, "s.toml",
         "policy.start_year: must be a year 2017-2025, got 2030",
         {"s.toml": FREEZE + "start_year = 2030\n"}),
    Case("scenario-unknown-parameter-override", COMPARE, "s.toml",
         "overrides.nonsense: unknown parameter",
         {"s.toml": FREEZE + "[overrides]\nnonsense = 1.0\n"}),
    Case("scenario-override-out-of-range", COMPARE, "s.toml",
         "overrides.tfr: 9 is outside its range [0.6, 1.3]",
         {"s.toml": FREEZE + "[overrides]\ntfr = 9.0\n"}),
    Case("scenario-override-list", COMPARE, "s.toml", "overrides: values must be single numbers",
         {"s.toml": FREEZE + "[overrides]\ntfr = [0.8, 0.9]\n"}),
    Case("scenario-shock-month-13", COMPARE, "s.toml",
         "shocks[0].date: 2023-13 is outside 2016-01..2025-12",
         {"s.toml": shock(date='"2023-13"')}),
    Case("scenario-shock-date-not-a-date", COMPARE, "s.toml",
         "shocks[0].date: 'soon' is not YYYY-MM", {"s.toml": shock(date='"soon"')}),
    Case("scenario-shock-toml-date", COMPARE, "s.toml",
         "shocks[0].date: datetime.date(2023, 1, 1) is not YYYY-MM",
         {"s.toml": shock(date="2023-01-01")}),
    Case("scenario-shock-after-2025", COMPARE, "s.toml",
         "shocks[0].date: 2030-01 is outside 2016-01..2025-12",
         {"s.toml": shock(date='"2030-01"')}),
    Case("scenario-shock-unknown-parameter", COMPARE, "s.toml",
         "shocks[0].parameter: 'nonsense' is not a parameter",
         {"s.toml": shock(parameter='"nonsense"')}),
    Case("scenario-shock-unknown-operation", COMPARE, "s.toml",
         "shocks[0].operation: 'double'; allowed: set, scale, add",
         {"s.toml": shock(operation='"double"')}),
    Case("scenario-shock-missing-value", COMPARE, "s.toml", "shocks[0].value: missing",
         {"s.toml": shock(value=None)}),
    Case("scenario-shock-negative-scale", COMPARE, "s.toml",
         "shocks[0].value: a scale factor must be >= 0, got -1",
         {"s.toml": shock(value="-1.0")}),
    Case("scenario-shock-set-out-of-range", COMPARE, "s.toml",
         "shocks[0].value: 9 is outside [0.6, 1.3]",
         {"s.toml": shock(parameter='"tfr"', operation='"set"', value="9.0")}),
    Case("scenario-unknown-variant", COMPARE, "s.toml",
         "variants[0].kind: 'free-houses'; allowed: talent-retention, purchase-subsidy",
         {"s.toml": FREEZE + '[[variants]]\nkind = "free-houses"\n'}),
    Case("scenario-variant-setting-out-of-range", COMPARE, "s.toml",
         "variants[0].subsidy: 5000 is outside [0, 1000] yuan/m**2",
         {"s.toml": FREEZE + '[[variants]]\nkind = "purchase-subsidy"\nsubsidy = 5000.0\n'}),
    Case("scenario-unknown-input", COMPARE, "s.toml",
         "inputs.wages: unknown key; allowed: in_migration, income_growth",
         {"s.toml": FREEZE + "[inputs]\nwages = 0.05\n"}),
    Case("scenario-input-out-of-range", COMPARE, "s.toml",
         "inputs.income_growth: 0.5 is outside [-0.1, 0.2]",
         {"s.toml": FREEZE + "[inputs]\nincome_growth = 0.5\n"}),
    Case("scenario-share-above-one", COMPARE, "s.toml",
         "standards.green_share: 1.2 is outside [0, 1] 1 (share of starts built to the green",
         {"s.toml": FREEZE + "[standards]\ngreen_share = 1.2\n"}),
    Case("scenario-share-in-path-above-one", COMPARE, "s.toml",
         "standards.prefab_share[4]: 1.5 is outside [0, 1]",
         {"s.toml": FREEZE + "[standards]\nprefab_share = [0.1, 0.2, 0.3, 0.4, 1.5]\n"}),
    Case("scenario-negative-renovation", COMPARE, "s.toml",
         "renovation.area: -10 is outside [0, 2000] 1e4 m**2/year",
         {"s.toml": FREEZE + "[renovation]\narea = -10.0\n"}),
    Case("scenario-renovation-path-too-short", COMPARE, "s.toml",
         "renovation.area: must list 5 yearly values for 2021-2025 or be one number",
         {"s.toml": FREEZE + "[renovation]\narea = [100.0, 100.0]\n"}),
    Case("scenario-unknown-standard", COMPARE, "s.toml",
         "standards.timber_share: unknown key; allowed: green_share, prefab_share",
         {"s.toml": FREEZE + "[standards]\ntimber_share = 0.1\n"}),
    Case("scenario-renovation-not-a-table", COMPARE, "s.toml",
         "renovation: must be a table, got float",
         {"s.toml": FREEZE.replace("[policy]", "renovation = 3.0\n[policy]")}),
    Case("compare-missing-posterior", ("compare", "freeze", "--posterior", "none.nc", "--out",
                                       "res"), "none.nc",
         "(file): no such file; write one with calibrate --bayes --out"),
    Case("compare-posterior-not-netcdf", ("compare", "freeze", "--posterior", "p.nc", "--out",
                                          "res"), "p.nc",
         "(file): not a posterior (ArviZ InferenceData)", {"p.nc": "not a NetCDF file\n"}),
    Case("compare-point-and-posterior", ("compare", "freeze", "--point", "--posterior", "p.nc",
                                         "--out", "res"), "option --point",
         "--posterior: choose one: the point run or draws"),
    Case("scenario-named-twice", ("compare", "plan-table2", "plan-table2", "--out", "res"),
         "arguments", "NAMES: a scenario is named twice"),
    Case("scenario-file-missing", ("compare", "none.toml", "--out", "res"), "none.toml",
         "(file): no such scenario file"),
    Case("scenario-shocks-not-a-list", COMPARE, "s.toml", "shocks",
         {"s.toml": "shocks = 3\n" + FREEZE}),
    Case("scenario-variants-not-a-list", COMPARE, "s.toml", "variants",
         {"s.toml": "variants = 3\n" + FREEZE}),
    Case("scenario-policy-kind-a-list", COMPARE, "s.toml", "policy.kind",
         {"s.toml": SCENARIO + '[policy]\nkind = ["freeze"]\n'}),
    Case("scenario-variant-kind-a-list", COMPARE, "s.toml", "variants[0].kind",
         {"s.toml": FREEZE + '[[variants]]\nkind = ["talent-retention"]\n'}),
    Case("scenario-shock-parameter-a-list", COMPARE, "s.toml", "shocks[0].parameter",
         {"s.toml": shock(parameter='["tfr"]')}),
    Case("scenario-migration-input-outside-parameter-range", ("compare", "s.toml"), "s.toml",
         "inputs.out_migration_rate: 0.04 is outside",
         {"s.toml": FREEZE + "[inputs]\nout_migration_rate = 0.04\n"}),
    # ------------------------------------------------ calibration set-up (calibrate --setup)
    Case("setup-unknown-table", REPORT, "c.toml", "extra: unknown table; allowed: free, series",
         {"c.toml": FREE + SERIES + "[extra]\na = 1\n"}),
    Case("setup-no-free-names", REPORT, "c.toml",
         "free.names: must be a non-empty list of parameter names",
         {"c.toml": "[free]\n" + SERIES}),
    Case("setup-unknown-free-parameter", REPORT, "c.toml",
         "free.names: nonsense: unknown parameter",
         {"c.toml": '[free]\nnames = ["nonsense"]\n' + SERIES}),
    Case("setup-free-parameter-twice", REPORT, "c.toml", "free.names: lists a parameter twice",
         {"c.toml": '[free]\nnames = ["tfr", "tfr"]\n' + SERIES}),
    Case("setup-series-missing-field", REPORT, "c.toml", "series[0].reason: missing",
         {"c.toml": series(reason=None)}),
    Case("setup-unknown-observed-series", REPORT, "c.toml",
         "series[0].observed: unknown series 'sales'", {"c.toml": series(observed='"sales"')}),
    Case("setup-negative-weight", REPORT, "c.toml",
         "series[0].weight: must be a positive number, got -1.0",
         {"c.toml": series(weight="-1.0")}),
    Case("setup-mape-bound-above-one", REPORT, "c.toml",
         "series[0].mape_bound: must be a fraction in (0, 1), got 2",
         {"c.toml": series(mape_bound="2")}),
    Case("setup-no-series", REPORT, "c.toml", "series: no fitted series", {"c.toml": FREE}),
    Case("setup-bad-toml", REPORT, "c.toml", "(syntax): not valid TOML",
         {"c.toml": FREE + "[[series\n"}),
    Case("setup-missing-file", (*FIT, "--setup", "none.toml", "--out", "cal.toml"), "none.toml",
         "(file): no such file"),
    Case("setup-bad-before-fitting", (*FIT, "--setup", "c.toml", "--out", "cal.toml"), "c.toml",
         "free.names: nonsense: unknown parameter",
         {"c.toml": '[free]\nnames = ["nonsense"]\n' + SERIES}),
    Case("setup-unknown-model-variable", REPORT, "c.toml", "series[0].model",
         {"c.toml": series(model='"nonsense"')}),
    Case("setup-free-not-a-table", REPORT, "c.toml", "free",
         {"c.toml": "free = 3\n" + SERIES}),
    Case("setup-series-not-tables", REPORT, "c.toml", "series[0]",
         {"c.toml": "series = [1]\n" + FREE}),
    Case("setup-observed-a-list", REPORT, "c.toml", "series[0].observed",
         {"c.toml": series(observed='["sales_area"]')}),
    # ------------------------------------------------ options: numbers, names
    Case("dt-not-dividing-a-month", ("run", "--dt", "0.3", "--end-year", "2016"),
         "option --dt", "dt: 0.3 year does not divide a month; use 1/12, 1/24, 1/48"),
    Case("dt-zero", ("run", "--dt", "0", "--end-year", "2016"), "option --dt",
         "dt: must be a positive number of years, got 0.0"),
    Case("dt-negative", ("run", "--dt", "-1/12", "--end-year", "2016"), "option --dt",
         "dt: must be a positive number of years"),
    Case("dt-not-a-number", ("run", "--dt", "abc", "--end-year", "2016"), "option --dt",
         "dt: 'abc' is not a number or fraction like 1/48"),
    Case("dt-divided-by-zero", ("run", "--dt", "1/0", "--end-year", "2016"), "option --dt",
         "dt: '1/0' is not a number or fraction like 1/48"),
    Case("dt-too-fine", ("run", "--dt", "1/1200", "--end-year", "2016"), "option --dt",
         "does not divide a month"),
    Case("unknown-integrator", ("run", "--integrator", "leapfrog", "--out", "run.nc"), CLICK,
         "Invalid value for '--integrator': 'leapfrog' is not one of 'heun', 'euler', 'rk4'"),
    Case("unknown-basis-run", ("run", "--basis", "mars", "--out", "run.nc"), CLICK,
         "Invalid value for '--basis': 'mars' is not one of 'plan', 'census'"),
    Case("unknown-basis-compare", ("compare", "--basis", "Census", "--out", "results"), CLICK,
         "Invalid value for '--basis': 'Census' is not one of 'plan', 'census'"),
    Case("end-year-2015", ("run", "--end-year", "2015", "--out", "run.nc"), "option --end-year",
         "end_year: must be 2016 or later, got 2015"),
    Case("end-year-not-a-number", ("run", "--end-year", "soon"), CLICK,
         "Invalid value for '--end-year'"),
    Case("unknown-scenario-compare", ("compare", "utopia", "--out", "res"), "scenario",
         "utopia: unknown scenario; shipped: clearance-target, downturn, five-category-demand"),
    Case("unknown-scenario-sweep", ("sweep", "--scenario", "utopia", "--samples", "2"),
         "scenario", "utopia: unknown scenario"),
    Case("unknown-scenario-optimise", (*OPTIMISE, "--scenario", "utopia"), "scenario",
         "utopia: unknown scenario"),
    Case("optimise-maxiter-zero", ("optimise", "--maxiter", "0"), CLICK,
         "Invalid value for '--maxiter'"),
    Case("calibrate-popsize-one", ("calibrate", "--popsize", "1"), CLICK,
         "Invalid value for '--popsize'"),
    Case("unknown-command", ("frobnicate",), CLICK, "No such command 'frobnicate'"),
    Case("seed-negative-sweep", (*SWEEP[:5], "--param", "tfr", "--seed", "-1"), CLICK,
         "Invalid value for '--seed'"),
    Case("seed-negative-calibrate", (*FIT, "--seed", "-1"), CLICK, "Invalid value for '--seed'"),
    Case("seed-negative-optimise", (*OPTIMISE, "--seed", "-1"), CLICK,
         "Invalid value for '--seed'"),
    # ------------------------------------------------ outputs
    Case("existing-output-run", RUN, "option --out", "run.nc: exists; add --force to overwrite",
         {"run.nc": "keep me"}),
    Case("existing-output-compare", ("compare", "--out", "res"), "option --out",
         "res: holds comparison.nc already; add --force", {"res/comparison.nc": "keep me"}),
    Case("existing-output-calibrate", (*FIT, "--out", "cal.toml"), "option --out",
         "cal.toml: exists; add --force to overwrite", {"cal.toml": "keep me"}),
    Case("existing-output-sweep", SWEEP, "option --out",
         "sw: holds sweep.nc already; add --force", {"sw/sweep.nc": "keep me"}),
    Case("existing-figures-run", ("run", "--end-year", "2016", "--plot", "figs"),
         "option --plot", "figs: holds figures already; add --force",
         {"figs/population.png": "keep me"}),
    Case("existing-figure-calibrate", ("calibrate", "--report", "--plot", "figs"),
         "option --plot", "figs: holds figures already; add --force",
         {"figs/fit.png": "keep me"}),
    Case("report-with-out", ("calibrate", "--report", "--out", "cal.toml"), "option --out",
         "cal.toml: --report fits nothing; drop --out"),
    Case("output-in-missing-folder", ("run", "--end-year", "2016", "--out", "no/run.nc"),
         "option --out", "no/run.nc: folder no does not exist"),
    Case("output-folder-in-missing-folder", ("compare", "--out", "no/res"), "option --out",
         "no/res: folder no does not exist"),
    Case("output-file-is-a-folder", ("run", "--end-year", "2016", "--out", "d"), CLICK,
         "Invalid value for '--out'", {"d/x.txt": "keep me"}),
    Case("output-folder-is-a-file", ("compare", "--out", "res"), CLICK,
         "Invalid value for '--out'", {"res": "keep me"}),
    Case("unwritable-output-run", ("run", "--end-year", "2016", "--out", f"{BLOCKED}/out.nc"),
         "option --out", f"{BLOCKED}/out.nc: {BLOCKED_PROBLEM}", BLOCKED_FILES),
    Case("unwritable-output-calibrate", (*FIT, "--out", f"{BLOCKED}/cal.toml"), "option --out",
         f"{BLOCKED}/cal.toml: {BLOCKED_PROBLEM}", BLOCKED_FILES),
    Case("unwritable-output-compare", ("compare", "historical", "--out", f"{BLOCKED}/res"),
         "option --out", f"{BLOCKED}/res: {BLOCKED_PROBLEM}", BLOCKED_FILES),
    Case("unwritable-output-sweep", (*SWEEP[:5], "--param", "tfr", "--out", f"{BLOCKED}/sw"),
         "option --out", f"{BLOCKED}/sw: {BLOCKED_PROBLEM}", BLOCKED_FILES),
    Case("unwritable-figures-run", ("run", "--end-year", "2016", "--plot", f"{BLOCKED}/figs"),
         "option --plot", f"{BLOCKED}/figs: {BLOCKED_PROBLEM}", BLOCKED_FILES),
    Case("unwritable-figures-plot", ("plot", "run.nc", "--var", "average_price", "--out",
                                     f"{BLOCKED}/figs"),
         "option --out", BLOCKED, {"run.nc": SAVED_RUN, **BLOCKED_FILES}),
    # ------------------------------------------------ sweep options
    Case("sweep-samples-zero", ("sweep", "--samples", "0", "--out", "sw"), "option --samples",
         "samples: must be a positive whole number, got 0"),
    Case("sweep-samples-negative", ("sweep", "--samples", "-3", "--out", "sw"),
         "option --samples", "samples: must be a positive whole number, got -3"),
    Case("sweep-unknown-method", ("sweep", "--method", "latin", "--samples", "2"), CLICK,
         "Invalid value for '--method': 'latin' is not one of 'posterior', 'lhs', 'sobol', "
         "'morris'"),
    Case("sweep-posterior-with-param", ("sweep", "--param", "tfr", "--out", "sw"),
         "option --method", "posterior: its draws fix the parameters; --param and --problem "
         "are for lhs, sobol, morris"),
    Case("sweep-posterior-file-with-box", (*SWEEP, "--posterior", "p.nc"), "option --posterior",
         "p.nc: only with --method posterior"),
    Case("sweep-posterior-missing", ("sweep", "--posterior", "none.nc", "--out", "sw"),
         "none.nc", "(file): no such file; write one with calibrate --bayes --out"),
    Case("sweep-samples-not-a-number", ("sweep", "--samples", "many"), CLICK,
         "Invalid value for '--samples'"),
    Case("sweep-chunk-zero", (*SWEEP, "--chunk", "0"), "option --chunk",
         "chunk: must be a positive whole number, got 0"),
    Case("sweep-unknown-param", (*SWEEP, "--param", "nonsense"), "option --param",
         "nonsense: unknown parameter"),
    Case("sweep-param-twice", (*SWEEP, "--param", "tfr", "--param", "tfr"), "option --param",
         "names: a parameter is named twice"),
    Case("sweep-problem-out-of-range", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "tfr.lower: 0.1 is outside [0.6, 1.3]", {"pr.toml": "[tfr]\nlower = 0.1\n"}),
    Case("sweep-problem-unknown-parameter", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "nonsense: unknown parameter", {"pr.toml": "[nonsense]\nlower = 0.1\n"}),
    Case("sweep-problem-bad-toml", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "(syntax): not valid TOML", {"pr.toml": "[tfr\n"}),
    Case("sweep-problem-empty", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "(file): names no parameter", {"pr.toml": ""}),
    Case("sweep-problem-not-a-table", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "tfr: must be a table (lower, upper, distribution)", {"pr.toml": "tfr = 0.8\n"}),
    Case("sweep-problem-distribution", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "tfr.distribution: 'normal'; allowed: uniform",
         {"pr.toml": '[tfr]\ndistribution = "normal"\n'}),
    Case("sweep-problem-lower-above-upper", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "tfr.lower: 1 is above upper 0.7", {"pr.toml": "[tfr]\nlower = 1.0\nupper = 0.7\n"}),
    Case("sweep-problem-unknown-key", (*SWEEP, "--problem", "pr.toml"), "pr.toml",
         "tfr.mean: unknown key; allowed: lower, upper, distribution",
         {"pr.toml": "[tfr]\nmean = 1.0\n"}),
    Case("sweep-problem-missing-file", (*SWEEP, "--problem", "none.toml"), "none.toml",
         "(file): no such file"),
    Case("sweep-problem-and-param", (*SWEEP, "--problem", "pr.toml", "--param", "tfr"),
         "option --problem", "pr.toml: give --problem or --param, not both",
         {"pr.toml": "[tfr]\n"}),
    Case("sweep-workers-zero", (*SWEEP, "--workers", "0"), "option --workers",
         "0: must be a positive number"),
    Case("sweep-workers-with-scheduler", (*SWEEP, "--workers", "2", "--scheduler", "tcp://x:1"),
         "option --workers", "2: must be a positive number, and not given with --scheduler"),
    Case("sweep-bad-scenario-file", (*SWEEP, "--scenario", "s.toml"), "s.toml",
         "policy.kind: 'magic' is not a policy",
         {"s.toml": SCENARIO + '[policy]\nkind = "magic"\n'}),
    # ------------------------------------------------ plot
    Case("plot-missing-file", ("plot", "missing.nc", "--out", "figs"), "missing.nc",
         "file: no such file"),
    Case("plot-not-netcdf", ("plot", "bad.nc", "--out", "figs"), "bad.nc",
         "file: cannot be read as NetCDF", {"bad.nc": "not a NetCDF file\n"}),
    Case("plot-unknown-variable", ("plot", "run.nc", "--var", "nonsense", "--out", "figs"),
         "run.nc", "nonsense: not in the file; variables:", {"run.nc": SAVED_RUN}),
    Case("plot-folder-as-file", ("plot", "d", "--out", "figs"), CLICK, "Invalid value for 'FILE'",
         {"d/x.txt": "keep me"}),
]  # fmt: skip


def _params():
    seen = set()
    for case in CASES:
        assert case.id not in seen, case.id
        seen.add(case.id)
        marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory) -> bytes:
    """Bytes of a small run file (2016 only), for the plot cases."""
    path = tmp_path_factory.mktemp("saved") / "run.nc"
    save_netcdf(simulate(default_run_values()[1], end_year=2016), path)
    return path.read_bytes()


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file and folder under ``folder``: relative path to bytes (None: a folder)."""
    return {
        str(path.relative_to(folder)): path.read_bytes() if path.is_file() else None
        for path in sorted(folder.rglob("*"))
    }


def make_files(folder: Path, files: dict[str, str], saved_run: bytes) -> list[Path]:
    """Create the case's files; return the read-only folders (to restore afterwards)."""
    read_only = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if content == SAVED_RUN:
            path.write_bytes(saved_run)
        elif content == READ_ONLY:
            path.mkdir()
            read_only.append(path)
        else:
            path.write_text(content, encoding="utf-8")
    for path in read_only:
        path.chmod(0o500)
    return read_only


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", list(_params()))
def test_bad_input_gives_one_message_status_2_and_no_output(case, tmp_path, monkeypatch, saved_run):
    read_only = make_files(tmp_path, case.files, saved_run)
    monkeypatch.chdir(tmp_path)
    before = snapshot(tmp_path)
    try:
        result = CliRunner().invoke(cli.main, list(case.args))
        after = snapshot(tmp_path)
    finally:
        for path in read_only:
            path.chmod(0o700)
    output = result.output
    assert result.exit_code == 2, (output, result.exception)
    errors = [line for line in output.splitlines() if line.lower().startswith("error:")]
    assert len(errors) == 1, output
    assert errors[0] in result.stderr
    if case.where == CLICK:
        assert errors[0].startswith("Error: ")
    else:
        assert output.startswith("error: "), output
        assert errors[0].startswith(f"error: {case.where}: "), errors[0]
    assert case.message in errors[0], errors[0]
    assert after == before, "the command left, changed or removed files"


# ---------------------------------------------------------------- observed data

# No command takes an observed-data file (calibrate always reads the shipped one), so
# the loader itself is checked: calibration.observed.load_observed(path).
HEADER = "series,year,value,unit,scope,source\n"
ROW = "sales_area,2017,339.9,1e4 m**2,商品房,plan text\n"


@dataclass(frozen=True)
class ObservedCase:
    """A bad observed-data CSV: content (text, or bytes as written), field and message."""

    id: str
    content: str | bytes | None  # None: the file does not exist
    field: str
    message: str
    bug: str | None = None


OBSERVED_CASES = [
    ObservedCase("missing-file", None, "file", "no such file"),
    ObservedCase("empty-file", "", "header", "the file is empty; required columns"),
    ObservedCase("header-only", HEADER, "rows", "the file has a header but no data rows"),
    ObservedCase("missing-column", "series,year,value,unit,scope\n", "header",
                 "missing column(s) 'source'"),
    ObservedCase("extra-column", HEADER.strip() + ",note\n", "header",
                 "unexpected column(s) 'note'"),
    ObservedCase("unknown-series", HEADER + ROW.replace("sales_area", "sales"),
                 "line 2, column 'series'", "unknown series 'sales'"),
    ObservedCase("year-not-a-number", HEADER + ROW.replace("2017", "20x7"),
                 "line 2, column 'year'", "year '20x7' is not a whole number"),
    ObservedCase("year-out-of-range", HEADER + ROW.replace("2017", "1999"),
                 "line 2, column 'year'", "year 1999 is outside the allowed range 2010-2030"),
    ObservedCase("value-with-thousands-separator", HEADER + ROW.replace("339.9", '"1,339.9"'),
                 "line 2, column 'value'", "value '1,339.9' is not a number"),
    ObservedCase("value-nan", HEADER + ROW.replace("339.9", "nan"), "line 2, column 'value'",
                 "value 'nan' is not finite"),
    ObservedCase("wrong-unit", HEADER + ROW.replace("1e4 m**2", "m**2"),
                 "line 2, column 'unit'", "unit 'm**2' for series 'sales_area' is not allowed"),
    ObservedCase("wrong-scope", HEADER + ROW.replace("商品房", "商品住宅"),
                 "line 2, column 'scope'", "scope '商品住宅' for series 'sales_area'"),
    ObservedCase("empty-source", HEADER + ROW.replace("plan text", " "),
                 "line 2, column 'source'", "the source is empty"),
    ObservedCase("duplicate-row", HEADER + ROW + ROW, "line 3, columns 'series' and 'year'",
                 "duplicate row for series 'sales_area' and year 2017 (first on line 2)"),
    ObservedCase("too-many-fields", HEADER + ROW.strip() + ",more\n", "line 2",
                 "the row has 7 fields; allowed: exactly 6"),
    ObservedCase("too-few-fields", HEADER + "sales_area,2017,339.9\n", "line 2",
                 "the row has 3 fields; allowed: exactly 6"),
    ObservedCase("not-utf8", (HEADER + ROW).encode("gb18030"), "file", "UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(c, id=c.id, marks=[pytest.mark.xfail(strict=True, reason=c.bug)] * bool(c.bug))
        for c in OBSERVED_CASES
    ],
)
def test_bad_observed_data_file_raises_input_error(case, tmp_path):
    path = tmp_path / "observed.csv"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif case.content is not None:
        path.write_text(case.content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_observed(path)
    error = caught.value
    assert error.source == str(path)
    assert error.field == case.field
    assert case.message in error.problem
    assert str(error).startswith(f"{path}: {case.field}: ")


def test_observed_data_path_that_is_a_folder_raises_input_error(tmp_path):
    with pytest.raises(InputError):
        load_observed(tmp_path)


# ---------------------------------------------------------------- read-only folders


def _read_only_folder(path: Path):
    """Make ``path`` a folder nobody can write into; return the undo, or skip."""
    path.mkdir()
    if not ROOT:
        path.chmod(0o500)
        return lambda: path.chmod(0o700)
    # root ignores the mode bits; the immutable attribute stops root too
    import subprocess

    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if done.returncode != 0 or _writable(path):
        pytest.skip("no way to make a folder read-only for root here (chattr +i)")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


def _writable(path: Path) -> bool:
    try:
        (path / ".probe").touch()
    except OSError:
        return False
    (path / ".probe").unlink()
    return True


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("compare", "historical", "--out", "ro"), id="compare-out"),
        pytest.param(
            ("sweep", "--method", "lhs", "--samples", "2", "--param", "tfr", "--out", "ro"),
            id="sweep-out",
        ),
        pytest.param(("run", "--end-year", "2016", "--plot", "ro"), id="run-plot"),
        pytest.param(("calibrate", "--report", "--plot", "ro"), id="calibrate-plot"),
    ],
)
def test_existing_read_only_output_folder_is_refused_up_front(args, tmp_path, monkeypatch):
    undo = _read_only_folder(tmp_path / "ro")
    monkeypatch.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli.main, list(args))
    finally:
        undo()
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.output.startswith("error: option --")
    assert "ro" in result.output.splitlines()[0]
