"""anshan-housing: a system-dynamics simulator of the Anshan housing market, 2016-2025.

Subpackages: :mod:`anshan_housing.model` (the stock-flow equations, parameters and
engine), :mod:`anshan_housing.calibration` (observed data, objective, fit) and
:mod:`anshan_housing.experiments` (policies, scenarios, scorecard, sweeps, figures);
:mod:`anshan_housing.cli` is the command line.
"""

__version__ = "0.1.0"
