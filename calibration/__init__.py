"""Observed 2016-2019 data, objective, optimiser and fit statistics.

The committed calibration, ``calibration/calibrated.toml``, is the default parameter
file of every command (:func:`default_run_values`).
"""

from __future__ import annotations

from pathlib import Path

#: The committed point calibration: a ``[values]`` table over the shipped parameters.
CALIBRATED_FILE = Path(__file__).with_name("calibrated.toml")


def default_run_values(params_file: str | Path | None = None):
    """Parameter table, values and label for a run: ``params_file``, else the calibration.

    Without ``params_file`` the committed calibration `CALIBRATED_FILE` is used when it
    exists, else the shipped defaults; see :func:`anshan_housing.model.io.load_run_values`.
    """
    from anshan_housing.model.io import load_run_values

    if params_file is None and CALIBRATED_FILE.exists():
        params_file = CALIBRATED_FILE
    return load_run_values(params_file)
