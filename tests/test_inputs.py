"""Tests of model/inputs.py and model/data/inputs.toml."""

import numpy as np
import pytest

from anshan_housing.model.errors import InputError
from anshan_housing.model.inputs import DEFAULT_PATH, INPUTS, InputSeries, load_inputs, yearly_input

LAND_VALUES = "values = [39.26, 69.78, 60.15, 51.28]"


@pytest.fixture(scope="module")
def inputs():
    return load_inputs()


@pytest.fixture(scope="module")
def text():
    return DEFAULT_PATH.read_text(encoding="utf-8")


def write(tmp_path, content):
    path = tmp_path / "inputs.toml"
    path.write_text(content, encoding="utf-8")
    return path


def test_all_inputs_loaded(inputs):
    assert list(inputs) == list(INPUTS)
    for name, series in inputs.items():
        assert isinstance(series, InputSeries)
        assert series.name == name
        assert series.unit == INPUTS[name]["unit"]
        assert series.years.size == series.values.size
        assert series.source


def test_known_values(inputs):
    land = inputs["land_transacted"]
    assert land.unit == "hectare/year"
    assert land.years.tolist() == [2016, 2017, 2018, 2019]
    assert land.values[0] == pytest.approx(39.26)
    assert inputs["resettlement_cash"].values.sum() == 12_349
    assert inputs["resettlement_purchase"].values.tolist() == [8055, 13101, 3547, 615]
    assert inputs["provident_lending"].values.tolist() == [15.1, 14.76, 14.51, 14.99]
    assert inputs["provident_area_supported"].years.tolist() == [2017, 2018, 2019]
    assert inputs["urban_disposable_income"].values[-1] == 37_756


def test_resettlement_kinds_add_up_to_totals(inputs):
    kinds = sum(
        inputs[k].values
        for k in ("resettlement_cash", "resettlement_purchase", "resettlement_new_build")
    )
    np.testing.assert_array_equal(kinds, inputs["resettlement_total"].values)


def test_arrays_are_read_only(inputs):
    with pytest.raises(ValueError, match="read-only"):
        inputs["land_transacted"].values[0] = 1.0


def test_land_mean(inputs):
    land = inputs["land_transacted"]
    # (39.26 + 69.78 + 60.15 + 51.28) / 4 = 55.1175 ha, i.e. 55.1 ha to one decimal
    assert yearly_input(land, [2020])[0] == pytest.approx(55.1175, abs=1e-9)
    assert round(yearly_input(land, [2025])[0], 1) == 55.1


def test_yearly_input_inside_and_after(inputs):
    land = inputs["land_transacted"]
    np.testing.assert_allclose(
        yearly_input(land, [2016, 2017, 2018, 2019, 2020]),
        [39.26, 69.78, 60.15, 51.28, 55.1175],
    )
    assert yearly_input(land, [2021], after="last").tolist() == [51.28]
    assert yearly_input(land, [2021, 2022], after=0.0).tolist() == [0.0, 0.0]
    assert yearly_input(land, np.array([2018.0]))[0] == pytest.approx(60.15)
    assert yearly_input(land, 2017) == pytest.approx(69.78)
    assert yearly_input(land, np.arange(2016, 2026)).shape == (10,)


def test_mean_uses_2016_2019_only(inputs):
    income = inputs["urban_disposable_income"]
    assert income.years[0] == 2015
    assert yearly_input(income, [2020])[0] == pytest.approx(income.values[1:].mean())
    area = inputs["provident_area_supported"]
    assert yearly_input(area, [2020])[0] == pytest.approx((50 + 117 + 44.97) / 3)


def test_years_before_first_refused(inputs):
    with pytest.raises(
        InputError,
        match=r"'land_transacted': years: year 2015 is before the first year 2016",
    ):
        yearly_input(inputs["land_transacted"], [2015, 2016])


@pytest.mark.parametrize("after", ["median", True, float("nan"), None])
def test_bad_after(inputs, after):
    with pytest.raises(InputError, match="after: .* allowed: 'mean', 'last', or a number"):
        yearly_input(inputs["land_transacted"], [2020], after=after)


def test_non_integer_years(inputs):
    with pytest.raises(InputError, match="year 2016.5 is not an integer"):
        yearly_input(inputs["land_transacted"], [2016.5])


def test_negative_land(tmp_path, text):
    bad = text.replace(LAND_VALUES, "values = [-39.26, 69.78, 60.15, 51.28]")
    with pytest.raises(
        InputError,
        match=r"inputs\.toml: land_transacted\.values: value -39\.26 .*non-negative",
    ):
        load_inputs(write(tmp_path, bad))


def test_share_above_one_refused(tmp_path, text):
    shares = "values = [1.0, 1.0, 1.0, 1.0]"
    assert text.count(shares) == 1  # management_share_new
    bad = text.replace(shares, "values = [1.0, 1.2, 1.0, 1.0]")
    with pytest.raises(
        InputError,
        match=r"inputs\.toml: management_share_new\.values: share 1\.2 .*allowed: 0 to 1",
    ):
        load_inputs(write(tmp_path, bad))


def test_mismatched_lengths(tmp_path, text):
    bad = text.replace(LAND_VALUES, "values = [39.26, 69.78, 60.15]")
    with pytest.raises(
        InputError, match=r"inputs\.toml: land_transacted\.values: 3 values .* for 4 years"
    ):
        load_inputs(write(tmp_path, bad))


def test_non_numeric_value(tmp_path, text):
    bad = text.replace(LAND_VALUES, 'values = [39.26, "69.78", 60.15, 51.28]')
    with pytest.raises(
        InputError, match=r"land_transacted\.values: value '69\.78' is not a number"
    ):
        load_inputs(write(tmp_path, bad))


def test_unknown_input(tmp_path, text):
    bad = (
        text
        + '\n[land_sold]\nunit = "hectare/year"\n'
        + 'years = [2016]\nvalues = [1]\nsource = "x"\n'
    )
    with pytest.raises(
        InputError,
        match=r"inputs\.toml: land_sold: unknown input 'land_sold'; allowed: 'land_transac",
    ):
        load_inputs(write(tmp_path, bad))


def test_unknown_key(tmp_path, text):
    bad = text.replace(LAND_VALUES, LAND_VALUES + '\nnote = "x"')
    with pytest.raises(
        InputError,
        match=r"inputs\.toml: land_transacted\.note: unknown key 'note'; allowed keys: 'un",
    ):
        load_inputs(write(tmp_path, bad))


def test_missing_key(tmp_path, text):
    bad = text.replace(LAND_VALUES + "\n", "", 1)
    with pytest.raises(InputError, match=r"land_transacted: missing key\(s\) 'values'"):
        load_inputs(write(tmp_path, bad))


def test_missing_input(tmp_path, text):
    start = text.index("[land_transacted_city_proper]")
    end = text.index("[land_planned]")
    with pytest.raises(InputError, match=r"land_transacted_city_proper: missing input"):
        load_inputs(write(tmp_path, text[:start] + text[end:]))


def test_bad_unit(tmp_path, text):
    bad = text.replace('unit = "hectare/year"', 'unit = "ha"', 1)
    with pytest.raises(
        InputError,
        match=r"land_transacted\.unit: unit 'ha' is not allowed; allowed: 'hectare/year'",
    ):
        load_inputs(write(tmp_path, bad))


def test_non_consecutive_years(tmp_path, text):
    bad = text.replace("years = [2016, 2017, 2018, 2019]", "years = [2016, 2017, 2019, 2018]", 1)
    with pytest.raises(InputError, match=r"land_transacted\.years: .* consecutive years"):
        load_inputs(write(tmp_path, bad))


def test_bad_toml_and_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"inputs\.toml: file: not valid TOML"):
        load_inputs(write(tmp_path, "[land_transacted\n"))
    with pytest.raises(InputError, match=r"none\.toml: file: no such file"):
        load_inputs(tmp_path / "none.toml")
