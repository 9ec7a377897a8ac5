"""The two ways to get a :class:`~jixiao.addin.workbook.Book`: a file (headless) or the workbook that
called Python from Excel. Kept apart from the interface so that workbook.py imports neither
implementation (no import cycle)."""
from __future__ import annotations

from .book_openpyxl import OpenpyxlBook
from .workbook import Book


def open_book(path) -> Book:
    """A workbook file, headless."""
    return OpenpyxlBook(path)


def caller_book() -> Book:
    """The workbook that called Python from Excel (RunPython)."""
    import xlwings as xw

    from .book_xlwings import XlwingsBook

    return XlwingsBook(xw.Book.caller())
