"""Every 自评表 in a file, whatever made it: the one entry point for reading forms.

    read_forms(path, limits, profile=None) -> [ReadForm(form, profile, reading), ...]

What the file is is decided by its bytes (`safeopen.sniff`), never by its name:
    .xlsx/.xlsm with jixiao's defined names  -> the contract reader (`reader`), one form
    .xlsx/.xlsm without them                 -> read by headings (`headings`), one form per sheet
    .ods (OpenDocument)                      -> its sheets (`legacy.read_ods`), by headings
    .xls / .et (OLE2 compound, BIFF8)        -> its sheets (`legacy.read_xls`), by headings
    a web page or Excel 2003 XML named .xls  -> its tables (`legacy.read_html` / `read_spreadsheetml`)
    encrypted, empty, damaged or foreign     -> a WorkbookError with its clear message
`profile` (a name: the command line's --profile, registered beforehand) overrides the profile the
workbook records or the layout suggests.
"""
from __future__ import annotations

from pathlib import Path

from .errors import WorkbookError
from .reading import ReadForm, Reading
from .legacy import ENCRYPTED, read_html, read_ods, read_spreadsheetml, read_xls, text_kind
from .reader import Workbook, _FormReader
from .safeopen import LIMITS, Limits, Package, check_kind, read_head, sniff

__all__ = ["ReadForm", "Reading", "read_forms", "read_workbook"]


def read_workbook(wb, path, profile: str | None = None) -> list[ReadForm]:
    """The forms of an opened workbook (a package, an openpyxl/xlwings view, or ready sheets)."""
    if wb.jx_names():
        reader = _FormReader(wb, profile)
        form = reader.read()
        prof = reader.profile
        how = f"按指定的规则“{prof.name}”计分" if profile else f"按规则“{prof.name}”计分"
        sheet = ""
        ref = wb.ref("JX_IND_NAME") if "JX_IND_NAME" in wb.names else None
        if ref is not None:
            sheet = ref.sheet
        reading = Reading("names", prof.layout, prof.title, prof.name,
                          f"jixiao 模板（按定义名称读取）；{how}", sheet)
        return [ReadForm(form, prof, reading)]
    from .headings import read_by_headings      # only for a form jixiao did not make
    return read_by_headings(wb, path, profile)


def read_forms(path, limits: Limits = LIMITS, profile: str | None = None) -> list[ReadForm]:
    path = Path(path)
    kind = sniff(path)
    if kind == "zip":
        with Package(path, limits, ods=True) as pkg:
            wb = read_ods(pkg) if pkg.kind == "ods" else Workbook(pkg)
            return read_workbook(wb, path, profile)
    if kind == "ole2":
        return read_workbook(read_xls(path, limits), path, profile)
    if kind == "ole2-encrypted":
        raise WorkbookError(ENCRYPTED, where=str(path))
    if kind == "other":
        text = text_kind(read_head(path))
        if text == "html":
            return read_workbook(read_html(path, limits), path, profile)
        if text == "spreadsheetml":
            return read_workbook(read_spreadsheetml(path, limits), path, profile)
    check_kind(path)        # raises the message for an empty or foreign file
    raise WorkbookError("不是 Excel 工作簿", where=str(path))


def read_first(path, limits: Limits = LIMITS, profile: str | None = None) -> ReadForm:
    return read_forms(path, limits, profile)[0]
