"""Draws a profile's official self-evaluation form into a new workbook, blank or filled.

The layout is data (templates/layouts/<name>.yaml, read by jixiao.engine.layouts), drawn by one generic
drawer per kind of block (fixed rows, the funds table, growing lists, the indicator grid, notes); no
code per region. Every region the code reads or writes gets its JX_ defined name (jixiao.engine.contract),
every computed cell a formula (jixiao.templates.formulas: native, or the JX_ UDFs in udf mode).
The cells go through `Sheet.put` into XlsxWriter (jixiao.templates.xlsx): a `Formula` is a formula (with its
cached value when one is given), any other value is written as what it is, text always as text.
"""
from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from jixiao import __version__ as JIXIAO_VERSION
from . import formulas as fx
from jixiao.engine.layouts import block as block_of, has_funds, load_layout
from jixiao.engine.contract import STATE_HEADER, STATE_NOTE, STATE_SHEET, field_name, params, pname
from jixiao.engine import scoring
from jixiao.engine.scoring import exec_base, helper_values, rate_indicator
from jixiao.engine.excel import is_number, xround
from jixiao.engine import nature
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


COMPOSED = (("t_text", "指标值（含性质、单位）", None), ("a_text", "完成值（含单位）", None),
            ("dir_in", "指标方向（含性质）", None))


def helper_columns(mode: str, composed: bool = False) -> list[tuple[str, str, str | None]]:
    """(key, heading, defined name) of the helper columns right of the print area: the four inputs,
    (a grid with 指标性质 / 度量单位 columns) the texts they compose (jixiao.engine.nature), then
    (native mode) the scoring steps and every step of reading the target and the actual text."""
    inputs = [*HELPER_INPUTS, *(COMPOSED if composed else ())]
    if mode != "native":
        return inputs
    return [*inputs, *HELPER_SCORING,
            *_reading_columns("t_", "指标值"), *((k, h, None) for k, h in TARGET_RESULTS),
            *_reading_columns("a_", "完成值"), *((k, h, None) for k, h in ACTUAL_RESULTS)]


HELPER_COUNT_INPUTS = len(HELPER_INPUTS)
UNSET_WIDTH = 13  # what the row-height estimate takes for a column whose width is set later (helper columns)


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
# The generic drawer: a layout (templates/layouts/<name>.yaml, jixiao.engine.layouts) block by block

@dataclass
class Draw:
    """What every block drawer needs, and what the blocks learn for those after them."""

    sh: Sheet
    profile: Profile
    form: Form                  # the form as given
    filled: Form                # with the helper inputs the template writes (prefilled)
    view: SheetView
    mode: str
    typed_scores: bool
    layout: dict
    grid: dict = field(default_factory=dict)     # the grid's columns by key, once drawn
    head: int = 0                                # the grid's head row, first and last indicator rows
    first: int = 0
    last: int = 0
    inputs: dict[str, list[str]] = field(default_factory=lambda: {"amount": [], "signed": []})  # validated ranges

    @property
    def funds(self) -> bool:
        return has_funds(self.layout)


def _text(d: Draw, text: str) -> str:
    """A layout text with its placeholders: {title}, {year}, {max_total}, {funds_weight} (the funds
    block's weight), {grid_weight} (the 一级指标 weights together)."""
    p = d.profile
    for key, value in (("{title}", p.title), ("{year}", str(p.year)), ("{max_total}", f"{p.max_total:g}"),
                       ("{funds_weight}", f"{p.funds_weight:g}"),
                       ("{grid_weight}", f"{sum(c.weight for c in p.categories):g}")):
        text = text.replace(key, value)
    return text


def _labels(profile: Profile, part: str) -> dict[str, str]:
    return {item["key"]: item["label"] for item in profile.data.get(part) or []}


_PLACEHOLDER = re.compile(r"\{(JX_[A-Z0-9_]+)\}")


def _local(sh: Sheet, name: str) -> str:
    """The cell or range a name was given on this sheet, as a relative A1 reference ("B5", "D10:D12")."""
    return sh.names[name].split("!")[-1].replace("$", "")


def _cell_content(d: Draw, cell: dict, item: dict | None) -> tuple[object, str | None]:
    """(value, defined name) of a layout cell."""
    name = cell.get("name")
    if "text" in cell:
        return _text(d, cell["text"]), name
    if "label" in cell:
        part, _, key = cell["label"].partition(".")
        return _labels(d.profile, part)[key], name
    if "field" in cell:
        part, _, key = cell["field"].partition(".")
        if part == "amounts":
            return d.form.amounts.get(key), name
        value = (d.form.header if part == "header" else d.form.texts).get(key)
        if not value and cell.get("default") == "year":
            value = d.profile.year
        return value, name or field_name(key)
    if "item" in cell:
        return (item or {}).get(cell["item"]), (item or {}).get("_name") if cell["item"] == "value" else None
    if "formula" in cell:
        computed = cell["value"].partition(".")[2] if "value" in cell else ""
        if d.typed_scores and computed in d.form.reported:   # a published 指标结余数, 资金结余结转数
            return d.form.reported[computed], name
        text = _PLACEHOLDER.sub(lambda m: _local(d.sh, m.group(1)), cell["formula"])
        value = d.view.amounts.get(computed, "") if "value" in cell else None
        return Formula(text, value), name
    if "computed" in cell:
        return _computed(d, cell["computed"]), name or COMPUTED_NAMES[cell["computed"]]
    return None, name


def _put_cell(d: Draw, cell: dict, r: int, item: dict | None = None, named: bool = True) -> None:
    col = cell["col"]
    span = f"{cell.get('to', col)}{r + cell.get('down', 0)}" if ("to" in cell or "down" in cell) else None
    value, name = _cell_content(d, cell, item)
    if not named and name == cell.get("name"):  # a list's column name spans all its rows (_list_block)
        name = None
    d.sh.put(f"{col}{r}", value, cell.get("style", "label"), cell.get("format"), name=name, span=span)
    if named and "validate" in cell:
        d.inputs[cell["validate"]].append(f"{col}{r}")


def _put_side(d: Draw, side: dict, top: int, bottom: int) -> None:
    """A label merged down the left of a block."""
    col = side["col"]
    d.sh.put(f"{col}{top}", _text(d, side["text"]), side.get("style", "label"),
             span=f"{col}{bottom}" if bottom > top else None)


def _rows_block(d: Draw, rows: list[dict], row: int) -> int:
    for spec in rows:
        if "height" in spec:
            d.sh.min_heights[row] = spec["height"]
        for cell in spec["cells"]:
            _put_cell(d, cell, row)
        row += 1
    return row


def _list_block(d: Draw, body: dict, row: int) -> int:
    """Rows that grow with the data: the form's 子项 (subitems) or the profile's texts, one row each;
    a cell's `name` spans the column of every item row."""
    if body["of"] == "subitems":
        items = [{"name": s.name, "budget": s.budget, "actual": s.actual} for s in d.form.subitems]
    else:
        wanted = body.get("keys")
        items = [{"label": t["label"], "value": d.form.texts.get(t["key"]), "_name": field_name(t["key"])}
                 for t in d.profile.data.get("texts") or [] if wanted is None or t["key"] in wanted]
    n = max(len(items), body.get("min", 0))
    if "side" in body:
        _put_side(d, body["side"], row, row + ("head" in body) + n + ("foot" in body) - 1)
    if "head" in body:
        row = _rows_block(d, [body["head"]], row)
    first = row
    for i in range(n):
        row = _rows_block_item(d, body["row"], row, items[i] if i < len(items) else None)
    for cell in body["row"]["cells"]:
        rng = f"{cell['col']}{first}:{cell['col']}{row - 1}"
        if "name" in cell:
            d.sh.names[cell["name"]] = rng
        if "validate" in cell:
            d.inputs[cell["validate"]].append(rng)
    if "foot" in body:
        row = _rows_block(d, [body["foot"]], row)
    return row


def _rows_block_item(d: Draw, spec: dict, row: int, item: dict | None) -> int:
    if "height" in spec:
        d.sh.min_heights[row] = spec["height"]
    for cell in spec["cells"]:
        _put_cell(d, cell, row, item, named=False)
    return row + 1


def _funds_block(d: Draw, body: dict, row: int) -> int:
    """The funds table: a head row, then one row per profile funds row (the total first: its weight,
    execution rate and score; the 其中 rows show a dash there), then the `foot` rows. A column may
    span two ("E:F"); 年度预算调整 (adjustment) is computed: 调整后预算 − 年初预算."""
    sh, profile, form, view = d.sh, d.profile, d.form, d.view
    spec = profile.data["funds"]["rows"]
    cols = {k: tuple(v.split(":")) for k, v in body["columns"].items()}  # key -> (first, last) column
    at = {k: c[0] for k, c in cols.items()}

    def put(key: str, r: int, value, style: str, fmt: str | None = None, name: str | None = None):
        first, last = cols[key][0], cols[key][-1]
        sh.put(f"{first}{r}", value, style, fmt, name=name, span=f"{last}{r}" if last != first else None)

    rows = {fr.key: fr for fr in form.funds}
    head = row
    foot = (body.get("foot") or {}).get("cells")
    _put_side(d, body["side"], head, head + len(spec) + (1 if foot else 0))
    for cell in body["head"]:
        _put_cell(d, cell, head)
    first = head + 1
    label = body["label"]
    amounts = [k for k in ("initial", "budget", "executed") if k in cols]
    for i, item in enumerate(spec):
        r = first + i
        fr = rows.get(item["key"], FundsRow(item["key"], item["label"]))
        sh.put(f"{label['col']}{r}", item["label"], "label" if i == 0 else "label_left",
               span=f"{label['to']}{r}" if "to" in label else None)
        for key in ("initial", "adjustment", "budget", "executed"):
            if key == "adjustment" and key in cols:
                put(key, r, Formula(fx.adjustment(f"{at['initial']}{r}", f"{at['budget']}{r}"),
                                    _difference(fr.budget, fr.initial)), "computed", "General")
            elif key in cols:
                put(key, r, getattr(fr, key), "input", "General")
        w, rate_c, score_c = (f"{at[k]}{r}" for k in ("weight", "rate", "score"))
        if i == 0:
            # 执行率 divides by the profile's denominator (funds.denominator: 全年预算数 / 调整后预算数 or 年初预算数)
            budget, executed = f"{at[profile.denominator]}{r}", f"{at['executed']}{r}"
            weight = form.funds_weight if is_number(form.funds_weight) else profile.funds_weight
            if profile.funds_scored:
                put("weight", r, weight, "input", "General", name="JX_FUNDS_WEIGHT")
            else:   # the execution rate is shown, not scored (funds.scored: false): no 分值, no 得分
                put("weight", r, "不计分", "label")
            if d.mode == "udf":
                # blank, like the native formula, when there is no budget (validation says why)
                rate = (f'=IF(COUNT({budget},{executed})<2,"",IF({budget}>0,JX_EXECRATE({executed},{budget}),""))')
                score = f'=IF({rate_c}="","",JX_EXECSCORE({executed},{budget},{w},JX_PROFILE))'
            else:
                rate, score = fx.exec_rate(executed, budget), fx.exec_score(rate_c, w, profile)
            reported = form.reported if d.typed_scores else {}
            values = view.udf if d.mode == "udf" else {"exec_rate": view.exec_rate, "exec_score": view.exec_score}
            rate = reported.get("exec_rate", Formula(rate, values["exec_rate"]))  # typed_scores: published numbers
            score = reported.get("exec_score", Formula(score, values["exec_score"]))
            put("rate", r, rate, "computed", "0.00%", name="JX_EXEC_RATE")
            if profile.funds_scored:
                put("score", r, score, "computed", "0.00", name="JX_EXEC_SCORE")
            else:
                put("score", r, body.get("dash", "—"), "label")
        else:
            for key in ("weight", "rate", "score"):
                put(key, r, body.get("dash", "—"), "label")
    last = first + len(spec) - 1
    t = sh.title
    sh.names["JX_FUNDS_LABEL"] = _range(t, f"{label['col']}{first}", f"{label['col']}{last}")
    for key in amounts:
        sh.names[f"JX_FUNDS_{key.upper()}"] = _range(t, f"{at[key]}{first}", f"{at[key]}{last}")
    for run in _column_runs([at[k] for k in amounts]):  # one range per run of adjacent columns
        d.inputs["amount"].append(f"{run[0]}{first}:{run[-1]}{last}")
    row = last + 1
    if foot:
        row = _rows_block(d, [body["foot"]], row)
    return row


def _difference(budget, initial):
    """What fx.adjustment shows: 调整后预算 − 年初预算, blank unless both are numbers."""
    return float(budget) - float(initial) if is_number(budget) and is_number(initial) else ""


def _column_runs(letters: list[str]) -> list[list[str]]:
    runs: list[list[str]] = []
    for c in letters:
        if runs and column_index_from_string(c) == column_index_from_string(runs[-1][-1]) + 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return runs


def _notes_block(d: Draw, body: dict, row: int) -> int:
    notes = d.profile.data.get("notes") or []
    if not notes:
        return row
    d.sh.put(f"A{row}", body["prefix"] + "\n".join(notes), "note", span=f"{body['to']}{row}")
    return row + 1


def _grid_block(d: Draw, body: dict, row: int) -> int:
    d.grid = {**body["columns"], "helper": body["helper"]}
    d.head, d.first, d.last = _grid(d, body, row)
    return d.last + 1


COMPUTED_NAMES = {"total_weight": "JX_TOTAL_WEIGHT", "total": "JX_TOTAL_SCORE", "grade": "JX_TOTAL_GRADE"}
BLOCKS = {"rows": _rows_block, "list": _list_block, "funds": _funds_block, "grid": _grid_block,
          "notes": _notes_block}


def _computed(d: Draw, key: str):
    """The totals' computed cells: 总分值, 总分, 等级 (a published number instead, with typed_scores)."""
    g, first, last, view, profile = d.grid, d.first, d.last, d.view, d.profile
    score_refs = [f"{g['score']}{first}:{g['score']}{last}"]
    weight_refs = [f"{g['weight']}{first}:{g['weight']}{last}"]
    funds_scored = d.funds and profile.funds_scored
    if funds_scored:
        score_refs.insert(0, "JX_EXEC_SCORE")
        weight_refs.insert(0, "JX_FUNDS_WEIGHT")
    reported = d.form.reported if d.typed_scores else {}
    if key == "total_weight":
        return Formula(f"=SUM({','.join(weight_refs)})", view.total_weight)
    if key == "total":
        if "total" in reported:
            return reported["total"]
        if d.mode == "udf":
            call = f'JX_TOTAL({score_refs[-1]}{"," + score_refs[0] if funds_scored else ""})'
            if profile.total_caps:    # the 执行率 band's cap, as the native formula applies it
                dec = pname("score_decimals")
                call = f'IF(ISNUMBER({call}),ROUND(MIN({call},{fx.total_cap("JX_EXEC_RATE", profile)}),{dec}),{call})'
            return Formula(f'=IF(COUNT({",".join(score_refs)})=0,"",{call})', view.udf["total"])
        return Formula(fx.total(score_refs, score_refs[-1], profile), view.total)
    if "grade" in reported:
        return reported["grade"]
    total_ref = _local(d.sh, "JX_TOTAL_SCORE")
    if d.mode == "udf":
        return Formula(f'=IF({total_ref}="","",JX_GRADE({total_ref},JX_PROFILE))', view.udf["grade"])
    return Formula(fx.grade(total_ref, profile), view.grade)


# ---------------------------------------------------------------------------------------------------
# The indicator grid

def _text_refs(prefix: str, source: str, col: dict[str, str], r: int) -> tf.TextRefs:
    def chain(step: str) -> list[str]:
        keys = sorted((k for k in col if k.startswith(prefix + step) and k[len(prefix + step):].isdigit()),
                      key=lambda k: int(k[len(prefix + step):]))
        return [f"{col[k]}{r}" for k in keys] + [f"{col[prefix + step]}{r}"]
    return tf.TextRefs(source, chain("cleaned"), chain("marked"), *(f"{col[prefix + s]}{r}" for s in tf.STEPS))


ROW = "\x00"  # stands for the row number in a row's formula templates


def _row_formulas(rule, profile: Profile, g: dict, col: dict[str, str]) -> dict[str, str]:
    """The native formula of every computed helper cell of a grid row, by key, with ROW where the row
    number goes (one template per scoring rule; a row's formulas differ only in their row). With
    指标性质 / 度量单位 columns, the texts read are the ones they compose."""
    r = ROW
    src = {k: f"{g[k]}{r}" for k in ("name", "target", "actual")}
    if "nature" in g:
        src.update(target=f"{col['t_text']}{r}", actual=f"{col['a_text']}{r}", direction=f"{col['dir_in']}{r}")
    refs = fx.RowRefs(**src, **{k: f"{col[k]}{r}" for k in fx.RowRefs.__dataclass_fields__ if k not in src})
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


def _grid(d: Draw, body: dict, row: int) -> tuple[int, int, int]:
    """The indicator grid: a head row, one row per indicator (its helper columns right of the print
    area), 一级 labels merged over their rows, 二级 over equal consecutive rows, 分值 and 得分 merged over
    a weight group. Returns the head row and the first and last indicator rows."""
    sh, profile, form, view, mode, typed_scores = d.sh, d.profile, d.filled, d.view, d.mode, d.typed_scores
    g = d.grid
    t = sh.title
    composed = "nature" in g
    helpers = helper_columns(mode, composed)
    col = {key: get_column_letter(column_index_from_string(g["helper"]) + i) for i, (key, _, _) in enumerate(helpers)}
    if mode == "udf":
        col["udf"] = get_column_letter(column_index_from_string(g["helper"]) + len(helpers))
    # header row
    head = row
    for cell in body["head"]:
        _put_cell(d, cell, head)
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
        label = _l1_label(profile, body, rows[start].level1, form)
        sh.put(f"{g['l1']}{first + start}", label, "label", span=f"{g['l1']}{first + end}" if end > start else None)
    if g.get("l2"):
        for start, end in _runs([(r.level1, r.level2) for r in rows]):
            sh.put(f"{g['l2']}{first + start}", rows[start].level2 or None, "input",
                   span=f"{g['l2']}{first + end}" if end > start else None)
    _put_side(d, body["side"], head if body["side"].get("from", "head") == "head" else first, last)
    # equal-split weights: the category's name cells
    block_of = {i: (s, e) for s, e in spans for i in range(s, e + 1)}
    split = profile.data.get("equal_split") or {}
    templates: dict[str, dict[str, str]] = {}
    for i, ind in enumerate(rows):
        r = first + i
        cat = profile.category(ind.level1)
        values = view.rows[i]
        sh.put(f"{g['name']}{r}", ind.name or None, "input_left")
        actual = ind.actual
        if composed:  # 指标性质 / 指标值 / 度量单位 / 完成值 that compose the row's texts
            nature_, target, unit, actual = nature.split(ind.target, ind.actual, ind.direction)
            sh.put(f"{g['nature']}{r}", nature_ or None, "input")
            sh.put(f"{g['target']}{r}", target, "input", "@")
            sh.put(f"{g['unit']}{r}", unit or None, "input", "@")
        else:
            sh.put(f"{g['target']}{r}", ind.target, "input", "@")  # text as typed: "12月31日" stays text
        computed_actual = _computed_actual(profile, ind)
        if computed_actual:
            rate = Formula(fx.suzhou_exec_rate("JX_SZ_INITIAL", "JX_SZ_ADJUSTMENT", "JX_SZ_APPROPRIATED"),
                           view.amounts.get("rate", ""))
            sh.put(f"{g['actual']}{r}", rate, "computed", "0.00%")
            sh.names["JX_SZ_EXEC_RATE"] = _range(t, f"{g['actual']}{r}")
        else:
            sh.put(f"{g['actual']}{r}", actual, "input", "@")
        sh.put(f"{g['reason']}{r}", ind.explanation or None, body.get("reason_style", "input_left"))
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
        if composed:
            nat, tgt, uni, act = (f"{g[k]}{r}" for k in ("nature", "target", "unit", "actual"))
            for key, formula, value in (
                    ("t_text", fx.composed_target(nat, tgt, uni), ind.target),
                    ("a_text", fx.composed_actual(nat, act, uni), ind.actual),
                    ("dir_in", f'=IF({nat}="{nature.QUALITATIVE}","{nature.QUALITATIVE}",{col["direction"]}{r}&"")',
                     ind.direction)):
                sh.put(f"{col[key]}{r}", Formula(formula, "" if value is None else value), "helper", "@", fit=False)
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
            deduction = f"{g['deduction']}{r}" if "deduction" in g else ""   # 扣减分数, merged like the score
            if deduction:
                sh.put(deduction, ind.deduction, "input", "General", span=f"{g['deduction']}{end}" if len(grp) > 1 else None)
            weight = ind.weight
            if profile.data.get("weights_mode") == "equal_split" and not cat.fixed_indicators:
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
            elif mode == "udf" and deduction:   # JX_SCORES gives the rule's score; the reviewer's deduction comes off it
                udf = f"{col['udf']}{r}"
                score = Formula(f"=IF(ISNUMBER({udf}),{fx.deducted(udf, deduction)},{udf})", view.udf_deducted[i])
            elif mode == "udf":
                score = Formula(f"={col['udf']}{r}", view.udf_scores[i])
            else:
                frac = col["fraction"]
                comp = col["completion"]
                score = Formula(fx.group_score(f"{g['weight']}{r}", f"{frac}{r}:{frac}{end}", profile,
                                               f"{comp}{r}:{comp}{end}", deduction), view.scores[i])
            sh.put(f"{g['score']}{r}", score, "computed", "0.00", span=span_s)
    if mode == "udf":
        c, l1 = col["udf"], g["l1"]
        tc, ac, dc = (col["t_text"], col["a_text"], col["dir_in"]) if composed else \
            (g["target"], g["actual"], col["direction"])
        formula = (f"=JX_SCORES({tc}{first}:{tc}{last},{ac}{first}:{ac}{last},"
                   f"{g['weight']}{first}:{g['weight']}{last},JX_PROFILE,{l1}{first}:{l1}{last},"
                   f"{dc}{first}:{dc}{last},"
                   f"{col['level']}{first}:{col['level']}{last},"
                   f"{col['tvalue']}{first}:{col['tvalue']}{last},"
                   f"{col['avalue']}{first}:{col['avalue']}{last},"
                   f"{g['name']}{first}:{g['name']}{last})")
        sh.array(f"{c}{first}", f"{c}{last}", Formula(formula, list(view.udf_scores)), "helper", "0.00")
    names = {"JX_IND_L1": g["l1"], "JX_IND_NAME": g["name"], "JX_IND_TARGET": g["target"],
             "JX_IND_ACTUAL": g["actual"], "JX_IND_WEIGHT": g["weight"], "JX_IND_SCORE": g["score"],
             "JX_IND_REASON": g["reason"]}
    if g.get("l2"):
        names["JX_IND_L2"] = g["l2"]
    if "deduction" in g:
        names["JX_IND_DEDUCTION"] = g["deduction"]
    if composed:
        names.update(JX_IND_NATURE=g["nature"], JX_IND_UNIT=g["unit"])
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


# ---------------------------------------------------------------------------------------------------
# Sheet-level finishing: validation, conditional formats, protection, print setup

def _input_rules(d: Draw):
    sh, profile, first, last, g = d.sh, d.profile, d.first, d.last, d.grid
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
    for rule, where in ((amount, d.inputs["amount"]), (signed, d.inputs["signed"]),
                        (weight, [f"{g['weight']}{first}:{g['weight']}{last}"]),
                        (direction, [f"{dcol}{first}:{dcol}{last}"]), (level, [f"{lcol}{first}:{lcol}{last}"]),
                        (number, [f"{tcol}{first}:{acol}{last}"])):
        if where:  # one rule over all its ranges
            sh.ws.data_validation(where[0], {**rule, "multi_range": " ".join(where)})


def _mark(sh: Sheet, rng: str, formula: str, color: str):
    """A conditional fill on `rng` where `formula` (relative to its first cell) is true."""
    sh.ws.conditional_format(rng, {"type": "formula", "criteria": formula, "format": sh.book.fmt(bg_color=color)})


RED, ORANGE, YELLOW = "#F4B6B6", "#FCD9A8", "#FFF2A8"


def _marks(d: Draw, reason_needed: str):
    sh, profile, first, last, mode, g = d.sh, d.profile, d.first, d.last, d.mode, d.grid
    w, s, why = g["weight"], g["score"], g["reason"]
    reason_rng = f"{why}{first}:{why}{last}"
    if reason_needed == "below_weight":  # a score below its weight needs 偏差原因分析及改进措施 (rule I04)
        _mark(sh, reason_rng, f'AND(ISNUMBER(${s}{first}),ISNUMBER(${w}{first}),${s}{first}<${w}{first},TRIM(${why}{first})="")',
              RED)
    else:  # no_value (苏州): an indicator with no value needs an explanation (填表说明 4, rule I12)
        a = g["actual"]
        _mark(sh, reason_rng, f'AND(JX_STARTED,${g["name"]}{first}<>"",${a}{first}="",TRIM(${why}{first})="")', RED)
    if mode == "native" and profile.overachievement and profile.overachievement_needs_explanation:
        comp = _helper_letters(g, mode)["completion"]
        _mark(sh, reason_rng, f'AND(ISNUMBER(${comp}{first}),${comp}{first}>={pname("over")},TRIM(${why}{first})="")',
              ORANGE)
    if mode == "native":
        _unread_marks(sh, g, first, last)
    if "JX_EXEC_RATE" in sh.names:
        rate = sh.names["JX_EXEC_RATE"]
        _mark(sh, rate, f'AND(ISNUMBER({rate}),{rate}<{pname("low_rate")})', ORANGE)


def _helper_letters(g: dict, mode: str) -> dict[str, str]:
    h = column_index_from_string(g["helper"])
    return {key: get_column_letter(h + i) for i, (key, _, _) in enumerate(helper_columns(mode, "nature" in g))}


def _unread_marks(sh: Sheet, g: dict, first: int, last: int):
    """Orange on the helper cells a row waits for (its score shows 待定): 指标方向 and 指标值（数值）for a
    target the formulas cannot read, 指标值（数值）for a text target scored as a quantity, 完成值（数值）
    for an actual the formulas cannot read, 定性档次 for a qualitative actual worded unlike its target;
    yellow on an actual whose unit was assumed (百分点 / 元). The 填表说明 sheet says what to fill in."""
    col = _helper_letters(g, "native")
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


def _protect_and_print(d: Draw, last_row: int):
    sh, g, head, mode = d.sh, d.grid, d.head, d.mode
    ws = sh.ws
    _protect(ws, format_rows_and_columns=True)
    ws.print_area(f"A1:{d.layout['print']['last']}{last_row}")
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
    count = len(helper_columns(mode, "nature" in g)) + (mode == "udf")
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
        computed = _computed_actual(profile, ind)
        direction, tvalue, avalue = helper_values(ind, profile, computed)
        rows.append(replace(ind, direction=direction or "", target_value=tvalue, actual_value=avalue))
    return replace(form, indicators=rows)


def _udf_values(profile: Profile, layout: dict, form: Form, view: SheetView) -> None:
    """udf mode: the values the JX_ functions give in the sheet (they are plain Python here), for the
    cached values; the same arguments as the formulas pass."""
    from jixiao.udfs import functions as f

    groups = {g[0]: g for g in form.weight_groups()}
    spans = {start for start, _ in _runs([r.level1 for r in form.indicators])}
    computed = scoring_inputs(form, profile)
    col = lambda get: [get(i, ind) for i, ind in enumerate(computed.indicators)]  # noqa: E731
    weights = col(lambda i, ind: (view.weights.get(i, ind.weight) if i in groups else None))
    grid = block_of(layout, "grid")
    labels = col(lambda i, ind: (_l1_label(profile, grid, ind.level1, form) if i in spans else None))
    scores = f.JX_SCORES(col(lambda i, ind: ind.target), col(lambda i, ind: ind.actual), weights, profile.name,
                         labels, col(lambda i, ind: ind.direction or None), col(lambda i, ind: ind.level or None),
                         col(lambda i, ind: ind.target_value), col(lambda i, ind: ind.actual_value),
                         col(lambda i, ind: ind.name or None))
    view.udf_scores = [row[0] for row in scores] if isinstance(scores, list) else [scores] * len(form.indicators)
    # a reviewer's 扣减分数 comes off the rule's score in the score cell (formulas.deducted)
    view.udf_deducted = [xround(max(0.0, v - float(form.indicators[i].deduction)), profile.score_decimals)
                         if profile.reviewer_deduction and is_number(v) and is_number(form.indicators[i].deduction)
                         else v for i, v in enumerate(view.udf_scores)]
    scored = [v for i, v in enumerate(view.udf_deducted) if i in groups]
    out = {}
    if has_funds(layout):
        total = form.funds_total or None
        budget, executed = (exec_base(total, profile), total.executed) if total else (None, None)
        weight = form.funds_weight if is_number(form.funds_weight) else profile.funds_weight
        rate = "" if not (is_number(budget) and is_number(executed)) or float(budget) <= 0 \
            else f.JX_EXECRATE(executed, budget)
        out["exec_rate"] = rate
        out["exec_score"] = "" if rate == "" else f.JX_EXECSCORE(executed, budget, weight, profile.name)
        more = [out["exec_score"]] if profile.funds_scored else []
    else:
        more = []
    counted = [v for v in [*more, *scored] if is_number(v)]
    out["total"] = "" if not counted else f.JX_TOTAL(scored, more or None)
    cap = scoring.total_cap(out.get("exec_rate"), profile)
    if cap is not None and is_number(out["total"]):
        out["total"] = xround(min(out["total"], cap), profile.score_decimals)
    out["grade"] = "" if out["total"] == "" else f.JX_GRADE(out["total"], profile.name)
    view.udf = out


def scoring_inputs(form: Form, profile: Profile) -> Form:
    from jixiao.engine.scoring import with_computed_inputs
    return with_computed_inputs(form, profile)


def _l1_label(profile: Profile, grid: dict, level1: str, form: Form | None = None) -> str:
    """A 一级指标 label as the layout writes it ({label}, {weight}: the form's own 一级 weight, from its
    fill data, else the profile's)."""
    cat = profile.category(level1)
    weight = (form.category_weights if form else {}).get(cat.key, cat.weight)
    return grid["l1_label"].replace("{label}", cat.label).replace("{weight}", f"{weight:g}")


def drawn_form(profile: Profile, form: Form) -> Form:
    """The form as the profile's layout shows it, and so as it reads back: on a form with 指标性质 /
    度量单位 columns, each row's target and actual as those columns compose them."""
    if "nature" not in block_of(load_layout(profile.layout), "grid")["columns"]:
        return form
    return replace(form, indicators=[_composed(ind) for ind in form.indicators])


def _composed(ind: Indicator) -> Indicator:
    """A row as a form with 指标性质 / 度量单位 columns shows and reads it (jixiao.engine.nature): the
    unit printed once applies to the 完成值 too ("≥95%" / "93.1" is 93.1%)."""
    target, actual, direction = nature.compose(*nature.split(ind.target, ind.actual, ind.direction))
    return replace(ind, target=target, actual=actual, direction=ind.direction or direction)


def _computed_actual(profile: Profile, ind: Indicator) -> bool:
    """The row whose actual the template computes (the Suzhou 预算执行率 indicator)."""
    name = rate_indicator(profile)
    return name is not None and ind.name == name


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
    layout = load_layout(profile.layout)
    form = drawn_form(profile, form)
    filled = prefilled(form, profile)
    view = sheet_view(profile, filled)
    if mode == "udf":
        _udf_values(profile, layout, filled, view)
    book = Book()
    sh = Sheet(book, book.sheet(profile.title[:31]))
    for col, width in layout["columns"].items():
        sh.set_width(col, width)
    d = Draw(sh, profile, form, filled, view, mode, typed_scores, layout)
    row = 1
    for block in layout["blocks"]:
        (kind, body), = block.items()
        row = BLOCKS[kind](d, body, row)
    executed = "JX_FUNDS_EXECUTED" if d.funds else None
    started = Formula(fx.started("JX_IND_ACTUAL", "JX_IND_AVALUE", executed), view.started)
    names = _param_sheet(book, profile, mode, started)
    names.update(sh.names)
    for name, ref in names.items():
        if "!" not in ref:
            ref = _range(sh.title, *ref.split(":"))
        book.define_name(name, ref)
    _input_rules(d)
    _marks(d, block_of(layout, "grid")["reason_needed"])
    sh.fit_rows()
    _protect_and_print(d, row - 1)
    _guide_sheet(book, profile, mode)
    _state_sheet(book, sh.state)
    return book


def save_workbook(book: Book, path: Path) -> Path:
    """Save atomically: never a half-written file (jixiao.engine.files.atomic_output)."""
    return book.save(path)
