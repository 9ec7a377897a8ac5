"""The two new forms of issue 10: Sichuan's 部门预算项目支出绩效自评表 (报表编号 510000_0013zp: 指标性质 and
度量单位 columns, 预算执行情况 by 资金来源, 评价结论 / 存在问题 / 改进措施) and the 部门整体支出绩效自评表 (funds
by 资金来源 with 年度预算调整). Each is a profile plus a layout file; typed into in LibreOffice and
Gnumeric, the sheet composes and scores exactly as the engine does, and reads back as it was written."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from jixiao.engine import nature, scoring
from jixiao.engine.model import Form, FundsRow, Indicator
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form_and_profile
from jixiao.engine.validation import validate_form
from jixiao.templates.builder import build_workbook
from jixiao.templates.fill import form_from_data, load_data
from tests.support.named import named_cells, type_into

EXAMPLES = Path(__file__).resolve().parents[1] / "templates" / "examples"


# the rule of 指标性质 / 度量单位 ------------------------------------------------------------------------

@pytest.mark.parametrize("nat, target, unit, actual, want", [
    ("≥", "95", "%", "93.1", ("≥95%", "93.1%", "")),
    ("≥", 95, "%", 93.1, ("≥95%", "93.1%", "")),
    ("≤", "1.5", "万元", "1.4万元", ("≤1.5万元", "1.4万元", "")),     # an actual that carries its unit keeps it
    ("=", "0", "起", "0", ("=0起", "0起", "")),
    ("", "100", "%", "", ("100%", None, "")),
    ("≥", "95%", "", "96%", ("95%", "96%", "")),                     # not a plain number: the text as written
    ("≥", "95.0", "%", "96", ("95.0", "96%", "")),                   # "95.0" is not the text of 95
    ("≥", "+5", "个", "5", ("+5", "5个", "")),
    ("定性", "明显改善", "", "达成年度指标", ("明显改善", "达成年度指标", "定性")),
    ("定性", 100, "%", 98, ("100", "98", "定性")),
    (None, None, None, None, (None, None, "")),
])
def test_compose_is_the_rule_written_once(nat, target, unit, actual, want):
    assert nature.compose(nat, target, unit, actual) == want


@pytest.mark.parametrize("target, actual, direction", [
    ("≥95%", "93.1%", ""), ("≥120公里", "126", ""), ("≤1.5万元", "1.4万元", ""), ("100%", "83.3%", ""),
    ("20个以上", "26个", ""), ("2-3次", "3次", ""), ("12月31日前", "12月20日", ""), ("建立", "已建立", "定性"),
    ("≥95%", None, ""), (None, None, ""), ("≥ 95 %", "96", ""),
])
def test_split_then_compose_gives_the_texts_back(target, actual, direction):
    """What the builder writes into the three columns composes back into the row's texts (the unit
    printed once applies to a bare 完成值: "≥120公里" / "126" is 126公里)."""
    n, t, u, a = nature.split(target, actual, direction)
    got_t, got_a, got_d = nature.compose(n, t, u, a)
    assert got_t == target
    if u and actual is not None and nature.plain_number(actual):
        assert got_a == f"{actual}{u}"
    else:
        assert got_a == actual
    assert (got_d or direction) == direction


# Sichuan: typed into the template, live in two spreadsheets -------------------------------------------

TYPED = [  # 指标性质, 指标值, 度量单位, 完成值, 权重: as an accountant types them (numbers as text, "@")
    ("≥", "120", "公里", "126", 20),
    ("≥", "85", "%", "80", 15),
    ("≤", "12", "个月", "13", 10),
    ("≤", "1.5", "万元", "1.4", 5),
    ("定性", "明显改善", None, "部分达成年度指标", 20),
    ("=", "100", "%", "100%", 10),
    ("≥", "90%", None, "92%", 10),          # unit typed into 指标值: read as written
]


@pytest.fixture(scope="module")
def typed_sichuan(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sichuan")
    prof = load_profile("sichuan", 2026)
    rows = [Indicator("产出指标", "数量指标", f"指标{i}") for i in range(len(TYPED))]
    path = build_workbook(prof, Form(prof.name, prof.year, indicators=rows)).save(tmp / "blank.xlsx")
    wb = openpyxl.load_workbook(path)
    for name, value in (("JX_FUNDS_INITIAL", 200), ("JX_FUNDS_BUDGET", 180), ("JX_FUNDS_EXECUTED", 153)):
        named_cells(wb, name)[0].value = value
    columns = ("JX_IND_NATURE", "JX_IND_TARGET", "JX_IND_UNIT", "JX_IND_ACTUAL", "JX_IND_WEIGHT")
    for i, values in enumerate(TYPED):
        for name, value in zip(columns, values):
            type_into(named_cells(wb, name)[i], value)
    wb.save(path)
    return path


def test_sichuan_typed_in_scores_live_as_the_engine_in_libreoffice_and_gnumeric(typed_sichuan, calc, gnumeric,
                                                                                 tmp_path):
    form, profile = read_form_and_profile(typed_sichuan)
    assert profile.name == "sichuan"
    assert [i.target for i in form.indicators] == ["≥120公里", "≥85%", "≤12个月", "≤1.5万元", "明显改善", "=100%", "90%"]
    assert [i.actual for i in form.indicators] == ["126公里", "80%", "13个月", "1.4万元", "部分达成年度指标", "100%", "92%"]
    assert form.indicators[4].direction == "定性"
    rules = scoring.score_form(form, profile)
    assert rules.pending == 0 and rules.exec_rate == 0.85 and rules.exec_score == 8.5
    for engine, values in (("LibreOffice", calc.values(typed_sichuan)),
                           ("Gnumeric", gnumeric.values(gnumeric.recalc(typed_sichuan, tmp_path / "gn.xlsx")))):
        sheet = values[form.cells["total"].rpartition("!")[0]]
        for i, row in enumerate(rules.rows):
            assert sheet.get(form.indicators[i].cells["score"].rpartition("!")[2]) == row.score, (engine, i)
        assert sheet.get(form.cells["total"].rpartition("!")[2]) == rules.total, engine
        assert sheet.get(form.cells["grade"].rpartition("!")[2]) == rules.grade, engine
        assert sheet.get(form.cells["exec_score"].rpartition("!")[2]) == 8.5, engine


def test_sichuan_example_fills_reads_back_and_validates(tmp_path):
    prof, form = form_from_data(load_data(EXAMPLES / "sichuan_2023.yaml")[0])
    path = build_workbook(prof, form).save(tmp_path / "sc.xlsx")
    read, profile = read_form_and_profile(path)
    assert [i.target for i in read.indicators][:4] == ["≥120公里", "≥85%", "≤12个月", "≤1.5万元"]
    assert read.indicators[0].actual == "126公里" and read.indicators[4].direction == "定性"
    assert read.texts["funds_reason"].startswith("年中调减预算20万元")
    assert (read.header["leader"], read.header["finance_leader"]) == ("张三", "李四")
    result = scoring.score_form(read, profile)
    assert (result.exec_rate, result.exec_score, result.total, result.grade) == (0.85, 8.5, 98.06, "优")
    findings = validate_form(read, profile)
    codes = {f.code for f in findings}
    assert "F05" not in codes  # 85 % is below Sichuan's 90 %, and the form's 原因说明 row gives the reason
    f04 = next(f for f in findings if f.code == "F04")   # 180 against 200: the budget as this form calls it
    assert f04.message.startswith("调整后预算数 180") and "全年预算数" not in f04.message
    from dataclasses import replace as _replace
    unexplained = validate_form(_replace(read, texts={**read.texts, "funds_reason": ""}), profile)
    assert [(f.code, f.cell) for f in unexplained if f.code == "F05"] == [("F05", read.cells["texts.funds_reason"].split("!")[-1])]
    ws = openpyxl.load_workbook(path).worksheets[0]
    texts = {c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"指标性质", "度量单位", "预算执行情况（10分）", "绩效指标（90分）", "报表编号：510000_0013zp",
            "评价结论（200字以内）", "项目负责人"} <= texts


def test_department_funds_by_source_with_computed_adjustment(tmp_path, calc):
    prof, form = form_from_data(load_data(EXAMPLES / "department_2025.yaml")[0])
    path = build_workbook(prof, form).save(tmp_path / "dept.xlsx")
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    head = {c.value: c.column_letter for c in ws[named_cells(wb, "JX_FUNDS_LABEL")[0].row - 1] if c.value}
    assert list(head) == ["部门资金（万元）", "资金来源", "年初预算", "年度预算调整", "调整后预算", "全年执行数", "分值",
                          "执行率", "得分"]
    values = calc.values(path)[ws.title]
    adj = head["年度预算调整"]
    rows = [c.row for c in named_cells(wb, "JX_FUNDS_LABEL")]
    assert [values.get(f"{adj}{r}") for r in rows] == [40, 40, None, 0, None]
    read, profile = read_form_and_profile(path)
    assert profile.name == "department" and read.funds[0].budget == 560
    result = scoring.score_form(read, profile)
    assert (result.exec_rate, result.exec_score) == (0.9786, 9.79)
    assert values.get(named_cells(wb, "JX_TOTAL_SCORE")[0].coordinate) == result.total == 98.79


def _cli(capsys, *argv):
    from jixiao import cli
    code = cli.main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("example, year", [("sichuan_2023.yaml", 2023), ("department_2025.yaml", 2025)])
def test_new_year_and_report_work_on_the_new_forms(capsys, tmp_path, example, year):
    code, out = _cli(capsys, "fill", EXAMPLES / example, "--out", tmp_path)
    assert code == 0, out
    filled = next(tmp_path.glob(f"{year}年度*.xlsx"))
    code, out = _cli(capsys, "new-year", filled)
    assert code == 0, out
    nxt = next(tmp_path.glob(f"{year + 1}年度*.xlsx"))
    form, profile = read_form_and_profile(nxt)
    assert form.year == year + 1 and profile.name == example.split("_")[0]
    assert form.indicators[0].target and form.indicators[0].actual is None   # targets kept, actuals cleared
    code, out = _cli(capsys, "report", filled, "--out", tmp_path / "reports")
    assert code == 0, out
    assert len(list((tmp_path / "reports").glob("*.docx"))) == 1
    if example.startswith("department"):      # the department's own outline: no project named or asked for
        import docx
        document = docx.Document(str(next((tmp_path / "reports").glob("*.docx"))))
        text = "\n".join(p.text for p in document.paragraphs)
        department = read_form_and_profile(filled)[0].header["department"]
        assert f"{year}年度{department}部门整体支出绩效自评报告" in text and "（一）部门概况" in text
        assert "本部门" in text and "本项目" not in text and "请补充：项目名称" not in text
