"""The workbook the ribbon's buttons work on: one small interface, two implementations.

The button functions in :mod:`jixiao.addin.actions` never touch openpyxl or xlwings themselves; they work
through a :class:`Book`:

- :class:`jixiao.addin.book_openpyxl.OpenpyxlBook` — a workbook file, headless (tests, the command line);
- :class:`jixiao.addin.book_xlwings.XlwingsBook` — the workbook open in Excel (``xw.Book.caller()``; the
  custom add-in passes ``--wb=ActiveWorkbook.Name``, so the caller is the user's workbook).

What a Book can do (the operations the buttons need, no more)
    read          the Form and its Profile, through ``jixiao.engine.forms.read_workbook`` — the same reader
                  as ``jixiao validate``: by names, or by headings for a form jixiao did not make (the first
                  one) — over a :class:`GridView`: the workbook-level defined names and,
                  for each sheet they point to, its cells as (value, is-formula) plus its merged areas.
                  Each implementation only has to build those two things.
    write_helpers values into the helper columns JX_IND_DIRECTION / JX_IND_TVALUE / JX_IND_AVALUE and
                  nowhere else: any other address raises :class:`NotAHelperCell`. Cells the user typed
                  (targets, actuals, weights, reasons, amounts, levels) are never written.
    results       the sheet 校验结果, replaced when present: a table of 级别 / 位置 (an internal
                  hyperlink ``#'Sheet'!B13``) / 问题 / 修改建议 / 规则.
    marks         a conditional format (fill) over each cell with a finding plus a note 「jixiao校验：…」.
                  The cell's own fill is never changed, so clearing restores it exactly. Marks are
                  recognised by themselves — the format's formula carries ``MARK_TAG``, the note text
                  starts with ``MARK_PREFIX`` — so they are found again even after rows were inserted,
                  and a note the user wrote is never touched (such a cell gets the fill only).
    state         a very hidden sheet ``jixiao_state``: what 重新计算 last wrote into the helper
                  columns, so that a value the user typed there later is recognised and kept.
    recalculate   xlwings: ``app.calculate()``; openpyxl: nothing (the file is computed when opened).
    save_as       a new file; an existing file is never overwritten.
    tell          xlwings: a message box; openpyxl: the text is returned (and kept in ``told``).

Protected sheets: the generated form is protected without a password. The xlwings implementation
unprotects a sheet to mark it and protects it again with the same options; openpyxl ignores sheet
protection when writing, so the protection settings are simply left as they were.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from jixiao.engine import reader as _reader
from jixiao.engine.contract import STATE_HEADER, STATE_NOTE, STATE_SHEET  # noqa: F401 - part of this interface
from jixiao.engine.model import Form
from jixiao.engine.profiles import Profile

from .vba_sources import PROJECT_NAME

RESULT_SHEET = "校验结果"
#: The configuration sheet xlwings' custom add-in module reads (PROJECT_NAME & ".conf").
CONF_SHEET = f"{PROJECT_NAME}.conf"
#: Every note jixiao writes starts with this; notes without it belong to the user.
MARK_PREFIX = "jixiao校验："
#: The formula of a mark's conditional format: always true, and recognisable. Only a string literal
#: and an operator, so it reads the same in every Excel language and in WPS / LibreOffice.
MARK_TAG = "jixiao-mark"
MARK_FORMULAS = {"错误": f'"{MARK_TAG}-error"<>""', "警告": f'"{MARK_TAG}-warning"<>""'}
#: Fill colours of the marks (RGB hex): errors red, warnings amber.
MARK_COLORS = {"错误": "FF7C80", "警告": "FFD966"}
#: The helper columns 重新计算 may write: Form field -> defined name.
HELPER_NAMES = {"direction": "JX_IND_DIRECTION", "target_value": "JX_IND_TVALUE",
                "actual_value": "JX_IND_AVALUE"}
#: Excel's error values, as xlwings gives them with err_to_str=True.
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!",
                          "#CONNECT!", "#BUSY!", "#PYTHON!"})
TITLE = "绩效自评"


class NotAHelperCell(ValueError):
    """A write outside the helper columns: a bug in the caller, never done."""


class ExistingFile(FileExistsError):
    """save_as / next_year never overwrite a file."""


# ---------------------------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------------------------

def split_address(addr: str) -> tuple[str, int, int]:
    """'Sheet!B13' (or "'Sheet'!$B$13") -> ('Sheet', 13, 2)."""
    sheet, _, cell = addr.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    row, col = _reader.parse_cell(cell.replace("$", ""))
    return sheet, row, col


def cell_name(row: int, col: int) -> str:
    return f"{_reader.col_letters(col)}{row}"


def range_name(r1: int, c1: int, r2: int, c2: int) -> str:
    first, last = cell_name(r1, c1), cell_name(r2, c2)
    return first if first == last else f"{first}:{last}"


def location(sheet: str, row: int, col: int) -> str:
    """The target of an internal hyperlink: 'Sheet'!B13 (quotes doubled inside)."""
    return "'" + sheet.replace("'", "''") + "'!" + cell_name(row, col)


# ---------------------------------------------------------------------------------------------
# The reader's view of a workbook, from names and cell grids
# ---------------------------------------------------------------------------------------------

class GridView(_reader.Workbook):
    """What ``jixiao.engine.reader._FormReader`` reads — ``names``, ``ref()``, ``sheet()``, ``jx_names()`` —
    built from a mapping of workbook-level names (upper-cased name -> "Sheet!$A$1:$B$2") and a
    function that turns a sheet name into a ``reader.Sheet`` (cells, formulas, merges).

    ``ref()`` and ``jx_names()`` are the reader's own (inherited); only where cells come from differs:
    a package's XML for ``reader.Workbook``, an openpyxl or xlwings workbook here.
    """

    def __init__(self, path, names: dict[str, str], sheet_names: list[str],
                 load_sheet: Callable[[str], _reader.Sheet],
                 load_comments: Callable[[str], dict[str, str]] | None = None):
        # reader.Workbook.__init__ parses a package; set what its other methods use instead.
        self.pkg = None
        self.path = path
        self.names = names
        self.sheet_parts = {name: name for name in sheet_names}
        self.sheet_state = {}
        self._sheets: dict[str, _reader.Sheet] = {}
        self._load_sheet = load_sheet
        self._load_comments = load_comments

    def comments(self, name: str, keep) -> dict[str, str]:
        """"Sheet!A1" -> text of the cell comments of a sheet for which keep(text) holds (waivers)."""
        if self._load_comments is None:
            return {}
        return {f"{name}!{ref}": text for ref, text in self._load_comments(name).items() if keep(text)}

    def sheet(self, name: str) -> _reader.Sheet:
        sheet = self._sheets.get(name)
        if sheet is None:
            sheet = self._sheets[name] = self._load_sheet(name)
        return sheet

    def rects(self, sheet: str, prefix: str = "JX_") -> list[tuple[int, int, int, int]]:
        """(r1, c1, r2, c2) of every name starting with ``prefix`` that points into ``sheet``."""
        out = []
        for name in self.names:
            if not name.startswith(prefix):
                continue
            try:
                ref = self.ref(name)
            except Exception:  # noqa: BLE001 - a broken name is reported by the reader, not here
                continue
            if ref is not None and ref.sheet == sheet:
                out.append((ref.r1, ref.c1, ref.r2, ref.c2))
        return out


def new_sheet(name: str, cells: dict, formulas: dict, merges: list) -> _reader.Sheet:
    """A ``reader.Sheet`` holding ``cells`` ((row, col) -> (value, is_formula)), ``formulas``
    ((row, col) -> formula text without "=") and ``merges`` ((r1, c1, r2, c2) each)."""
    sheet = _reader.Sheet(name)
    sheet.cells.update(cells)
    sheet.formulas.update(formulas)
    sheet.merges.extend(merges)
    sheet.index_merges()
    return sheet


def cell_error(text: str):
    """An error value as the reader represents it (#DIV/0! ...)."""
    return _reader._CellError(text)


# ---------------------------------------------------------------------------------------------
# What the buttons hand to a Book
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    """Mark a cell (or the merged area it heads): ``severity`` 错误/警告 picks the fill; ``note`` is
    the note's text after MARK_PREFIX."""

    sheet: str
    row: int
    col: int
    last_row: int
    last_col: int
    severity: str
    note: str


@dataclass
class ResultTable:
    """The 校验结果 sheet: title lines, a header and rows; ``links[i]`` is where row i's 位置 cell
    (column 2) links to ("'Sheet'!B13"), or None."""

    title: list[str]
    header: list[str]
    rows: list[list[Any]]
    links: list[str | None]
    widths: list[float]


# ---------------------------------------------------------------------------------------------
# The interface
# ---------------------------------------------------------------------------------------------

class Book(ABC):
    """A workbook the buttons work on. Subclasses implement the primitives below the line."""

    #: "openpyxl" or "xlwings"
    kind = ""

    def __init__(self) -> None:
        self.told: list[str] = []
        self.last_view: GridView | None = None

    # --- common, built on the primitives ---------------------------------------------------------
    @property
    @abstractmethod
    def name(self) -> str:
        """The workbook's file name, as Excel shows it."""

    @property
    @abstractmethod
    def path(self) -> Path | None:
        """The file on disk, or None for a workbook never saved (or stored online)."""

    def read(self) -> tuple[Form, Profile]:
        """The form and its rule profile, read by the reader ``jixiao validate`` uses. The view it was
        read from stays in ``last_view`` (merged areas, for placing marks)."""
        from jixiao.engine.forms import read_workbook
        view = self.last_view = self.view()
        first = read_workbook(view, self.path or self.name)[0]   # a foreign form: by its headings
        return first.form, first.profile

    def named_value(self, name: str) -> Any:
        """The value of the first cell of a workbook-level name (JX_MODE ...), or None."""
        view = self.view()
        ref = view.ref(name)
        if ref is None:
            return None
        value, _ = view.sheet(ref.sheet).own(ref.r1, ref.c1)
        return value

    def helper_cells(self) -> set[tuple[str, int, int]]:
        """Every cell of the helper columns (sheet, row, col): the only cells write_helpers writes."""
        view = self.view()
        cells = set()
        for name in HELPER_NAMES.values():
            ref = view.ref(name)
            if ref is None:
                continue
            cells.update((ref.sheet, r, c) for r in range(ref.r1, ref.r2 + 1) for c in range(ref.c1, ref.c2 + 1))
        return cells

    def write_helpers(self, values: dict[str, Any]) -> int:
        """Write ``values`` ("Sheet!J13" -> value, None clears) into the helper columns. Every address
        is checked first: one outside JX_IND_DIRECTION / TVALUE / AVALUE raises NotAHelperCell and
        nothing is written. A helper cell inside a merged area cannot hold its own row's value: it is
        left alone and listed in ``merged_helpers``."""
        allowed = self.helper_cells()
        view = self.last_view or self.view()
        self.merged_helpers: list[str] = []
        todo = []
        for addr, value in values.items():
            sheet, row, col = split_address(addr)
            if (sheet, row, col) not in allowed:
                raise NotAHelperCell(f"{addr} is not in the helper columns {', '.join(HELPER_NAMES.values())}")
            if view.sheet(sheet).merge_of(row, col) is not None:
                self.merged_helpers.append(addr)
                continue
            todo.append((sheet, row, col, value))
        by_sheet: dict[str, list] = {}
        for sheet, row, col, value in todo:
            by_sheet.setdefault(sheet, []).append((row, col, value))
        for sheet, cells in by_sheet.items():
            with self._editing(sheet):
                for row, col, value in cells:
                    self._write_value(sheet, row, col, value)
        return len(todo)

    def set_marks(self, marks: list[Mark]) -> tuple[int, int]:
        """Clear the marks of the last run, then mark ``marks``. Returns (cleared, marked)."""
        cleared = self.clear_marks()
        marked = self._add_marks(marks) if marks else 0
        return cleared, marked

    def clear_marks(self) -> int:
        """Remove every mark jixiao made (fills and notes); the cells' own fills were never changed."""
        return self._clear_marks()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Around a button's writes (xlwings: no screen updating meanwhile)."""
        yield

    def open(self, path) -> None:
        """Show another workbook file to the user (xlwings: open it in Excel; headless: nothing)."""

    def ask_folder(self, prompt: str) -> Path | None:
        """Ask the user for a folder (xlwings: Excel's folder picker); None when cancelled or when
        there is no one to ask (headless)."""
        return None

    def tell(self, text: str, *, error: bool = False) -> str:
        """Tell the user ``text``; returns it."""
        self.told.append(text)
        self._show(text, error)
        return text

    # --- primitives ------------------------------------------------------------------------------
    @abstractmethod
    def view(self) -> GridView:
        """A fresh reader view of the workbook as it is now."""

    @abstractmethod
    def _write_value(self, sheet: str, row: int, col: int, value: Any) -> None:
        """Write one value (None clears); called inside ``_editing(sheet)``."""

    @contextmanager
    def _editing(self, sheet: str) -> Iterator[None]:
        """Make ``sheet`` writable for the block (unprotect / protect again)."""
        yield

    @abstractmethod
    def write_results(self, table: ResultTable, after: str | None = None) -> None:
        """Write (or replace) the sheet RESULT_SHEET, placed after sheet ``after`` when new."""

    @abstractmethod
    def _clear_marks(self) -> int: ...

    @abstractmethod
    def _add_marks(self, marks: list[Mark]) -> int: ...

    @abstractmethod
    def read_state(self) -> list[list[Any]]:
        """The rows of the state sheet (without its heading), [] when there is none."""

    @abstractmethod
    def write_state(self, rows: list[list[Any]]) -> None:
        """Replace the rows of the state sheet (created very hidden when missing)."""

    @abstractmethod
    def recalculate(self) -> None: ...

    @abstractmethod
    def save_as(self, path: Path) -> Path:
        """Save a copy as ``path``; raises ExistingFile when it exists."""

    @abstractmethod
    def conf_sheets(self) -> list[tuple[str, dict[str, str]]]:
        """(where, {KEY: value}) of the ``jixiao.conf`` sheets xlwings would read, in its order."""

    def _show(self, text: str, error: bool) -> None:
        """Show ``text`` to the user (nothing headless)."""
