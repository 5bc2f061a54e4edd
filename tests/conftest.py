"""Shared fixtures: the parameter table, default values and one baseline run."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from anshan_housing.calibration import default_run_values
from anshan_housing.model.engine import simulate
from anshan_housing.model.parameters import load_parameters, resolve_values


@pytest.fixture(scope="session")
def table():
    return load_parameters()


@pytest.fixture(scope="session")
def defaults(table):
    """Shipped default values (uncalibrated, documented)."""
    return resolve_values(table)


@pytest.fixture(scope="session")
def run_values():
    """Values every command uses: the committed calibration over the defaults."""
    return default_run_values()[1]


@pytest.fixture(scope="session")
def baseline(run_values):
    """One member, 2016-2025, default settings."""
    return simulate(run_values)


def random_members(table, n, seed=0, names=None):
    """Values with the uncertain parameters (or ``names``) drawn inside their bounds."""
    rng = np.random.default_rng(seed)
    values = resolve_values(table)
    for name, par in table.items():
        if (names is None and par.uncertain) or (names is not None and name in names):
            values[name] = rng.uniform(par.lower, par.upper, n)
    return values


MIN_PNG_BYTES = 30_000  # a blank 1600 x 1000 canvas compresses to a few kB


def png_size(path):
    """Width and height in pixels from a PNG's header."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def check_png(path, min_width=1400, min_height=900):
    """A real figure: the file exists, is not blank-sized and is large enough."""
    assert path.is_file()
    assert path.stat().st_size > MIN_PNG_BYTES
    width, height = png_size(path)
    assert width >= min_width and height >= min_height


@pytest.fixture
def captured(monkeypatch):
    """Keep each figure the plotting functions save, to inspect its axes."""
    from anshan_housing.experiments import plots

    figures = []
    save = plots._save

    def keep(fig, path):
        figures.append(fig)
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures
