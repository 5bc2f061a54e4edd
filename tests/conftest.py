"""Shared fixtures: the parameter table, default values and one baseline run."""

from __future__ import annotations

import numpy as np
import pytest

from model.engine import simulate
from model.io import load_run_values
from model.parameters import load_parameters, resolve_values


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
    return load_run_values()[1]


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
