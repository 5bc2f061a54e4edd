"""Parameter file: loading, validation, overrides and member arrays."""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.model.errors import InputError
from anshan_housing.model.parameters import (
    REQUIRED_FIELDS,
    check_values,
    ensemble_size,
    load_parameters,
    member_arrays,
    resolve_values,
)


def test_every_parameter_has_unit_range_and_source(table):
    assert len(table) >= 13
    for par in table.values():
        assert par.unit and par.source and par.meaning
        assert par.lower <= par.value <= par.upper


GOOD = """
[tfr]
value = 0.85
unit = "1"
lower = 0.6
upper = 1.3
meaning = "total fertility"
source = "assumption"
"""


@pytest.mark.parametrize(
    "text, match",
    [
        (
            GOOD.replace("value = 0.85", "value = 2.0"),
            r"tfr\.value: 2 is outside its range \[0.6, 1.3\]",
        ),
        (
            GOOD.replace("value = 0.85", 'value = "high"'),
            r"tfr\.value: must be a finite number",
        ),
        (GOOD.replace('unit = "1"\n', ""), r"tfr\.unit: missing"),
        (GOOD + 'colour = "red"\n', r"tfr\.colour: unknown field"),
        (
            GOOD.replace("lower = 0.6", "lower = 1.5")
            .replace("upper = 1.3", "upper = 1.4")
            .replace("value = 0.85", "value = 1.45"),
            r"lower 1.5 is above upper 1.4",
        ),
        (GOOD.replace("[tfr]", "[tfr"), r"not valid TOML"),
        (GOOD + "uncertain = 3\n", r"tfr\.uncertain: must be true or false"),
        ("", r"holds no parameters"),
        ("tfr = 3\n", r"tfr: must be a table"),
        (
            GOOD.replace('source = "assumption"', 'source = ""'),
            r"tfr\.source: must be a non-empty",
        ),
    ],
)
def test_bad_parameter_files_refused(tmp_path, text, match):
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as err:
        load_parameters(path)
    assert str(path) in str(err.value)


def test_missing_file_refused(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_parameters(tmp_path / "absent.toml")


def test_required_fields_are_the_documented_ones():
    assert REQUIRED_FIELDS == ("value", "unit", "lower", "upper", "meaning", "source")


@pytest.mark.parametrize(
    "values, match",
    [
        ({"tfrr": 1.0}, "unknown parameter"),
        ({"tfr": 5.0}, "outside its range"),
        ({"tfr": "x"}, "must be a number"),
        ({"tfr": float("nan")}, "finite"),
        ({"tfr": [0.7, 9.0]}, "9 is outside"),
        ({"tfr": True}, "must be a number"),
    ],
)
def test_bad_overrides_refused(table, values, match):
    with pytest.raises(InputError, match=match):
        check_values(table, values, "overrides.toml")


def test_resolve_and_member_arrays(table):
    values = resolve_values(table, ("a", {"tfr": 0.9}), ("b", {"tfr": [0.7, 0.8, 1.0]}))
    assert ensemble_size(values) == 3
    arrays = member_arrays(values)
    assert arrays["tfr"].tolist() == [0.7, 0.8, 1.0]
    assert arrays["population_2015"].shape == (3,)
    assert np.all(arrays["population_2015"] == table["population_2015"].value)


def test_mismatched_member_arrays_refused(table):
    with pytest.raises(InputError, match="one value per ensemble member"):
        resolve_values(table, ("a", {"tfr": [0.7, 0.8], "mortality_scale": [1, 1, 1]}))
    values = resolve_values(
        table, ("a", {"tfr": [0.7, 0.8]}), ("b", {"mortality_scale": [1, 1, 1]})
    )
    with pytest.raises(ValueError, match="different lengths"):
        ensemble_size(values)
