"""Metadata of model variables: unit, meaning, kind and source, defined once.

Each sector module declares a tuple ``VARIABLES`` of :class:`Variable`; the engine uses
it to label the Dataset, and ``anshan-housing doc`` turns it into the model table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("stock", "flow", "auxiliary", "indicator", "input")
YEARLY_RULES = ("sum", "last", "mean", "")


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
        Dimensions after ``member`` and ``time`` (for example ``("area",)``). An
        indicator, which the engine does not record but derives from the record,
        gives every dimension after ``member``, starting with ``"year"`` or ``"time"``.
    yearly : str
        How the yearly aggregate ``NAME_yearly`` is formed: ``"sum"`` (flows),
        ``"last"`` (stocks at end of year), ``"mean"`` or ``""`` (none).
    equation : str
        Where the variable is computed, as ``"module.function"`` (for example
        ``"model.supply.starts"``); for a stock, the function giving its rate of
        change. Keyword only; ``anshan-housing doc`` refuses an empty one.
    """

    name: str
    units: str
    long_name: str
    kind: str
    source: str
    dims: tuple[str, ...] = ()
    yearly: str = "last"
    equation: str = field(default="", kw_only=True)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind {self.kind!r} not in {KINDS}")
        if self.yearly not in YEARLY_RULES:
            raise ValueError(f"{self.name}: yearly {self.yearly!r} not in {YEARLY_RULES}")
