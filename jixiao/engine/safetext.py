"""Text from files stays text in everything jixiao writes: workbook cells, CSV cells, the terminal.

Every name, label and message jixiao writes may carry text from an untrusted file: a project name, a
sheet name, a file name, a target typed into a form. Three sinks, one helper each, used by every writer:

    sheet_text(value) / put(cell, value) / append_row(ws, values)
        openpyxl cells. A string is stored as a string (``data_type = "s"``), never as a formula, even
        when it starts with "="; characters XML cannot hold (C0 controls but tab and line breaks, lone
        surrogates from undecodable file names, U+FFFE/U+FFFF) are shown as ``\\x1b``-style escapes
        instead of making openpyxl raise or the file unreadable; text longer than a cell holds (32,767
        characters in Excel) is cut with "…". Numbers that are not finite (an overflow, NaN) cannot be
        stored in a workbook: they are written as text.
    json_text(data)
        JSON reports: valid JSON whatever the strings hold (\\u escapes, NaN as null).
    csv_cell(value) / csv_row(values)
        CSV cells, after the OWASP advice on CSV injection: a cell that begins with = + - @ tab or
        carriage return gets a leading apostrophe, so a spreadsheet opening the CSV shows it as text.
        Control characters are escaped as for the terminal.
    printable(text)
        the terminal (and text reports): control characters (C0 but line break and tab, DEL, C1),
        bidirectional overrides and undecodable bytes of file names are shown as escapes (``\\x1b``,
        ``\\u202e``), so a file name cannot clear the screen, move the cursor, set the window title,
        reorder what is shown or forge a line of the report.

No face of its own: the engine, the command line, fill, the add-in and the summary writer all use
these. The functions never raise on any str.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Iterable

#: Excel's limit of characters in a cell.
CELL_MAX_CHARS = 32_767
#: What a CSV cell must not begin with (OWASP: formula injection in CSV files).
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters shown as escapes on a terminal: C0 but \t and \n, DEL and C1, bidi embeddings/overrides/
# isolates, lone surrogates (bytes of a file name that are not UTF-8, decoded by surrogateescape).
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# On one line (names inside messages): line breaks too.
_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# In JSON text (json.dumps escapes C0 itself): DEL, C1, line/paragraph separators, bidi, surrogates.
_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# In a workbook cell: what XML 1.0 cannot hold, plus what would reorder or hide text.
_SHEET = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")


def _escape(match: re.Match) -> str:
    ch = match.group()
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:          # an undecodable byte kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: Any, one_line: bool = False) -> str:
    """`text` safe to show on a terminal: control characters and bidi overrides as escapes. With
    one_line, line breaks are escaped too (for a name inside a message)."""
    text = text if isinstance(text, str) else str(text)
    return (_ONE_LINE if one_line else _TERMINAL).sub(_escape, text)


def shown_name(path: Any) -> str:
    """A file name or path as it may appear in a message: on one line, escapes for the rest."""
    return printable(path if isinstance(path, str) else str(path), one_line=True)


def sheet_text(text: str) -> str:
    """A string a workbook cell can hold and shows as the same text."""
    text = _SHEET.sub(_escape, text)
    if len(text) > CELL_MAX_CHARS:
        text = text[: CELL_MAX_CHARS - 1] + "…"
    return text


def sheet_value(value: Any) -> Any:
    """What to store in a cell for `value`: strings made safe (see sheet_text), non-finite numbers
    as text; numbers, booleans, dates and None as they are."""
    if isinstance(value, str):
        return sheet_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "无穷大" if math.isinf(value) else "非数值"
    return value


def put(cell, value: Any):
    """Set an openpyxl cell to `value`, a string always stored as text (never a formula)."""
    value = sheet_value(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def append_row(ws, values: Iterable[Any]) -> int:
    """Append `values` as a new row of worksheet `ws` (like ``ws.append``), every string as text;
    returns the row number."""
    values = [sheet_value(v) for v in values]
    ws.append(values)
    row = ws.max_row
    for col, value in enumerate(values, 1):
        if isinstance(value, str):
            ws.cell(row, col).data_type = "s"
    return row


def csv_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet will show as the text it is (OWASP CSV injection advice)."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    if value.startswith(CSV_TRIGGERS):
        text = "'" + text
    return text


def csv_row(values: Iterable[Any]) -> list:
    return [csv_cell(v) for v in values]


def json_text(data: Any, **options) -> str:
    """JSON for a report: valid JSON whatever the strings hold (no raw control characters, bidi
    overrides or lone surrogates: they are \\u escapes, which decode back to the same string), and
    NaN / infinity written as null."""
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, **options)
    return _JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
