"""The `jixiao` command line: validate, score, build, fill.

    jixiao validate PATH...   every reviewer check on files or folders (jixiao workbooks by their names,
                              any other 自评表 — .xlsx/.xls/.et/.ods — by its headings, one result per form) (recursively, spreadsheet files
                              only: the number of other files skipped is reported); a table by
                              default, --json / --csv for machines, --summary out.xlsx for a summary
                              workbook with a grade-distribution chart
    jixiao score PATH...      recompute 执行率, each indicator's score, 总分 and 等级 from the entered
                              values (never from cached or typed results), marking where the workbook's
                              own typed numbers differ
    jixiao build / fill ...   templates (jixiao.templates.build.main / jixiao.templates.fill.main)
    jixiao import FILE --out DIR   any 自评表 (read by headings when it is not a jixiao workbook) into a
                              live jixiao template of the recognised profile (jixiao.templates.importing)
    jixiao new-year / recalc / check FILE   the ribbon buttons on a file (jixiao.addin.actions.main)
    jixiao report PATH... --out DIR   one 自评报告 (.docx) per form (jixiao.report), in parallel for folders
    jixiao validate --report REPORT.docx FORM   also check a hand-written report against its form (T07)

Output files (-o, --summary) are checked before anything is read: never one of the inputs, never a
spreadsheet inside a folder being checked (the next run would take it for a form; a .txt/.json/.csv
report there is fine), and an existing file is replaced only with --force.

Exit codes (validate, score and check): 0 clean; 1 some 错误 found (validate, check); 2 an input could
not be read (validate and score still go on with the other files; a folder that cannot be read is
reported as such, never skipped silently), an output could not be written, or a usage error. Errors
meant for users are printed in Chinese, never as a traceback; an unexpected failure prints one line,
and its traceback only with --debug.

Text from files stays text (jixiao.engine.safetext): what reaches the terminal has its control
characters escaped, CSV cells cannot start a formula, JSON is valid whatever a name holds, and the
summary workbook stores every name as text.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
import traceback
import unicodedata
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

from .engine.errors import JixiaoError
from .engine.files import (NAME_MAX_BYTES, NAME_RESERVE, atomic_output, check_replaceable, fit_name, name_bytes,
                           read_error_message, workbook_bytes)
from .engine.safetext import append_row, csv_row, json_text, printable, shown_name

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2
READ_CODE = "P00"          # a file that cannot be read as a jixiao form (not a registered rule)
PARALLEL_FROM = 8          # files; below this a pool costs more than it saves
PROGRESS_FROM = 20         # files; a progress bar on a TTY from this many
# In folders only these are checked (the .docx/.pdf reports beside the forms are not); .xls and WPS .et
# are kept so that they get their "save as .xlsx" message. A file named on the command line is always checked.
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et", ".ett"}


# Files -------------------------------------------------------------------------------------------

def collect(paths: list[str], unreadable: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Files to check, in order, and the files skipped as not spreadsheets. Files as given are
    always checked, whatever their name (a foreign file gets its own message); folders are walked
    recursively and sorted, skipping hidden entries, Excel's "~$" lock files and (listed) files
    without a spreadsheet suffix. A path that does not exist is kept (it is reported as unreadable);
    so is a folder that cannot be read, with its reason in `unreadable` (path -> message)."""
    out: list[str] = []
    seen: set[str] = set()
    skipped: list[str] = []
    unreadable = {} if unreadable is None else unreadable

    def add(p: str):
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            out.append(p)

    def failed(exc: OSError):
        where = exc.filename if isinstance(exc.filename, str) else str(exc.filename)
        unreadable[where] = f"无法读取此文件夹（{read_error_message(exc).replace('此文件', '')}），其中的表格没有检查"
        add(where)

    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p, onerror=failed):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith((".", "~$")):
                        continue
                    if not _spreadsheet(name):
                        skipped.append(os.path.join(root, name))
                        continue
                    add(os.path.join(root, name))
        else:
            add(p)
    return out, skipped


def _spreadsheet(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SPREADSHEET_SUFFIXES


def _real(path) -> str:
    return os.path.normcase(os.path.realpath(path))


def _same_file(a, b) -> bool:
    try:
        return os.path.samefile(a, b)      # also a hard link or another spelling of the path
    except OSError:                        # one of them does not exist (yet)
        return _real(a) == _real(b)


def _collected_from(folder: str, path: Path) -> bool:
    """Whether `collect` walking `folder` would pick up `path` as a form to check."""
    try:
        rel = os.path.relpath(_real(path), _real(folder))
    except ValueError:                     # another drive (Windows)
        return False
    *dirs, name = rel.split(os.sep)
    return (rel != os.curdir and not (dirs and dirs[0] == os.pardir) and not any(d.startswith(".") for d in dirs)
            and not name.startswith((".", "~$")) and _spreadsheet(name))


def check_outputs(outputs: list[tuple[str, Path | None]], paths: list[str], files: list[str], what: str,
                  force: bool) -> None:
    """Before anything is checked or written: an output file is never one of the inputs, nor a
    spreadsheet in a folder being checked (the next run would take it for a form), nor a folder;
    and it never replaces an existing file without --force."""
    given = [(label, Path(path)) for label, path in outputs if path]
    for n, (label, path) in enumerate(given):
        twin = next((other for other, earlier in given[:n] if _same_file(path, earlier)), None)
        if twin:
            raise JixiaoError(f"{label}与{twin}是同一个文件“{path}”；请分别指定")
        if name_bytes(path.name) > NAME_MAX_BYTES:
            raise JixiaoError(f"{label}的文件名过长（超过 {NAME_MAX_BYTES} 字节）；请另取一个短些的文件名", where=str(path))
        if path.is_dir():
            raise JixiaoError(f"{label}“{shown_name(path)}”是一个文件夹；请写出文件名")
        if any(_same_file(path, f) for f in files):
            raise JixiaoError(f"{label}“{path}”是要{what}的文件；输入的文件从不改写，请另取一个文件名")
        folder = next((p for p in paths if os.path.isdir(p) and _collected_from(p, path)), None)
        if folder is not None:
            raise JixiaoError(f"{label}“{path}”在要{what}的文件夹“{folder}”中，是表格文件，下次{what}这个文件夹时"
                              "会被当作一份自评表；请存到这个文件夹之外")
        if os.path.lexists(path) and not force:
            raise JixiaoError(f"{label}“{shown_name(path)}”已经存在；为免覆盖，本次没有{what}，也没有写入任何文件。"
                              "确要替换请加 --force，或另取一个文件名")
        if force:
            check_replaceable(path)     # --force replaces a regular file, never a link, device or FIFO


# One file (runs in worker processes) ---------------------------------------------------------------

def _project(form) -> str:
    h = form.header
    if h.get("project_name"):
        return str(h["project_name"])
    parts = [str(h[k]) for k in ("special_name", "subitem_name") if h.get(k)]
    return "—".join(parts)


def _unit(form) -> str:
    h = form.header
    return str(h.get("unit") or h.get("department") or "")


def _summary_fields(form, profile, result) -> dict:
    return {"profile": form.profile, "title": profile.title, "region": profile.data.get("region", ""),
            "year": form.year, "unit": _unit(form), "project": _project(form),
            "exec_rate": result.exec_rate, "exec_score": result.exec_score, "total": result.total,
            "grade": result.grade}


def _failure(path: str, exc: BaseException) -> dict:  # noqa: D401
    if isinstance(exc, JixiaoError):
        message, internal = str(exc) if exc.where else f"{shown_name(path)}：{exc.message}", ""
    else:
        message = f"{shown_name(path)}：内部错误（{type(exc).__name__}: {exc}），请把以下信息发给开发者"
        internal = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"file": path, "readable": False, "error": message, "traceback": internal, "findings": [],
            "errors": 0, "warnings": 0}


def _reading(rf) -> dict:
    r = rf.reading
    return {"method": r.method, "layout": r.layout, "layout_name": r.layout_name, "profile": r.profile,
            "reason": r.reason, "sheet": r.sheet, "notes": list(r.notes),
            "unplaced": [{"cell": at, "text": text} for at, text in r.unplaced]}


def _read(path: str, profile: str | None):
    """Every form in a file (jixiao.engine.forms); `profile` is the --profile argument as typed."""
    from .engine.forms import read_forms
    from .engine.profiles import profile_argument
    name = profile_argument(profile) if profile else None   # registered in this (worker) process too
    return read_forms(path, profile=name)


def check_file(path: str, profile: str | None = None, report: str | None = None) -> list[dict]:
    """Read and validate every form in one file (and the 自评报告 `report` against it); never raises (a
    failure is returned as an unreadable result). One result per form: a workbook with a form on each
    of two sheets gives two."""
    from .engine.validation.core import Context
    from .engine.validation.runner import run_rules
    try:
        out = []
        forms = _read(path, profile)
        paragraphs = None
        if report is not None:
            from .engine.document import read_paragraphs
            if len(forms) > 1:
                raise JixiaoError(f"文件中有 {len(forms)} 份自评表，--report 只能与一份自评表核对；"
                                  "请把要核对的那份另存为单独的文件", where=path)
            paragraphs = read_paragraphs(report)
        for rf in forms:
            form, prof = rf.form, rf.profile
            ctx = Context(form, prof, paragraphs, report or "")   # scores every row whose 一级指标 is known
            findings = run_rules(ctx)
            res = {"file": path, "readable": True, "error": "", "traceback": "",
                   **_summary_fields(form, prof, ctx.result), "sheet": rf.reading.sheet if len(forms) > 1 else "",
                   "reading": _reading(rf), "findings": [f.to_dict() for f in findings]}
            res["errors"] = sum(1 for f in findings if f.is_error)
            res["warnings"] = len(findings) - res["errors"]
            out.append(res)
        return out
    except Exception as exc:  # noqa: BLE001 - reported per file, the run goes on
        return [_failure(path, exc)]


def score_file(path: str, profile: str | None = None) -> list[dict]:
    """Recompute every form's scores from its entered values; typed numbers are shown beside them,
    and the form as read (rows, levels, weights, cells not placed) for the reviewer to check."""
    try:
        forms = _read(path, profile)
        return [_score_form(path, rf, len(forms) > 1) for rf in forms]
    except Exception as exc:  # noqa: BLE001
        return [_failure(path, exc)]


def _score_form(path: str, rf, several: bool) -> dict:
    from .engine.excel import is_number
    from .engine.validation.core import Context, differs
    form, profile = rf.form, rf.profile
    ctx = Context(form, profile)        # rows whose 一级指标 is unknown are listed, not scored
    result = ctx.result
    rows = []
    head_of = {g[0]: g for g in ctx.groups}
    for i, ind in enumerate(form.indicators):
        r = ctx.rows.get(i)
        typed = ind.reported_score if ind.reported_score is not None else ind.shown_score
        grp = head_of.get(i)
        score = r.score if (grp and r) else None
        differ = bool(grp) and is_number(typed) and score is not None and differs(typed, score, profile.score_decimals)
        rows.append({"cell": ind.cells.get("name", ""), "level1": ind.level1.split("\n")[0], "level2": ind.level2,
                     "name": ind.name, "target": ind.target, "actual": ind.actual, "level": ind.level,
                     "weight": r.weight if r else None, "shared": r is not None and grp is None, "score": score,
                     "completion": r.completion if r else None, "direction": r.direction if r else "",
                     "scored": r is not None, "reported": typed if (grp or r is None) else None, "differs": differ})
    reported = {**form.shown, **form.reported}  # what the sheet shows: typed, or a formula's saved result
    diffs = {}
    for key, mine, places in (("total", result.total, profile.score_decimals), ("exec_score", result.exec_score,
                              profile.score_decimals), ("exec_rate", result.exec_rate, 4)):
        if key in reported and is_number(reported[key]) and mine is not None:
            diffs[key] = differs(reported[key], mine, places)
    if "grade" in reported:
        typed_grade = str(reported["grade"]).replace("等级", "").strip(" ：:")
        diffs["grade"] = typed_grade != result.grade
    funds = [{"label": fr.label or fr.key, "initial": fr.initial, "budget": fr.budget, "executed": fr.executed}
             for fr in form.funds]
    return {"file": path, "readable": True, "error": "", "traceback": "", **_summary_fields(form, profile, result),
            "sheet": rf.reading.sheet if several else "", "reading": _reading(rf), "funds": funds,
            "funds_weight": form.funds_weight if is_number(form.funds_weight) else (
                profile.funds_weight if profile.funds_scored and form.funds else None),
            "indicators": rows, "reported": reported, "differs": diffs}


def _json_safe(value):
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# Running over many files ---------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr (only on a TTY and for long runs)."""

    def __init__(self, total: int, enabled: bool, label: str = "校验"):
        self.total, self.enabled, self.label = total, enabled, label
        self.done, self.last, self.start = 0, 0.0, time.monotonic()

    def step(self, n: int = 1):
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and self.done < self.total:
            return
        self.last = now
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = self.done / max(now - self.start, 1e-6)
        sys.stderr.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
                         f"({rate:.0f} 个/秒)")
        sys.stderr.flush()

    def close(self):
        if self.enabled:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


def run_all(fn, files: list[str], jobs: int | None, progress: bool, label: str = "校验") -> list[dict]:
    """fn(file) -> a list of results (one per form in the file); all of them, in file order."""
    jobs = jobs or os.cpu_count() or 1
    bar = Progress(len(files), progress and sys.stderr.isatty() and len(files) >= PROGRESS_FROM, label)
    results: list[dict] = []
    try:
        if jobs > 1 and len(files) >= PARALLEL_FROM:
            chunk = max(1, min(64, len(files) // (jobs * 8)))
            with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
                for res in pool.map(fn, files, chunksize=chunk):
                    results.extend(res)
                    bar.step()
        else:
            for f in files:
                results.extend(fn(f))
                bar.step()
    finally:
        bar.close()
    return results


# Output ----------------------------------------------------------------------------------------

def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int) -> str:
    return text + " " * max(0, n - width(text))


def rpad(text: str, n: int) -> str:
    return " " * max(0, n - width(text)) + text


def _pct(x) -> str:
    return f"{x * 100:.2f}%" if isinstance(x, (int, float)) else "—"


def _num(x, places: int = 2) -> str:
    return f"{x:.{places}f}" if isinstance(x, (int, float)) and not isinstance(x, bool) else "—"


def _title(res: dict) -> str:
    bits = [shown_name(b) for b in (res.get("unit"), res.get("project")) if b]
    about = f"{res.get('region') or res.get('profile')} {res.get('year')}"
    return f"{_where(res)}（{about}{'，' + '，'.join(bits) if bits else ''}）"


def _where(res: dict) -> str:
    """The file (and, for a workbook holding several forms, the sheet) a result is about, on one line."""
    return shown_name(f"{res['file']}［{res['sheet']}］" if res.get("sheet") else res["file"])


def _how_read(res: dict) -> str:
    """One line for a form read by headings: the layout, the rules and why, and what was not placed."""
    reading = res.get("reading") or {}
    if reading.get("method") != "headings":
        return ""
    n = len(reading.get("unplaced") or ())
    more = f"；{n} 个单元格未能放置（jixiao score 列出）" if n else ""
    return f"  {reading['reason']}{more}\n"


def print_table(results: list[dict], out, show_clean: bool = True) -> None:
    for res in results:
        if not res["readable"]:
            out.write(f"[无法读取] {res['error']}\n")
            if res.get("traceback"):
                out.write("  （加 --debug 显示详细信息）\n")
            continue
        status = "通过" if not res["findings"] else f"{res['errors']} 个错误，{res['warnings']} 个警告"
        if not res["findings"]:
            if show_clean:
                out.write(f"[通过] {_title(res)}：总分 {_num(res['total'])}，等级 {res['grade'] or '—'}\n")
                out.write(_how_read(res))
            continue
        out.write(f"\n{_title(res)}：{status}；按规则总分 {_num(res['total'])}，等级 {res['grade'] or '—'}\n")
        out.write(_how_read(res))
        wloc = max(width(f["sheet"] and f"{f['sheet']}!{f['cell']}" or f["cell"] or "—") for f in res["findings"])
        wloc = min(wloc, 40)
        hinted = set()
        for f in res["findings"]:
            loc = f"{f['sheet']}!{f['cell']}" if f["sheet"] else (f["cell"] or "—")
            out.write(f"  {f['severity']} {f['code']}  {pad(loc, wloc)}  {f['message']}\n")
            if f["fix"] and f["code"] not in hinted:
                hinted.add(f["code"])
                out.write(f"  {' ' * (9 + wloc)}修改：{f['fix']}\n")


def summary_line(results: list[dict], skipped: int = 0) -> str:
    n = len(results)
    unreadable = sum(1 for r in results if not r["readable"])
    with_errors = sum(1 for r in results if r["readable"] and r["errors"])
    clean = sum(1 for r in results if r["readable"] and not r["findings"])
    errors = sum(r["errors"] for r in results)
    warnings = sum(r["warnings"] for r in results)
    return (f"共 {n} 个文件：{clean} 个通过，{with_errors} 个有错误，{unreadable} 个无法读取；"
            f"错误 {errors} 条，警告 {warnings} 条。" + (skipped_line(skipped) if skipped else ""))


def skipped_line(skipped: int) -> str:
    return f"跳过 {skipped} 个非表格文件。"


def _found(paths: list[str], what: str, unreadable: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    files, skipped = collect(paths, unreadable)
    if not files:
        hint = f"：跳过 {len(skipped)} 个非表格文件（文件夹中只查找 .xlsx、.xlsm 等；其他文件请直接写出文件名）"
        where = "、".join(f"“{shown_name(p)}”" for p in paths[:3]) + (" 等" if len(paths) > 3 else "")
        raise JixiaoError(f"在{where}中没有找到要{what}的表格文件" + (hint if skipped else ""))
    return files, skipped


CSV_HEAD = ["文件", "代码", "级别", "工作表", "单元格", "说明", "修改建议"]


def write_csv(results: list[dict], out) -> None:
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEAD)
    for res in results:    # every cell as text a spreadsheet will not take for a formula
        name = shown_name(res["file"])
        if not res["readable"]:
            w.writerow(csv_row([name, READ_CODE, "错误", "", "", res["error"],
                                "请提交可以打开的绩效自评表（.xlsx、.xls、.et、.ods），原因见说明"]))
        for f in res["findings"]:
            w.writerow(csv_row([shown_name(f.get("file") or res["file"]), f["code"], f["severity"], f["sheet"], f["cell"],
                                f["message"], f["fix"]]))


def exit_code(results: list[dict]) -> int:
    if any(not r["readable"] for r in results):
        return EXIT_UNREADABLE
    if any(r["errors"] for r in results):
        return EXIT_FINDINGS
    return EXIT_OK


def atomic_write(path: Path, write, overwrite: bool = False) -> Path:
    """Write via a temp file beside `path`, then rename: never a half-written file, and an existing
    file is replaced only with overwrite."""
    try:
        with atomic_output(path, overwrite=overwrite) as tmp:
            write(tmp)
    except FileExistsError:  # made by someone else since check_outputs
        raise JixiaoError(f"“{shown_name(path)}”已经存在，没有覆盖；确要替换请加 --force") from None
    return Path(path)


def write_summary(results: list[dict], path: Path, overwrite: bool = False) -> Path:
    """One row per file (单位, 项目, 执行率, 总分, 等级, 错误数, 警告数) and a grade-distribution chart."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    head = ["文件", "单位", "项目", "规则", "年度", "执行率", "总分", "等级", "错误数", "警告数", "状态"]
    append_row(ws, head)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for c in ws[1]:
        c.font, c.fill, c.alignment = bold, fill, Alignment(horizontal="center")
    grades: dict[str, int] = {}
    order: list[str] = []
    for res in results:
        if res["readable"]:
            status = "有错误" if res["errors"] else ("有警告" if res["warnings"] else "通过")
            append_row(ws, [_where(res), res["unit"], res["project"], res.get("title") or res["profile"], res["year"],
                            res["exec_rate"], res["total"], res["grade"], res["errors"], res["warnings"], status])
            ws.cell(ws.max_row, 6).number_format = "0.00%"
            ws.cell(ws.max_row, 7).number_format = "0.00"
            label = res["grade"] or "未评分"
        else:
            append_row(ws, [shown_name(res["file"]), None, None, None, None, None, None, None, None, None,
                            "无法读取：" + res["error"]])
            label = "无法读取"
        grades[label] = grades.get(label, 0) + 1
        if label not in order:
            order.append(label)
    for col, w in zip("ABCDEFGHIJK", (48, 24, 36, 22, 8, 10, 10, 8, 8, 8, 40)):
        ws.column_dimensions[col].width = w
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:K{ws.max_row}"
    rank = {"优": 0, "良": 1, "中": 2, "差": 3, "未评分": 8, "无法读取": 9}
    labels = sorted(order, key=lambda g: (rank.get(g, 5), g))
    dist = wb.create_sheet("等级分布")
    append_row(dist, ["等级", "项目数"])
    for c in dist[1]:
        c.font, c.fill = bold, fill
    for g in labels:
        append_row(dist, [g, grades[g]])
    chart = BarChart()
    chart.type = "col"
    chart.title = "等级分布"
    chart.y_axis.title = "项目数"
    chart.x_axis.title = "等级"
    chart.legend = None
    data = Reference(dist, min_col=2, min_row=1, max_row=len(labels) + 1)
    cats = Reference(dist, min_col=1, min_row=2, max_row=len(labels) + 1)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    dist.add_chart(chart, "D2")
    return atomic_write(Path(path), lambda tmp: Path(tmp).write_bytes(workbook_bytes(wb, path)), overwrite)


# Score output ----------------------------------------------------------------------------------------

def _cut(text: str, n: int) -> str:
    text = str(text or "").replace("\n", " ")
    if width(text) <= n:
        return text
    while width(text) > n - 1:
        text = text[:-1]
    return text + "…"


def _amount(x) -> str:
    if isinstance(x, bool) or x is None:
        return "—" if x is None else str(x)
    if isinstance(x, (int, float)):
        return f"{x:.6f}".rstrip("0").rstrip(".")
    return f"“{x}”"


def print_scores(results: list[dict], out) -> None:
    """The form as read (blocks, rows with their levels and weights) and the rules' numbers beside
    what the sheet shows, so that a reviewer sees at once whether the reading went right."""
    for res in results:
        if not res["readable"]:
            out.write(f"[无法读取] {res['error']}\n")
            continue
        d, rep = res["differs"], res["reported"]

        def mark(key):
            return f"（表内 {rep[key]} ≠）" if d.get(key) else ""
        reading = res.get("reading") or {}
        out.write(f"\n{_title(res)}\n")
        if reading:
            out.write(f"  读取：{reading['reason']}\n")
        if res.get("funds"):
            parts = [f"{f['label']} 年初 {_amount(f['initial'])} / 全年 {_amount(f['budget'])} / 执行 {_amount(f['executed'])}"
                     for f in res["funds"]]
            out.write(f"  资金（万元）：{'；'.join(parts)}\n")
        if res["exec_rate"] is not None or res.get("funds_weight") is not None:
            out.write(f"  执行率 {_pct(res['exec_rate'])}{mark('exec_rate')}，执行率得分 {_num(res['exec_score'])}"
                      f"{mark('exec_score')}（分值 {res['funds_weight'] if res['funds_weight'] is not None else '—'}）\n")
        rows = res["indicators"]
        w1 = min(max([width(r["level1"] or "") for r in rows] + [8]), 14)
        w2 = min(max([width(r["level2"] or "") for r in rows] + [8]), 16)
        wname = min(max([width(r["name"] or "") for r in rows] + [8]), 30)
        out.write(f"  {pad('单元格', 10)}{pad('一级指标', w1)}  {pad('二级指标', w2)}  {pad('三级指标', wname)}  "
                  f"{rpad('分值', 6)}  {rpad('得分', 6)}  表内得分\n")
        for r in rows:
            cell = r["cell"].rpartition("!")[2]
            lead = (f"  {pad(cell, 10)}{pad(_cut(r['level1'], w1), w1)}  {pad(_cut(r['level2'], w2), w2)}  "
                    f"{pad(_cut(r['name'] or '（未命名）', wname), wname)}  ")
            if not r["scored"]:
                out.write(f"{lead}（一级指标无法识别，未计分）\n")
                continue
            if r["shared"]:
                out.write(f"{lead}{rpad('（与上行共用分值）', 14)}\n")
                continue
            weight = f"{r['weight']:g}" if isinstance(r["weight"], (int, float)) else "—"
            typed = "" if r["reported"] is None else f"{r['reported']}" + ("  ≠ 规则" if r["differs"] else "")
            out.write(f"{lead}{weight:>6}  {_num(r['score']):>6}  {typed}\n")
        out.write(f"  总分 {_num(res['total'])}{mark('total')}，等级 {res['grade'] or '—'}{mark('grade')}\n")
        for note in reading.get("notes") or ():
            out.write(f"  注：{note}\n")
        unplaced = reading.get("unplaced") or []
        if unplaced:
            shown = "、".join(f"{u['cell'].rpartition('!')[2]}“{_cut(u['text'], 20)}”" for u in unplaced[:12])
            more = f" 等 {len(unplaced)} 个" if len(unplaced) > 12 else ""
            out.write(f"  未能放置的单元格（{len(unplaced)} 个，未读取）：{shown}{more}\n")


# Commands --------------------------------------------------------------------------------------

def _text_output(path) -> None:
    """-o holds text (a table, JSON or CSV): a spreadsheet's name would make Excel refuse it and the
    next validate take it for a form. (The extension of an output matches its content.)"""
    if path and path.suffix.lower() in SPREADSHEET_SUFFIXES:
        raise JixiaoError(f"输出文件（-o）“{shown_name(path)}”是文本（表格、JSON 或 CSV），不能以 {path.suffix} 结尾；"
                          "请用 .txt、.json 或 .csv，汇总工作簿请用 --summary 汇总.xlsx")


def _run(fn, files: list[str], unreadable: dict[str, str], args, label: str = "校验") -> list[dict]:
    """`fn` over the files (a list of results each: one per form); the folders that could not be read
    are reported after them, each as an unreadable result."""
    todo = [f for f in files if f not in unreadable]
    results = run_all(fn, todo, args.jobs, not args.no_progress, label)
    return results + [_failure(f, JixiaoError(unreadable[f], where=f)) for f in files if f in unreadable]


def _check_profile(args) -> None:
    """A --profile argument is checked (and a file registered) before any file is read."""
    if args.profile:
        from .engine.profiles import load_profile, profile_argument
        load_profile(profile_argument(args.profile))


def cmd_validate(args) -> int:
    _check_profile(args)
    if args.summary and args.summary.suffix.lower() != ".xlsx":
        raise JixiaoError(f"汇总表是 Excel 工作簿，文件名应以 .xlsx 结尾（现为“{shown_name(args.summary)}”），"
                          "如 --summary 汇总.xlsx")
    unreadable: dict[str, str] = {}
    files, skipped = _found(args.paths, "校验", unreadable)
    report = [str(args.report)] if args.report is not None else []
    if report and (len(files) != 1 or os.path.isdir(args.paths[0])):
        raise JixiaoError("--report 要与一份自评表一起校验：jixiao validate --report 自评报告.docx 自评表.xlsx")
    check_outputs([("输出文件（-o）", args.output), ("汇总表（--summary）", args.summary)], args.paths + report,
                  files + report, "校验", args.force)
    _text_output(args.output)
    results = _run(partial(check_file, profile=args.profile, report=args.report and str(args.report)), files,
                   unreadable, args)
    out = sys.stdout
    if args.json:
        text = json_text({"files": [_json_safe({k: v for k, v in r.items() if k != "traceback" or args.debug})
                                    for r in results],
                          "summary": {"files": len(results), "skipped": skipped, "exit_code": exit_code(results),
                                      "text": summary_line(results, len(skipped))}}, indent=2)
        _emit(text + "\n", args.output, out, args.force)
    elif args.csv:
        buf = io.StringIO()
        write_csv(results, buf)
        _emit(buf.getvalue(), args.output, out, args.force, bom=True)
        if skipped:
            sys.stderr.write(skipped_line(len(skipped)) + "\n")
    else:
        buf = io.StringIO()
        print_table(results, buf, show_clean=not args.quiet)
        buf.write("\n" + summary_line(results, len(skipped)) + "\n")
        _emit(printable(buf.getvalue().lstrip("\n")), args.output, out, args.force)
    if args.debug:
        for r in results:
            if r.get("traceback"):
                sys.stderr.write(printable(f"{r['file']}：请把以下信息发给开发者\n{r['traceback']}\n"))
    if args.summary:
        write_summary(results, args.summary, args.force)
        sys.stderr.write(printable(f"汇总表已写入 {shown_name(args.summary)}\n"))
    return exit_code(results)


def cmd_score(args) -> int:
    _check_profile(args)
    unreadable: dict[str, str] = {}
    files, skipped = _found(args.paths, "计分", unreadable)
    check_outputs([("输出文件（-o）", args.output)], args.paths, files, "计分", args.force)
    _text_output(args.output)
    results = _run(partial(score_file, profile=args.profile), files, unreadable, args, "计分")
    if args.json:
        _emit(json_text([_json_safe({k: v for k, v in r.items() if k != "traceback" or args.debug})
                         for r in results], indent=2) + "\n", args.output, sys.stdout, args.force)
    else:
        buf = io.StringIO()
        print_scores(results, buf)
        _emit(printable(buf.getvalue().lstrip("\n")), args.output, sys.stdout, args.force)
    if skipped:
        sys.stderr.write(skipped_line(len(skipped)) + "\n")
    if args.debug:
        for r in results:
            if r.get("traceback"):
                sys.stderr.write(printable(f"{r['file']}：请把以下信息发给开发者\n{r['traceback']}\n"))
    return EXIT_UNREADABLE if any(not r["readable"] for r in results) else EXIT_OK


def _emit(text: str, output, stdout, overwrite: bool = False, bom: bool = False) -> None:
    if output:
        atomic_write(Path(output), lambda tmp: Path(tmp).write_text(text, encoding="utf-8-sig" if bom else "utf-8"),
                     overwrite)
    else:
        stdout.write(text)
        stdout.flush()


def cmd_build(argv: list[str]) -> int:
    from jixiao.templates import build
    return build.main(argv)


def cmd_fill(argv: list[str]) -> int:
    from jixiao.templates import fill
    return fill.main(argv)


def cmd_button(button: str, command: str):
    """The ribbon buttons on a workbook file, headless (jixiao.addin.actions)."""
    def run(argv: list[str]) -> int:
        from jixiao.addin import actions
        return actions.main(argv, button=button, prog=f"jixiao {command}")
    return run


def report_job(job: tuple[str, str, bool, str | None]) -> list[dict]:
    """The reports of one file of `jixiao report` (in a worker process)."""
    from .report import report_file
    return report_file(job)


def cmd_report(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="jixiao report", description="按绩效自评表生成绩效自评报告（Word .docx），每份表一份报告",
                                epilog="退出码：0 全部生成；2 有文件无法读取或未能写入（其余照常生成）")
    p.add_argument("paths", nargs="+", metavar="PATH", help="自评表文件或文件夹（递归查找表格文件）")
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="报告存放的文件夹（文件夹中的子文件夹结构照原样保留）")
    p.add_argument("--profile", metavar="NAME|FILE", help="按这个规则配置读表和计分（默认用表中记录的或按版式识别的）")
    p.add_argument("--force", action="store_true", help="替换已存在的报告（默认不覆盖）")
    p.add_argument("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）")
    p.add_argument("--no-progress", action="store_true", help="不显示进度条")
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    from .report import REPORT_SUFFIX
    _check_profile(args)
    files, skipped = _found(args.paths, "生成报告")
    if args.out.exists() and not args.out.is_dir():
        raise JixiaoError(f"--out“{shown_name(args.out)}”是一个文件；请给出文件夹")
    jobs, taken, existing = [], {}, []
    for f in files:
        base = next((Path(p) for p in args.paths if os.path.isdir(p) and _collected_from(p, Path(f))), None)
        rel = Path(f).relative_to(base).parent if base is not None else Path()
        target = args.out / rel / fit_name(Path(f).stem, REPORT_SUFFIX, reserve=NAME_RESERVE)
        key = os.path.normcase(os.path.abspath(target))
        if key in taken:
            raise JixiaoError(f"“{shown_name(f)}”与“{shown_name(taken[key])}”的报告同名（{shown_name(target.name)}），请分别生成")
        taken[key] = f
        if target.exists() and not args.force:
            existing.append(str(target))
        jobs.append((f, str(target), args.force, args.profile))
    if existing:
        shown = "、".join(map(shown_name, existing[:5])) + (f" 等 {len(existing)} 个" if len(existing) > 5 else "")
        raise JixiaoError(f"报告 {shown} 已经存在；为免覆盖，本次没有生成任何报告。确要替换请加 --force")
    results = run_all(report_job, jobs, args.jobs, not args.no_progress, "生成报告")
    done = [r for r in results if r["ok"]]
    for r in results:
        if not r["ok"]:
            sys.stderr.write(printable(f"[未生成] {r['error']}\n"))
            if args.debug and r["traceback"]:
                sys.stderr.write(printable(r["traceback"]))
    if len(done) == 1 and len(results) == 1:
        print(shown_name(done[0]["report"]))
    print(f"已生成 {len(done)} 份自评报告（{shown_name(args.out)}）" + (f"，{len(results) - len(done)} 份未能生成"
          if len(done) < len(results) else "") + "。" + (skipped_line(len(skipped)) if skipped else ""))
    return EXIT_OK if len(done) == len(results) else EXIT_UNREADABLE


def cmd_import(argv: list[str]) -> int:
    from jixiao.templates import importing
    return importing.main(argv)


DELEGATED = {"build": cmd_build, "fill": cmd_fill, "import": cmd_import, "report": cmd_report, "new-year": cmd_button("next-year", "new-year"),
             "recalc": cmd_button("recalc", "recalc"), "check": cmd_button("validate", "check")}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jixiao", description="项目支出绩效自评表：模板生成、填报、计分与校验")
    p.add_argument("--debug", action="store_true", help="出错时显示详细信息（供开发者排查）")
    sub = p.add_subparsers(dest="command", metavar="命令")
    for name, helptext in (("validate", "校验已填报的绩效自评表（文件或文件夹）"),
                           ("score", "按填报数据重新计分（不采用表内手填或缓存的结果）")):
        s = sub.add_parser(name, help=helptext, description=helptext)
        s.add_argument("paths", nargs="+", metavar="PATH", help="工作簿文件或文件夹（递归查找）")
        fmt = s.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="输出 JSON")
        if name == "validate":
            fmt.add_argument("--csv", action="store_true", help="输出 CSV（每条问题一行）")
            s.add_argument("--summary", type=Path, metavar="OUT.xlsx", help="另存汇总表（每个项目一行，含等级分布图）")
            s.add_argument("-q", "--quiet", action="store_true", help="不列出没有问题的文件")
            s.add_argument("--report", type=Path, metavar="REPORT.docx",
                           help="同时校验这份自评报告（Word .docx）：报告中的数字须与自评表一致（规则 T07）")
        s.add_argument("-o", "--output", type=Path, help="把结果写入文件（默认输出到屏幕）")
        s.add_argument("--profile", metavar="NAME|FILE",
                       help="按此规则计分（名称或规则配置文件路径）；默认用工作簿记录的规则，非 jixiao 表按表头识别")
        s.add_argument("--force", action="store_true",
                       help="替换已存在的输出文件（默认不覆盖；要检查的文件和文件夹中的表格从不改写）")
        s.add_argument("-j", "--jobs", type=int, default=None, help="并行进程数（默认为 CPU 核数）")
        s.add_argument("--no-progress", action="store_true", help="不显示进度条")
        s.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    sub.add_parser("build", help="生成空白模板（jixiao build --help 查看参数）", add_help=False)
    sub.add_parser("fill", help="用申报数据生成已填好的工作簿（jixiao fill --help 查看参数）", add_help=False)
    sub.add_parser("report", help="按自评表生成绩效自评报告 .docx（jixiao report --help 查看参数）", add_help=False)
    sub.add_parser("import", help="把任意样式的自评表（.xlsx/.xls/.et/.ods）转成 jixiao 模板（jixiao import --help）",
                   add_help=False)
    sub.add_parser("new-year", help="按本表生成下一年度的新表（保留项目和指标，清空当年数据）", add_help=False)
    sub.add_parser("recalc", help="按文字刷新计分依据列（同加载项“重新计算”，--out 另存）", add_help=False)
    sub.add_parser("check", help="同加载项“一键校验”：把校验结果和标记写进工作簿副本（--out 另存）", add_help=False)
    return p


def _setup_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")
        except (AttributeError, ValueError):
            pass


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup_streams()
    debug = "--debug" in argv
    try:
        rest = [a for a in argv if a != "--debug"]
        if rest and rest[0] in DELEGATED:
            return DELEGATED[rest[0]](rest[1:]) or 0
        p = parser()
        args = p.parse_args(argv)
        args.debug = debug
        if args.command == "validate":
            return cmd_validate(args)
        if args.command == "score":
            return cmd_score(args)
        p.print_help()
        return EXIT_OK
    except JixiaoError as exc:
        sys.stderr.write(f"错误：{printable(str(exc))}\n")
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        sys.stderr.write("\n已中断。\n")
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - never a traceback for users
        sys.stderr.write(f"内部错误：{type(exc).__name__}: {printable(str(exc))}。请把以下信息发给开发者"
                         f"{'：' if debug else '（加 --debug 重新运行可显示详细信息）。'}\n")
        if debug:
            traceback.print_exc()
        return 3


if __name__ == "__main__":
    sys.exit(main())
