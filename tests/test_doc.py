"""Model documentation: metadata of every variable, the doc tables and the doc command."""

from __future__ import annotations

import dataclasses
import importlib
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from anshan_housing.cli import main
from anshan_housing.model import doc, system
from anshan_housing.model.doc import check_metadata, model_doc, resolve_equation
from anshan_housing.model.indicators import INDICATORS
from anshan_housing.model.variables import Variable

MODEL_DOC = Path(__file__).resolve().parent.parent / "docs" / "MODEL.md"
ALL_VARIABLES = (*system.VARIABLES, *INDICATORS, *doc.input_variables())
# a variable's row: | `name` | `units` | ... (parameter rows have no code span for the value)
ROW = re.compile(r"^\| `([^`]+)` \| `([^`]+)` \|(.*)$", re.MULTILINE)


@pytest.fixture(scope="module")
def text():
    return model_doc()


@pytest.fixture(scope="module")
def rows(text):
    """Name -> list of (units, rest of the row) of every variable row of the doc."""
    found: dict[str, list[tuple[str, str]]] = {}
    for name, units, rest in ROW.findall(text):
        found.setdefault(name, []).append((units, rest))
    return found


@pytest.fixture
def runner():
    return CliRunner()


@pytest.mark.parametrize("var", ALL_VARIABLES, ids=lambda v: v.name)
def test_every_variable_has_units_meaning_source_and_equation(var):
    for field in ("units", "long_name", "source", "equation"):
        assert getattr(var, field).strip(), f"{var.name}: empty {field}"
    module, _, function = var.equation.rpartition(".")
    assert callable(getattr(importlib.import_module(f"anshan_housing.{module}"), function, None)), (
        var.equation
    )


def test_indicators_are_kind_indicator_with_their_dims():
    assert {var.kind for var in INDICATORS} == {"indicator"}
    assert all(var.dims[0] in ("year", "time") and not var.yearly for var in INDICATORS)


def test_check_metadata_accepts_the_model():
    check_metadata(system.VARIABLES)
    check_metadata(INDICATORS)
    check_metadata(doc.input_variables())


@pytest.mark.parametrize("field", ["units", "long_name", "source", "equation"])
def test_check_metadata_refuses_an_empty_field(field):
    good = system.VARIABLES[0]
    bad = dataclasses.replace(good, **{field: " "})
    with pytest.raises(ValueError, match=f"^{good.name}: empty {field}"):
        check_metadata([*system.VARIABLES[1:], bad])


def test_check_metadata_refuses_a_variable_without_unit():
    bad = Variable("stray", "", "a stray variable", "flow", "none", equation="model.supply.starts")
    with pytest.raises(ValueError, match="^stray: empty units"):
        check_metadata([bad])


@pytest.mark.parametrize(
    "equation, problem",
    [
        ("model.supply.no_such", "model.supply has no function 'no_such'"),
        ("model.nowhere.starts", "no module 'model.nowhere'"),
        ("starts", "is not 'module.function'"),
        ("model.supply.WORKING_SEASON", "model.supply has no function 'WORKING_SEASON'"),
    ],
)
def test_check_metadata_refuses_an_equation_naming_no_function(equation, problem):
    bad = Variable("stray", "1", "a stray variable", "auxiliary", "none", equation=equation)
    with pytest.raises(ValueError, match=f"^stray: equation '{re.escape(equation)}'.*"
                       + re.escape(problem)):  # fmt: skip
        check_metadata([bad])


def test_check_metadata_refuses_a_name_twice():
    with pytest.raises(ValueError, match="^starts: declared twice"):
        check_metadata([*system.VARIABLES, next(v for v in system.VARIABLES if v.name == "starts")])


def test_resolve_equation_returns_the_function():
    from anshan_housing.model import supply

    assert resolve_equation("model.supply.starts") is supply.starts


def test_variable_refuses_an_unknown_yearly_rule():
    with pytest.raises(ValueError, match="x: yearly 'median' not in"):
        Variable("x", "1", "x", "auxiliary", "s", (), "median")


def test_doc_has_one_table_per_kind(text):
    for title in ("Stocks", "Flows", "Auxiliaries", "Indicators", "Inputs",
                  "Yearly aggregates", "Other Dataset variables", "Parameters"):  # fmt: skip
        assert f"\n## {title}\n\n| name |" in text or f"\n## {title}\n\nShipped" in text, title


def test_each_variable_row_gives_units_equation_and_source(rows):
    for var in ALL_VARIABLES:
        assert any(
            units == var.units and f"`{var.equation}`" in rest and var.source in rest
            for units, rest in rows[var.name]
        ), var.name


def test_yearly_aggregates_are_listed_with_their_rule(rows):
    yearly = [var for var in system.VARIABLES if var.yearly]
    assert yearly
    for var in yearly:
        ((units, rest),) = rows[f"{var.name}_yearly"]
        assert units == doc.yearly_units(var)
        assert rest.lstrip().startswith(f"{var.yearly}: ") and f"`{var.name}`" in rest


def test_doc_lists_every_parameter(text, table):
    for name, par in table.items():
        row = f"| `{name}` | {par.value:g} | `{par.unit}` | {par.lower:g} | {par.upper:g} |"
        assert row in text, name
        assert f"| {par.sector} |" in text.split(row, 1)[1].split("\n", 1)[0]


def test_every_dataset_variable_is_in_the_doc_with_its_units(baseline, rows):
    for name, array in baseline.data_vars.items():
        assert name in rows, f"{name} is not in the doc"
        assert array.attrs["units"] in [units for units, _ in rows[name]], name


def test_every_doc_variable_is_in_the_dataset(baseline, rows):
    documented = set(rows) - {"parameter_NAME"}
    assert sorted(documented - set(baseline.data_vars)) == []


def test_indicators_label_the_dataset_from_their_metadata(baseline):
    for var in INDICATORS:
        array = baseline[var.name]
        assert array.attrs == {"units": var.units, "long_name": var.long_name}, var.name
        assert array.dims == ("member", *var.dims), var.name


def test_no_indicator_shadows_a_recorded_variable():
    assert doc.shadowed_names() == []


def test_shipped_model_doc_is_up_to_date(text):
    assert MODEL_DOC.read_text(encoding="utf-8") == text, (
        f"docs/MODEL.md is out of date; regenerate it with `{doc.DOC_COMMAND}`"
    )


def test_doc_command_prints_the_tables(runner, text):
    result = runner.invoke(main, ["doc"])
    assert result.exit_code == 0, result.output
    assert result.output == text
    assert "| `starts` | `1e4 m**2/month` |" in result.output


def test_doc_command_writes_the_file(runner, tmp_path, text):
    out = tmp_path / "MODEL.md"
    result = runner.invoke(main, ["doc", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == text
    assert [p.name for p in tmp_path.iterdir()] == ["MODEL.md"]  # no temporary left


def test_doc_command_refuses_an_existing_file_without_force(runner, tmp_path, text):
    out = tmp_path / "MODEL.md"
    out.write_text("keep me", encoding="utf-8")
    result = runner.invoke(main, ["doc", "--out", str(out)])
    assert result.exit_code == 2
    assert f"option --out: {out}: exists; add --force" in result.output
    assert out.read_text(encoding="utf-8") == "keep me"
    result = runner.invoke(main, ["doc", "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == text


def test_doc_command_refuses_a_missing_folder(runner, tmp_path):
    out = tmp_path / "nowhere" / "MODEL.md"
    result = runner.invoke(main, ["doc", "--out", str(out)])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_readme_python_examples_run():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks, "README shows no Python example"
    for block in blocks:
        namespace: dict = {}
        exec(compile(block, "README.md", "exec"), namespace)  # noqa: S102
        if "ds" in namespace:  # the policy example: a freeze empties the inventory
            assert namespace["ds"]["clearance_period"].sel(year=2025).item() < 6.0
