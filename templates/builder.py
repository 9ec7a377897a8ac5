"""Draws a profile's official self-evaluation form into a new workbook, blank or filled.

One function per layout block; every region the code reads or writes gets its JX_ defined name
(jixiao.engine.contract), every computed cell a formula (jixiao.templates.formulas: native, or the JX_ UDFs in udf mode).
The cells go through `Sheet.put` into XlsxWriter (jixiao.templates.xlsx): a `Formula` is a formula (with its
cached value when one is given), any other value is written as what it is, text always as text.
"""
from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from jixiao import __version__ as JIXIAO_VERSION
from . import formulas as fx
from jixiao.engine.contract import STATE_HEADER, STATE_NOTE, STATE_SHEET, field_name, params, pname
from jixiao.engine.scoring import helper_values, rate_indicator
from jixiao.engine.excel import is_number
from jixiao.engine.model import Form, FundsRow, Indicator
from jixiao.engine.profiles import Profile

from . import styles as st
from . import text_formulas as tf
from .sheetview import SheetView, sheet_view
from .xlsx import Book, Formula

PARAM_SHEET = "参数"
GUIDE_SHEET = "填表说明"
MODES = ("native", "udf")
DIRECTIONS = ("正向", "反向", "等于", "定性")

# Indicator grid columns per layout family; helper columns follow `helper` to the right of the print area.
GRIDS = {
    "national": dict(l1="B", l2="C", name="D", target="E", actual="F", weight="G", score="H", reason="I",
                     helper="J", last="I"),
    "suzhou": dict(l1="B", l2=None, name="C", target="D", weight="E", actual="F", score="G", reason="H",
                   helper="I", last="G"),
}
HELPER_INPUTS = (("direction", "指标方向", "JX_IND_DIRECTION"), ("tvalue", "指标值（数值）", "JX_IND_TVALUE"),
                 ("avalue", "完成值（数值）", "JX_IND_AVALUE"), ("level", "定性档次", "JX_IND_LEVEL"))
HELPER_SCORING = (("dir_used", "计分方向", "JX_IND_DIR_USED"), ("t", "计分指标值", "JX_IND_T"),
                  ("a", "计分完成值", "JX_IND_A"), ("completion", "完成率", "JX_IND_COMPLETION"),
                  ("fraction", "得分系数", "JX_IND_FRACTION"))
TARGET_RESULTS = (("t_direction", "指标值·方向"), ("t_value", "指标值·数"), ("t_percent", "指标值·百分"),
                  ("t_scale", "指标值·数量级"))
ACTUAL_RESULTS = (("a_written", "完成值·所写数"), ("a_assumed", "完成值·推定单位"), ("a_value", "完成值·数"),
                  ("a_level", "完成值·档次"))


def _reading_columns(prefix: str, label: str) -> list[tuple[str, str, None]]:
    """The steps of reading one text (templates/text_formulas.py), a chain over several cells when
    the vocabulary is long."""
    out = []
    for step, count in (("cleaned", tf.chain_cells(len(tf.V.replace))), ("marked", tf.chain_cells(len(tf.V.words)))):
        out += [(f"{prefix}{step}{n}", f"{label}·{tf.STEP_LABELS[step]}{n}", None) for n in range(1, count)]
        out.append((f"{prefix}{step}", f"{label}·{tf.STEP_LABELS[step]}", None))
    out += [(f"{prefix}{step}", f"{label}·{tf.STEP_LABELS[step]}", None) for step in tf.STEPS]
    return out


def helper_columns(mode: str) -> list[tuple[str, str, str | None]]:
    """(key, heading, defined name) of the helper columns right of the print area: the four inputs,
    then (native mode) the scoring steps and every step of reading the target and the actual text."""
    if mode != "native":
        return list(HELPER_INPUTS)
    return [*HELPER_INPUTS, *HELPER_SCORING,
            *_reading_columns("t_", "指标值"), *((k, h, None) for k, h in TARGET_RESULTS),
            *_reading_columns("a_", "完成值"), *((k, h, None) for k, h in ACTUAL_RESULTS)]


HELPER_COUNT_INPUTS = len(HELPER_INPUTS)
# 得分 (H) is wide enough for "待定（1项未计分）" on two lines (the 总分 row is two lines high)
NATIONAL_WIDTHS = {"A": 8.5, "B": 10, "C": 12, "D": 21, "E": 14, "F": 15, "G": 6.5, "H": 10, "I": 17}
SUZHOU_WIDTHS = {"A": 13, "B": 10, "C": 22, "D": 14, "E": 10, "F": 14, "G": 10, "H": 24}
UNSET_WIDTH = 13  # what the row-height estimate takes for a column whose width is set later (helper columns)


def family(profile: Profile) -> str:
    return "suzhou" if profile.layout == "suzhou" else "national"


@dataclass
class Sheet:
    """A worksheet plus what the builder learns while drawing: names, wrapped texts, input cells."""

    book: Book
    ws: object  # an XlsxWriter worksheet
    names: dict[str, str] = field(default_factory=dict)
    wrapped: list[tuple[int, str, float, float, int]] = field(default_factory=list)  # row, text, width, size, rows
    min_heights: dict[int, float] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)  # column letter -> width in characters
    state: list[list] = field(default_factory=list)  # rows of the jixiao_state sheet

    @property
    def title(self) -> str:
        return self.ws.name

    def set_width(self, col: str, width: float, hidden: bool = False, level: int = 0):
        """Column width in characters, written as given (XlsxWriter's own conversion would round it
        to whole pixels of its default font)."""
        self.widths[col] = width
        i = column_index_from_string(col) - 1
        self.ws.set_column_pixels(i, i, width * self.ws.max_digit_width, None,
                                  {"hidden": hidden, "level": level} if hidden or level else None)

    def width(self, first: str, last: str | None = None) -> float:
        a, b = column_index_from_string(first), column_index_from_string(last or first)
        return sum(self.widths.get(get_column_letter(i), UNSET_WIDTH) for i in range(a, b + 1))

    def put(self, ref: str, value=None, style: str = "label", fmt: str | None = None, name: str | None = None,
            span: str | None = None, fit: bool = True):
        """Write `value` at `ref` (or over the merged range ref:span) with a style; remember the name.
        A `Formula` is written as a formula (with its cached value when it has one); any other value as
        what it is (a str always as text). `fit`: the row's height is estimated from a wrapped text."""
        if isinstance(value, datetime.date):  # a date typed in a data file shows as a date
            fmt = "yyyy-mm-dd h:mm:ss" if isinstance(value, datetime.datetime) else "yyyy-mm-dd"
        cell_format = self.book.style(st.style_format(style, fmt))
        if span:
            self.book.merge(self.ws, ref, span, cell_format)
        self.book.write(self.ws, ref, value, cell_format)
        if name:
            self.names[name] = ref
        if fit and isinstance(value, str) and st.wraps(style):
            first, last = ref.rstrip("0123456789"), (span or ref).rstrip("0123456789")
            rows = int((span or ref)[len(last):]) - int(ref[len(first):]) + 1
            self.wrapped.append((int(ref[len(first):]), value, self.width(first, last), st.font_size(style), rows))

    def cell(self, ref: str, value):
        """A plain value (no style) at `ref`."""
        self.book.write(self.ws, ref, value)

    def array(self, first: str, last: str, formula: Formula, style: str, fmt: str | None = None):
        """An array formula over first:last (JX_SCORES in udf mode)."""
        self.book.write_array(self.ws, first, last, formula, self.book.style(st.style_format(style, fmt)))

    def fit_rows(self):
        """Row heights that show every wrapped text whole (merged rows share the height)."""
        need: dict[int, float] = dict(self.min_heights)
        for row, text, width, size, rows in self.wrapped:
            h = st.row_height(st.lines_needed(text, width, size), size) / rows
            need[row] = max(need.get(row, 0), h)
            for r in range(row + 1, row + rows):
                need[r] = max(need.get(r, 0), h)
        for row, height in need.items():
            self.ws.set_row_pixels(row - 1, _pixels(max(height, 20)))


def _pixels(points: float) -> float:
    """A row height for XlsxWriter's set_row_pixels that it writes back as exactly `points` (it writes
    pixels × 0.75 to 16 digits; its set_row would round the height to whole pixels)."""
    px = points / 0.75
    for candidate in (px, math.nextafter(px, 0), math.nextafter(px, math.inf)):
        if f"{candidate * 0.75:.16g}" == f"{points:.16g}":
            return candidate
    return px


def _absolute(ref: str) -> str:
    col = ref.rstrip("0123456789")
    return f"${col}${ref[len(col):]}"


def _range(sheet_title: str, first: str, last: str | None = None) -> str:
    a = _absolute(first)
    return f"'{sheet_title}'!{a}" + (f":{_absolute(last)}" if last and last != first else "")


def _placeholder_rows(profile: Profile) -> list[Indicator]:
    """The blank form's indicator rows: two per 二级指标 (national), the fixed 投入 list and three
    rows per other category (Suzhou)."""
    rows: list[Indicator] = []
    shared = profile.data.get("shared_weights") == "per_subcategory"
    for cat in profile.categories:
        if cat.fixed_indicators:
            rows += [Indicator(cat.label, "", fi["name"], fi.get("target"), weight=fi.get("weight"))
                     for fi in cat.fixed_indicators]
        elif cat.subcategories:
            for sub in cat.subcategories:
                rows += [Indicator(cat.label, sub), Indicator(cat.label, sub, shares_weight=shared)]
        else:
            rows += [Indicator(cat.label) for _ in range(3)]
    return rows


# ---------------------------------------------------------------------------------------------------
# Parameter sheet

def _param_sheet(book: Book, profile: Profile, mode: str, started: Formula) -> dict[str, str]:
    sh = Sheet(book, book.sheet(PARAM_SHEET))
    sh.ws.hide()
    for col, width in (("A", 34), ("B", 22), ("C", 50)):
        sh.set_width(col, width)
    names: dict[str, str] = {}
    rows = [("名称", "值", "说明"),
            ("JX_PROFILE", profile.name, "规则配置名称"), ("JX_YEAR", profile.year, "年度"),
            ("JX_MODE", mode, "公式方式：native 为普通公式，udf 为 JX_ 函数"),
            ("JX_VERSION", JIXIAO_VERSION, "生成本表的 jixiao 版本"),
            ("JX_STARTED", started, "是否已开始填报（公式）")]
    rows += params(profile)
    for r, (name, value, note) in enumerate(rows, 1):
        sh.cell(f"A{r}", name), sh.cell(f"B{r}", value), sh.cell(f"C{r}", note)
        if r > 1:
            names[name] = _range(PARAM_SHEET, f"B{r}")
    r = len(rows) + 2
    sh.cell(f"A{r}", "定性档次"), sh.cell(f"B{r}", "得分比例")
    first = r + 1
    entries = profile.level_names()
    for i, (label, score) in enumerate(entries):
        sh.cell(f"A{first + i}", label), sh.cell(f"B{first + i}", score)
    last = first + len(entries) - 1
    names["JX_P_LEVEL_NAME"] = _range(PARAM_SHEET, f"A{first}", f"A{last}")
    names["JX_P_LEVEL_SCORE"] = _range(PARAM_SHEET, f"B{first}", f"B{last}")
    names["JX_P_LEVEL_LIST"] = _range(PARAM_SHEET, f"A{first}", f"A{first + len(profile.levels) - 1}")
    r = last + 2
    sh.cell(f"A{r}", "指标方向")
    for i, d in enumerate(DIRECTIONS):
        sh.cell(f"A{r + 1 + i}", d)
    names["JX_P_DIRECTIONS"] = _range(PARAM_SHEET, f"A{r + 1}", f"A{r + len(DIRECTIONS)}")
    # the reading vocabulary (templates/vocabulary.yaml) for the text-reading formulas: one list per
    # column from E, its name and 说明 above it
    c = column_index_from_string("E")
    for name, text, note in tf.cells():
        letter = get_column_letter(c)
        sh.cell(f"{letter}1", name), sh.cell(f"{letter}2", note), sh.cell(f"{letter}3", text)
        names[name] = _range(PARAM_SHEET, f"{letter}3")
        c += 1
    for name, values, note in tf.lists():
        letter = get_column_letter(c)
        sh.cell(f"{letter}1", name), sh.cell(f"{letter}2", note)
        for i, value in enumerate(values, 3):
            sh.cell(f"{letter}{i}", value)
        names[name] = _range(PARAM_SHEET, f"{letter}3", f"{letter}{max(3, len(values) + 2)}")
        c += 1
    _protect(sh.ws)
    _margins(sh.ws, 0.75, 0.75, 1, 1)
    return names


def _protect(ws, format_rows_and_columns: bool = False):
    """Sheet protection without a password (against slips, not people): locked cells cannot be changed;
    drawings and scenarios stay editable (the add-in's marks are comments)."""
    allow = {"objects": True, "scenarios": True}
    if format_rows_and_columns:
        allow |= {"format_columns": True, "format_rows": True}
    ws.protect("", allow)


# ---------------------------------------------------------------------------------------------------
# Blocks of the national family (national, zhuzhou)

def _title(sh: Sheet, profile: Profile, last: str):
    sh.put("A1", profile.title, "title", span=f"{last}1")
    sh.put("A2", f"（{profile.year}年度）", "subtitle", span=f"{last}2")
    sh.min_heights[1], sh.min_heights[2] = 34, 22


def _header_value(form: Form | None, key: str):
    return (form.header.get(key) if form else None)


def _national_header(sh: Sheet, profile: Profile, form: Form | None) -> int:
    fields = {h["key"]: h for h in profile.data["header"]}
    row = 3
    if profile.layout == "zhuzhou":
        sh.put(f"A{row}", fields["department"]["label"], "label")
        sh.put(f"B{row}", _header_value(form, "department"), "input_left", name=field_name("department"), span=f"I{row}")
        row += 1
        sh.put(f"A{row}", "项目支出名称", "label", span=f"A{row + 1}")
        for r, (key, money_key) in enumerate((("special_name", "total_investment"),
                                              ("subitem_name", "total_investment_fiscal"))):
            rr = row + r
            sh.put(f"B{rr}", fields[key]["label"], "label", span=f"C{rr}")
            sh.put(f"D{rr}", _header_value(form, key), "input_left", name=field_name(key), span=f"E{rr}")
            sh.put(f"F{rr}", fields[money_key]["label"], "label", span=f"G{rr}")
            sh.put(f"H{rr}", _header_value(form, money_key), "input", "General", name=field_name(money_key), span=f"I{rr}")
        row += 2
        sh.put(f"A{row}", fields["period"]["label"], "label")
        sh.put(f"B{row}", _header_value(form, "period"), "input_left", name=field_name("period"), span=f"I{row}")
        return row + 1
    sh.put(f"A{row}", fields["project_name"]["label"], "label")
    sh.put(f"B{row}", _header_value(form, "project_name"), "input_left", name=field_name("project_name"), span=f"I{row}")
    row += 1
    sh.put(f"A{row}", fields["department"]["label"], "label")
    sh.put(f"B{row}", _header_value(form, "department"), "input_left", name=field_name("department"), span=f"E{row}")
    sh.put(f"F{row}", fields["unit"]["label"], "label")
    sh.put(f"G{row}", _header_value(form, "unit"), "input_left", name=field_name("unit"), span=f"I{row}")
    return row + 1


def _funds_block(sh: Sheet, profile: Profile, form: Form, view: SheetView, row: int, mode: str,
                 typed_scores: bool = False) -> int:
    spec = profile.data["funds"]["rows"]
    zhuzhou = profile.layout == "zhuzhou"
    rows = {fr.key: fr for fr in (form.funds if form else [])}
    head = row
    sh.put(f"A{head}", "年度项目资金（万元）" if zhuzhou else "项目资金（万元）", "label", span=f"A{head + len(spec)}")
    sh.put(f"B{head}", "年度资金总额" if zhuzhou else None, "head", span=f"C{head}")
    for col, text in zip("DEFGHI", ("年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                                    "得分（执行率×分值）" if zhuzhou else "得分")):
        sh.put(f"{col}{head}", text, "head")
    first = head + 1
    for i, item in enumerate(spec):
        r = first + i
        fr = rows.get(item["key"], FundsRow(item["key"], item["label"]))
        sh.put(f"B{r}", item["label"], "label" if i == 0 else "label_left", span=f"C{r}")
        for col, value in zip("DEF", (fr.initial, fr.budget, fr.executed)):
            sh.put(f"{col}{r}", value, "input", "General")
        if i == 0:
            weight = form.funds_weight if form and is_number(form.funds_weight) else profile.funds_weight
            sh.put(f"G{r}", weight, "input", "General", name="JX_FUNDS_WEIGHT")
            if mode == "udf":
                # blank, like the native formula, when there is no budget (validation says why)
                rate = f'=IF(COUNT(E{r},F{r})<2,"",IF(E{r}>0,JX_EXECRATE(F{r},E{r}),""))'
                score = f'=IF(H{r}="","",JX_EXECSCORE(F{r},E{r},G{r},JX_PROFILE))'
            else:
                rate, score = fx.exec_rate(f"F{r}", f"E{r}"), fx.exec_score(f"H{r}", f"G{r}", profile)
            reported = form.reported if typed_scores else {}
            values = view.udf if mode == "udf" else {"exec_rate": view.exec_rate, "exec_score": view.exec_score}
            rate = reported.get("exec_rate", Formula(rate, values["exec_rate"]))  # typed_scores: published numbers
            score = reported.get("exec_score", Formula(score, values["exec_score"]))
            sh.put(f"H{r}", rate, "computed", "0.00%", name="JX_EXEC_RATE")
            sh.put(f"I{r}", score, "computed", "0.00", name="JX_EXEC_SCORE")
        else:
            for col in "GHI":
                sh.put(f"{col}{r}", "—", "label")
    last = first + len(spec) - 1
    t = sh.title
    sh.names.update({"JX_FUNDS_LABEL": _range(t, f"B{first}", f"B{last}"),
                     "JX_FUNDS_INITIAL": _range(t, f"D{first}", f"D{last}"),
                     "JX_FUNDS_BUDGET": _range(t, f"E{first}", f"E{last}"),
                     "JX_FUNDS_EXECUTED": _range(t, f"F{first}", f"F{last}")})
    return last + 1


def _goals_block(sh: Sheet, profile: Profile, form: Form | None, row: int) -> int:
    texts = {t["key"]: t["label"] for t in profile.data["texts"]}
    sh.put(f"A{row}", "年度总体目标", "label", span=f"A{row + 1}")
    sh.put(f"B{row}", texts["goal_expected"], "head", span=f"E{row}")
    sh.put(f"F{row}", texts["goal_actual"], "head", span=f"I{row}")
    r = row + 1
    sh.put(f"B{r}", (form.texts.get("goal_expected") if form else None), "input_text",
           name=field_name("goal_expected"), span=f"E{r}")
    sh.put(f"F{r}", (form.texts.get("goal_actual") if form else None), "input_text",
           name=field_name("goal_actual"), span=f"I{r}")
    sh.min_heights[r] = 60
    return r + 1


# ---------------------------------------------------------------------------------------------------
# Blocks of the Suzhou form

def _suzhou_top(sh: Sheet, profile: Profile, form: Form, view: SheetView) -> int:
    sh.put("A1", profile.title, "title", span="G1")
    sh.min_heights[1] = 34
    amounts = form.amounts if form else {}
    head = {h["key"]: h["label"] for h in profile.data["header"]}
    sh.put("A2", head["project_name"], "label")
    sh.put("B2", _header_value(form, "project_name"), "input_left", name=field_name("project_name"), span="D2")
    sh.put("E2", head["project_year"], "label")
    sh.put("F2", _header_value(form, "project_year") or profile.year, "input", "0", name=field_name("project_year"), span="G2")
    sh.put("A3", head["department"], "label")
    sh.put("B3", _header_value(form, "department"), "input_left", name=field_name("department"), span="G3")
    # 市级预算执行情况
    sh.put("A4", "市级预算执行情况（万元）", "label", span="A5")
    sh.put("B4", "年初预算数", "head")
    sh.put("C4", "当年使用上年结余、结转及当年调整预算数", "head", span="D4")
    sh.put("E4", "财政拨款数", "head")
    sh.put("F4", "指标结余数", "head", span="G4")
    sh.put("B5", amounts.get("initial"), "input", "General", name="JX_SZ_INITIAL")
    sh.put("C5", amounts.get("adjustment"), "input", "General", name="JX_SZ_ADJUSTMENT", span="D5")
    sh.put("E5", amounts.get("appropriated"), "input", "General", name="JX_SZ_APPROPRIATED")
    # SUM, not N(): a blank counts 0 (N() of a blank cell is #NUM! in Gnumeric)
    sh.put("F5", Formula('=IF(COUNT(B5,C5,E5)=0,"",SUM(B5,C5)-SUM(E5))', view.amounts["balance"]), "computed",
           "General", name="JX_SZ_BALANCE", span="G5")
    # 市级财政资金使用情况
    sh.put("A6", "市级财政资金使用情况（万元）", "label", span="A8")
    sh.put("B6", "财政拨款数", "head", span="B7")
    sh.put("C6", "实际支付数", "head", span="C7")
    sh.put("D6", "资金结余、结转数", "head", span="D7")
    sh.put("E6", "其中：", "head", span="G6")
    sh.put("E7", "结转数", "head")
    sh.put("F7", "财政收回数", "head", span="G7")
    sh.put("B8", Formula('=IF(E5="","",E5)', view.amounts["appropriated"]), "computed", "General")
    sh.put("C8", amounts.get("paid"), "input", "General", name="JX_SZ_PAID")
    sh.put("D8", Formula('=IF(COUNT(E5,C8)=0,"",SUM(E5)-SUM(C8))', view.amounts["carry"]), "computed", "General",
           name="JX_SZ_CARRY")
    sh.put("E8", amounts.get("carryover"), "input", "General", name="JX_SZ_CARRYOVER")
    sh.put("F8", amounts.get("recovered"), "input", "General", name="JX_SZ_RECOVERED", span="G8")
    # 项目资金构成
    subs = list(form.subitems) if form and form.subitems else []
    n = max(len(subs), 3)
    row = 9
    sh.put(f"A{row}", "项目资金构成（详细列出各子项目名称和金额）", "label", span=f"A{row + n + 1}")
    sh.put(f"B{row}", "子项名称", "head", span=f"C{row}")
    sh.put(f"D{row}", "预算数（万元）", "head", span=f"E{row}")
    sh.put(f"F{row}", "实际数（万元）", "head", span=f"G{row}")
    first = row + 1
    for i in range(n):
        r = first + i
        item = subs[i] if i < len(subs) else None
        sh.put(f"B{r}", item.name if item else None, "input_left", span=f"C{r}")
        sh.put(f"D{r}", item.budget if item else None, "input", "General", span=f"E{r}")
        sh.put(f"F{r}", item.actual if item else None, "input", "General", span=f"G{r}")
    last = first + n - 1
    total_row = last + 1
    sh.put(f"B{total_row}", "合计", "label", span=f"C{total_row}")
    sh.put(f"D{total_row}", Formula(f'=IF(COUNT(D{first}:D{last})=0,"",SUM(D{first}:D{last}))',
                                    view.amounts["sub_budget"]), "computed", "General",
           name="JX_SUB_TOTAL_BUDGET", span=f"E{total_row}")
    sh.put(f"F{total_row}", Formula(f'=IF(COUNT(F{first}:F{last})=0,"",SUM(F{first}:F{last}))',
                                    view.amounts["sub_actual"]), "computed", "General",
           name="JX_SUB_TOTAL_ACTUAL", span=f"G{total_row}")
    t = sh.title
    sh.names.update({"JX_SUB_NAME": _range(t, f"B{first}", f"B{last}"),
                     "JX_SUB_BUDGET": _range(t, f"D{first}", f"D{last}"),
                     "JX_SUB_ACTUAL": _range(t, f"F{first}", f"F{last}")})
    return total_row + 1


def _suzhou_texts(sh: Sheet, profile: Profile, form: Form | None, row: int) -> int:
    sh.put(f"A{row}", "项目基本情况", "head", span=f"G{row}")
    row += 1
    for item in profile.data["texts"]:
        value = form.texts.get(item["key"]) if form else None
        sh.put(f"A{row}", item["label"], "label")
        sh.put(f"B{row}", value, "input_text", name=field_name(item["key"]), span=f"G{row}")
        sh.min_heights[row] = 48
        row += 1
    return row


# ---------------------------------------------------------------------------------------------------
# The indicator grid (both families)

def _text_refs(prefix: str, source: str, col: dict[str, str], r: int) -> tf.TextRefs:
    def chain(step: str) -> list[str]:
        keys = sorted((k for k in col if k.startswith(prefix + step) and k[len(prefix + step):].isdigit()),
                      key=lambda k: int(k[len(prefix + step):]))
        return [f"{col[k]}{r}" for k in keys] + [f"{col[prefix + step]}{r}"]
    return tf.TextRefs(source, chain("cleaned"), chain("marked"), *(f"{col[prefix + s]}{r}" for s in tf.STEPS))


ROW = "\x00"  # stands for the row number in a row's formula templates


def _row_formulas(rule, profile: Profile, g: dict, col: dict[str, str]) -> dict[str, str]:
    """The native formula of every computed helper cell of a grid row, by key, with ROW where the row
    number goes (one template per scoring rule; a row's formulas differ only in their row)."""
    r = ROW
    refs = fx.RowRefs(name=f"{g['name']}{r}", target=f"{g['target']}{r}", actual=f"{g['actual']}{r}",
                      **{k: f"{col[k]}{r}" for k in fx.RowRefs.__dataclass_fields__ if k not in ("name", "target", "actual")})
    t = _text_refs("t_", refs.target, col, r)
    a = _text_refs("a_", refs.actual, col, r)
    out: dict[str, str] = {}
    for prefix, text, as_target in (("t_", t, True), ("a_", a, False)):
        for key, formula in zip([k for k in col if k.startswith(prefix + "cleaned")], tf.cleaned(text)):
            out[key] = formula
        for key, formula in zip([k for k in col if k.startswith(prefix + "marked")], tf.marked(text)):
            out[key] = formula
        out.update({prefix + k: f for k, f in tf.steps(text, as_target).items()})
    target = tf.TargetCells(refs.t_value, refs.t_percent, f"{col['t_scale']}{r}")
    written = f"{col['a_written']}{r}"
    out.update(t_direction=tf.target_direction(t, rule.plain_number), t_percent=tf.percent_power(t),
               t_scale=tf.scale_power(t), t_value=tf.target_value(t, rule.range_target == "high", refs.t_percent),
               a_written=tf.actual_written(a), a_assumed=tf.actual_assumed(a, written, target),
               a_value=tf.actual_value(a, written, target, f"{col['a_assumed']}{r}"),
               a_level=tf.level_of_words(refs.a_cleaned),
               dir_used=fx.dir_used(refs, rule), t=fx.t_used(refs), a=fx.a_used(refs),
               completion=fx.completion(refs, rule), fraction=fx.fraction(refs, rule, profile))
    return out


ARRAY_KEYS = frozenset({f"{p}{s}" for p in ("t_", "a_") for s in tf.ARRAY_STEPS} | {"t_direction", "a_level", "fraction"})
HELPER_FORMATS = {"t": "General", "a": "General", "completion": "0.00%", "fraction": "0.0000"}


def _grid(sh: Sheet, profile: Profile, form: Form, view: SheetView, row: int, mode: str,
          typed_scores: bool) -> tuple[int, int, int]:
    g = GRIDS[family(profile)]
    t = sh.title
    suzhou = family(profile) == "suzhou"
    helpers = helper_columns(mode)
    col = {key: get_column_letter(column_index_from_string(g["helper"]) + i) for i, (key, _, _) in enumerate(helpers)}
    if mode == "udf":
        col["udf"] = get_column_letter(column_index_from_string(g["helper"]) + len(helpers))
    # header row
    head = row
    if suzhou:
        for c, text in zip("ABCDEFG", ("项目", "类别", "指标名称", "目标值", "权重", "实际完成值", "自评分")):
            sh.put(f"{c}{head}", text, "head")
        sh.put(f"{g['reason']}{head}", "情况说明（未完成、无数值的原因）", "helper_head")
    else:
        for c, text in zip("BCDEFGHI", ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值",
                                        "得分", "偏差原因分析及改进措施")):
            sh.put(f"{c}{head}", text, "head")
    for key, label, name in helpers:
        sh.put(f"{col[key]}{head}", label, "helper_head")
    if mode == "udf":
        sh.put(f"{col['udf']}{head}", "规则得分（JX_SCORES）", "helper_head")
    rows = form.indicators
    first = head + 1
    last = first + len(rows) - 1
    groups = form.weight_groups()
    head_of = {i: grp for grp in groups for i in grp[:1]}
    # merged labels: 一级 over its rows, 二级 over consecutive equal rows
    spans = _runs([r.level1 for r in rows])
    for start, end in spans:
        cat = profile.category(rows[start].level1)
        label = cat.label if suzhou else f"{cat.label}\n（{cat.weight:g}分）"
        sh.put(f"{g['l1']}{first + start}", label, "label", span=f"{g['l1']}{first + end}" if end > start else None)
    if not suzhou:
        for start, end in _runs([(r.level1, r.level2) for r in rows]):
            sh.put(f"C{first + start}", rows[start].level2 or None, "input",
                   span=f"C{first + end}" if end > start else None)
        sh.put(f"A{head}", "绩效指标", "label", span=f"A{last}")
    else:
        sh.put(f"A{head + 1}", f"项目绩效实现情况（{profile.max_total:g}分）", "label", span=f"A{last}")
    # Suzhou equal-split weights: the category's name cells
    block_of = {i: (s, e) for s, e in spans for i in range(s, e + 1)}
    split = profile.data.get("equal_split") or {}
    templates: dict[str, dict[str, str]] = {}
    for i, ind in enumerate(rows):
        r = first + i
        cat = profile.category(ind.level1)
        values = view.rows[i]
        sh.put(f"{g['name']}{r}", ind.name or None, "input_left")
        sh.put(f"{g['target']}{r}", ind.target, "input", "@")  # text as typed: "12月31日" stays text
        computed_actual = suzhou and ind.name == rate_indicator(profile)
        if computed_actual:
            rate = Formula(fx.suzhou_exec_rate("JX_SZ_INITIAL", "JX_SZ_ADJUSTMENT", "JX_SZ_APPROPRIATED"),
                           view.amounts.get("rate", ""))
            sh.put(f"{g['actual']}{r}", rate, "computed", "0.00%")
            sh.names["JX_SZ_EXEC_RATE"] = _range(t, f"{g['actual']}{r}")
        else:
            sh.put(f"{g['actual']}{r}", ind.actual, "input", "@")
        sh.put(f"{g['reason']}{r}", ind.explanation or None, "input_left" if not suzhou else "helper_input")
        # helper inputs (the prefilled form): the row's own, and what the formulas cannot read from the
        # texts but the rules can — recorded for the add-in's 重新计算, which refreshes them when the
        # texts change and keeps what the user typed
        bare = helper_values(replace(ind, direction="", target_value=None, actual_value=None), profile, computed_actual)
        for key, parsed in zip(("direction", "tvalue", "avalue"), bare):
            if parsed is not None:
                sh.state.append([f"{t}!{col[key]}{r}", str(ind.name or ""), parsed])
        sh.put(f"{col['direction']}{r}", ind.direction or None, "helper_input")
        sh.put(f"{col['tvalue']}{r}", ind.target_value, "helper_input", "General")
        if computed_actual:  # the computed rate is the row's 完成值（数值）: a fraction, read as it is
            sh.put(f"{col['avalue']}{r}", Formula(f"={g['actual']}{r}", view.amounts.get("rate", "")), "helper",
                   "General")
        else:
            sh.put(f"{col['avalue']}{r}", ind.actual_value, "helper_input", "General")
        sh.put(f"{col['level']}{r}", ind.level or None, "helper_input")
        if mode == "native":
            if cat.rule.name not in templates:
                templates[cat.rule.name] = _row_formulas(cat.rule, profile, g, col)
            for key, template in templates[cat.rule.name].items():
                formula = template.replace(ROW, str(r))
                value = values[key]
                if key in ARRAY_KEYS:
                    sh.array(f"{col[key]}{r}", f"{col[key]}{r}", Formula(formula, [value]), "helper",
                             HELPER_FORMATS.get(key))
                else:
                    sh.put(f"{col[key]}{r}", Formula(formula, value), "helper", HELPER_FORMATS.get(key, "General"),
                           fit=False)
        # weight and score, once per weight group (merged over the group)
        if i in head_of:
            grp = head_of[i]
            end = first + grp[-1]
            span_w = f"{g['weight']}{end}" if len(grp) > 1 else None
            span_s = f"{g['score']}{end}" if len(grp) > 1 else None
            weight = ind.weight
            if suzhou and profile.data.get("weights_mode") == "equal_split" and not cat.fixed_indicators:
                s, e = block_of[i]
                block = f"${g['name']}${first + s}:${g['name']}${first + e}"
                upto = f"${g['name']}${first + s}:{g['name']}{r}"
                weight = Formula(fx.equal_split_weight(pname("cat", cat.key), f"{g['name']}{r}", block, upto,
                                                       split.get("remainder", "middle"), split.get("decimals", 2)),
                                 view.weights.get(i, ""))
                sh.put(f"{g['weight']}{r}", weight, "computed", "General", span=span_w)
            else:
                sh.put(f"{g['weight']}{r}", weight, "input", "General", span=span_w)
            if typed_scores and ind.reported_score is not None:
                score = ind.reported_score
            elif mode == "udf":
                score = Formula(f"={col['udf']}{r}", view.udf_scores[i])
            else:
                frac = col["fraction"]
                score = Formula(fx.group_score(f"{g['weight']}{r}", f"{frac}{r}:{frac}{end}", profile),
                                view.scores[i])
            sh.put(f"{g['score']}{r}", score, "computed", "0.00", span=span_s)
    if mode == "udf":
        c, l1 = col["udf"], g["l1"]
        formula = (f"=JX_SCORES({g['target']}{first}:{g['target']}{last},{g['actual']}{first}:{g['actual']}{last},"
                   f"{g['weight']}{first}:{g['weight']}{last},JX_PROFILE,{l1}{first}:{l1}{last},"
                   f"{col['direction']}{first}:{col['direction']}{last},"
                   f"{col['level']}{first}:{col['level']}{last},"
                   f"{col['tvalue']}{first}:{col['tvalue']}{last},"
                   f"{col['avalue']}{first}:{col['avalue']}{last},"
                   f"{g['name']}{first}:{g['name']}{last})")
        sh.array(f"{c}{first}", f"{c}{last}", Formula(formula, list(view.udf_scores)), "helper", "0.00")
    names = {"JX_IND_L1": g["l1"], "JX_IND_NAME": g["name"], "JX_IND_TARGET": g["target"],
             "JX_IND_ACTUAL": g["actual"], "JX_IND_WEIGHT": g["weight"], "JX_IND_SCORE": g["score"],
             "JX_IND_REASON": g["reason"]}
    if g["l2"]:
        names["JX_IND_L2"] = g["l2"]
    for key, label, name in helpers:
        if name:
            names[name] = col[key]
    if mode == "udf":
        names["JX_IND_UDF"] = col["udf"]
    for name, c in names.items():
        sh.names[name] = _range(t, f"{c}{first}", f"{c}{last}")
    return head, first, last


def _runs(values: list) -> list[tuple[int, int]]:
    """(start, end) index runs of equal consecutive values."""
    runs, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((start, i - 1))
            start = i
    return runs


def _totals(sh: Sheet, profile: Profile, form: Form, view: SheetView, row: int, first: int, last: int, mode: str,
            typed_scores: bool) -> int:
    g = GRIDS[family(profile)]
    w, s = g["weight"], g["score"]
    suzhou = family(profile) == "suzhou"
    score_refs = [f"{s}{first}:{s}{last}"]
    weight_refs = [f"{w}{first}:{w}{last}"]
    if not suzhou:
        score_refs.insert(0, "JX_EXEC_SCORE")
        weight_refs.insert(0, "JX_FUNDS_WEIGHT")
    reported = form.reported if typed_scores else {}
    sh.min_heights[row] = TOTAL_ROW_HEIGHT  # room for "待定（n项未计分）" on two lines
    total_weight = Formula(f"=SUM({','.join(weight_refs)})", view.total_weight)
    if suzhou:
        sh.put(f"A{row}", "合计", "head", span=f"D{row}")
        sh.put(f"{w}{row}", total_weight, "computed_bold", "General", name="JX_TOTAL_WEIGHT")
        sh.put(f"F{row}", None, "label")
    else:
        sh.put(f"A{row}", "总分", "head", span=f"F{row}")
        sh.put(f"{w}{row}", total_weight, "computed_bold", "General", name="JX_TOTAL_WEIGHT")
    if "total" in reported:
        total = reported["total"]
    elif mode == "udf":
        total = Formula(f'=IF(COUNT({",".join(score_refs)})=0,"",JX_TOTAL({score_refs[-1]}'
                        f'{"," + score_refs[0] if not suzhou else ""}))', view.udf["total"])
    else:
        total = Formula(fx.total(score_refs, score_refs[-1], profile), view.total)
    sh.put(f"{s}{row}", total, "computed_bold", "0.00", name="JX_TOTAL_SCORE")
    total_ref = f"{s}{row}"
    if "grade" in reported:
        grade = reported["grade"]
    elif mode == "udf":
        grade = Formula(f'=IF({total_ref}="","",JX_GRADE({total_ref},JX_PROFILE))', view.udf["grade"])
    else:
        grade = Formula(fx.grade(total_ref, profile), view.grade)
    if suzhou:
        row += 1
        sh.put(f"A{row}", "自评等级（按得分率折算）", "head", span=f"F{row}")
        sh.put(f"G{row}", grade, "computed_bold", name="JX_TOTAL_GRADE")
    else:
        sh.put(f"I{row}", grade, "computed_bold", '"等级："@', name="JX_TOTAL_GRADE")
    return row + 1


def _notes(sh: Sheet, profile: Profile, row: int, last: str, prefix: str) -> int:
    notes = profile.data.get("notes") or []
    if not notes:
        return row
    text = prefix + "\n".join(notes)
    sh.put(f"A{row}", text, "note", span=f"{last}{row}")
    return row + 1


# ---------------------------------------------------------------------------------------------------
# Sheet-level finishing: validation, conditional formats, protection, print setup

def _input_rules(sh: Sheet, profile: Profile, first: int, last: int, funds_ranges: list[str]):
    g = GRIDS[family(profile)]
    helper = column_index_from_string(g["helper"])
    dcol, tcol, acol, lcol = (get_column_letter(helper + i) for i in range(4))
    amount = dict(validate="decimal", criteria=">=", value=0, ignore_blank=True,
                  error_title="金额有误", error_message="请填写大于或等于0的数字（单位：万元），不要带“万元”等文字。",
                  input_title="金额（万元）", input_message="只填数字，单位为万元。")
    signed = dict(validate="decimal", criteria="between", minimum=-1e15, maximum=1e15, ignore_blank=True,
                  show_input=False, error_title="金额有误", error_message="请填写数字（单位：万元），调减填负数。")
    weight = dict(validate="decimal", criteria="between", minimum=0, maximum=profile.max_total,
                  ignore_blank=True, show_input=False, error_title="分值有误",
                  error_message=f"分值应为0到{profile.max_total:g}之间的数字。")
    direction = dict(validate="list", source="=JX_P_DIRECTIONS", ignore_blank=True,
                     error_title="指标方向", error_message="请从下拉列表选择：正向、反向、等于或定性；留空则按指标值自动判断。",
                     input_title="指标方向", input_message="正向：越大越好；反向：越小越好；等于；定性。留空自动判断。")
    level = dict(validate="list", source="=JX_P_LEVEL_LIST", ignore_blank=True,
                 error_title="定性档次", error_message="请从下拉列表选择定性指标的完成档次。",
                 input_title="定性档次", input_message="定性指标按所选档次计分。")
    number = dict(validate="decimal", criteria="between", minimum=-1e15, maximum=1e15, ignore_blank=True,
                  show_input=False, error_title="数值有误", error_message="这一列只填数字；百分数可填 95% 或 0.95。")
    ranges = {"amount": [], "signed": []}
    for rng in funds_ranges:
        ranges["signed" if rng.startswith("!") else "amount"].append(rng.lstrip("!"))
    for rule, where in ((amount, ranges["amount"]), (signed, ranges["signed"]),
                        (weight, [f"{g['weight']}{first}:{g['weight']}{last}"]),
                        (direction, [f"{dcol}{first}:{dcol}{last}"]), (level, [f"{lcol}{first}:{lcol}{last}"]),
                        (number, [f"{tcol}{first}:{acol}{last}"])):
        if where:  # one rule over all its ranges
            sh.ws.data_validation(where[0], {**rule, "multi_range": " ".join(where)})


def _mark(sh: Sheet, rng: str, formula: str, color: str):
    """A conditional fill on `rng` where `formula` (relative to its first cell) is true."""
    sh.ws.conditional_format(rng, {"type": "formula", "criteria": formula, "format": sh.book.fmt(bg_color=color)})


RED, ORANGE, YELLOW = "#F4B6B6", "#FCD9A8", "#FFF2A8"
TOTAL_ROW_HEIGHT = 30


def _marks(sh: Sheet, profile: Profile, first: int, last: int, mode: str):
    g = GRIDS[family(profile)]
    w, s, why = g["weight"], g["score"], g["reason"]
    reason_rng = f"{why}{first}:{why}{last}"
    if family(profile) == "national":  # a score below its weight needs 偏差原因分析及改进措施 (rule I04)
        _mark(sh, reason_rng, f'AND(ISNUMBER(${s}{first}),ISNUMBER(${w}{first}),${s}{first}<${w}{first},TRIM(${why}{first})="")',
              RED)
    else:  # 苏州: an indicator with no value needs an explanation (填表说明 4, rule I12)
        a = g["actual"]
        _mark(sh, reason_rng, f'AND(JX_STARTED,${g["name"]}{first}<>"",${a}{first}="",TRIM(${why}{first})="")', RED)
    if mode == "native" and profile.overachievement and profile.overachievement_needs_explanation:
        comp = _helper_letters(profile, mode)["completion"]
        _mark(sh, reason_rng, f'AND(ISNUMBER(${comp}{first}),${comp}{first}>={pname("over")},TRIM(${why}{first})="")',
              ORANGE)
    if mode == "native":
        _unread_marks(sh, profile, g, first, last)
    if family(profile) == "national":
        rate = sh.names["JX_EXEC_RATE"]
        _mark(sh, rate, f'AND(ISNUMBER({rate}),{rate}<{pname("low_rate")})', ORANGE)


def _helper_letters(profile: Profile, mode: str) -> dict[str, str]:
    h = column_index_from_string(GRIDS[family(profile)]["helper"])
    return {key: get_column_letter(h + i) for i, (key, _, _) in enumerate(helper_columns(mode))}


def _unread_marks(sh: Sheet, profile: Profile, g: dict, first: int, last: int):
    """Orange on the helper cells a row waits for (its score shows 待定): 指标方向 and 指标值（数值）for a
    target the formulas cannot read, 指标值（数值）for a text target scored as a quantity, 完成值（数值）
    for an actual the formulas cannot read, 定性档次 for a qualitative actual worded unlike its target;
    yellow on an actual whose unit was assumed (百分点 / 元). The 填表说明 sheet says what to fill in."""
    col = _helper_letters(profile, "native")
    r = first
    used, frac = f"${col['dir_used']}{r}", f"${col['fraction']}{r}"
    quantitative = f'OR({used}="正向",{used}="反向",{used}="等于")'
    rules = [
        (f"{col['direction']}{first}:{col['tvalue']}{last}", f'{used}="{fx.UNRESOLVED}"', ORANGE),
        (f"{col['tvalue']}{first}:{col['tvalue']}{last}",
         f'AND({quantitative},${col["tvalue"]}{r}="",OR(${col["t_status"]}{r}="{tf.WORDS}",'
         f'${col["t_status"]}{r}="{tf.UNREAD}"))', ORANGE),
        (f"{col['avalue']}{first}:{col['avalue']}{last}",
         f'AND({quantitative},{frac}="{fx.WAITING}",${col["a_status"]}{r}="{tf.UNREAD}")', ORANGE),
        (f"{col['level']}{first}:{col['level']}{last}", f'AND({used}="定性",{frac}="{fx.WAITING}")', ORANGE),
        (f"{g['actual']}{first}:{g['actual']}{last}", f'${col["a_assumed"]}{r}<>""', YELLOW),
    ]
    for rng, formula, color in rules:
        _mark(sh, rng, formula, color)


def _protect_and_print(sh: Sheet, profile: Profile, head: int, last_row: int, mode: str):
    ws = sh.ws
    g = GRIDS[family(profile)]
    _protect(ws, format_rows_and_columns=True)
    ws.print_area(f"A1:{g['last']}{last_row}")
    ws.repeat_rows(head - 1)
    ws.set_paper(9)  # A4
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.print_black_and_white()  # input fills are for the screen
    ws.center_horizontally()
    _margins(ws, 0.5, 0.5, 0.6, 0.7, footer='&C&"宋体"&9 第 &P 页，共 &N 页')
    ws.hide_gridlines(2)
    # helper columns: grouped to the right of the print area; the computed ones collapsed
    start = column_index_from_string(g["helper"])
    count = len(helper_columns(mode)) + (mode == "udf")
    for i in range(count):
        computed = i >= HELPER_COUNT_INPUTS
        sh.set_width(get_column_letter(start + i), 10, hidden=computed, level=int(computed))


def _margins(ws, left: float, right: float, top: float, bottom: float, footer: str = ""):
    """Page margins in inches; header and footer 0.5 inch from the edge."""
    ws.set_margins(left=left, right=right, top=top, bottom=bottom)
    ws.set_header("", margin=0.5)
    ws.set_footer(footer, margin=0.5)


def _guide_sheet(book: Book, profile: Profile, mode: str):
    from .guide import guide_lines
    sh = Sheet(book, book.sheet(GUIDE_SHEET))
    sh.set_width("A", 84)  # one A4 portrait page wide at 100%
    lines = guide_lines(profile, mode)
    for r, (kind, text) in enumerate(lines, 1):
        # the title row keeps the height the spreadsheet gives it
        sh.put(f"A{r}", text, {"h1": "guide_title", "h2": "guide_head", "p": "guide_text"}[kind], fit=kind != "h1")
    sh.fit_rows()
    _protect(sh.ws)
    sh.ws.set_paper(9)
    sh.ws.set_portrait()
    _margins(sh.ws, 0.6, 0.6, 1, 1)
    sh.ws.print_area(f"A1:A{len(lines)}")
    sh.ws.hide_gridlines(2)


def _state_sheet(book: Book, rows: list[list]) -> None:
    """The very hidden jixiao_state sheet (jixiao.engine.contract) with the builder's pre-fill; the
    add-in's 重新计算 rewrites it (jixiao.addin.book_openpyxl / book_xlwings)."""
    sh = Sheet(book, book.sheet(STATE_SHEET))
    sh.ws.very_hidden()
    _margins(sh.ws, 0.75, 0.75, 1, 1)
    sh.cell("A1", STATE_NOTE)
    for r, values in enumerate([STATE_HEADER, *rows], 2):
        for col, value in enumerate(values, 1):
            sh.cell(f"{get_column_letter(col)}{r}", value)


# ---------------------------------------------------------------------------------------------------

def prefilled(form: Form, profile: Profile) -> Form:
    """The form with the helper inputs the template writes: each row's own direction / target_value /
    actual_value, and what its formulas cannot read from the texts but the rules can
    (jixiao.engine.scoring.helper_values). The sheet computes on these, so its values do too."""
    rows = []
    for ind in form.indicators:
        computed = profile.layout == "suzhou" and ind.name == rate_indicator(profile)
        direction, tvalue, avalue = helper_values(ind, profile, computed)
        rows.append(replace(ind, direction=direction or "", target_value=tvalue, actual_value=avalue))
    return replace(form, indicators=rows)


def _udf_values(profile: Profile, form: Form, view: SheetView) -> None:
    """udf mode: the values the JX_ functions give in the sheet (they are plain Python here), for the
    cached values; the same arguments as the formulas pass."""
    from jixiao.udfs import functions as f

    groups = {g[0]: g for g in form.weight_groups()}
    spans = {start for start, _ in _runs([r.level1 for r in form.indicators])}
    computed = scoring_inputs(form, profile)
    col = lambda get: [get(i, ind) for i, ind in enumerate(computed.indicators)]  # noqa: E731
    weights = col(lambda i, ind: (view.weights.get(i, ind.weight) if i in groups else None))
    labels = col(lambda i, ind: (_l1_label(profile, ind.level1) if i in spans else None))
    scores = f.JX_SCORES(col(lambda i, ind: ind.target), col(lambda i, ind: ind.actual), weights, profile.name,
                         labels, col(lambda i, ind: ind.direction or None), col(lambda i, ind: ind.level or None),
                         col(lambda i, ind: ind.target_value), col(lambda i, ind: ind.actual_value),
                         col(lambda i, ind: ind.name or None))
    view.udf_scores = [row[0] for row in scores] if isinstance(scores, list) else [scores] * len(form.indicators)
    scored = [v for i, v in enumerate(view.udf_scores) if i in groups]
    out = {}
    if profile.layout != "suzhou":
        total = form.funds_total or None
        budget, executed = (total.budget, total.executed) if total else (None, None)
        weight = form.funds_weight if is_number(form.funds_weight) else profile.funds_weight
        rate = "" if not (is_number(budget) and is_number(executed)) or float(budget) <= 0 \
            else f.JX_EXECRATE(executed, budget)
        out["exec_rate"] = rate
        out["exec_score"] = "" if rate == "" else f.JX_EXECSCORE(executed, budget, weight, profile.name)
        more = [out["exec_score"]]
    else:
        more = []
    counted = [v for v in [*more, *scored] if is_number(v)]
    out["total"] = "" if not counted else f.JX_TOTAL(scored, more or None)
    out["grade"] = "" if out["total"] == "" else f.JX_GRADE(out["total"], profile.name)
    view.udf = out


def scoring_inputs(form: Form, profile: Profile) -> Form:
    from jixiao.engine.scoring import with_computed_inputs
    return with_computed_inputs(form, profile)


def _l1_label(profile: Profile, level1: str) -> str:
    cat = profile.category(level1)
    return cat.label if family(profile) == "suzhou" else f"{cat.label}\n（{cat.weight:g}分）"


def build_workbook(profile: Profile, form: Form | None = None, mode: str = "native",
                   typed_scores: bool = False) -> Book:
    """The profile's form as a new workbook (`Book`: `.save(path)`, `.bytes()`): blank when `form` is
    None, else filled with its data. Every formula cell carries the value it computes (templates/
    sheetview.py). `typed_scores` writes the form's reported scores as typed numbers instead of
    formulas (what a hand-filled form looks like; used to show and test the validator)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    form = form or Form(profile.name, profile.year)
    if not form.indicators:
        form = replace(form, indicators=_placeholder_rows(profile))
    filled = prefilled(form, profile)
    view = sheet_view(profile, filled)
    if mode == "udf":
        _udf_values(profile, filled, view)
    book = Book()
    sh = Sheet(book, book.sheet(profile.title[:31]))
    fam = family(profile)
    for col, width in (SUZHOU_WIDTHS if fam == "suzhou" else NATIONAL_WIDTHS).items():
        sh.set_width(col, width)
    funds_ranges: list[str] = []
    if fam == "suzhou":
        row = _suzhou_top(sh, profile, form, view)
        subs = [sh.names[n].split("!")[1].replace("$", "") for n in ("JX_SUB_BUDGET", "JX_SUB_ACTUAL")]
        funds_ranges = ["B5", "!C5", "E5", "C8", "E8", "F8", *subs]
        head, first, last = _grid(sh, profile, filled, view, row, mode, typed_scores)
        row = _totals(sh, profile, form, view, last + 1, first, last, mode, typed_scores)
        row = _notes(sh, profile, row, "G", "填表说明：")
        row = _suzhou_texts(sh, profile, form, row)
        last_row = row - 1
    else:
        _title(sh, profile, "I")
        row = _national_header(sh, profile, form)
        funds_first = row + 1
        row = _funds_block(sh, profile, form, view, row, mode, typed_scores)
        funds_ranges = [f"D{funds_first}:F{row - 1}"]
        row = _goals_block(sh, profile, form, row)
        head, first, last = _grid(sh, profile, filled, view, row, mode, typed_scores)
        row = _totals(sh, profile, form, view, last + 1, first, last, mode, typed_scores)
        last_row = _notes(sh, profile, row, "I", "备注：" if profile.layout == "zhuzhou" else "注：") - 1
    executed = "JX_FUNDS_EXECUTED" if fam != "suzhou" else None
    started = Formula(fx.started("JX_IND_ACTUAL", "JX_IND_AVALUE", executed), view.started)
    names = _param_sheet(book, profile, mode, started)
    names.update(sh.names)
    for name, ref in names.items():
        if "!" not in ref:
            ref = _range(sh.title, *ref.split(":"))
        book.define_name(name, ref)
    _input_rules(sh, profile, first, last, funds_ranges)
    _marks(sh, profile, first, last, mode)
    sh.fit_rows()
    _protect_and_print(sh, profile, head, last_row, mode)
    _guide_sheet(book, profile, mode)
    _state_sheet(book, sh.state)
    return book


def save_workbook(book: Book, path: Path) -> Path:
    """Save atomically: never a half-written file (jixiao.engine.files.atomic_output)."""
    return book.save(path)
