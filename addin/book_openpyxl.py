"""The headless Book: a workbook file, read and changed in memory with openpyxl, saved atomically.

Used by the tests and the command line. The file is read once, as a regular file, and vetted by
``jixiao.engine.safeopen`` (file type by magic bytes, zip-bomb limits, and ``Package.vet``: every XML part
within the limits, no DTD) before openpyxl parses those same bytes. A package with a VBA project is
loaded with ``keep_vba=True`` and, after saving, gets its ribbon relationship back
(``jixiao.addin.build.restore_ribbon``; openpyxl drops customUI14's). A plain .xlsx is never loaded with
keep_vba (openpyxl would then write it with the macro-enabled content type). A copy's extension must
match its content (``suffix``): Excel refuses an .xlsx holding macros, and the reverse.

Text is written through ``jixiao.engine.safetext``: a string from a form never becomes a formula.
"""
from __future__ import annotations

import datetime as _dt
import io
import os
import warnings
from contextlib import suppress
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.formula import ArrayFormula
from openpyxl.worksheet.hyperlink import Hyperlink

from jixiao.templates.styles import lines_needed, row_height
from jixiao.engine.errors import WorkbookError
from jixiao.engine.files import NAME_MAX_BYTES, atomic_output, check_replaceable, name_bytes, workbook_bytes
from jixiao.engine.reader import cell_number
from jixiao.engine.safeopen import LIMITS, Limits, Package
from jixiao.engine.safetext import put, shown_name

from .workbook import (
    CONF_SHEET,
    MARK_COLORS,
    MARK_FORMULAS,
    MARK_PREFIX,
    MARK_TAG,
    RESULT_SHEET,
    STATE_HEADER,
    STATE_NOTE,
    STATE_SHEET,
    Book,
    ExistingFile,
    GridView,
    Mark,
    ResultTable,
    cell_error,
    new_sheet,
    range_name,
)

_THIN = Side(style="thin", color="A6A6A6")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _is_mark(rule) -> bool:
    return rule.type == "expression" and any(MARK_TAG in str(f) for f in (rule.formula or ()))


def _plain(value):
    """A cell value as the file reader gives it: dates as serial numbers, what no spreadsheet holds
    (NaN, infinity, beyond ±9.99E+307) as #NUM!."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return cell_number(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return to_excel(value)
    if isinstance(value, _dt.timedelta):
        return value.total_seconds() / 86400
    return value


class OpenpyxlBook(Book):
    """A workbook file. Changes stay in memory until :meth:`save_as` (a new file) or :meth:`save`."""

    kind = "openpyxl"

    def __init__(self, path, limits: Limits = LIMITS):
        super().__init__()
        self._path = Path(path)
        with Package(self._path, limits) as pkg:
            pkg.vet()
            self.has_vba = pkg.has_macros
            pkg.fh.seek(0)
            self._bytes = pkg.fh.read()       # openpyxl parses exactly what was vetted
        self.wb = self._load()
        self._cached = None

    def _load(self, **options):
        try:
            with warnings.catch_warnings():   # "extension not supported" etc. are no business of the user's
                warnings.simplefilter("ignore")
                return load_workbook(io.BytesIO(self._bytes), keep_vba=self.has_vba, **options)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
            raise WorkbookError(f"无法打开工作簿（文件已损坏或格式不受支持：{type(exc).__name__}）；"
                                "请在 Excel/WPS 中打开后另存为 .xlsx 再试", where=str(self._path)) from None

    @property
    def suffix(self) -> str:
        """The extension this workbook's content needs: .xlsx, .xlsm (macros), .xltx or .xltm (templates)."""
        template = bool(getattr(self.wb, "template", False))
        return {(False, False): ".xlsx", (True, False): ".xlsm", (False, True): ".xltx",
                (True, True): ".xltm"}[(self.has_vba, template)]

    # --- identity ----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._path.name

    @property
    def path(self) -> Path:
        return self._path

    # --- reading -----------------------------------------------------------------------------------
    def _cached_values(self):
        """The values the file was saved with (formula results), for inputs holding a user's formula."""
        if self._cached is None:
            self._cached = self._load(data_only=True)
        return self._cached

    def view(self) -> GridView:
        names = {name.upper(): dn.attr_text for name, dn in self.wb.defined_names.items()
                 if dn.localSheetId is None and dn.attr_text}
        return GridView(self._path, names, list(self.wb.sheetnames), self._load_sheet, self._load_comments)

    def _load_comments(self, name: str) -> dict[str, str]:
        ws = self.wb[name]
        if not hasattr(ws, "_cells"):
            return {}
        return {cell.coordinate: cell.comment.text for cell in ws._cells.values()
                if cell.comment is not None and cell.comment.text}

    def _load_sheet(self, name: str):
        ws = self.wb[name]
        cells: dict = {}
        formulas: dict = {}
        if not hasattr(ws, "_cells"):  # a chart sheet
            return new_sheet(name, cells, formulas, [])
        cached = None
        for (row, col), cell in ws._cells.items():
            value = cell.value
            if isinstance(value, ArrayFormula) or cell.data_type == "f":
                text = value.text if isinstance(value, ArrayFormula) else str(value)
                if cached is None:
                    cached = self._cached_values()[name]
                got = cached._cells.get((row, col))
                result = None
                if got is not None:
                    result = cell_error(got.value) if got.data_type == "e" else _plain(got.value)
                cells[(row, col)] = (result, True)
                formulas[(row, col)] = text[1:] if text.startswith("=") else text
            elif value is not None:
                cells[(row, col)] = (cell_error(value) if cell.data_type == "e" else _plain(value), False)
        merges = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        return new_sheet(name, cells, formulas, merges)

    # --- writing -----------------------------------------------------------------------------------
    def _write_value(self, sheet: str, row: int, col: int, value: Any) -> None:
        put(self.wb[sheet].cell(row, col), value)   # a text, never a formula

    def write_results(self, table: ResultTable, after: str | None = None, activate: bool = False) -> None:
        wb = self.wb
        if RESULT_SHEET in wb.sheetnames:
            index = wb.sheetnames.index(RESULT_SHEET)
            del wb[RESULT_SHEET]
        else:
            index = wb.sheetnames.index(after) + 1 if after in wb.sheetnames else len(wb.sheetnames)
        ws = wb.create_sheet(RESULT_SHEET, index)
        row = 1
        for i, line in enumerate(table.title):
            cell = put(ws.cell(row, 1), line)
            cell.font = Font(bold=True, size=14 if i == 0 else 11)
            row += 1
        row += 1
        head = row
        for col, text in enumerate(table.header, 1):
            cell = put(ws.cell(row, col), text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", start_color="D9D9D9", end_color="D9D9D9")
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center")
        for values, link in zip(table.rows, table.links):
            row += 1
            lines = max(lines_needed(str(v or ""), w, 11) for v, w in zip(values, table.widths))
            ws.row_dimensions[row].height = row_height(lines, 11)
            for col, value in enumerate(values, 1):
                cell = put(ws.cell(row, col), value)
                cell.border = _BORDER
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            if link:
                cell = ws.cell(row, 2)
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=link, display=str(cell.value or ""))
                cell.font = Font(color="0563C1", underline="single")
        for col, width in enumerate(table.widths, 1):
            ws.column_dimensions[ws.cell(1, col).column_letter].width = width
        ws.freeze_panes = ws.cell(head + 1, 1)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        if activate:
            wb.active = wb.sheetnames.index(RESULT_SHEET)
            for sheet in wb.worksheets:  # one selected tab, or Excel opens the sheets grouped
                sheet.sheet_view.tabSelected = sheet.title == RESULT_SHEET

    # --- marks -------------------------------------------------------------------------------------
    def _worksheets(self):
        return [ws for ws in self.wb.worksheets if hasattr(ws, "conditional_formatting")]

    def _clear_marks(self) -> int:
        removed_total = 0
        for ws in self._worksheets():
            cf = ws.conditional_formatting
            removed: list[int] = []
            # openpyxl keeps the rules in ConditionalFormattingList._cf_rules (range -> rules).
            for rng, rules in list(cf._cf_rules.items()):
                kept = [r for r in rules if not _is_mark(r)]
                removed += [r.priority for r in rules if _is_mark(r)]
                if kept:
                    cf._cf_rules[rng] = kept
                else:
                    del cf._cf_rules[rng]
            if removed:
                # give the remaining rules back the priorities they had before the marks went on top
                for rules in cf._cf_rules.values():
                    for r in rules:
                        if r.priority is not None:
                            r.priority -= sum(1 for p in removed if p is not None and p < r.priority)
                cf.max_priority = max((r.priority or 0 for rs in cf._cf_rules.values() for r in rs), default=0)
            removed_total += len(removed)
            for cell in ws._cells.values():
                comment = cell.comment
                if comment is not None and (comment.text or "").startswith(MARK_PREFIX):
                    cell.comment = None
        return removed_total

    def _add_marks(self, marks: list[Mark]) -> int:
        by_sheet: dict[str, list[Mark]] = {}
        for mark in marks:
            by_sheet.setdefault(mark.sheet, []).append(mark)
        for sheet, ms in by_sheet.items():
            ws = self.wb[sheet]
            cf = ws.conditional_formatting
            # our marks go on top: priorities 1..k, the sheet's own rules after them, order kept
            for rules in cf._cf_rules.values():
                for r in rules:
                    if r.priority is not None:
                        r.priority += len(ms)
            for i, m in enumerate(ms, 1):
                color = MARK_COLORS[m.severity]
                rule = FormulaRule(formula=[MARK_FORMULAS[m.severity]],
                                   fill=PatternFill("solid", start_color=color, end_color=color, bgColor=color))
                rule.priority = i
                cf.add(range_name(m.row, m.col, m.last_row, m.last_col), rule)
                cell = ws.cell(m.row, m.col)
                if not isinstance(cell, MergedCell) and cell.comment is None:   # overlapping merges
                    lines = max(3, min(18, len(m.note) // 16 + m.note.count("\n") + 2))
                    cell.comment = Comment(MARK_PREFIX + m.note, "jixiao", height=lines * 18, width=300)
            cf.max_priority = max((r.priority or 0 for rs in cf._cf_rules.values() for r in rs), default=0)
        return len(marks)

    # --- state -------------------------------------------------------------------------------------
    def read_state(self) -> list[list[Any]]:
        if STATE_SHEET not in self.wb.sheetnames:
            return []
        ws = self.wb[STATE_SHEET]
        rows = []
        for values in ws.iter_rows(min_row=3, max_col=len(STATE_HEADER), values_only=True):
            if any(v is not None for v in values):
                rows.append(list(values))
        return rows

    def write_state(self, rows: list[list[Any]]) -> None:
        """The very hidden jixiao_state sheet rewritten with these rows (laid out as the template builder
        writes it: note, heading, rows); text stays text."""
        if STATE_SHEET in self.wb.sheetnames:
            ws = self.wb[STATE_SHEET]
            ws.delete_rows(1, ws.max_row)
        else:
            ws = self.wb.create_sheet(STATE_SHEET)
            ws.sheet_state = "veryHidden"
        ws.cell(1, 1, STATE_NOTE)
        for r, values in enumerate([STATE_HEADER, *rows], 2):
            for col, value in enumerate(values, 1):
                cell = ws.cell(r, col, value)
                if isinstance(value, str) and value.startswith("="):
                    cell.data_type = "s"

    # --- the rest ----------------------------------------------------------------------------------
    def recalculate(self) -> None:
        """Nothing to do: the file carries formulas, and Excel, WPS and LibreOffice compute them when
        it is opened (openpyxl writes fullCalcOnLoad)."""

    def _write(self, path: Path, shown: Path | None = None) -> None:
        from jixiao.templates.cached import restore_cached_values

        data = workbook_bytes(self.wb, shown or path)   # complete in memory before any byte reaches the disk
        with open(path, "wb") as fh:
            fh.write(data)
        if self.has_vba:
            from .build import restore_ribbon

            restore_ribbon(path)
        restore_cached_values(path)  # openpyxl dropped what the formulas computed

    def check_save_as(self, path, overwrite: bool = False) -> Path:
        """Refuse, before any work, a copy that could not be written as asked: an existing file unless
        overwrite (ExistingFile; with overwrite, anything but a regular file: OutputError), a name over
        255 bytes or an extension that does not match the content (WorkbookError)."""
        path = Path(path)
        if name_bytes(path.name) > NAME_MAX_BYTES:
            raise WorkbookError(f"副本的文件名过长（超过 {NAME_MAX_BYTES} 字节）；请另取一个短些的文件名", where=str(path))
        if path.suffix.lower() != self.suffix:
            kind = {".xlsm": "含宏（VBA）的工作簿", ".xltm": "含宏的模板", ".xltx": "模板", ".xlsx": "不含宏的工作簿"}[self.suffix]
            raise WorkbookError(f"副本的扩展名“{path.suffix or '（无）'}”与内容不符：本工作簿是{kind}，副本应以 {self.suffix} 结尾"
                                f"（如 {shown_name(path.with_suffix(self.suffix).name)}）；扩展名不符的文件 Excel 不会打开",
                                where=str(path))
        if path.is_dir():
            raise ExistingFile(f"{shown_name(path)} 是一个文件夹")
        if os.path.lexists(path):
            if not overwrite:
                raise ExistingFile(f"{shown_name(path)} 已存在，不会覆盖")
            check_replaceable(path)          # --force replaces a regular file only
        return path

    def save_as(self, path, overwrite: bool = False) -> Path:
        """Save as a new file ``path`` (atomically); raises ExistingFile if it exists, unless overwrite."""
        path = self.check_save_as(path, overwrite)
        try:
            with atomic_output(path, overwrite=overwrite) as tmp:
                self._write(tmp, path)
        except FileExistsError as exc:
            raise ExistingFile(str(exc)) from None
        return path

    def save(self) -> Path:
        """Write the changes back to the file this book was opened from, atomically (temp + rename).
        openpyxl keeps what jixiao's templates contain; content it does not support (pictures, charts,
        some extensions) would be lost, so prefer :meth:`save_as` for files made elsewhere."""
        check_replaceable(self._path)
        with atomic_output(self._path) as tmp:
            self._write(tmp, self._path)
        self._cached = None
        return self._path

    def conf_sheets(self) -> list[tuple[str, dict[str, str]]]:
        if CONF_SHEET not in self.wb.sheetnames:
            return []
        ws = self.wb[CONF_SHEET]
        conf: dict[str, str] = {}
        for key, value in ws.iter_rows(min_row=1, max_col=2, values_only=True):
            if key in (None, ""):
                break
            conf[str(key).upper()] = "" if value is None else str(value)
        return [("本工作簿的 jixiao.conf 工作表", conf)]

    def close(self) -> None:
        with suppress(Exception):
            self.wb.close()
