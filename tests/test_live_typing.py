"""What an accountant types into a blank template scores live, in any spreadsheet, with no add-in
(issue 9): the text columns typed, the helper columns left empty, the workbook recalculated by
LibreOffice and by Gnumeric. The sheet shows the rules' score, or 待定 where its formulas cannot read
a text — never another number — and the printed form says so."""
from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import openpyxl
import pytest

from jixiao.engine import scoring
from jixiao.engine.model import Form, Indicator
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form_and_profile
from jixiao.templates.builder import build_workbook
from tests.support.named import named_cells, type_into

DATA = Path(__file__).parent / "data" / "target_actual_pairs.tsv"
ROWS = [  # the project of issue 9, as an accountant types it (8 rows of the blank national template)
    ("数量指标", "新建道路", "≥120公里", "118公里", 10),
    ("数量指标", "新增站点", "20个以上", "26个", 10),
    ("质量指标", "验收合格率", "≥95%", "93.1%", 10),
    ("质量指标", "返工率", "≤5%", "6.5%", 10),
    ("时效指标", "延误次数", "不超过10次", "12次", 10),
    ("社会效益指标", "程序合规性", "合规", "合规", 15),
    ("可持续影响指标", "长效管护机制", "建立", "达成", 15),
    ("服务对象满意度指标", "群众满意度", "≥90%", "92", 10),
]


def type_project(path: Path) -> Path:
    """Type the project into the blank national template as a user would: texts and numbers only."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    for name, value in (("JX_FUNDS_INITIAL", 800), ("JX_FUNDS_BUDGET", 800), ("JX_FUNDS_EXECUTED", 760)):
        named_cells(wb, name)[0].value = value
    ws[named_cells(wb, "JX_PROJECT_NAME")[0].coordinate] = "城乡道路建设"
    level2, current = [], None
    for c in named_cells(wb, "JX_IND_L2"):       # a 二级 label is merged over its rows: carried down
        current = c.value if c.value is not None else current
        level2.append(current)
    used = set()
    for sub, name, target, actual, weight in ROWS:
        i = next(k for k, label in enumerate(level2) if label == sub and k not in used)
        used.add(i)
        for col, value in (("JX_IND_NAME", name), ("JX_IND_TARGET", target), ("JX_IND_ACTUAL", actual),
                           ("JX_IND_WEIGHT", weight)):
            type_into(named_cells(wb, col)[i], value)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def typed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("typed")
    blank = build_workbook(load_profile("national", 2026)).save(tmp / "blank.xlsx")
    return type_project(blank)


def _value(values, where):
    sheet, _, cell = where.rpartition("!")
    return values[sheet].get(cell)


def test_the_hand_typed_project_scores_live_in_libreoffice_and_gnumeric(typed, calc, gnumeric, tmp_path):
    form, profile = read_form_and_profile(typed)
    assert all(not i.direction and i.target_value is None and i.actual_value is None for i in form.indicators)
    rules = scoring.score_form(form, profile)
    assert rules.pending == 0 and rules.total is not None
    for engine, values in (("LibreOffice", calc.values(typed)),
                           ("Gnumeric", gnumeric.values(gnumeric.recalc(typed, tmp_path / "gn.xlsx")))):
        for i, row in enumerate(rules.rows):
            if row.score is not None:
                assert _value(values, form.indicators[i].cells["score"]) == row.score, (engine, i)
        assert _value(values, form.cells["total"]) == rules.total, engine
        assert _value(values, form.cells["grade"]) == rules.grade, engine
        assert _value(values, form.cells["exec_score"]) == 9.5, engine


def test_the_printed_form_shows_the_rules_total_and_grade(typed, calc, tmp_path):
    form, profile = read_form_and_profile(typed)
    rules = scoring.score_form(form, profile)
    pdf = calc.to_pdf(calc.recalc(typed, tmp_path / "typed-recalculated.xlsx"), tmp_path / "typed.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert f"{rules.total:.2f}" in text and f"等级：{rules.grade}" in text.replace(" ", "")


def test_an_unreadable_text_prints_daiding_not_a_false_total(tmp_path, calc):
    blank = build_workbook(load_profile("national", 2026)).save(tmp_path / "blank.xlsx")
    path = type_project(blank)
    wb = openpyxl.load_workbook(path)
    cell = next(c for c in named_cells(wb, "JX_IND_TARGET") if c.value == "≥120公里")
    cell.value = "道路不少于120公里（其中新建80公里）"      # two numbers: the rules read ≥ 120, the sheet waits
    wb.save(path)
    values = calc.values(path)
    form, profile = read_form_and_profile(path)
    assert _value(values, form.cells["total"]) == "待定（1项未计分）"
    assert _value(values, form.cells["grade"]) == "待定"
    pdf = calc.to_pdf(calc.recalc(path, tmp_path / "r.xlsx"), tmp_path / "daiding.pdf")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "待定（1项" in text and "未计分）" in text and "等级：待定" in text


def real_pairs():
    with DATA.open(encoding="utf-8") as fh:
        return [(r["target"] or None, r["actual"] or None) for r in csv.DictReader(fh, delimiter="\t")]


def test_real_pairs_typed_into_a_template_score_as_the_rules_or_daiding(tmp_path, calc, gnumeric):
    """Every real pair of the corpus typed into a template row of 10 points (helper columns empty),
    recalculated in both engines: the sheet's score is the rules' score or 待定, never another number,
    and it is the rules' score for at least 95 % of the pairs the rules score."""
    profile = load_profile("national", 2026)
    pairs = real_pairs()
    rows = [Indicator("产出指标", "数量指标", f"指标{i}", weight=10) for i in range(len(pairs))]
    path = build_workbook(profile, Form(profile.name, profile.year, indicators=rows)).save(tmp_path / "pairs.xlsx")
    wb = openpyxl.load_workbook(path)
    for (target, actual), t, a in zip(pairs, named_cells(wb, "JX_IND_TARGET"), named_cells(wb, "JX_IND_ACTUAL")):
        for cell, value in ((t, target), (a, actual)):
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
    named_cells(wb, "JX_FUNDS_EXECUTED")[0].value = 1   # the form is started: a blank actual counts 0
    wb.save(path)
    form, _ = read_form_and_profile(path)
    cat = profile.category("产出指标")
    for engine, values in (("LibreOffice", calc.values(path)),
                           ("Gnumeric", gnumeric.values(gnumeric.recalc(path, tmp_path / "gn.xlsx")))):
        same = pending = 0
        for ind in form.indicators:
            rules = scoring.score_row(ind, profile, cat, True)
            if rules.waiting or rules.fraction is None:
                continue
            got = _value(values, ind.cells["score"])
            if got == "待定":
                pending += 1
                continue
            assert got == scoring.group_score(10, [rules.fraction], profile), (engine, ind.target, ind.actual, got)
            same += 1
        assert same / (same + pending) >= 0.95 and same + pending >= 300, (engine, same, pending)
