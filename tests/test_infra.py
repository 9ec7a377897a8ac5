"""The test infrastructure itself, on small workbooks made here: LibreOffice recalculation, the
OOXML validator, PDF rendering with a CJK font. Real tools, no mocks."""
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill

from tests.support import ooxml
from tests.support.libreoffice import (
    Calc,
    error_cells,
    pdf_fonts,
    pdf_page_count,
    pdf_to_png,
)


def _rewrite(src, dst, part, old: bytes, new: bytes):
    """Copy an xlsx, replacing the first match of the regex `old` with `new` in one part."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                data, n = re.subn(old, new, data, count=1)
                assert n == 1, f"{old!r} not in {part}"
            zout.writestr(item, data)
    return dst


@pytest.fixture
def formulas_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "计算"
    ws["A1"] = 5
    ws["B1"] = 2
    ws["A2"] = 0
    ws["C1"] = "=ROUND(8.125,2)"
    ws["C2"] = "=ROUND(2.675,2)"
    ws["C3"] = '=IF(A1>0,A1/B1,"")'
    ws["C4"] = '=IF(A2>0,A2/B1,"")'  # evaluates to "": absent from values()
    ws["C5"] = "项目支出绩效自评表"
    ws["C6"] = '=_xlfn.IFS(A1>=90,"优",A1>=80,"良",TRUE,"差")'
    ws["C7"] = "=1/0"
    ws["C8"] = "=SUM(A1:B1)*'其他'!A1"
    other = wb.create_sheet("其他")
    other["A1"] = 10
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    return path


def test_values_after_recalc(calc, formulas_xlsx):
    v = calc.values(formulas_xlsx)
    s = v["计算"]
    assert s["C1"] == 8.13  # Excel rounds half away from zero on the decimal value
    assert s["C2"] == 2.68
    assert s["C3"] == 2.5
    assert "C4" not in s
    assert s["C5"] == "项目支出绩效自评表"
    assert s["C6"] == "差"
    assert s["C7"] == "#DIV/0!"
    assert s["C8"] == 70
    assert v["其他"] == {"A1": 10}
    assert error_cells(v) == [("计算", "C7", "#DIV/0!")]


def test_error_cells_recognises_excel_and_libreoffice_errors():
    vals = {"S": {"A1": "#DIV/0!", "A2": "#VALUE!", "A3": "#NAME?", "A4": "#REF!", "A5": "#N/A",
                  "A6": "#NUM!", "A7": "#NULL!", "A8": "Err:502", "A9": "ok", "B1": "#1", "B2": 3}}
    assert [ref for _, ref, _ in error_cells(vals)] == [f"A{i}" for i in range(1, 9)]


def test_recalc_is_hard_and_ignores_stale_cached_values(calc, formulas_xlsx, tmp_path):
    # A cached value the file lies about: LibreOffice would show it as is without calculateAll().
    stale = _rewrite(formulas_xlsx, tmp_path / "stale.xlsx", "xl/worksheets/sheet1.xml",
                     rb"<f>ROUND\(8\.125,2\)</f>(<v\s*/>|<v></v>)",
                     b"<f>ROUND(8.125,2)</f><v>999</v>")
    out = calc.recalc(stale, tmp_path / "out.xlsx")
    wb = openpyxl.load_workbook(out, data_only=True)
    assert wb["计算"]["C1"].value == 8.13
    assert wb["计算"]["C3"].value == 2.5


def test_validator_passes_plain_openpyxl_workbook(formulas_xlsx):
    assert ooxml.validate(formulas_xlsx) == []


def test_validator_filters_only_the_openpyxl_font_order_false_positive(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "宋体"
    ws["A1"].font = Font(name="宋体", size=12, bold=True, italic=True, color="FF0000")
    ws.conditional_formatting.add(
        "A1:A5", CellIsRule(operator="lessThan", formula=["0"],
                            font=Font(name="黑体", bold=True, color="9C0006"),
                            fill=PatternFill(bgColor="FFC7CE")))
    good = tmp_path / "fonts.xlsx"
    wb.save(good)
    raw = ooxml.raw_errors(good)
    # The false positive is really there (cell fonts and the conditional-format font) ...
    assert {e["xPath"] for e in raw} >= {"/x:styleSheet[1]/x:fonts[1]/x:font[2]",
                                         "/x:styleSheet[1]/x:dxfs[1]/x:dxf[1]/x:font[1]"}
    assert all(ooxml.is_known_false_positive(e) for e in raw)
    assert ooxml.validate(good) == []
    # ... but a foreign element inside <font> is still an error.
    bad = _rewrite(good, tmp_path / "bad_font.xlsx", "xl/styles.xml", rb"<font>", b"<font><bogus/>")
    errors = ooxml.validate(bad)
    assert len(errors) == 1 and "bogus" in errors[0] and "/xl/styles.xml" in errors[0]


def test_validator_fails_on_broken_sheet(formulas_xlsx, tmp_path):
    bad = _rewrite(formulas_xlsx, tmp_path / "broken.xlsx", "xl/worksheets/sheet1.xml",
                   rb"<sheetData>", b"<sheetData><notAnElement/>")
    errors = ooxml.validate(bad)
    assert len(errors) == 1
    assert "notAnElement" in errors[0] and "/xl/worksheets/sheet1.xml" in errors[0]


def test_validate_many(formulas_xlsx, tmp_path):
    bad = _rewrite(formulas_xlsx, tmp_path / "broken.xlsx", "xl/worksheets/sheet1.xml",
                   rb"<sheetData>", b"<sheetData><notAnElement/>")
    res = ooxml.validate_many([formulas_xlsx, bad, formulas_xlsx])
    assert res[str(formulas_xlsx)] == []
    assert len(res[str(bad)]) == 1


def test_pdf_render_uses_an_embedded_cjk_font(calc, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws.column_dimensions["A"].width = 36
    ws.column_dimensions["B"].width = 14
    ws["A1"] = "项目支出绩效自评表"
    ws["A1"].font = Font(name="宋体", size=16, bold=True)
    ws.row_dimensions[1].height = 24
    ws["A2"] = "预算执行率"
    ws["A2"].font = Font(name="仿宋_GB2312", size=12)
    ws["B2"] = "=ROUND(985/1000,4)"
    ws["B2"].number_format = "0.00%"
    ws["A3"] = "总分"
    ws["A3"].font = Font(name="黑体", size=12)
    ws["B3"] = 91.5
    ws["D10"] = "打印区域之外"  # outside the print area: must not be printed
    ws.print_area = "A1:B3"
    src = tmp_path / "render.xlsx"
    wb.save(src)

    pdf = calc.to_pdf(src, tmp_path / "render.pdf")
    assert pdf_page_count(pdf) >= 1
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "项目支出绩效自评表" in text and "98.50%" in text
    assert "打印区域之外" not in text
    pngs = pdf_to_png(pdf, tmp_path / "page")
    assert pngs and pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cjk = [f for f in pdf_fonts(pdf) if "CJK" in f["name"]]
    assert cjk and all(f["emb"] for f in cjk), pdf_fonts(pdf)
    if os.environ.get("JIXIAO_KEEP_RENDER"):  # to look at the page by eye
        pngs[0].replace(os.environ["JIXIAO_KEEP_RENDER"])


def test_restarts_after_soffice_crash_and_leaves_no_process(calc, formulas_xlsx):
    # `calc` (unused) applies the skip/fail policy; this test needs a Calc of its own to crash.
    with Calc() as c:
        assert c.values(formulas_xlsx)["计算"]["C1"] == 8.13
        first = c.soffice_pid
        os.killpg(first, signal.SIGKILL)
        assert c.values(formulas_xlsx)["计算"]["C1"] == 8.13
        assert c.restarts == 1
        second = c.soffice_pid
        assert second != first
    deadline = time.monotonic() + 10
    while _group_alive(second) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _group_alive(first) and not _group_alive(second)


def _group_alive(pgid: int) -> bool:
    """Some non-zombie process is in process group `pgid` (zombies are not 'left behind':
    they hold no memory and vanish when reaped)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_no_soffice_left_when_the_test_process_is_killed(calc, tmp_path):
    """Even a SIGKILLed parent (no __exit__, no atexit) leaves no soffice: the worker sees its
    stdin close and kills soffice's process group. (`calc` only applies the skip/fail policy.)"""
    script = tmp_path / "parent.py"
    script.write_text(
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r})\n"
        "from tests.support.libreoffice import Calc\n"
        "c = Calc().__enter__()\n"
        "print(c.soffice_pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pgid = int(parent.stdout.readline())
        assert _group_alive(pgid)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 15
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _group_alive(pgid)
