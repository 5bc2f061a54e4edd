"""The contract between the engine and a land-supply policy: an observation in, a decision out.

Every 1 January, after ageing, the engine shows the policy what the city can see then
(:class:`Observation`, read-only copies) and applies what it returns
(:class:`LandDecision`): the year's residential land quota and whether to release it
fast. The policy never touches the engine's state or its record, so data flow one way:
engine -> observation -> policy -> decision -> engine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MONTHS = 12.0  # months a year: clearance period = inventory / (yearly sales / 12)


def frozen(values) -> np.ndarray:
    """A read-only float copy of ``values``."""
    out = np.array(values, dtype=float)
    out.flags.writeable = False
    return out


@dataclass(frozen=True)
class Observation:
    """What a land policy sees on 1 January of ``year``; arrays of shape (member,).

    Attributes
    ----------
    year : int
        The calendar year being decided.
    inventory : ndarray
        Residential inventory 商品住宅库存 at the end of last year (万m²): unsold
        presale plus unsold completed floor area.
    sales_last_year : ndarray
        Residential sales of last year (万m²/year); zero before the first year ends.
    clearance_last_year : ndarray
        Clearance period 去化周期 at the end of last year (months): inventory / mean
        monthly sales of last year; infinite with no sales.
    quota_last_year : ndarray
        Residential land quota in force last year (ha/year); in the first simulated
        year, this year's default.
    default_quota : ndarray
        This year's quota from the inputs (ha/year), kept if the policy returns None.
    plot_ratio : ndarray
        Floor area built per area of land (1), to size land for a floor-area target.
    """

    year: int
    inventory: np.ndarray
    sales_last_year: np.ndarray
    clearance_last_year: np.ndarray
    quota_last_year: np.ndarray
    default_quota: np.ndarray
    plot_ratio: np.ndarray

    @classmethod
    def of(cls, year, inventory, sales_last_year, quota_last_year, default_quota, plot_ratio):
        """An observation with the clearance period computed and read-only copies."""
        inventory, sales = frozen(inventory), frozen(sales_last_year)
        with np.errstate(over="ignore"):  # sales of 1e-300 万m² clear in "infinite" time
            clearance = np.divide(
                inventory, sales / MONTHS, out=np.full_like(inventory, np.inf), where=sales > 0
            )
        clearance.flags.writeable = False
        return cls(year, inventory, sales, clearance, frozen(quota_last_year),
                   frozen(default_quota), frozen(plot_ratio))  # fmt: skip


@dataclass(frozen=True)
class LandDecision:
    """A policy's decision for the year: land quota and release pace.

    Attributes
    ----------
    quota : ndarray
        Residential land to transact this year (ha/year), shape (member,) or scalar;
        finite and non-negative.
    fast : ndarray
        1 to release half the quota in January and half in March (the five-category
        rule's "speed up" at <= 6 months), 0 for quarterly tranches.
    """

    quota: np.ndarray
    fast: np.ndarray | float = 0.0

    def checked(self, members: int) -> tuple[np.ndarray, np.ndarray]:
        """Quota and fast flag broadcast to (member,).

        Raises
        ------
        ValueError
            A quota that is negative, not finite or of another shape; a flag not 0 or 1.
        """
        try:
            quota = np.broadcast_to(np.asarray(self.quota, float), (members,))
            fast = np.broadcast_to(np.asarray(self.fast, float), (members,))
        except ValueError:
            raise ValueError(
                f"land decision of shape {np.shape(self.quota)} for {members} members"
            ) from None
        if not np.all(np.isfinite(quota) & (quota >= 0)):
            raise ValueError(f"land quota must be finite and >= 0 ha/year, got {quota.min()}")
        if not np.all((fast == 0) | (fast == 1)):
            raise ValueError("fast release must be 0 or 1")
        return quota, fast


#: A land policy: called every 1 January; None keeps the year's default quota.
Policy = Callable[[Observation], LandDecision | None]
