"""Every jixiao command on every case of the hostile-input corpus (tests/support/hostile.py, issue 8).

For each case and command, in a fresh copy of the case's folder:
    exit code           as the case expects (see hostile.py: read / refused / either / data)
    message             a refusal (exit 2) is said in Chinese and names the file (or output) concerned
    no crash            no traceback, no "内部错误", no "Exception ignored" (ZipFile.__del__ ...)
    terminal            stdout / stderr and text reports hold no control character but line breaks
    input unchanged     every input file keeps its bytes, mode and mtime
    no stray files      only the outputs the command names (and new-year's file beside its input);
                        no temp file anywhere (the run's TMPDIR included)
    no code run         <corpus>/pwned stays empty
    no planted formula  no formula in any output workbook holds text from the input (token JXPWN); no
                        CSV cell starts with = + - @ tab or CR; no output cell holds over 32,767 chars
    bounded             peak RSS < 1 GiB and wall time < BOUND_SECONDS for every run

Commands run in forked children of a pre-imported Python (tests/support/forkrun.py), two at a time;
`test_forked_runs_are_faithful` runs a few cases the ordinary way too and compares. The figures (peak
memory, slowest runs) are printed at the end (pytest -s) and written to $JIXIAO_CORPUS_REPORT if set.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support import hostile
from tests.support.forkrun import Zygotes, run_real

MAX_RSS_KB = 1024 * 1024          # 1 GiB
BOUND_SECONDS = 30                # any single run (a hang is killed at HANG_SECONDS)
HANG_SECONDS = int(os.environ.get("JIXIAO_CORPUS_HANG", 90))
CJK = re.compile(r"[\u4e00-\u9fff]")
CRASH = ("Traceback (most recent call last)", "内部错误", "Exception ignored", "forkrun set-up failed")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CSV_DANGER = ("=", "+", "-", "@", "\t", "\r")
IS_ROOT = os.geteuid() == 0
#: JIXIAO_CORPUS_USER=nobody runs every command as that user (when the tests run as root), to see what
#: differs for a normal user; by default only the cases that need it (unreadable files) do.
RUN_AS = os.environ.get("JIXIAO_CORPUS_USER") or None
#: JIXIAO_CORPUS_ONLY=case,case builds and runs only those cases (to look at one closely).
ONLY = set(filter(None, os.environ.get("JIXIAO_CORPUS_ONLY", "").split(","))) or None

#: The standard commands: {t} is the case's target, {out} an empty folder for outputs. `import`
#: (issue 11) goes here when it exists.
COMMANDS = {
    "validate": ["validate", "{t}"],
    "validate-csv": ["validate", "--csv", "-o", "{out}/report.csv", "{t}"],
    "validate-json": ["validate", "--json", "-o", "{out}/report.json", "{t}"],
    "summary": ["validate", "-q", "--summary", "{out}/汇总.xlsx", "{t}"],
    "score": ["score", "{t}"],
    "check": ["check", "{t}", "--out", "{out}/checked{ext}"],
    "recalc": ["recalc", "{t}", "--out", "{out}/recalc{ext}"],
    "new-year": ["new-year", "{t}"],
    "fill": ["fill", "{t}", "--out", "{out}/filled"],
    "import": ["import", "{t}", "--out", "{out}/imported"],
    "report": ["report", "{t}", "--out", "{out}/reports"],
}
DEFAULTS = {
    "read": {"validate": {0, 1}, "validate-csv": {0, 1}, "validate-json": {0, 1}, "summary": {0, 1}, "score": {0},
             "check": {0, 1}, "recalc": {0}, "new-year": {0}, "fill": {2}, "import": {0, 1}, "report": {0}},
    "refused": {c: {2} for c in COMMANDS},
    "either": {c: {0, 1, 2} for c in COMMANDS} | {"score": {0, 2}, "recalc": {0, 2}, "new-year": {0, 2},
                                                   "fill": {2}, "report": {0, 2}},
    "data": {c: {2} for c in COMMANDS},
}
# A form read by its headings: read like ours; check and recalc work on jixiao workbooks (.xlsx) only.
DEFAULTS["foreign"] = DEFAULTS["read"] | {"check": {0, 1, 2}, "recalc": {0, 2}}


# -------------------------------------------------------------------------------------------------
# Running the corpus (once per session, in parallel)
# -------------------------------------------------------------------------------------------------

def _snapshot(folder: Path) -> dict[bytes, tuple]:
    """What is in a folder: path -> (kind, size, mode, mtime, digest or link target)."""
    out = {}
    base = os.fsencode(folder)
    for root, dirs, files in os.walk(base):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            rel = os.path.relpath(path, base)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ("file", st.st_size, st.st_mode, st.st_mtime_ns, _digest(path, st.st_size))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir", st.st_mode)
            else:
                out[rel] = ("special", stat.S_IFMT(st.st_mode))
    return out


def _digest(path: bytes, size: int) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            if size <= 32 << 20:
                h.update(fh.read())
            else:                                   # big (sparse) files: both ends and the size
                h.update(fh.read(1 << 20))
                fh.seek(-(1 << 20), 2)
                h.update(fh.read())
    except PermissionError:
        return "unreadable"
    return h.hexdigest()


def _clone(src: Path, dst: Path) -> None:
    """A copy of a case folder for one run: files hard-linked, symlinks, FIFOs, sockets and modes
    recreated."""
    src_b, dst_b = os.fsencode(src), os.fsencode(dst)
    os.makedirs(dst_b)
    locked = []
    for root, dirs, files in os.walk(src_b):
        rel = os.path.relpath(root, src_b)
        here = os.path.normpath(os.path.join(dst_b, rel))
        for name in dirs:
            s, d = os.path.join(root, name), os.path.join(here, name)
            st = os.lstat(s)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(s), d)
                continue
            os.mkdir(d)
            locked.append((d, stat.S_IMODE(st.st_mode)))
        for name in files:
            s, d = os.path.join(root, name), os.path.join(here, name)
            st = os.lstat(s)
            if stat.S_ISLNK(st.st_mode):
                os.symlink(os.readlink(s), d)
            elif stat.S_ISREG(st.st_mode):
                os.link(s, d)
            elif stat.S_ISFIFO(st.st_mode):
                os.mkfifo(d)
            elif stat.S_ISSOCK(st.st_mode):
                import socket
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.bind(d)
    for d, mode in reversed(locked):
        os.chmod(d, mode)


def _walk_dirs_readable(folder: Path):
    for root, dirs, _ in os.walk(os.fsencode(folder)):
        for name in dirs:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o755)


def _argv(spec: hostile.Case, command: str, run_dir: Path) -> list[str] | None:
    template = (spec.commands or COMMANDS).get(command)
    if template is None:
        return None
    t = os.path.join("in", spec.target) if spec.target != "." else "in"
    ext = ".xlsm" if spec.target.lower().endswith(".xlsm") else ".xlsx"
    fill = {"{t}": t, "{in}": str(run_dir / "in"), "{out}": str(run_dir / "out"), "{ext}": ext}
    out = []
    for arg in template:
        for k, v in fill.items():
            arg = arg.replace(k, v)
        out.append(arg)
    return out


class CorpusRun:
    """Builds the corpus once and runs every (case, command); results by case name."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="jx-hostile-", dir="/tmp"))
        os.chmod(self.root, 0o755)
        try:
            self.cases = hostile.build(self.root / "cases", ONLY)
        except BaseException:
            self.close()
            raise
        (self.root / "profile-cache").mkdir()
        os.chmod(self.root / "profile-cache", 0o777)
        self.pristine = {c.name: _snapshot(self.root / "cases" / c.name / "in") for c in self.cases}
        self.results: dict[str, list[dict]] = {c.name: [] for c in self.cases}
        jobs = [(spec, command) for spec in self.cases for command in (spec.commands or COMMANDS)]
        zygotes = Zygotes(2)
        try:
            with ThreadPoolExecutor(2) as pool:
                for spec, res in pool.map(lambda job: (job[0], self.run_one(zygotes, *job)), jobs):
                    self.results[spec.name].append(res)
        except BaseException:
            self.close()             # no corpus left behind in /tmp
            raise
        finally:
            zygotes.close()

    def run_one(self, zygotes: Zygotes, spec: hostile.Case, command: str) -> dict:
        run_dir = self.root / "runs" / spec.name / command
        _clone(self.root / "cases" / spec.name / "in", run_dir / "in")
        (run_dir / "out").mkdir()
        tmp = run_dir / "tmp"
        tmp.mkdir()
        for d in (self.root / "runs", self.root / "runs" / spec.name, run_dir, run_dir / "out", tmp):
            os.chmod(d, 0o777 if (spec.user or RUN_AS) else 0o755)
        if RUN_AS:     # the run's own folders writable by that user; deliberately locked ones stay locked
            for root, dirs, _ in os.walk(os.fsencode(run_dir / "in")):
                for name in dirs:
                    path = os.path.join(root, name)
                    if not os.path.islink(path) and stat.S_IMODE(os.lstat(path).st_mode) == 0o755:
                        os.chmod(path, 0o777)
            os.chmod(run_dir / "in", 0o777)
        env = {k: v.replace("{in}", str(run_dir / "in")) for k, v in spec.env.items()}
        env["TMPDIR"] = str(tmp)
        env["JIXIAO_CACHE_DIR"] = str(self.root / "profile-cache")   # not the user's own cache
        argv = _argv(spec, command, run_dir)
        user = (spec.user or RUN_AS) if IS_ROOT else None
        run = zygotes.run(argv, run_dir, env, timeout=HANG_SECONDS, fsize=spec.fsize, user=user)
        reports = [run_dir / "out" / name for name in ("report.csv", "report.json")]
        res = {"case": spec.name, "command": command, "argv": argv, "code": run.code, "out": run.out,
               "report": "".join(p.read_text("utf-8-sig", "replace") for p in reports if p.is_file()),
               "err": run.err, "maxrss_kb": run.maxrss_kb, "wall": run.wall, "cpu": run.cpu,
               "timed_out": run.timed_out, "in_after": _snapshot(run_dir / "in"), "outs": _snapshot(run_dir / "out"),
               "tmp": os.listdir(tmp), "run_dir": str(run_dir), "top": sorted(os.listdir(run_dir))}
        res["problems"] = problems_of(spec, res, self.pristine[spec.name])
        return res

    def close(self):
        _walk_dirs_readable(self.root)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def corpus():
    run = CorpusRun()
    yield run
    _report(run)
    run.close()


def _report(run: CorpusRun) -> None:
    rows = [(name, r["command"], r["maxrss_kb"], r["wall"], r["cpu"]) for name, rs in run.results.items() for r in rs]
    if not rows:
        return
    top_mem = sorted(rows, key=lambda r: -r[2])[:5]
    top_time = sorted(rows, key=lambda r: -r[3])[:5]
    lines = [f"hostile corpus: {len(run.cases)} cases, {len(rows)} runs; "
             f"peak RSS {max(r[2] for r in rows) / 1024:.0f} MiB, slowest run {max(r[3] for r in rows):.2f} s, "
             f"total CPU {sum(r[4] for r in rows):.1f} s"]
    lines += [f"  mem  {r[2] / 1024:7.0f} MiB  {r[3]:6.2f} s  {r[0]} / {r[1]}" for r in top_mem]
    lines += [f"  time {r[2] / 1024:7.0f} MiB  {r[3]:6.2f} s  {r[0]} / {r[1]}" for r in top_time]
    print("\n" + "\n".join(lines))
    report = os.environ.get("JIXIAO_CORPUS_REPORT")
    if report:
        runs = [{k: r[k] for k in ("case", "command", "argv", "code", "maxrss_kb", "wall", "cpu", "problems")}
                | {"text": (r["out"] + r["err"])[:400]} for rs in run.results.values() for r in rs]
        Path(report).write_text(json.dumps({"cases": len(run.cases), "runs": runs}, indent=1))


# -------------------------------------------------------------------------------------------------
# The checks
# -------------------------------------------------------------------------------------------------

def _shown(name: str) -> str:
    """How a name appears in a message once control characters are escaped: its printable words."""
    return max(re.split(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\udc80-\udcff]+", name), key=len)


#: Commands that take one workbook or one data file: given a folder, they refuse the folder itself.
ONE_FILE = ("check", "recalc", "new-year", "fill", "import")


def _named(spec: hostile.Case, command: str) -> str:
    """What a refusal by `command` must name."""
    if isinstance(spec.names, dict) and command in spec.names:
        return spec.names[command]
    if spec.target == "." and command in ONE_FILE:
        return "in"
    if spec.names and isinstance(spec.names, str):
        return spec.names
    return os.path.basename(spec.target if spec.target != "." else "in")


def _outputs(res: dict, pristine: dict, suffixes: tuple[bytes, ...]) -> list[Path]:
    run_dir = Path(res["run_dir"])
    out = []
    for folder, entries in (("out", res["outs"]), ("in", res["in_after"])):
        for rel, info in entries.items():
            if (folder == "out" or rel not in pristine) and info[0] == "file" and rel.lower().endswith(suffixes):
                out.append(Path(os.fsdecode(os.path.join(os.fsencode(run_dir / folder), rel))))
    return out


def _xml_parts(path: Path):
    """(name, bytes) of every XML part of an output package; ValueError when it is not a zip."""
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ValueError(f"{path.name}: not a zip ({exc})") from None
    with z:
        for info in z.infolist():
            if info.filename.endswith((".xml", ".rels")):
                yield info.filename, z.read(info)


def _check_document(path: Path) -> list[str]:
    """A report (.docx): every XML part well-formed (a control character from a form would break it),
    and no field code or hyperlink made of input text."""
    import pyexpat
    problems = []
    try:
        for name, data in _xml_parts(path):
            try:
                pyexpat.ParserCreate().Parse(data, True)
            except pyexpat.ExpatError as exc:
                problems.append(f"{path.name}:{name}: not well-formed XML ({exc})")
            text = data.decode("utf-8", "replace")
            if hostile.TOKEN in "".join(re.findall(r"<w:instrText[^>]*>([^<]*)<", text)):
                problems.append(f"{path.name}:{name}: a field code from input text")
            if name.endswith(".rels") and hostile.TOKEN in text:
                problems.append(f"{path.name}:{name}: a link from input text")
    except ValueError as exc:
        return [str(exc)]
    return problems


def _check_workbook(path: Path) -> list[str]:
    problems = []
    try:
        for name, data in _xml_parts(path):
            text = data.decode("utf-8", "replace")
            for formula in re.findall(r"<(?:\w+:)?f(?:\s[^>]*)?>(.*?)</(?:\w+:)?f>", text, re.S):
                if hostile.TOKEN in formula:
                    problems.append(f"{path.name}:{name}: formula from input text: {formula[:80]}")
            if name.endswith(".rels"):
                for target in re.findall(r'Target="([^"]*)"[^>]*TargetMode="External"', text):
                    # a link to a file beside (the summary links each form): never a URL or a share
                    if hostile.TOKEN in target and (re.match(r"^[A-Za-z][\w+.-]*:", target) or
                                                    target.startswith(("//", "\\\\"))):
                        problems.append(f"{path.name}:{name}: external link from input text: {target}")
    except ValueError as exc:
        return [str(exc)]
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        if path.suffix.lower() == ".xlsx" and any(n.lower().endswith("vbaproject.bin") for n in names):
            problems.append(f"{path.name}: macros in an .xlsx")
        if path.suffix.lower() == ".xlsm" and not any(n.lower().endswith("vbaproject.bin") for n in names):
            problems.append(f"{path.name}: an .xlsm without macros")
    return problems


_SHEET_ENTRY = re.compile(r'<(?:\w+:)?sheet\b[^>]*?\bname="([^"]*)"[^>]*?\bid="([^"]*)"')
_REL = re.compile(r'<Relationship\b[^>]*?\bId="([^"]*)"[^>]*?\bTarget="([^"]*)"|'
                  r'<Relationship\b[^>]*?\bTarget="([^"]*)"[^>]*?\bId="([^"]*)"')
_SI = re.compile(r"<si>(.*?)</si>", re.S)
_T = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")
_CELL = re.compile(r'<c\b([^>]*)>(.*?)</c>', re.S)


def _cell_lengths(path: Path, only: str | None = None) -> list[str]:
    """Cells longer than Excel holds (32,767 characters), in every sheet or only in sheet `only` (a
    checked copy keeps the input's own sheets as they were). Read from the XML, not with openpyxl:
    this runs for hundreds of outputs."""
    import html
    problems = []
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            text = z.read("xl/sharedStrings.xml").decode("utf-8", "replace")
            shared = [sum(len(html.unescape(t)) for t in _T.findall(si)) for si in _SI.findall(text)]
        rels = {}
        for m in _REL.finditer(z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")):
            rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
            rels[rid] = "xl/" + target.lstrip("/").removeprefix("xl/")
        for name, rid in _SHEET_ENTRY.findall(z.read("xl/workbook.xml").decode("utf-8", "replace")):
            if only and html.unescape(name) != only or rels.get(rid) not in names:
                continue
            xml = z.read(rels[rid]).decode("utf-8", "replace")
            for attrs, body in _CELL.findall(xml):
                if 't="s"' in attrs:
                    v = re.search(r"<v>(\d+)</v>", body)
                    length = shared[int(v.group(1))] if v and int(v.group(1)) < len(shared) else 0
                else:
                    length = sum(len(html.unescape(t)) for t in _T.findall(body))
                if length > 32767:
                    problems.append(f"{path.name}!{html.unescape(name)}: a cell of {length} characters")
    return problems


def check_run(spec: hostile.Case, res: dict, pristine: dict) -> list[str]:
    """Everything one run must respect; returns the broken promises."""
    problems = []
    cmd, code, text = res["command"], res["code"], res["out"] + res["err"]
    said = text + res["report"]             # what the user is told: the terminal, or the report asked for
    expected = spec.expect.get(cmd, DEFAULTS[spec.kind][cmd])
    if res["timed_out"]:
        problems.append(f"hung (killed after {HANG_SECONDS} s)")
    elif code not in expected:
        problems.append(f"exit {code}, expected {sorted(expected)}")
    for crash in CRASH:
        if crash in text:
            problems.append(f"output has {crash!r}")
    bad = CONTROL.search(text)
    if bad:
        problems.append(f"terminal output holds control character {bad.group()!r}")
    if code == 2 and not res["timed_out"]:
        if not CJK.search(said):
            problems.append("refusal not in Chinese")
        name = _named(spec, cmd)
        if _shown(name) not in said:
            problems.append(f"refusal does not name {_shown(name)!r}")
    for word in spec.says.get(cmd, []):
        if word not in said:
            problems.append(f"output does not say {word!r}")
    # input unchanged
    after = res["in_after"]
    for rel, info in pristine.items():
        now = after.get(rel)
        if info[0] == "file" and (now is None or now[0] != "file" or now[1:] != info[1:]):
            problems.append(f"input {os.fsdecode(rel)} changed")
        elif info[0] != "file" and (now is None or now[0] != info[0]):
            problems.append(f"input {os.fsdecode(rel)} changed")
    new = [rel for rel in after if rel not in pristine]
    allowed_new = cmd == "new-year" and code == 0 and 1 <= len(new) <= 2 and \
        all(n.lower().endswith((b".xlsx", b".xlsm")) for n in new)      # a workbook with two forms: two
    if new and not allowed_new:
        problems.append(f"stray files beside the input: {[os.fsdecode(n) for n in new]}")
    temps = [os.fsdecode(r) for r in list(after) + list(res["outs"]) if b".~jixiao" in r or b"~$" in r]
    if temps or res["tmp"]:
        problems.append(f"temp files left: {temps + res['tmp']}")
    if res["top"] != ["in", "out", "tmp"]:
        problems.append(f"stray files in the working folder: {res['top']}")
    # outputs
    run_dir = Path(res["run_dir"])
    for rel, info in res["outs"].items():
        path = os.path.join(os.fsencode(run_dir / "out"), rel)
        if info[0] != "file":
            continue
        name = os.fsdecode(rel)
        if len(os.path.basename(rel)) > 255:
            problems.append(f"output name over 255 bytes: {name[:40]}…")
        if rel.endswith(b".csv"):
            content = open(path, "rb").read().decode("utf-8-sig")
            for row in csv.reader(io.StringIO(content)):
                for cell in row:
                    if cell.startswith(CSV_DANGER):
                        problems.append(f"CSV cell starts with {cell[:1]!r}: {cell[:40]!r}")
            if CONTROL.search(content.replace("\r\n", "\n")):
                problems.append("CSV holds control characters")
        if rel.endswith(b".json"):
            content = open(path, "rb").read().decode("utf-8", "replace")
            try:
                json.loads(content)
            except ValueError as exc:
                problems.append(f"JSON report is not valid JSON ({exc})")
            if CONTROL.search(content):
                problems.append("JSON report holds raw control characters")
    return problems


def _case_ids():
    return [spec.name for spec, _ in hostile.CASES]


def test_the_corpus_is_big_enough():
    assert len(hostile.CASES) >= 60
    names = _case_ids()
    assert len(set(names)) == len(names)


def problems_of(spec: hostile.Case, res: dict, pristine: dict) -> list[str]:
    found = check_run(spec, res, pristine)
    for path in _outputs(res, pristine, (b".docx",)):
        found += _check_document(path)
    for path in _outputs(res, pristine, (b".xlsx", b".xlsm")):
        try:
            found += _check_workbook(path) or _cell_lengths(path, "校验结果" if res["command"] in ("check", "recalc")
                                                            else None)
        except Exception as exc:  # noqa: BLE001 - an output we cannot even open is a problem too
            found.append(f"{path.name}: unreadable output ({type(exc).__name__}: {exc})")
    if res["maxrss_kb"] > MAX_RSS_KB:
        found.append(f"peak memory {res['maxrss_kb'] // 1024} MiB")
    if res["wall"] > BOUND_SECONDS and not res["timed_out"]:
        found.append(f"took {res['wall']:.1f} s")
    return found


@pytest.mark.parametrize("name", _case_ids())
def test_every_command_keeps_its_promises(corpus, name):
    spec = next((c for c in corpus.cases if c.name == name), None)
    if spec is None:
        pytest.skip("not in JIXIAO_CORPUS_ONLY")
    problems = [f"{r['command']} (exit {r['code']}): {p}\n    $ jixiao {' '.join(r['argv'])}\n"
                f"    {(r['out'] + r['err'])[:600]!r}" for r in corpus.results[name] for p in r["problems"]]
    assert not list((corpus.root / "cases" / "pwned").iterdir()), "a payload ran"
    assert not problems, f"{spec.about}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name, command", [("clean-national", "validate"), ("esc-file-name", "score"),
                                           ("fifo", "check"), ("yaml-alias-bomb", "fill"),
                                           ("inject-texts", "validate-csv")])
def test_forked_runs_are_faithful(corpus, name, command):
    """A forked child and a fresh `python -m jixiao` give the same exit code and the same words."""
    spec = next(c for c in corpus.cases if c.name == name)
    runs = []
    for how in ("fork", "real"):
        run_dir = corpus.root / "faithful" / name / command / how
        _clone(corpus.root / "cases" / name / "in", run_dir / "in")
        (run_dir / "out").mkdir()
        argv = _argv(spec, command, run_dir)
        if how == "fork":
            zygotes = Zygotes(1)
            try:
                runs.append(zygotes.run(argv, run_dir, {"TMPDIR": str(run_dir)}, timeout=HANG_SECONDS))
            finally:
                zygotes.close()
        else:
            runs.append(run_real(argv, run_dir, {"TMPDIR": str(run_dir)}, timeout=HANG_SECONDS))
        report = run_dir / "out" / "report.csv"
        runs[-1].out += report.read_text("utf-8-sig") if report.is_file() else ""
    fork, real = runs
    assert (fork.code, fork.out.replace("/fork/", "/real/"), fork.err.replace("/fork/", "/real/")) == \
        (real.code, real.out, real.err)
