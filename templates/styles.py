"""Look of the generated forms: fonts, borders, fills and the row-height estimate for wrapped text.

Chinese official forms use 宋体 for the table and a heavy face for the title; input cells get a pale
yellow fill (not printed: the sheets print in black and white), computed cells a pale blue.
"""
from __future__ import annotations

import math
import unicodedata
from functools import lru_cache

BODY_FONT = "宋体"
TITLE_FONT = "黑体"
BODY_SIZE = 10.5      # 五号
TITLE_SIZE = 18       # 小二

BORDER = {"border": 1, "border_color": "#000000"}   # thin, black, all four sides
NO_BORDER: dict = {}

INPUT_FILL = "#FFF7D6"
COMPUTED_FILL = "#E8F1FB"
HELPER_HEAD_FILL = "#D9D9D9"

STYLES = {
    # name: (font kwargs, horizontal, vertical, wrap, border, fill)
    "title": (dict(name=TITLE_FONT, size=TITLE_SIZE, bold=False), "center", "center", False, NO_BORDER, None),
    "subtitle": (dict(name=BODY_FONT, size=12), "center", "center", False, NO_BORDER, None),
    "head": (dict(name=BODY_FONT, size=BODY_SIZE, bold=True), "center", "center", True, BORDER, None),
    "label": (dict(name=BODY_FONT, size=BODY_SIZE), "center", "center", True, BORDER, None),
    "label_left": (dict(name=BODY_FONT, size=BODY_SIZE), "left", "center", True, BORDER, None),
    "input": (dict(name=BODY_FONT, size=BODY_SIZE), "center", "center", True, BORDER, INPUT_FILL),
    "input_left": (dict(name=BODY_FONT, size=BODY_SIZE), "left", "center", True, BORDER, INPUT_FILL),
    "input_text": (dict(name=BODY_FONT, size=BODY_SIZE), "left", "top", True, BORDER, INPUT_FILL),
    "computed": (dict(name=BODY_FONT, size=BODY_SIZE), "center", "center", True, BORDER, COMPUTED_FILL),
    "computed_bold": (dict(name=BODY_FONT, size=BODY_SIZE, bold=True), "center", "center", True, BORDER, COMPUTED_FILL),
    "note": (dict(name=BODY_FONT, size=9), "left", "top", True, NO_BORDER, None),
    "form_code": (dict(name=BODY_FONT, size=9), "right", "center", False, NO_BORDER, None),  # 报表编号
    "helper_head": (dict(name=BODY_FONT, size=9, bold=True), "center", "center", True, BORDER, HELPER_HEAD_FILL),
    "helper_input": (dict(name=BODY_FONT, size=9), "center", "center", True, BORDER, INPUT_FILL),
    "helper": (dict(name=BODY_FONT, size=9, color="595959"), "center", "center", True, BORDER, COMPUTED_FILL),
    # the 填表说明 sheet: headings and paragraphs, no borders
    "guide_title": (dict(name=TITLE_FONT, size=TITLE_SIZE, bold=False), "left", "center", True, NO_BORDER, None),
    "guide_head": (dict(name=BODY_FONT, size=BODY_SIZE, bold=True), "left", "center", True, NO_BORDER, None),
    "guide_text": (dict(name=BODY_FONT, size=BODY_SIZE), "left", "center", True, NO_BORDER, None),
}
INPUT_STYLES = {"input", "input_left", "input_text", "helper_input"}


@lru_cache(maxsize=None)
def style_format(name: str, number_format: str | None = None) -> tuple[tuple[str, object], ...]:
    """The XlsxWriter format properties of a style (and number format), as sorted pairs. Input
    styles are unlocked: the sheets are protected, so only they can be typed in."""
    font, horizontal, vertical, wrap, border, fill = STYLES[name]
    props = {"font_name": font["name"], "font_size": font["size"], "font_family": 0,
             "align": horizontal, "valign": "vcenter" if vertical == "center" else vertical, **border}
    if font.get("bold"):
        props["bold"] = True
    if font.get("color"):
        props["font_color"] = "#" + font["color"]
    if wrap:
        props["text_wrap"] = True
    if fill:
        props["pattern"], props["fg_color"] = 1, fill
    if name in INPUT_STYLES:
        props["locked"] = False
    if number_format:
        props["num_format"] = number_format
    return tuple(sorted(props.items()))


def font_size(name: str) -> float:
    return STYLES[name][0]["size"]


def wraps(name: str) -> bool:
    return STYLES[name][3]


def text_width(text: str, size: float = BODY_SIZE) -> float:
    """Width of a text in Excel column units (about one '0' of the default font): a CJK character
    is about two units at 10.5 pt."""
    units = sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.05 for ch in text)
    return units * size / 11


def lines_needed(text, width_units: float, size: float = BODY_SIZE) -> int:
    if text is None or text == "":
        return 1
    usable = max(width_units - 1.2, 1.0)  # cell padding
    return sum(max(1, math.ceil(text_width(part, size) / usable)) for part in str(text).split("\n"))


def row_height(lines: int, size: float = BODY_SIZE) -> float:
    """Points for `lines` wrapped lines of a font of `size` points, with some air."""
    return round(max(1, lines) * size * 1.62 + 6, 1)
