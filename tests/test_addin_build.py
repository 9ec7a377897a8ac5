"""The add-in build (addin/build.py): jixiao.xlam and macro-enabled .xlsm workbooks made on Linux from
the text sources in addin/, checked with independent real tools, no mocks:

- olevba (oletools) decodes every VBA module and the code equals its source;
- the ribbon validates against Microsoft's customUI14 schema, as carried by the Open XML SDK validator;
- every ribbon callback exists in the VBA with the ribbon's signature;
- LibreOffice loads the workbooks and lists their modules;
- openpyxl opens the .xlsm (keep_vba=True); restore_ribbon repairs what its save drops;
- builds are byte-for-byte reproducible.

With CI=true a missing tool (LibreOffice, the OOXML validator) fails the test instead of skipping it.
"""
from __future__ import annotations

import inspect
import io
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlwings
from lxml import etree
from oletools.olevba import VBA_Parser

from jixiao.addin import build, vba_sources
from jixiao.addin.build import (
    CT_ADDIN,
    CT_VBA,
    CT_XLSM,
    REL_UI12,
    REL_UI14,
    RIBBON_PART,
    BuildError,
    make_macro_enabled,
    restore_ribbon,
)
from jixiao.addin.vba_sources import VBAModuleSource, VBASourceError

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "addin"
RIBBON = REPO / "addin" / "ribbon" / "customUI14.xml"
NS_UI = "{http://schemas.microsoft.com/office/2009/07/customui}"
NS_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: The buttons the Python side (jixiao.addin.actions.on_button) dispatches on, with their labels.
BUTTONS = {
    "jx_validate": "一键校验",
    "jx_recalc": "重新计算",
    "jx_report": "生成自评报告",
    "jx_next_year": "新建下一年度",
    "jx_batch_validate": "批量校验",
    "jx_settings": "设置",
    "jx_help": "帮助",
}
SAMPLE_UDFS = "jx_sample_udfs"


def _missing(why: str):
    if IN_CI:
        pytest.fail(f"CI=true and {why}", pytrace=False)
    pytest.skip(why)


# ---------------------------------------------------------------------------------------------
# Fixtures: one build of each kind for the whole module
# ---------------------------------------------------------------------------------------------

def _template_xlsx(path: Path) -> Path:
    """A small stand-in for the generated 绩效自评表 template, written by openpyxl."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "项目支出绩效自评表"
    ws["A1"] = "项目支出绩效自评表"
    ws["A3"], ws["B3"] = "项目名称", "测试项目"
    ws["A4"], ws["B4"] = "全年预算数", 125.5
    ws["C4"] = "=B4*2"
    ws.merge_cells("A1:D1")
    params = wb.create_sheet("参数")
    params["A1"] = "national"
    params.sheet_state = "hidden"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("addin")
    xlam = build.build_addin(out)
    xlsx = _template_xlsx(out / "模板.xlsx")
    xlsm = make_macro_enabled(xlsx, out / "模板.xlsm")
    return {"dir": out, "xlam": xlam, "xlsx": xlsx, "xlsm": xlsm}


@pytest.fixture(scope="module")
def packages(built):
    return {kind: built[kind] for kind in ("xlam", "xlsm")}


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _olevba_modules(path: Path) -> dict[str, str]:
    """Module name -> code, as olevba decodes it."""
    parser = VBA_Parser(str(path))
    try:
        assert parser.detect_vba_macros(), f"olevba finds no VBA in {path.name}"
        modules = {}
        for _, _, vba_filename, code in parser.extract_macros():
            name = vba_filename.rsplit(".", 1)[0]
            assert name not in modules, f"olevba lists {name} twice"
            modules[name] = code
        return modules
    finally:
        parser.close()


def _code_lines(text: str) -> list[str]:
    """Source lines without attribute lines and line-ending differences (what must be equal)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [ln.rstrip() for ln in lines if not re.match(r"\s*Attribute\s", ln)]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def _class_body(source: str) -> str:
    """A VBE-exported .cls without its VERSION/BEGIN..END preamble."""
    return re.sub(r"\AVERSION [^\n]*\n(?:BEGIN\n(?:.*\n)*?END\n)?", "", source.replace("\r\n", "\n"))


# ---------------------------------------------------------------------------------------------
# VBA text helpers
# ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r'\s*(?:"((?:[^"]|"")*)"|ChrW\(&H([0-9A-Fa-f]{1,4})\))\s*(&|$)')


def _eval_vba_string(expr: str) -> str:
    """Evaluate a VBA string expression made of "literals" and ChrW(&H....) joined by &."""
    units: list[str] = []
    pos = 0
    expr = expr.strip()
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        assert m, f"not a string expression at {expr[pos:pos + 40]!r}"
        if m.group(1) is not None:
            units.append(m.group(1).replace('""', '"'))
        else:
            units.append(chr(int(m.group(2), 16)))
        pos = m.end()
    # ChrW pairs of surrogates make one character, as in VBA's UTF-16 strings
    return "".join(units).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _eval_assignments(body: str) -> dict[str, str]:
    """Values of the string variables a VBA procedure body builds with `v = ...` / `v = v & ...`."""
    values: dict[str, str] = {}
    for line in body.splitlines():
        m = re.match(r"\s*([A-Za-z]\w*(?:\(\d+\))?) = (.*)$", line)
        if not m or m.group(2).startswith("Application") or m.group(2).startswith("ThisWorkbook"):
            continue
        var, expr = m.groups()
        if expr.startswith(f"{var} & "):
            values[var] += _eval_vba_string(expr[len(var) + 3:])
        elif re.fullmatch(r"\d+", expr):
            values[var] = int(expr)
        else:
            values[var] = _eval_vba_string(expr)
    return values


def _procedures(code: str) -> dict[str, tuple[str, str, str]]:
    """name -> (declaration line, parameter list, body) for each Sub/Function of a module."""
    out = {}
    pattern = re.compile(
        r"^((?:Public |Private )?(Sub|Function) (\w+)\(([^\n]*)\)(?: As [\w.]+)?)[ \t]*\n(.*?)^End \2",
        re.MULTILINE | re.DOTALL,
    )
    for m in pattern.finditer(code.replace("\r\n", "\n")):
        out[m.group(3)] = (m.group(1), m.group(4), m.group(5))
    return out


@pytest.mark.parametrize("text", [
    "", "plain ASCII", '含"引号"的中文', "绩效自评", "line1\nline2\ttab", "生僻字𠀀", "a" * 2000,
    "%USERPROFILE%\\.jixiao\\jixiao.conf", "é ñ ü ß ¥ — “”",
])
def test_vba_string_expr_round_trip(text):
    expr = vba_sources.vba_string_expr(text)
    assert expr.isascii()
    assert _eval_vba_string(expr) == text
    lines = vba_sources.vba_assign_lines("s", text)
    assert all(len(line) < 1000 and line.isascii() for line in lines)
    assert _eval_assignments("\n".join(lines))["s"] == text


def test_non_ascii_vba_is_refused():
    module = VBAModuleSource("Bad", "standard", 'Sub A()\r\n    MsgBox "绩效"\r\nEnd Sub\r\n', "test")
    with pytest.raises(VBASourceError, match=r"ChrW.*\n  line 2"):
        vba_sources.check_ascii(module)


def test_committed_vba_sources_are_ascii():
    for path in sorted((REPO / "addin" / "vba").iterdir()):
        data = path.read_bytes()
        assert data.isascii(), f"{path.name} has non-ASCII bytes: VBA source is code page 1252"
    names = [m.name for m in vba_sources.committed_modules()]
    assert "JixiaoRibbon" in names and "ThisWorkbook" in names


def test_chinese_texts_of_the_ribbon_module_decode():
    """The ChrW texts of JixiaoRibbon.bas say what their comments say."""
    code = (REPO / "addin" / "vba" / "JixiaoRibbon.bas").read_text(encoding="ascii")
    title = _procedures(code)["JX_Title"][2]
    assert _eval_assignments(title)["JX_Title"] == "绩效自评"
    joined = re.sub(r" _\n\s*", " ", code)
    texts = [_eval_vba_string(m.group(0))
             for m in re.finditer(r'ChrW\(&H[0-9A-F]{4}\)(?: & (?:ChrW\(&H[0-9A-F]{4}\)|"[^"]*"))*', joined)]
    assert "未知按钮：" in texts
    assert any(t.startswith("绩效自评加载项无法运行 Python：") for t in texts)
    assert any("中设置 Interpreter_Win（python.exe 的完整路径），详见帮助。" in t for t in texts)


# ---------------------------------------------------------------------------------------------
# The VBA project, decoded by olevba
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_olevba_decodes_every_module_equal_to_its_source(built, kind):
    path = built[kind]
    decoded = _olevba_modules(path)
    expected = build.vba_modules(path.name)
    for module in expected:
        assert module.source.isascii()
        name = module.name
        assert name in decoded, f"{name} missing from {path.name}; olevba sees {sorted(decoded)}"
        source = _class_body(module.source) if module.kind == "class" else module.source
        assert _code_lines(decoded[name]) == _code_lines(source), f"{name} in {path.name} differs"
    others = set(decoded) - {m.name for m in expected}
    # only the empty document modules of the sheets (Sheet1, Sheet2 ...)
    assert all(re.fullmatch(r"Sheet\d+", n) and not _code_lines(decoded[n]) for n in others), others


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_xlwings_module_matches_installed_xlwings(built, kind):
    code = _olevba_modules(built[kind])["xlwings"]
    version = xlwings.__version__
    assert re.search(rf'^Public Const XLWINGS_VERSION As String = "{re.escape(version)}"', code, re.M)
    assert re.search(r'^Public Const PROJECT_NAME As String = "jixiao"', code, re.M)
    dlls = set(re.findall(r'Lib "(xlwings(?:32|64)-[^"]+\.dll)"', code))
    assert dlls == {f"xlwings32-{version}.dll", f"xlwings64-{version}.dll"}
    assert set(re.findall(r'XLPyDLLName As String = "([^"]+)"', code)) == dlls
    # the module reads its configuration from a sheet named PROJECT_NAME & ".conf"
    assert 'Set sht = wb.Sheets(PROJECT_NAME & ".conf")' in code
    assert "Public Function RunPython(PythonCommand As String)" in code


@pytest.mark.parametrize("kind,workbook_ref", [("xlam", "ActiveWorkbook"), ("xlsm", "ThisWorkbook")])
def test_udf_wrappers_cover_every_function(built, kind, workbook_ref):
    import jixiao.udfs.functions as functions  # noqa: F401 - the module the add-in registers

    decoded = _olevba_modules(built[kind])
    wrappers = decoded["xlwings_udfs"]
    meta = vba_sources.udf_metadata(vba_sources.UDF_MODULES, built[kind].name)
    names = [opt["Macro"].rsplit("!", 1)[-1] for opt in meta["macro_options"]]
    assert {"JX_EXECRATE", "JX_EXECSCORE", "JX_TARGET", "JX_COMPLETION", "JX_SCORE", "JX_TOTAL",
            "JX_GRADE"} <= set(names)
    procs = _procedures(wrappers)
    for name in names:
        assert name in procs, f"no VBA wrapper for {name}"
        assert f'XLPy.CallUDF("jixiao.udfs.functions", "{name}"' in procs[name][2]
        assert f", {workbook_ref}, Application.Caller)" in procs[name][2]
        vba_params = [re.sub(r"^(Optional |ParamArray )|\(\)$", "", p.strip())
                      for p in procs[name][1].split(",") if p.strip()]
        assert vba_params == list(inspect.signature(getattr(functions, name)).parameters)
    assert wrappers.isascii()


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_function_wizard_texts_round_trip(built, kind):
    """JixiaoUdfInfo registers, in ChrW-escaped VBA, exactly what xlwings' import_udfs would."""
    meta = vba_sources.udf_metadata(vba_sources.UDF_MODULES, built[kind].name)
    procs = _procedures(_olevba_modules(built[kind])["JixiaoUdfInfo"])
    entry = procs[vba_sources.UDF_INFO_ENTRY]
    assert entry[0].startswith("Public Sub ")
    for opt in meta["macro_options"]:
        name = opt["Macro"].rsplit("!", 1)[-1]
        decl, params, body = procs[f"JX_Help_{name}"]
        assert f"JX_Help_{name}" in entry[2]
        values = _eval_assignments(body)
        assert values["d"] == opt["Description"]
        assert values["c"] == opt["Category"] == "绩效自评"
        args = opt["ArgumentDescriptions"]
        assert [values[f"a({i})"] for i in range(len(args))] == args
        assert f"\"'!{name}\", Description:=d, Category:=c" in body
    # the workbook calls it when it opens
    this = _procedures(_olevba_modules(built[kind])["ThisWorkbook"])
    assert vba_sources.UDF_INFO_ENTRY in this["Workbook_Open"][2]


def test_generator_on_a_fixture_module():
    """xlwings' generator on a module of our own: optional, ParamArray, volatile, hidden from the
    wizard, quotes, a non-BMP character and a multi-line docstring all come out as ASCII VBA."""
    wrappers, info = vba_sources.udf_modules(SAMPLE_UDFS, "x.xlam", extra_path=[str(FIXTURES)])
    vba_sources.check_ascii(wrappers)
    vba_sources.check_ascii(info)
    procs = _procedures(wrappers.source)
    assert procs["JXT_ADD"][1] == "x, Optional y"
    assert procs["JXT_SUM"][1] == "label, ParamArray values()"
    assert "Application.Volatile" in procs["JXT_SUM"][2]
    assert 'CommandBars("Standard")' in procs["JXT_PLAIN"][2]
    meta = vba_sources.udf_metadata(SAMPLE_UDFS, "x.xlam", extra_path=[str(FIXTURES)])
    help_procs = _procedures(info.source)
    by_name = {opt["Macro"].rsplit("!", 1)[-1]: opt for opt in meta["macro_options"]}
    assert by_name["JXT_SUM"]["Description"] == "带标签的求和；生僻字𠀀测试。"
    assert by_name["JXT_PLAIN"]["Category"] == "xlwings"  # xlwings' default category
    for name, opt in by_name.items():
        values = _eval_assignments(help_procs[f"JX_Help_{name}"][2])
        assert values["d"] == opt["Description"]
        assert values["c"] == opt["Category"]
        assert [values[f"a({i})"] for i in range(len(opt["ArgumentDescriptions"]))] == \
            opt["ArgumentDescriptions"]


def test_generator_failure_is_reported():
    with pytest.raises(VBASourceError, match="No module named 'jx_no_such_module'"):
        vba_sources.udf_modules("jx_no_such_module", "x.xlam")


# ---------------------------------------------------------------------------------------------
# The ribbon
# ---------------------------------------------------------------------------------------------

def _ribbon_errors(ribbon_xml: bytes, tmp_path: Path) -> list[str]:
    """Errors the Open XML SDK validator (which carries Microsoft's customUI14 schema) reports for a
    ribbon part placed in a minimal workbook package."""
    from openpyxl import Workbook
    from tests.support import ooxml

    plain, pkg = tmp_path / "plain.xlsx", tmp_path / "ribbon.xlsx"
    Workbook().save(plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(pkg, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "_rels/.rels":
                rel = (f'<Relationship Id="rIdJxUi" Type="{build.REL_UI14}" Target="customUI/customUI14.xml"/>')
                data = data.replace(b"</Relationships>", rel.encode() + b"</Relationships>")
            dst.writestr(item, data)
        dst.writestr(RIBBON_PART, ribbon_xml)
    return ooxml.validate(pkg)


def test_ribbon_source_validates_against_customui14_schema(tmp_path):
    assert _ribbon_errors(RIBBON.read_bytes(), tmp_path) == []


@pytest.mark.parametrize("bad", [
    '<button id="b" bogus="1"/>',                         # unknown attribute
    '<button id="b" size="huge"/>',                       # not an ST_Size
    '<tab id="t"/>',                                      # a tab is no child of a group
])
def test_schema_check_is_strict(tmp_path, bad):
    doc = (f'<customUI xmlns="{NS_UI[1:-1]}"><ribbon><tabs><tab id="a" label="a"><group id="g" label="g">{bad}'
           "</group></tab></tabs></ribbon></customUI>")
    assert _ribbon_errors(doc.encode(), tmp_path) != []


def test_ribbon_tab_and_buttons():
    root = etree.parse(str(RIBBON)).getroot()
    tabs = root.findall(f"{NS_UI}ribbon/{NS_UI}tabs/{NS_UI}tab")
    assert [t.get("label") for t in tabs] == ["绩效自评"]
    buttons = tabs[0].findall(f".//{NS_UI}button")
    assert {b.get("id"): b.get("label") for b in buttons} == BUTTONS
    for b in buttons:
        assert b.get("onAction") == "JX_OnAction"
        assert b.get("imageMso"), f"{b.get('id')} has no built-in icon"
        for attr in ("screentip", "supertip"):
            text = b.get(attr) or ""
            assert re.search(r"[\u4e00-\u9fff]", text), f"{b.get('id')} {attr} is not Chinese"
    for group in tabs[0].findall(f"{NS_UI}group"):
        assert re.search(r"[\u4e00-\u9fff]", group.get("label"))


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_every_callback_is_a_ribbon_procedure_in_the_vba(built, kind):
    parts = _parts(built[kind])
    assert parts[RIBBON_PART] == RIBBON.read_bytes()
    doc = etree.fromstring(parts[RIBBON_PART])
    decoded = _olevba_modules(built[kind])
    standard = {m.name for m in build.vba_modules(built[kind].name) if m.kind == "standard"}
    public_subs: dict[str, list[str]] = {}
    for module, code in decoded.items():
        if module not in standard:
            continue
        for name, (decl, params, _) in _procedures(code).items():
            if decl.startswith("Public Sub") or decl.startswith("Sub"):
                public_subs.setdefault(name, []).append(params)
    callbacks = {(el.get("id"), attr, value) for el in doc.iter() for attr, value in el.attrib.items()
                 if attr.startswith("on") or (attr.startswith("get") and attr != "getContent")}
    assert {c[2] for c in callbacks} == {"JX_OnAction"}
    for element_id, attr, proc in callbacks:
        assert public_subs.get(proc) == ["control As IRibbonControl"], (element_id, attr, proc)


# ---------------------------------------------------------------------------------------------
# The package: relationships, content types, conf sheet
# ---------------------------------------------------------------------------------------------

def _rels(data: bytes) -> list[dict]:
    return [dict(e.attrib) for e in etree.fromstring(data) if e.tag == f"{NS_RELS}Relationship"]


def _content_types(data: bytes) -> tuple[dict, dict]:
    root = etree.fromstring(data)
    defaults = {e.get("Extension").lower(): e.get("ContentType") for e in root if e.tag == f"{NS_CT}Default"}
    overrides = {e.get("PartName"): e.get("ContentType") for e in root if e.tag == f"{NS_CT}Override"}
    return defaults, overrides


@pytest.mark.parametrize("kind,main_ct", [("xlam", CT_ADDIN), ("xlsm", CT_XLSM)])
def test_relationships_and_content_types(built, kind, main_ct):
    parts = _parts(built[kind])
    root_rels = _rels(parts["_rels/.rels"])
    ui = [r for r in root_rels if r["Type"] in (REL_UI14, REL_UI12)]
    assert ui == [{"Id": ui[0]["Id"], "Type": REL_UI14, "Target": RIBBON_PART}]
    assert "customUI/customUI.xml" not in parts  # no 2006 ribbon: Excel 2007 is no target
    wb_rels = _rels(parts["xl/_rels/workbook.xml.rels"])
    assert [r["Target"] for r in wb_rels if r["Type"].endswith("/vbaProject")] == ["vbaProject.bin"]
    defaults, overrides = _content_types(parts["[Content_Types].xml"])
    assert overrides["/xl/workbook.xml"] == main_ct
    assert defaults["bin"] == CT_VBA
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        ext = name.rsplit(".", 1)[-1].lower()
        assert "/" + name in overrides or ext in defaults, f"{name} has no content type"
    assert b'codeName="ThisWorkbook"' in parts["xl/workbook.xml"]


def test_addin_carries_the_conf_sheet(built):
    parts = _parts(built["xlam"])
    # openpyxl refuses an add-in's content type: read a copy typed as a workbook
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        CT_ADDIN.encode(), b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    wb = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))
    assert wb.sheetnames == ["jixiao.conf"]
    ws = wb["jixiao.conf"]
    assert (ws["A1"].value, ws["B1"].value) == ("UDF Modules", "jixiao.udfs.functions")
    # xlwings reads A1 down to the first empty cell: nothing else, so the user's conf file is not shadowed
    assert ws["A2"].value is None and ws["B2"].value is None
    assert [c.value for c in ws["A"] if c.value is not None] == ["UDF Modules"]
    notes = " ".join(c.value for c in ws["D"] if c.value)
    for key in ("Interpreter_Win", "PYTHONPATH", "%USERPROFILE%\\.jixiao\\jixiao.conf"):
        assert key in notes


@pytest.mark.parametrize("kind", ["xlam", "xlsm"])
def test_open_xml_sdk_validator_accepts_the_packages(built, kind):
    from tests.support import ooxml

    try:
        ooxml.validator_binary()
    except ooxml.ValidatorMissing as exc:
        _missing(str(exc))
    assert ooxml.validate(built[kind]) == []


# ---------------------------------------------------------------------------------------------
# The .xlsm: openpyxl, restore_ribbon, LibreOffice
# ---------------------------------------------------------------------------------------------

def test_xlsm_keeps_the_workbook_and_opens_with_openpyxl(built):
    before = openpyxl.load_workbook(built["xlsx"])
    after = openpyxl.load_workbook(built["xlsm"], keep_vba=True)
    assert after.sheetnames == before.sheetnames
    for ws in before.worksheets:
        other = after[ws.title]
        assert ws.sheet_state == other.sheet_state
        assert [[c.value for c in row] for row in ws.iter_rows()] == \
            [[c.value for c in row] for row in other.iter_rows()]
        assert ws.merged_cells.ranges == other.merged_cells.ranges
    assert after.vba_archive is not None


def test_xlsm_changes_nothing_but_code_names(built):
    """Every part of the .xlsx is in the .xlsm unchanged, except the code names Excel writes for a
    VBA project (workbookPr/sheetPr codeName), the relationships, the content types."""
    before, after = _parts(built["xlsx"]), _parts(built["xlsm"])
    assert set(after) - set(before) == {"xl/vbaProject.bin", RIBBON_PART}
    assert set(before) <= set(after)
    for name, data in before.items():
        if name in ("[Content_Types].xml", "_rels/.rels", "xl/_rels/workbook.xml.rels"):
            continue
        stripped = re.sub(rb' codeName="[^"]*"', b"", after[name])
        stripped = stripped.replace(b"<sheetPr/>", b"").replace(b"<workbookPr/>", b"")
        original = data.replace(b"<sheetPr/>", b"").replace(b"<workbookPr/>", b"")
        assert stripped == original, f"{name} changed beyond its code name"
    old_rels = {r["Id"]: r for r in _rels(before["xl/_rels/workbook.xml.rels"])}
    new_rels = {r["Id"]: r for r in _rels(after["xl/_rels/workbook.xml.rels"])}
    assert {k: v for k, v in new_rels.items() if k in old_rels} == old_rels


def test_openpyxl_save_drops_the_ribbon_and_restore_ribbon_puts_it_back(built, tmp_path):
    path = tmp_path / "roundtrip.xlsm"
    wb = openpyxl.load_workbook(built["xlsm"], keep_vba=True)
    wb["项目支出绩效自评表"]["B5"] = "已填写"
    wb.save(path)
    parts = _parts(path)
    assert RIBBON_PART in parts, "openpyxl kept the customUI14 part"
    # DESIGN.md: openpyxl drops the customUI14 relationship. If a new openpyxl keeps it, this says so.
    assert not [r for r in _rels(parts["_rels/.rels"]) if r["Type"] == REL_UI14]

    assert restore_ribbon(path) is True
    parts = _parts(path)
    ui = [r for r in _rels(parts["_rels/.rels"]) if r["Type"] == REL_UI14]
    assert [r["Target"] for r in ui] == [RIBBON_PART]
    assert len({r["Id"] for r in _rels(parts["_rels/.rels"])}) == len(_rels(parts["_rels/.rels"]))
    data = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert restore_ribbon(path) is False  # idempotent: nothing to do, file untouched
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime
    # still a workbook with its VBA and the value typed before the save
    assert openpyxl.load_workbook(path, keep_vba=True)["项目支出绩效自评表"]["B5"].value == "已填写"
    assert set(_olevba_modules(path)) >= {"JixiaoRibbon", "xlwings", "xlwings_udfs"}


def test_restore_ribbon_adds_a_missing_part(built, tmp_path):
    path = tmp_path / "noribbon.xlsm"
    with zipfile.ZipFile(built["xlsm"]) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == RIBBON_PART:
                continue
            if info.filename == "_rels/.rels":
                data = build._write_rels([r for r in _rels(data) if r["Type"] != REL_UI14])
            zout.writestr(info, data)
    assert restore_ribbon(path) is True
    parts = _parts(path)
    assert parts[RIBBON_PART] == RIBBON.read_bytes()
    assert [r["Target"] for r in _rels(parts["_rels/.rels"]) if r["Type"] == REL_UI14] == [RIBBON_PART]
    defaults, overrides = _content_types(parts["[Content_Types].xml"])
    assert overrides["/xl/workbook.xml"] == CT_XLSM and defaults["xml"] == "application/xml"


def test_restore_ribbon_needs_a_vba_project(built, tmp_path):
    copy = tmp_path / "plain.xlsx"
    shutil.copy(built["xlsx"], copy)
    with pytest.raises(BuildError, match="no VBA project"):
        restore_ribbon(copy)


def test_make_macro_enabled_refuses_bad_input(built, tmp_path):
    with pytest.raises(BuildError, match=r"\.xlsm extension"):
        make_macro_enabled(built["xlsx"], tmp_path / "x.xlsx")
    with pytest.raises(BuildError, match="already has a VBA project"):
        make_macro_enabled(built["xlsm"], tmp_path / "again.xlsm")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(BuildError, match="not an .xlsx"):
        make_macro_enabled(junk, tmp_path / "junk.xlsm")
    assert not (tmp_path / "junk.xlsm").exists()


def _soffice() -> str:
    from tests.support.libreoffice import find_soffice

    exe = find_soffice()
    if not exe:
        _missing("LibreOffice (soffice) not found: run scripts/install_test_deps.sh")
    return exe


def test_libreoffice_loads_the_workbooks_with_their_modules(built, tmp_path):
    """LibreOffice converts each package to .ods; the .ods carries the VBA project as the Basic
    library VBAProject, one module per VBA module, with the same code. That is LibreOffice's own
    reading of vbaProject.bin (independent of olevba and pyOpenVBA)."""
    exe = _soffice()
    profile = tmp_path / "profile"
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="C.UTF-8", SAL_USE_VCLPLUGIN="svp")
    env.pop("PYTHONPATH", None)
    srcs = [built["xlsm"], built["xlam"]]
    proc = subprocess.run(
        [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--infilter=Calc MS Excel 2007 VBA XML", "--convert-to", "ods", "--outdir", str(tmp_path),
         *map(str, srcs)],
        capture_output=True, text=True, timeout=240, env=env, stdin=subprocess.DEVNULL,
    )
    for src in srcs:
        ods = tmp_path / (src.stem + ".ods")
        assert ods.exists(), f"LibreOffice did not load {src.name}:\n{proc.stdout}\n{proc.stderr}"
        parts = _parts(ods)
        lib = etree.fromstring(parts["Basic/VBAProject/script-lb.xml"])
        listed = {el.get("{http://openoffice.org/2000/library}name") for el in lib}
        expected = build.vba_modules(src.name)
        assert {m.name for m in expected} <= listed, listed
        for module in expected:
            xml = etree.fromstring(parts[f"Basic/VBAProject/{module.name}.xml"])
            kind = xml.get("{http://openoffice.org/2000/script}moduleType")
            assert kind == {"standard": "normal", "class": "class", "document": "document"}[module.kind]
            lines = [ln for ln in _code_lines(xml.text)
                     if not ln.startswith("Rem Attribute VBA_ModuleType=")
                     and ln not in ("Option VBASupport 1", "Option ClassModule")]
            source = _class_body(module.source) if module.kind == "class" else module.source
            assert lines == _code_lines(source), f"{module.name} of {src.name} differs in LibreOffice"


# ---------------------------------------------------------------------------------------------
# Reproducible builds, command line
# ---------------------------------------------------------------------------------------------

def test_builds_are_byte_identical(built, tmp_path):
    again = build.build_addin(tmp_path / "again")
    assert again.read_bytes() == built["xlam"].read_bytes()
    xlsm = make_macro_enabled(built["xlsx"], tmp_path / "模板.xlsm")
    assert xlsm.read_bytes() == built["xlsm"].read_bytes()
    with zipfile.ZipFile(again) as zf:
        names = zf.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in zf.infolist()} == {build.ZIP_DATE}
    assert not list(tmp_path.glob("again/.*.tmp")), "temporary files left behind"


def test_command_line(tmp_path, built):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run(
        [sys.executable, "-m", "jixiao.addin.build", "--out", str(tmp_path / "dist"), "--xlsm-from", str(built["xlsx"])],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "dist" / "jixiao.xlam").read_bytes() == built["xlam"].read_bytes()
    assert (tmp_path / "dist" / "模板.xlsm").read_bytes() == built["xlsm"].read_bytes()
    bad = subprocess.run(
        [sys.executable, "-m", "jixiao.addin.build", "--out", str(tmp_path / "d2"), "--xlsm-from", str(tmp_path / "nope.xlsx")],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )
    assert bad.returncode == 1 and "nope.xlsx" in bad.stderr
