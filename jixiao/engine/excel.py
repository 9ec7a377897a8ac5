"""Excel's number semantics, so the engine gives the numbers a spreadsheet shows.

Excel (and LibreOffice) compute in IEEE doubles, then ROUND looks at the value as 15 significant
digits and rounds half away from zero: ROUND(8.125, 2) = 8.13 and ROUND(2.675, 2) = 2.68, although
Python's round() gives 8.12 and 2.67. The engine therefore does its arithmetic in floats, in the same
order as the formulas it writes, and rounds with `xround` here.
"""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import JixiaoError


class NumberOverflow(JixiaoError, ValueError):
    """A result no spreadsheet can hold (overflow to infinity, NaN): Excel shows #NUM! there."""

    def __init__(self):
        super().__init__("数值过大，计算结果溢出（在 Excel 中显示为 #NUM!），无法计分；"
                         "请检查金额、分值和指标数值是否多写了位数或填错了单位")


def _decimal15(x: float) -> Decimal:
    # 15 significant digits is what Excel displays and what its ROUND works on.
    return Decimal(format(float(x), ".15g"))


def xround(x: float, digits: int = 0) -> float:
    """Excel ROUND: half away from zero on the 15-digit decimal value."""
    if x != x or x in (float("inf"), float("-inf")):
        raise NumberOverflow()
    q = Decimal(1).scaleb(-digits)
    try:
        return float(_decimal15(x).quantize(q, rounding=ROUND_HALF_UP))
    except InvalidOperation:  # absurdly large: nothing left to round
        return float(x)


def xrounddown(x: float, digits: int = 0) -> float:
    """Excel ROUNDDOWN: toward zero."""
    q = Decimal(1).scaleb(-digits)
    try:
        return float(_decimal15(x).quantize(q, rounding=ROUND_DOWN))
    except InvalidOperation:
        return float(x)


def is_number(value) -> bool:
    """What Excel's ISNUMBER says of a cell value (bools are not numbers in a cell)."""
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def is_blank(value) -> bool:
    """What `cell=""` says in Excel: an empty cell or an empty text (spaces are not blank there)."""
    return value is None or value == ""


def trim(text) -> str:
    """Excel TRIM on a cell's text: ASCII spaces only, inner runs folded to one."""
    if text is None:
        return ""
    if is_number(text):
        text = format(float(text), ".15g")
    return " ".join(part for part in str(text).split(" ") if part)
