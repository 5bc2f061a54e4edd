"""Scenario figures in English or Chinese: one panel per indicator, against the plan.

`indicator_svg`
    One indicator as an SVG string with its text kept as text (``svg.fonttype`` none),
    so that the browser's fonts draw the Chinese: the report's figures.
`indicator_panels`
    The report's indicators in one PNG (``compare --lang zh --out``). Chinese needs a
    CJK font for matplotlib (`cjk_font`); without one the PNG keeps English labels and
    one `FontWarning` says so, never empty boxes.

Labels come from the label table (experiments/labels.toml): each scenario's median and
5-95 % band over the ensemble, the seed's observed points (2016-2019), the plan period
shaded, the clearance band and the floor-area target.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib import font_manager

from anshan_housing.experiments.figures import common
from anshan_housing.experiments.figures.common import (
    CLEARANCE_TARGET,
    FLOOR_AREA_TARGET,
    OBSERVED_NAMES,
    PLAN_PERIOD_COLOR,
    TARGET_COLOR,
    _load_default_observed,
    _observed_series,
    _scenario_style,
    plot_model,
    plot_observed,
    units_compatible,
)
from anshan_housing.experiments.labels import check_language, label
from anshan_housing.experiments.policies import PLAN_END, PLAN_START

#: Indicators of the report, in its order.
REPORT_VARIABLES = (
    "average_price",
    "clearance_period",
    "residential_inventory_yearly",
    "presale_permits",
    "land_transacted_yearly",
    "per_capita_floor_area",
)

#: CJK fonts matplotlib may find, the first installed one drawing Chinese.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "SimHei",
             "Noto Sans CJK JP", "Noto Serif CJK SC")  # fmt: skip

WORDS = {
    "year": {"en": "year", "zh": "年份"},
    "observed": {"en": "seed (observed), 2016–2019", "zh": "规划数据（实际值），2016–2019年"},
    "plan": {"en": f"plan period {PLAN_START}–{PLAN_END}",
             "zh": f"规划期 {PLAN_START}–{PLAN_END}年"},
    "band": {"en": "plan target 15–18 months", "zh": "规划目标 15–18个月"},
    "floor": {"en": "plan target > 36 m²/person", "zh": "规划目标 >36 m²/人"},
    "spread": {"en": "median and 5–95 % band of {n} posterior draws",
               "zh": "{n}个后验样本的中位数与5–95 %区间"},
    "title": {"en": "Anshan housing scenarios against the 2021–2025 plan",
              "zh": "鞍山住房情景与“十四五”住房发展规划对照"},
}  # fmt: skip


class FontWarning(UserWarning):
    """Chinese labels asked for a PNG, but matplotlib has no CJK font."""


@cache
def cjk_font() -> str | None:
    """The first installed font of `CJK_FONTS` (matplotlib's font list), or None."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def drawing_language(lang: str, vector: bool) -> str:
    """The language a figure can be drawn in: Chinese in a PNG needs a CJK font.

    An SVG keeps its text as text, so the browser's fonts draw it whatever matplotlib
    has; a PNG without a CJK font falls back to English with one `FontWarning`.
    """
    if check_language(lang) == "zh" and not vector and cjk_font() is None:
        warnings.warn(
            "no CJK font for matplotlib (Noto Sans CJK, WenQuanYi, Microsoft YaHei, PingFang "
            "...): the PNG figures keep English labels; install one, e.g. apt-get install "
            "fonts-noto-cjk",
            FontWarning,
            stacklevel=2,
        )
        return "en"
    return lang


@contextlib.contextmanager
def fonts(lang: str):
    """Matplotlib settings for ``lang``: a CJK font first when there is one, text as text."""
    family = [cjk_font()] if lang == "zh" and cjk_font() else []
    settings = {"font.sans-serif": [*family, "DejaVu Sans"], "svg.fonttype": "none"}
    with plt.rc_context(settings), warnings.catch_warnings():
        # an SVG drawn without a CJK font measures the Chinese with DejaVu's empty boxes;
        # the browser draws it with its own fonts
        warnings.filterwarnings("ignore", r"Glyph \d+ .* missing from font", UserWarning)
        yield


def word(key: str, lang: str, **fields) -> str:
    """One of the figures' own words in ``lang``."""
    return WORDS[key][lang].format(**fields)


def _unit(units: str, lang: str) -> str:
    text = label("units", units, lang)
    return common.unit_label(units) if text == units else text


def _panel(ax, ds: xr.Dataset, name: str, lang: str, observed: xr.Dataset) -> None:
    """One indicator: each scenario's median and band, observed points, plan targets."""
    da = ds[name]
    years = da["year"].values
    ax.axvspan(PLAN_START - 0.5, PLAN_END + 0.5, color=PLAN_PERIOD_COLOR, zorder=0, linewidth=0)
    if name == "clearance_period":
        ax.axhspan(*CLEARANCE_TARGET, color=TARGET_COLOR, alpha=0.18, zorder=1,
                   label=word("band", lang))  # fmt: skip
    if name == "per_capita_floor_area":
        ax.axhline(FLOOR_AREA_TARGET, color=TARGET_COLOR, linestyle="--", linewidth=1.6,
                   label=word("floor", lang))  # fmt: skip
    scenarios = [str(s) for s in da["scenario"].values]
    for i, scenario in enumerate(scenarios):
        plot_model(ax, da.isel(scenario=i), label=label("scenarios", scenario, lang, short=True),
                   band_alpha=min(0.2, 0.6 / len(scenarios)), linewidth=1.7,
                   **_scenario_style(i))  # fmt: skip
    obs = _observed_series(observed, name, OBSERVED_NAMES)
    units = str(da.attrs.get("units", ""))
    if obs is not None and units_compatible(str(obs.attrs.get("units", "")), units):
        valid = obs.dropna("year")
        plot_observed(ax, valid["year"].values, valid.values, x_range=(years[0], years[-1]),
                      label=word("observed", lang))  # fmt: skip
    if name == "clearance_period":  # a market without sales has an infinite period
        finite = np.asarray(da.values, float)
        finite = finite[np.isfinite(finite)]
        ax.set_ylim(0, min(float(np.nanpercentile(finite, 97)) * 1.1, 80.0))
    ax.set_title(label("variables", name, lang), fontsize=11)
    ax.set_ylabel(_unit(units, lang))
    ax.set_xlabel(word("year", lang))
    ax.grid(alpha=0.3)


def _members(ds: xr.Dataset) -> int:
    return int(ds.sizes.get("member", 1))


def indicator_svg(ds: xr.Dataset, name: str, lang: str = "en",
                  observed: xr.Dataset | None = None) -> str:  # fmt: skip
    """One indicator's panel as an SVG document (text kept as text), with its legend.

    Parameters
    ----------
    ds : xarray.Dataset
        A comparison (dims ``scenario``, ``member``, ``year``) holding ``name``.
    name : str
        One of `REPORT_VARIABLES`.
    lang : {'en', 'zh'}
    observed : xarray.Dataset, optional
        Observed series; the seed's by default.
    """
    observed = _load_default_observed(observed)
    with fonts(check_language(lang)):
        fig, ax = plt.subplots(figsize=(7.2, 4.3), layout="constrained")
        try:
            _panel(ax, ds, name, lang, observed)
            ax.legend(fontsize=8, ncol=2, frameon=False, loc="best")
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg")
        finally:
            plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # the element, without the XML prologue


def indicator_panels(ds: xr.Dataset, path: str | Path, lang: str = "en",
                     variables: Sequence[str] = REPORT_VARIABLES,
                     observed: xr.Dataset | None = None) -> Path:  # fmt: skip
    """The indicators in one PNG, labelled in ``lang`` (English without a CJK font)."""
    lang = drawing_language(lang, vector=False)
    observed = _load_default_observed(observed)
    with fonts(lang):
        fig, axes = common.panel_grid(len(variables), 3.6, 1.4, common.SWEEP_WIDTH)
        try:
            for ax, name in zip(axes.flat, variables, strict=False):
                _panel(ax, ds, name, lang, observed)
            handles, labels = axes.flat[0].get_legend_handles_labels()
            keep = [(h, t) for h, t in zip(handles, labels, strict=True)
                    if not t.startswith("_")]  # fmt: skip
            fig.legend(*zip(*keep, strict=True), loc="outside lower center",
                       ncol=min(len(keep), 5), frameon=False)  # fmt: skip
            spread = word("spread", lang, n=f"{_members(ds):,}") if _members(ds) > 1 else ""
            fig.suptitle(f"{word('title', lang)}\n{spread}", fontsize=13, weight="bold")
        except BaseException:
            plt.close(fig)
            raise
        return common.save(fig, path)


__all__ = ["REPORT_VARIABLES", "FontWarning", "cjk_font", "drawing_language", "indicator_panels",
           "indicator_svg"]  # fmt: skip
