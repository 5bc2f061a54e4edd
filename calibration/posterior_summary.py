"""What the data say: how far each parameter's posterior narrowed, and how they co-vary.

Read off a saved posterior (ArviZ InferenceData with prior and posterior groups):

- narrowing: each parameter's 90 % interval, prior against posterior; their ratio
  (1 = the data taught nothing, 0.1 = a tenth of the prior width is left) and the
  posterior contraction ``1 - var(posterior) / var(prior)`` (Schad, Betancourt &
  Vasishth 2021, Psychological Methods 26(1), 103-126, doi:10.1037/met0000275);
- correlations: the posterior's Pearson correlations, the strongest first; a pair of
  parameters the data tie together (one can trade off against the other) shows here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INTERVAL = (0.05, 0.95)  # the 90 % intervals compared
PINNED = 0.5  # a posterior interval under half the prior's: the data pin the parameter
UNTOUCHED = 0.9  # over 90 % of the prior's: the data say little about it


@dataclass(frozen=True)
class Narrowing:
    """One parameter: prior and posterior 90 % intervals, their width ratio, contraction."""

    name: str
    prior: tuple[float, float]
    posterior: tuple[float, float, float]  # 5 %, median, 95 %
    width_ratio: float  # posterior 90 % width / prior 90 % width
    contraction: float  # 1 - posterior variance / prior variance

    @property
    def verdict(self) -> str:
        """'pinned', 'narrowed' or 'prior only', by the width ratio."""
        if self.width_ratio < PINNED:
            return "pinned"
        return "prior only" if self.width_ratio > UNTOUCHED else "narrowed"


def _flat(group, name: str) -> np.ndarray:
    return np.asarray(group[name].values, float).reshape(-1)


def narrowing(idata) -> list[Narrowing]:
    """Prior against posterior for every sampled parameter, the most narrowed first."""
    rows = []
    for name in idata.posterior.data_vars:
        prior, post = _flat(idata.prior, name), _flat(idata.posterior, name)
        p_lo, p_hi = np.quantile(prior, INTERVAL)
        lo, mid, hi = np.quantile(post, [INTERVAL[0], 0.5, INTERVAL[1]])
        rows.append(
            Narrowing(
                name=str(name),
                prior=(float(p_lo), float(p_hi)),
                posterior=(float(lo), float(mid), float(hi)),
                width_ratio=float((hi - lo) / (p_hi - p_lo)),
                contraction=float(1 - post.var() / prior.var()),
            )
        )
    return sorted(rows, key=lambda r: r.width_ratio)


def correlations(idata, top: int = 6) -> list[tuple[str, str, float]]:
    """The ``top`` strongest posterior correlations (by size), as (a, b, r)."""
    names = [str(n) for n in idata.posterior.data_vars]
    corr = np.corrcoef(np.stack([_flat(idata.posterior, n) for n in names]))
    pairs = [(names[i], names[j], float(corr[i, j]))
             for i in range(len(names)) for j in range(i + 1, len(names))]  # fmt: skip
    return sorted(pairs, key=lambda p: -abs(p[2]))[:top]


def format_narrowing(rows: list[Narrowing]) -> str:
    """The narrowing table as text, one parameter a line."""
    lines = [f"{'parameter':<30} {'prior 5-95 %':>23} {'posterior 5-95 %':>23} "
             f"{'width':>6} {'contr.':>6}  verdict"]  # fmt: skip
    for r in rows:
        lines.append(f"{r.name:<30} {r.prior[0]:>11.4g}-{r.prior[1]:<11.4g} "
                     f"{r.posterior[0]:>11.4g}-{r.posterior[2]:<11.4g} "
                     f"{r.width_ratio:>6.2f} {r.contraction:>6.2f}  {r.verdict}")  # fmt: skip
    return "\n".join(lines)


def format_correlations(pairs: list[tuple[str, str, float]]) -> str:
    """The strongest posterior correlations as text."""
    return "\n".join(f"{a} ~ {b}: r = {r:+.2f}" for a, b, r in pairs)


def format_checks_of(idata) -> str:
    """A posterior's checks as text: R-hat, ESS, the SMC's record, predictive coverage."""
    from anshan_housing.calibration import bayes

    names, draws = bayes.chains(idata)
    table = bayes.diagnostics(draws, names)
    coverage = bayes.predictive_coverage(idata)
    points = idata.observed_data["fitted"].size
    return "\n".join([
        f"{draws.shape[0]} runs x {draws.shape[1]} draws of {len(names)} parameters",
        bayes.format_diagnostics(idata, table),
        bayes.format_checks(table),
        bayes.format_smc(idata.posterior.attrs),
        f"posterior predictive: {100 * coverage:.0f} % of the {points} observed points "
        "inside the 5-95 % band",
    ])  # fmt: skip


def format_what_the_data_say(idata) -> str:
    """The narrowing table and the strongest correlations, with their headings."""
    return "\n".join([
        "what the data say: prior against posterior 90 % intervals",
        format_narrowing(narrowing(idata)),
        "strongest posterior correlations",
        format_correlations(correlations(idata)),
    ])  # fmt: skip


__all__ = ["Narrowing", "correlations", "format_checks_of", "format_correlations",
           "format_narrowing", "format_what_the_data_say", "narrowing"]  # fmt: skip
