"""The HTML report: contents, self-containment, languages, fonts, bad input, a real browser."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import threading
import warnings

import numpy as np
import pytest
from click.testing import CliRunner

from anshan_housing.cli import main
from anshan_housing.experiments.figures import indicators

SECTIONS = ("model", "scorecard", "figures", "fit", "pinned", "downturn", "assumptions",
            "provenance")  # fmt: skip
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                  "--enable-logging=stderr", "--v=0")  # fmt: skip


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The report in both languages, 60 draws (the default is 1,000)."""
    folder = tmp_path_factory.mktemp("reports")
    pages = {}
    for lang in ("zh", "en"):
        out = folder / lang
        result = CliRunner().invoke(main, ["report", "--lang", lang, "--draws", "60",
                                           "--out", str(out)])  # fmt: skip
        assert result.exit_code == 0, result.output
        pages[lang] = out / "report.html"
    return pages


def test_the_report_has_every_section_and_needs_nothing_else(reports):
    for lang, path in reports.items():
        page = path.read_text(encoding="utf-8")
        for section in SECTIONS:
            assert f'<section id="{section}">' in page, (lang, section)
        assert "<script" not in page  # nothing runs, nothing fetched
        links = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page) + re.findall(
            r"url\(([^)]*)\)", page
        )
        assert all(link.startswith(("data:", "#")) for link in links), links
        assert page.count("<svg") == len(indicators.REPORT_VARIABLES)
        assert "@media print" in page and "break-before: page" in page and "size: A4" in page
        assert 'name="viewport"' in page
        for record in ("parameters.toml", "posterior.nc", "labels.toml", "SHA-256",
                       "anshan-housing report"):  # fmt: skip
            assert record in page, (lang, record)


def test_the_chinese_report_speaks_the_plans_terms(reports):
    page = reports["zh"].read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    for term in ("新增商品住房供应面积", "新建商品住房库存去化周期", "居民人均住房建筑面积",
                 "公共租赁住房补贴", "万m²", "公顷", "元/m²", "规划表2", "市场下行"):  # fmt: skip
        assert term in page, term
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "商品住房均价" in svg  # the figure's text is text, drawn by the browser
    english = reports["en"].read_text(encoding="utf-8")
    assert "新增商品住房供应面积" not in english and "clearance period" in english


def test_the_scorecard_cells_carry_the_posterior_probabilities(reports):
    page = reports["en"].read_text(encoding="utf-8")
    probabilities = [float(p) for p in re.findall(r"P = (\d\.\d\d)", page)]
    assert len(probabilities) == 8 * 7  # eight targets, seven scenarios
    assert all(0 <= p <= 1 for p in probabilities)
    assert (
        page.count('class="num met"')
        + page.count('class="num missed"')
        + page.count('class="num uncertain"')
        == 8 * 7
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "fr"], "option --lang: fr: unknown language; allowed: en, zh"),
        (["utopia"], "utopia: unknown scenario"),
    ],
)
def test_bad_input_gives_one_message_and_no_report(tmp_path, args, message):
    out = tmp_path / "rep"
    result = CliRunner().invoke(main, ["report", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.output
    assert not out.exists()


def test_an_existing_report_needs_force(tmp_path):
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.html").write_text("keep me")
    result = CliRunner().invoke(main, ["report", "--out", str(out)])
    assert result.exit_code == 2 and "holds report.html already; add --force" in result.output
    assert (out / "report.html").read_text() == "keep me"


def test_without_a_cjk_font_png_falls_back_to_english_with_one_warning(monkeypatch, tmp_path,
                                                                        reports):  # fmt: skip
    from anshan_housing.calibration import default_run_values
    from anshan_housing.experiments.comparison import compare_scenarios, comparison_dataset
    from anshan_housing.experiments.figures import common
    from anshan_housing.experiments.scenarios import find_scenario, load_scenario

    monkeypatch.setattr(indicators, "cjk_font", lambda: None)
    table, values, _ = default_run_values()
    runs = compare_scenarios([load_scenario(find_scenario("plan-table2"), table)], values).runs
    ds = comparison_dataset(runs)
    titles = []
    real_save = common.save

    def keep_titles(fig, path):
        titles.extend(ax.get_title() for ax in fig.axes)
        return real_save(fig, path)

    monkeypatch.setattr(common, "save", keep_titles)
    with pytest.warns(indicators.FontWarning, match="no CJK font") as caught:
        indicators.indicator_panels(ds, tmp_path / "zh.png", "zh")
    assert len(caught) == 1
    assert "average sales price" in titles and not any("均价" in t for t in titles)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SVG: Chinese kept as text, no warning
        svg = indicators.indicator_svg(ds, "average_price", "zh")
    assert "商品住房均价" in svg


def _serve(folder):
    """A localhost server of ``folder`` that records every path asked for."""
    asked = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            asked.append(self.path)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, asked


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium not installed (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("width", [1280, 390])
def test_the_report_renders_in_chromium(reports, tmp_path, lang, width):
    """Rendered, not blank, no console message, only the page itself requested."""
    import matplotlib.image as mpimg

    server, asked = _serve(reports[lang].parent)
    url = f"http://127.0.0.1:{server.server_address[1]}/report.html"
    shot = tmp_path / f"{lang}_{width}.png"
    try:
        common = [CHROMIUM, *CHROMIUM_FLAGS, f"--window-size={width},2000"]
        run = subprocess.run([*common, f"--user-data-dir={tmp_path / 'a'}",
                              f"--screenshot={shot}", url],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
        dom = subprocess.run([*common, f"--user-data-dir={tmp_path / 'b'}", "--dump-dom", url],
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    finally:
        server.shutdown()
        server.server_close()
    assert shot.is_file(), run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() + dom.stderr.splitlines()
               if "CONSOLE" in line]  # fmt: skip
    assert console == []
    assert set(asked) == {"/report.html"}, asked  # no other request, no network
    pixels = mpimg.imread(shot)[..., :3]
    assert pixels.shape[1] == width
    ink = np.mean(pixels.min(axis=-1) < 0.8)  # share of pixels that are not near-white
    assert 0.03 < ink < 0.9 and pixels.std() > 0.05  # not blank, not one colour
    word = "去化周期" if lang == "zh" else "clearance period"
    assert word in dom.stdout and "<svg" in dom.stdout
