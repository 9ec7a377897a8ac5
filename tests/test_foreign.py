"""Forms jixiao did not make, read by their headings (jixiao.engine.headings): a corpus of foreign
layouts (tests/support/foreign.py: national, 株洲, Anhui (A)/(B)/(B/A), 池州, shuffled columns, shifted
blocks, two-row headers, extra columns, an export without merges, parent rows, 苏州, Sichuan, two forms
in one file, 部门整体, the 2018 simplified funds block) as .xlsx, and as .xls, .et and .ods converted by
LibreOffice. Every value is read, every number the rules determine is the same as on the form's own
data, every published departure is reported at its original cell."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from jixiao import cli
from jixiao.engine.errors import WorkbookError
from jixiao.engine.excel import is_blank, is_number
from jixiao.engine.forms import read_forms
from jixiao.engine.profiles import load_profile
from jixiao.engine.safeopen import Limits
from jixiao.engine.scoring import score_form
from jixiao.engine.validation import validate_form
from tests.support import foreign
from tests.support.libreoffice import find_soffice

FORMATS = ("xlsx", "xls", "et", "ods", "html", "xml")   # html / xml: exports saved under an .xls name


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    d = tmp_path_factory.mktemp("foreign")
    cases = {c.name: c for c in foreign.write_corpus(d / "xlsx")}
    soffice = find_soffice()
    if soffice is None:
        pytest.fail("LibreOffice is needed to make the .xls/.ods corpus: run scripts/install_test_deps.sh")
    for fmt in ("xls", "ods"):
        out = d / fmt
        out.mkdir()
        profile = (d / f"lo-{fmt}").as_uri()
        subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", fmt,
                        "--outdir", str(out), *[str(c.path) for c in cases.values()]],
                       check=True, capture_output=True, timeout=300, env={**os.environ, "LANG": "C.UTF-8"})
    html = d / "html-src"
    html.mkdir()
    subprocess.run([soffice, f"-env:UserInstallation={(d / 'lo-html').as_uri()}", "--headless", "--convert-to",
                    "html:HTML (StarCalc)", "--outdir", str(html), *[str(c.path) for c in cases.values()]],
                   check=True, capture_output=True, timeout=300, env={**os.environ, "LANG": "C.UTF-8"})
    for sub in ("et", "html", "xml"):
        (d / sub).mkdir()
    for c in cases.values():   # WPS .et: the same BIFF8 compound file under another name
        shutil.copyfile(d / "xls" / f"{c.name}.xls", d / "et" / f"{c.name}.et")
        shutil.copyfile(html / f"{c.name}.html", d / "html" / f"{c.name}.html")
        foreign.to_spreadsheetml(c.path, d / "xml" / f"{c.name}.xml")
    return d, cases


def path_of(corpus, name: str, fmt: str) -> Path:
    d, cases = corpus
    return cases[name].path if fmt == "xlsx" else d / fmt / f"{name}.{fmt}"


def address(case, key: str, fmt: str) -> str:
    """Where a cell is in a format: a web page's tables are 表1, 表2 … in sheet order."""
    at = case.at[key]
    if fmt != "html":
        return at
    sheet, cell = at.split("!")
    sheets = list(dict.fromkeys(a.split("!")[0] for a in case.at.values()))
    return f"表{sheets.index(sheet) + 1}!{cell}"


def _same(a, b) -> bool:
    if is_blank(a) and is_blank(b):
        return True
    if is_number(a) and is_number(b):
        return abs(float(a) - float(b)) < 1e-9
    return str(a).strip() == str(b).strip()


def _rows(form):
    return [(i.level2, i.name, i.target, i.actual, None if i.shares_weight else i.weight, i.shares_weight,
             i.explanation, i.reported_score, i.level, i.direction) for i in form.indicators]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", foreign.CASE_NAMES)
def test_every_value_is_read(corpus, name, fmt):
    case = corpus[1][name]
    got = read_forms(path_of(corpus, name, fmt))
    assert len(got) == len(case.truths)
    for rf, truth in zip(got, case.truths):
        form = rf.form
        assert rf.reading.method == "headings"
        assert (form.profile, form.year) == (truth.profile, truth.year)
        for key, value in truth.header.items():
            assert _same(form.header.get(key), value), key
        for key, value in truth.texts.items():
            assert _same(form.texts.get(key), value), key
        assert [(r.key, r.initial, r.budget, r.executed) for r in form.funds] == \
            [(r.key, r.initial, r.budget, r.executed) for r in truth.funds]
        assert _same(form.funds_weight, truth.funds_weight)
        for key, value in truth.amounts.items():
            assert _same(form.amounts.get(key), value), key
        assert [(s.name, s.budget, s.actual) for s in form.subitems] == [(s.name, s.budget, s.actual) for s in truth.subitems]
        assert len(form.indicators) == len(truth.indicators)
        for a, b in zip(_rows(form), _rows(truth)):
            assert all(_same(x, y) for x, y in zip(a, b)), (a, b)
        for got_i, want in zip(form.indicators, truth.indicators):
            assert load_profile(truth.profile).category(got_i.level1) == load_profile(truth.profile).category(want.level1)
        for key, value in truth.reported.items():
            assert _same(form.reported.get(key), value), key


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", foreign.CASE_NAMES)
def test_rule_numbers_and_published_departures(corpus, name, fmt):
    case = corpus[1][name]
    rfs = read_forms(path_of(corpus, name, fmt))
    findings = []
    for rf, truth in zip(rfs, case.truths):
        mine, want = score_form(rf.form, rf.profile), score_form(truth, rf.profile)
        assert (mine.exec_rate, mine.exec_score, mine.total, mine.grade) == \
            (want.exec_rate, want.exec_score, want.total, want.grade)
        assert [r.score for r in mine.rows] == [r.score for r in want.rows]
        findings += validate_form(rf.form, rf.profile)
    where = {(f.code, f.where) for f in findings}
    for code, key in case.expect:
        assert (code, address(case, key, fmt)) in where, (code, key, address(case, key, fmt), sorted(where))


@pytest.mark.parametrize("name", foreign.CASE_NAMES)
def test_layout_chooses_the_profile_and_says_why(corpus, name):
    case = corpus[1][name]
    rf = read_forms(case.path)[0]
    assert (rf.reading.layout, rf.reading.profile) == (case.layout, case.profile)
    assert rf.reading.reason.startswith("按表头识别为") and f"“{case.profile}”" in rf.reading.reason


def test_the_seeds_numbers(corpus):
    zz = read_forms(corpus[1]["zhuzhou_seed"].path)[0]
    res = score_form(zz.form, zz.profile)
    assert (res.exec_rate, res.exec_score, res.rows[0].score) == (1.0, 10.0, 7.5)     # domain.md §3.1
    assert "按表头识别为湖南株洲样式" in zz.reading.reason
    sz = read_forms(corpus[1]["suzhou_seed"].path)[0]
    rate_row = next(i for i, ind in enumerate(sz.form.indicators) if ind.name == "预算执行率")
    assert score_form(sz.form, sz.profile).rows[rate_row].score == 0                 # §3.2: 74.68% -> 0, not 8
    assert [ind.weight for ind in sz.form.indicators[6:9]] == [8.66, 8.68, 8.66]


def test_cells_not_placed_are_listed(corpus):
    case = corpus[1]["extra_columns"]
    rf = read_forms(case.path)[0]
    listed = {at for at, _ in rf.reading.unplaced}
    assert {case.at[k] for k in case.unplaced} <= listed
    assert any("指标解释" in n for n in rf.reading.notes)


def test_merged_and_blank_labels_inherit_downwards(corpus):
    for name in ("zhuzhou_seed", "unmerged_export"):
        form = read_forms(corpus[1][name].path)[0].form
        assert [i.level2 for i in form.indicators[:4]] == ["数量指标", "数量指标", "质量指标", "质量指标"]
        assert [i.shares_weight for i in form.indicators[:4]] == [False, True, False, True]
        assert all(i.level1.startswith("产出指标") for i in form.indicators[:7])


def test_prefixes_spare_rows_and_level_words(corpus):
    form = read_forms(corpus[1]["anhui_ab"].path)[0].form
    assert form.indicators[0].name == "改造供水工程"                  # "指标1：改造供水工程"
    assert len(form.indicators) == 8                                  # the "指标2：" spare rows are skipped
    assert form.indicators[6].level == "达成年度指标"                  # written "达成预期指标"


def test_parent_rows_are_subtotals_not_indicators(corpus):
    case = corpus[1]["parent_rows"]
    rf = read_forms(case.path)[0]
    assert len(rf.form.indicators) == 8
    assert any("55" in n and "50" in n for n in rf.reading.notes)


def test_sichuan_nature_and_unit_compose_the_target(corpus):
    form = read_forms(corpus[1]["sichuan"].path)[0].form
    ind = form.indicators[1]
    assert (ind.target, ind.actual) == ("≥85%", "88%")
    assert form.indicators[4].direction == "定性"
    assert form.header["leader"] == "张三" and form.texts["conclusion"].startswith("项目实施情况良好")


def test_a_sichuan_profile_is_picked_up_by_name(corpus, tmp_path, monkeypatch):
    (tmp_path / "sichuan.yaml.j2").write_text("extends: national\nname: sichuan\nregion: 四川省\n"
                                               "file_name: \"{{ year }}年度部门预算项目支出绩效自评表\"\n", encoding="utf-8")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    rf = read_forms(corpus[1]["sichuan"].path)[0]
    assert rf.profile.name == "sichuan" and rf.reading.reason.endswith("按规则“sichuan”计分")


def test_profile_override(corpus):
    rf = read_forms(corpus[1]["national_mof"].path, profile="zhuzhou")[0]
    assert rf.profile.name == "zhuzhou" and "按指定的规则“zhuzhou”计分" in rf.reading.reason


def test_not_a_form_names_what_is_missing(tmp_path):
    path = foreign.not_a_form(tmp_path)
    with pytest.raises(WorkbookError) as err:
        read_forms(path)
    assert "不是项目支出绩效自评表" in str(err.value) and "三级指标" in str(err.value) and str(path) in str(err.value)


# Files: limits and damage -------------------------------------------------------------------------

def test_corrupt_xls_and_limits(corpus, tmp_path):
    data = path_of(corpus, "national_mof", "xls").read_bytes()
    bad = tmp_path / "cut.xls"
    bad.write_bytes(data[: len(data) // 3])
    with pytest.raises(WorkbookError, match="文件已损坏"):
        read_forms(bad)
    with pytest.raises(WorkbookError, match="旧版 .xls/.et 文件大小超出 jixiao 的安全上限 1000 字节"):
        read_forms(path_of(corpus, "national_mof", "xls"), Limits(max_legacy_bytes=1000))
    with pytest.raises(WorkbookError, match="过大"):
        read_forms(path_of(corpus, "national_mof", "xls"), Limits(max_cells=20))
    with pytest.raises(WorkbookError, match="过大"):
        read_forms(path_of(corpus, "national_mof", "ods"), Limits(max_cells=20))


def test_ods_repeated_cells_count_against_the_limit(tmp_path):
    content = ('<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
               '<office:body><office:spreadsheet><table:table table:name="S">'
               '<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="1000" '
               'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    path = tmp_path / "bomb.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    with pytest.raises(WorkbookError, match="过大"):
        read_forms(path)


# The command line ----------------------------------------------------------------------------------

def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_a_folder_of_foreign_forms(capsys, corpus):
    d = corpus[0]
    code, out, _ = run(capsys, "validate", "--json", "-j", "1", d / "xls")
    data = json.loads(out)
    assert code == 1 and data["summary"]["files"] == len(foreign.CASE_NAMES) + 1   # two_forms holds two
    two = [f for f in data["files"] if f["file"].endswith("two_forms.xls")]
    assert [f["sheet"] for f in two] == ["项目一", "项目二"]
    assert all(f["reading"]["method"] == "headings" for f in data["files"])


def test_score_prints_the_form_as_read(capsys, corpus):
    case = corpus[1]["extra_columns"]
    code, out, _ = run(capsys, "score", case.path)
    assert code == 0
    assert "读取：按表头识别为全国通用样式" in out and "一级指标" in out and "二级指标" in out
    assert "改造供水工程" in out and "（与上行共用分值）" in out and "未能放置的单元格（16 个" in out


def test_import_into_a_live_template(capsys, corpus, tmp_path):
    from jixiao.engine.reader import read_form_and_profile
    out_dir = tmp_path / "imported"
    code, out, err = run(capsys, "import", corpus[1]["zhuzhou_seed"].path, path_of(corpus, "national_mof", "xls"),
                         "--out", out_dir)
    assert code == 0, out + err
    assert out.count("表内内容已全部写入模板") == 2
    for src in (corpus[1]["zhuzhou_seed"].path, path_of(corpus, "national_mof", "xls")):
        rf = read_forms(src)[0]
        written = next(p for p in out_dir.iterdir() if str(rf.form.header.get("project_name") or
                                                             rf.form.header.get("subitem_name")) in p.name)
        form, profile = read_form_and_profile(written)
        assert profile.name == rf.profile.name
        assert [i.reported_score for i in form.indicators] == [i.reported_score for i in rf.form.indicators]
        assert score_form(form, profile).total == score_form(rf.form, rf.profile).total
        codes = {f.code for f in validate_form(form, profile)}
        # the published departures, in the new template; where a qualitative row waits for its level
        # (I16) the rules' total is 待定, so a typed total cannot be judged (T01) until it is chosen
        assert "I02" in codes and ("T01" in codes or "I16" in codes)
    code, out, err = run(capsys, "import", corpus[1]["zhuzhou_seed"].path, "--out", out_dir)
    assert code == 2 and "已有" in err                                  # never overwrites without --force


def test_import_lists_what_the_template_has_no_place_for(capsys, corpus, tmp_path):
    code, out, _ = run(capsys, "import", corpus[1]["sichuan"].path, "--out", tmp_path)
    assert code == 1 and "评价结论" in out and "项目负责人" in out


def test_new_year_from_a_foreign_xls(capsys, corpus, tmp_path):
    from jixiao.engine.reader import read_form
    src = tmp_path / "2024年度饮水工程.xls"
    shutil.copyfile(path_of(corpus, "national_mof", "xls"), src)
    before = src.read_bytes()
    code, out, _ = run(capsys, "new-year", src)
    assert code == 0 and "2025年度饮水工程.xlsx" in out
    form = read_form(tmp_path / "2025年度饮水工程.xlsx")
    assert form.year == 2025 and form.indicators[0].name == "改造供水工程" and form.indicators[0].actual is None
    assert src.read_bytes() == before


def test_check_marks_the_original_foreign_workbook(capsys, corpus, tmp_path):
    import openpyxl
    case = corpus[1]["national_mof"]
    out = tmp_path / "checked.xlsx"
    code, text, _ = run(capsys, "check", case.path, "--out", out)
    assert code == 1
    sheet, cell = case.at["ind.0.score"].split("!")
    assert f"{sheet}!{cell}\tI02" in text
    assert openpyxl.load_workbook(out)[sheet][cell].comment is not None


def test_encrypted_xls_says_so(corpus, monkeypatch):
    """xlrd refuses a BIFF workbook with a FILEPASS record ("Workbook is encrypted"); the user gets the
    same message as for an encrypted .xlsx. (No tool here writes an RC4-encrypted .xls, so xlrd's
    refusal is simulated; what is tested is what jixiao makes of it.)"""
    import xlrd
    from xlrd.biffh import XLRDError

    def refuse(**_kw):
        raise XLRDError("Workbook is encrypted")
    monkeypatch.setattr(xlrd, "open_workbook", refuse)
    with pytest.raises(WorkbookError, match="工作簿已加密（设置了打开密码）"):
        read_forms(path_of(corpus, "national_mof", "xls"))


def test_web_page_exports_are_bounded(tmp_path):
    page = tmp_path / "export.xls"
    page.write_text("<html><body><table>" + "<tr><td>1</td><td rowspan='999999' colspan='999999'>x</td></tr>" * 3
                    + "</table></body></html>", encoding="utf-8")
    with pytest.raises(WorkbookError, match="过大"):
        read_forms(page, Limits(max_cells=10_000))
    page.write_text("<html><body><p>没有表格</p></body></html>", encoding="utf-8")
    with pytest.raises(WorkbookError, match="不是 Excel 工作簿"):
        read_forms(page)


def test_a_jixiao_form_that_lost_its_names_reads_the_same_by_headings(tmp_path):
    """A jixiao sheet copied into another workbook (no defined names) is read by its headings, helper
    columns included, with the same numbers as by its names."""
    import yaml
    from jixiao.templates.builder import build_workbook
    from jixiao.templates.fill import form_from_data
    from tests.support.xlsx import opened
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "templates" / "examples" / "zhuzhou_2020.yaml")
                          .read_text(encoding="utf-8"))
    book = build_workbook(*form_from_data(data), "native", typed_scores=True)
    book.save(tmp_path / "named.xlsx")
    wb = opened(book)
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    wb.save(tmp_path / "bare.xlsx")
    named, bare = read_forms(tmp_path / "named.xlsx")[0], read_forms(tmp_path / "bare.xlsx")[0]
    assert (named.reading.method, bare.reading.method) == ("names", "headings")
    a, b = score_form(named.form, named.profile), score_form(bare.form, bare.profile)
    assert (a.total, a.exec_score, [r.score for r in a.rows]) == (b.total, b.exec_score, [r.score for r in b.rows])
    assert [(i.level, i.direction) for i in named.form.indicators] == [(i.level, i.direction) for i in bare.form.indicators]
    assert bare.form.reported == named.form.reported and not bare.reading.unplaced
