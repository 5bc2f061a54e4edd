"""English and Chinese names of indicators, variables, scenarios and units.

The names live in ``experiments/labels.toml`` (one table per kind: ``targets``,
``reported``, ``variables``, ``scenarios``, ``units``; each entry ``en``, ``zh``,
``en_short``, ``zh_short``), shared by the report, the figures and the CLI. The Chinese
uses the plan's own terms (表1: 新增商品住房供应面积, 新建商品住房库存去化周期, ...) and units
(万m², 公顷, 元/m²).

Terminal tables align Chinese by display width: a wide (CJK) character takes two
columns (Unicode East Asian Width W or F), :func:`display_width` and :func:`pad`.
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache
from pathlib import Path

from anshan_housing.model.errors import InputError

LABEL_FILE = Path(__file__).with_name("labels.toml")
LANGUAGES = ("en", "zh")
KINDS = ("targets", "reported", "variables", "scenarios", "units")
FIELDS = ("en", "zh", "en_short", "zh_short")


@cache
def table() -> dict[str, dict[str, dict[str, str]]]:
    """The label file, checked: every kind present, every entry with all four names."""
    raw = tomllib.loads(LABEL_FILE.read_text(encoding="utf-8"))
    for kind in KINDS:
        entries = raw.get(kind)
        if not isinstance(entries, dict) or not entries:
            raise InputError(LABEL_FILE, kind, "missing table of labels")
        for key, entry in entries.items():
            missing = [f for f in FIELDS if not isinstance(entry.get(f), str) or not entry[f]]
            if missing:
                raise InputError(LABEL_FILE, f"{kind}.{key}.{missing[0]}", "missing name")
    return raw


def check_language(lang: str) -> str:
    """``lang`` if it is a known language, else one clear error (option --lang)."""
    if lang not in LANGUAGES:
        raise InputError(
            "option --lang", lang, f"unknown language; allowed: {', '.join(LANGUAGES)}"
        )
    return lang


def label(kind: str, key: str, lang: str = "en", short: bool = False) -> str:
    """The name of ``key`` of ``kind`` in ``lang``; ``key`` itself if it has none.

    Parameters
    ----------
    kind : {'targets', 'reported', 'variables', 'scenarios', 'units'}
    key : str
        A target key (`scorecard.TARGETS`), a variable name, a scenario name or a unit
        string of the model (``"1e4 m**2"``).
    lang : {'en', 'zh'}
    short : bool
        The short name, for narrow tables.
    """
    entry = table()[kind].get(key)
    if entry is None:
        return key
    return entry[f"{check_language(lang)}_short" if short else check_language(lang)]


def target_text(key: str, text: str, lang: str = "en") -> str:
    """A Table 1 target as printed (``"100 (binding)"``), in 表1's words for ``zh``."""
    entry = table()["targets"].get(key, {})
    return entry.get("zh_target", text) if check_language(lang) == "zh" else text


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int = 100, indent: str = "    ") -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` display columns.

    A word wider than a line (a long file path) is cut where the line ends.
    """
    lines, line = [], ""
    for token in text.split(" "):
        trial = f"{line} {token}" if line else token
        if line and display_width(trial) > width:
            lines.append(line)
            trial = indent + token
        while display_width(trial) > width:  # one word longer than the line
            cut = width
            while display_width(trial[:cut]) > width:
                cut -= 1
            lines.append(trial[:cut])
            trial = indent + trial[cut:]
        line = trial
    return [*lines, line]


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` display columns (``<`` left, ``>`` right)."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text


__all__ = [
    "LANGUAGES",
    "check_language",
    "display_width",
    "label",
    "pad",
    "table",
    "target_text",
    "wrap",
]
