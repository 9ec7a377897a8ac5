"""P04: the hidden 参数 sheet must hold the profile's numbers, or the sheet's formulas score by other rules."""
from pathlib import Path

from openpyxl import load_workbook

from jixiao.templates.fill import fill
from jixiao.engine.validation import validate_path
from tests.support.named import named_ref

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"


def _codes(path):
    return [f.code for f in validate_path(path)[2]]


def test_untouched_parameters_pass_and_an_edited_one_is_an_error(tmp_path):
    src = fill([EXAMPLES / "suzhou_2021.yaml"], tmp_path)[0]
    assert "P04" not in _codes(src)
    wb = load_workbook(src)
    for row in wb["参数"].iter_rows():
        if row[0].value == "JX_P_BAND_OUTPUT_BELOW":
            row[1].value = 0.01
        if row[0].value == "JX_P_GRADE_1_MIN":
            row[1].value = 85
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    findings = [f for f in validate_path(edited)[2] if f.code == "P04"]
    where = {n: named_ref(wb, n)
             for n in ("JX_P_BAND_OUTPUT_BELOW", "JX_P_GRADE_1_MIN")}
    assert sorted(f.cell for f in findings) == sorted(where.values())
    assert all(f.sheet == "参数" and "表内公式会按表中的数计分" in f.message for f in findings)


def test_edited_qualitative_level_scores(tmp_path):
    src = fill([EXAMPLES / "zhuzhou_2020.yaml"], tmp_path)[0]
    wb = load_workbook(src)
    ws = wb["参数"]
    for row in ws.iter_rows():
        if row[0].value == "部分达成年度指标并具有一定效果":
            row[1].value = 0.9
    wb.save(tmp_path / "levels.xlsx")
    assert "P04" in _codes(tmp_path / "levels.xlsx")
