"""The label table and the scorecard's text formats: names, widths, languages, bad input."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner

from anshan_housing.cli import main
from anshan_housing.experiments import labels, tables
from anshan_housing.experiments.figures.comparison import COMPARISON_PANELS
from anshan_housing.experiments.figures.fan import FAN_VARIABLES
from anshan_housing.experiments.scenarios import shipped_scenarios
from anshan_housing.experiments.scorecard import TABLE_1, TARGETS

#: 表1's indicator names, as the plan prints them
PLAN_TERMS = {
    "supply": "新增商品住房供应面积",
    "floor_area": "居民人均住房建筑面积",
    "clearance": "新建商品住房库存去化周期",
    "rental": "公共租赁住房补贴",
    "management": "新建住宅小区物业管理覆盖率",
    "renovation": "老旧小区改造",
    "green": "新建住宅绿色建筑标准执行比例",
    "prefab": "装配式建筑占新建建筑面积比例",
}


def test_every_shown_name_has_both_languages():
    names = {
        "targets": TARGETS,
        "scenarios": [p.stem for p in shipped_scenarios()],
        "variables": [*FAN_VARIABLES, *(name for name, _ in COMPARISON_PANELS)],
        "units": sorted(
            {unit for _, _, unit, _ in TABLE_1} - {"household", "%"}
            | {"yuan/m**2", "person", "hectare"}
        ),  # fmt: skip
    }
    for kind, keys in names.items():
        for key in keys:
            for lang in labels.LANGUAGES:
                for short in (False, True):
                    entry = labels.table()[kind].get(key)
                    assert entry is not None, (kind, key)
                    assert labels.label(kind, key, lang, short), (kind, key, lang, short)
    assert all(k in labels.table()["reported"] for k in (
        "price_2025", "population_2025", "households_2025", "inventory_2025", "land_2021_2025",
        "managed_renovation"))  # fmt: skip


def test_chinese_targets_use_the_plans_terms_and_units():
    for key, term in PLAN_TERMS.items():
        assert term in labels.label("targets", key, "zh"), key
    assert labels.label("units", "1e4 m**2", "zh") == "万m²"
    assert labels.label("units", "hectare", "zh") == "公顷"
    assert labels.label("units", "yuan/m**2", "zh") == "元/m²"
    assert labels.target_text("management", "100 (binding)", "zh") == "100%（约束性）"
    assert labels.target_text("management", "100 (binding)", "en") == "100 (binding)"


def test_display_width_counts_wide_characters_twice():
    assert labels.display_width("去化周期") == 8
    assert labels.display_width("supply") == 6
    assert labels.display_width("万m²") == 4
    assert labels.pad("去化", 6, ">") == "  去化" and labels.pad("ab", 4) == "ab  "
    lines = labels.wrap("一二三 四五六 七八九", 14)
    assert lines == ["一二三 四五六", "    七八九"]
    assert all(labels.display_width(line) <= 14 for line in lines)
    path = "/a/very/long/site-packages/path/calibration/posterior.nc"
    lines = labels.wrap(f"draws of {path};", 20)
    assert all(labels.display_width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == f"drawsof{path};"


def test_a_bad_label_file_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "labels.toml"
    bad.write_text('[targets.supply]\nen = "supply"\n', encoding="utf-8")
    monkeypatch.setattr(labels, "LABEL_FILE", bad)
    labels.table.cache_clear()
    try:
        with pytest.raises(labels.InputError, match="missing table of labels|zh: missing name"):
            labels.table()
    finally:
        labels.table.cache_clear()


def test_wrapped_tables_keep_every_column_and_the_first_in_each_block():
    head = ["scenario"] + [f"column {i}" for i in range(12)]
    rows = [["a"] + [str(i) for i in range(12)], ["长名字"] + ["x"] * 12]
    text = tables.wrap_columns(head, rows, width=40)
    assert all(labels.display_width(line) <= 40 for line in text.splitlines())
    for i in range(12):
        assert f"column {i}" in text
    assert text.count("scenario") > 1 and text.count("长名字") == text.count("scenario")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_fits_100_columns_in_both_languages(lang):
    result = CliRunner().invoke(main, ["compare", "--draws", "50", "--lang", lang])
    assert result.exit_code == 0, result.output
    widths = [labels.display_width(line) for line in result.output.splitlines()]
    assert max(widths) <= tables.WIDTH
    if lang == "zh":
        assert "去化周期" in result.output and "规划表2" in result.output
        assert "稳健结论" in result.output
        # the columns line up: the seven scenario rows of the first table end together
        lines = result.output.splitlines()
        first = next(i for i, line in enumerate(lines) if line.startswith("去化目标"))
        block = lines[first : first + 7]
        assert len({labels.display_width(line) for line in block}) == 1
        assert lines[0].startswith("对照规划表1")
    else:
        assert "P(target met) over 50 posterior draws" in result.output


def test_compare_writes_csv_markdown_and_json():
    csv_out = CliRunner().invoke(main, ["compare", "plan-table2", "--point", "--format", "csv"])
    rows = list(csv.DictReader(csv_out.output.splitlines()))
    assert rows and rows[0]["scenario"] == "plan-table2" and "probability" in rows[0]
    md = CliRunner().invoke(main, ["compare", "plan-table2", "--point", "--format", "markdown"])
    assert "| scenario | supply |" in md.output and "|---|---:" in md.output
    js = CliRunner().invoke(main, ["compare", "plan-table2", "--draws", "20", "--format", "json",
                                   "--lang", "zh"])  # fmt: skip
    records = json.loads(js.output)
    supply = next(r for r in records if r["key"] == "supply")
    assert supply["label"].startswith("新增商品住房供应面积") and supply["unit_label"] == "万m²"
    assert 0 <= supply["probability"] <= 1 and supply["low"] <= supply["median"] <= supply["high"]


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        (["--lang", "fr"], "option --lang", "fr: unknown language; allowed: en, zh"),
        (["--format", "xml"], "option --format", "xml: unknown format; allowed: table, csv, "
         "markdown, json"),
    ],
)  # fmt: skip
def test_compare_refuses_an_unknown_language_or_format(tmp_path, args, field, message):
    out = tmp_path / "res"
    result = CliRunner().invoke(main, ["compare", "plan-table2", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert f"{field}: {message}" in result.output
    assert not out.exists()
