"""指标性质 and 度量单位 in their own columns (the Sichuan form): the one rule that turns them into the
texts the target parser reads, and back.

A form that prints 指标性质 "≥", 指标值 95, 度量单位 "%" means the target "≥95%"; a 完成值 93.1 on that
row means "93.1%". The model keeps the composed texts (Indicator.target / actual), so scoring, checking
and reports need nothing new; the template builder splits them into the three columns and its formulas
compose them again exactly as `compose` does (templates/formulas.py `composed_target`), and the readers
(by names and by headings) compose what they read.

The rule, the same in Python and in the sheet:
- 指标值 is a plain number when it is a number, or a text that is exactly the general-format text of its
  own value ("95", "0.5"; not "95%", "2-3", "95.0", "+5");
- target = 指标性质 & 指标值 & 度量单位 when 指标值 is a plain number and 指标性质 is not 定性; else 指标值;
- actual = 完成值 & 度量单位 under the same condition on 完成值, when 度量单位 is not blank; else 完成值;
- 指标性质 定性: the row is qualitative (its direction is 定性).
"""
from __future__ import annotations

import re

from .excel import is_number

NATURES = ("≥", "≤", "=", ">", "<", "定性")
QUALITATIVE = "定性"
_SPLIT = re.compile(r"^(≥|≤|=|>|<)?([0-9]+(?:\.[0-9]+)?)([^0-9]*)$")


def number_text(value) -> str:
    """A number as a spreadsheet's general format writes it into text (`x&""`), for plain values."""
    x = float(value)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.15g}"


def plain_number(value) -> bool:
    """A number, or a text that is exactly the general-format text of its own value."""
    if isinstance(value, bool):
        return False
    if is_number(value):
        return True
    if not isinstance(value, str) or not value:
        return False
    try:
        return number_text(float(value)) == value
    except (ValueError, OverflowError):
        return False


def _text(value) -> str:
    if value is None:
        return ""
    return number_text(value) if is_number(value) else str(value)


def compose(nature, target, unit, actual=None) -> tuple[object, object, str]:
    """(target, actual, direction) a row of 指标性质 / 指标值 / 度量单位 / 完成值 means; direction is
    定性 for 指标性质 定性, else ""."""
    n, u = _text(nature), _text(unit)
    if n == QUALITATIVE:
        return _as_text(target), _as_text(actual), QUALITATIVE
    target = n + _text(target) + u if plain_number(target) else _as_text(target)
    actual = _text(actual) + u if u and plain_number(actual) else _as_text(actual)
    return target, actual, ""


def _as_text(value):
    """What the sheet's formula shows for a cell it passes on (`x&""`): a number as text; blank stays blank."""
    return None if value is None or value == "" else _text(value)


def split(target, actual, direction: str = "") -> tuple[str, object, str, object]:
    """(指标性质, 指标值, 度量单位, 完成值) that `compose` turns back into `target` and `actual` (and the
    direction 定性): a target written as comparator, plain number, unit ("≥95%") is split; an actual
    with that unit after a plain number loses it; anything else is written whole."""
    if direction == QUALITATIVE:
        return QUALITATIVE, target, "", actual
    m = _SPLIT.match(target) if isinstance(target, str) else None
    if not m or not plain_number(m.group(2)):
        return "", target, "", actual
    nature, number, unit = m.group(1) or "", m.group(2), m.group(3)
    if unit and isinstance(actual, str) and actual.endswith(unit) and plain_number(actual[: -len(unit)]):
        actual = actual[: -len(unit)]
    return nature, number, unit, actual
