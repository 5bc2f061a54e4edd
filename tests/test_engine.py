"""Engine: the simpy calendar, dt checks, shocks, hooks and the Dataset contract."""

from __future__ import annotations

import numpy as np
import pytest

from anshan_housing.model.engine import Shock, simulate, steps_per_month
from anshan_housing.model.errors import InputError
from anshan_housing.model.policy import LandDecision


@pytest.mark.parametrize("dt, k", [(1 / 12, 1), (1 / 24, 2), (1 / 48, 4), (1 / 120, 10)])
def test_steps_per_month(dt, k):
    assert steps_per_month(dt) == k


@pytest.mark.parametrize("dt", [0, -1 / 12, 0.3, 1 / 10, float("nan"), 1 / (12 * 100)])
def test_bad_dt_refused(dt):
    with pytest.raises(InputError, match="dt"):
        steps_per_month(dt)


def test_dataset_contract(baseline):
    assert set(baseline.dims) >= {"member", "time", "year", "area", "age"}
    assert baseline.sizes["time"] == 120 and baseline.sizes["year"] == 10
    assert str(baseline["time"].values[0])[:7] == "2016-01"
    for name, var in baseline.data_vars.items():
        assert var.attrs.get("units"), f"{name} has no units"
        assert var.attrs.get("long_name"), f"{name} has no long_name"
    assert baseline.attrs["model_version"]
    assert "param_tfr" in baseline.attrs


def test_yearly_flow_is_sum_of_months(baseline):
    monthly = baseline["births"].isel(member=0).sel(time=slice("2018-01", "2018-12")).sum("time")
    yearly = baseline["births_yearly"].isel(member=0).sel(year=2018)
    np.testing.assert_allclose(monthly.values, yearly.values, rtol=1e-12)


def test_shock_applies_from_its_month(run_values):
    base = simulate(run_values, end_year=2020, record_age=False)
    shocked = simulate(
        run_values,
        end_year=2020,
        record_age=False,
        shocks=[Shock("2019-07", "in_migration", "set", 0.0)],
    )
    before = slice("2016-01", "2019-06")
    np.testing.assert_array_equal(
        shocked["in_migration"].sel(time=before).values,
        base["in_migration"].sel(time=before).values,
    )
    assert float(shocked["in_migration"].sel(time="2019-07").sum()) == 0.0
    assert float(shocked["in_migration_yearly"].sel(year=2019).sum()) == pytest.approx(
        float(base["in_migration_yearly"].sel(year=2019).sum()) / 2
    )


def test_shock_in_first_month_precedes_first_step(run_values):
    shocked = simulate(
        run_values,
        end_year=2016,
        record_age=False,
        shocks=[Shock("2016-01", "in_migration", "scale", 2.0)],
    )
    base = simulate(run_values, end_year=2016, record_age=False)
    np.testing.assert_allclose(
        shocked["in_migration"].isel(time=0).values,
        2 * base["in_migration"].isel(time=0).values,
    )


@pytest.mark.parametrize(
    "shock, match",
    [
        (Shock("2019-13", "tfr", "set", 1.0), "month"),
        (Shock("2030-01", "tfr", "set", 1.0), "outside"),
        (Shock("2019-01", "nonsense", "set", 1.0), "unknown parameter"),
        (Shock("2019-01", "tfr", "double", 1.0), "allowed"),
    ],
)
def test_bad_shocks_refused(run_values, shock, match):
    with pytest.raises(InputError, match=match):
        simulate(run_values, shocks=[shock])


def test_policy_sees_last_year_every_january(run_values):
    seen = []

    def policy(observation):
        seen.append(observation)
        return None

    ds = simulate(run_values, policy=policy, record_age=False).isel(member=0)
    assert [o.year for o in seen] == list(range(2016, 2026))
    first = seen[0]
    assert first.sales_last_year == 0.0 and np.isinf(first.clearance_last_year)
    for o in seen[1:]:
        last = o.year - 1
        inventory = float(ds["residential_inventory_yearly"].sel(year=last))
        assert o.inventory[0] == pytest.approx(inventory, rel=1e-12)
        sold = float(ds["sales_yearly"].sel(year=last))
        assert o.sales_last_year[0] == pytest.approx(sold, rel=1e-12)
        assert o.clearance_last_year[0] == pytest.approx(12 * inventory / sold, rel=1e-12)
        land = float(ds["land_transacted_yearly"].sel(year=last))
        assert o.quota_last_year[0] == pytest.approx(land, rel=1e-12)
        assert not o.inventory.flags.writeable  # read-only: the policy cannot write back


def test_policy_decision_is_applied_from_its_year(run_values):
    def freeze_2018(observation):
        return LandDecision(np.zeros(1)) if observation.year >= 2018 else None

    base = simulate(run_values, record_age=False).isel(member=0)
    ds = simulate(run_values, policy=freeze_2018, record_age=False).isel(member=0)
    land = ds["land_transacted_yearly"]
    assert float(land.sel(year=slice(2018, 2025)).sum()) == 0.0
    np.testing.assert_array_equal(
        land.sel(year=2017).values, base["land_transacted_yearly"].sel(year=2017).values
    )
    assert float(base["land_transacted_yearly"].sel(year=2018)) > 0.0


@pytest.mark.parametrize(
    "decision, match",
    [
        (LandDecision(np.array([-1.0])), "finite and >= 0"),
        (LandDecision(np.array([np.nan])), "finite and >= 0"),
        (LandDecision(np.ones(3)), "shape"),
        (LandDecision(np.ones(1), fast=0.5), "0 or 1"),
    ],
)
def test_bad_land_decision_refused(run_values, decision, match):
    with pytest.raises(ValueError, match=match):
        simulate(run_values, policy=lambda observation: decision, end_year=2016)


def test_end_year_before_start_refused(run_values):
    with pytest.raises(InputError, match="2016 or later"):
        simulate(run_values, end_year=2015)


def test_record_age_off_drops_age_dim(run_values):
    ds = simulate(run_values, record_age=False, end_year=2016)
    assert "age" not in ds.dims and "population_by_age" not in ds


def test_yearly_only_record_matches_monthly_record(run_values):
    full = simulate(run_values, record_age=False)
    lean = simulate(run_values, record_age=False, monthly=())
    assert "time" not in lean.dims and "sales" not in lean
    for name in [
        "sales_area",
        "clearance_period",
        "price_yearly",
        "population_total",
        "births_yearly",
        "development_investment",
    ]:
        np.testing.assert_allclose(lean[name].values, full[name].values, rtol=1e-12)


def test_unknown_monthly_variable_refused(run_values):
    with pytest.raises(InputError, match="unknown variable"):
        simulate(run_values, monthly=["no_such_thing"])


def test_rk4_option_runs_and_converges(run_values):
    coarse = simulate(run_values, integrator="rk4", record_age=False)
    fine = simulate(run_values, integrator="rk4", dt=1 / 48, record_age=False)
    for name in [
        "sales_area",
        "average_price",
        "residential_inventory_yearly",
        "population_total",
        "clearance_period",
    ]:
        np.testing.assert_allclose(coarse[name].values, fine[name].values, rtol=0.005, err_msg=name)
    assert coarse.attrs["integrator"] == "rk4"


def test_unknown_integrator_refused(run_values):
    with pytest.raises(InputError, match="allowed: heun, euler, rk4"):
        simulate(run_values, integrator="leapfrog")
