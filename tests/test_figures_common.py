"""Tests of experiments/figures/common.py: backend, text, unit labels and display scaling."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from anshan_housing.experiments.figures.common import (
    PANEL_SIZE,
    SWEEP_WIDTH,
    display_scale,
    panel_grid,
    plain_text,
    unit_label,
    units_compatible,
)


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def test_panel_grid_hides_spare_cells_and_sizes_the_figure():
    fig, axes = panel_grid(4, 3.3, 0.9)
    try:
        assert axes.shape == (2, 3)
        assert [ax.axison for ax in axes.flat] == [True] * 4 + [False] * 2
        assert tuple(fig.get_size_inches()) == pytest.approx((3 * PANEL_SIZE[0], 2 * 3.3 + 0.9))
    finally:
        plt.close(fig)
    fig, axes = panel_grid(2, 3.0, 1.0, SWEEP_WIDTH)  # a sweep figure: narrower, not halved
    try:
        assert axes.shape == (1, 2)
        width = SWEEP_WIDTH * (0.4 + 0.6 * 2 / 3)
        assert tuple(fig.get_size_inches()) == pytest.approx((width, 4.0))
    finally:
        plt.close(fig)


# ---------------------------------------------------------------- text and units


def test_plain_text_drops_chinese():
    assert plain_text("resident population (常住人口) by area") == ("resident population by area")
    assert plain_text("sales area 商品房") == "sales area"


@pytest.mark.parametrize(
    ("units", "label"),
    [("per_mille", "‰"), ("percent", "%"), ("yuan/m**2", "yuan/m²"), ("m**3", "m³")],
)
def test_unit_label(units, label):
    assert unit_label(units) == label


def test_display_scale():
    assert display_scale("person", np.array([3.5e6])) == (1e6, "million persons")
    assert display_scale("person/year", np.array([-12_300.0])) == (
        1e3,
        "thousand persons/yr",
    )
    assert display_scale("yuan/m**2", np.array([5e6])) == (1.0, "yuan/m²")


def test_units_compatible():
    assert units_compatible("1e4 m**2", "1e4 m**2/year", "year")
    assert not units_compatible("1e4 m**2", "1e4 m**2/year", "time")
    assert not units_compatible("1e8 yuan", "yuan")
    assert units_compatible("", "yuan")
