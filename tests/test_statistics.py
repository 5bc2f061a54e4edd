"""Tests of calibration/statistics.py: known answers, Theil's decomposition, refusals."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from anshan_housing.calibration.statistics import FitStatistics, fit_statistics, format_fit_table

A4 = np.array([1.0, 2.0, 3.0, 4.0])


def test_perfect_fit_has_no_error_and_no_decomposition():
    a = np.array([302.4, 339.9, 288.6, 242.7])
    stats = fit_statistics(a.copy(), a)
    assert stats.n == 4
    assert stats.mape == 0.0
    assert stats.rmspe == 0.0
    assert stats.mse == 0.0
    assert stats.r2 == pytest.approx(1.0)
    assert (stats.um, stats.us, stats.uc) == (0.0, 0.0, 0.0)
    assert not stats.single_point


def test_constant_bias_is_all_um():
    a = np.array([302.4, 339.9, 288.6, 242.7])
    stats = fit_statistics(a + 25.0, a)
    assert stats.mse == pytest.approx(625.0)
    assert stats.um == pytest.approx(1.0)
    assert stats.us == pytest.approx(0.0, abs=1e-12)
    assert stats.uc == pytest.approx(0.0, abs=1e-12)
    assert stats.r2 == pytest.approx(1.0)


@pytest.mark.parametrize("k", [0.5, 1.7, 3.0])
def test_scaled_about_the_mean_is_all_us(k):
    a = np.array([4129.0, 4380.0, 4912.0, 5128.0])
    s = a.mean() + k * (a - a.mean())
    stats = fit_statistics(s, a)
    assert stats.um == pytest.approx(0.0, abs=1e-12)
    assert stats.us == pytest.approx(1.0)
    assert stats.uc == pytest.approx(0.0, abs=1e-12)
    assert stats.r2 == pytest.approx(1.0)
    # MSE = (k - 1)² σ_A²
    assert stats.mse == pytest.approx((k - 1) ** 2 * a.var())


def test_mirrored_about_the_mean_splits_us_and_uc_by_hand():
    # S - mean = -2 (A - mean): σ_S = 2 σ_A, r = -1
    a = A4
    s = a.mean() - 2.0 * (a - a.mean())
    var_a = 1.25
    mse = 9 * var_a  # (k - 1)² σ_A², k = -2
    stats = fit_statistics(s, a)
    assert stats.mse == pytest.approx(mse)
    assert stats.us == pytest.approx(var_a / mse)  # (2σ - σ)² / MSE = 1/9
    assert stats.uc == pytest.approx(2 * 2 * 2 * var_a / mse)  # 2 (1 - (-1)) 2σ σ = 8/9
    assert stats.um == pytest.approx(0.0, abs=1e-12)


def test_same_mean_and_variance_permuted_is_all_uc_by_hand():
    # means 2.5, population variances 1.25 both; deviations of S (-0.5, -1.5, 1.5, 0.5),
    # of A (-1.5, -0.5, 0.5, 1.5): cov = 0.75, r = 0.6; errors (1, -1, 1, -1): MSE = 1
    s = np.array([2.0, 1.0, 4.0, 3.0])
    stats = fit_statistics(s, A4)
    assert stats.mse == pytest.approx(1.0)
    assert stats.r2 == pytest.approx(0.36)
    assert stats.uc == pytest.approx(2 * (1 - 0.6) * 1.25 / 1.0)
    assert stats.uc == pytest.approx(1.0)
    assert stats.um == pytest.approx(0.0, abs=1e-12)
    assert stats.us == pytest.approx(0.0, abs=1e-12)
    # MAPE = mean(1/1, 1/2, 1/3, 1/4)
    assert stats.mape == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)


def test_uncorrelated_same_mean_and_variance():
    # deviations of S (-0.5, 1.5, -1.5, 0.5) are orthogonal to A's: r = 0;
    # errors (1, 2, -2, -1): MSE = 2.5; U^C = 2 (1 - 0) 1.25 / 2.5 = 1
    s = np.array([2.0, 4.0, 1.0, 3.0])
    stats = fit_statistics(s, A4)
    assert stats.r2 == pytest.approx(0.0, abs=1e-12)
    assert stats.mse == pytest.approx(2.5)
    assert stats.uc == pytest.approx(1.0)


def test_mape_and_rmspe_on_a_hand_example():
    a = [100.0, 200.0, -50.0]
    s = [110.0, 190.0, -40.0]  # relative errors 0.1, -0.05, -0.2 (|A| in MAPE)
    stats = fit_statistics(s, a)
    assert stats.mape == pytest.approx((0.1 + 0.05 + 0.2) / 3)
    assert stats.rmspe == pytest.approx(math.sqrt((0.01 + 0.0025 + 0.04) / 3))
    assert stats.mse == pytest.approx((100 + 100 + 100) / 3)


def test_constant_series_give_r2_zero_not_nan():
    a = np.array([1.0, 2.0, 3.0])
    for s, obs in (([2.0, 2.0, 2.0], a), (a, [0.1, 0.1, 0.1])):
        stats = fit_statistics(s, obs)
        assert stats.r2 == 0.0
        assert all(math.isfinite(v) for v in (stats.um, stats.us, stats.uc))
        assert stats.um + stats.us + stats.uc == pytest.approx(1.0)
    both = fit_statistics([2.0, 2.0], [1.0, 1.0])
    assert both.r2 == 0.0
    assert both.um == pytest.approx(1.0)


def test_single_point():
    stats = fit_statistics([3_600_000.0], [3_553_000.0])
    assert stats.single_point
    assert stats.n == 1
    assert stats.mape == pytest.approx(47_000 / 3_553_000)
    assert stats.mse == pytest.approx(47_000.0**2)
    assert (stats.r2, stats.um, stats.us, stats.uc) == (0.0, 0.0, 0.0, 0.0)


def test_accepts_lists_and_returns_plain_python_types():
    stats = fit_statistics([1, 2, 4], [1, 2, 3])
    d = dataclasses.asdict(stats)
    assert list(d) == ["n", "mape", "r2", "rmspe", "mse", "um", "us", "uc", "single_point"]
    assert type(d["n"]) is int and type(d["single_point"]) is bool
    assert all(type(d[k]) is float for k in ("mape", "r2", "rmspe", "mse", "um", "us", "uc"))
    with pytest.raises(AttributeError):
        stats.mape = 0.0  # frozen


# observed values as in the seed: nonzero, not vanishingly small
OBSERVED_VALUES = st.floats(-1e4, 1e4).filter(lambda v: abs(v) >= 1e-3)


@given(
    arrays(np.float64, st.integers(2, 12), elements=OBSERVED_VALUES).flatmap(
        lambda a: st.tuples(
            st.just(a),
            arrays(np.float64, a.shape, elements=st.floats(-1e4, 1e4)),
        )
    )
)
@settings(max_examples=300, deadline=None)
def test_theil_proportions_sum_to_one(pair):
    observed, simulated = pair
    stats = fit_statistics(simulated, observed)
    for value in (stats.um, stats.us, stats.uc, stats.r2):
        assert 0.0 <= value <= 1.0 + 1e-12
    if np.array_equal(simulated, observed):
        assert stats.mse == 0.0
        assert stats.um + stats.us + stats.uc == 0.0
    else:
        assert stats.mse > 0.0
        assert stats.um + stats.us + stats.uc == pytest.approx(1.0, abs=1e-9)


def test_theil_proportions_sum_to_one_in_a_near_perfect_fit():
    # errors of 1e-9 on values of 3.5e6: the naive σ_S - σ_A and r lose all digits
    a = np.array([3.61e6, 3.59e6, 3.57e6, 3.553e6])
    s = a + np.array([1e-9, -2e-9, 0.0, 3e-9])
    stats = fit_statistics(s, a)
    assert stats.mse > 0.0
    assert stats.um + stats.us + stats.uc == pytest.approx(1.0, abs=1e-12)
    assert min(stats.um, stats.us, stats.uc) >= 0.0


@given(
    arrays(np.float64, st.integers(2, 10), elements=st.floats(1.0, 1e7)),
    st.floats(-1e3, 1e3),
    st.floats(0.1, 10.0),
)
@settings(max_examples=200, deadline=None)
def test_theil_proportions_match_sterman_formulas(observed, shift, k):
    # S = mean(A) + shift + k (A - mean(A)) + a wiggle: all three parts present
    wiggle = np.resize([1.0, -1.0], observed.size) * 0.1 * (np.std(observed) + 1.0)
    simulated = observed.mean() + shift + k * (observed - observed.mean()) + wiggle
    stats = fit_statistics(simulated, observed)
    assume(stats.mse > 1e-9 * (observed.var() + observed.mean() ** 2))
    sd_s, sd_a = simulated.std(), observed.std()
    r = np.corrcoef(simulated, observed)[0, 1] if sd_s > 0 and sd_a > 0 else 0.0
    mse = np.mean((simulated - observed) ** 2)
    scale = abs(observed).max() ** 2 * 1e-9 / mse  # rounding allowance of the formulas
    assert stats.um == pytest.approx((simulated.mean() - observed.mean()) ** 2 / mse, abs=scale)
    assert stats.us == pytest.approx((sd_s - sd_a) ** 2 / mse, abs=scale + 1e-9)
    assert stats.uc == pytest.approx(2 * (1 - r) * sd_s * sd_a / mse, abs=scale + 1e-9)


@pytest.mark.parametrize(
    ("simulated", "observed", "match"),
    [
        ([1.0, 2.0], [1.0, 2.0, 3.0], "simulated has 2 value.*observed 3"),
        ([1.0, np.nan, 3.0], [1.0, 2.0, 3.0], "simulated: NaN value at position 1"),
        ([1.0, 2.0, 3.0], [np.nan, 2.0, np.nan], r"observed: NaN.*positions \[0, 2\]"),
        ([1.0, np.inf], [1.0, 2.0], "simulated: infinite value at position 1"),
        ([1.0, 2.0, 3.0], [1.0, 0.0, 3.0], r"observed: zero at position\(s\) \[1\]"),
        ([], [], "simulated: is empty"),
        ([[1.0, 2.0]], [[1.0, 2.0]], "one-dimensional"),
        (["a", "b"], [1.0, 2.0], "simulated: not a sequence of numbers"),
    ],
)
def test_refusals(simulated, observed, match):
    with pytest.raises(ValueError, match=match):
        fit_statistics(simulated, observed)


# ------------------------------------------------------------------ table


def test_table_columns_and_values():
    stats = fit_statistics([2.0, 1.0, 4.0, 3.0], A4)
    text = format_fit_table({"sales_area": stats})
    header, row = text.splitlines()
    assert header.split() == ["series", "n", "MAPE", "%", "R²", "U^M", "U^S", "U^C"]
    assert row.split() == ["sales_area", "4", "52.08", "0.36", "0.00", "0.00", "1.00"]


def test_table_bound_column_ok_miss_and_single_point():
    good = fit_statistics([101.0, 199.0], [100.0, 200.0])  # MAPE 0.75 %
    bad = fit_statistics([120.0, 200.0], [100.0, 200.0])  # MAPE 10 %
    one = fit_statistics([3.6e6], [3.553e6])
    text = format_fit_table(
        [("sales_area", good, 0.05), ("average_price", bad, 0.05), ("population", one)]
    )
    lines = text.splitlines()
    assert lines[0].split()[-1] == "bound"
    assert lines[1].split()[-2:] == ["ok", "≤5%"]
    assert lines[2].split()[-2:] == ["MISS", ">5%"]
    assert lines[3].split() == ["population", "1", "1.32", "-", "-", "-", "-", "-"]
    # numbers right-aligned under their headers
    mape_end = lines[0].index("MAPE %") + len("MAPE %")
    for line, value in zip(lines[1:], ["0.75", "10.00", "1.32"], strict=True):
        assert line[:mape_end].endswith(value)
    assert not text.endswith("\n")


def test_table_without_bounds_has_no_bound_column():
    stats = fit_statistics([1.0, 2.0], [1.0, 2.0])
    text = format_fit_table([("a", stats), ("b", stats, None)])
    assert "bound" not in text


def test_table_refuses_bad_rows():
    stats = fit_statistics([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="expected"):
        format_fit_table([("a",)])
    with pytest.raises(ValueError, match="not a FitStatistics"):
        format_fit_table([("a", {"mape": 0.1})])
    with pytest.raises(ValueError, match="bound 'x' is not a number"):
        format_fit_table([("a", stats, "x")])
    assert isinstance(stats, FitStatistics)
