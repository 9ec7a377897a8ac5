"""Cached values against recalculation: every formula cell of a workbook jixiao wrote holds the value
a spreadsheet computes for it (LibreOffice and Gnumeric recalculate; openpyxl reads both sides)."""
from __future__ import annotations

import warnings
from pathlib import Path

from openpyxl import load_workbook

from tests.support import gnumeric


def formula_cells(path: Path) -> dict[str, set[str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = set()
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if c.data_type == "f" or (hasattr(v, "text") and str(getattr(v, "text", "")).startswith("=")):
                    cells.add(c.coordinate)
        out[ws.title] = cells
    return out


def same(a, b) -> bool:
    a = "" if a is None else a
    b = "" if b is None else b
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (a == b and type(a) is type(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        # equal but for the last bits: a ratio like 2-a/t loses digits to cancellation, and each engine
        # rounds such intermediate steps its own way (LibreOffice's output has 15 significant digits);
        # every value the form shows is ROUNDed, so a real difference is far above this
        return abs(float(a) - float(b)) <= 1e-12 * max(1.0, abs(float(a)), abs(float(b)))
    return a == b


def differences(path: Path, recalculated: Path, limit: int = 30) -> list[str]:
    """'Sheet!A1: cached X, recalculated Y' for every formula cell whose cached value differs."""
    formulas = formula_cells(path)
    cached = gnumeric.values(path)
    fresh = gnumeric.values(recalculated)
    out = []
    for sheet, cells in formulas.items():
        for ref in sorted(cells):
            a, b = cached.get(sheet, {}).get(ref), fresh.get(sheet, {}).get(ref)
            if not same(a, b):
                out.append(f"{sheet}!{ref}: cached {a!r}, recalculated {b!r}")
    return out
