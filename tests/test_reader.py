"""The workbook reader (jixiao.engine.reader) and the file-safety checks before it (jixiao.engine.safeopen), on
workbooks written by the template builder and on broken, foreign and hostile files."""
from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
import yaml

from jixiao.engine.errors import WorkbookError
from jixiao.engine.scoring import budget_rate
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form, read_form_and_profile
from jixiao.engine.safeopen import Limits

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"


def example(name: str):
    from jixiao.templates.fill import form_from_data
    return form_from_data(yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")))


def build(tmp_path: Path, name: str, mode: str = "native", typed: bool = False, form=None) -> Path:
    from jixiao.templates.builder import build_workbook, save_workbook
    profile, seed = example(name)
    path = tmp_path / f"{name}_{mode}_{int(typed)}.xlsx"
    return save_workbook(build_workbook(profile, form or seed, mode, typed_scores=typed), path)


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("books")
    return {(n, m, t): build(d, n, m, t) for n in ("zhuzhou_2020", "suzhou_2021")
            for m in ("native", "udf") for t in (False, True)}


# Reading what the builder wrote ------------------------------------------------------------------

@pytest.mark.parametrize("name", ["zhuzhou_2020", "suzhou_2021"])
@pytest.mark.parametrize("mode", ["native", "udf"])
def test_round_trip_keeps_every_entered_value(books, name, mode):
    _, seed = example(name)
    form = read_form(books[(name, mode, False)])
    assert (form.profile, form.year) == (seed.profile, seed.year)
    assert {k: v for k, v in form.header.items() if v is not None} == {k: v for k, v in seed.header.items() if v is not None}
    assert form.texts == {k: seed.texts.get(k, "") for k in form.texts}
    assert [(r.key, r.initial, r.budget, r.executed) for r in form.funds] == \
        [(r.key, r.initial, r.budget, r.executed) for r in seed.funds]
    assert [(s.name, s.budget, s.actual) for s in form.subitems] == [(s.name, s.budget, s.actual) for s in seed.subitems]
    assert len(form.indicators) == len(seed.indicators)
    for got, want in zip(form.indicators, seed.indicators):
        assert got.level1.startswith(want.level1) and got.level2 == want.level2
        assert (got.name, got.shares_weight, got.explanation) == (want.name, want.shares_weight, want.explanation)
        assert got.target == want.target
        if want.name != "预算执行率":
            assert got.actual == want.actual
        if not want.shares_weight:
            assert got.weight == pytest.approx(want.weight)
        assert got.reported_score is None      # scores are the template's formulas
    assert form.reported == {}


def test_typed_scores_are_reported_values(books):
    form = read_form(books[("zhuzhou_2020", "native", True)])
    assert [i.reported_score for i in form.indicators][:3] == [8, None, 10]
    assert form.reported == {"total": 98, "grade": "优", "exec_rate": 1, "exec_score": 10}  # as printed


def test_merged_weight_cells_share_one_weight_and_cells_are_recorded(books):
    form = read_form(books[("zhuzhou_2020", "native", False)])
    first, second = form.indicators[:2]
    assert first.weight == 10 and not first.shares_weight
    assert second.weight is None and second.shares_weight and "weight" not in second.cells
    assert first.cells["name"].endswith("!D15") and first.cells["weight"].endswith("!G15")
    assert form.cells["header.special_name"].endswith("!D4")
    assert form.funds[0].cells["executed"].endswith("!F8")


def test_suzhou_exec_rate_formula_is_computed_from_the_amounts(books):
    form = read_form(books[("suzhou_2021", "native", False)])
    row = next(i for i in form.indicators if i.name == "预算执行率")
    assert row.actual == 0.7468 and "actual_formula" in row.cells
    assert form.amounts["balance"] is None and form.amounts["carry"] is None   # formulas, not typed
    assert [i.weight for i in form.indicators[6:9]] == [8.66, 8.68, 8.66]      # equal-split formulas
    sz = load_profile("suzhou", 2021)
    rate = lambda i, a, p: budget_rate({"initial": i, "adjustment": a, "appropriated": p}, sz)  # noqa: E731
    assert rate(1900, -812.5, 812.101021) == 0.7468
    assert rate(1900, None, 950) == 0.5 and rate(0, 0, 1) is None and rate(None, 1000, 500) == 0.5


def test_targets_written_with_a_leading_equals_sign_are_read_as_text(books):
    form = read_form(books[("suzhou_2021", "native", False)])
    assert [i.target for i in form.indicators[6:9]] == ["=5859平方米", "=3234平方米", "=100%"]


# Not one of ours ---------------------------------------------------------------------------------

def test_foreign_workbook_says_which_names_are_missing(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "项目支出绩效自评表"
    path = tmp_path / "foreign.xlsx"
    wb.save(path)
    with pytest.raises(WorkbookError) as err:
        read_form(path)
    assert "不是 jixiao 生成的绩效自评表：缺少定义名称 JX_PROFILE" in str(err.value)
    assert str(path) in str(err.value)


def test_a_deleted_name_is_named(tmp_path):
    import openpyxl
    from jixiao.templates.builder import build_workbook
    from tests.support.xlsx import opened
    profile, seed = example("zhuzhou_2020")
    wb = opened(build_workbook(profile, seed))
    del wb.defined_names["JX_IND_SCORE"]
    path = tmp_path / "no_score.xlsx"
    wb.save(path)
    with pytest.raises(WorkbookError, match="缺少定义名称 JX_IND_SCORE"):
        read_form(path)
    wb = openpyxl.load_workbook(path)
    wb.defined_names["JX_IND_SCORE"] = openpyxl.workbook.defined_name.DefinedName("JX_IND_SCORE", attr_text="#REF!")
    wb.save(path)
    with pytest.raises(WorkbookError, match="#REF!"):
        read_form(path)


def test_unknown_profile_in_the_workbook(tmp_path):
    from jixiao.templates.builder import build_workbook
    from tests.support.xlsx import opened
    profile, seed = example("zhuzhou_2020")
    wb = opened(build_workbook(profile, seed))
    wb["参数"]["B2"] = "atlantis"
    path = tmp_path / "p.xlsx"
    wb.save(path)
    with pytest.raises(WorkbookError, match="规则配置“atlantis”无法加载"):
        read_form(path)


# Bad files -----------------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_old_xls_by_magic_bytes_not_extension(tmp_path):
    path = tmp_path / "报表.xlsx"                      # an .xls renamed to .xlsx
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "Workbook".encode("utf-16-le"))
    with pytest.raises(WorkbookError, match="旧版 .xls 格式.*另存为 .xlsx"):
        read_form(path)


def test_encrypted_workbook(tmp_path, books):
    msoffcrypto = pytest.importorskip("msoffcrypto")
    from msoffcrypto.format.ooxml import OOXMLFile
    src = books[("zhuzhou_2020", "native", False)]
    out = tmp_path / "secret.xlsx"
    with open(src, "rb") as fh, open(out, "wb") as dst:
        OOXMLFile(fh).encrypt("123456", dst)
    with pytest.raises(WorkbookError, match="工作簿已加密（设置了打开密码），请.*取消密码"):
        read_form(out)
    assert msoffcrypto


@pytest.mark.parametrize("content, message", [
    (b"", "文件是空的"),
    ("项目名称,金额\n".encode("gbk"), "不是 Excel 工作簿"),
    (b"<html><body>table</body></html>", "不是 Excel 工作簿"),
])
def test_not_a_workbook(tmp_path, content, message):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=message) as err:
        read_form(path)
    assert str(path) in str(err.value)


def test_truncated_and_corrupted_files(tmp_path, books):
    data = books[("zhuzhou_2020", "native", False)].read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(WorkbookError, match="文件已损坏"):
        read_form(cut)
    # flip bytes inside the compressed sheet data: a CRC or inflate error, never a traceback
    bad = tmp_path / "crc.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw = bytearray(data)
    for k in range(200, 260):
        raw[start + k] ^= 0xFF
    bad.write_bytes(bytes(raw))
    with pytest.raises(WorkbookError, match="文件已损坏"):
        read_form(bad)


def test_other_office_files(tmp_path):
    ods = _zip(tmp_path / "a.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    docx = _zip(tmp_path / "a.docx", {"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})
    xlsb = _zip(tmp_path / "a.xlsb", {"[Content_Types].xml": b"<x/>", "xl/workbook.bin": b"\0"})
    for path, message in ((ods, "OpenDocument"), (docx, "Word 文档"), (xlsb, ".xlsb")):
        with pytest.raises(WorkbookError, match=message):
            read_form(path)


def test_zip_bomb_is_refused_from_the_directory(tmp_path):
    bomb = _zip(tmp_path / "bomb.xlsx", {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>",
                                         "xl/worksheets/sheet1.xml": b"\0" * (20 * 1024 * 1024)})
    with pytest.raises(WorkbookError, match="压缩比超出 jixiao 的安全上限 200:1.*疑似压缩炸弹"):
        read_form(bomb)
    small = Limits(max_total_uncompressed=1000)
    with pytest.raises(WorkbookError, match="解压后总大小超出 jixiao 的安全上限"):
        read_form(_zip(tmp_path / "big.xlsx", {"xl/workbook.xml": b"x" * 2000}), small)
    with pytest.raises(WorkbookError, match="压缩包内部件数超出 jixiao 的安全上限 10个"):
        read_form(_zip(tmp_path / "many.xlsx", {f"m{i}": b"" for i in range(20)}), Limits(max_members=10))


def test_absurdly_large_sheet(tmp_path, books):
    path = books[("zhuzhou_2020", "native", False)]
    with pytest.raises(WorkbookError, match="工作表“.*”的行数超出 jixiao 的安全上限 10行.*请删除多余的内容"):
        read_form(path, Limits(max_rows=10))
    with pytest.raises(WorkbookError, match="单元格数超出 jixiao 的安全上限 50个"):
        read_form(path, Limits(max_cells=50))
    with pytest.raises(WorkbookError, match="部件“.*”的解压后大小超出"):
        read_form(path, Limits(max_part_bytes=1000))


def test_dtd_and_entities_are_refused(tmp_path, books):
    data = books[("zhuzhou_2020", "native", False)].read_bytes()
    out = tmp_path / "laughs.xlsx"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "xl/workbook.xml":
                decl = body.index(b"?>") + 2 if body.startswith(b"<?xml") else 0
                body = body[:decl] + b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + body[decl:]
            dst.writestr(item, body)
    with pytest.raises(WorkbookError, match="DTD"):
        read_form(out)


def test_macro_enabled_file_is_read_as_data_only(tmp_path, books):
    data = books[("zhuzhou_2020", "native", True)].read_bytes()
    out = tmp_path / "macro.xlsm"
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("xl/vbaProject.bin", b"Attribute VB_Name = \"Auto_Open\"\nShell \"calc.exe\"")
    form = read_form(out)
    assert form.reported["total"] == 98


def test_inputs_are_never_modified(tmp_path, books):
    from jixiao.cli import main
    path = tmp_path / "copy.xlsx"
    path.write_bytes(books[("zhuzhou_2020", "native", True)].read_bytes())
    os.utime(path, (1_600_000_000, 1_600_000_000))
    before = (path.read_bytes(), path.stat().st_mtime)
    read_form(path)
    main(["validate", "--json", str(path), "-o", str(tmp_path / "out.json")])
    main(["score", str(path), "-o", str(tmp_path / "out.txt")])
    assert (path.read_bytes(), path.stat().st_mtime) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.xlsx", "out.json", "out.txt"]


def test_defusedxml_is_importable_for_openpyxl():
    import defusedxml  # noqa: F401
    from openpyxl.xml import DEFUSEDXML
    assert DEFUSEDXML


def test_reader_agrees_with_openpyxl_on_every_named_input(books):
    """The fast reader and openpyxl see the same values in the cells the names point to."""
    import openpyxl
    path = books[("zhuzhou_2020", "native", True)]
    form, _ = read_form_and_profile(path)
    wb = openpyxl.load_workbook(path)
    for ind in form.indicators:
        for fld in ("name", "target", "actual", "explanation"):
            sheet, _, cell = ind.cells[fld].partition("!")
            value = wb[sheet][cell].value
            assert (value or "") == (getattr(ind, fld) or ""), (fld, cell)


def test_sheet_xml_with_prefixes_and_no_cell_addresses():
    """Some writers use a namespace prefix and omit r= on cells; positions are counted then."""
    from jixiao.engine.reader import _parse_sheet
    xml = ('<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
           '<x:row r="3"><x:c t="inlineStr"><x:is><x:t>甲</x:t></x:is></x:c><x:c/><x:c><x:v>7.5</x:v></x:c></x:row>'
           '<x:row><x:c r="B4" t="s"><x:v>0</x:v></x:c><x:c><x:f>B4</x:f></x:c></x:row>'
           '</x:sheetData><x:mergeCells><x:mergeCell ref="A3:A4"/></x:mergeCells></x:worksheet>').encode()
    sheet = _parse_sheet("f.xlsx", "p", "S", xml, ["乙"], Limits())
    assert sheet.cells == {(3, 1): ("甲", False), (3, 3): (7.5, False), (4, 2): ("乙", False), (4, 3): (None, True)}
    assert sheet.formulas[(4, 3)] == "B4" and sheet.follower_of(4, 1) == (3, 1)
