"""Command line: output of run and params, and bad input with exit status 2."""

from __future__ import annotations

import pytest
import xarray as xr
from click.testing import CliRunner

from anshan_housing.cli import main

BAD_PARAMETER_FILES = {
    "unknown name": ("[values]\ntfrr = 1.0\n", "tfrr: unknown parameter"),
    "out of bounds": ("[values]\ntfr = 3.0\n", "tfr: 3 is outside its range [0.6, 1.3]"),
    "wrong type": ('[values]\ntfr = "high"\n', "tfr: must be a number"),
    "bad toml": ("[values\ntfr = 1\n", "not valid TOML"),
    "unknown table": ("[values]\ntfr = 1.0\n[extra]\na = 1\n", "extra: unknown table"),
    "missing field": (
        '[tfr]\nvalue = 0.8\nunit = "1"\nlower = 0.6\nupper = 1.3\nmeaning = "m"\n',
        "tfr.source: missing",
    ),
    "full table missing parameters": (
        '[tfr]\nvalue = 0.8\nunit = "1"\nlower = 0.6\nupper = 1.3\nmeaning = "m"\nsource = "s"\n',
        "missing (a full parameter table names every parameter)",
    ),
}


@pytest.fixture
def runner():
    return CliRunner()


def test_run_prints_yearly_summary(runner):
    result = runner.invoke(main, ["run", "--end-year", "2019"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[:3] == ["year", "pop.", "urban"]
    assert "sales" in lines[0] and "clearance" in lines[0] and "(yuan/m²)" in lines[1]
    assert lines[-1].startswith("2019")
    assert 3.53 < float(lines[-1].split()[1]) < 3.58


def test_run_writes_netcdf_with_units(runner, tmp_path):
    out = tmp_path / "run.nc"
    result = runner.invoke(main, ["run", "--out", str(out), "--end-year", "2017"])
    assert result.exit_code == 0, result.output
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds["population_total"].attrs["units"] == "person"
        assert ds.sizes["time"] == 24
    assert [p.name for p in tmp_path.iterdir()] == ["run.nc"]  # no temporary left


def test_run_integrator_option_reaches_the_engine(runner, tmp_path):
    from anshan_housing.cli import INTEGRATOR_NAMES
    from anshan_housing.model.engine import INTEGRATORS

    assert INTEGRATOR_NAMES == INTEGRATORS
    sales = {}
    for name in INTEGRATORS:
        out = tmp_path / f"{name}.nc"
        args = ["run", "--integrator", name, "--end-year", "2019", "--out", str(out)]
        result = runner.invoke(main, args)
        assert result.exit_code == 0, result.output
        with xr.open_dataset(out, engine="h5netcdf") as ds:
            assert ds.attrs["integrator"] == name
            sales[name] = ds["sales_area"].values.copy()
    assert (sales["heun"] != sales["euler"]).all()
    assert abs(sales["heun"] - sales["rk4"]).max() < abs(sales["euler"] - sales["rk4"]).max()


def test_run_defaults_to_heun(runner, tmp_path):
    out = tmp_path / "run.nc"
    assert runner.invoke(main, ["run", "--end-year", "2016", "--out", str(out)]).exit_code == 0
    with xr.open_dataset(out, engine="h5netcdf") as ds:
        assert ds.attrs["integrator"] == "heun"


def test_params_prints_table(runner):
    result = runner.invoke(main, ["params"])
    assert result.exit_code == 0
    assert "tfr" in result.output and "POPULATION_SOURCES" in result.output


@pytest.mark.parametrize("case", sorted(BAD_PARAMETER_FILES))
@pytest.mark.parametrize("command", ["run", "params"])
def test_bad_parameter_file_gives_message_and_status_2(runner, tmp_path, case, command):
    text, message = BAD_PARAMETER_FILES[case]
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out.nc"
    args = [command, "--params", str(path)] + (["--out", str(out)] if command == "run" else [])
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output
    assert str(path) in result.output
    assert not out.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "--dt", "0.3"], "does not divide a month"),
        (["run", "--dt", "-1/12"], "must be a positive number"),
        (["run", "--dt", "abc"], "not a number or fraction"),
        (["run", "--end-year", "2015"], "2016 or later"),
    ],
)
def test_bad_options(runner, args, message):
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


def test_existing_output_needs_force(runner, tmp_path):
    out = tmp_path / "run.nc"
    out.write_text("keep me")
    result = runner.invoke(main, ["run", "--out", str(out), "--end-year", "2016"])
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_text() == "keep me"
    result = runner.invoke(main, ["run", "--out", str(out), "--end-year", "2016", "--force"])
    assert result.exit_code == 0


def test_output_in_missing_folder_refused(runner, tmp_path):
    result = runner.invoke(main, ["run", "--out", str(tmp_path / "no" / "run.nc")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_outputs_record_provenance_and_repeat_byte_identically(runner, tmp_path):
    paths = [tmp_path / "a.nc", tmp_path / "b.nc"]
    for path in paths:
        result = runner.invoke(main, ["run", "--out", str(path), "--end-year", "2018"])
        assert result.exit_code == 0, result.output
    with (
        xr.open_dataset(paths[0], engine="h5netcdf") as a,
        xr.open_dataset(paths[1], engine="h5netcdf") as b,
    ):
        for key in [
            "model_version",
            "parameter_file",
            "parameter_file_sha256",
            "parameter_table_sha256",
            "command",
            "dt_years",
            "integrator",
        ]:
            assert key in a.attrs, key
        assert "run --out" in a.attrs["command"]
        assert len(a.attrs["parameter_file_sha256"]) == 64
        assert set(a.data_vars) == set(b.data_vars)
        for name in a.data_vars:
            assert a[name].values.tobytes() == b[name].values.tobytes(), name
