"""T08 on real files: what a spreadsheet saved as the formulas' results, against the rules."""
from pathlib import Path

from openpyxl import load_workbook

from jixiao.templates.fill import fill
from jixiao.engine.validation import validate_path
from tests.support.named import named_ref

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"


def _codes(path):
    return sorted({f.code for f in validate_path(path)[2]})


def test_a_form_saved_by_libreoffice_shows_the_rules_numbers(calc, tmp_path):
    for example in ("zhuzhou_2020.yaml", "suzhou_2021.yaml"):
        src = fill([EXAMPLES / example], tmp_path / example)[0]
        saved = calc.recalc(src, tmp_path / f"saved-{example}.xlsx")
        form = validate_path(saved)[0]
        assert form.shown.get("total") is not None            # the cached results were read
        assert "T08" not in _codes(saved) and _codes(saved) == _codes(src)


def test_an_altered_score_formula_is_caught(calc, tmp_path):
    src = fill([EXAMPLES / "zhuzhou_2020.yaml"], tmp_path)[0]
    wb = load_workbook(src)
    ws = wb.worksheets[0]
    score = named_ref(wb, "JX_IND_SCORE").split(":")[0]
    weight = named_ref(wb, "JX_IND_WEIGHT").split(":")[0]
    ws[score] = f"={weight}"                                   # "full marks", whatever the rule says
    wb.save(tmp_path / "altered.xlsx")
    saved = calc.recalc(tmp_path / "altered.xlsx", tmp_path / "altered-saved.xlsx")
    found = [f for f in validate_path(saved)[2] if f.code == "T08"]
    assert any(f.cell == score and "表内显示得分 10.00，按规则应为 7.50" in f.message for f in found), found
    assert any("总分" in f.message for f in found)
