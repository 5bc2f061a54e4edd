"""Material delays as explicit chains of stocks (Erlang-distributed lags).

A delay of order ``n`` and mean ``T`` is ``n`` stocks in series, each drained at rate
``stage / (T / n)``. Its response to a pulse is the Erlang(n, n/T) density; order 3 is
the SD standard for a spread-out construction lag (Sterman 2000, ch. 11). The chain
stocks are arrays ``(member, n)``.
"""

from __future__ import annotations

import math

import numpy as np


def chain_rates(
    stages: np.ndarray, delay: np.ndarray, dt: float, pace: np.ndarray | float = 1.0
) -> np.ndarray:
    """Outflow of every stage of a delay chain (amount/year), shape (member, n).

    Parameters
    ----------
    stages : ndarray, shape (member, n)
        Contents of the stages (amount).
    delay : ndarray, shape (member,)
        Mean delay of the whole chain (years), > 0.
    dt : float
        Time step (years); a stage never loses more than it holds in one step.
    pace : ndarray or float
        Multiplier of the speed (1 normal, 0 stopped), shape (member,) or scalar.

    Returns
    -------
    ndarray, shape (member, n)
        ``stages * pace * n / delay``, limited to ``stages / dt``.
    """
    n = stages.shape[1]
    rate = pace * n / np.maximum(delay, 1e-12)
    return stages * np.minimum(rate, 1.0 / dt)[:, None]


def limit_outflows(stock: np.ndarray, dt: float, *outflows: np.ndarray) -> list[np.ndarray]:
    """Scale the outflows of a stock so that one step drains at most what it holds.

    The explicit clip of the design rule "flows out of a stock never exceed what the
    stock holds in one step": when the outflows together would take more than
    ``stock / dt``, all of them are scaled down by the same factor.

    Parameters
    ----------
    stock : ndarray
        Contents (amount), any shape.
    dt : float
        Time step (years).
    *outflows : ndarray
        Outflow rates (amount/year) of the same shape.

    Returns
    -------
    list of ndarray
        The outflows, scaled where needed.
    """
    total = sum(outflows)
    tiny = np.finfo(float).tiny  # subnormal totals count as zero (no overflow in the ratio)
    factor = np.minimum(1.0, np.divide(stock, dt * total, out=np.ones_like(total),
                                       where=dt * total > tiny))  # fmt: skip
    return [flow * factor for flow in outflows]


def stage_total(stages: np.ndarray) -> np.ndarray:
    """Contents of a chain summed over its stages (amount), shape (member,).

    Column by column: numpy's reduction over a short trailing axis costs several
    times more than the additions it makes.
    """
    total = stages[:, 0].copy()
    for j in range(1, stages.shape[1]):
        total += stages[:, j]
    return total


def chain_increment(stages: np.ndarray, inflow: np.ndarray, outflows: np.ndarray) -> np.ndarray:
    """Rate of change of each stage (amount/year) given the chain's inflow and outflows.

    Stage ``i`` gains the outflow of stage ``i - 1`` (the first gains ``inflow``) and
    loses its own outflow; the outflow of the last stage leaves the chain.
    """
    change = -outflows
    change[:, 0] += inflow
    change[:, 1:] += outflows[:, :-1]
    return change


def erlang_density(t: np.ndarray, order: int, delay: float) -> np.ndarray:
    """Erlang density of a chain's exit time after a unit pulse (1/year).

    The closed form a pulse through an ``order``-stage chain of mean ``delay`` follows:
    ``k^n t^(n-1) exp(-k t) / (n-1)!`` with ``k = order / delay``.
    """
    k = order / delay
    return k**order * t ** (order - 1) * np.exp(-k * t) / math.factorial(order - 1)
