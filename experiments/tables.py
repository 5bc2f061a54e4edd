"""Tables for people: the scorecard (terminal, Markdown, JSON) and a run's yearly summary.

Scenarios are rows and targets columns; a table too wide for ``width`` columns is
wrapped into blocks of columns, each repeating the scenario column. Over posterior
draws there are three tables: P(target met) with the expected number met, the medians
with each target, and the figures reported beside Table 1; for a point run the values
with ✓/✗ and the number met, and the reported figures. In Chinese (``lang="zh"``) the
names come from the label table (experiments/labels.toml) and the columns align by
display width.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from anshan_housing.experiments.labels import (
    check_language,
    display_width,
    label,
    pad,
    target_text,
)
from anshan_housing.experiments.scorecard import TARGETS, Row

WIDTH = 100  # terminal columns the table must fit
FORMATS = ("table", "csv", "markdown", "json")
GAP = 2  # spaces between columns

WORDS = {  # the tables' own words
    "heading": {"en": "scorecard against the plan's Table 1 (parameters: {label}; population "
                      "basis: {basis})",
                "zh": "对照规划表1的评分（参数：{label}；人口口径：{basis}）"},
    "scenario": {"en": "scenario", "zh": "情景"},
    "target": {"en": "target", "zh": "目标值"},
    "probability": {"en": "P(target met) over {n} posterior draws",
                    "zh": "目标达成概率（{n}个后验样本）"},
    "median": {"en": "median 2025 values (5-95 % in --format csv|json)",
               "zh": "2025年中位数（5-95 %区间见 --format csv|json）"},
    "point": {"en": "best-fit run: value and ✓ met / ✗ missed",
              "zh": "最优拟合运行：数值与 ✓ 达成 / ✗ 未达成"},
    "reported": {"en": "reported beside Table 1 (median)", "zh": "表1之外的指标（中位数）"},
    "met": {"en": "met", "zh": "达成"},
    "expected": {"en": "expected", "zh": "期望达成"},
    "unit": {"en": "unit", "zh": "单位"},
}  # fmt: skip


def word(key: str, lang: str, **fields) -> str:
    """One of the tables' own words in ``lang``."""
    return WORDS[key][lang].format(**fields)


def number(value: float | None) -> str:
    """A value as the tables print it: thousands separated, one decimal below 1,000."""
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


def wrap_columns(head: Sequence[str], rows: Sequence[Sequence[str]], width: int = WIDTH) -> str:
    """A table as text no wider than ``width``: columns wrapped into blocks if need be.

    The first column (left-aligned) is repeated in every block; the others are
    right-aligned. Widths are display widths, so Chinese aligns.
    """
    cols = list(zip(head, *rows, strict=True))
    widths = [max(display_width(c) for c in col) for col in cols]
    blocks, current, used = [], [], widths[0]
    for j in range(1, len(cols)):
        if current and used + GAP + widths[j] > width:
            blocks.append(current)
            current, used = [], widths[0]
        current.append(j)
        used += GAP + widths[j]
    blocks.append(current)
    out = []
    for block in blocks:
        for line in [head, *rows]:
            cells = [pad(line[0], widths[0])] + [pad(line[j], widths[j], ">") for j in block]
            out.append((" " * GAP).join(cells).rstrip())
        out.append("")
    return "\n".join(out).rstrip("\n")


def _short(row: Row, lang: str) -> str:
    kind = "targets" if row.key in TARGETS else "reported"
    return label(kind, row.key, lang, short=True) if row.key else row.indicator


def _tables(cards: dict[str, list[Row]], lang: str,
            draws: int | None) -> list[tuple[str, list[str], list[list[str]]]]:  # fmt: skip
    """(title, header, rows) of each table, scenarios as rows."""
    names = list(cards)
    first = cards[names[0]]
    targets = [r for r in first if r.key in TARGETS]
    reported = [r for r in first if r.status == "reported" and r.key not in TARGETS]
    scenario = [label("scenarios", n, lang, short=True) for n in names]
    posterior = targets and targets[0].probability is not None
    by_key = {n: {r.key: r for r in cards[n]} for n in names}
    head = [word("scenario", lang)] + [_short(r, lang) for r in targets]
    target_line = [word("target", lang)] + [target_text(r.key, r.target, lang) for r in targets]
    tables = []
    if posterior:
        rows = [[s] + [f"{by_key[n][r.key].probability:.2f}" for r in targets]
                + [f"{sum(by_key[n][r.key].probability for r in targets):.2f}"]
                for s, n in zip(scenario, names, strict=True)]  # fmt: skip
        tables.append((word("probability", lang, n=f"{draws:,}" if draws else "the"),
                       head + [word("expected", lang)], rows))  # fmt: skip
        rows = [[s] + [number(by_key[n][r.key].value) for r in targets]
                for s, n in zip(scenario, names, strict=True)]  # fmt: skip
        tables.append((word("median", lang), head, [target_line, *rows]))
    else:
        marks = {"met": " ✓", "missed": " ✗"}
        rows = [[s] + [number(by_key[n][r.key].value) + marks.get(by_key[n][r.key].status, "")
                       for r in targets]
                + [str(sum(by_key[n][r.key].status == "met" for r in targets))]
                for s, n in zip(scenario, names, strict=True)]  # fmt: skip
        tables.append((word("point", lang), head + [word("met", lang)],
                       [target_line + [""], *rows]))  # fmt: skip
    units = [word("unit", lang)] + [label("units", r.unit, lang, short=True) for r in reported]
    rows = [[s] + [number(by_key[n][r.key].value) for r in reported]
            for s, n in zip(scenario, names, strict=True)]  # fmt: skip
    tables.append((word("reported", lang), [word("scenario", lang)]
                   + [_short(r, lang) for r in reported], [units, *rows]))  # fmt: skip
    return tables


def format_table(cards: dict[str, list[Row]], lang: str = "en", width: int = WIDTH,
                 draws: int | None = None) -> str:  # fmt: skip
    """The scorecard as terminal tables no wider than ``width`` display columns."""
    check_language(lang)
    parts = []
    for title, head, rows in _tables(cards, lang, draws):
        parts += [title, wrap_columns(head, rows, width), ""]
    return "\n".join(parts).rstrip("\n")


def format_markdown(cards: dict[str, list[Row]], lang: str = "en",
                    draws: int | None = None) -> str:  # fmt: skip
    """The scorecard as Markdown tables, one row per scenario."""
    check_language(lang)
    parts = []
    for title, head, rows in _tables(cards, lang, draws):
        parts.append(f"**{title}**\n")
        parts.append("| " + " | ".join(head) + " |")
        parts.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        parts += ["| " + " | ".join(r) + " |" for r in rows]
        parts.append("")
    return "\n".join(parts).rstrip("\n")


def scorecard_records(cards: dict[str, list[Row]], lang: str = "en", basis: str = "plan"):
    """One record per scenario and row: keys, names in ``lang``, values, P(met)."""
    check_language(lang)
    records = []
    for name, rows in cards.items():
        for r in rows:
            kind = "targets" if r.key in TARGETS else "reported"
            records.append({
                "scenario": name, "scenario_label": label("scenarios", name, lang),
                "population_basis": basis, "key": r.key, "indicator": r.indicator,
                "label": label(kind, r.key, lang) if r.key else r.indicator,
                "unit": r.unit, "unit_label": label("units", r.unit, lang), "target": r.target,
                "status": r.status, "median": r.value, "low": r.low, "high": r.high,
                "probability": r.probability,
            })  # fmt: skip
    return records


def format_json(cards: dict[str, list[Row]], lang: str = "en", basis: str = "plan") -> str:
    """The scorecard as a JSON list of records (:func:`scorecard_records`)."""
    return json.dumps(scorecard_records(cards, lang, basis), ensure_ascii=False, indent=1)


SUMMARY_COLUMNS = (  # variable, label, divisor, unit, format: `run`'s yearly table
    ("population_total", "pop.", 1e6, "M", "{:.3f}"),
    ("urbanisation_rate", "urban", 1, "%", "{:.2f}"),
    ("natural_growth_rate", "nat.gr.", 1, "‰", "{:+.2f}"),
    ("net_migration", "net migr", 1, "/yr", "{:+,.0f}"),
    ("share_60plus", "60+", 1, "%", "{:.1f}"),
    ("households_urban", "urban hh", 1e3, "k", "{:,.0f}"),
    ("sales_area", "sales", 1, "万m²", "{:.1f}"),
    ("average_price", "price", 1, "yuan/m²", "{:,.0f}"),
    ("presale_permits", "permits", 1, "万m²", "{:.1f}"),
    ("residential_inventory_yearly", "inventory", 1, "万m²", "{:.1f}"),
    ("clearance_period", "clearance", 1, "months", "{:.1f}"),
    ("per_capita_floor_area", "area/cap", 1, "m²", "{:.1f}"),
)


def summary_table(ds, columns=SUMMARY_COLUMNS) -> str:
    """Yearly figures of member 0 (or the ensemble median) as a text table."""
    if ds.sizes["member"] > 1:
        reduce = lambda da: da.median("member")  # noqa: E731
    else:
        reduce = lambda da: da.isel(member=0)  # noqa: E731
    names = [c for c in columns if c[0] in ds]
    widths = [max(len(label), len(unit) + 2, 7) for _, label, _, unit, _ in names]
    header = "year " + " ".join(f"{c[1]:>{w}}" for c, w in zip(names, widths, strict=True))
    units = "     " + " ".join(
        f"{'(' + c[3] + ')':>{w}}" for c, w in zip(names, widths, strict=True)
    )
    lines = [header, units]
    for year in ds["year"].values:
        cells = [fmt.format(float(reduce(ds[name]).sel(year=year)) / div)
                 for name, _, div, _, fmt in names]  # fmt: skip
        lines.append(f"{year} " + " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    return "\n".join(lines)


__all__ = [
    "FORMATS",
    "SUMMARY_COLUMNS",
    "summary_table",
    "WIDTH",
    "format_json",
    "format_markdown",
    "format_table",
    "wrap_columns",
]
