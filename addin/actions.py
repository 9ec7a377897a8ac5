"""What the ribbon's buttons do. One function per button, each taking a :class:`jixiao.addin.workbook.Book`:

    validate(book)   一键校验     every validation rule of the workbook's profile -> 校验结果 + marks
    recalc(book)     重新计算     helper columns re-read from the texts, recalculated, typed scores compared
    report(book)     生成自评报告 the 绩效自评报告 (.docx, jixiao.report) beside the workbook (never overwriting)
    next_year(book)  新建下一年度 a new workbook for year + 1 beside this one (never overwriting)
    batch_validate(book) 批量校验 asks for a folder of returned forms, validates them all and opens the
                     summary workbook (written beside the folder; `review_folder` is the headless part)
    settings(book)   设置         profile, Python, project location, configuration, versions
    show_help(book)  帮助         a short help text

``on_button(button_id)`` is what the ribbon calls (VBA ``JX_OnAction`` -> xlwings ``RunPython``): it
runs the button's function on ``xw.Book.caller()`` and turns any error into a Chinese message box.
The same functions run headless on a file (``jixiao.addin.books.open_book``): the tests and the command
line use them so (``python -m jixiao.addin.actions validate 表.xlsx --out 表-已校验.xlsx``).

Nothing here changes a value the user typed: validate writes only its sheet and marks; recalc writes
only the helper columns 指标方向 / 指标值（数值）/ 完成值（数值）(``Book.write_helpers`` refuses any
other cell); next_year writes a new file.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import re
import sys
import tempfile
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import jixiao
from jixiao import __version__
from jixiao.engine.scoring import helper_values, text_values
from jixiao.engine.errors import JixiaoError
from jixiao.engine.excel import is_blank, is_number, xround
from jixiao.engine.files import NAME_MAX_BYTES, atomic_output, fit_name, name_bytes, safe_name
from jixiao.engine.model import Form, FundsRow, SubItem
from jixiao.engine.profiles import Profile, load_profile
from jixiao.engine.safetext import printable, shown_name
from jixiao.engine.validation import ERROR, WARNING, Finding, validate_form
from jixiao.engine.validation.core import Context, differs, fmt, pct

from .books import caller_book, open_book
from .conf import CONF_KEYS, read_conf_file, user_conf_path
from .workbook import (
    HELPER_NAMES,
    RESULT_SHEET,
    Book,
    ExistingFile,
    Mark,
    ResultTable,
    location,
    split_address,
)

PROJECT_DIR = Path(jixiao.__file__).resolve().parent  # where jixiao runs from (the package folder)
HELPER_LABELS = {"direction": "指标方向", "target_value": "指标值（数值）", "actual_value": "完成值（数值）"}
#: How many items a message lists before "等 N 处".
LIST_AT_MOST = 8


class ActionError(JixiaoError):
    """A button that cannot do its work on this workbook (said in Chinese)."""


def _more(items: list[str], at_most: int = LIST_AT_MOST) -> str:
    text = "；".join(items[:at_most])
    if len(items) > at_most:
        text += f"；等共 {len(items)} 处"
    return text


def _g(value) -> str:
    if value is None or value == "":
        return "空"
    if is_number(value):
        return f"{float(value):g}"
    return f"“{value}”"


def _form_sheet(book: Book) -> str | None:
    view = book.last_view or book.view()
    ref = view.ref("JX_IND_NAME")
    return ref.sheet if ref is not None else None


def _project(form: Form) -> str:
    h = form.header
    return str(h.get("project_name") or h.get("subitem_name") or h.get("special_name") or "").strip()


# =============================================================================================
# The helper columns: what the builder pre-fills, and 重新计算 refreshes
# =============================================================================================

def _same(a, b) -> bool:
    if is_blank(a) and is_blank(b):
        return True
    if is_number(a) and is_number(b):
        x, y = float(a), float(b)
        return x == y or abs(x - y) <= 1e-12 * max(1.0, abs(x), abs(y))
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return False


# =============================================================================================
# 一键校验
# =============================================================================================

@dataclass
class ValidationReport:
    findings: list[Finding]
    marks: list[Mark]
    cleared: int
    message: str

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == WARNING)


def _position(book: Book, f: Finding) -> tuple[str, int, int, int, int] | None:
    """(sheet, r1, c1, r2, c2) of a finding's cell, widened to its merged area; None without one."""
    if not f.cell or not f.sheet:
        return None
    view = book.last_view
    try:
        sheet, row, col = split_address(f"{f.sheet}!{f.cell}")
    except ValueError:
        return None
    if view is None or sheet not in view.sheet_parts:
        return None
    merge = view.sheet(sheet).merge_of(row, col)
    if merge is not None:
        return (sheet, *merge)
    return sheet, row, col, row, col


def _marks(book: Book, findings: list[Finding]) -> list[Mark]:
    """One mark per cell: the most severe finding's colour, every finding in the note."""
    cells: dict[tuple, dict] = {}
    for f in findings:
        pos = _position(book, f)
        if pos is None:
            continue
        entry = cells.setdefault(pos, {"severity": WARNING, "lines": []})
        if f.severity == ERROR:
            entry["severity"] = ERROR
        entry["lines"].append(f"【{f.severity}】{f.message}" + (f"\n修改建议：{f.fix}" if f.fix else ""))
    return [Mark(sheet, r1, c1, r2, c2, e["severity"], "\n".join(e["lines"]))
            for (sheet, r1, c1, r2, c2), e in cells.items()]


def _result_table(book: Book, form: Form, profile: Profile, findings: list[Finding], main: str | None) -> ResultTable:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    project = _project(form)
    region = profile.data.get("region") or profile.name
    when = _dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    if findings:
        summary = (f"共 {len(findings)} 处问题：错误 {errors} 处，警告 {warnings} 处。点击“位置”跳到对应单元格；"
                   "问题单元格已标色（红色为错误，黄色为警告）并加了批注。")
    else:
        summary = "校验通过：未发现问题。"
    title = ["校验结果", f"{project + ' · ' if project else ''}规则：{region}（{profile.name}，{form.year}年度）"
                        f" · 校验时间 {when} · jixiao {__version__}", summary]

    def order(item):
        i, f = item
        pos = _position(book, f)
        return (f.severity != ERROR, pos is None, pos[0] != main if pos else True, pos[1:3] if pos else (0, 0), i)

    rows, links = [], []
    for _, f in sorted(enumerate(findings), key=order):
        pos = _position(book, f)
        if pos is None:
            where, link = "—", None
        else:
            sheet, r1, c1 = pos[0], pos[1], pos[2]
            where = f.cell if sheet == main else f"{sheet}!{f.cell}"
            link = location(sheet, r1, c1)
        rows.append([f.severity, where, f.message, f.fix, f.code])
        links.append(link)
    return ResultTable(title=title, header=["级别", "位置", "问题", "修改建议", "规则"], rows=rows, links=links,
                       widths=[7, 10, 64, 46, 7])


def validate(book: Book) -> ValidationReport:
    """一键校验: every rule of the workbook's profile; the sheet 校验结果 (replaced), marks on the cells
    (last run's cleared first). Says "校验通过" when nothing is found. Changes no value the user typed."""
    from .book_xlwings import SheetLocked

    with book.batch():
        form, profile = book.read()
        findings = validate_form(form, profile)
        main = _form_sheet(book)
        marks = _marks(book, findings)
        book.write_results(_result_table(book, form, profile, findings, main), after=main, activate=bool(findings))
        note = ""
        try:
            cleared, _ = book.set_marks(marks)
        except SheetLocked as exc:
            cleared, note = 0, f"\n（未能在表中标出问题单元格：{exc}）"
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    if not findings:
        message = "校验通过：未发现问题。"
        if cleared:
            message += f"\n已清除上次校验的 {cleared} 处标记。"
    else:
        message = (f"发现 {len(findings)} 处问题：错误 {errors} 处，警告 {warnings} 处。\n"
                   f"详见“{RESULT_SHEET}”工作表（点击位置可跳到单元格）；问题单元格已标色并加了批注。")
        if not errors:
            message = f"没有错误，有 {warnings} 处警告，请逐条核对。\n详见“{RESULT_SHEET}”工作表；问题单元格已标为黄色。"
    message += note
    book.tell(message, error=False)
    return ValidationReport(findings, marks, cleared, message)


# =============================================================================================
# 重新计算
# =============================================================================================

@dataclass
class HelperChange:
    addr: str
    field: str
    old: Any
    new: Any

    def text(self) -> str:
        cell = self.addr.rpartition("!")[2]
        new = "清空（表内公式能读懂文字）" if is_blank(self.new) else _g(self.new)
        return f"{cell} {HELPER_LABELS[self.field]} {_g(self.old) if not is_blank(self.old) else '（空）'} → {new}"


@dataclass
class ScoreDiff:
    addr: str
    what: str
    typed: Any
    rule: Any

    def text(self) -> str:
        return f"{self.addr.rpartition('!')[2]}（{self.what}）填 {self.typed}，按规则应为 {self.rule}"


@dataclass
class RecalcReport:
    changed: list[HelperChange] = field(default_factory=list)
    kept: list[HelperChange] = field(default_factory=list)   # new = what the text reads, kept the user's old
    diffs: list[ScoreDiff] = field(default_factory=list)
    message: str = ""


def plan_helpers(form: Form, profile: Profile, state: dict[str, list]) -> tuple[dict, list, list, dict]:
    """What 重新计算 writes into the helper columns: (writes addr -> value, changed, kept, records).

    The template's formulas read the texts themselves; a helper cell is only needed where they cannot
    (``engine.helper_values``: ``new``, None where the formulas read the text). For each helper cell:
    - it holds ``new``: recorded (jixiao answers for it);
    - it is blank, or holds what jixiao last wrote there (``state``, written first by the template
      builder), or a record left by another indicator on this row: set to ``new`` (a value jixiao
      wrote and the formulas no longer need is cleared);
    - otherwise the user typed it: kept, and listed when it differs from what the texts read.
    ``records`` is the new state: the value jixiao answers for in each cell.
    """
    writes: dict[str, Any] = {}
    changed: list[HelperChange] = []
    kept: list[HelperChange] = []
    records: dict[str, list] = {}
    for ind in form.indicators:
        try:
            profile.category(ind.level1)
        except JixiaoError:
            continue  # an unknown 一级指标 cannot be scored: P02 reports it
        bare = replace(ind, direction="", target_value=None, actual_value=None)
        computed = "actual_formula" in ind.cells
        new = dict(zip(HELPER_NAMES, helper_values(bare, profile, computed)))
        read = dict(zip(HELPER_NAMES, text_values(bare, profile, computed)))
        name = str(ind.name or "")
        for fld, value in new.items():
            addr = ind.cells.get(fld)
            if not addr or (computed and fld == "actual_value"):
                continue  # a computed actual's 完成值（数值）is the template's formula
            current = getattr(ind, fld)
            rec = state.get(addr)
            stale = rec is not None and (str(rec[1] or "") != name or _same(current, rec[2]))
            if _same(current, value):
                if value is not None:
                    records[addr] = [addr, name, value]
            elif is_blank(current) or stale:
                writes[addr] = value
                changed.append(HelperChange(addr, fld, current, value))
                if value is not None:
                    records[addr] = [addr, name, value]
            else:
                if not _same(current, read[fld]):
                    kept.append(HelperChange(addr, fld, current, read[fld]))
                if rec is not None:
                    records[addr] = rec
    return writes, changed, kept, records


def typed_score_diffs(form: Form, profile: Profile) -> list[ScoreDiff]:
    """Scores typed into the form (constants where the template has a formula) that differ from the
    rule's. A qualitative score inside its level's band is allowed (rule I10), so not listed."""
    ctx = Context(form, profile)
    dec = ctx.decimals
    out: list[ScoreDiff] = []
    for group in ctx.groups:
        head = ctx.head(group)
        typed, score = head.reported_score, ctx.rows[group[0]].score
        if not is_number(typed) or score is None or not differs(typed, score, dec):
            continue
        if ctx.qualitative(group) and is_number(head.weight):
            level = profile.level(ctx.rows[group[0]].level)
            if level is not None:
                w = float(head.weight)
                lo, hi = xround(level.min * w, dec), xround(level.max * w, dec)
                if lo <= xround(float(typed), dec) <= hi:
                    continue
        out.append(ScoreDiff(head.cells.get("score", ""), f"{ctx.row_name(group[0])}得分", _g(typed).strip("“”"),
                             fmt(score)))
    res, rep = ctx.result, form.reported
    checks = [("exec_rate", "执行率", res.exec_rate, 4, pct), ("exec_score", "执行率得分", res.exec_score, dec, fmt),
              ("total", "总分", res.total, dec, fmt)]
    for key, what, value, places, show in checks:
        typed = rep.get(key)
        if is_number(typed) and value is not None and differs(typed, value, places):
            out.append(ScoreDiff(form.cells.get(key, ""), what, show(typed) if key == "exec_rate" else _g(typed),
                                 show(value)))
    grade = rep.get("grade")
    if not is_blank(grade) and res.grade and re.sub(r"^\s*(自评)?等级\s*[:：]?\s*", "", str(grade)).strip() != res.grade:
        out.append(ScoreDiff(form.cells.get("grade", ""), "等级", f"“{grade}”", f"“{res.grade}”"))
    return out


def recalc(book: Book) -> RecalcReport:
    """重新计算: the helper columns re-read from the texts (a value the user typed there after jixiao's
    last run is kept), the workbook recalculated, typed scores compared with the rules."""
    with book.batch():
        form, profile = book.read()
        state = {str(row[0]): row for row in book.read_state() if row and row[0]}
        writes, changed, kept, records = plan_helpers(form, profile, state)
        merged: list[str] = []
        if writes:
            book.write_helpers(writes)
            merged = getattr(book, "merged_helpers", [])
            if merged:
                changed = [c for c in changed if c.addr not in merged]
                records = {addr: rec for addr, rec in records.items() if addr not in merged}
        if records != state:
            book.write_state(list(records.values()))
        book.recalculate()
        form, profile = book.read() if writes else (form, profile)
        diffs = typed_score_diffs(form, profile)
    parts = []
    if changed:
        parts.append(f"已按年度指标值、实际完成值的文字刷新 {len(changed)} 个计分依据：{_more([c.text() for c in changed])}。")
    if kept:
        parts.append(f"保留了 {len(kept)} 个您手工填写的计分依据（与文字读出的不同）："
                     + _more([f"{c.addr.rpartition('!')[2]} {HELPER_LABELS[c.field]}为 {_g(c.old)}，文字读作 {_g(c.new)}"
                              for c in kept])
                     + "。如需按文字刷新，请清空这些单元格后再点“重新计算”。")
    if merged:
        parts.append(f"有 {len(merged)} 个计分依据单元格在合并单元格中，无法按行写入，未作改动："
                     + _more([a.rpartition('!')[2] for a in merged]) + "。请取消这些单元格的合并后再点“重新计算”。")
    if diffs:
        parts.append(f"手工填写的得分与规则计算结果不一致 {len(diffs)} 处：{_more([d.text() for d in diffs])}。"
                     "请删除手填的数字以恢复公式，或在偏差原因分析中说明依据。")
    if not parts:
        parts.append("计分依据与文字一致，无需刷新；没有与规则不一致的手填得分。")
    message = "重新计算完成。\n" + "\n".join(parts)
    book.tell(message)
    return RecalcReport(changed, kept, diffs, message)


# =============================================================================================
# 新建下一年度
# =============================================================================================

#: Text blocks kept for the next year: goals and the project's description (from the 申报表).
KEPT_TEXTS = ("goal_expected", "overview", "total_goal", "annual_goal")


def _kept_text(key: str) -> bool:
    return key in KEPT_TEXTS or ("goal" in key and "actual" not in key)


def roll_forward(form: Form, new_year: int) -> Form:
    """The form for ``new_year``: project information, goals, indicators, targets, weights, chosen
    directions and the funds block's rows kept; actual values, explanations, levels, amounts (budget
    and executed: they are the year's money), typed scores and the yearly narrative cleared."""
    header = dict(form.header)
    if "project_year" in header:
        py = header["project_year"]
        if is_blank(py) or (is_number(py) and int(float(py)) == form.year) or str(py).strip() == str(form.year):
            header["project_year"] = new_year
    indicators = [replace(ind, actual=None, explanation="", level="", actual_value=None, reported_score=None,
                          cells={}) for ind in form.indicators]
    return Form(profile=form.profile, year=new_year, header=header,
                funds=[FundsRow(r.key, r.label) for r in form.funds], funds_weight=form.funds_weight,
                amounts={}, subitems=[SubItem(s.name) for s in form.subitems if str(s.name or "").strip()],
                texts={k: v for k, v in form.texts.items() if _kept_text(k)}, indicators=indicators)


def next_year_path(src: Path, year: int, new_year: int) -> Path:
    """Beside ``src``: its name with the year replaced ("2026年度X.xlsx" -> "2027年度X.xlsx"), or the
    new year in front when the name has none; "（2）", "（3）" ... added while such a file exists."""
    pattern = re.compile(rf"(?<!\d){year}(?!\d)")
    stem = pattern.sub(str(new_year), src.stem) if pattern.search(src.stem) else f"{new_year}年度{src.stem}"
    return free_path(src.with_name(fit_name(stem, src.suffix, reserve=len("（9999）".encode()))))


def free_path(path: Path) -> Path:
    """``path``, or "name（2）.ext", "name（3）.ext" ... the first that does not exist."""
    candidate, n = path, 2
    while candidate.exists() or candidate.is_symlink():
        candidate = path.with_name(f"{path.stem}（{n}）{path.suffix}")
        n += 1
    return candidate


def _write_new(book, target: Path, exact: bool = False, overwrite: bool = False) -> Path:
    """Write the new workbook ``book`` (jixiao.templates.xlsx.Book) as ``target`` (.xlsx, or .xlsm with the
    add-in's macros and ribbon) without ever overwriting: if the name is taken meanwhile, the next free one
    is used. With ``exact`` (a name the user gave) the name is kept: an existing file is refused
    (ExistingFile), or replaced with ``overwrite``."""
    wanted = target
    while True:
        try:
            with atomic_output(target, overwrite=overwrite) as tmp:
                if target.suffix.lower() == ".xlsm":
                    from .build import make_macro_enabled

                    book.save(tmp.with_suffix(".xlsx"))
                    try:
                        make_macro_enabled(tmp.with_suffix(".xlsx"), tmp)
                    finally:
                        tmp.with_suffix(".xlsx").unlink(missing_ok=True)
                else:
                    tmp.write_bytes(book.bytes())
            return target
        except FileExistsError:  # the name was taken since it was chosen: the next free one
            if exact:
                raise ExistingFile(f"{shown_name(target)} 已存在，不会覆盖；确要替换请加 --force") from None
            target = free_path(wanted)


def next_year(book: Book, open_new: bool = True, target: Path | None = None, overwrite: bool = False) -> Path:
    """新建下一年度: a new workbook for year + 1 beside this one, rebuilt from the form by the template
    builder with the profile rendered for the new year (title, 年度 subtitle, notes, JX_YEAR). Same
    formula mode (JX_MODE) and file type (.xlsm keeps the macros and the ribbon). Never overwrites."""
    from jixiao.templates.builder import MODES, build_workbook

    form, profile = book.read()
    src = book.path
    if src is None:
        raise ActionError("本工作簿还没有保存到本机文件夹（或保存在网盘/SharePoint 上），无法在旁边另存下一年度的表。"
                          "请先“另存为”到本机文件夹，再点“新建下一年度”。")
    mode = str(book.named_value("JX_MODE") or "native").strip()
    if mode not in MODES:
        mode = "native"
    new_year = form.year + 1
    new_profile = load_profile(profile.name, new_year)  # by name, never by a path
    new_form = roll_forward(form, new_year)
    new_book = build_workbook(new_profile, new_form, mode)
    suffix = src.suffix.lower()
    target_src = src if suffix in (".xlsx", ".xlsm") else src.with_suffix(".xlsx")
    if target is not None:
        target = _write_new(new_book, Path(target), exact=True, overwrite=overwrite)
    else:
        target = _write_new(new_book, next_year_path(target_src, form.year, new_year))
    cleared = "实际完成值、偏差原因、定性档次、手填得分、预算金额和执行数"
    if new_profile.layout == "suzhou":
        cleared = "实际完成值、情况说明、定性档次、手填得分、预算执行和资金使用金额、子项金额、项目实施情况等当年文字"
    elif any(k == "goal_actual" for k in form.texts):
        cleared += "、年度目标的实际完成情况"
    book.tell(f"已生成 {new_year} 年度的自评表：\n{target}\n\n保留了项目信息、绩效目标、指标、指标值和分值；"
              f"已清空{cleared}。年度和标题已改为 {new_year} 年度。")
    if open_new:
        book.open(target)
    return target


def _made_by_jixiao(path: Path) -> bool:
    """Whether a file is a jixiao workbook (read by its names); anything else is read by headings."""
    from jixiao.engine.forms import read_forms
    try:
        return read_forms(path)[0].reading.method == "names"
    except JixiaoError:
        return True          # let the button's own reading report the problem


def next_year_file(path: Path) -> list[tuple[Path, list[str]]]:
    """新建下一年度 from a 自评表 jixiao did not make (.xlsx/.xls/.et/.ods, read by headings): for each
    form, a jixiao template of the recognised profile for year + 1 beside the file, rolled forward as
    from a jixiao workbook. Returns (new file, values the template has no place for)."""
    from jixiao.engine.forms import read_forms
    from jixiao.templates.importing import write_template

    forms = read_forms(path)
    out = []
    for rf in forms:
        new_year = rf.form.year + 1
        profile = load_profile(rf.profile.name, new_year)  # by name, never by a path
        src = path.with_suffix(".xlsx")
        if len(forms) > 1:        # the sheet's name comes from the file: made safe like any name
            src = src.with_name(safe_name(f"{src.stem}（{rf.reading.sheet}）", ".xlsx"))
        while True:
            target = next_year_path(src, rf.form.year, new_year)
            try:
                lost = write_template(rf, target, overwrite=False, keep_scores=False,
                                      form=roll_forward(rf.form, new_year), profile=profile)
                break
            except FileExistsError:      # taken meanwhile: the next free name
                continue
        out.append((target, lost))
    return out


# =============================================================================================
# 生成自评报告
# =============================================================================================

def report(book: Book, open_new: bool = True) -> Path:
    """生成自评报告: the report drafted from this workbook as it is now (unsaved edits included), a
    .docx beside it named "<workbook>-自评报告.docx" ("（2）"… when taken). Never overwrites."""
    from jixiao.report import REPORT_SUFFIX, report_document

    form, profile = book.read()
    src = book.path
    if src is None:
        raise ActionError("本工作簿还没有保存到本机文件夹（或保存在网盘/SharePoint 上），无法在旁边保存自评报告。"
                          "请先“另存为”到本机文件夹，再点“生成自评报告”。")
    document = report_document(form, profile)
    wanted = src.with_name(src.stem + REPORT_SUFFIX)
    target = free_path(wanted)
    while True:
        try:
            with atomic_output(target, overwrite=False) as tmp:
                document.save(str(tmp))
            break
        except FileExistsError:  # the name was taken since it was chosen: the next free one
            target = free_path(wanted)
    book.tell(f"已生成绩效自评报告：\n{target}\n\n报告中的金额、执行率、各指标完成情况、得分、总分和等级都取自本表；"
              "黄色底纹的【请补充：……】处是表中没有的内容，请补写；【请核对：……】处是文字与表中数字不一致的地方。")
    if open_new and book.kind == "xlwings" and sys.platform == "win32":
        os.startfile(str(target))  # noqa: S606 - opens the new report in Word / WPS
    return target


# =============================================================================================
# 批量校验
# =============================================================================================

def summary_path(folder: Path, today: _dt.date | None = None) -> Path:
    """Beside the folder (never inside it: the next run would take the summary for a form):
    "<folder>-校验汇总-20261129.xlsx", or "（2）" ... when taken."""
    folder = Path(folder).resolve()
    day = (today or _dt.date.today()).strftime("%Y%m%d")
    parent = folder.parent if folder.parent != folder else Path.home()
    return free_path(parent / f"{folder.name or '根目录'}-校验汇总-{day}.xlsx")


def review_folder(folder, out: Path | None = None, *, config=None, bureau: str = "", jobs: int | None = None):
    """批量校验 without Excel: every spreadsheet in ``folder`` (recursively) validated with the
    bureau's jixiao.toml (~/.jixiao/jixiao.toml, never one inside the folder), the summary workbook
    written to ``out`` (default: ``summary_path``). Returns (summary path, batch.Tally)."""
    from jixiao.batch import Batch, collect
    from jixiao.engine.validation import config as vconfig
    from jixiao.summary import SummaryWriter

    folder = Path(folder)
    if not folder.is_dir():
        raise ActionError(f"“{folder}”不是一个文件夹")
    files, skipped = collect([str(folder)])
    if not files:
        raise ActionError(f"文件夹“{folder}”中没有表格文件（.xlsx 等）" + (f"；跳过了 {len(skipped)} 个其他文件" if skipped else ""))
    if config is None:
        config = vconfig.find(cwd=Path.home() / ".jixiao")
    target = Path(out) if out is not None else summary_path(folder)
    writer = SummaryWriter(target, bureau=bureau or config.bureau, scope=str(folder), base=str(folder.resolve()))
    try:
        tally = Batch(files, len(skipped), config, jobs=jobs).run([writer])
    except FileExistsError:
        raise ExistingFile(f"{target} 已存在，不会覆盖") from None
    return target, tally


def batch_validate(book: Book):
    """批量校验: ask for a folder, validate every form in it, open the summary workbook."""
    folder = book.ask_folder("选择收回的绩效自评表所在的文件夹")
    if folder is None:
        book.tell("没有选择文件夹，未校验。")
        return None
    path, tally = review_folder(folder)
    book.tell(f"批量校验完成。\n{tally.line()}\n\n汇总表（可打印，含问题清单）：\n{path}")
    book.open(path)
    return path


# =============================================================================================
# 设置 / 帮助
# =============================================================================================

def conf_sources(book: Book) -> list[tuple[str, dict[str, str], str]]:
    """(where, settings, warning) in xlwings' order: workbook sheet, add-in sheet, the workbook's folder,
    the user's file. The first source that has a key wins, as in GetConfig."""
    out = [(where, conf, "") for where, conf in book.conf_sheets()]
    files = []
    if book.path is not None:
        files.append(("工作簿所在文件夹的 jixiao.conf", book.path.parent / "jixiao.conf"))
    files.append(("用户配置文件", user_conf_path()))
    for label, path in files:
        if path.is_file():
            try:
                conf, warning = read_conf_file(path)
            except OSError as exc:
                conf, warning = {}, f"无法读取：{exc}"
            out.append((f"{label} {path}", conf, warning))
    return out


def settings(book: Book) -> str:
    """设置: the profile in use, where Python and jixiao live, the configuration and versions."""
    lines = [f"绩效自评加载项 jixiao {__version__}", ""]
    try:
        form, profile = book.read()
        mode = str(book.named_value("JX_MODE") or "native")
        made_by = book.named_value("JX_VERSION")
        lines.append(f"本工作簿：{profile.data.get('region') or profile.name}（规则配置 {profile.name}，{form.year} 年度）；"
                     f"公式方式：{'JX_ 自定义函数' if mode == 'udf' else '普通公式'}"
                     + (f"；由 jixiao {made_by} 生成" if made_by else "") + "。")
        lines.append(f"规则配置文件：{profile.source}")
    except JixiaoError as exc:
        lines.append(f"本工作簿：{exc.message}")
    lines += ["", f"Python：{sys.executable}（{platform.python_version()}）", f"jixiao 程序位置：{PROJECT_DIR}"]
    try:
        import xlwings

        lines.append(f"xlwings：{xlwings.__version__}")
    except ImportError:
        lines.append("xlwings：未安装（按钮和 JX_ 函数需要它）")
    sources = conf_sources(book)
    lines += ["", "配置（jixiao.conf，按 xlwings 的查找顺序，先找到的生效）："]
    for key in CONF_KEYS:
        hit = next(((where, conf[key]) for where, conf, _ in sources if key in conf), None)
        if hit:
            lines.append(f"  {key} = {hit[1] or '（空）'}    ← {hit[0]}")
        else:
            lines.append(f"  {key}：未设置")
    lines.append(f"用户配置文件：{user_conf_path()}" + ("" if user_conf_path().is_file() else "（不存在）"))
    lines += [f"注意：{where}：{warning}" for where, _, warning in sources if warning]
    text = "\n".join(lines)
    book.tell(text)
    return text


HELP_TEXT = """绩效自评加载项 jixiao 使用说明

一键校验：按本表的规则配置检查整张表（必填项、数字格式、分值合计、得分与规则、等级、苏州表的金额关系等）。结果写入“校验结果”工作表，点击“位置”可跳到单元格；问题单元格标红（错误）或标黄（警告）并加批注。再次校验时先清除上次的标记。不会改动您填写的内容。

重新计算：表格右侧“指标方向、指标值（数值）、完成值（数值）”三列是计分依据。修改了年度指标值或实际完成值的文字后点它，按文字重新读出这三列并重算；您在这三列手工填写的值会保留并列出。同时列出手工填写、与规则不一致的得分。

生成自评报告：按本表起草绩效自评报告（Word 文档），存到本文件旁（不覆盖已有文件）。金额、执行率、各指标完成情况和偏差原因、总分和等级取自本表，自评表附在文末；表中没有的内容以【请补充：……】标出，请补写后再报送。

批量校验（财政部门用）：选择收回的自评表所在的文件夹，逐个校验，在该文件夹旁生成汇总表并打开：汇总（按状态、等级、执行率计数，每表一行，可打印）、问题清单、已说明问题和图表。

新建下一年度：在本文件旁另存下一年度的自评表（不覆盖已有文件）：保留项目信息、绩效目标、指标、指标值和分值，清空实际完成值、偏差原因、定性档次、手填得分和当年金额。

设置：查看规则配置、Python 和 jixiao 的位置、jixiao.conf 配置和版本。

没有加载项（或用 WPS、LibreOffice）时：表中的普通公式照样计算执行率、得分、总分和等级；只是没有这些按钮。
详细说明见 jixiao 的 docs/addin.md，计分规则见本工作簿的“填表说明”工作表。"""


def show_help(book: Book) -> str:
    """帮助: a short help text."""
    book.tell(HELP_TEXT)
    return HELP_TEXT


# =============================================================================================
# The ribbon's entry point
# =============================================================================================

BUTTONS: dict[str, Callable[[Book], Any]] = {
    "jx_validate": validate,
    "jx_recalc": recalc,
    "jx_report": report,
    "jx_next_year": next_year,
    "jx_batch_validate": batch_validate,
    "jx_settings": settings,
    "jx_help": show_help,
}


def error_log_path() -> Path:
    return Path(tempfile.gettempdir()) / "jixiao-error.log"


def run_button(button_id: str, book: Book):
    """Run a button on ``book``; every error becomes a Chinese message to the user (never a traceback
    box). Unexpected errors are logged with their traceback to ``error_log_path()``."""
    from .book_xlwings import SheetLocked

    action = BUTTONS.get(button_id)
    if action is None:
        book.tell(f"未知的按钮：{button_id}", error=True)
        return None
    try:
        return action(book)
    except JixiaoError as exc:
        book.tell(exc.message, error=True)
    except (SheetLocked, ExistingFile) as exc:
        book.tell(str(exc), error=True)
    except Exception as exc:  # noqa: BLE001 - the user sees a message, the log keeps the details
        log = error_log_path()
        try:
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"\n--- {_dt.datetime.now():%Y-%m-%d %H:%M:%S} {button_id} {book.name}\n")
                fh.write(traceback.format_exc())
        except OSError:
            pass
        book.tell(f"jixiao 运行出错：{type(exc).__name__}: {exc}\n\n详细信息已写入 {log}，"
                  "请把该文件发给维护人员。", error=True)
    return None


def on_button(button_id: str) -> None:
    """Called by the ribbon (JX_OnAction -> RunPython) with the button's id, on the caller workbook."""
    run_button(button_id, caller_book())


# =============================================================================================
# Headless command line: python -m jixiao.addin.actions
# =============================================================================================

#: The buttons that run on a file from the command line: (button id, the `jixiao` command, what it does,
#: an example, the sibling copy's name mark when --out is not given).
COMMANDS = {
    "validate": ("jx_validate", "check", "一键校验：按规则检查整张表，把“校验结果”工作表和问题单元格的标记写进工作簿副本"
                 "（输入文件不变）；有错误时退出码为 1",
                 "jixiao check 2026年度某项目.xlsx                 # 写出“2026年度某项目（已校验）.xlsx”\n"
                 "  jixiao check 某项目.xlsx --out 校验后.xlsx --force   # 指定副本，已存在时替换", "（已校验）"),
    "recalc": ("jx_recalc", "recalc", "重新计算：按年度指标值、实际完成值的文字刷新计分依据列（指标方向、指标值（数值）、"
               "完成值（数值）），写进工作簿副本（输入文件不变），并列出与规则不一致的手填得分",
               "jixiao recalc 2026年度某项目.xlsx                # 写出“2026年度某项目（已重算）.xlsx”\n"
               "  jixiao recalc 某项目.xlsx --out 重算后.xlsx", "（已重算）"),
    "next-year": ("jx_next_year", "new-year", "新建下一年度：保留项目信息、绩效目标、指标、指标值和分值，清空当年的完成值、"
                  "得分和金额，生成下一年度的新表（输入文件不变）",
                  "jixiao new-year 2026年度某项目.xlsx              # 在旁边写出“2027年度某项目.xlsx”\n"
                  "  jixiao new-year 2026年度某项目.xlsx --out 下一年/2027年度某项目.xlsx", ""),
    "report": ("jx_report", "report", "生成自评报告：按本表起草绩效自评报告（.docx），存到表旁（不覆盖已有文件）",
               "python -m jixiao.addin.actions report 表.xlsx", ""),
    "settings": ("jx_settings", "settings", "设置：规则配置、Python 位置和版本", "python -m jixiao.addin.actions settings 表.xlsx", ""),
    "help": ("jx_help", "help", "帮助：加载项的简要说明", "python -m jixiao.addin.actions help 表.xlsx", ""),
}


def sibling(path: Path, mark: str) -> Path:
    """"某项目.xlsx" -> "某项目（已校验）.xlsx" beside it (a long name shortened to fit 255 bytes)."""
    return path.with_name(fit_name(path.stem, f"{mark}{path.suffix}"))


def _same_path(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def main(argv: list[str] | None = None, *, button: str | None = None, prog: str = "python -m jixiao.addin.actions") -> int:
    """Exit 0 done; 1 validate found 错误 (the copy is still written); 2 unreadable or refused.
    `button` fixes the button (the `jixiao check|recalc|new-year` commands), `prog` names the command.
    Outputs are checked before anything is read or printed: never the input, never an existing file
    without --force."""
    what = COMMANDS[button][2] if button else "在工作簿文件上运行“绩效自评”选项卡的按钮（无需 Excel）"
    example = COMMANDS[button][3] if button else "python -m jixiao.addin.actions validate 表.xlsx --out 表-已校验.xlsx"
    parser = argparse.ArgumentParser(prog=prog, description=what, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=f"例如：\n  {example}\n\n退出码：0 完成；1 校验发现错误；2 文件无法读取或未能保存")
    if button is None:
        parser.add_argument("button", choices=list(COMMANDS))
    parser.add_argument("workbook", type=Path, metavar="FILE", help="自评表工作簿（.xlsx / .xlsm）")
    if button in (None, "validate", "recalc", "next-year"):
        default = ("默认在输入文件旁另存为“原名" + COMMANDS[button][4] + "”" if button in ("validate", "recalc")
                   else "默认在输入文件旁、按下一年度改名" if button == "next-year" else "validate/recalc/next-year")
        parser.add_argument("--out", type=Path, metavar="OUT", help=f"结果另存为这个文件（{default}）；从不改写输入文件")
        parser.add_argument("--force", action="store_true", help="输出文件已存在时替换它（默认不覆盖）")
    args = parser.parse_args(argv)
    if button is not None:
        args.button = button
    out = getattr(args, "out", None)
    force = getattr(args, "force", False)
    try:
        if args.button in ("validate", "recalc") and out is None:
            plain = args.workbook if args.workbook.suffix.lower() in (".xlsx", ".xlsm") else args.workbook.with_suffix(".xlsx")
            out = sibling(plain, COMMANDS[args.button][4])
        if out is not None:
            if name_bytes(out.name) > NAME_MAX_BYTES:
                raise ActionError(f"输出文件的文件名过长（超过 {NAME_MAX_BYTES} 字节）；请另取一个短些的文件名")
            if _same_path(out, args.workbook):
                raise ActionError(f"输出文件“{shown_name(out)}”就是输入文件；输入文件从不改写，请另取一个文件名")
            if out.suffix.lower() not in (".xlsx", ".xlsm"):
                raise ActionError(f"输出文件应以 .xlsx 或 .xlsm 结尾（现为“{shown_name(out)}”）")
            if out.is_dir():
                raise ActionError(f"输出文件“{shown_name(out)}”是一个文件夹；请写出文件名")
            if os.path.lexists(out) and not force:
                raise ActionError(f"输出文件“{shown_name(out)}”已经存在；为免覆盖，本次没有运行。确要替换请加 --force，"
                                  "或用 --out 另取一个文件名")
        if args.button == "next-year" and not _made_by_jixiao(args.workbook):
            if out is not None:
                raise ActionError("这张表不是 jixiao 生成的（按表头读取），新表按原文件名放在它旁边；--out 只用于 jixiao 生成的表")
            for target, lost in next_year_file(args.workbook):
                print(printable(f"已生成下一年度的自评表：{shown_name(target)}"))
                for line in lost:
                    print(printable(f"  未写入：{line}"))
            return 0
        book = open_book(args.workbook)
        button_id = COMMANDS[args.button][0]
        if args.button in ("validate", "recalc"):
            book.check_save_as(out, force)   # refused before any work: name, extension and content, --force
        if args.button == "next-year":
            result = next_year(book, open_new=False, target=out, overwrite=force)
        else:
            result = BUTTONS[button_id](book)
        for text in book.told:
            print(printable(text))
        if isinstance(result, ValidationReport):
            for f in result.findings:
                print(printable(f"{f.severity}\t{f.sheet}!{f.cell}\t{f.code}\t{f.message}"))
        if args.button in ("validate", "recalc"):
            saved = book.save_as(out, overwrite=force)
            print(printable(f"已写入 {shown_name(saved)}（输入文件未改动）"))
    except (JixiaoError, ExistingFile) as exc:
        where = isinstance(exc, JixiaoError) and not exc.where
        print(f"错误：{shown_name(args.workbook) + '：' if where else ''}{printable(str(exc))}", file=sys.stderr)
        return 2
    return 1 if isinstance(result, ValidationReport) and result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
