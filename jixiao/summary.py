"""The reviewer's summary workbook (`jixiao validate --summary 汇总.xlsx`, the ribbon's 批量校验): a
report a 绩效科 prints and acts on.

    汇总        title, bureau, date; counts by status, grade and 执行率 band; one row per form with
                its profile's own name, 满分 and 得分率 (so 苏州's 72 of 80 compares with 90 of 100),
                a link to the file (the only links: openpyxl holds a sheet's links until it saves);
                A4 landscape, one page wide, headings repeated on every page
    问题清单    one row per finding: file, project, rule code, severity, sheet!cell, message, fix
    已说明问题  every finding a unit waived in a cell comment, with its reason
    图表        the grade chart and the 执行率 distribution, each whole on one page

Results are spooled to a temporary file as they arrive and the workbook is written at the end with
openpyxl's write-only (streaming) worksheets: memory stays flat in the number of files. Every text
that comes from a form (names, units, file and sheet names, messages quoting cells) is written as a
text cell, never as a formula.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
from pathlib import Path

from .engine.safetext import sheet_text, sheet_value
from .batch import (GRADE_ORDER, NO_RATE, PASSED, RATE_BANDS, READ_CODE, STATUSES, UNREADABLE, WARNINGS_ONLY,
                    WITH_ERRORS, Tally, grade_order)
from .engine.files import atomic_output, quietly, write_error

SUMMARY_SHEET, FINDINGS_SHEET, WAIVED_SHEET, CHART_SHEET = "汇总", "问题清单", "已说明问题", "图表"

FILE_HEAD = [("序号", 8), ("文件", 26), ("主管部门", 13), ("单位", 15), ("项目", 22), ("规则", 15), ("年度", 9.5),
             ("执行率", 8.5), ("总分", 7), ("满分", 5.5), ("得分率", 7.5), ("等级", 5), ("状态", 8.5),
             ("错误", 5), ("警告", 5), ("已说明", 7)]
FINDING_HEAD = [("序号", 5), ("文件", 24), ("项目", 20), ("规则", 6), ("级别", 6), ("位置", 15), ("问题", 52),
                ("修改建议", 36)]
WAIVED_HEAD = [("序号", 5), ("文件", 24), ("项目", 20), ("规则", 6), ("级别", 6), ("位置", 15), ("问题", 50),
               ("单位的说明", 38)]
STATUS_FILL = {PASSED: "E2EFDA", WARNINGS_ONLY: "FFF2CC", WITH_ERRORS: "F8CBAD", UNREADABLE: "D9D9D9"}
HEAD_FILL = "DDEBF7"
SUMMARY_HEAD_ROW = 10


class SummaryWriter:
    """A sink for `batch.Batch`: ``add(result)`` as results arrive, ``close(tally)`` writes the file."""

    def __init__(self, path, *, overwrite: bool = False, bureau: str = "", scope: str = "", base: str | None = None):
        self.path, self.overwrite, self.bureau, self.scope = Path(path), overwrite, bureau, scope
        self.base = base
        self.spool = tempfile.TemporaryFile(mode="w+", encoding="utf-8", prefix="jixiao-summary-")
        self.years: dict[int, int] = {}
        self.findings = 0
        self.waived = 0

    def add(self, res: dict) -> None:
        keep = {k: res.get(k) for k in ("file", "sheet", "readable", "error", "department", "unit", "project", "region", "year",
                                        "exec_rate", "total", "full", "percent", "grade", "status", "errors",
                                        "warnings", "findings", "waived")}
        if res.get("readable") and isinstance(res.get("year"), int):
            self.years[res["year"]] = self.years.get(res["year"], 0) + 1
        self.findings += len(res.get("findings") or ()) + (0 if res.get("readable") else 1)
        self.waived += len(res.get("waived") or ())
        try:      # ASCII: a file name that is not UTF-8 (surrogate escapes) is kept as it is
            self.spool.write(json.dumps(keep, default=str) + "\n")
        except OSError as exc:
            raise write_error(self.path, exc) from None

    def _results(self):
        self.spool.seek(0)
        for line in self.spool:
            yield json.loads(line)

    def close(self, tally: Tally) -> Path:
        try:
            with atomic_output(self.path, overwrite=self.overwrite) as tmp:
                quietly(self.path, self._write, tmp, tally)
        finally:
            self.spool.close()
        return self.path

    # the workbook ----------------------------------------------------------------------------------
    def _write(self, target: Path, tally: Tally) -> None:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        self._styles()
        summary = wb.create_sheet(SUMMARY_SHEET)
        findings = wb.create_sheet(FINDINGS_SHEET)
        waived = wb.create_sheet(WAIVED_SHEET)
        charts = wb.create_sheet(CHART_SHEET)
        # widths and frozen panes are written before the first row in write-only sheets: set them first
        self._table_setup(summary, FILE_HEAD, SUMMARY_HEAD_ROW)
        self._summary_top(summary, tally)
        self._table_setup(findings, FINDING_HEAD, 3)
        self._table_setup(waived, WAIVED_HEAD, 3)
        findings.append([self._text(findings, "问题清单", "title")])
        findings.append([self._text(findings, f"共 {self.findings + len(tally.batch_findings)} 条（已说明的问题见"
                                              f"“{WAIVED_SHEET}”工作表）。按文件顺序排列；在“{SUMMARY_SHEET}”中点击文件名"
                                              "可打开该文件。", "note")])
        findings.append(self._head_row(findings, FINDING_HEAD))
        waived.append([self._text(waived, "已说明问题（单位在批注中写明原因、不计入错误和警告的问题）", "title")])
        waived.append([self._text(waived, f"共 {self.waived} 条。请逐条审核说明是否成立；不成立的，请在 jixiao.toml 中"
                                          "关闭该规则的批注说明（[waivers] exclude_rules）后重新校验。", "note")])
        waived.append(self._head_row(waived, WAIVED_HEAD))
        n_file = n_find = n_waive = 0
        for res in self._results():
            n_file += 1
            self._append(summary, self._file_row(summary, n_file, res), FILE_HEAD)
            if not res["readable"]:
                n_find += 1
                self._append(findings, self._finding_row(findings, n_find, res, {
                    "code": READ_CODE, "severity": "错误", "sheet": "", "cell": "", "message": res["error"],
                    "fix": "请报送用 jixiao 模板填写的 .xlsx 文件（旧版 .xls、WPS .et 请另存为 .xlsx）"}), FINDING_HEAD)
            for f in res.get("findings") or ():
                n_find += 1
                self._append(findings, self._finding_row(findings, n_find, res, f), FINDING_HEAD)
            for f in res.get("waived") or ():
                n_waive += 1
                self._append(waived, self._finding_row(waived, n_waive, res, f, reason=True), WAIVED_HEAD)
        for f in tally.batch_findings:
            n_find += 1
            self._append(findings, self._finding_row(findings, n_find, {"file": f.get("file", ""), "project": "（整批）"},
                                                     f), FINDING_HEAD)
        if n_file == 0:
            summary.append([self._text(summary, "（没有文件）", "cell")])
        for ws, rows, head in ((summary, n_file, FILE_HEAD), (findings, n_find, FINDING_HEAD), (waived, n_waive, WAIVED_HEAD)):
            first = ws._jx_head
            last_col = _col(len(head))
            ws.auto_filter.ref = f"A{first}:{last_col}{first + max(rows, 1)}"
        self._charts(charts, tally)
        wb.save(target)

    def _styles(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
        thin = Side(style="thin", color="808080")
        box = Border(left=thin, right=thin, top=thin, bottom=thin)
        wrap = Alignment(wrap_text=True, vertical="top")
        self.st = {
            "title": {"font": Font(bold=True, size=16)},
            "note": {"font": Font(size=10, color="404040")},
            "label": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor=HEAD_FILL), "border": box,
                      "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)},
            "count": {"border": box, "alignment": Alignment(horizontal="center")},
            "head": {"font": Font(bold=True), "fill": PatternFill("solid", fgColor=HEAD_FILL), "border": box,
                     "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True)},
            "cell": {"border": box, "alignment": wrap},
            "link": {"border": box, "alignment": wrap, "font": Font(color="0563C1", underline="single")},
            "center": {"border": box, "alignment": Alignment(horizontal="center", vertical="top")},
        }
        self.fills = {s: PatternFill("solid", fgColor=c) for s, c in STATUS_FILL.items()}

    def _cell(self, ws, value, style: str = "cell", number_format: str | None = None, fill=None):
        from openpyxl.cell import WriteOnlyCell
        value = sheet_value(value)     # what a cell can hold: control characters shown, at most 32,767 characters
        c = WriteOnlyCell(ws, value)
        if isinstance(value, str):
            c.data_type = "s"          # text from forms stays text: never a formula
        for attr, v in self.st[style].items():
            setattr(c, attr, v)
        if number_format:
            c.number_format = number_format
        if fill is not None:
            c.fill = fill
        return c

    _text = _cell

    def _append(self, ws, cells: list, head) -> None:
        """Append a table row with a height that shows its wrapped texts whole (spreadsheets do not
        re-measure rows of a file when they open it, so a printed row would cut its text)."""
        lines = 1
        for c, (_, w) in zip(cells, head):
            v = c.value
            if isinstance(v, str) and v:
                room = max(w - 1.5, 1.0)
                lines = max(lines, sum(int(-(-(text_width(part) * 1.1) // room)) or 1 for part in v.split("\n")))
        row = ws._jx_row = getattr(ws, "_jx_row", ws._jx_head) + 1
        if lines > 1:
            ws.row_dimensions[row].height = min(409, 16 * lines + 2)
        ws.append(cells)                       # written out now: its height is no longer needed
        ws.row_dimensions.pop(row, None)

    def _head_row(self, ws, head):
        return [self._cell(ws, h, "head") for h, _ in head]

    def _table_setup(self, ws, head, head_row: int) -> None:
        from openpyxl.worksheet.properties import PageSetupProperties
        for i, (_, width) in enumerate(head, start=1):
            ws.column_dimensions[_col(i)].width = width
        ws._jx_head = head_row
        ws.freeze_panes = f"A{head_row + 1}"
        ws.print_title_rows = f"{head_row}:{head_row}"
        _a4_landscape(ws, PageSetupProperties)

    def _summary_top(self, ws, tally: Tally) -> None:
        """Title, bureau, date and the counts above the table (rows 1-9), the table's heading (row 10)."""
        years = sorted(self.years, key=lambda y: -self.years[y])
        year = f"{years[0]}年度" if len(years) == 1 else ("、".join(str(y) for y in sorted(years)) + "年度" if years else "")
        ws.append([self._text(ws, f"{year}项目支出绩效自评表校验汇总", "title")])
        when = _dt.date.today().strftime("%Y年%m月%d日")
        ws.append([self._text(ws, f"财政部门：{self.bureau or '（未填写）'}　　校验日期：{when}　　校验范围：{self.scope or '—'}",
                              "note")])
        s = tally.status
        rows = [
            [("状态", None)] + [(k, s[k]) for k in STATUSES] + [("合计", tally.files), ("跳过文件", tally.skipped)],
            [("等级", None)] + [(g, tally.grades.get(g, 0)) for g in grade_order(set(GRADE_ORDER) | set(tally.grades))],
            [("执行率", None)] + [(label, tally.rates.get(label, 0)) for label, _, _ in RATE_BANDS]
            + [("未算出", tally.rates.get(NO_RATE, 0))],
        ]
        for pairs in rows:
            ws.append([self._cell(ws, k, "label") for k, _ in pairs])
            ws.append([self._cell(ws, "份数", "label")] + [self._cell(ws, v, "count") for _, v in pairs[1:]])
        ws.append([self._text(ws, f"错误 {tally.errors} 条，警告 {tally.warnings} 条，单位已说明（不计入）{tally.waived} 条，"
                                  f"逐条见“{FINDINGS_SHEET}”“{WAIVED_SHEET}”。得分率 = 总分 ÷ 满分（各地满分不同，如苏州 80 分）。"
                                  "跳过文件：不是表格的文件。", "note")])
        ws.append(self._head_row(ws, FILE_HEAD))      # row SUMMARY_HEAD_ROW

    def _link(self, ws, path: str, sheet: str = ""):
        c = self._cell(ws, self._shown(path) + (f"［{sheet}］" if sheet else ""), "link")
        try:
            target = os.path.relpath(os.path.abspath(path), os.path.abspath(self.path.parent))
        except ValueError:                 # another drive (Windows)
            target = os.path.abspath(path)
        target = target.replace(os.sep, "/")
        if sheet_text(target) == target:   # a name with control characters or undecodable bytes: no link
            c.hyperlink = target
        return c

    def _shown(self, path: str) -> str:
        if self.base:
            try:
                rel = os.path.relpath(os.path.abspath(path), self.base)
                if not rel.startswith(".."):
                    return rel
            except ValueError:
                pass
        return os.path.basename(path) or path

    def _file_row(self, ws, n: int, res: dict) -> list:
        status = res["status"]
        fill = self.fills.get(status)
        cells = [self._cell(ws, n, "center"), self._link(ws, res["file"], res.get("sheet") or "")]
        if not res["readable"]:
            return cells + [self._cell(ws, None) for _ in range(10)] + [
                self._cell(ws, status, "center", fill=fill), self._cell(ws, 1, "center"), self._cell(ws, 0, "center"),
                self._cell(ws, 0, "center")]
        return cells + [
            self._cell(ws, res.get("department") or None), self._cell(ws, res.get("unit") or None),
            self._cell(ws, res.get("project") or None), self._cell(ws, res.get("region") or None),
            self._cell(ws, res.get("year"), "center"),
            self._cell(ws, res.get("exec_rate"), "center", "0.00%"), self._cell(ws, res.get("total"), "center", "0.00"),
            self._cell(ws, res.get("full"), "center", "0.##"), self._cell(ws, res.get("percent"), "center", "0.0%"),
            self._cell(ws, res.get("grade") or "待定", "center"), self._cell(ws, status, "center", fill=fill),
            self._cell(ws, res.get("errors"), "center"), self._cell(ws, res.get("warnings"), "center"),
            self._cell(ws, len(res.get("waived") or ()), "center")]

    def _finding_row(self, ws, n: int, res: dict, f: dict, reason: bool = False) -> list:
        where = f"{f['sheet']}!{f['cell']}" if f.get("sheet") else (f.get("cell") or "—")
        fill = self.fills[WITH_ERRORS] if f.get("severity") == "错误" else self.fills[WARNINGS_ONLY]
        # the file's name as text: the link to it is on 汇总 (openpyxl keeps every link of a sheet until it
        # is saved, so one per finding would make memory grow with the batch)
        sheet = f"［{res['sheet']}］" if res.get("sheet") else ""
        file_cell = self._cell(ws, self._shown(res["file"]) + sheet if res.get("file") else "—")
        return [self._cell(ws, n, "center"), file_cell, self._cell(ws, res.get("project") or None),
                self._cell(ws, f.get("code"), "center"), self._cell(ws, f.get("severity"), "center", fill=fill),
                self._cell(ws, where), self._cell(ws, f.get("message")),
                self._cell(ws, f.get("waiver") if reason else f.get("fix"))]

    def _charts(self, ws, tally: Tally) -> None:
        """The grade chart and the 执行率 distribution, from two small tables; the sheet prints on one page."""
        from openpyxl.chart import BarChart, Reference
        from openpyxl.worksheet.properties import PageSetupProperties

        grades = grade_order(set(GRADE_ORDER) | set(tally.grades))
        bands = [label for label, _, _ in RATE_BANDS] + [NO_RATE]
        ws.column_dimensions["A"].width = 12
        ws.column_dimensions["B"].width = 8
        _a4_landscape(ws, PageSetupProperties, tall=1)
        ws.append([self._text(ws, "等级分布与执行率分布", "title")])
        ws.append([self._cell(ws, "等级", "head"), self._cell(ws, "项目数", "head")])
        for g in grades:
            ws.append([self._cell(ws, g, "center"), self._cell(ws, tally.grades.get(g, 0), "center")])
        ws.append([])
        second = 2 + len(grades) + 2
        ws.append([self._cell(ws, "执行率", "head"), self._cell(ws, "项目数", "head")])
        for b in bands:
            ws.append([self._cell(ws, b, "center"), self._cell(ws, tally.rates.get(b, 0), "center")])
        for title, head, n, anchor, xtitle in (("等级分布", 2, len(grades), "D2", "等级"),
                                               ("执行率分布", second, len(bands), "D20", "执行率")):
            chart = BarChart()
            chart.type = "col"
            chart.title = title
            chart.y_axis.title = "项目数"
            chart.x_axis.title = xtitle
            chart.legend = None
            chart.width, chart.height = 17, 8.2      # cm: two charts one above the other fit an A4 page
            chart.add_data(Reference(ws, min_col=2, min_row=head, max_row=head + n), titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=head + n))
            chart.y_axis.majorGridlines = None
            chart.y_axis.delete = False
            chart.x_axis.delete = False
            ws.add_chart(chart, anchor)
        ws.print_area = "A1:M37"


def _a4_landscape(ws, PageSetupProperties, tall: int = 0) -> None:
    """A4 landscape, one page wide (and `tall` pages high; 0 = as many as needed), page numbers below."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = tall
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.HeaderFooter.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.HeaderFooter.oddFooter.right.text = "&A"


def text_width(text: str) -> int:
    """Width in columns of `text`: CJK and full-width characters count 2."""
    import unicodedata
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(n)


def write_summary(results, path, overwrite: bool = False, **kw) -> Path:
    """The summary of already-computed results (a list), for callers that have them all."""
    from .batch import Tally
    tally = Tally()
    writer = SummaryWriter(path, overwrite=overwrite, **kw)
    for res in results:
        tally.add(res)
        writer.add(res)
    return writer.close(tally)
