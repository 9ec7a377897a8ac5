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
    jixiao addin install | uninstall | status   the Excel add-in and its jixiao.conf (jixiao.addin.install)
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
summary workbook stores every name as text. A text report (-o) is never named like a spreadsheet.
"""
from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path

from .batch import READ_CODE, collect, failure, is_spreadsheet, read, reading, run_all, skipped_line, summary_fields
from .engine.errors import JixiaoError
from .engine.files import (NAME_MAX_BYTES, NAME_RESERVE, atomic_output, check_replaceable, fit_name, name_bytes,
                           write_error)
from .engine.safetext import csv_cell, json_text, printable, shown_name

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


# Files -------------------------------------------------------------------------------------------

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
            and not name.startswith((".", "~$")) and is_spreadsheet(name))


def check_outputs(outputs: list[tuple[str, Path | None]], paths: list[str], files: list[str], what: str,
                  force: bool) -> None:
    """Before anything is checked or written: an output file is never one of the inputs, nor a
    spreadsheet in a folder being checked (the next run would take it for a form), nor a folder;
    and it never replaces an existing file without --force."""
    given = [(label, Path(path)) for label, path in outputs if path]
    for n, (label, path) in enumerate(given):
        twin = next((other for other, earlier in given[:n] if _same_file(path, earlier)), None)
        if twin:
            raise JixiaoError(f"{label}与{twin}是同一个文件“{shown_name(path)}”；请分别指定")
        if name_bytes(path.name) > NAME_MAX_BYTES:
            raise JixiaoError(f"{label}的文件名过长（超过 {NAME_MAX_BYTES} 字节）；请另取一个短些的文件名", where=str(path))
        if path.is_dir():
            raise JixiaoError(f"{label}“{shown_name(path)}”是一个文件夹；请写出文件名")
        if any(_same_file(path, f) for f in files):
            raise JixiaoError(f"{label}“{shown_name(path)}”是要{what}的文件；输入的文件从不改写，请另取一个文件名")
        folder = next((p for p in paths if os.path.isdir(p) and _collected_from(p, path)), None)
        if folder is not None:
            raise JixiaoError(f"{label}“{shown_name(path)}”在要{what}的文件夹“{shown_name(folder)}”中，是表格文件，下次{what}这个文件夹时"
                              "会被当作一份自评表；请存到这个文件夹之外")
        if os.path.lexists(path) and not force:
            raise JixiaoError(f"{label}“{shown_name(path)}”已经存在；为免覆盖，本次没有{what}，也没有写入任何文件。"
                              "确要替换请加 --force，或另取一个文件名")
        if force:
            check_replaceable(path)     # --force replaces a regular file, never a link, device or FIFO


# One file ----------------------------------------------------------------------------------------

def score_file(path: str, profile: str | None = None) -> list[dict]:
    """Recompute every form's scores from its entered values; typed numbers are shown beside them,
    and the form as read (rows, levels, weights, cells not placed) for the reviewer to check."""
    try:
        forms = read(path, profile)
        return [_score_form(path, rf, len(forms) > 1) for rf in forms]
    except Exception as exc:  # noqa: BLE001
        return [failure(path, exc)]


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
    return {"file": path, "readable": True, "error": "", "traceback": "", **summary_fields(form, profile, result),
            "sheet": rf.reading.sheet if several else "", "reading": reading(rf), "funds": funds,
            "funds_weight": form.funds_weight if is_number(form.funds_weight) else (
                profile.funds_weight if profile.funds_scored and form.funds else None),
            "funds_scored": profile.funds_scored, "indicators": rows, "reported": reported, "differs": diffs}


def _json_safe(value):
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


# Output ----------------------------------------------------------------------------------------

def width(text: str) -> int:
    import unicodedata
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


def print_result(res: dict, out, show_clean: bool = True) -> None:
    """One file's result as the table shows it."""
    if not res["readable"]:
        out.write(f"[无法读取] {res['error']}\n")
        if res.get("traceback"):
            out.write("  （加 --debug 显示详细信息）\n")
        return
    if not res["findings"]:
        if show_clean:
            out.write(f"[通过] {_title(res)}：总分 {_num(res['total'])}，等级 {res['grade'] or '—'}"
                      f"{_waived_note(res)}\n")
            out.write(_how_read(res))
        return
    status = f"{res['errors']} 个错误，{res['warnings']} 个警告"
    out.write(f"\n{_title(res)}：{status}{_waived_note(res)}；按规则总分 {_num(res['total'])}，等级 {res['grade'] or '—'}\n")
    out.write(_how_read(res))
    print_findings(res["findings"], out)


def print_findings(findings: list[dict], out) -> None:
    wloc = min(max(width(f["sheet"] and f"{f['sheet']}!{f['cell']}" or f["cell"] or "—") for f in findings), 40)
    hinted = set()
    for f in findings:
        loc = f"{f['sheet']}!{f['cell']}" if f["sheet"] else (f["cell"] or "—")
        out.write(f"  {f['severity']} {f['code']}  {pad(loc, wloc)}  {f['message']}\n")
        if f["fix"] and f["code"] not in hinted:
            hinted.add(f["code"])
            out.write(f"  {' ' * (9 + wloc)}修改：{f['fix']}\n")


def _waived_note(res: dict) -> str:
    n = len(res.get("waived") or ())
    return f"（另有 {n} 条已在批注中说明，不计入）" if n else ""


def _found(paths: list[str], what: str) -> tuple[list[str], list[str]]:
    files, skipped = collect(paths)
    if not files:
        hint = f"：跳过 {len(skipped)} 个非表格文件（文件夹中只查找 .xlsx、.xlsm 等；其他文件请直接写出文件名）"
        where = "、".join(f"“{shown_name(p)}”" for p in paths[:3]) + (" 等" if len(paths) > 3 else "")
        raise JixiaoError(f"在{where}中没有找到要{what}的表格文件" + (hint if skipped else ""))
    return files, skipped


CSV_HEAD = ["文件", "代码", "级别", "工作表", "单元格", "说明", "修改建议"]


def csv_text(value) -> str:
    """A CSV field that a spreadsheet opening the CSV shows as text, never runs as a formula
    (jixiao.engine.safetext.csv_cell: OWASP's advice, control characters escaped)."""
    return csv_cell("" if value is None else str(value))


class _Stream:
    """Where a text output goes: stdout, or a new file written atomically (temp file, renamed at the
    end: never half-written; an existing file replaced only with --force)."""

    def __init__(self, output, overwrite: bool, bom: bool = False):
        self.output, self.overwrite = output, overwrite
        self._ctx = None
        if output:
            self._ctx = atomic_output(Path(output), overwrite=overwrite)
            tmp = self._ctx.__enter__()
            self.fh = open(tmp, "w", encoding="utf-8-sig" if bom else "utf-8", newline="")
        else:
            self.fh = sys.stdout

    def write(self, text: str) -> None:
        try:
            self.fh.write(text)
        except OSError as exc:
            if self._ctx is None:
                raise
            raise write_error(self.output, exc) from None     # a full disk: said, and nothing left behind

    def finish(self, ok: bool = True) -> None:
        if self._ctx is None:
            self.fh.flush()
            return
        try:
            self.fh.close()
        except OSError as exc:
            self._ctx.__exit__(type(exc), exc, None)
            raise write_error(self.output, exc) from None
        try:
            if ok:
                self._ctx.__exit__(None, None, None)
            else:
                self._ctx.__exit__(RuntimeError, RuntimeError("aborted"), None)
        except FileExistsError:  # made by someone else since check_outputs
            raise JixiaoError(f"“{shown_name(self.output)}”已经存在，没有覆盖；确要替换请加 --force") from None


class TableSink:
    def __init__(self, stream: _Stream, show_clean: bool):
        self.stream, self.show_clean, self.first = stream, show_clean, True

    def add(self, res: dict) -> None:
        from io import StringIO
        buf = StringIO()
        print_result(res, buf, self.show_clean)
        text = buf.getvalue()
        if self.first:
            text = text.lstrip("\n")
            self.first = not text
        self.stream.write(printable(text))       # a name from a file cannot drive the terminal

    def close(self, tally) -> None:
        if tally.batch_findings:
            from io import StringIO
            buf = StringIO()
            print_findings(tally.batch_findings, buf)
            self.stream.write("\n整批问题：\n" + printable(buf.getvalue()))
        self.stream.write(("\n" if not self.first else "") + tally.line() + "\n")


class JsonSink:
    """{"files": [...], "summary": {...}} written file by file."""

    def __init__(self, stream: _Stream, debug: bool, skipped: list[str]):
        self.stream, self.debug, self.skipped, self.n = stream, debug, skipped, 0

    def add(self, res: dict) -> None:
        import json
        item = _json_safe({k: v for k, v in res.items() if k not in ("where",) and (k != "traceback" or self.debug)})
        text = json_text(item, indent=2).replace("\n", "\n    ")
        self.stream.write(("{\n  \"files\": [\n    " if self.n == 0 else ",\n    ") + text)
        self.n += 1

    def close(self, tally) -> None:
        import json
        summary = {"files": tally.files, "passed": tally.status["通过"], "warnings_only": tally.status["仅有警告"],
                   "with_errors": tally.status["有错误"], "unreadable": tally.status["无法读取"],
                   "skipped": self.skipped, "errors": tally.errors, "warnings": tally.warnings, "waived": tally.waived,
                   "batch_findings": tally.batch_findings, "exit_code": tally.exit_code(), "text": tally.line()}
        head = "{\n  \"files\": [" if self.n == 0 else "\n  "
        body = json_text(summary, indent=2).replace("\n", "\n  ")
        self.stream.write(f"{head}],\n  \"summary\": {body}\n}}\n")


class CsvSink:
    """One row per finding (an unreadable file is one P00 row), written as results arrive."""

    def __init__(self, stream: _Stream):
        import csv
        self.stream = stream
        self.w = csv.writer(stream, lineterminator="\n")
        self.w.writerow(CSV_HEAD)

    def add(self, res: dict) -> None:
        if not res["readable"]:
            self.w.writerow([csv_text(v) for v in (shown_name(res["file"]), READ_CODE, "错误", "", "", res["error"],
                                                   "请提交可以打开的绩效自评表（.xlsx、.xls、.et、.ods），原因见说明")])
        for f in res["findings"]:
            self.row(res["file"], f)

    def row(self, file: str, f: dict) -> None:
        self.w.writerow([csv_text(v) for v in (shown_name(f.get("file") or file), f["code"], f["severity"], f["sheet"], f["cell"], f["message"],
                                               f["fix"])])

    def close(self, tally) -> None:
        for f in tally.batch_findings:
            self.row(f.get("file", ""), f)


def atomic_write(path: Path, write, overwrite: bool = False) -> Path:
    """Write via a temp file beside `path`, then rename: never a half-written file, and an existing
    file is replaced only with overwrite."""
    try:
        with atomic_output(path, overwrite=overwrite) as tmp:
            write(tmp)
    except FileExistsError:  # made by someone else since check_outputs
        raise JixiaoError(f"“{shown_name(path)}”已经存在，没有覆盖；确要替换请加 --force") from None
    return Path(path)


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
        if res["exec_rate"] is not None and not res.get("funds_scored", True):
            out.write(f"  执行率 {_pct(res['exec_rate'])}{mark('exec_rate')}（按规则不计分）\n")
        elif res["exec_rate"] is not None or res.get("funds_weight") is not None:
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

def _check_profile(args) -> None:
    """A --profile argument is checked (and a file registered) before any file is read."""
    if args.profile:
        from .engine.profiles import load_profile, profile_argument
        load_profile(profile_argument(args.profile))


def cmd_validate(args) -> int:
    from .batch import Batch, read_expected
    from .engine.validation import config as vconfig

    if args.summary and args.summary.suffix.lower() != ".xlsx":
        raise JixiaoError(f"汇总表是 Excel 工作簿，文件名应以 .xlsx 结尾（现为“{shown_name(args.summary)}”），"
                          "如 --summary 汇总.xlsx")
    _check_profile(args)
    config = vconfig.find(args.config)          # a bad jixiao.toml is refused before any work
    expected = read_expected(args.expected) if args.expected else None
    files, skipped = _found(args.paths, "校验")
    report = [str(args.report)] if args.report is not None else []
    if report and (len(files) != 1 or os.path.isdir(args.paths[0])):
        raise JixiaoError("--report 要与一份自评表一起校验：jixiao validate --report 自评报告.docx 自评表.xlsx")
    check_outputs([("输出文件（-o）", args.output), ("汇总表（--summary）", args.summary)], args.paths + report,
                  files + report, "校验", args.force)
    _text_output(args.output)
    stream = _Stream(args.output, args.force, bom=bool(args.csv))
    if args.json:
        sinks = [JsonSink(stream, args.debug, skipped)]
    elif args.csv:
        sinks = [CsvSink(stream)]
    else:
        sinks = [TableSink(stream, show_clean=not args.quiet)]
    if args.summary:
        from .summary import SummaryWriter
        base = os.path.commonpath([os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".")
                                   for p in args.paths])
        sinks.append(SummaryWriter(args.summary, overwrite=args.force, bureau=args.bureau or config.bureau,
                                   scope="、".join(str(p) for p in args.paths), base=base))
    if args.debug:
        sinks.append(_DebugSink())
    batch = Batch(files, len(skipped), config if config is not vconfig.DEFAULT else None, expected,
                  str(args.expected or ""), args.jobs, not args.no_progress, args.profile,
                  str(args.report) if args.report is not None else None)
    try:
        tally = batch.run(sinks)
    except BaseException:
        stream.finish(ok=False)
        for sink in sinks:
            if hasattr(sink, "spool"):
                sink.spool.close()
        raise
    stream.finish()
    if args.csv and skipped:
        sys.stderr.write(skipped_line(len(skipped)) + "\n")
    if args.summary:
        sys.stderr.write(f"汇总表已写入 {shown_name(args.summary)}\n")
    return tally.exit_code()


class _DebugSink:
    def add(self, res: dict) -> None:
        if res.get("traceback"):
            sys.stderr.write(printable(f"{res['file']}：请把以下信息发给开发者\n{res['traceback']}\n"))

    def close(self, tally) -> None:
        pass


def cmd_score(args) -> int:
    import io
    import json
    _check_profile(args)
    files, skipped = _found(args.paths, "计分")
    check_outputs([("输出文件（-o）", args.output)], args.paths, files, "计分", args.force)
    _text_output(args.output)
    results = list(run_all(partial(score_file, profile=args.profile), files, args.jobs, not args.no_progress, "计分"))
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


def _text_output(path) -> None:
    """-o holds text (a table, JSON or CSV): a spreadsheet's name would make Excel refuse it and the
    next validate take it for a form. (The extension of an output matches its content.)"""
    if path and is_spreadsheet(path.name):
        raise JixiaoError(f"输出文件（-o）“{shown_name(path)}”是文本（表格、JSON 或 CSV），不能以 {path.suffix} 结尾；"
                          "请用 .txt、.json 或 .csv，汇总工作簿请用 --summary 汇总.xlsx")


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
    results = list(run_all(report_job, jobs, args.jobs, not args.no_progress, "生成报告"))
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


def cmd_addin(argv: list[str]) -> int:
    from jixiao.addin import install
    return install.main(argv)


DELEGATED = {"build": cmd_build, "fill": cmd_fill, "import": cmd_import, "report": cmd_report, "addin": cmd_addin,
             "new-year": cmd_button("next-year", "new-year"),
             "recalc": cmd_button("recalc", "recalc"), "check": cmd_button("validate", "check")}


EXAMPLES = {
    "validate": ("jixiao validate 收到的表格/                        # 逐个列出问题，末行是汇总数\n"
                 "  jixiao validate 收到的表格/ --summary 汇总.xlsx     # 另存可打印的汇总表（含问题清单和图表）\n"
                 "  jixiao validate 收到的表格/ --csv -o 问题.csv       # 每条问题一行，Excel 可直接打开\n"
                 "  jixiao validate 收到的表格/ --config 本局设置.toml --expected 应报项目.csv"),
    "score": ("jixiao score 2026年度某项目.xlsx                   # 按规则重算每项得分、总分和等级\n"
              "  jixiao score 收到的表格/ --json -o 得分.json"),
}


def parser(only: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser; with `only`, the options of that one command are built (the others
    are listed by name): a one-file `jixiao validate` does not build what it does not use."""
    p = argparse.ArgumentParser(prog="jixiao", description="项目支出绩效自评表：模板生成、填报、计分与校验",
                                epilog="每个命令的参数和示例：jixiao 命令 --help（如 jixiao validate --help）")
    p.add_argument("--debug", action="store_true", help="出错时显示详细信息（供开发者排查）")
    sub = p.add_subparsers(dest="command", metavar="命令")
    for name, helptext in (("validate", "校验已填报的绩效自评表（文件或文件夹）"),
                           ("score", "按填报数据重新计分（不采用表内手填或缓存的结果）")):
        if only is not None and name != only:
            sub.add_parser(name, help=helptext, add_help=False)
            continue
        s = sub.add_parser(name, help=helptext, description=helptext, formatter_class=argparse.RawDescriptionHelpFormatter,
                           epilog=f"例如：\n  {EXAMPLES[name]}\n\n退出码：0 无错误；1 发现错误；2 有文件无法读取或用法有误")
        s.add_argument("paths", nargs="+", metavar="PATH", help="工作簿文件或文件夹（递归查找）")
        fmt = s.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true", help="输出 JSON")
        if name == "validate":
            fmt.add_argument("--csv", action="store_true", help="输出 CSV（每条问题一行）")
            s.add_argument("--summary", type=Path, metavar="OUT.xlsx",
                           help="另存汇总表：汇总（可打印）、问题清单、已说明问题、图表")
            s.add_argument("--config", type=Path, metavar="jixiao.toml",
                           help="校验设置（启用/关闭规则、级别、阈值、批注说明）；默认读当前文件夹或 ~/.jixiao/ 下的 jixiao.toml")
            s.add_argument("--expected", type=Path, metavar="清单.csv",
                           help="应报项目清单（CSV 或 .xlsx，列：项目名称、实施单位、主管部门）：按主管部门列出缺报的项目")
            s.add_argument("--bureau", metavar="名称", help="汇总表上的财政部门名称（也可写在 jixiao.toml 的 [summary] bureau）")
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
    sub.add_parser("new-year", help="按本表生成下一年度的新表（保留项目和指标，清空当年数据；--out 指定文件）", add_help=False)
    sub.add_parser("recalc", help="同加载项“重新计算”：刷新计分依据列，写进副本（默认“原名（已重算）”）", add_help=False)
    sub.add_parser("check", help="同加载项“一键校验”：校验结果和标记写进副本（默认“原名（已校验）”）", add_help=False)
    sub.add_parser("addin", help="安装、卸载 Excel 加载项，查看安装情况（jixiao addin install | uninstall | status）",
                   add_help=False)
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
        p = parser(rest[0] if rest and rest[0] in ("validate", "score") else None)
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
            import traceback
            traceback.print_exc()
        return 3


if __name__ == "__main__":
    sys.exit(main())
