"""One self-contained HTML report of the scenarios, in Chinese or English.

`build_report` turns a posterior comparison and its context into one HTML page: styles
inline, figures inline as SVG with their text kept as text (the browser's fonts draw
the Chinese), no script and nothing fetched. Sections: the model and its data, the
Table 1 scorecard with probabilities, the figures, the fit to 2016-2019, what the data
pin down, the downturn, assumptions and sources, provenance. A print stylesheet puts
each section on its own A4 page; on a phone the tables scroll sideways.
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from anshan_housing.experiments.figures.indicators import REPORT_VARIABLES, indicator_svg
from anshan_housing.experiments.labels import check_language, label, target_text
from anshan_housing.experiments.scorecard import ROBUST, ROBUST_MISS, TARGETS, Row

REPORT_FILE = "report.html"
DOWNTURN = "downturn"
DOWNTURN_RATIOS = ("sales_area", "development_investment", "starts_yearly", "average_price")
FONT_STACK = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
              '"WenQuanYi Zen Hei", "Helvetica Neue", Arial, sans-serif')  # fmt: skip

TEXT = {
    "en": {
        "title": "Anshan housing plan 2021-2025: how likely is each land policy to meet "
                 "its targets?",
        "lead": "A system-dynamics model of Anshan's housing market, calibrated on the "
                "plan's own 2016-2019 figures, runs each land-supply scenario of 2021-2025 "
                "over {draws:,} draws of the posterior. Every Table 1 target gets the "
                "probability that it is met.",
        "model": "The model and its data",
        "model_text": "Stocks and flows of the housing system, month by month from 2016 to "
                      "2025: the population by age and its households, land sold, the "
                      "presale pipeline from starts to completions, sales and inventory, "
                      "prices formed by the clearance period and incomes, developers' "
                      "funding, public rental subsidies, old-compound renovation and "
                      "building standards. Population basis: {basis}.",
        "data": "Data the model rests on",
        "data_head": ("series", "unit", "2016", "2017", "2018", "2019"),
        "census": "Censuses: 2010 and 2020 (七普) resident population and household size "
                  "check the demography.",
        "scorecard": "Table 1 targets: probability of meeting each",
        "scorecard_text": "Each cell: the median value in 2025 (or summed over 2021-2025), "
                          "its 5-95 % range, and P, the share of posterior draws that meet "
                          "the target. Green: met in at least {met:.0%} of the draws; red: "
                          "in at most {miss:.0%}; the rest are uncertain.",
        "indicator": "indicator",
        "target": "target",
        "figures": "Scenarios against the plan",
        "figures_text": "Median and 5-95 % band of each scenario; red diamonds: the plan's "
                        "figures for 2016-2019; shaded: the plan period.",
        "fit": "Fit to 2016-2019",
        "fit_text": "The best-fit run against the plan's figures: mean absolute percent "
                    "error (MAPE), R² and Theil's inequality proportions (bias U^M, "
                    "variance U^S, covariance U^C).",
        "fit_head": ("series", "years", "MAPE", "R²", "U^M", "U^S", "U^C"),
        "pinned": "What the data pin down, and what they don't",
        "pinned_text": "Each parameter's 90 % interval after the 2016-2019 data against "
                       "before (prior). Width ratio: posterior over prior width (1: the "
                       "data taught nothing).",
        "pinned_head": ("parameter", "unit", "prior 5-95 %", "posterior 5-95 %", "width ratio",
                        "verdict"),
        "verdicts": {"pinned": "pinned", "narrowed": "narrowed", "prior only": "prior only"},
        "downturn": "The downturn scenario",
        "downturn_text": "The plan's land under the credit squeeze and the presale-confidence "
                         "shock of 2021-2022 and the relief of 2022-2024. 2025 over 2021, "
                         "posterior median:",
        "ratio_head": ("indicator", "2021", "2025", "2025 / 2021"),
        "no_downturn": "The downturn scenario was not among those run.",
        "assumptions": "Assumptions and sources",
        "assumptions_text": "The scenarios run here, and the sampled parameters with their "
                            "sources (the plan, the censuses, published studies or a stated "
                            "assumption).",
        "scenario_head": ("scenario", "what it assumes"),
        "param_head": ("parameter", "value", "unit", "source"),
        "provenance": "Provenance",
        "prov_head": ("item", "value"),
        "generated": "generated",
        "bases": {"plan": "the plan's own population figures", "census": "the censuses"},
    },
    "zh": {
        "title": "鞍山市“十四五”住房发展规划：各供地方案实现目标的可能性",
        "lead": "本报告以鞍山住房市场系统动力学模型为基础，模型依据规划中2016-2019年的数据"
                "校准，对2021-2025年各住宅用地供应情景在{draws:,}个后验样本上运行，"
                "给出表1每项目标的达成概率。",
        "model": "模型与数据",
        "model_text": "模型按月模拟2016-2025年住房系统的存量与流量：分年龄人口与家庭户、"
                      "住宅用地出让、从开工到竣工的预售链条、销售与库存、由去化周期和收入"
                      "决定的价格、开发企业资金、公租房保障、老旧小区改造与建筑标准。"
                      "人口口径：{basis}。",
        "data": "模型所依据的数据",
        "data_head": ("指标", "单位", "2016", "2017", "2018", "2019"),
        "census": "人口普查：第六次（2010年）和第七次（2020年）全国人口普查的常住人口与"
                  "户规模用于检验人口模块。",
        "scorecard": "表1目标：各项目标的达成概率",
        "scorecard_text": "每格为2025年（或2021-2025年累计）的中位数、5-95 %区间及达成概率P"
                          "（后验样本中达成目标的比例）。绿色：至少{met:.0%}的样本达成；红色："
                          "至多{miss:.0%}的样本达成；其余为不确定。",
        "indicator": "指标",
        "target": "目标值",
        "figures": "各情景与规划目标对照",
        "figures_text": "各情景的中位数与5-95 %区间；红色菱形：规划中2016-2019年的实际数据；"
                        "阴影：规划期。",
        "fit": "2016-2019年拟合情况",
        "fit_text": "最优拟合运行与规划数据的对比：平均绝对百分比误差（MAPE）、R²及泰尔"
                    "不等分解（偏差U^M、方差U^S、协方差U^C）。",
        "fit_head": ("指标", "年数", "MAPE", "R²", "U^M", "U^S", "U^C"),
        "pinned": "数据确定了什么、未确定什么",
        "pinned_text": "各参数在纳入2016-2019年数据后（后验）与之前（先验）的90 %区间对比。"
                       "宽度比：后验区间宽度与先验之比（1表示数据未提供信息）。",
        "pinned_head": ("参数", "单位", "先验5-95 %", "后验5-95 %", "宽度比", "结论"),
        "verdicts": {"pinned": "已确定", "narrowed": "已收窄", "prior only": "仅先验"},
        "downturn": "市场下行情景",
        "downturn_text": "规划供地叠加2021-2022年的信贷收紧与预售信心冲击，以及2022-2024年的"
                         "纾困政策。2025年与2021年之比（后验中位数）：",
        "ratio_head": ("指标", "2021年", "2025年", "2025/2021"),
        "no_downturn": "本次未运行市场下行情景。",
        "assumptions": "假设与数据来源",
        "assumptions_text": "本次运行的情景，以及参与抽样的参数及其来源（规划、人口普查、"
                            "已发表研究或明确的假设）。",
        "scenario_head": ("情景", "情景假设"),
        "param_head": ("参数", "取值", "单位", "来源"),
        "provenance": "出处",
        "prov_head": ("项目", "内容"),
        "generated": "生成时间",
        "bases": {"plan": "规划人口数据", "census": "人口普查数据"},
    },
}  # fmt: skip

OBSERVED_ROWS = ("average_price", "sales_area", "residential_inventory", "clearance_period",
                 "development_investment", "presale_permits")  # fmt: skip

STYLE = """
:root { --met: #e3f4e1; --miss: #fbe3e1; --open: #fff4d6; --ink: #1d2433; --line: #d6dae3; }
* { box-sizing: border-box; }
body { font-family: FONTS; color: var(--ink); margin: 0 auto; max-width: 1080px;
       padding: 16px; line-height: 1.55; font-size: 16px; }
h1 { font-size: 1.55em; line-height: 1.3; margin: 0.4em 0; }
h2 { font-size: 1.25em; border-bottom: 2px solid var(--line); padding-bottom: 4px;
     margin-top: 1.8em; }
p.lead { font-size: 1.05em; }
.wrap { overflow-x: auto; -webkit-overflow-scrolling: touch; margin: 0.6em 0; }
table { border-collapse: collapse; font-size: 0.9em; min-width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 7px; vertical-align: top; }
th { background: #f3f5f9; text-align: left; }
tbody th:first-child { min-width: 11em; }
td.num { text-align: right; white-space: nowrap; }
td.met { background: var(--met); } td.missed { background: var(--miss); }
td.uncertain { background: var(--open); }
td small, figcaption { color: #5a6273; }
figure { margin: 1em 0; } figure svg { width: 100%; height: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
        gap: 12px; }
@media (max-width: 600px) { body { padding: 10px; font-size: 15px; }
  .grid { grid-template-columns: 1fr; } }
@page { size: A4; margin: 14mm; }
@media print { body { max-width: none; padding: 0; font-size: 11pt; }
  section { break-before: page; } section:first-of-type { break-before: auto; }
  .wrap { overflow: visible; } figure, tr { break-inside: avoid; }
  .grid { grid-template-columns: 1fr 1fr; } }
"""


@dataclass
class ReportContext:
    """What the report shows beside the comparison: fit, posterior, provenance."""

    basis: str
    draws: int
    observed: xr.Dataset
    fit: Mapping[str, object]  # observed series -> FitStatistics
    narrowing: Sequence[object]  # calibration.posterior_summary.Narrowing
    units: Mapping[str, str]  # parameter -> unit
    sources: Mapping[str, tuple[float, str]]  # sampled parameter -> (median, source)
    descriptions: Mapping[str, str]  # scenario -> its file's description
    provenance: Mapping[str, str] = field(default_factory=dict)


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], raw: bool = False) -> str:
    """An HTML table in a sideways-scrolling wrapper; cells escaped unless ``raw``."""
    cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(c if raw else f"<td>{_e(c)}</td>" for c in row) + "</tr>"
                   for row in rows)  # fmt: skip
    table = f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="wrap">{table}</div>'


def _number(value: float | None) -> str:
    if value is None or not np.isfinite(value):
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.1f}"


def _verdict(p: float | None) -> str:
    if p is None:
        return ""
    return "met" if p >= ROBUST else "missed" if p <= ROBUST_MISS else "uncertain"


def _scorecard(cards: Mapping[str, list[Row]], lang: str) -> str:
    t = TEXT[lang]
    names = list(cards)
    head = [t["indicator"], t["target"]] + [label("scenarios", n, lang, short=True) for n in names]
    first = cards[names[0]]
    rows = []
    for i, row in enumerate(first):
        if row.key not in TARGETS:
            continue
        unit = label("units", row.unit, lang, short=True)
        cells = [f"<th>{_e(label('targets', row.key, lang))}<br><small>{_e(unit)}</small></th>",
                 f"<td>{_e(target_text(row.key, row.target, lang))}</td>"]  # fmt: skip
        for n in names:
            r = cards[n][i]
            band = f"{_number(r.low)}–{_number(r.high)}" if r.low is not None else ""
            p = f"P = {r.probability:.2f}" if r.probability is not None else _e(r.status)
            cells.append(f'<td class="num {_verdict(r.probability)}">{_e(_number(r.value))}'
                         f"<br><small>{_e(band)}</small><br><b>{p}</b></td>")  # fmt: skip
        rows.append(cells)
    reported = [r for r in first if r.status == "reported" and r.key]
    for r0 in reported:
        i = first.index(r0)
        unit = label("units", r0.unit, lang, short=True)
        cells = [f"<th>{_e(label('reported', r0.key, lang))}<br><small>{_e(unit)}</small></th>",
                 "<td>-</td>"]  # fmt: skip
        cells += [f'<td class="num">{_e(_number(cards[n][i].value))}</td>' for n in names]
        rows.append(cells)
    return _table(head, rows, raw=True)


def _observed_table(observed: xr.Dataset, lang: str) -> str:
    rows = []
    for name in OBSERVED_ROWS:
        if name not in observed:
            continue
        da = observed[name]
        values = [da.sel(year=y).item() if y in da["year"].values else np.nan
                  for y in range(2016, 2020)]  # fmt: skip
        rows.append([label("variables", name, lang), label("units", da.attrs.get("units", ""),
                     lang, short=True)] + [_number(v) for v in values])  # fmt: skip
    return _table(TEXT[lang]["data_head"], rows)


def _census_table(observed: xr.Dataset, lang: str) -> str:
    rows = []
    for name in ("census_population", "census_household_size"):
        if name in observed:
            da = observed[name]
            unit = label("units", da.attrs.get("units", ""), lang, short=True)
            cells = [f"{da.sel(year=y).item():,.2f}" if da.sel(year=y).item() < 100
                     else _number(da.sel(year=y).item()) for y in (2010, 2020)]  # fmt: skip
            rows.append([label("variables", name, lang), unit, *cells])
    head = TEXT[lang]["data_head"][:2] + ("2010", "2020")
    return _table(head, rows)


def _fit_table(fit: Mapping[str, object], lang: str) -> str:
    rows = []
    for name, st in fit.items():
        rows.append([label("variables", name, lang), str(st.n), f"{100 * st.mape:.1f} %",
                     f"{st.r2:.2f}", f"{st.um:.2f}", f"{st.us:.2f}", f"{st.uc:.2f}"])  # fmt: skip
    return _table(TEXT[lang]["fit_head"], rows)


def _narrowing_table(rows, units: Mapping[str, str], lang: str) -> str:
    verdicts = TEXT[lang]["verdicts"]

    def unit(name):
        text = label("units", units.get(name, ""), lang, short=True)
        return "" if text == "1" else text.replace("**2", "²")

    body = [[r.name, unit(r.name), f"{r.prior[0]:.4g} – {r.prior[1]:.4g}",
             f"{r.posterior[0]:.4g} – {r.posterior[2]:.4g}", f"{r.width_ratio:.2f}",
             verdicts[r.verdict]] for r in rows]  # fmt: skip
    return _table(TEXT[lang]["pinned_head"], body)


def downturn_ratios(ds: xr.Dataset) -> list[tuple[str, float, float]]:
    """Posterior medians of `DOWNTURN_RATIOS` in 2021 and 2025 of one scenario's run."""
    out = []
    for name in DOWNTURN_RATIOS:
        if name in ds:
            da = ds[name]
            out.append((name, float(da.sel(year=2021).median()), float(da.sel(year=2025).median())))
    return out


def _downturn(runs: Mapping[str, xr.Dataset], lang: str) -> str:
    t = TEXT[lang]
    if DOWNTURN not in runs:
        return f"<p>{_e(t['no_downturn'])}</p>"
    rows = [[label("variables", n, lang), _number(a), _number(b), f"{b / a:.2f}"]
            for n, a, b in downturn_ratios(runs[DOWNTURN]) if a]  # fmt: skip
    return f"<p>{_e(t['downturn_text'])}</p>" + _table(t["ratio_head"], rows)


def build_report(cards: Mapping[str, list[Row]], runs: Mapping[str, xr.Dataset],
                 comparison: xr.Dataset, context: ReportContext, lang: str) -> str:  # fmt: skip
    """The whole report as one HTML document (see the module docstring)."""
    check_language(lang)
    t = TEXT[lang]
    figures = "".join(
        f"<figure>{indicator_svg(comparison, name, lang, context.observed)}</figure>"
        for name in REPORT_VARIABLES
        if name in comparison
    )
    scenarios = [[f"{label('scenarios', n, lang)} ({n})", context.descriptions.get(n, "")]
                 for n in cards]  # fmt: skip
    params = [[n, f"{v:.4g}", label("units", context.units.get(n, ""), lang).replace("**2", "²"),
               src]
              for n, (v, src) in context.sources.items()]  # fmt: skip
    prov = [[k, v] for k, v in context.provenance.items()]
    basis = t["bases"].get(context.basis, context.basis)
    sections = [
        ("model", f"<p>{_e(t['model_text'].format(basis=basis))}</p>"
                  f"<h3>{_e(t['data'])}</h3>{_observed_table(context.observed, lang)}"
                  f"<p>{_e(t['census'])}</p>{_census_table(context.observed, lang)}"),
        ("scorecard", f"<p>{_e(t['scorecard_text'].format(met=ROBUST, miss=ROBUST_MISS))}</p>"
                      + _scorecard(cards, lang)),
        ("figures", f"<p>{_e(t['figures_text'])}</p><div class=\"grid\">{figures}</div>"),
        ("fit", f"<p>{_e(t['fit_text'])}</p>{_fit_table(context.fit, lang)}"),
        ("pinned", f"<p>{_e(t['pinned_text'])}</p>"
                   + _narrowing_table(context.narrowing, context.units, lang)),
        ("downturn", _downturn(runs, lang)),
        ("assumptions", f"<p>{_e(t['assumptions_text'])}</p>"
                        + _table(t["scenario_head"], scenarios) + _table(t["param_head"], params)),
        ("provenance", _table(t["prov_head"], prov)),
    ]  # fmt: skip
    body = "".join(f'<section id="{key}"><h2>{_e(t[key])}</h2>{content}</section>'
                   for key, content in sections)  # fmt: skip
    html_lang = "zh-CN" if lang == "zh" else "en"
    now = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<link rel="icon" href="data:,">'
        f"<title>{_e(t['title'])}</title>"
        f"<style>{STYLE.replace('FONTS', FONT_STACK)}</style></head><body>"
        f"<header><h1>{_e(t['title'])}</h1>"
        f'<p class="lead">{_e(t["lead"].format(draws=context.draws))}</p>'
        f"<p><small>{_e(t['generated'])}: {_e(now)}</small></p></header>"
        f"{body}</body></html>\n"
    )


def make_report(scenarios, paths, table, values: Mapping[str, float], values_file: str,
                basis: str, lang: str, posterior_path, draws: int) -> str:  # fmt: skip
    """Run ``scenarios`` over ``draws`` posterior draws, gather the context; the HTML.

    Parameters
    ----------
    scenarios, paths : sequences of Scenario and of their files
    table : ParameterTable
    values : mapping
        The best-fit values (``values_file``), for the fit section and the parameters
        the posterior does not sample.
    basis : {'plan', 'census'}
    lang : {'en', 'zh'}
    posterior_path : pathlib.Path
        A posterior of ``calibrate --bayes`` made with this parameter table.
    draws : int
    """
    from pathlib import Path

    from anshan_housing.calibration import bayes, posterior_summary
    from anshan_housing.calibration.objective import DEFAULT_SETUP, load_setup
    from anshan_housing.calibration.observed import load_observed
    from anshan_housing.calibration.report import fit_report
    from anshan_housing.experiments.comparison import compare_scenarios, comparison_dataset
    from anshan_housing.experiments.labels import LABEL_FILE
    from anshan_housing.model.engine import VERSION
    from anshan_housing.model.io import file_sha256
    from anshan_housing.model.io import provenance as provenance_of
    from anshan_housing.model.parameters import DEFAULT_PARAMETER_FILE

    check_language(lang)
    idata = bayes.load(posterior_path)
    drawn = bayes.posterior_values(posterior_path, table, values, draws)
    comparison = compare_scenarios(scenarios, drawn, posterior=True)
    setup = load_setup(table)
    observed = load_observed()
    fitted = {s.observed for s in setup.series}
    fit = {k: v for k, v in fit_report(values, setup, observed).statistics.items() if k in fitted}
    names, chains = bayes.chains(idata)
    medians = np.median(chains.reshape(-1, len(names)), axis=0)
    files = {"parameter table": DEFAULT_PARAMETER_FILE, "parameter values": Path(values_file),
             "calibration set-up": DEFAULT_SETUP, "posterior": Path(posterior_path),
             "labels": LABEL_FILE}  # fmt: skip
    files |= {f"scenario {s.name}": Path(p) for s, p in zip(scenarios, paths, strict=True)}
    provenance = {
        "model version": VERSION,
        "command": str(provenance_of(str(values_file))["command"]),
        "date (UTC)": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "population basis": basis,
        "posterior draws": f"{draws:,}",
    }
    provenance |= {f"{k} (SHA-256)": f"{v.name} {file_sha256(v)}" for k, v in files.items()
                   if v.is_file()}  # fmt: skip
    context = ReportContext(
        basis=basis, draws=draws, observed=observed, fit=fit,
        narrowing=posterior_summary.narrowing(idata),
        units={n: p.unit for n, p in table.items()},
        sources={n: (float(m), table[n].source) for n, m in zip(names, medians, strict=True)},
        descriptions={s.name: s.description for s in scenarios},
        provenance=provenance,
    )  # fmt: skip
    return build_report(comparison.cards, comparison.runs, comparison_dataset(comparison.runs),
                        context, lang)  # fmt: skip


__all__ = ["REPORT_FILE", "ReportContext", "build_report", "downturn_ratios", "make_report"]
