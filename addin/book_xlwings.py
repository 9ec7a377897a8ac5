"""The Book inside Excel: the workbook that called Python through the ribbon (``xw.Book.caller()``).

Reading builds the reader's view from ``book.names`` and, for each sheet the names point to, two
calls on its used range (``.value`` with errors as text, ``.formula``) plus the merge areas of blank
cells inside named ranges — the only cells whose merge the reader asks about (a merge's followers
are blank; ranges without merged cells are skipped with one ``merge_cells`` call).

A cell holds a formula when its ``.formula`` starts with "=" and differs from its value: a text typed
as "=5859平方米" (stored as text) has ``formula == value`` and stays a text, as in the file reader.
Numbers come from Excel as floats; integral ones are given back as int, as a file stores them.

Writing goes through the xlwings object model, plus a few COM calls through ``.api`` where xlwings
has no wrapper: sheet protection (``Unprotect("")`` never prompts for a password: it fails on a
sheet that has one), conditional formats (``FormatConditions.Add`` / ``SetFirstPriority`` /
``Delete``), internal hyperlinks (``Hyperlinks.Add`` with a ``SubAddress``), ``Visible`` (very hidden
state sheet) and ``SaveCopyAs``. Everything here runs on Windows and Mac Excel; on Linux it is
exercised against a small fake of those xlwings objects (tests/test_addin_actions.py).
"""
from __future__ import annotations

import datetime as _dt
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from .workbook import (
    CONF_SHEET,
    ERROR_VALUES,
    MARK_COLORS,
    MARK_FORMULAS,
    MARK_PREFIX,
    MARK_TAG,
    RESULT_SHEET,
    STATE_HEADER,
    STATE_NOTE,
    STATE_SHEET,
    TITLE,
    Book,
    ExistingFile,
    GridView,
    Mark,
    ResultTable,
    cell_error,
    new_sheet,
)

ADDIN_BOOK = "jixiao.xlam"
XL_EXPRESSION = 2          # XlFormatConditionType.xlExpression
XL_SHEET_VERY_HIDDEN = 2   # XlSheetVisibility.xlSheetVeryHidden
#: Worksheet.Protection properties handed back to Protect() as they were.
PROTECTION_ALLOWS = ("AllowFormattingCells", "AllowFormattingColumns", "AllowFormattingRows",
                     "AllowInsertingColumns", "AllowInsertingRows", "AllowInsertingHyperlinks",
                     "AllowDeletingColumns", "AllowDeletingRows", "AllowSorting", "AllowFiltering",
                     "AllowUsingPivotTables")


class SheetLocked(RuntimeError):
    """A sheet protected with a password: jixiao cannot write there."""

    def __init__(self, sheet: str):
        super().__init__(f"工作表“{sheet}”设有密码保护，jixiao 无法在其中写入；请先在“审阅”中撤销工作表保护。")
        self.sheet = sheet


def _com_color(hex_rgb: str) -> int:
    """'FF7C80' -> Excel's COM colour (BGR as an int)."""
    r, g, b = int(hex_rgb[0:2], 16), int(hex_rgb[2:4], 16), int(hex_rgb[4:6], 16)
    return r + g * 256 + b * 65536


def _grid(data, rows: int, cols: int) -> list[list]:
    """A range's .value/.formula as a list of rows, whatever shape xlwings/COM gave."""
    if rows == 1 and cols == 1 and not isinstance(data, (list, tuple)):
        return [[data]]
    data = list(data)
    if data and not isinstance(data[0], (list, tuple)):
        return [list(data)] if rows == 1 else [[v] for v in data]
    return [list(r) for r in data]


def _plain(value):
    if isinstance(value, str) and value in ERROR_VALUES:
        return cell_error(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    if isinstance(value, (_dt.datetime, _dt.date)):
        from openpyxl.utils.datetime import to_excel

        return to_excel(value)
    return value


def _text_for_excel(value):
    """A text Excel must store as text, not read as a formula or number."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


class XlwingsBook(Book):
    """The open workbook ``book`` (an ``xlwings.Book``)."""

    kind = "xlwings"

    def __init__(self, book):
        super().__init__()
        self.book = book
        self.app = book.app

    # --- identity ----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.book.name

    @property
    def path(self) -> Path | None:
        full = str(self.book.fullname or "")
        if "://" in full:          # stored online (OneDrive/SharePoint): no folder to write beside
            return None
        path = Path(full)
        return path if path.is_absolute() else None  # never saved: "工作簿1"

    # --- reading -----------------------------------------------------------------------------------
    def view(self) -> GridView:
        names: dict[str, str] = {}
        for nm in self.book.names:
            name = nm.name
            if "!" in name:        # sheet-level names ("Sheet1!Print_Area"): not the contract's
                continue
            try:
                refers = nm.refers_to
            except Exception:  # noqa: BLE001 - a name Excel cannot describe is not ours
                continue
            if refers:
                names[name.upper()] = str(refers).lstrip("=")
        sheet_names = [sh.name for sh in self.book.sheets]
        view = GridView(self.book.fullname, names, sheet_names, lambda s: self._load_sheet(view, s))
        return view

    def _load_sheet(self, view: GridView, name: str):
        sh = self.book.sheets[name]
        used = sh.used_range
        rows, cols = used.shape
        values = _grid(used.options(ndim=2, err_to_str=True).value, rows, cols)
        formulas = _grid(used.formula, rows, cols)
        r0, c0 = used.row, used.column
        cells: dict = {}
        texts: dict = {}
        for i, row in enumerate(values):
            frow = formulas[i] if i < len(formulas) else []
            for j, value in enumerate(row):
                formula = frow[j] if j < len(frow) else None
                is_formula = (isinstance(formula, str) and formula.startswith("=")
                              and not (isinstance(value, str) and value == formula))
                if value is None and not is_formula:
                    continue
                at = (r0 + i, c0 + j)
                cells[at] = (_plain(value), is_formula)
                if is_formula:
                    texts[at] = formula[1:]
        merges = self._merges(sh, view.rects(name), cells)
        return new_sheet(name, cells, texts, merges)

    @staticmethod
    def _merges(sh, rects, cells) -> list[tuple[int, int, int, int]]:
        found: list[tuple[int, int, int, int]] = []

        def covered(r, c):
            return any(m[0] <= r <= m[2] and m[1] <= c <= m[3] for m in found)

        for r1, c1, r2, c2 in rects:
            if sh.range((r1, c1), (r2, c2)).merge_cells is False:
                continue
            for r in range(r1, r2 + 1):
                for c in range(c1, c2 + 1):
                    if (r, c) in cells or covered(r, c):
                        continue
                    area = sh.range((r, c)).merge_area
                    n_rows, n_cols = area.shape
                    if n_rows * n_cols > 1:
                        found.append((area.row, area.column, area.row + n_rows - 1, area.column + n_cols - 1))
        return found

    # --- writing -----------------------------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """No screen flicker while the buttons write."""
        before = self.app.screen_updating
        self.app.screen_updating = False
        try:
            yield
        finally:
            self.app.screen_updating = before

    @contextmanager
    def _editing(self, sheet: str) -> Iterator[None]:
        api = self.book.sheets[sheet].api
        if not api.ProtectContents:
            yield
            return
        options = {"DrawingObjects": bool(api.ProtectDrawingObjects), "Contents": True,
                   "Scenarios": bool(api.ProtectScenarios)}
        protection = api.Protection
        for key in PROTECTION_ALLOWS:
            try:
                options[key] = bool(getattr(protection, key))
            except Exception:  # noqa: BLE001 - older Excel lacks some; Protect's default applies
                pass
        selection = api.EnableSelection
        try:
            api.Unprotect("")
        except Exception:  # noqa: BLE001 - a password: the COM error says no more than that
            raise SheetLocked(sheet) from None
        try:
            yield
        finally:
            api.Protect(**options)
            api.EnableSelection = selection

    def _write_value(self, sheet: str, row: int, col: int, value: Any) -> None:
        self.book.sheets[sheet].range((row, col)).value = _text_for_excel(value)

    def _sheet_names(self, book=None) -> list[str]:
        return [sh.name for sh in (book or self.book).sheets]

    def write_results(self, table: ResultTable, after: str | None = None, activate: bool = False) -> None:
        names = self._sheet_names()
        active = self.book.sheets.active
        if RESULT_SHEET in names:
            sh = self.book.sheets[RESULT_SHEET]
            with self._editing(RESULT_SHEET):
                sh.clear()
        else:
            anchor = self.book.sheets[after] if after in names else self.book.sheets[names[-1]]
            sh = self.book.sheets.add(RESULT_SHEET, after=anchor)
        width = max(len(table.header), *(len(r) for r in table.rows)) if table.rows else len(table.header)
        block = [[_text_for_excel(line)] + [None] * (width - 1) for line in table.title]
        block.append([None] * width)
        head = len(block) + 1
        block.append(list(table.header) + [None] * (width - len(table.header)))
        block += [[_text_for_excel(v) for v in r] + [None] * (width - len(r)) for r in table.rows]
        sh.range((1, 1)).value = block
        sh.range((1, 1)).font.bold = True
        sh.range((1, 1)).font.size = 14
        header = sh.range((head, 1), (head, width))
        header.font.bold = True
        header.color = (217, 217, 217)
        if table.rows:
            body = sh.range((head + 1, 1), (head + len(table.rows), width))
            body.api.WrapText = True
            body.api.VerticalAlignment = -4160  # xlTop
            body.api.Rows.AutoFit()
        for col, w in enumerate(table.widths, 1):
            sh.range((1, col)).column_width = w
        for i, (values, link) in enumerate(zip(table.rows, table.links)):
            if link:
                cell = sh.range((head + 1 + i, 2))
                sh.api.Hyperlinks.Add(Anchor=cell.api, Address="", SubAddress=link,
                                      TextToDisplay=str(values[1] if len(values) > 1 else link))
        if activate:
            sh.activate()
        elif active is not None:
            active.activate()

    # --- marks -------------------------------------------------------------------------------------
    def _clear_marks(self) -> int:
        count = 0
        for sh in self.book.sheets:
            conditions = sh.api.Cells.FormatConditions
            ours = []
            for i in range(int(conditions.Count), 0, -1):
                fc = conditions.Item(i)
                try:
                    formula = str(fc.Formula1)
                except Exception:  # noqa: BLE001 - data bars, colour scales: no Formula1, not ours
                    continue
                if MARK_TAG in formula:
                    ours.append(fc)
            notes = [note for note in sh.notes if (note.text or "").startswith(MARK_PREFIX)]
            if not ours and not notes:
                continue
            with self._editing(sh.name):
                for fc in ours:
                    fc.Delete()
                for note in notes:
                    note.delete()
            count += len(ours)
        return count

    def _add_marks(self, marks: list[Mark]) -> int:
        by_sheet: dict[str, list[Mark]] = {}
        for mark in marks:
            by_sheet.setdefault(mark.sheet, []).append(mark)
        for sheet, ms in by_sheet.items():
            sh = self.book.sheets[sheet]
            with self._editing(sheet):
                for m in reversed(ms):  # SetFirstPriority: the first mark ends on top
                    rng = sh.range((m.row, m.col), (m.last_row, m.last_col))
                    fc = rng.api.FormatConditions.Add(Type=XL_EXPRESSION, Formula1="=" + MARK_FORMULAS[m.severity])
                    fc.Interior.Color = _com_color(MARK_COLORS[m.severity])
                    fc.StopIfTrue = False
                    fc.SetFirstPriority()
                    cell = sh.range((m.row, m.col))
                    if cell.note is None:
                        try:
                            cell.add_note(MARK_PREFIX + m.note)
                        except Exception:  # noqa: BLE001 - a threaded comment there: the fill still marks it
                            pass
        return len(marks)

    # --- state -------------------------------------------------------------------------------------
    def read_state(self) -> list[list[Any]]:
        if STATE_SHEET not in self._sheet_names():
            return []
        used = self.book.sheets[STATE_SHEET].used_range
        rows, cols = used.shape
        values = _grid(used.options(ndim=2).value, rows, cols)
        out = []
        for i, row in enumerate(values):
            if used.row + i < 3:
                continue
            cells = [_plain(v) for v in row[:len(STATE_HEADER)]]
            cells += [None] * (len(STATE_HEADER) - len(cells))
            if any(v is not None for v in cells):
                out.append(cells)
        return out

    def write_state(self, rows: list[list[Any]]) -> None:
        names = self._sheet_names()
        if STATE_SHEET in names:
            sh = self.book.sheets[STATE_SHEET]
            sh.clear()
        else:
            active = self.book.sheets.active
            sh = self.book.sheets.add(STATE_SHEET, after=self.book.sheets[names[-1]])
            sh.api.Visible = XL_SHEET_VERY_HIDDEN
            if active is not None:
                active.activate()
        block = [[STATE_NOTE, None, None], list(STATE_HEADER)]
        block += [[_text_for_excel(v) for v in r] for r in rows]
        sh.range((1, 1)).value = block

    # --- the rest ----------------------------------------------------------------------------------
    def recalculate(self) -> None:
        self.app.calculate()

    def save_as(self, path) -> Path:
        """A copy of the workbook as it is now; the open workbook keeps its own name and path."""
        path = Path(path)
        if path.exists():
            raise ExistingFile(f"{path} 已存在，不会覆盖")
        self.book.api.SaveCopyAs(str(path))
        return path

    def open(self, path) -> None:
        """Open a file in this Excel (the new year's workbook)."""
        self.app.books.open(str(path))

    def ask_folder(self, prompt: str) -> Path | None:
        """Excel's own folder picker (Application.FileDialog(msoFileDialogFolderPicker)); None when
        the user cancels. Excel for Mac has no such dialog through xlwings: a JixiaoError says so."""
        from jixiao.engine.errors import JixiaoError
        try:
            dialog = self.app.api.FileDialog(4)          # msoFileDialogFolderPicker
        except Exception:  # noqa: BLE001 - no COM (Excel for Mac)
            raise JixiaoError("这台电脑上的 Excel 无法打开文件夹选择框（Excel for Mac）；请在终端运行 "
                              "jixiao validate 文件夹 --summary 汇总.xlsx") from None
        dialog.Title = prompt
        dialog.AllowMultiSelect = False
        if dialog.Show() != -1:                         # -1: the user pressed OK
            return None
        return Path(str(dialog.SelectedItems(1)))

    def conf_sheets(self) -> list[tuple[str, dict[str, str]]]:
        out = []
        sources = [("本工作簿的 jixiao.conf 工作表", self.book)]
        try:
            sources.append((f"加载项 {ADDIN_BOOK} 的 jixiao.conf 工作表", self.app.books[ADDIN_BOOK]))
        except Exception:  # noqa: BLE001 - the add-in is not loaded (an .xlsm on its own)
            pass
        for label, wb in sources:
            if CONF_SHEET not in self._sheet_names(wb):
                continue
            used = wb.sheets[CONF_SHEET].used_range
            rows, cols = used.shape
            values = _grid(used.options(ndim=2).value, rows, cols)
            conf: dict[str, str] = {}
            if used.row == 1 and used.column == 1:
                for row in values:
                    key = row[0] if row else None
                    if key in (None, ""):
                        break
                    value = row[1] if len(row) > 1 else None
                    conf[str(key).upper()] = "" if value is None else str(_plain(value))
            out.append((label, conf))
        return out

    def _show(self, text: str, error: bool) -> None:
        self.app.alert(text, title=TITLE, mode="critical" if error else "info")
