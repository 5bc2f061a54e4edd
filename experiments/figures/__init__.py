"""Figures of runs, calibration fits, scenario comparisons, sweeps and saved files.

One module per figure family, each drawing with matplotlib's Agg backend on figures
of its own and writing PNGs:

`run`
    Figures of one run (``anshan-housing run --plot``): population, housing market,
    variable panels.
`fit`
    The calibration fit figure (``anshan-housing calibrate --plot``).
`comparison`
    Scenarios side by side against the plan (``anshan-housing compare --out``).
`fan`, `sensitivity`
    A sweep's fan charts and its Sobol, Morris and tornado figures
    (``anshan-housing sweep --out``).
`files`
    Variable panels of a saved NetCDF file (``anshan-housing plot``).
`common`
    Styles, unit labels, checks and drawing blocks shared by all of them.
"""

import matplotlib

matplotlib.use("Agg")  # files only, never a window; before any module imports pyplot

from anshan_housing.experiments.figures.comparison import (  # noqa: E402
    as_members,
    comparison_figure,
    draw_comparison,
)
from anshan_housing.experiments.figures.fan import fan_chart  # noqa: E402
from anshan_housing.experiments.figures.files import plot_file, read_netcdf  # noqa: E402
from anshan_housing.experiments.figures.fit import fit_figure  # noqa: E402
from anshan_housing.experiments.figures.run import (  # noqa: E402
    FIGURES,
    FigureSpec,
    panel_figure,
    population_figure,
    run_figures,
    variable_panels,
)
from anshan_housing.experiments.figures.sensitivity import (  # noqa: E402
    morris_scatter,
    sobol_bars,
    tornado,
)

__all__ = [
    "FIGURES",
    "FigureSpec",
    "as_members",
    "comparison_figure",
    "draw_comparison",
    "fan_chart",
    "fit_figure",
    "morris_scatter",
    "panel_figure",
    "plot_file",
    "population_figure",
    "read_netcdf",
    "run_figures",
    "sobol_bars",
    "tornado",
    "variable_panels",
]
