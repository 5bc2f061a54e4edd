"""Prior distributions of the uncertain parameters, as the parameter file states them.

A parameter's ``prior`` is an inline table naming a distribution and its parameters,
with ``prior_source`` saying where they come from::

    prior = { dist = "lognormal", median = 10.0, sigma = 0.55 }
    prior_source = "PRIORS sec. 1: LogNormal(median 10 yr, 90 % 4-25 yr)"

Every prior is truncated to the parameter's [lower, upper] range, which stays the range
of values the model accepts. The distributions (scipy.stats):

- ``normal`` (``mean``, ``sd``);
- ``lognormal`` (``median``, ``sigma``: the standard deviation of the log), for a
  range above 0;
- ``beta`` (``a``, ``b``), rescaled to [lower, upper];
- ``uniform`` (no parameters) over [lower, upper], for parameters of which nothing is
  published: the source must say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import stats

from anshan_housing.model.errors import InputError

DISTRIBUTIONS = {"normal": ("mean", "sd"), "lognormal": ("median", "sigma"),
                 "beta": ("a", "b"), "uniform": ()}  # fmt: skip
POSITIVE = {"sd", "sigma", "median", "a", "b"}  # distribution parameters that must be > 0


@dataclass(frozen=True)
class Prior:
    """A distribution truncated to [lower, upper].

    Attributes
    ----------
    dist : str
        One of `DISTRIBUTIONS`.
    params : dict of str to float
        Its parameters, in the parameter's unit (``sigma`` of a lognormal is of the log).
    lower, upper : float
        The truncation: the parameter's range.
    """

    dist: str
    params: dict[str, float]
    lower: float
    upper: float
    _frozen: object = field(init=False, repr=False, compare=False)
    _mass: tuple[float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        frozen = _scipy(self.dist, self.params, self.lower, self.upper)
        object.__setattr__(self, "_frozen", frozen)
        object.__setattr__(self, "_mass", (float(frozen.cdf(self.lower)),
                                           float(frozen.cdf(self.upper))))  # fmt: skip

    @property
    def mass(self) -> float:
        """Probability of the untruncated distribution inside [lower, upper] (1)."""
        low, high = self._mass
        return high - low

    def logpdf(self, x) -> np.ndarray:
        """Log density of the truncated prior; -inf outside [lower, upper]."""
        x = np.asarray(x, float)
        inside = (x >= self.lower) & (x <= self.upper)
        out = np.full(x.shape, -np.inf)
        out[inside] = self._frozen.logpdf(x[inside]) - math.log(self.mass)
        return out

    def ppf(self, q) -> np.ndarray:
        """Quantiles of the truncated prior for probabilities ``q`` in [0, 1]."""
        low, high = self._mass
        values = self._frozen.ppf(low + np.asarray(q, float) * (high - low))
        return np.clip(values, self.lower, self.upper)  # explicit clip: ppf rounding only

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` independent draws (inverse transform of uniforms)."""
        return self.ppf(rng.random(size))

    def describe(self) -> str:
        """Short text such as ``lognormal(median=10, sigma=0.55) on [3, 25]``."""
        inner = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.dist}({inner}) on [{self.lower:g}, {self.upper:g}]"


def _scipy(dist: str, p: dict[str, float], lower: float, upper: float):
    if dist == "normal":
        return stats.norm(loc=p["mean"], scale=p["sd"])
    if dist == "lognormal":
        return stats.lognorm(s=p["sigma"], scale=p["median"])
    if dist == "beta":
        return stats.beta(p["a"], p["b"], loc=lower, scale=upper - lower)
    return stats.uniform(loc=lower, scale=upper - lower)


def parse_prior(path: Path, name: str, entry: object, lower: float, upper: float) -> Prior:
    """Check a parameter's ``prior`` table and build its Prior.

    Raises
    ------
    InputError
        Not a table, an unknown distribution, missing or unknown or non-positive
        distribution parameters, a lognormal on a range reaching 0 or below, a range of
        zero width, or a prior with (almost) no mass inside the range.
    """
    where = f"{name}.prior"
    if not isinstance(entry, dict):
        raise InputError(path, where, f"must be an inline table {{ dist = ... }}, got {entry!r}")
    dist = entry.get("dist")
    if dist not in DISTRIBUTIONS:
        allowed = ", ".join(DISTRIBUTIONS)
        raise InputError(path, f"{where}.dist", f"{dist!r} is not a distribution; allowed: "
                         f"{allowed}")  # fmt: skip
    wanted = DISTRIBUTIONS[dist]
    given = {k: v for k, v in entry.items() if k != "dist"}
    for key in given:
        if key not in wanted:
            allowed = ", ".join(wanted) or "(none)"
            raise InputError(path, f"{where}.{key}", f"not a parameter of {dist}; allowed: "
                             f"{allowed}")  # fmt: skip
    params = {}
    for key in wanted:
        if key not in given:
            raise InputError(path, f"{where}.{key}", f"missing ({dist} needs {', '.join(wanted)})")
        value = given[key]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise InputError(path, f"{where}.{key}", f"must be a finite number, got {value!r}")
        if key in POSITIVE and value <= 0:
            raise InputError(path, f"{where}.{key}", f"must be above 0, got {value:g}")
        params[key] = float(value)
    if not upper > lower:
        raise InputError(path, where, f"needs a range of positive width, got [{lower:g}, "
                         f"{upper:g}]")  # fmt: skip
    if dist == "lognormal" and lower < 0:
        raise InputError(path, where, f"a lognormal needs a range at or above 0, got lower "
                         f"{lower:g}")  # fmt: skip
    prior = Prior(dist, params, lower, upper)
    if not prior.mass > 1e-6:
        raise InputError(path, where, f"{prior.describe()} has no probability inside its range")
    return prior
