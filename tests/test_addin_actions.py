"""The ribbon's buttons (addin/actions.py) on real generated workbooks, headless.

Workbooks are built by the template builder from the seeds' YAML (made clean where a test needs a
form without findings) and from tests/support/formgen's random forms; mistakes are planted the way a
user makes them — by typing into the saved file. The openpyxl Book runs every button; the xlwings Book
runs against tests/fixtures/actions/fake_xlwings.py, a small fake of the xlwings objects and COM calls
it uses. What only a live Excel can confirm is in docs/windows-manual-test.md.
"""
from __future__ import annotations

import copy
import random
import zipfile
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
import xlwings
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.formula import ArrayFormula

from jixiao.addin import actions, conf
from jixiao.addin.actions import next_year, recalc, validate
from jixiao.engine.scoring import helper_values as parsed_helpers
from jixiao.addin.book_openpyxl import OpenpyxlBook
from jixiao.addin.book_xlwings import XlwingsBook
from jixiao.addin.books import open_book
from jixiao.addin.build import REL_UI14, make_macro_enabled
from jixiao.addin.workbook import (
    MARK_PREFIX,
    MARK_TAG,
    RESULT_SHEET,
    STATE_SHEET,
    ExistingFile,
    NotAHelperCell,
)
from jixiao.templates.builder import build_workbook, drawn_form, save_workbook
from jixiao.templates.fill import form_from_data, load_data
from tests.fixtures.actions.fake_xlwings import FakeBook
from tests.support.formgen import random_form
from tests.support.xlsx import opened
from tests.support.named import named_ref
from jixiao.engine import scoring as engine
from jixiao.engine.errors import JixiaoError
from jixiao.engine.excel import is_number
from jixiao.engine.model import Form
from jixiao.engine.reader import read_form, read_form_and_profile
from jixiao.engine.targets import RANGE, parse_target
from jixiao.engine.validation import validate_form

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"
HELPER_NAMES = ("JX_IND_DIRECTION", "JX_IND_TVALUE", "JX_IND_AVALUE")
N_RANDOM = 24


# ---------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------

def seed_data(name: str) -> dict:
    return load_data(EXAMPLES / f"{name}.yaml")[0]


def clean_data(name: str) -> dict:
    """A seed made clean: no finding from any rule (checked in test_clean_forms_pass)."""
    data = copy.deepcopy(seed_data(name))
    if data["profile"] == "zhuzhou":
        data["header"].update(department="株洲市工业和信息化局", total_investment=470, total_investment_fiscal=470,
                              period="2020年")
        for row in data["funds"]:
            row["initial"] = row["budget"]
        for ind in data["indicators"]:
            if ind.get("level2") in ("社会效益指标", "可持续影响指标"):
                ind["weight"] = 10                      # 效益指标 10 + 10 + 10 = 30
            if ind["name"].startswith("对"):
                ind["level"] = "达成年度指标"
    else:
        for ind in data["indicators"]:
            if ind["name"] == "预算执行率":
                ind["explanation"] = "项目审计进度滞后，部分工程款未在年内支付"
            if ind["name"] == "参观人数":
                ind["actual"] = "11723人次"              # as the 项目管理成效 text says
    for ind in data["indicators"]:
        ind.pop("reported_score", None)
    data.pop("reported", None)
    return data


def build(tmp: Path, data: dict, name: str = "form.xlsx", mode: str = "native", typed: bool = False) -> Path:
    prof, form = form_from_data(data)
    path = tmp / name
    if path.suffix == ".xlsm":
        xlsx = save_workbook(build_workbook(prof, form, mode, typed), tmp / (path.stem + ".src.xlsx"))
        return make_macro_enabled(xlsx, path)
    return save_workbook(build_workbook(prof, form, mode, typed), path)


def type_into(path: Path, edits: dict[str, object]) -> None:
    """What a user does in Excel: type values ("Sheet!E15" -> value) and save."""
    keep = zipfile.ZipFile(path).namelist().count("xl/vbaProject.bin") > 0
    wb = openpyxl.load_workbook(path, keep_vba=keep)
    for addr, value in edits.items():
        sheet, _, cell = addr.rpartition("!")
        wb[sheet][cell] = value
    wb.save(path)


def cells_of(wb, name: str) -> set[tuple[str, str]]:
    out = set()
    for sheet, ref in wb.defined_names[name].destinations:
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        out |= {(sheet, f"{get_column_letter(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return out


def snapshot(path: Path, skip_helpers: bool = False) -> dict:
    """Every cell of every sheet but jixiao's own (校验结果, the state sheet): value and type."""
    wb = openpyxl.load_workbook(path)
    skip = set()
    if skip_helpers:
        for name in HELPER_NAMES:
            skip |= cells_of(wb, name)
    out = {}
    for ws in wb.worksheets:
        if ws.title in (RESULT_SHEET, STATE_SHEET):
            continue
        for (r, c), cell in ws._cells.items():
            if (ws.title, cell.coordinate) in skip or cell.value is None:
                continue
            value = cell.value
            if isinstance(value, ArrayFormula):
                value = ("array", value.ref, value.text)
            elif isinstance(value, int) and not isinstance(value, bool):
                value = float(value)  # 10 and 10.0 are one number (openpyxl writes 10.0 back as 10)
            out[(ws.title, cell.coordinate)] = (repr(value), cell.data_type)
    return out


def styles(path: Path, exact_priorities: bool = False) -> dict:
    """Fill, font and border of every cell, and the sheets' own (not jixiao's) conditional formats in
    their order of priority (with ``exact_priorities``, the priority numbers themselves: marks sit on
    top while present, so the sheet's own rules are renumbered below them until they are cleared)."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        if ws.title in (RESULT_SHEET, STATE_SHEET):
            continue
        for (r, c), cell in ws._cells.items():
            out[(ws.title, cell.coordinate)] = (repr(cell.fill), repr(cell.font), repr(cell.border))
        own = sorted(((rule.priority, str(cf.sqref), tuple(rule.formula or ()), repr(rule.dxf))
                      for cf in ws.conditional_formatting for rule in cf.rules if not is_mark_rule(rule)),
                     key=lambda x: x[0])
        out[(ws.title, "cf")] = own if exact_priorities else [x[1:] for x in own]
    return out


def is_mark_rule(rule) -> bool:
    return any(MARK_TAG in str(f) for f in (rule.formula or ()))


def marks_in(path: Path) -> dict:
    """{(sheet, cell): note or None} of every cell jixiao marked in a saved file."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            if any(is_mark_rule(rule) for rule in cf.rules):
                for rng in cf.sqref.ranges:
                    comment = ws.cell(rng.min_row, rng.min_col).comment
                    out[(ws.title, ws.cell(rng.min_row, rng.min_col).coordinate)] = (
                        comment.text if comment is not None else None)
        for (r, c), cell in ws._cells.items():
            if cell.comment is not None and cell.comment.text.startswith(MARK_PREFIX):
                out.setdefault((ws.title, cell.coordinate), cell.comment.text)
    return out


def result_rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path)[RESULT_SHEET]
    rows, header = [], None
    for row in ws.iter_rows():
        values = [c.value for c in row]
        if values[:2] == ["级别", "位置"]:
            header = values
            continue
        if header and values[0]:
            link = row[1].hyperlink
            rows.append({**dict(zip(header, values)), "link": link.location if link is not None else None})
    return rows


def normalized(form: Form) -> Form:
    """"" and None are the same blank (openpyxl cannot tell them apart); the file name differs; what
    formulas show exists only where a spreadsheet computed them (live in Excel, not in our files)."""
    def blank(v):
        return None if v == "" else v
    return replace(form, source="", shown={},
                   indicators=[replace(i, target=blank(i.target), actual=blank(i.actual), shown_score=None)
                               for i in form.indicators])


def ind_cell(path: Path, name: str, field: str) -> str:
    form = read_form(path)
    return next(i.cells[field] for i in form.indicators if i.name == name)


@pytest.fixture
def zhuzhou(tmp_path) -> Path:
    return build(tmp_path, clean_data("zhuzhou_2020"), "2020年度智能制造绩效自评表.xlsx")


@pytest.fixture
def suzhou(tmp_path) -> Path:
    return build(tmp_path, clean_data("suzhou_2021"), "2021年度苏州智能制造融合发展中心.xlsx")


def validated(path: Path, out: Path):
    book = OpenpyxlBook(path)
    report = validate(book)
    book.save_as(out)
    return book, report


# ---------------------------------------------------------------------------------------------
# Reading through the Book: the same Form as the file reader
# ---------------------------------------------------------------------------------------------

def test_openpyxl_book_reads_what_the_file_reader_reads(tmp_path):
    paths = [build(tmp_path, seed_data(n), f"{n}.xlsx", typed=True) for n in ("zhuzhou_2020", "suzhou_2021")]
    paths += [build(tmp_path, seed_data("suzhou_2021"), "udf.xlsx", mode="udf")]
    rng = random.Random(4)
    for i in range(N_RANDOM):
        prof, form = random_form(rng)
        paths.append(save_workbook(build_workbook(prof, form, rng.choice(["native", "udf"]), rng.random() < 0.5),
                                   tmp_path / f"r{i}.xlsx"))
    for path in paths:
        form, profile = OpenpyxlBook(path).read()
        assert normalized(form) == normalized(read_form(path)), path.name


def test_parsed_helpers_is_what_the_builder_prefills(tmp_path):
    """重新计算 writes what the template builder writes: one function, checked against the builder."""
    rng = random.Random(7)
    cases = [form_from_data(seed_data(n)) for n in ("zhuzhou_2020", "suzhou_2021")]
    cases += [random_form(rng) for _ in range(40)]
    # and profiles that score range targets ("2-3次") at their high bound
    cases += [(replace(prof, categories=tuple(replace(c, rule=replace(c.rule, range_target="high"))
                                              for c in prof.categories)), form)
              for prof, form in (random_form(rng) for _ in range(20))]
    checked = high_ranges = 0
    for n, (prof, form) in enumerate(cases):
        form = drawn_form(prof, form)  # Sichuan: the rows as the 指标性质 / 度量单位 columns compose them
        wb = opened(build_workbook(prof, form))
        cols = {name: sorted(cells_of(wb, name), key=lambda sc: int(sc[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")))
                for name in HELPER_NAMES}
        rate = engine.rate_indicator(prof)
        for i, ind in enumerate(form.indicators):
            computed = prof.layout == "suzhou" and ind.name == rate
            got = tuple(wb[cols[name][i][0]][cols[name][i][1]].value for name in HELPER_NAMES)
            if computed:  # the computed rate is also the row's 完成值（数值）: a formula, not a pre-fill
                assert str(got[2]).startswith("=") and got[:2] == parsed_helpers(ind, prof, computed)[:2], (n, i)
            else:
                assert got == parsed_helpers(ind, prof, computed), (n, i, ind)
            checked += 1
            high_ranges += (prof.categories[0].rule.range_target == "high" and not computed
                            and parse_target(ind.target).comparator == RANGE and not is_number(ind.target_value))
    assert checked > 200 and high_ranges > 3


# ---------------------------------------------------------------------------------------------
# 一键校验
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("which", ["zhuzhou", "suzhou"])
@pytest.mark.parametrize("mode", ["native", "udf"])
def test_clean_forms_pass(tmp_path, which, mode):
    name = {"zhuzhou": "zhuzhou_2020", "suzhou": "suzhou_2021"}[which]
    path = build(tmp_path, clean_data(name), f"{which}.xlsx", mode=mode)
    before = snapshot(path)
    book, report = validated(path, tmp_path / "out.xlsx")
    assert report.findings == []
    assert book.told == ["校验通过：未发现问题。"]
    assert marks_in(tmp_path / "out.xlsx") == {}
    assert result_rows(tmp_path / "out.xlsx") == []
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")[RESULT_SHEET]
    assert ws["A3"].value == "校验通过：未发现问题。"
    assert snapshot(tmp_path / "out.xlsx") == before


def _plant_missing_reason(path):
    # 智能制造培训 shares the weight of the row above: a reason on either row explains the group
    return {ind_cell(path, "智能制造奖励、补助项目", "explanation"): None,
            ind_cell(path, "智能制造培训", "explanation"): None}, ("I04", "explanation")


def _plant_weight(path):
    return {ind_cell(path, "补贴资金按时发放率", "weight"): 12}, ("W01", None)


def _plant_amount_text(path):
    form = read_form(path)
    return {form.funds[0].cells["executed"]: "470万元"}, ("P01", "executed")


def _plant_typed_score(path):
    return {ind_cell(path, "智能制造奖励、补助项目", "score"): 9}, ("I02", "score")


def _plant_suzhou_carry(path):
    form = read_form(path)
    return {form.cells["amounts.carryover"]: 100}, ("S03", "carryover")


def _plant_suzhou_balance(path):
    form = read_form(path)
    return {form.cells["amounts.balance"]: 300}, ("S01", "balance")


PLANTED = {
    "missing-reason": ("zhuzhou", _plant_missing_reason),
    "weight-sum": ("zhuzhou", _plant_weight),
    "text-in-amount": ("zhuzhou", _plant_amount_text),
    "typed-score": ("zhuzhou", _plant_typed_score),
    "suzhou-carry": ("suzhou", _plant_suzhou_carry),
    "suzhou-balance": ("suzhou", _plant_suzhou_balance),
}


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_planted_mistake_is_found_at_its_cell(tmp_path, request, case):
    which, plant = PLANTED[case]
    path = request.getfixturevalue(which)
    edits, (code, _) = plant(path)
    type_into(path, edits)
    before, looks = snapshot(path), styles(path)
    book, report = validated(path, tmp_path / "checked.xlsx")
    out = tmp_path / "checked.xlsx"
    hits = [f for f in report.findings if f.code == code]
    assert hits, [(f.code, f.cell) for f in report.findings]
    planted_cell = next(iter(edits))
    if code == "W01":
        # a wrong weight shows in the totals: W01 at the 分值 total cell, W02 at the 一级指标 label
        form = read_form(path)
        assert {f.cell for f in hits} == {form.cells["total_weight"].rpartition("!")[2]}
        assert any(f.code == "W02" for f in report.findings)
    elif code == "I04":
        assert [f"{f.sheet}!{f.cell}" for f in hits] == [planted_cell]
    else:
        assert f"{hits[0].sheet}!{hits[0].cell}" == planted_cell
    # the cell is marked, with a note naming the problem; the 校验结果 row links to it
    marks = marks_in(out)
    for f in report.findings:
        if f.cell:
            note = marks[(f.sheet, f.cell)]
            assert note is None or (note.startswith(MARK_PREFIX) and f.message in note)
    rows = result_rows(out)
    row = next(r for r in rows if r["规则"] == code)
    assert row["link"] == f"'{hits[0].sheet}'!{hits[0].cell}"
    assert row["问题"] == hits[0].message and row["修改建议"] == hits[0].fix
    assert "发现" in book.told[-1] and "错误" in book.told[-1]
    wb = openpyxl.load_workbook(out)
    assert wb.active.title == RESULT_SHEET
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == [RESULT_SHEET]   # not grouped
    # nothing the user typed changed, nor any fill: marks are conditional formats on top
    assert snapshot(out) == before
    assert styles(out) == looks


def test_second_run_after_the_fix_clears_the_marks(tmp_path, zhuzhou):
    form = read_form(zhuzhou)
    executed = form.funds[0].cells["executed"]
    original_looks = styles(zhuzhou, exact_priorities=True)
    type_into(zhuzhou, {executed: "470万元"})
    first = tmp_path / "first.xlsx"
    validated(zhuzhou, first)
    assert (executed.rpartition("!")[0], executed.rpartition("!")[2]) in marks_in(first)
    # unchanged form, second run: the same marks, not twice
    again = tmp_path / "again.xlsx"
    validated(first, again)
    assert marks_in(again) == marks_in(first)
    n_rules = sum(1 for ws in openpyxl.load_workbook(again).worksheets for cf in ws.conditional_formatting
                  for rule in cf.rules if is_mark_rule(rule))
    assert n_rules == len(marks_in(first))
    # the user fixes the amount, runs again: passes, no mark left, every style as it was built
    type_into(again, {executed: 470})
    fixed = tmp_path / "fixed.xlsx"
    book, report = validated(again, fixed)
    assert report.findings == [] and report.cleared == len(marks_in(first))
    assert book.told[-1].startswith("校验通过")
    assert marks_in(fixed) == {}
    assert styles(fixed, exact_priorities=True) == original_looks


def test_a_note_the_user_wrote_is_kept(tmp_path, zhuzhou):
    form = read_form(zhuzhou)
    sheet, _, cell = form.funds[0].cells["executed"].rpartition("!")
    wb = openpyxl.load_workbook(zhuzhou)
    wb[sheet][cell] = "470万元"
    wb[sheet][cell].comment = openpyxl.comments.Comment("财务科：待核实", "王会计")
    wb.save(zhuzhou)
    validated(zhuzhou, tmp_path / "a.xlsx")
    assert marks_in(tmp_path / "a.xlsx")[(sheet, cell)] == "财务科：待核实"   # filled, note untouched
    type_into(tmp_path / "a.xlsx", {f"{sheet}!{cell}": 470})
    validated(tmp_path / "a.xlsx", tmp_path / "b.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "b.xlsx")[sheet]
    assert ws[cell].comment.text == "财务科：待核实" and ws[cell].comment.author == "王会计"
    assert marks_in(tmp_path / "b.xlsx") == {}


def test_random_forms_validate_like_the_command_line(tmp_path):
    """On random filled forms: the Book finds exactly what validate_form on the file finds, marks
    exactly those cells, changes no value, and a second run leaves the same marks."""
    rng = random.Random(11)
    for i in range(N_RANDOM):
        prof, form = random_form(rng)
        path = save_workbook(build_workbook(prof, form, rng.choice(["native", "udf"]), rng.random() < 0.5),
                             tmp_path / f"r{i}.xlsx")
        expected = validate_form(*read_form_and_profile(path))
        before, looks = snapshot(path), styles(path)
        book, report = validated(path, tmp_path / f"r{i}-1.xlsx")
        assert [replace(f, file="") for f in report.findings] == [replace(f, file="") for f in expected]
        marked = marks_in(tmp_path / f"r{i}-1.xlsx")
        # one mark per cell with a finding (a merged cell's mark sits on the merge's first cell)
        positions = {actions._position(book, f) for f in expected}
        assert set(marked) == {(p[0], f"{get_column_letter(p[2])}{p[1]}") for p in positions if p}
        assert len(result_rows(tmp_path / f"r{i}-1.xlsx")) == len(expected)
        assert snapshot(tmp_path / f"r{i}-1.xlsx") == before
        assert styles(tmp_path / f"r{i}-1.xlsx") == looks
        validated(tmp_path / f"r{i}-1.xlsx", tmp_path / f"r{i}-2.xlsx")
        assert marks_in(tmp_path / f"r{i}-2.xlsx") == marked


def test_not_a_jixiao_workbook(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "随便一个表"
    wb.save(tmp_path / "other.xlsx")
    with pytest.raises(JixiaoError, match="不是项目支出绩效自评表"):
        validate(OpenpyxlBook(tmp_path / "other.xlsx"))
    book = OpenpyxlBook(tmp_path / "other.xlsx")
    actions.run_button("jx_validate", book)
    assert "不是项目支出绩效自评表" in book.told[-1]


def test_validate_keeps_the_ribbon_of_an_xlsm(tmp_path):
    path = build(tmp_path, clean_data("zhuzhou_2020"), "form.xlsm")
    validated(path, tmp_path / "out.xlsm")
    with zipfile.ZipFile(tmp_path / "out.xlsm") as zf:
        assert "xl/vbaProject.bin" in zf.namelist()
        assert REL_UI14 in zf.read("_rels/.rels").decode()


def test_save_as_never_overwrites(tmp_path, zhuzhou):
    book = OpenpyxlBook(zhuzhou)
    (tmp_path / "taken.xlsx").write_bytes(b"mine")
    with pytest.raises(ExistingFile):
        book.save_as(tmp_path / "taken.xlsx")
    assert (tmp_path / "taken.xlsx").read_bytes() == b"mine"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


# ---------------------------------------------------------------------------------------------
# 重新计算
# ---------------------------------------------------------------------------------------------

def helper_values(path: Path, name: str) -> tuple:
    form = read_form(path)
    ind = next(i for i in form.indicators if i.name == name)
    return ind.direction, ind.target_value, ind.actual_value


UNREADABLE = "补助项目不少于25个（另培训2次）"   # two numbers in one cell: the rules read ≥ 25, the formulas wait


def test_a_changed_target_scores_live_with_no_recalc(tmp_path, zhuzhou, calc, gnumeric):
    """The heart of issue 9: the formulas read what the accountant types; no helper value is needed."""
    row = "智能制造奖励、补助项目"
    type_into(zhuzhou, {ind_cell(zhuzhou, row, "target"): "25个以上"})
    assert helper_values(zhuzhou, row) == ("", None, None)
    form, profile = read_form_and_profile(zhuzhou)
    res = engine.score_form(form, profile)
    score_sheet, _, score_cell = ind_cell(zhuzhou, row, "score").rpartition("!")
    total_sheet, _, total_cell = form.cells["total"].rpartition("!")
    for values in (calc.values(zhuzhou), gnumeric.values(gnumeric.recalc(zhuzhou, tmp_path / "gn.xlsx"))):
        assert values[score_sheet][score_cell] == res.rows[0].score == 6.0   # 15 of 25
        assert values[total_sheet][total_cell] == res.total
    book = open_book(zhuzhou)
    report = recalc(book)
    assert report.changed == report.kept == [] and "无需刷新" in book.told[-1]


def test_recalc_fills_what_the_formulas_cannot_read(tmp_path, zhuzhou, calc):
    row = "智能制造奖励、补助项目"
    type_into(zhuzhou, {ind_cell(zhuzhou, row, "target"): UNREADABLE})
    form, profile = read_form_and_profile(zhuzhou)
    score_sheet, _, score_cell = ind_cell(zhuzhou, row, "score").rpartition("!")
    total_sheet, _, total_cell = form.cells["total"].rpartition("!")
    values = calc.values(zhuzhou)
    assert values[score_sheet][score_cell] == "待定" and values[total_sheet][total_cell] == "待定（1项未计分）"
    before = snapshot(zhuzhou, skip_helpers=True)
    book = OpenpyxlBook(zhuzhou)
    report = recalc(book)
    out = book.save_as(tmp_path / "recalc.xlsx")
    assert helper_values(out, row) == ("正向", 25, None)
    assert {(c.field, c.new) for c in report.changed} == {("direction", "正向"), ("target_value", 25)}
    assert "K15" in book.told[-1] and "25" in book.told[-1]
    assert snapshot(out, skip_helpers=True) == before
    form, profile = read_form_and_profile(out)
    res = engine.score_form(form, profile)
    values = calc.values(out)
    assert values[score_sheet][score_cell] == res.rows[0].score == 6.0
    assert values[total_sheet][total_cell] == res.total
    # the text becomes readable again: the value jixiao wrote is cleared, the formulas read the text
    type_into(out, {ind_cell(out, row, "target"): "25个以上"})
    again = OpenpyxlBook(out)
    report = recalc(again)
    assert helper_values(again.save_as(tmp_path / "again.xlsx"), row) == ("", None, None)
    assert {(c.field, c.new) for c in report.changed} == {("direction", None), ("target_value", None)}


def test_recalc_keeps_a_value_the_user_typed_in_a_helper_column(tmp_path, zhuzhou):
    row = "智能制造奖励、补助项目"
    tvalue = ind_cell(zhuzhou, row, "target_value")
    type_into(zhuzhou, {ind_cell(zhuzhou, row, "target"): UNREADABLE})
    first = OpenpyxlBook(zhuzhou)
    recalc(first)                                    # jixiao writes 25 and remembers it
    p1 = first.save_as(tmp_path / "1.xlsx")
    assert openpyxl.load_workbook(p1)[STATE_SHEET].sheet_state == "veryHidden"
    type_into(p1, {tvalue: 30})                      # the user's own number
    second = OpenpyxlBook(p1)
    report = recalc(second)
    p2 = second.save_as(tmp_path / "2.xlsx")
    assert helper_values(p2, row)[1] == 30
    assert [(c.field, c.old, c.new) for c in report.kept] == [("target_value", 30, 25)]
    assert "保留了 1 个" in second.told[-1]
    type_into(p2, {tvalue: None})                    # cleared: read from the text again
    third = OpenpyxlBook(p2)
    recalc(third)
    assert helper_values(third.save_as(tmp_path / "3.xlsx"), row)[1] == 25


def test_recalc_reports_typed_scores_and_changes_nothing_else(tmp_path, zhuzhou):
    score = ind_cell(zhuzhou, "智能制造奖励、补助项目", "score")
    type_into(zhuzhou, {score: 9})
    before = snapshot(zhuzhou)
    book = OpenpyxlBook(zhuzhou)
    report = recalc(book)
    out = book.save_as(tmp_path / "out.xlsx")
    assert [(d.addr, d.typed, d.rule) for d in report.diffs] == [(score, "9", "7.50")]
    assert "H15" in book.told[-1] and "7.50" in book.told[-1]
    assert report.changed == [] and snapshot(out) == before


def test_recalc_on_a_clean_form_says_so(zhuzhou):
    book = open_book(zhuzhou)
    report = recalc(book)
    assert report.changed == report.kept == report.diffs == []
    assert "无需刷新" in book.told[-1]


def test_write_helpers_refuses_any_other_cell(zhuzhou):
    book = OpenpyxlBook(zhuzhou)
    target = ind_cell(zhuzhou, "智能制造奖励、补助项目", "target")
    tvalue = ind_cell(zhuzhou, "智能制造奖励、补助项目", "target_value")
    with pytest.raises(NotAHelperCell):
        book.write_helpers({tvalue: 99, target: "99个"})
    assert helper_values(zhuzhou, "智能制造奖励、补助项目")[1] is None
    sheet, _, cell = tvalue.rpartition("!")
    assert book.wb[sheet][cell].value is None        # nothing written, not even the allowed cell


# ---------------------------------------------------------------------------------------------
# 新建下一年度
# ---------------------------------------------------------------------------------------------

def test_next_year_national(tmp_path, zhuzhou, calc):
    original = zhuzhou.read_bytes()
    book = OpenpyxlBook(zhuzhou)
    out = next_year(book)
    assert out == tmp_path / "2021年度智能制造绩效自评表.xlsx"
    assert zhuzhou.read_bytes() == original
    old, new = read_form(zhuzhou), read_form(out)
    assert new.year == 2021 and new.profile == old.profile
    assert new.header == old.header
    assert new.texts == {"goal_expected": old.texts["goal_expected"], "goal_actual": ""}
    assert [(i.level1, i.level2, i.name, i.target, i.weight, i.shares_weight, i.direction) for i in new.indicators] == \
           [(i.level1, i.level2, i.name, i.target, i.weight, i.shares_weight, i.direction) for i in old.indicators]
    assert all(i.actual is None and i.explanation == "" and i.level == "" and i.reported_score is None
               for i in new.indicators)
    assert all(r.initial is None and r.budget is None and r.executed is None for r in new.funds)
    assert new.funds_weight == old.funds_weight and new.reported == {}
    ws = openpyxl.load_workbook(out).active
    assert ws["A2"].value == "（2021年度）"
    assert "2021" in book.told[-1] and str(out) in book.told[-1]
    values = calc.values(out)
    from tests.support.libreoffice import error_cells
    assert error_cells(values) == []


def test_next_year_suzhou_and_udf_mode(tmp_path):
    path = build(tmp_path, clean_data("suzhou_2021"), "2021年度苏州.xlsx", mode="udf")
    out = next_year(OpenpyxlBook(path))
    assert out.name == "2022年度苏州.xlsx"
    form, profile = read_form_and_profile(out)
    assert (form.year, profile.year, form.header["project_year"]) == (2022, 2022, 2022)
    assert OpenpyxlBook(out).named_value("JX_MODE") == "udf"
    assert set(k for k, v in form.texts.items() if v) == {"overview", "total_goal", "annual_goal"}
    assert all(v is None for v in form.amounts.values())
    assert [s.name for s in form.subitems] == ["基本建设", "基本维护"]
    assert all(s.budget is None and s.actual is None for s in form.subitems)
    ws = openpyxl.load_workbook(out).active
    notes = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str))
    assert "2022年12月31日" in notes and "2021年12月31日" not in notes   # the profile rendered for 2022


def test_next_year_never_overwrites(tmp_path, zhuzhou):
    taken = tmp_path / "2021年度智能制造绩效自评表.xlsx"
    taken.write_bytes(b"someone's file")
    first = next_year(OpenpyxlBook(zhuzhou))
    second = next_year(OpenpyxlBook(zhuzhou))
    assert first.name == "2021年度智能制造绩效自评表（2）.xlsx"
    assert second.name == "2021年度智能制造绩效自评表（3）.xlsx"
    assert taken.read_bytes() == b"someone's file"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~")]


def test_next_year_name_without_a_year(tmp_path):
    path = build(tmp_path, clean_data("zhuzhou_2020"), "智能制造.xlsx")
    assert next_year(OpenpyxlBook(path)).name == "2021年度智能制造.xlsx"


def test_next_year_keeps_macros_and_ribbon(tmp_path):
    path = build(tmp_path, clean_data("zhuzhou_2020"), "2020年度表.xlsm")
    out = next_year(OpenpyxlBook(path))
    assert out.name == "2021年度表.xlsm"
    with zipfile.ZipFile(out) as zf:
        assert "xl/vbaProject.bin" in zf.namelist() and "customUI/customUI14.xml" in zf.namelist()
        assert REL_UI14 in zf.read("_rels/.rels").decode()
    assert read_form(out).year == 2021


# ---------------------------------------------------------------------------------------------
# 设置 / 帮助, the command line
# ---------------------------------------------------------------------------------------------

def test_settings_and_help(tmp_path, zhuzhou, monkeypatch):
    home = tmp_path / "home"
    (home / ".jixiao").mkdir(parents=True)
    (home / ".jixiao" / "jixiao.conf").write_bytes('"INTERPRETER_WIN","C:\\绩效\\python.exe"\n'.encode("gbk"))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setattr(actions.sys, "platform", "win32")
    monkeypatch.setattr(conf, "ansi_encoding", lambda: "cp936")  # Windows' "mbcs" on a Chinese system
    book = OpenpyxlBook(zhuzhou)
    text = actions.settings(book)
    assert "规则配置 zhuzhou，2020 年度" in text and "普通公式" in text
    assert "INTERPRETER_WIN = C:\\绩效\\python.exe" in text and "用户配置文件" in text
    assert "UDF MODULES：未设置" in text
    (home / ".jixiao" / "jixiao.conf").write_text('"INTERPRETER_WIN","C:\\绩效\\python.exe"\n', encoding="utf-8")
    assert "另存为“ANSI”编码" in actions.settings(book)
    text = actions.show_help(book)
    for label in ("一键校验", "重新计算", "新建下一年度", "设置", "WPS"):
        assert label in text


def test_command_line(tmp_path, zhuzhou, capsys):
    type_into(zhuzhou, {read_form(zhuzhou).funds[0].cells["executed"]: "470万元"})
    assert actions.main(["validate", str(zhuzhou), "--out", str(tmp_path / "out.xlsx")]) == 1   # 错误 found
    out = capsys.readouterr().out
    assert "P01" in out and str(tmp_path / "out.xlsx") in out
    assert actions.main(["validate", str(zhuzhou), "--out", str(tmp_path / "out.xlsx")]) == 2   # never overwrites


# ---------------------------------------------------------------------------------------------
# The xlwings Book, against a fake of the xlwings objects it uses
# ---------------------------------------------------------------------------------------------

def fake_book(path: Path, values: dict | None = None, fullname: str | None = None) -> FakeBook:
    return FakeBook(path, values=values, fullname=fullname)


def test_xlwings_book_reads_what_the_file_reader_reads(tmp_path, calc):
    paths = [build(tmp_path, seed_data(n), f"{n}.xlsx", typed=True) for n in ("zhuzhou_2020", "suzhou_2021")]
    paths += [build(tmp_path, clean_data("suzhou_2021"), "udf.xlsx", mode="udf")]
    rng = random.Random(5)
    for i in range(12):
        prof, form = random_form(rng)
        paths.append(save_workbook(build_workbook(prof, form, "native", rng.random() < 0.5), tmp_path / f"r{i}.xlsx"))
    for n, path in enumerate(paths):
        # formula results as Excel would show them: from LibreOffice for some, none for the others
        values = calc.values(path) if n % 2 == 0 else None
        form, _ = XlwingsBook(fake_book(path, values)).read()
        assert normalized(form) == normalized(read_form(path)), path.name


def test_xlwings_validate_marks_and_clears(tmp_path, zhuzhou):
    form = read_form(zhuzhou)
    executed = form.funds[0].cells["executed"]
    sheet, _, cell = executed.rpartition("!")
    type_into(zhuzhou, {executed: "470万元"})
    fake = fake_book(zhuzhou)
    sh = fake.sheets[sheet]
    assert sh.api.ProtectContents
    allows = dict(vars(sh.api.Protection))
    book = XlwingsBook(fake)
    report = validate(book)
    expected = validate(OpenpyxlBook(zhuzhou)).findings
    assert report.findings == expected
    row, col = coordinate_to_tuple(cell)
    ours = [fc for fc in sh.api.conditions if MARK_TAG in fc.Formula1]
    assert (row, col, row, col) in [fc.range for fc in ours]
    assert sh.api.conditions[0] in ours                           # on top of the template's own
    assert sh.notes_at[(row, col)].startswith(MARK_PREFIX)
    assert sh.api.ProtectContents and dict(vars(sh.api.Protection)) == allows   # protected again, same options
    results = fake.sheets[RESULT_SHEET]
    links = {v["sub"] for v in results.api.hyperlinks.values()}
    assert f"'{sheet}'!{cell}" in links
    assert fake.app.alerts[-1]["title"] == "绩效自评" and "错误" in fake.app.alerts[-1]["prompt"]
    assert fake.app.screen_updating is True
    # the user fixes it in Excel and runs again: marks gone, the template's formats untouched
    own = [fc for fc in sh.api.conditions if MARK_TAG not in fc.Formula1]
    sh.cells[(row, col)] = (470, None)
    report = validate(book)
    assert report.findings == []
    assert sh.api.conditions == own and (row, col) not in sh.notes_at
    assert fake.app.alerts[-1]["prompt"].startswith("校验通过")
    assert sh.api.ProtectContents


def test_xlwings_password_protected_sheet(tmp_path, zhuzhou):
    type_into(zhuzhou, {read_form(zhuzhou).funds[0].cells["executed"]: "470万元"})
    fake = fake_book(zhuzhou)
    main = fake.sheets[0]
    main.api.password = "secret"
    report = validate(XlwingsBook(fake))
    assert report.findings and RESULT_SHEET in [s.name for s in fake.sheets]
    assert "密码保护" in fake.app.alerts[-1]["prompt"]
    assert not [fc for fc in main.api.conditions if MARK_TAG in fc.Formula1]


def test_xlwings_recalc(tmp_path, zhuzhou):
    row = "智能制造奖励、补助项目"
    type_into(zhuzhou, {ind_cell(zhuzhou, row, "target"): UNREADABLE})
    fake = fake_book(zhuzhou)
    active = fake.sheets.active
    report = recalc(XlwingsBook(fake))
    sheet, _, cell = ind_cell(zhuzhou, row, "target_value").rpartition("!")
    assert fake.sheets[sheet].range(cell).value == 25
    assert sorted((c.field, c.new) for c in report.changed) == [("direction", "正向"), ("target_value", 25)]
    assert fake.app.calculated == 1
    state = fake.sheets[STATE_SHEET]
    assert state.api.Visible == 2 and fake.sheets.active is active
    assert fake.sheets[sheet].api.ProtectContents
    # the state is read back: a value typed afterwards is kept
    fake.sheets[sheet].cells[coordinate_to_tuple(cell)] = (30.0, None)
    report = recalc(XlwingsBook(fake))
    assert [(c.old, c.new) for c in report.kept] == [(30, 25)]


def test_xlwings_next_year_and_buttons(tmp_path, zhuzhou, monkeypatch):
    fake = fake_book(zhuzhou)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: fake))
    actions.on_button("jx_next_year")
    new = tmp_path / "2021年度智能制造绩效自评表.xlsx"
    assert new.exists() and fake.app.opened == [str(new)]
    assert "2021 年度" in fake.app.alerts[-1]["prompt"]
    actions.on_button("jx_help")
    assert fake.app.alerts[-1]["prompt"] == actions.HELP_TEXT
    actions.on_button("jx_settings")
    assert "规则配置 zhuzhou" in fake.app.alerts[-1]["prompt"]
    actions.on_button("jx_nope")
    assert fake.app.alerts[-1] == {"prompt": "未知的按钮：jx_nope", "title": "绩效自评", "mode": "critical"}
    # a workbook never saved: a message, no file
    unsaved = fake_book(zhuzhou, fullname="工作簿1")
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: unsaved))
    actions.on_button("jx_next_year")
    assert "还没有保存" in unsaved.app.alerts[-1]["prompt"] and unsaved.app.alerts[-1]["mode"] == "critical"
    # an unexpected error: a message pointing to the log, which has the traceback
    monkeypatch.setattr(actions, "error_log_path", lambda: tmp_path / "jixiao-error.log")
    monkeypatch.setitem(actions.BUTTONS, "jx_validate", lambda book: 1 / 0)
    monkeypatch.setattr(xlwings.Book, "caller", classmethod(lambda cls: fake))
    actions.on_button("jx_validate")
    assert "ZeroDivisionError" in fake.app.alerts[-1]["prompt"]
    assert "Traceback" in (tmp_path / "jixiao-error.log").read_text(encoding="utf-8")


def test_xlwings_settings_reads_the_addin_conf_sheet(tmp_path, zhuzhou):
    fake = fake_book(zhuzhou)
    conf = openpyxl.Workbook()
    conf.active.title = "jixiao.conf"
    conf.active["A1"], conf.active["B1"] = "UDF Modules", "jixiao.udfs.functions"
    conf.save(tmp_path / "conf.xlsx")
    addin = FakeBook(tmp_path / "conf.xlsx", app=fake.app)
    fake.app.books.by_name["jixiao.xlam"] = addin
    text = actions.settings(XlwingsBook(fake))
    assert "UDF MODULES = jixiao.udfs.functions    ← 加载项 jixiao.xlam 的 jixiao.conf 工作表" in text


def test_recalc_keeps_a_direction_given_in_the_data_the_template_was_filled_from(tmp_path):
    """The builder records what it pre-filled from the texts, so a value that came from the data
    (or was typed before any 重新计算) is the user's and survives the first 重新计算."""
    data = clean_data("zhuzhou_2020")
    data["indicators"][0]["direction"] = "等于"      # the text "20个以上" reads 正向
    book = OpenpyxlBook(build(tmp_path, data))
    report = recalc(book)
    saved = book.save_as(tmp_path / "after.xlsx")
    form, _ = OpenpyxlBook(saved).read()
    assert form.indicators[0].direction == "等于"
    assert [(k.field, k.old, k.new) for k in report.kept] == [("direction", "等于", "正向")]
    assert report.changed == []                      # everything else already stood as the texts read


def test_recalc_keeps_helper_values_typed_into_a_blank_template(tmp_path):
    """jixiao never wrote them (no record in jixiao_state), so they are the user's: kept and listed."""
    from jixiao.engine.profiles import load_profile
    path = save_workbook(build_workbook(load_profile("national", 2026)), tmp_path / "blank.xlsx")
    form = read_form(path)
    first = form.indicators[0] if form.indicators else None
    wb = openpyxl.load_workbook(path)
    grid = {n: named_ref(wb, n).split(":")[0]
            for n in ("JX_IND_NAME", "JX_IND_TARGET", "JX_IND_ACTUAL", "JX_IND_WEIGHT", "JX_IND_DIRECTION",
                      "JX_IND_TVALUE")}
    ws = wb.worksheets[0]
    ws[grid["JX_IND_NAME"]], ws[grid["JX_IND_TARGET"]], ws[grid["JX_IND_ACTUAL"]] = "差错数", 5, 3
    ws[grid["JX_IND_WEIGHT"]], ws[grid["JX_IND_DIRECTION"]] = 10, "反向"      # a bare 5 reads 正向
    wb.save(path)
    assert first is None
    book = OpenpyxlBook(path)
    report = recalc(book)
    after = read_form(book.save_as(tmp_path / "after.xlsx"))
    assert after.indicators[0].direction == "反向"
    assert [(k.field, k.old, k.new) for k in report.kept] == [("direction", "反向", "正向")]
