"""Tests of calibration/observed.py and calibration/observed.csv."""

import csv

import numpy as np
import pytest

from anshan_housing.calibration.observed import (
    COLUMNS,
    DEFAULT_PATH,
    SERIES,
    load_observed,
    observed_years,
)
from anshan_housing.model.errors import InputError

HEADER = ",".join(COLUMNS)
GOOD_ROW = "sales_area,2017,339.9,1e4 m**2,商品房,全市商品房销售面积2017年为339.9万平方米"


@pytest.fixture(scope="module")
def ds():
    return load_observed()


def write(tmp_path, *lines):
    path = tmp_path / "observed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_known_values(ds):
    assert ds["sales_area"].sel(year=2017).item() == pytest.approx(339.9)
    assert ds["residential_inventory"].sel(year=2019).item() == pytest.approx(538.8)
    assert ds["average_price"].sel(year=2018).item() == pytest.approx(4912)
    assert ds["clearance_period"].sel(year=2016).item() == pytest.approx(32.1)
    assert ds["population_resident"].sel(year=2019).item() == pytest.approx(3_553_000)
    assert ds["net_migration"].sel(year=2019).item() == pytest.approx(-12_300)
    assert ds["new_housing_supply_mean_2016_2019"].sel(year=2019).item() == 202.87


def test_every_series_present_with_attrs(ds):
    assert set(ds.data_vars) == set(SERIES)
    for name, spec in SERIES.items():
        attrs = ds[name].attrs
        assert attrs["units"] == spec["unit"]
        assert attrs["scope"] == spec["scope"]
        assert attrs["long_name"] and attrs["source"]


def test_year_dimension_and_nan(ds):
    # the plan's 2015-2019 and the censuses of 2010 and 2020
    assert ds["year"].values.tolist() == [2010, 2015, 2016, 2017, 2018, 2019, 2020]
    assert np.issubdtype(ds["year"].dtype, np.integer)
    assert np.isnan(ds["sales_area"].sel(year=2015).item())


def test_presale_2015_is_derived_from_minus_11_2_percent(ds):
    assert ds["presale_permits"].sel(year=2015).item() == pytest.approx(
        305.73 / (1 - 0.112), abs=0.01
    )
    with DEFAULT_PATH.open(encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["series"] == "presale_permits"]
    derived = [r["year"] for r in rows if r["source"].startswith("[derived]")]
    assert derived == ["2015"]


def test_scopes_distinguish_buildings_and_housing(ds):
    assert ds["sales_area"].attrs["scope"] == "商品房"
    assert ds["presale_permits"].attrs["scope"] == "商品房"
    assert ds["residential_inventory"].attrs["scope"] == "商品住宅"
    assert ds["residential_sales"].attrs["scope"] == "商品住宅"


def test_population_parts_add_up(ds):
    urban = ds["population_urban"].sel(year=2019).item()
    rural = ds["population_rural"].sel(year=2019).item()
    total = ds["population_resident"].sel(year=2019).item()
    assert urban + rural == pytest.approx(total)
    assert 100 * urban / total == pytest.approx(
        ds["urbanisation_rate"].sel(year=2019).item(), abs=0.01
    )
    net = ds["net_migration"].sel(year=2019).item()
    assert net == pytest.approx(
        ds["in_migration"].sel(year=2019).item() - ds["out_migration"].sel(year=2019).item()
    )


def test_sales_value_over_area_matches_price_within_one_yuan(ds):
    years, area = observed_years(ds, "sales_area")
    _, value = observed_years(ds, "sales_value")
    _, price = observed_years(ds, "average_price")
    assert years.tolist() == [2016, 2017, 2018, 2019]
    # 亿元 / 万m² = 1e4 yuan/m²; the plan rounds prices to whole yuan
    np.testing.assert_allclose(value * 1e8 / (area * 1e4), price, atol=0.5)


def test_observed_years_drops_nan(ds):
    years, values = observed_years(ds, "completions")
    assert years.tolist() == [2019]
    assert values.tolist() == [197.5]
    assert years.dtype.kind == "i"


def test_observed_years_unknown_series(ds):
    with pytest.raises(InputError, match="unknown series 'sales'.*'sales_area'"):
        observed_years(ds, "sales")


def test_minimal_file_loads(tmp_path):
    ds = load_observed(write(tmp_path, HEADER, GOOD_ROW))
    assert list(ds.data_vars) == ["sales_area"]
    assert ds["year"].values.tolist() == [2017]


def test_source_with_quoted_comma(tmp_path):
    row = 'sales_area,2017,339.9,1e4 m**2,商品房,"a, b"'
    ds = load_observed(write(tmp_path, HEADER, row))
    assert ds["sales_area"].attrs["source"] == "2017: a, b"


def test_unknown_series(tmp_path):
    row = GOOD_ROW.replace("sales_area", "sales_areas")
    with pytest.raises(
        InputError,
        match=r"observed\.csv: line 2, column 'series'.*'sales_areas'.*allowed: 'sales_a",
    ):
        load_observed(write(tmp_path, HEADER, row))


def test_bad_unit(tmp_path):
    row = GOOD_ROW.replace("1e4 m**2", "m**2")
    with pytest.raises(
        InputError,
        match=r"observed\.csv: line 2, column 'unit'.*'m\*\*2'.*allowed: '1e4 m\*\*2'",
    ):
        load_observed(write(tmp_path, HEADER, row))


def test_bad_scope(tmp_path):
    row = GOOD_ROW.replace("商品房", "商品住宅")
    with pytest.raises(InputError, match=r"line 2, column 'scope'.*allowed: '商品房'"):
        load_observed(write(tmp_path, HEADER, row))


@pytest.mark.parametrize("bad", ["abc", "1 000", "nan", "inf", ""])
def test_non_numeric_value(tmp_path, bad):
    row = GOOD_ROW.replace("339.9", bad)
    with pytest.raises(
        InputError, match=r"observed\.csv: line 2, column 'value'.*not (a number|finite)"
    ):
        load_observed(write(tmp_path, HEADER, row))


@pytest.mark.parametrize("bad", ["2017.5", "1999", "2031", "x"])
def test_bad_year(tmp_path, bad):
    row = GOOD_ROW.replace("2017", bad, 1)
    with pytest.raises(InputError, match=r"line 2, column 'year'.*2010-2030"):
        load_observed(write(tmp_path, HEADER, row))


def test_duplicate_row(tmp_path):
    with pytest.raises(
        InputError,
        match=r"observed\.csv: line 3.*duplicate row for series 'sales_area' and year 2017 "
        r"\(first on line 2\)",
    ):
        load_observed(write(tmp_path, HEADER, GOOD_ROW, GOOD_ROW))


def test_missing_column(tmp_path):
    header = "series,year,value,scope,source"
    row = "sales_area,2017,339.9,商品房,x"
    with pytest.raises(InputError, match=r"observed\.csv: header: missing column\(s\) 'unit'"):
        load_observed(write(tmp_path, header, row))


def test_unexpected_column(tmp_path):
    with pytest.raises(InputError, match=r"header: unexpected column\(s\) 'note'"):
        load_observed(write(tmp_path, HEADER + ",note", GOOD_ROW + ",x"))


def test_wrong_field_count(tmp_path):
    with pytest.raises(InputError, match=r"line 2: the row has 7 fields; allowed: exactly 6"):
        load_observed(write(tmp_path, HEADER, GOOD_ROW + ",extra"))
    with pytest.raises(InputError, match=r"line 2: the row has 5 fields"):
        load_observed(write(tmp_path, HEADER, "sales_area,2017,339.9,1e4 m**2,商品房"))


def test_empty_source(tmp_path):
    row = "sales_area,2017,339.9,1e4 m**2,商品房,  "
    with pytest.raises(InputError, match=r"column 'source': the source is empty"):
        load_observed(write(tmp_path, HEADER, row))


def test_empty_file_and_no_rows(tmp_path):
    with pytest.raises(InputError, match="header: the file is empty"):
        load_observed(write(tmp_path, ""))
    with pytest.raises(InputError, match="no data rows"):
        load_observed(write(tmp_path, HEADER))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nope\.csv: file: no such file"):
        load_observed(tmp_path / "nope.csv")
