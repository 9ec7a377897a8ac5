"""The cells behind a workbook's defined names (JX_…), for tests that read or type into a generated form
with openpyxl the way a user would."""
from __future__ import annotations

from jixiao.engine.safetext import put


def named_ref(wb, name: str) -> str:
    """The A1 reference of a defined name of the first sheet ("H13" or "H13:H20")."""
    return wb.defined_names[name].attr_text.split("!")[1].replace("$", "")


def named_cells(wb, name: str) -> list:
    """The cells a defined name covers, top to bottom."""
    ref, ws = named_ref(wb, name), wb.worksheets[0]
    return [c for row in ws[ref] for c in row] if ":" in ref else [ws[ref]]


def type_into(cell, value):
    """What a user types: text stays text (never a formula), numbers stay numbers."""
    return put(cell, value)
