"""Validating a batch of returned forms: finding the files, checking each one (in worker processes
for many), and handing every result on as soon as it arrives, in order, to whatever writes the
output (table, JSON, CSV, summary workbook). Nothing here keeps the results: the main process holds a
small key per form (for duplicates across the batch) and the counts, so memory stays flat however
many files there are. Used by `jixiao validate` and by the ribbon's 批量校验.

Counts add up: every file found is exactly one of 通过 / 仅有警告 / 有错误 / 无法读取, and the files
skipped in folders (not spreadsheets) are counted beside them.
"""
from __future__ import annotations

import os
import sys
import time
from collections import deque
from functools import partial
from itertools import islice
from typing import Callable, Iterable, Iterator

from .engine.errors import JixiaoError

READ_CODE = "P00"          # a file that cannot be read as a jixiao form (not a registered rule)
PARALLEL_FROM = 8          # files; below this a pool costs more than it saves
PROGRESS_FROM = 20         # files; a progress bar on a TTY from this many
# In folders only these are checked (the .docx/.pdf reports beside the forms are not); .xls and WPS .et
# are kept so that they get their "save as .xlsx" message. A file named on the command line is always checked.
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".xlsb", ".ods", ".et", ".ett"}

PASSED, WARNINGS_ONLY, WITH_ERRORS, UNREADABLE = "通过", "仅有警告", "有错误", "无法读取"
STATUSES = (PASSED, WARNINGS_ONLY, WITH_ERRORS, UNREADABLE)
#: 执行率 bands of the summary, as [low, high) fractions
RATE_BANDS = (("低于60%", None, 0.6), ("60%–80%", 0.6, 0.8), ("80%–90%", 0.8, 0.9), ("90%–100%", 0.9, 1.0),
              ("≥100%", 1.0, None))
NO_RATE = "无执行率"


# Files -------------------------------------------------------------------------------------------

def collect(paths: list[str]) -> tuple[list[str], list[str]]:
    """Files to check, in order, and the files skipped as not spreadsheets. Files as given are
    always checked, whatever their name (a foreign file gets its own message); folders are walked
    recursively and sorted, skipping hidden entries, Excel's "~$" lock files and (listed) files
    without a spreadsheet suffix. A path that does not exist is kept (it is reported as unreadable), and
    so is a folder that cannot be listed: it is reported, never skipped silently."""
    out: list[str] = []
    seen: set[str] = set()
    skipped: list[str] = []

    def add(p: str):
        key = os.path.normcase(os.path.abspath(p))
        if key not in seen:
            seen.add(key)
            out.append(p)

    def unreadable(exc: OSError) -> None:     # a sub-folder without permission: checked as a file, it says so
        add(os.fsdecode(exc.filename) if exc.filename is not None else str(exc))

    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p, onerror=unreadable):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith((".", "~$")):
                        continue
                    if not is_spreadsheet(name):
                        skipped.append(os.path.join(root, name))
                        continue
                    add(os.path.join(root, name))
        else:
            add(p)
    return out, skipped


def is_spreadsheet(name: str) -> bool:
    return os.path.splitext(name)[1].lower() in SPREADSHEET_SUFFIXES


# One file (runs in worker processes) ---------------------------------------------------------------

def summary_fields(form, profile, result) -> dict:
    from .engine.validation.rules.folder import project_of, unit_of
    full = profile.max_total
    total = result.total
    return {"profile": form.profile, "title": profile.title, "region": profile.data.get("region", "") or profile.name,
            "year": form.year, "unit": unit_of(form), "project": project_of(form),
            "department": str(form.header.get("department") or "").strip(),
            "exec_rate": result.exec_rate, "exec_score": result.exec_score, "total": total, "full": full,
            "percent": (total / full if isinstance(total, (int, float)) and full else None),
            "grade": result.grade, "where": form.cells.get("header.project_name", "")}


def failure(path: str, exc: BaseException) -> dict:
    from .engine.safetext import shown_name
    if isinstance(exc, JixiaoError):
        message, internal = str(exc) if exc.where else f"{shown_name(path)}：{exc.message}", ""
    else:
        import traceback
        message = f"{shown_name(path)}：内部错误（{type(exc).__name__}: {exc}），请把以下信息发给开发者"
        internal = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return {"file": path, "readable": False, "error": message, "traceback": internal, "findings": [],
            "waived": [], "errors": 0, "warnings": 0, "status": UNREADABLE}


def reading(rf) -> dict:
    """How a form was read (by jixiao's names, or by its headings), for the outputs."""
    r = rf.reading
    return {"method": r.method, "layout": r.layout, "layout_name": r.layout_name, "profile": r.profile,
            "reason": r.reason, "sheet": r.sheet, "notes": list(r.notes),
            "unplaced": [{"cell": at, "text": text} for at, text in r.unplaced]}


def read(path: str, profile: str | None):
    """Every form in a file (jixiao.engine.forms); `profile` is the --profile argument as typed."""
    from .engine.forms import read_forms
    from .engine.profiles import profile_argument
    name = profile_argument(profile) if profile else None   # registered in this (worker) process too
    return read_forms(path, profile=name)


def check_file(path: str, config=None, profile: str | None = None, report: str | None = None) -> list[dict]:
    """Read and validate every form in one file (and the 自评报告 `report` against it); never raises (a
    failure is returned as an unreadable result). One result per form: a workbook with a form on each
    of two sheets gives two."""
    from .engine.validation.runner import context, run_rules
    try:
        out = []
        forms = read(path, profile)
        paragraphs = None
        if report is not None:
            from .engine.document import read_paragraphs
            if len(forms) > 1:
                raise JixiaoError(f"文件中有 {len(forms)} 份自评表，--report 只能与一份自评表核对；"
                                  "请把要核对的那份另存为单独的文件", where=path)
            paragraphs = read_paragraphs(report)
        for rf in forms:
            ctx = context(rf.form, rf.profile, config, paragraphs, report or "")   # scores every row whose 一级指标 is known
            findings = run_rules(ctx)
            res = {"file": path, "readable": True, "error": "", "traceback": "",
                   **summary_fields(rf.form, rf.profile, ctx.result),
                   "sheet": rf.reading.sheet if len(forms) > 1 else "", "reading": reading(rf),
                   "findings": [f.to_dict() for f in findings], "waived": [f.to_dict() for f in ctx.waived]}
            recount(res)
            out.append(res)
        return out
    except Exception as exc:  # noqa: BLE001 - reported per file, the run goes on
        return [failure(path, exc)]


def recount(res: dict) -> None:
    """errors / warnings / status of a result from its findings."""
    if not res["readable"]:
        res["status"] = UNREADABLE
        return
    res["errors"] = sum(1 for f in res["findings"] if f["severity"] == "错误")
    res["warnings"] = len(res["findings"]) - res["errors"]
    res["status"] = WITH_ERRORS if res["errors"] else WARNINGS_ONLY if res["warnings"] else PASSED


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


def _run_chunk(fn, paths: list[str]) -> list[list[dict]]:
    return [fn(p) for p in paths]


def run_all(fn: Callable[[str], list[dict]], files: list[str], jobs: int | None = None, progress: bool = False,
            label: str = "校验") -> Iterator[dict]:
    """fn(file) -> the results of its forms, for every file; each result yielded in the files' order as
    soon as it is ready. Many files go to worker processes in chunks, with only a few chunks in flight
    (results never pile up in memory)."""
    jobs = jobs or os.cpu_count() or 1
    bar = Progress(len(files), progress and sys.stderr.isatty() and len(files) >= PROGRESS_FROM, label)
    try:
        if jobs > 1 and len(files) >= PARALLEL_FROM:
            from concurrent.futures import ProcessPoolExecutor
            chunk = max(1, min(32, len(files) // (jobs * 8)))
            chunks = (files[i:i + chunk] for i in range(0, len(files), chunk))
            with ProcessPoolExecutor(max_workers=min(jobs, len(files))) as pool:
                pending = deque(pool.submit(_run_chunk, fn, c) for c in islice(chunks, jobs * 3))
                while pending:
                    done = pending.popleft().result()
                    nxt = next(chunks, None)
                    if nxt is not None:
                        pending.append(pool.submit(_run_chunk, fn, nxt))
                    for results in done:
                        bar.step()
                        yield from results
        else:
            for f in files:
                results = fn(f)
                bar.step()
                yield from results
    finally:
        bar.close()


# Counts --------------------------------------------------------------------------------------------

class Tally:
    """What a batch found, counted as results pass by."""

    def __init__(self, skipped: int = 0):
        self.skipped = skipped
        self.status = dict.fromkeys(STATUSES, 0)
        self.grades: dict[str, int] = {}
        self.rates = dict.fromkeys([b[0] for b in RATE_BANDS] + [NO_RATE], 0)
        self.errors = self.warnings = self.waived = 0
        self.batch_findings: list[dict] = []     # X02: not about one file
        self.file_count: int | None = None       # files read, when some hold several forms

    @property
    def files(self) -> int:
        """Forms seen (a workbook with a form on each of two sheets counts two); each has one status."""
        return sum(self.status.values())

    def add(self, res: dict) -> None:
        self.status[res["status"]] += 1
        if not res["readable"]:
            return
        self.errors += res["errors"]
        self.warnings += res["warnings"]
        self.waived += len(res.get("waived") or ())
        grade = res.get("grade") or "待定"
        self.grades[grade] = self.grades.get(grade, 0) + 1
        self.rates[rate_band(res.get("exec_rate"))] += 1

    @property
    def batch_errors(self) -> int:
        return sum(1 for f in self.batch_findings if f["severity"] == "错误")

    def line(self) -> str:
        s = self.status
        several = self.file_count is not None and self.file_count != self.files
        head = f"共 {self.file_count} 个文件、{self.files} 份表" if several else f"共 {self.files} 个文件"
        text = (f"{head}：{s[PASSED]} 个通过，{s[WARNINGS_ONLY]} 个仅有警告，{s[WITH_ERRORS]} 个有错误，"
                f"{s[UNREADABLE]} 个无法读取；错误 {self.errors} 条，警告 {self.warnings} 条")
        if self.waived:
            text += f"，已说明（不计入）{self.waived} 条"
        text += "。"
        if self.batch_findings:
            text += f"整批问题 {len(self.batch_findings)} 条（见上）。"
        if self.skipped:
            text += skipped_line(self.skipped)
        return text

    def exit_code(self) -> int:
        if self.status[UNREADABLE]:
            return 2
        if self.status[WITH_ERRORS] or self.batch_errors:
            return 1
        return 0


def skipped_line(skipped: int) -> str:
    return f"另跳过 {skipped} 个非表格文件。"


def rate_band(rate) -> str:
    if not isinstance(rate, (int, float)):
        return NO_RATE
    for label, lo, hi in RATE_BANDS:
        if (lo is None or rate >= lo) and (hi is None or rate < hi):
            return label
    return NO_RATE


GRADE_ORDER = ("优", "良", "中", "差", "待定")


def grade_order(grades: Iterable[str]) -> list[str]:
    rank = {g: i for i, g in enumerate(GRADE_ORDER)}
    return sorted(grades, key=lambda g: (rank.get(g, 4.5), g))


# The batch ------------------------------------------------------------------------------------------

def read_expected(path) -> list:
    """The list of projects the bureau expects (CSV or .xlsx): columns 项目名称 (required), 单位 / 实施单位,
    主管部门, with a heading row. Returns engine Expected items with their row numbers."""
    import csv
    from pathlib import Path

    from .engine.validation.rules.folder import Expected
    p = Path(path)
    rows: list[list[str]] = []
    try:
        if p.suffix.lower() in (".xlsx", ".xlsm"):
            import openpyxl
            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
            try:
                for n, row in enumerate(wb.worksheets[0].iter_rows(values_only=True)):
                    if n > 100_000:
                        break
                    rows.append(["" if v is None else str(v).strip() for v in row])
            finally:
                wb.close()
        else:
            data = p.read_bytes()
            for enc in ("utf-8-sig", "gb18030"):
                try:
                    text = data.decode(enc)
                    break
                except UnicodeDecodeError:
                    continue
            rows = [[c.strip() for c in r] for r in csv.reader(text.splitlines())]
    except (OSError, ValueError, KeyError) as exc:
        raise JixiaoError(f"无法读取应报项目清单“{p}”：{exc}") from None
    heads = {"项目名称": "project", "项目": "project", "单位": "unit", "实施单位": "unit", "单位名称": "unit",
             "预算单位": "unit", "主管部门": "department", "部门": "department"}
    if not rows:
        raise JixiaoError(f"应报项目清单“{p}”是空的")
    cols = {heads[h]: i for i, h in enumerate(rows[0]) if h in heads}
    if "project" not in cols:
        raise JixiaoError(f"应报项目清单“{p}”的第一行应为表头，至少有“项目名称”一列（还可有“实施单位”“主管部门”）；"
                          f"现为：{'、'.join(rows[0])}")
    out = []
    for n, row in enumerate(rows[1:], start=2):
        get = {k: (row[i] if i < len(row) else "") for k, i in cols.items()}
        if get.get("project"):
            out.append(Expected(get["project"], get.get("unit", ""), get.get("department", ""), f"第{n}行"))
    return out


class Batch:
    """A run over files: results in order with the cross-file findings (X01) added as they arrive,
    every result passed to each sink's ``add`` and counted, then X02 and the sinks' ``close(tally)``."""

    def __init__(self, files: list[str], skipped: int = 0, config=None, expected=None, expected_file: str = "",
                 jobs: int | None = None, progress: bool = False, profile: str | None = None,
                 report: str | None = None):
        from .engine.validation.rules.folder import FolderCheck
        self.files, self.config, self.jobs, self.progress, self.profile = files, config, jobs, progress, profile
        self.report = report
        self.tally = Tally(skipped=skipped)
        self.folder = FolderCheck(config, expected, expected_file)

    def run(self, sinks: list) -> Tally:
        fn = partial(check_file, config=self.config, profile=self.profile, report=self.report)
        self.tally.file_count = len(self.files)
        for res in run_all(fn, self.files, self.jobs, self.progress):
            if res["readable"]:
                extra = self.folder.add(res["file"], res.get("project", ""), res.get("unit", ""), res.get("where", ""))
                if extra:
                    res["findings"] += [f.to_dict() for f in extra]
                    recount(res)
            self.tally.add(res)
            for sink in sinks:
                sink.add(res)
        self.tally.batch_findings = [f.to_dict() for f in self.folder.finish()]
        for sink in sinks:
            sink.close(self.tally)
        return self.tally
