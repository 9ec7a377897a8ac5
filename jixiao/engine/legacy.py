"""Old and other spreadsheet formats, read into the same sheets the workbook reader uses: binary
.xls (BIFF8, and WPS .et saved in that compound-file format) with xlrd; OpenDocument .ods by parsing
its content.xml with the same guarded expat parser as .xlsx; and the exports many systems save with
an .xls name that are really a web page (HTML table) or an "XML 电子表格 2003" file. None of these
carries jixiao's defined names, so their forms are read by headings (`jixiao.engine.headings`).

Why xlrd and not a LibreOffice conversion: xlrd is pure Python (installs everywhere, also on the
reviewers' Windows machines without LibreOffice), reads a form in milliseconds where a cold
`soffice --convert-to xlsx` takes about a second, and runs in this process under our limits
(benchmarks/bench_legacy.py measures both).

Limits, as for .xlsx (`safeopen.Limits`): an .xls is read whole (xlrd has no streaming) from a file
of at most `max_legacy_bytes`; each sheet at most `max_rows` rows and `max_cells` cells. An .ods
goes through `safeopen.Package` (zip-bomb checks, part size) and its repeated rows/columns only
count when they hold something. An .xls encrypted with a password (a FILEPASS record) and a damaged
file get the same messages as an .xlsx.
"""
from __future__ import annotations

import io
from pathlib import Path

from .errors import WorkbookError
from .reader import Sheet, Workbook, _CellError, cell_number
from .safeopen import LIMITS, Limits, Package, expat_parser, limit_error, parse_xml, read_whole

ENCRYPTED = "工作簿已加密（设置了打开密码），请在 Excel/WPS 中取消密码后再校验"


class SheetBook(Workbook):
    """A workbook held as ready sheets (no package, no defined names)."""

    def __init__(self, path, sheets: list[Sheet], states: dict[str, str] | None = None):
        self.pkg = None
        self.path = Path(path)
        self.names: dict[str, str] = {}
        self.sheet_parts = {s.name: s.name for s in sheets}
        self.sheet_state = states or {}
        self._sheets = {s.name: s for s in sheets}

    def sheet(self, name: str) -> Sheet:
        return self._sheets[name]


def _fail(path, message: str) -> WorkbookError:
    return WorkbookError(message, where=str(path))


def _too_large(path, sheet: str, what: str) -> WorkbookError:
    return _fail(path, f"工作表“{sheet}”过大（{what}），超出校验上限；请删除多余的行和单元格后再校验")


# .xls / .et ------------------------------------------------------------------------------------------

def read_xls(path, limits: Limits = LIMITS) -> SheetBook:
    import xlrd
    from xlrd.biffh import XLRDError

    path = Path(path)
    data = read_whole(path, limits)          # a regular file within the limit, read once
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True, ragged_rows=True,
                                  logfile=io.StringIO())
    except XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise _fail(path, ENCRYPTED) from None
        raise _fail(path, f"文件已损坏或不是 Excel 工作簿（旧版 .xls 无法解析：{exc}）") from None
    except Exception as exc:  # noqa: BLE001 - xlrd parses hostile bytes: any failure there is a damaged file
        raise _fail(path, f"文件已损坏，无法读取（旧版 .xls：{type(exc).__name__}）；请在 Excel/WPS 中打开后另存为 .xlsx") from None
    sheets: list[Sheet] = []
    states: dict[str, str] = {}
    try:
        for i in range(book.nsheets):
            try:
                sh = book.sheet_by_index(i)
            except Exception as exc:  # noqa: BLE001 - as above
                raise _fail(path, f"文件已损坏，无法读取第 {i + 1} 张工作表（{type(exc).__name__}）") from None
            sheets.append(_xls_sheet(path, sh, limits))
            states[sh.name] = "visible" if not sh.visibility else "hidden"
            book.unload_sheet(i)
    finally:
        book.release_resources()
    return SheetBook(path, sheets, states)


def _xls_sheet(path, sh, limits: Limits) -> Sheet:
    import xlrd

    if sh.nrows > limits.max_rows:
        raise _too_large(path, sh.name, f"{sh.nrows} 行，上限 {limits.max_rows}")
    sheet = Sheet(sh.name)
    count = 0
    for r in range(sh.nrows):
        types, values = sh.row_types(r), sh.row_values(r)
        for c, (t, v) in enumerate(zip(types, values)):
            if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if t == xlrd.XL_CELL_TEXT:
                if not v:
                    continue
                value = v
            elif t in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_DATE):
                value = cell_number(int(v) if float(v).is_integer() and abs(v) < 2 ** 53 else float(v))
            elif t == xlrd.XL_CELL_BOOLEAN:
                value = bool(v)
            elif t == xlrd.XL_CELL_ERROR:
                value = _CellError(xlrd.error_text_from_code.get(v, "#N/A"))
            else:
                continue
            count += 1
            if count > limits.max_cells:
                raise _too_large(path, sh.name, f"超过 {limits.max_cells} 个单元格")
            sheet.cells[(r + 1, c + 1)] = (value, False)
    merged = 0
    for n, (rlo, rhi, clo, chi) in enumerate(sh.merged_cells, 1):
        merged += max(0, rhi - rlo) * max(0, chi - clo)
        if n > limits.max_merges:
            raise limit_error(path, "max_merges", n, f"工作表“{sh.name}”", limits)
        if merged > limits.max_merged_cells:
            raise limit_error(path, "max_merged_cells", merged, f"工作表“{sh.name}”", limits)
        if rhi > rlo and chi > clo:
            sheet.merges.append((rlo + 1, clo + 1, rhi, chi))
    sheet.index_merges()
    return sheet


# .ods ------------------------------------------------------------------------------------------------

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def read_ods(pkg: Package) -> SheetBook:
    """The sheets of an OpenDocument spreadsheet package (already vetted by safeopen.Package)."""
    path, limits = pkg.path, pkg.limits
    data = pkg.read("content.xml")
    sheets: list[Sheet] = []
    st = {"sheet": None, "row": 0, "col": 0, "rrep": 1, "cell": None, "text": None, "p": 0, "in_p": 0, "cells": 0}

    def start(name, attrs):
        if name == _TABLE + "table":
            st["sheet"] = Sheet(attrs.get(_TABLE + "name", f"Sheet{len(sheets) + 1}"))
            st["row"], st["cells"] = 0, 0
        elif name == _TABLE + "table-row":
            st["row"] += 1
            st["col"] = 0
            st["rrep"] = _count(attrs.get(_TABLE + "number-rows-repeated"))
        elif name in (_TABLE + "table-cell", _TABLE + "covered-table-cell") and st["sheet"] is not None:
            st["col"] += 1
            kind = attrs.get(_OFFICE + "value-type")
            cell = {"crep": _count(attrs.get(_TABLE + "number-columns-repeated")), "kind": kind,
                    "formula": _TABLE + "formula" in attrs, "value": None,
                    "span": (_count(attrs.get(_TABLE + "number-rows-spanned")),
                             _count(attrs.get(_TABLE + "number-columns-spanned")))}
            if kind in ("float", "percentage", "currency"):
                cell["value"] = _number(attrs.get(_OFFICE + "value"))
            elif kind == "date":
                cell["value"] = attrs.get(_OFFICE + "date-value")
            elif kind == "time":
                cell["value"] = attrs.get(_OFFICE + "time-value")
            elif kind == "boolean":
                cell["value"] = attrs.get(_OFFICE + "boolean-value") == "true"
            st["cell"], st["text"] = cell, []
        elif st["text"] is not None:
            if name in (_TEXT + "p", _TEXT + "h"):
                if st["p"]:
                    st["text"].append("\n")
                st["p"] += 1
                st["in_p"] += 1
            elif name == _TEXT + "s":
                st["text"].append(" " * _count(attrs.get(_TEXT + "c")))
            elif name == _TEXT + "tab":
                st["text"].append("\t")
            elif name == _TEXT + "line-break":
                st["text"].append("\n")

    def end(name):
        if name in (_TABLE + "table-cell", _TABLE + "covered-table-cell") and st["cell"] is not None:
            cell, text = st["cell"], "".join(st["text"] or ())
            value = cell["value"]
            if cell["kind"] == "string" or (value is None and text):
                value = text if text else None
            if cell["kind"] is None and not text:
                value = None
            r, c = st["row"], st["col"]
            rows, cols = cell["span"]
            sheet = st["sheet"]
            if rows > 1 or cols > 1:
                st["merges"] = st.get("merges", 0) + 1
                st["merged"] = st.get("merged", 0) + rows * cols
                if st["merges"] > limits.max_merges:
                    raise _Stop(limit_error(path, "max_merges", st["merges"], f"工作表“{sheet.name}”", limits))
                if st["merged"] > limits.max_merged_cells:
                    raise _Stop(limit_error(path, "max_merged_cells", st["merged"], f"工作表“{sheet.name}”", limits))
                sheet.merges.append((r, c, r + rows - 1, c + cols - 1))
            if value is not None or cell["formula"]:
                for rr in range(st["rrep"]):
                    for cc in range(cell["crep"]):
                        st["cells"] += 1
                        if st["cells"] > limits.max_cells:
                            raise _Stop(_too_large(path, sheet.name, f"超过 {limits.max_cells} 个单元格"))
                        if r + rr > limits.max_rows:
                            raise _Stop(_too_large(path, sheet.name, f"超过 {limits.max_rows} 行"))
                        sheet.cells[(r + rr, c + cc)] = (value, cell["formula"])
            st["col"] += cell["crep"] - 1
            st["cell"], st["text"], st["p"], st["in_p"] = None, None, 0, 0
        elif name in (_TEXT + "p", _TEXT + "h") and st["text"] is not None:
            st["in_p"] -= 1
        elif name == _TABLE + "table-row":
            st["row"] += st["rrep"] - 1
        elif name == _TABLE + "table" and st["sheet"] is not None:
            st["sheet"].index_merges()
            sheets.append(st["sheet"])
            st["sheet"] = None

    def chars(text):
        if st["text"] is not None and st["in_p"]:
            st["text"].append(text)

    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    try:
        parse_xml(path, "content.xml", data, parser)
    except _Stop as stop:
        raise stop.error from None
    return SheetBook(path, sheets)


class _Stop(Exception):
    def __init__(self, error: WorkbookError):
        super().__init__(str(error))
        self.error = error


def _count(text) -> int:
    try:
        n = int(text) if text else 1
    except ValueError:
        return 1
    return max(1, min(n, 1 << 24))


def _span(text) -> int:
    try:
        return max(0, min(int(text or 0), MAX_SPAN))
    except ValueError:
        return 0


def _number(text):
    if text is None:
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else x


# Exports saved as ".xls" that are web pages or XML ------------------------------------------------

_HTML_HINTS = (b"<table", b"<TABLE", b"<html", b"<HTML")
_SSML_NS = "urn:schemas-microsoft-com:office:spreadsheet"
MAX_SPAN = 1000          # rowspan / colspan: a form's merges are small; a huge one is refused as damage


def text_kind(head: bytes) -> str | None:
    """"html" or "spreadsheetml" for an export saved with an .xls name (many systems do so), else None."""
    probe = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if probe.startswith(b"<?xml") and _SSML_NS.encode() in head:
        return "spreadsheetml"
    if probe[:1] == b"<" and any(h in head for h in _HTML_HINTS):
        return "html"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return text_kind(head.decode("utf-16").encode("utf-8"))
        except UnicodeError:
            return None
    return None


def _decode(data: bytes) -> str:
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:].decode("utf-8", "replace")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", "replace")
    import re
    m = re.search(rb'charset\s*=\s*["\']?([A-Za-z0-9_-]+)', data[:4096])
    names = [m.group(1).decode("ascii").lower()] if m else []
    for name in names + ["utf-8", "gb18030"]:
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            return data.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("gb18030", "replace")


def _read_text_file(path, limits: Limits) -> bytes:
    return read_whole(Path(path), limits)   # a regular file within the limit, read once


def _cell_value(text: str, raw: str | None = None):
    """A cell of a web-page export: its number when it is one (Excel writes x:num), else the text."""
    for candidate in (raw, text):
        if candidate is None:
            continue
        t = candidate.strip().replace(",", "")
        try:
            x = float(t)
        except ValueError:
            continue
        if t and t[-1].isdigit():
            return int(x) if x.is_integer() and abs(x) < 2 ** 53 else x
    return text if text.strip() else None


class _Grid:
    """Cells placed row by row, skipping the places that merges above already cover."""

    def __init__(self, path, name: str, limits: Limits):
        self.sheet = Sheet(name)
        self.path, self.limits = path, limits
        self.taken: set[tuple[int, int]] = set()
        self.row, self.col = 0, 0

    def new_row(self, index: int | None = None) -> None:
        self.row = index if index else self.row + 1
        self.col = 0
        if self.row > self.limits.max_rows:
            raise _too_large(self.path, self.sheet.name, f"超过 {self.limits.max_rows} 行")

    def place(self, value, rows: int = 1, cols: int = 1, index: int | None = None) -> None:
        rows, cols = max(1, min(rows, MAX_SPAN)), max(1, min(cols, MAX_SPAN))
        self.col = index if index else self.col + 1
        while (self.row, self.col) in self.taken:
            self.col += 1
        r, c = self.row, self.col
        if value is not None:
            if len(self.sheet.cells) >= self.limits.max_cells:
                raise _too_large(self.path, self.sheet.name, f"超过 {self.limits.max_cells} 个单元格")
            self.sheet.cells[(r, c)] = (value, False)
        if rows > 1 or cols > 1:
            self.sheet.merges.append((r, c, r + rows - 1, c + cols - 1))
            if len(self.taken) + rows * cols > self.limits.max_cells:
                raise _too_large(self.path, self.sheet.name, f"合并区域超过 {self.limits.max_cells} 个单元格")
            for rr in range(r, r + rows):
                for cc in range(c, c + cols):
                    if (rr, cc) != (r, c):
                        self.taken.add((rr, cc))
        self.col = c + cols - 1

    def done(self) -> Sheet:
        self.sheet.index_merges()
        return self.sheet


def read_html(path, limits: Limits = LIMITS) -> SheetBook:
    """A web page saved as .xls (Excel's "网页" export, or a system's): each <table> is a sheet."""
    from html.parser import HTMLParser

    text = _decode(_read_text_file(path, limits))
    grids: list[_Grid] = []

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.grid: _Grid | None = None
            self.depth = 0
            self.cell: dict | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "table":
                self.depth += 1
                if self.depth == 1:
                    self.grid = _Grid(path, f"表{len(grids) + 1}", limits)
                    grids.append(self.grid)
            elif self.depth != 1:
                return
            elif tag == "tr":
                self.grid.new_row()
            elif tag in ("td", "th"):
                self.cell = {"text": [], "rows": _count(a.get("rowspan")), "cols": _count(a.get("colspan")),
                             "num": a.get("x:num")}
            elif tag == "br" and self.cell is not None:
                self.cell["text"].append("\n")

        def handle_endtag(self, tag):
            if tag == "table":
                self.depth -= 1
            elif tag in ("td", "th") and self.cell is not None and self.depth == 1:
                cell, self.cell = self.cell, None
                if self.grid.row == 0:
                    self.grid.new_row()
                self.grid.place(_cell_value("".join(cell["text"]).strip(), cell["num"]), cell["rows"], cell["cols"])

        def handle_data(self, data):
            if self.cell is not None:
                self.cell["text"].append(" ".join(data.split()) if "\n" in data else data)

    try:
        parser = Parser()
        parser.feed(text)
        parser.close()
    except _Stop as stop:
        raise stop.error from None
    except WorkbookError:
        raise
    sheets = [g.done() for g in grids]
    if not sheets:
        raise _fail(path, "不是 Excel 工作簿（网页文件中没有表格）")
    return SheetBook(path, sheets)


def read_spreadsheetml(path, limits: Limits = LIMITS) -> SheetBook:
    """An "XML 电子表格 2003" file (Excel 2003 XML, often saved as .xls by systems)."""
    data = _read_text_file(path, limits)
    ns = _SSML_NS + "}"
    sheets: list[Sheet] = []
    st: dict = {"grid": None, "cell": None}

    def start(name, attrs):
        if name == ns + "Worksheet":
            st["grid"] = _Grid(path, attrs.get(ns + "Name", f"Sheet{len(sheets) + 1}"), limits)
        elif st["grid"] is None:
            return
        elif name == ns + "Row":
            st["grid"].new_row(_count(attrs.get(ns + "Index")) if attrs.get(ns + "Index") else None)
        elif name == ns + "Cell":
            st["cell"] = {"text": [], "type": None, "index": _count(attrs.get(ns + "Index")) if attrs.get(ns + "Index") else None,
                          "rows": _span(attrs.get(ns + "MergeDown")) + 1,
                          "cols": _span(attrs.get(ns + "MergeAcross")) + 1, "formula": ns + "Formula" in attrs}
        elif name == ns + "Data" and st["cell"] is not None:
            st["cell"]["type"] = attrs.get(ns + "Type")

    def end(name):
        if name == ns + "Cell" and st["cell"] is not None:
            cell, st["cell"] = st["cell"], None
            text = "".join(cell["text"])
            value = _number(text) if cell["type"] == "Number" else (text if text else None)
            if cell["type"] == "Boolean":
                value = text.strip() == "1"
            st["grid"].place(value, cell["rows"], cell["cols"], cell["index"])
        elif name == ns + "Worksheet" and st["grid"] is not None:
            sheets.append(st["grid"].done())
            st["grid"] = None

    def chars(text):
        if st["cell"] is not None:
            st["cell"]["text"].append(text)

    parser = expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, chars
    parse_xml(path, "XML 电子表格", data, parser)
    return SheetBook(path, sheets)
