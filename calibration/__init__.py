"""Observed 2016-2019 data, objective, optimiser and fit statistics.

The committed calibration, ``calibration/calibrated.toml``, is the default parameter
file of every command, and the population basis (``plan`` or ``census``,
``calibration/bases.toml``) goes over it (:func:`default_run_values`).
"""

from __future__ import annotations

from pathlib import Path

#: The committed point calibration: a ``[values]`` table over the shipped parameters.
CALIBRATED_FILE = Path(__file__).with_name("calibrated.toml")


def default_run_values(params_file: str | Path | None = None, basis: str | None = "plan"):
    """Parameter table, values and label for a run on a population basis.

    Without ``params_file`` the committed calibration `CALIBRATED_FILE` is used when it
    exists, else the shipped defaults (see :func:`anshan_housing.model.io.load_run_values`);
    the demographic values of ``basis`` (:mod:`anshan_housing.calibration.demography`)
    go over them (None: no basis, the file's own values).

    Raises
    ------
    InputError
        A bad parameter file or an unknown basis.
    """
    from anshan_housing.calibration.demography import BASES_FILE, basis_values
    from anshan_housing.model.io import load_run_values
    from anshan_housing.model.parameters import check_values

    overlay = {} if basis is None else basis_values(basis)
    if params_file is None and CALIBRATED_FILE.exists():
        params_file = CALIBRATED_FILE
    table, values, label = load_run_values(params_file)
    return table, {**values, **check_values(table, overlay, f"{BASES_FILE} [{basis}]")}, label
