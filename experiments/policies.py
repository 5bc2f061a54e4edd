"""Residential land-supply policies 2021-2025 and demand-side variants.

A policy decides the year's residential land quota (ha) every 1 January (a simpy
calendar event of the engine) from what the engine shows it then, an
:class:`~model.policy.Observation`: last year's quota and the clearance period 去化周期
at the end of the previous year (inventory / mean monthly sales of the previous 12
months; the national rule reads it in the first quarter, and the January decision
uses the latest reading). It returns a :class:`~model.policy.LandDecision`, which the
engine applies; the land then arrives in tranches through the year
(``model.system.LAND_TRANCHES``).

Policies (``kind`` in a scenario file)
    ``plan-table2``: land sized to deliver the plan's Table 2 supply, 220 万m² a year
    of commodity housing: quota = target floor area / plot ratio.
    ``five-category``: the national rule (建房〔2017〕80号, FACTS.md) on the clearance
    period: above 36 months stop; (18, 36] reduce; (12, 18] hold; (6, 12] increase;
    6 or less increase markedly and release faster. Step sizes are settings; no
    text says which side of a boundary belongs to which band, so each band includes
    its upper boundary (18 months holds, 36 reduces, 12 increases, 6 increases
    markedly).
    ``historical``: the 2016-2019 mean land transacted (55.1 ha), computed from the
    input file.
    ``freeze``: no residential land.
    ``clearance-target``: a feedback rule steering the clearance period to the middle
    of the plan's 15-18 month band: quota = last quota x (1 + gain x (target - CP) /
    target), the change limited to +-max_change a year.
    ``path``: a given quota for each year (``anshan-housing optimise`` uses it, one
    path per ensemble member).

Demand-side variants (combinable with any policy) are parameter changes from the
first policy year: ``talent-retention`` (out-migration x factor, default 0.5),
``purchase-subsidy`` (yuan per m² to buyers), ``rental-subsidy`` (cash rent
subsidies a year, the plan's 1,640).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from anshan_housing.model.engine import Shock
from anshan_housing.model.inputs import MEAN_YEARS, shipped_data
from anshan_housing.model.policy import LandDecision, Observation

PLAN_START, PLAN_END = 2021, 2025
FIVE_CATEGORY_BANDS = (36.0, 18.0, 12.0, 6.0)  # months: stop / reduce / hold / increase


@dataclass(frozen=True)
class Setting:
    """A policy or variant setting: default, plausible range, unit and meaning."""

    default: float
    lower: float
    upper: float
    unit: str
    meaning: str


POLICY_SETTINGS: dict[str, dict[str, Setting]] = {
    "plan-table2": {
        "target_floor_area": Setting(220.0, 0.0, 1000.0, "1e4 m**2/year",
                                     "commodity housing to supply a year (Table 2: 220)"),
    },
    "five-category": {
        "reduce_step": Setting(0.2, 0.0, 1.0, "1", "cut of last year's quota at 18-36 months"),
        "increase_step": Setting(0.2, 0.0, 2.0, "1", "rise of last year's quota at 6-12 months"),
        "marked_step": Setting(0.5, 0.0, 5.0, "1", "rise of last year's quota at <= 6 months"),
        "floor": Setting(10.0, 0.0, 500.0, "hectare/year",
                         "quota a reduce or increase starts from when last year's was zero"),
    },
    "historical": {},
    "freeze": {},
    "clearance-target": {
        "target_months": Setting(16.5, 1.0, 60.0, "month",
                                 "clearance period aimed at (middle of the plan's 15-18)"),
        "gain": Setting(1.0, 0.0, 10.0, "1", "relative quota change per relative gap"),
        "max_change": Setting(0.5, 0.0, 1.0, "1", "largest relative change of the quota a year"),
        "floor": Setting(10.0, 0.0, 500.0, "hectare/year", "quota the rule restarts from"),
    },
    "path": {},
}  # fmt: skip

VARIANT_SETTINGS: dict[str, dict[str, Setting]] = {
    "talent-retention": {
        "out_migration_factor": Setting(0.5, 0.0, 1.0, "1",
                                        "out-migration relative to the calibrated rate"),
    },
    "purchase-subsidy": {
        "subsidy": Setting(300.0, 0.0, 1000.0, "yuan/m**2", "subsidy to buyers of new housing"),
    },
    "rental-subsidy": {
        "per_year": Setting(1640.0, 0.0, 5000.0, "household/year",
                            "cash rent subsidies a year (the plan: 1,640)"),
    },
}  # fmt: skip


def historical_quota() -> float:
    """Mean residential land transacted 2016-2019 (ha/year), from the input file."""
    land = shipped_data().inputs["land_transacted"]
    window = (land.years >= MEAN_YEARS[0]) & (land.years <= MEAN_YEARS[1])
    return float(land.values[window].mean())


def five_category(
    clearance: np.ndarray, last: np.ndarray, settings: dict[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """The national five-category rule: next quota (ha/year) and fast release (0/1).

    Parameters
    ----------
    clearance : ndarray
        Clearance period measured (months).
    last : ndarray
        Last year's quota (ha/year).
    settings : dict
        ``reduce_step``, ``increase_step``, ``marked_step``, ``floor``.
    """
    stop, reduce, hold, increase = FIVE_CATEGORY_BANDS
    base = np.maximum(last, settings["floor"])
    quota = np.select(
        [clearance > stop, clearance > reduce, clearance > hold, clearance > increase],
        [
            np.zeros_like(last),
            base * (1.0 - settings["reduce_step"]),
            last,
            base * (1.0 + settings["increase_step"]),
        ],
        default=base * (1.0 + settings["marked_step"]),
    )
    fast = (clearance <= increase).astype(float)
    return quota, fast


def clearance_target(
    clearance: np.ndarray, last: np.ndarray, settings: dict[str, float]
) -> np.ndarray:
    """Feedback rule toward a target clearance period: next quota (ha/year)."""
    target = settings["target_months"]
    relative = np.clip((target - clearance) / target, -1.0, 1.0)  # finite even if infinite
    gap = np.clip(settings["gain"] * relative, -1.0, 1.0)
    change = np.clip(gap, -settings["max_change"], settings["max_change"])
    return np.maximum(last, settings["floor"] * (gap > 0)) * (1.0 + change)


class LandPolicy:
    """A land-supply policy: every 1 January, an observation in, a land decision out.

    Parameters
    ----------
    kind : str
        A key of :data:`POLICY_SETTINGS`.
    settings : dict of str to float
        The policy's settings (defaults filled in).
    start_year, end_year : int
        Years the policy decides (the plan period by default); in other years the
        input's quota stands.
    path : ndarray, optional
        For ``kind="path"``: quotas (ha/year), shape (year,) or (member, year).
    """

    def __init__(
        self,
        kind: str,
        settings: dict[str, float] | None = None,
        start_year: int = PLAN_START,
        end_year: int = PLAN_END,
        path: np.ndarray | None = None,
    ):
        self.kind = kind
        self.settings = {k: s.default for k, s in POLICY_SETTINGS[kind].items()}
        self.settings.update(settings or {})
        self.start_year, self.end_year = start_year, end_year
        self.path = None if path is None else np.atleast_1d(np.asarray(path, float))

    def __call__(self, seen: Observation) -> LandDecision | None:
        """The decision for ``seen.year``, or None outside the policy's years."""
        if not self.start_year <= seen.year <= self.end_year:
            return None
        last = seen.quota_last_year
        if self.kind == "plan-table2":
            return LandDecision(self.settings["target_floor_area"] / seen.plot_ratio)
        if self.kind == "historical":
            return LandDecision(np.full_like(last, historical_quota()))
        if self.kind == "freeze":
            return LandDecision(np.zeros_like(last))
        if self.kind == "path":
            column = self.path[..., seen.year - self.start_year]
            return LandDecision(np.broadcast_to(column, last.shape).astype(float))
        if self.kind == "five-category":
            return LandDecision(*five_category(seen.clearance_last_year, last, self.settings))
        return LandDecision(clearance_target(seen.clearance_last_year, last, self.settings))


def variant_shocks(kind: str, settings: dict[str, float], start_year: int) -> list[Shock]:
    """Parameter changes of a demand-side variant from January of ``start_year``."""
    values = {k: s.default for k, s in VARIANT_SETTINGS[kind].items()}
    values.update(settings)
    date = f"{start_year}-01"
    if kind == "talent-retention":
        return [Shock(date, "out_migration_rate", "scale", values["out_migration_factor"])]
    if kind == "purchase-subsidy":
        return [Shock(date, "purchase_subsidy", "set", values["subsidy"])]
    return [Shock(date, "rental_subsidy_capacity", "set", values["per_year"])]
