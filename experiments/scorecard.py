"""Scorecard: each scenario's simulated values against every row of the plan's Table 1.

Every value is computed from the simulated Dataset; all eight rows of Table 1 are
simulated. The programmes' rows read: property management, the share of 2021-2025
completions under property management (binding: 100 %); renovation, the floor area
renovated 2021-2025; the green-building share, of the area completed in 2025 (the
standard is checked on completed buildings, MOHURD's 城镇新建建筑中绿色建筑面积占比);
the prefabricated share, of the area started in 2025 (MOHURD counts 新开工装配式建筑).

Which model flow counts as "new commodity housing supply": new presale permits of
housing (residential scope), the area that enters the market in the year. The plan's
Table 2 supply of 220 万m² a year is new commodity housing put on the market, and the
2016-2019 "new commodity housing entering the market" (202.87 万m²/yr, seed sec. 2)
is the same flow; completions would count the same area two to three years later.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np
import xarray as xr

from anshan_housing.experiments.policies import PLAN_END, PLAN_START

BAND = (15.0, 18.0)  # Table 1: clearance period of new commodity housing, months
SUPPLY_TARGET = 1100.0  # Table 1: new commodity housing supply 2021-2025, 万m²
SUPPLY_TOLERANCE = 0.10  # an expected quantity, met within +-10 % [assumption]
FLOOR_AREA_TARGET = 36.0  # Table 1: per-capita housing floor area, m²/person, > 36
RENTAL_TARGET = 8200.0  # Table 1: public rental housing subsidies 2021-2025, ">8200"
# The plan's own programme (Table 2: 0.164 万 a year) sums to exactly 0.82 万 = 8,200,
# so the row is read as "at least 8,200", within half a household of rounding.
RENTAL_ROUNDING = 0.5
MANAGEMENT_TARGET = 100.0  # Table 1: property-management coverage of new compounds, %, binding
MANAGEMENT_ROUNDING = 1e-9  # a share of exactly 1 summed over months, in %
RENOVATION_TARGET = 1000.0  # Table 1: old-compound renovation 2021-2025, 万m², "> 1000"
GREEN_TARGET = 66.0  # Table 1: green-building standard share of new housing, %, "> 66"
PREFAB_TARGET = 30.0  # Table 1: prefabricated share of new floor area, %, "> 30"


@dataclass(frozen=True)
class Row:
    """One scorecard row for one scenario.

    For a point run ``value`` is the run's value; over posterior draws it is the median,
    ``low`` and ``high`` the 5 % and 95 % values, ``probability`` the share of draws
    meeting the target, and ``status`` "met" when at least half of them do.
    """

    indicator: str
    unit: str
    target: str
    value: float | None
    status: str  # "met", "missed" or "reported"
    low: float | None = None
    high: float | None = None
    probability: float | None = None
    key: str = ""  # the row's key in experiments/labels.toml (targets or reported)


#: Table 1 rows: target key (`TARGETS`), indicator, unit, target as printed.
TABLE_1 = (
    ("supply", "new commodity housing supply 2021-2025 (permits)", "1e4 m**2", "1,100"),
    ("floor_area", "per-capita housing floor area 2025", "m**2/person", "> 36"),
    ("clearance", "clearance period 2025", "month", "15-18"),
    ("rental", "public rental housing subsidies 2021-2025", "household", ">= 8,200"),
    ("management", "property-management coverage of new compounds 2021-2025", "%",
     "100 (binding)"),
    ("renovation", "old-compound renovation 2021-2025", "1e4 m**2", "> 1,000"),
    ("green", "green-building standard share of completions 2025", "%", "> 66"),
    ("prefab", "prefabricated share of starts 2025", "%", "> 30"),
)  # fmt: skip
BAND_ROW = "months of 2021-2025 with clearance period in 15-18"


def _reported(ds: xr.Dataset) -> list[tuple[str, str, str, np.ndarray]]:
    """The figures reported beside Table 1: key, indicator, unit, value of each member."""
    plan = slice(PLAN_START, PLAN_END)

    def total(name):
        return ds[name].sel(year=plan).sum("year").values

    def end(name):
        return ds[name].sel(year=PLAN_END).values

    return [
        ("price_2025", "average price 2025", "yuan/m**2", end("average_price")),
        ("population_2025", "resident population 2025", "person", end("population_total")),
        ("households_2025", "urban households 2025", "household", end("households_urban")),
        ("inventory_2025", "residential inventory end 2025", "1e4 m**2",
         end("residential_inventory_yearly")),
        ("land_2021_2025", "residential land sold 2021-2025", "hectare",
         total("land_transacted_yearly")),
        ("managed_renovation", "renovated area put under property management 2021-2025",
         "1e4 m**2", total("managed_renovation_yearly")),
    ]  # fmt: skip


def months_in_band(ds: xr.Dataset) -> int | None:
    """Months of 2021-2025 whose clearance period lies in the plan's 15-18 band."""
    if "clearance_period_monthly" not in ds:
        return None
    period = ds["clearance_period_monthly"].isel(member=0)
    period = period.sel(time=slice(f"{PLAN_START}-01", f"{PLAN_END}-12")).values
    return int(np.sum((period >= BAND[0]) & (period <= BAND[1])))


def scorecard(ds: xr.Dataset) -> list[Row]:
    """Table 1 rows and the extra figures for one scenario's run (member 0)."""
    values, flags = target_values(ds), target_flags(ds)
    rows = []
    for key, indicator, unit, target in TABLE_1:
        rows.append(Row(indicator, unit, target, float(values[key][0]),
                        "met" if flags[key][0] else "missed", key=key))  # fmt: skip
        if key == "clearance":
            inside = months_in_band(ds)
            rows.append(Row(BAND_ROW, "month", "60 of 60",
                            None if inside is None else float(inside), "reported",
                            key="months_in_band"))  # fmt: skip
    rows += [Row(ind, unit, "-", float(v[0]), "reported", key=key)
             for key, ind, unit, v in _reported(ds)]  # fmt: skip
    return rows


def posterior_scorecard(ds: xr.Dataset) -> list[Row]:
    """Table 1 rows over an ensemble of posterior draws: median, 5 %, 95 %, P(met).

    The months-in-band row needs monthly records and is left out.
    """
    values, flags = target_values(ds), target_flags(ds)

    def row(key, indicator, unit, target, v, status, probability=None):
        low, mid, high = np.quantile(v, [0.05, 0.5, 0.95])
        return Row(indicator, unit, target, float(mid), status, float(low), float(high),
                   probability, key)  # fmt: skip

    rows = []
    for key, indicator, unit, target in TABLE_1:
        probability = float(np.mean(flags[key]))
        rows.append(row(key, indicator, unit, target, values[key],
                        "met" if probability >= 0.5 else "missed", probability))  # fmt: skip
    rows += [row(key, ind, unit, "-", v, "reported") for key, ind, unit, v in _reported(ds)]
    return rows


def _shares(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """``part / whole`` per member (1), 0 where the whole is 0."""
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


TARGETS = ("supply", "floor_area", "clearance", "rental", "management", "renovation", "green",
           "prefab")  # the eight Table 1 rows, in the scorecard's order  # fmt: skip


def target_flags(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Whether each member meets each simulated Table 1 target, (member,) booleans."""
    v = target_values(ds)
    return {
        "supply": np.abs(v["supply"] / SUPPLY_TARGET - 1) <= SUPPLY_TOLERANCE,
        "floor_area": v["floor_area"] > FLOOR_AREA_TARGET,
        "clearance": (v["clearance"] >= BAND[0]) & (v["clearance"] <= BAND[1]),
        "rental": v["rental"] >= RENTAL_TARGET - RENTAL_ROUNDING,
        "management": v["management"] >= MANAGEMENT_TARGET - MANAGEMENT_ROUNDING,
        "renovation": v["renovation"] > RENOVATION_TARGET,
        "green": v["green"] > GREEN_TARGET,
        "prefab": v["prefab"] > PREFAB_TARGET,
    }


def target_values(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """Each member's value of each Table 1 row, (member,) arrays in the rows' units."""
    plan = slice(PLAN_START, PLAN_END)
    supply = ds["new_supply"].sel(year=plan).sum("year").values
    area = ds["per_capita_floor_area"].sel(year=PLAN_END).values
    clearance = ds["clearance_period"].sel(year=PLAN_END).values
    rental = ds["rental_subsidies_yearly"].sel(year=plan).sum("year").values
    completions = ds["completions_yearly"].sel(year=plan).sum("year").values
    managed = ds["managed_completions_yearly"].sel(year=plan).sum("year").values
    management = 100.0 * _shares(managed, completions)
    renovated = ds["renovation_yearly"].sel(year=plan).sum("year").values
    end = {name: ds[name].sel(year=PLAN_END).values for name in
           ("green_completions_yearly", "completions_yearly", "prefab_starts_yearly",
            "starts_yearly")}  # fmt: skip
    green = 100.0 * _shares(end["green_completions_yearly"], end["completions_yearly"])
    prefab = 100.0 * _shares(end["prefab_starts_yearly"], end["starts_yearly"])
    return {"supply": supply, "floor_area": area, "clearance": clearance, "rental": rental,
            "management": management, "renovation": renovated, "green": green,
            "prefab": prefab}  # fmt: skip


def targets_met(rows: list[Row]) -> int:
    """Number of Table 1 rows met."""
    return sum(row.status == "met" for row in rows)


ROBUST = 0.9  # a verdict over the posterior is robust when P(met) >= 0.9 ...
ROBUST_MISS = 0.1  # ... or P(met) <= 0.1


ROBUST_WORDS = {
    "en": ("robust verdicts (met: P >= {met:g}; missed: P <= {miss:g}; uncertain: P between)",
           "met", "missed", "uncertain", ", "),
    "zh": ("稳健结论（达成：P ≥ {met:g}；未达成：P ≤ {miss:g}；其余为不确定）", "达成", "未达成",
           "不确定", "、"),
}  # fmt: skip


def format_robust(cards: dict[str, list[Row]], lang: str = "en") -> str:
    """Per scenario, the Table 1 targets met robustly, missed robustly, and uncertain.

    A target is robustly met when at least `ROBUST` of the posterior draws meet it,
    robustly missed when at most `ROBUST_MISS` do; empty for point runs.
    """
    from anshan_housing.experiments.labels import label, wrap

    head, met_word, missed_word, open_word, sep = ROBUST_WORDS[lang]
    lines = [head.format(met=ROBUST, miss=ROBUST_MISS)]
    for name, rows in cards.items():
        keyed = [(row.key, row.probability) for row in rows if row.key in TARGETS]
        if not keyed or any(p is None for _, p in keyed):
            return ""

        def names(keys):
            return sep.join(label("targets", k, lang, short=True) for k in keys) or "-"

        met = [k for k, p in keyed if p >= ROBUST]
        missed = [k for k, p in keyed if p <= ROBUST_MISS]
        open_ = sep.join(f"{label('targets', k, lang, short=True)} {p:.2f}" for k, p in keyed
                         if ROBUST_MISS < p < ROBUST) or "-"  # fmt: skip
        line = (f"{label('scenarios', name, lang, short=True)}: {met_word} {names(met)}; "
                f"{missed_word} {names(missed)}; {open_word} {open_}")  # fmt: skip
        lines += wrap(line)
    return "\n".join(lines)


def scorecard_csv(cards: dict[str, list[Row]], basis: str = "plan") -> str:
    """The scorecard in long CSV form, a row per scenario and indicator.

    Columns: scenario, population basis, indicator, unit, target, value, status,
    median, low, high, probability. A point run fills ``median`` with its value and
    leaves the other three empty; over posterior draws ``value`` is the median.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["scenario", "population_basis", "indicator", "unit", "target", "value",
                     "status", "median", "low", "high", "probability"])  # fmt: skip

    def number(x):
        return "" if x is None else f"{x:.6g}"

    for name, rows in cards.items():
        for r in rows:
            writer.writerow([name, basis, r.indicator, r.unit, r.target, number(r.value),
                             r.status, number(r.value), number(r.low), number(r.high),
                             number(r.probability)])  # fmt: skip
    return buffer.getvalue()
