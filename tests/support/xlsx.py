"""A generated workbook (jixiao.templates.xlsx.Book) opened with openpyxl, to look inside it in tests."""
from __future__ import annotations

import io

from openpyxl import load_workbook


def opened(book, **kwargs):
    """The finished workbook as openpyxl reads it (kwargs: data_only=True for the cached values)."""
    return load_workbook(io.BytesIO(book.bytes()), **kwargs)
