"""Cached values for a workbook jixiao made that openpyxl has saved (the add-in's buttons on a file:
jixiao check, recalc): openpyxl keeps the formulas but drops what they computed and asks for a full
recalculation on load. Where the file still holds exactly the template's formulas (the same cells, the
same text) and its 参数 sheet the profile's numbers, the template builder — run on the form the file
holds — knows every value; they are written back beside their formulas and the recalculation flag is
dropped, as in a freshly built workbook. Anything else (a formula a user changed or typed over, a
workbook of an older jixiao) is left as openpyxl wrote it: the spreadsheet computes it on load.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from html import unescape  # also &#24453; (openpyxl writes non-ASCII in formulas as character references)

from jixiao.engine.errors import JixiaoError
from jixiao.engine.safeopen import parse_relationships

from .xlsx import CALC_ID_CURRENT, _value_xml

_CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(<f[^>]*>.*?</f>|<f[^>]*/>)(<v>[^<]*</v>|<v\s*/>)?</c>', re.S)
_FORMULA = re.compile(r"<f([^>]*)>(.*?)</f>", re.S)
_CALC = re.compile(r"<calcPr[^>]*/>")


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """sheet name -> part path."""
    wb = zf.read("xl/workbook.xml").decode("utf-8")
    rels = parse_relationships(zf.read("xl/_rels/workbook.xml.rels"), "xl")
    out = {}
    for m in re.finditer(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]*)"', wb):
        rel = rels.get(m.group(2))
        if rel:
            out[unescape(m.group(1))] = rel[1]
    return out


def _expected(path: Path) -> dict[str, dict[str, tuple[str, object]]] | None:
    """{sheet: {cell: (formula text, value)}} of the template built from the form the file holds."""
    from jixiao.engine.reader import read_form_and_profile

    from .builder import build_workbook
    try:
        form, profile = read_form_and_profile(path)
    except JixiaoError:
        return None
    mode = str(form.params.get("JX_MODE") or "native")
    book = build_workbook(profile, form, mode if mode in ("native", "udf") else "native")
    return book.formula_cells()


def restore_cached_values(path: Path) -> int:
    """Write the values back into `path` (in place) where its formulas are the template's; returns
    the number of formula cells given a value (0: left as it was)."""
    path = Path(path)
    expected = _expected(path)
    if not expected:
        return 0
    with zipfile.ZipFile(path) as zf:
        parts = _sheet_parts(zf)
        members = {info.filename: zf.read(info.filename) for info in zf.infolist()}
        infos = {info.filename: info for info in zf.infolist()}
    new_parts: dict[str, bytes] = {}
    written = 0
    for sheet, part in parts.items():
        xml = members.get(part, b"").decode("utf-8")
        want = expected.get(sheet, {})
        found: dict[str, str] = {}
        for m in _CELL.finditer(xml):
            f = _FORMULA.match(m.group(3))
            found[m.group(1)] = unescape(f.group(2)) if f else ""
        if set(found) != set(want) or any(found[ref] != want[ref][0] for ref in found):
            return 0  # not exactly the template's formulas: the spreadsheet computes them on load

        def fill(m: re.Match) -> str:
            ref, attrs, formula = m.group(1), m.group(2), m.group(3)
            t, text = _value_xml(want[ref][1])
            attrs = re.sub(r'\s+t="[^"]*"', "", attrs)
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            return f'<c r="{ref}"{attrs}{t}>{formula}<v>{text}</v></c>'

        new_parts[part] = _CELL.sub(fill, xml).encode("utf-8")
        written += len(found)
    workbook = members["xl/workbook.xml"].decode("utf-8")
    calc = f'<calcPr calcId="{CALC_ID_CURRENT}"/>'
    workbook = _CALC.sub(calc, workbook) if _CALC.search(workbook) else workbook
    new_parts["xl/workbook.xml"] = workbook.encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(infos[name], new_parts.get(name, data), compress_type=zipfile.ZIP_DEFLATED)
    path.write_bytes(buffer.getvalue())
    return written
