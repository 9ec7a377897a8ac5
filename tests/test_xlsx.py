"""The workbook writer under the template builder (jixiao.templates.xlsx, XlsxWriter): cached formula
values of every kind as previews read them, recalculation on open exactly while a value is missing,
text that stays text, and the formula shortcut (no _xlfn. expansion) kept true by an allow list."""
from __future__ import annotations

import datetime
import html
import io
import random
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from xlsxwriter.worksheet import Worksheet

from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form
from jixiao.templates.builder import build_workbook
from jixiao.templates.fill import form_from_data, load_data
from jixiao.templates.xlsx import CALC_ID_CURRENT, CALC_ID_RECALC, Book, Formula, _Worksheet
from tests.support.formgen import random_form
from tests.support.xlsx import opened
from tests.support.named import named_ref

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"

# What Excel 2007 has without an _xlfn. prefix and our formulas may use: XlsxWriter's formula writer is
# shortcut for them (templates/xlsx.py). A function newer than Excel 2007 (IFS, CONCAT, TEXTJOIN, XLOOKUP,
# UNICODE ...) is stored as _xlfn.NAME in a file; written bare, Excel shows #NAME?. Add a function here
# only if Excel 2007 has it; volatile ones (OFFSET, INDIRECT, NOW, TODAY, RAND) are refused anyway.
ALLOWED_FUNCTIONS = frozenset("""
    IF IFERROR AND OR NOT TRUE FALSE
    ISNUMBER ISTEXT ISBLANK ISERROR ISERR ISNA ISLOGICAL N T NA
    SUM SUMPRODUCT SUMIF SUMIFS COUNT COUNTA COUNTBLANK COUNTIF COUNTIFS AVERAGE MIN MAX SMALL LARGE PRODUCT
    ROUND ROUNDDOWN ROUNDUP INT TRUNC ABS MOD SIGN POWER
    TRIM CLEAN LEN LEFT RIGHT MID FIND SEARCH SUBSTITUTE REPLACE REPT UPPER LOWER VALUE TEXT EXACT
    CHAR CODE CONCATENATE ASC
    INDEX MATCH LOOKUP VLOOKUP HLOOKUP CHOOSE ROW ROWS COLUMN COLUMNS
""".split())
UDF_PREFIX = "JX_"  # our add-in's worksheet functions (udf mode)


def _xml(data: bytes, part: str) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(part).decode("utf-8")


def _calc_pr(data: bytes) -> str:
    return re.search(r"<calcPr[^>]*/>", _xml(data, "xl/workbook.xml")).group(0)


def _calamine(data: bytes, sheet: str) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


# Cached values -------------------------------------------------------------------------------------

CACHED = [3, 2.5, -7, 0.1 + 0.2, 1e-9, 123456789012, Decimal("8.66"), "优", "", "a<b & \"c\"", "  待定 ", True, False]


def test_every_kind_of_cached_value_is_what_previews_read_and_excel_does_not_recalculate():
    book = Book()
    ws = book.sheet("表")
    book.write(ws, "A1", 2)
    for r, value in enumerate(CACHED, 2):
        book.write(ws, f"B{r}", Formula("=A1", value))
    book.write_array(ws, "C2", "C5", Formula("=B2:B5", [3, "良", "", True]))
    data = book.bytes()
    assert book.fully_cached and book.formulas == len(CACHED) + 1
    # no fullCalcOnLoad: Excel takes the values as computed by its own version and does not ask to save
    assert _calc_pr(data) == f'<calcPr calcId="{CALC_ID_CURRENT}"/>'
    wb = load_workbook(io.BytesIO(data), data_only=True)
    got = [wb["表"][f"B{r}"].value for r in range(2, 2 + len(CACHED))]
    assert got == [None if v == "" else float(v) if isinstance(v, Decimal) else v for v in CACHED]  # "" reads as None
    assert [wb["表"][f"C{r}"].value for r in range(2, 6)] == [3, "良", None, True]
    rows = _calamine(data, "表")
    assert [row[1] for row in rows[1:]] == [float(v) if type(v) in (int, Decimal) else v for v in CACHED]
    assert [row[2] for row in rows[1:5]] == [3.0, "良", "", True]
    formulas = load_workbook(io.BytesIO(data))["表"]
    assert formulas["B2"].value == "=A1" and formulas["C2"].value.text == "=B2:B5"


def test_a_formula_without_its_value_is_recalculated_on_open_and_never_shows_a_false_zero():
    book = Book()
    ws = book.sheet("表")
    book.write(ws, "A1", 2)
    book.write(ws, "B1", Formula("=A1*3", 6))
    book.write(ws, "B2", Formula("=A1*4"))
    book.write_array(ws, "C1", "C3", Formula("=A1:A3*2"))
    data = book.bytes()
    assert not book.fully_cached and book.uncached == ["表!B2", "表!C1:C3"]
    assert _calc_pr(data) == f'<calcPr calcId="{CALC_ID_RECALC}" fullCalcOnLoad="1"/>'
    sheet = _xml(data, "xl/worksheets/sheet1.xml")
    assert '<c r="B2"><f>A1*4</f><v></v></c>' in sheet  # XlsxWriter alone would write <v>0</v>
    assert 'r="C2"' not in sheet and 'r="C3"' not in sheet  # and pad an array with zeros
    assert _calamine(data, "表") == [[2.0, 6.0]]  # a preview sees blanks, not zeros


def test_a_partly_known_array_counts_as_not_cached():
    book = Book()
    book.write_array(book.sheet("表"), "A1", "A2", Formula("=ROW(A1:A2)", [1, None]))
    assert book.uncached == ["表!A1:A2"] and 'fullCalcOnLoad="1"' in _calc_pr(book.bytes())


@pytest.mark.parametrize("bad, error", [
    (lambda b, ws: Formula("A1+1"), ValueError),                          # a formula starts with "="
    (lambda b, ws: b.write(ws, "A1", Formula("=1", [1])), TypeError),
    (lambda b, ws: b.write(ws, "A1", float("inf")), ValueError),
    (lambda b, ws: b.write(ws, "A1", object()), TypeError),
    (lambda b, ws: b.write_array(ws, "A1", "A3", Formula("=1", [1, 2])), ValueError),
])
def test_what_a_cell_cannot_hold_is_refused_when_written(bad, error):
    book = Book()
    with pytest.raises(error):
        bad(book, book.sheet("表"))


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_a_cached_value_that_overflowed_is_written_as_excel_shows_it(value):
    book = Book()
    book.write(book.sheet("表"), "A1", Formula("=9E+307*10", value))
    sheet = zipfile.ZipFile(io.BytesIO(book.bytes())).read("xl/worksheets/sheet1.xml").decode()
    assert '<c r="A1" t="e"><f>9E+307*10</f><v>#NUM!</v></c>' in sheet


def test_generated_workbooks_recalculate_on_open_exactly_while_a_formula_lacks_its_value():
    """Today the builder gives no values: every formula is recalculated on open, none shows a number it
    does not have. Once the builder gives every formula its value, the same test wants no fullCalcOnLoad."""
    for name in ("national", "zhuzhou", "suzhou"):
        for mode in ("native", "udf"):
            book = build_workbook(load_profile(name, 2026), mode=mode)
            data = book.bytes()
            assert book.formulas > 10
            assert ('fullCalcOnLoad="1"' in _calc_pr(data)) == (not book.fully_cached), (name, mode)
            for part in (n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if n.startswith("xl/worksheets/")):
                for cell in re.findall(r"<c [^>]*>(?:(?!</c>).)*<f[ >](?:(?!</c>).)*</c>", _xml(data, part)):
                    if "<v></v>" in cell:  # no value: nothing to show until computed
                        assert ' t="' not in cell.split(">")[0] or ' t="str"' in cell, cell
                    else:
                        assert re.search(r"<v>[^<]+</v>", cell), cell


# Text stays text -------------------------------------------------------------------------------------

TEXTS = ["=5859平方米", "=HYPERLINK(\"http://x\",\"点击\")", "+1", "-1", "@SUM(A1)", "0123", "1e5", "TRUE",
         "#DIV/0!", "=", " =1"]


def test_text_is_written_as_text_never_as_a_formula_or_a_number():
    book = Book()
    ws = book.sheet("表")
    for r, text in enumerate(TEXTS, 1):
        book.write(ws, f"A{r}", text)
    data = book.bytes()
    assert "<f>" not in _xml(data, "xl/worksheets/sheet1.xml") and book.formulas == 0
    ws = load_workbook(io.BytesIO(data))["表"]
    assert [(ws[f"A{r}"].data_type, ws[f"A{r}"].value) for r in range(1, len(TEXTS) + 1)] == [("s", t) for t in TEXTS]
    assert [row[0] for row in _calamine(data, "表")] == TEXTS


def test_a_filled_form_keeps_every_text_it_is_given(tmp_path):
    """Texts from a data file that look like formulas stay what the user wrote: in the cells, and read
    back by jixiao's reader."""
    data = {"profile": "national", "year": 2026,
            "header": {"project_name": "=项目", "department": "+部门", "unit": "@单位"},
            "texts": {"goal_expected": "=目标", "goal_actual": "-完成"},
            "funds": [{"key": "total", "budget": 100, "executed": 90}],
            "indicators": [
                {"level1": "产出指标", "level2": "=数量指标", "name": "=SUM(1,2)", "target": "=5859平方米",
                 "actual": "=5000平方米", "weight": 50, "explanation": "=原因", "direction": "正向",
                 "target_value": 5859, "actual_value": 5000},
                {"level1": "效益指标", "level2": "社会效益指标", "name": "满意度", "target": "≥90%", "actual": "95%",
                 "weight": 40}]}
    prof, form = form_from_data(data)
    path = build_workbook(prof, form).save(tmp_path / "t.xlsx")
    cells = {c.value: c.data_type for row in load_workbook(path).worksheets[0].iter_rows() for c in row
             if isinstance(c.value, str)}
    for text in ("=项目", "+部门", "@单位", "=目标", "-完成", "=数量指标", "=SUM(1,2)", "=5859平方米", "=5000平方米", "=原因"):
        assert cells.get(text) == "s", text
    back = read_form(path)
    assert back.header["project_name"] == "=项目" and back.texts["goal_expected"] == "=目标"
    first = back.indicators[0]
    assert (first.level2, first.name, first.target, first.actual, first.explanation) == (
        "=数量指标", "=SUM(1,2)", "=5859平方米", "=5000平方米", "=原因")


def test_a_date_in_a_data_file_shows_as_a_date():
    prof, form = form_from_data({"profile": "zhuzhou", "year": 2026, "header": {"period": datetime.date(2026, 3, 1)}})
    wb = opened(build_workbook(prof, form))
    cell = wb.worksheets[0][named_ref(wb, "JX_PERIOD")]
    assert cell.value == datetime.datetime(2026, 3, 1) and cell.number_format == "yyyy-mm-dd"


def test_saving_never_leaves_a_partial_file_and_can_refuse_to_overwrite(tmp_path):
    book = build_workbook(load_profile("national", 2026))
    target = tmp_path / "t.xlsx"
    target.write_bytes(b"typed by someone")
    with pytest.raises(FileExistsError):
        book.save(target, overwrite=False)
    assert target.read_bytes() == b"typed by someone" and [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]
    assert book.save(target) == target and target.read_bytes() == book.bytes()


# The formula shortcut --------------------------------------------------------------------------------

def _generated() -> list[bytes]:
    """Every kind of workbook the builder writes: blank per profile and mode, the examples, random forms."""
    books = [build_workbook(load_profile(n, 2026), mode=m) for n in ("national", "zhuzhou", "suzhou")
             for m in ("native", "udf")]
    books += [build_workbook(*form_from_data(load_data(p)[0])) for p in sorted(EXAMPLES.glob("*.yaml"))]
    rng = random.Random(3)
    for n in range(12):
        prof, form = random_form(rng, ("national", "zhuzhou", "suzhou")[n % 3])
        books.append(build_workbook(prof, form, ("native", "udf")[n % 2], typed_scores=n % 4 == 0))
    return [b.bytes() for b in books]


def _formulas(data: bytes) -> list[str]:
    """The text of every formula in a workbook: cells, conditional formats, data validations, names."""
    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for part in zf.namelist():
            if part.startswith("xl/worksheets/") or part == "xl/workbook.xml":
                xml = zf.read(part).decode("utf-8")
                found = re.findall(r"<(f|formula|formula1|formula2|definedName)\b[^>]*>([^<]*)</\1>", xml)
                out += [html.unescape(text) for _, text in found]
    return out


def test_every_formula_uses_only_functions_that_need_no_prefix():
    """templates/xlsx.py skips XlsxWriter's _xlfn. expansion; this keeps that true. It also shows that the
    stock expansion would not have changed a single formula (outside text literals, which it would
    wrongly rewrite)."""
    stock = Worksheet.__new__(Worksheet)
    stock.use_future_functions = True
    ours = _Worksheet.__new__(_Worksheet)
    seen: set[str] = set()
    count = 0
    for data in _generated():
        for formula in _formulas(data):
            count += 1
            bare = re.sub(r'"(?:[^"]|"")*"', '""', formula)  # not what is inside text literals
            for name in re.findall(r"(?<![\w.$])([A-Za-z_][\w.]*)\(", bare):
                assert name.upper() in ALLOWED_FUNCTIONS or name.startswith(UDF_PREFIX), (name, formula)
                seen.add(name.upper())
            assert stock._prepare_formula(bare, True) == ours._prepare_formula(bare), formula
    assert count > 1000 and {"IF", "ROUND", "SUMPRODUCT", "INDEX", "MATCH"} <= seen
