"""Metadata of model variables: unit, meaning, kind and source, defined once.

Each sector module declares a tuple ``VARIABLES`` of :class:`Variable`; the engine uses
it to label the Dataset, and ``anshan-housing doc`` turns it into the model table.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("stock", "flow", "auxiliary", "indicator", "input")


@dataclass(frozen=True)
class Variable:
    """A recorded model variable.

    Attributes
    ----------
    name : str
        Name in the Dataset.
    units : str
        Pint-parsable unit of the monthly record (flows: amount per month).
    long_name : str
        Meaning, one line.
    kind : str
        One of ``KINDS``.
    source : str
        Seed figure, cited fact or stated assumption its equation rests on.
    dims : tuple of str
        Dimensions after ``member`` and ``time`` (for example ``("area",)``).
    yearly : str
        How the yearly aggregate is formed: ``"sum"`` (flows), ``"last"`` (stocks at
        end of year), ``"mean"`` or ``""`` (none).
    """

    name: str
    units: str
    long_name: str
    kind: str
    source: str
    dims: tuple[str, ...] = ()
    yearly: str = "last"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} not in {KINDS}")
