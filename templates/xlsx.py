"""Writing a new workbook with XlsxWriter: the layer under the template builder.

Why XlsxWriter (not openpyxl) for the files jixiao generates: it writes a formula *with* its cached
value (`<f>` beside `<v>`), so phone and WeChat previews, pandas / python-calamine and openpyxl
``data_only`` show the numbers without a recalculation, and Excel need not recalculate on open; and it
is markedly faster. Workbooks that already exist (the add-in's buttons, ``jixiao check``) are changed
with openpyxl instead (`jixiao.addin.book_openpyxl`).

What this module adds to XlsxWriter:

- `Formula`: a formula cell's text and, when known, the value it computes. Only a `Formula` becomes a
  formula: every other value is written as what it is, a ``str`` always as text (``write_string``), so a
  user's "=5859平方米" or a profile note starting with "=" never turns into a formula.
- Cached values of every type a formula can give: numbers, text (including ""), booleans. When every
  formula of the workbook has one, the file is written without ``fullCalcOnLoad`` and with the calcId
  of current Excel, so Excel neither recalculates on open nor asks to save an unchanged file; while
  any formula lacks one, ``fullCalcOnLoad="1"`` stays and that formula's ``<v>`` is empty (never a
  false 0: LibreOffice computes such a cell on load, previews show it blank).
- Speed: XlsxWriter runs some 30-130 regular expressions over every formula to add ``_xlfn.``
  prefixes to functions newer than Excel 2007. Our formulas use none of those (a test checks every
  formula of every generated workbook against a list of older functions), so `_Worksheet` only strips
  the "=" and array braces. This relies on XlsxWriter internals: its version is pinned in
  pyproject.toml.
"""
from __future__ import annotations

import datetime
import decimal
import io
import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellArrayFormulaTuple, CellFormulaTuple, Worksheet

from jixiao.engine.files import atomic_output

#: calcId of current Excel (365 / 2016+). A workbook carrying it and no fullCalcOnLoad is taken as
#: calculated by that version: Excel shows the cached values and does not recalculate on open.
CALC_ID_CURRENT = 191029
#: XlsxWriter's default (Excel 2010's calc engine), written with fullCalcOnLoad="1".
CALC_ID_RECALC = 124519

ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


@dataclass(frozen=True)
class Formula:
    """A formula cell: `text` starts with "="; `value` is what it computes (number, str including "",
    bool, or an Excel error text such as "#DIV/0!"), None when not known. For an array formula,
    `value` is a list: one value per cell of the range, row by row, or None."""

    text: str
    value: Any = None

    def __post_init__(self):
        if not self.text.startswith("="):
            raise ValueError(f"a formula starts with '=': {self.text!r}")


@lru_cache(maxsize=4096)
def cell_index(ref: str) -> tuple[int, int]:
    """Zero-based (row, col) of an A1 reference such as "H13"."""
    return xl_cell_to_rowcol(ref)


def _value_xml(value) -> tuple[str, str]:
    """(t attribute, <v> text) of a cached formula value."""
    if isinstance(value, bool):
        return ' t="b"', "1" if value else "0"
    if isinstance(value, str):
        return (' t="e"' if value in ERROR_VALUES else ' t="str"'), value
    if isinstance(value, int):
        return "", str(value)
    if isinstance(value, (numbers.Real, decimal.Decimal)):  # float, Decimal, Fraction
        if not math.isfinite(value):     # a sum that overflowed: what Excel shows there
            return ' t="e"', "#NUM!"
        return "", repr(float(value))
    raise TypeError(f"not a cached formula value: {value!r}")


class _Worksheet(Worksheet):
    """XlsxWriter's worksheet with our formula writing (see the module's docstring)."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        # Only the "=" and array braces go: our formulas use no function that needs an _xlfn. prefix.
        if formula.startswith("{"):
            formula = formula[1:]
        if formula.startswith("="):
            formula = formula[1:]
        if formula.endswith("}"):
            formula = formula[:-1]
        return formula

    def _write_cell(self, row: int, col: int, cell) -> None:
        kind = type(cell)
        if kind is CellFormulaTuple:
            self._cell_xml(row, col, cell.format, f"<f>{self._escape_data(cell.formula)}</f>", cell.value)
        elif kind is CellArrayFormulaTuple:
            f = f'<f t="array" ref="{cell.range}">{self._escape_data(cell.formula)}</f>'
            self._cell_xml(row, col, cell.format, f, cell.value)
        elif kind is _ArrayValue:
            self._cell_xml(row, col, cell.format, "", cell.value)
        else:
            super()._write_cell(row, col, cell)

    def _cell_xml(self, row: int, col: int, fmt, formula: str, value) -> None:
        style = f' s="{fmt._get_xf_index()}"' if fmt is not None else ""
        ref = xl_rowcol_to_cell_fast(row, col)
        if value is None:  # not known: an empty <v> (as openpyxl writes), computed on load
            self.fh.write(f'<c r="{ref}"{style}>{formula}<v></v></c>')
            return
        t, text = _value_xml(value)
        if t:  # text: XML's reserved and control characters escaped (as in shared strings)
            text = self._escape_control_characters(self._escape_data(text))
        self.fh.write(f'<c r="{ref}"{style}{t}>{formula}<v>{text}</v></c>')


@dataclass(frozen=True)
class _ArrayValue:
    """A cell of an array formula's range other than its first: only the cached value."""

    value: Any
    format: Any


class Book:
    """A new workbook written by XlsxWriter in memory. `sheet()` adds worksheets, `write()` puts a
    value (see `Formula`), `fmt()` gives a format for a set of properties; `bytes()` finishes the
    workbook and `save()` writes it atomically."""

    def __init__(self, author: str = "jixiao"):
        self._buffer = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self._buffer, {"in_memory": True})
        self.wb.set_properties({"author": author})
        self._formats: dict[tuple, Any] = {}
        self.formulas = 0                 # formula cells written
        self.uncached: list[str] = []     # "Sheet!A1" of formula cells written without a value
        self._data: bytes | None = None

    # sheets and formats ---------------------------------------------------------------------------
    def sheet(self, name: str) -> Worksheet:
        return self.wb.add_worksheet(name, worksheet_class=_Worksheet)

    def fmt(self, **props):
        """The workbook's format with these XlsxWriter properties (one object per distinct set)."""
        return self.style(tuple(sorted(props.items())))

    def style(self, props: tuple[tuple[str, object], ...]):
        """The format for properties given as sorted (name, value) pairs (jixiao.templates.styles.style_format)."""
        fmt = self._formats.get(props)
        if fmt is None:
            fmt = self._formats[props] = self.wb.add_format(dict(props))
        return fmt

    def define_name(self, name: str, ref: str) -> None:
        """A workbook-level name for `ref` ("'Sheet'!$A$1:$A$5")."""
        if self.wb.define_name(name, "=" + ref) != 0:
            raise ValueError(f"XlsxWriter refused the defined name {name} = {ref}")

    # cells ----------------------------------------------------------------------------------------
    def write(self, ws: Worksheet, ref: str, value, fmt=None) -> None:
        """`value` at `ref`: a `Formula` as a formula, None as a blank (kept only with a format), a str
        as text, a bool, a number, a date; anything else is an error."""
        row, col = cell_index(ref)
        if isinstance(value, Formula):
            self.formulas += 1
            if value.value is None:
                self.uncached.append(f"{ws.name}!{ref}")
            else:
                _value_xml(value.value)  # refuse what a cell cannot hold now, not when saving
            ws.write_formula(row, col, value.text, fmt, value.value)
        elif value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            if value == "":
                ws.write_blank(row, col, None, fmt)
            else:
                ws.write_string(row, col, value, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, (int, float, decimal.Decimal)):
            if not math.isfinite(value):
                raise ValueError(f"{ws.name}!{ref}: a cell cannot hold {value}")
            ws.write_number(row, col, value if isinstance(value, (int, float)) else float(value), fmt)
        elif isinstance(value, datetime.date):  # a datetime is a date too
            ws.write_datetime(row, col, value, fmt or self.fmt(num_format="yyyy-mm-dd"))
        else:
            raise TypeError(f"{ws.name}!{ref}: cannot write {type(value).__name__} {value!r}")

    def write_array(self, ws: Worksheet, first: str, last: str, formula: Formula, fmt=None) -> None:
        """An array formula over first:last (one column or row); `formula.value` None or one value per cell."""
        (r1, c1), (r2, c2) = cell_index(first), cell_index(last)
        cells = [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
        values = formula.value
        if values is not None and (not isinstance(values, (list, tuple)) or len(values) != len(cells)):
            raise ValueError(f"{ws.name}!{first}:{last}: the cached values are one per cell ({len(cells)}) or None")
        self.formulas += 1
        if values is None or any(v is None for v in values):
            self.uncached.append(f"{ws.name}!{first}:{last}")
        if values is not None and values[0] is not None:
            _value_xml(values[0])
        ws.write_array_formula(r1, c1, r2, c2, formula.text, fmt, None if values is None else values[0])
        for i, (r, c) in enumerate(cells[1:], 1):  # XlsxWriter pads with 0: a false number
            if values is None or values[i] is None:
                if fmt is None:
                    del ws.table[r][c]
                else:
                    ws.write_blank(r, c, None, fmt)
            else:
                _value_xml(values[i])
                ws.table[r][c] = _ArrayValue(values[i], fmt)

    def merge(self, ws: Worksheet, first: str, last: str, fmt) -> None:
        """Merge first:last, every cell with `fmt` (the first cell's value is written separately)."""
        (r1, c1), (r2, c2) = cell_index(first), cell_index(last)
        ws.merge_range(r1, c1, r2, c2, None, fmt)

    def formula_cells(self) -> dict[str, dict[str, tuple[str, Any]]]:
        """{sheet: {cell: (formula text as written in the file, cached value)}}; an array formula at its
        first cell. Before `bytes()`."""
        out: dict[str, dict[str, tuple[str, Any]]] = {}
        for ws in self.wb.worksheets():
            cells = out.setdefault(ws.name, {})
            for row, columns in ws.table.items():
                for col, cell in columns.items():
                    if isinstance(cell, (CellFormulaTuple, CellArrayFormulaTuple)):
                        cells[xl_rowcol_to_cell_fast(row, col)] = (ws._prepare_formula(cell.formula), cell.value)
        return out

    # the file -------------------------------------------------------------------------------------
    @property
    def fully_cached(self) -> bool:
        """Every formula cell carries its value."""
        return not self.uncached

    def bytes(self) -> bytes:
        """The finished .xlsx (the workbook cannot be changed afterwards)."""
        if self._data is None:
            if self.fully_cached:
                self.wb.calc_on_load, self.wb.calc_id = False, CALC_ID_CURRENT
            else:
                self.wb.calc_on_load, self.wb.calc_id = True, CALC_ID_RECALC
            self.wb.close()
            self._data = self._buffer.getvalue()
            self._buffer = None
        return self._data

    def save(self, path: Path | str, *, overwrite: bool = True) -> Path:
        """Write the workbook to `path` atomically (jixiao.engine.files.atomic_output): never a
        half-written file; with overwrite=False an existing file is never replaced (FileExistsError)."""
        data = self.bytes()
        with atomic_output(path, overwrite=overwrite) as tmp:
            tmp.write_bytes(data)
        return Path(path)
