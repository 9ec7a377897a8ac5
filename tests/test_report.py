"""The 自评报告 drafted from a form (jixiao report, the ribbon's 生成自评报告) and the check of a
hand-written report against its form (jixiao validate --report, rule T07).

Reports are made the way users make them: from workbooks the template builder wrote (the seeds'
data, and random forms of every profile), read back by the reader; they are read back with the
engine's own .docx reader, validated by the Open XML SDK validator and opened by LibreOffice (PDF,
with a CJK font embedded)."""
from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import pytest

from jixiao import cli
from jixiao.addin import actions
from jixiao.addin.books import open_book
from jixiao.engine.document import Paragraph, read_paragraphs
from jixiao.engine.errors import JixiaoError, ProfileError, WorkbookError
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form_and_profile
from jixiao.engine.validation import validate_form
from jixiao.engine.validation.core import Context
from jixiao.report import REPORT_SUFFIX, report_document, write_report
from jixiao.report.facts import PENDING, Facts, rate, score
from jixiao.templates.builder import build_workbook, save_workbook
from jixiao.templates.fill import form_from_data, load_data
from tests.support import ooxml
from tests.support.formgen import random_form
from tests.support.libreoffice import pdf_fonts, pdf_to_png

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "templates" / "examples"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def seed_workbook(tmp: Path, name: str) -> Path:
    data = load_data(EXAMPLES / f"{name}.yaml")[0]
    data.pop("file_name", None)
    profile, form = form_from_data(data)
    return save_workbook(build_workbook(profile, form, "native"), tmp / f"{name}.xlsx")


def report_of(workbook: Path, tmp: Path) -> tuple[Path, list[Paragraph]]:
    target = write_report(workbook, tmp / (workbook.stem + REPORT_SUFFIX))
    return target, read_paragraphs(target)


def body(paragraphs: list[Paragraph]) -> list[str]:
    return [p.text for p in paragraphs if not p.in_table]


def t07(workbook: Path, report: Path):
    form, profile = read_form_and_profile(workbook)
    return [f for f in validate_form(form, profile, codes=["T07"], report=read_paragraphs(report),
                                     report_file=str(report)) if f.file == str(report)]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seeds")
    out = {}
    for name in ("zhuzhou_2020", "suzhou_2021"):
        wb = seed_workbook(tmp, name)
        out[name] = (wb, *report_of(wb, tmp))
    return out


# ---------------------------------------------------------------------------------------------
# The seeds' reports
# ---------------------------------------------------------------------------------------------

def test_zhuzhou_report_follows_the_seed_and_the_form(seeds):
    wb, report, paras = seeds["zhuzhou_2020"]
    text = "\n".join(body(paras))
    heads = [p for p in body(paras) if re.match(r"^[一二三四五六]、", p)]
    assert heads == ["一、专项资金基本情况", "二、绩效评价实施及结果", "三、项目实施过程情况", "四、专项资金预期目标完成情况",
                     "五、主要经验做法、存在问题、改进措施和建议"]
    assert body(paras)[0] == "2020年度市经济信息产业发展专项绩效自评报告"
    assert body(paras)[1] == "—制造强市-智能制造"
    # numbers from the engine: 470/470 = 100%, 数量指标 15/20 -> 7.50 of 10, total 87.50, 良
    assert "全年预算数470万元，全年执行数470万元" in text and "预算执行率为100.00%，执行率得分10.00分（分值10分）" in text
    assert "总分87.50分（满分100分），自评等级为“良”" in text
    assert "效益指标得分20.00分（分值20分，规定分值30分）" in text
    # the unmet indicator, with its reason from the form
    unmet = next(p for p in body(paras) if p.startswith("1. “智能制造奖励、补助项目”"))
    assert "实际完成值为“15个”，完成率75.00%" in unmet and "本组得分7.50分" in unmet
    assert "偏差原因：提高了每个项目的补助额度。" in unmet
    assert "【请补充：" in text and "附件" in body(paras)
    # the 自评表 attached: its rows as the reader of a report sees them
    rows = [p.text for p in paras if p.in_table]
    assert any(r.startswith("合计，500，470，470，10，100.00%，10.00") for r in rows)
    assert any("智能制造奖励、补助项目，20个以上，15个，10，7.50，提高了每个项目的补助额度" in r for r in rows)
    assert any(r.startswith("总分，90，87.50，等级：良") for r in rows)
    assert t07(wb, report) == []


def test_suzhou_report_follows_the_seed_and_flags_its_own_text(seeds):
    wb, report, paras = seeds["suzhou_2021"]
    texts = body(paras)
    assert texts[:3] == ["苏州市级财政支出项目绩效自评价报告", "苏州市智能制造融合发展中心项目（2021年度）",
                         "苏州市级财政支出项目绩效自评表"]
    for heading in ("一、项目基本情况", "（一）项目概况", "二、项目实施情况", "三、项目管理成效", "四、项目管理存在的问题及原因",
                    "五、进一步加强项目管理的建议"):
        assert heading in texts
    joined = "\n".join(texts)
    assert "预算执行率为74.68%" in joined and "自评得分72.00分（满分80分），得分率90.00%" in joined
    unmet = next(p for p in texts if p.startswith("1. “预算执行率”"))
    assert "实际完成值为“74.68%”" in unmet and "得分0.00分（分值8分）" in unmet
    assert "【请补充：“预算执行率”未完成的原因及改进措施】" in unmet     # the form has no explanation
    # the unit's own text, copied in, says 11723 人次 where the table says 8757: marked, and T07 finds it
    flagged = [p for p in texts if "11723人次" in p]
    assert len(flagged) == 1 and "【请核对：文中“11723人次”与自评表中“参观人数”的实际完成值（8757人次）不一致】" in flagged[0]
    found = t07(wb, report)
    assert len(found) == 1 and "11723人次" in found[0].message and found[0].cell.startswith("第")
    # the table: amounts, the computed 结余 and the rate as on the printed form
    rows = [p.text for p in paras if p.in_table]
    assert "1900，-812.5，812.101021，275.398979" in rows
    assert any(r.startswith("预算执行率，100%，8，74.68%，0.00") for r in rows)


def test_reports_are_valid_ooxml(seeds):
    for wb, report, _ in seeds.values():
        assert ooxml.validate(report) == [], report


def test_page_setup_and_typography(seeds):
    document = docx.Document(str(seeds["zhuzhou_2020"][1]))
    first = document.sections[0]
    assert (round(first.page_width.mm), round(first.page_height.mm)) == (210, 297)
    assert (round(first.top_margin.mm), round(first.left_margin.mm)) == (37, 28)
    normal = document.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    assert normal.font.size.pt == 16                                          # 三号
    assert document.styles["Heading 1"].font.name == "黑体"
    assert document.styles["Heading 2"].font.name == "楷体_GB2312"
    assert document.settings.odd_and_even_pages_header_footer
    footer = first.footer._element.xml
    assert 'w:instr="PAGE"' in footer
    assert document.sections[-1].orientation == 1                            # the attached table: landscape
    highlighted = [r for p in document.paragraphs for r in p.runs if r.text.startswith("【请补充：")]
    assert highlighted and all(r.font.highlight_color is not None for r in highlighted)


def _soffice_pdf(files: list[Path], out: Path) -> list[Path]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if IN_CI:
            pytest.fail("CI=true and LibreOffice is not installed", pytrace=False)
        pytest.skip("LibreOffice not installed")
    profile = out / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
                   check=True, capture_output=True, timeout=300, env={**os.environ, "LANG": "C.UTF-8"})
    pdfs = [out / (f.stem + ".pdf") for f in files]
    missing = [p for p in pdfs if not p.exists()]
    assert not missing, f"LibreOffice did not open {missing}"
    return pdfs


def test_libreoffice_opens_the_reports_with_a_cjk_font(seeds, generated, tmp_path):
    files = [r for _, r, _ in seeds.values()] + [r for _, r in generated[:4]]
    pdfs = _soffice_pdf(files, tmp_path)
    for pdf in pdfs:
        fonts = pdf_fonts(pdf)
        cjk = [f for f in fonts if "CJK" in f["name"]]
        assert cjk and all(f["emb"] for f in cjk), (pdf, fonts)
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "绩效自评" in text and "— 1 —" in text.replace("—1—", "— 1 —")
    pages = pdf_to_png(pdfs[0], tmp_path / "png" / "zhuzhou", dpi=40)
    assert len(pages) >= 4


# ---------------------------------------------------------------------------------------------
# A generated set: every profile, random data
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("generated")
    rng = random.Random(14)
    out = []
    for i in range(18):
        profile, form = random_form(rng, ["national", "zhuzhou", "suzhou"][i % 3])
        form.texts = {}                        # only drafted text: every number in it is the form's
        wb = save_workbook(build_workbook(profile, form, "native"), tmp / f"form{i:02d}.xlsx")
        out.append((wb, write_report(wb, tmp / f"form{i:02d}{REPORT_SUFFIX}")))
    return out


def test_generated_reports_agree_with_their_forms(generated):
    for wb, report in generated:
        form, profile = read_form_and_profile(wb)
        ctx = Context(form, profile)
        facts = Facts(form, profile, ctx).context()
        paras = read_paragraphs(report)
        text = "\n".join(body(paras))
        # no number the drafted text ties to the form disagrees with it (rule T07 on our own report)
        assert t07(wb, report) == [], (wb, [f.message for f in t07(wb, report)])
        # the total and grade, or 待定 when the rules cannot compute them
        if ctx.result.total is None:
            assert f"总分和等级{PENDING}" in text
        else:
            assert f"{score(ctx.result.total)}分（满分{profile.max_total:g}分）" in text
            assert f"“{ctx.result.grade}”" in text
        if profile.layout != "suzhou":
            assert f"预算执行率{'为' + rate(ctx.result.exec_rate) if ctx.result.exec_rate is not None else '和执行率得分' + PENDING}" in text
        # every unmet indicator is named, with its reason or a prompt for one
        for d in facts["unmet"]:
            para = next(p for p in body(paras) if re.match(r"^\d+\. “" + re.escape(d["name"]) + "”", p))
            assert (f"偏差原因：{d['reason']}" in para) if d["reason"] else (f"【请补充：“{d['name']}”未完成的原因" in para)
        for d in facts["waiting"]:
            assert any(d["name"] in p and f"得分{PENDING}" in p for p in body(paras))
        assert "None" not in text and "nan" not in text.lower()


def test_generated_reports_are_valid_ooxml(generated):
    results = ooxml.validate_many([r for _, r in generated[:3]])      # one of each profile
    assert all(v == [] for v in results.values()), results


# ---------------------------------------------------------------------------------------------
# Text stays text; outlines by name, sandboxed
# ---------------------------------------------------------------------------------------------

def test_text_from_the_form_stays_text(tmp_path):
    data = load_data(EXAMPLES / "zhuzhou_2020.yaml")[0]
    data.pop("file_name", None)
    data["texts"]["goal_actual"] = "## 一、伪造的标题\n@自评表 附件\n{{ 7 * 7 }}【请补充：x】=SUM(A1)"
    data["indicators"][0]["explanation"] = "# 标题\n@分页"
    profile, form = form_from_data(data)
    wb = save_workbook(build_workbook(profile, form, "native"), tmp_path / "f.xlsx")
    report = write_report(wb, tmp_path / "r.docx")
    texts = body(read_paragraphs(report))
    assert "## 一、伪造的标题" in texts and "@自评表 附件" in texts
    assert "{{ 7 * 7 }}【请补充：x】=SUM(A1)" in texts
    assert "49" not in "\n".join(texts)
    document = docx.Document(str(report))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][0] == "一、专项资金基本情况"
    assert sum(1 for p in document.paragraphs if p.text == "附件") == 1
    assert len(document.tables) == 1
    # characters a .docx cannot hold (a form read from another tool may carry them) are dropped
    form.texts["goal_actual"] = "完成\x01情况\x0b"
    form.indicators[0].name = "智能\x1f制造"
    report_document(form, profile).save(tmp_path / "r2.docx")
    assert "完成情况" in body(read_paragraphs(tmp_path / "r2.docx"))


def _custom_profile(folder: Path, outline: str, report_key: str = "hunan") -> None:
    text = (ROOT / "templates" / "profiles" / "zhuzhou.yaml.j2").read_text(encoding="utf-8")
    text = text.replace("name: zhuzhou", "name: hunan").replace("report: zhuzhou", f"report: {report_key}")
    (folder / "hunan.yaml.j2").write_text(text, encoding="utf-8")
    (folder / "hunan.report.j2").write_text(outline, encoding="utf-8")


def test_a_bureau_outline_is_found_by_name(tmp_path, monkeypatch):
    _custom_profile(tmp_path, "# {{ year }}年度{{ project }}绩效自评报告（湖南）\n## 一、总体情况\n{{ draft.result }}\n@自评表\n")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    profile = load_profile("hunan", 2020)
    _, form = form_from_data({**load_data(EXAMPLES / "zhuzhou_2020.yaml")[0], "profile": "hunan"})
    report_document(form, profile).save(tmp_path / "r.docx")
    texts = [p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs]
    assert texts[0] == "2020年度市经济信息产业发展专项—制造强市-智能制造绩效自评报告（湖南）"
    assert texts[1] == "一、总体情况" and texts[2].startswith("经自评，本项目总分87.50分")


@pytest.mark.parametrize("outline, message", [
    ("# {{ ''.__class__.__mro__[1].__subclasses__() }}\n", "不允许的操作"),
    ("# {{ cycler.__init__.__globals__.os.system('echo pwned') }}\n", "不允许的操作"),
    ("# {{ no_such_variable }}\n", "报告提纲有误（第1行）"),
    ("{% for i in range(100000) %}{% for j in range(100000) %}xxxxxxxxxx{% endfor %}{% endfor %}", "超过"),
])
def test_outlines_render_sandboxed(tmp_path, monkeypatch, outline, message):
    _custom_profile(tmp_path, outline)
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    profile = load_profile("hunan", 2020)
    _, form = form_from_data({**load_data(EXAMPLES / "zhuzhou_2020.yaml")[0], "profile": "hunan"})
    with pytest.raises(ProfileError, match=message):
        report_document(form, profile)


def test_an_outline_is_never_named_by_a_path(tmp_path, monkeypatch):
    _custom_profile(tmp_path, "# x\n", report_key="../../etc/passwd")
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(tmp_path))
    profile = load_profile("hunan", 2020)
    _, form = form_from_data({**load_data(EXAMPLES / "zhuzhou_2020.yaml")[0], "profile": "hunan"})
    with pytest.raises(ProfileError, match="不能是文件路径"):
        report_document(form, profile)


# ---------------------------------------------------------------------------------------------
# Checking a hand-written report (jixiao validate --report)
# ---------------------------------------------------------------------------------------------

def hand_written(path: Path, paragraphs: list[str], rows: list[list[str]] = ()) -> Path:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    if rows:
        t = d.add_table(rows=len(rows), cols=len(rows[0]))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    d.save(str(path))
    return path


def test_a_planted_disagreement_is_found_with_its_paragraph(seeds, tmp_path, capsys):
    wb = seeds["zhuzhou_2020"][0]
    good = hand_written(tmp_path / "good.docx", [
        "2020年度市经济信息产业发展专项资金绩效自评报告",
        "该项目财政累计拨付到位资金 470 万元，项目使用资金 470 万元，资金及时到位率为100%。",
        "智能制造奖励、补助项目年度指标值20个，实际完成15个，得分7.50分。",
        "经自评，本项目总分87.50分，等级为“良”。"], [["企业满意度", "90%以上", "90%"]])
    assert cli.main(["validate", "--report", str(good), str(wb)]) == 1      # the form's own errors (W01, W02)
    assert "T07" not in capsys.readouterr().out
    bad = hand_written(tmp_path / "bad.docx", [
        "该项目财政累计拨付到位资金 470 万元，项目使用资金 460 万元。",
        "智能制造奖励、补助项目实际完成16个，得分8分。",
        "经自评，本项目总分98分，等级为“优”。"], [["企业满意度", "90%以上", "85%"]])
    assert cli.main(["validate", "--report", str(bad), str(wb), "--csv"]) == 1
    out = capsys.readouterr().out
    lines = [l for l in out.splitlines() if ",T07," in l]
    assert len(lines) == 6, out
    assert all(l.startswith(str(bad)) for l in lines)
    for claim in ("460万元", "16个", "8分", "98分", "“优”", "85%"):
        assert any(claim in l for l in lines), claim
    assert "自评报告第1段写“该项目财政累计拨付到位资金 470 万元，项目使用资金 460 万元。”" in out
    assert "第4段（表格行）" in out


@pytest.mark.parametrize("example", ["national_2025", "department_2025", "sichuan_2023"])
def test_the_drafted_funds_paragraph_of_every_example_agrees_with_its_form(tmp_path, example):
    """"其中，当年财政拨款年初预算数260万元、全年预算数280万元；…" gives each amount to its row, not the total."""
    wb = seed_workbook(tmp_path, example)
    report, paras = report_of(wb, tmp_path)
    assert not [p for p in body(paras) if "请核对" in p]
    assert t07(wb, report) == []


def test_a_wrong_amount_of_a_funds_row_is_found_and_named_by_its_row(tmp_path):
    wb = seed_workbook(tmp_path, "national_2025")   # 当年财政拨款 260 / 280 / 268.5; 上年结转资金 40 / 40 / 38
    report = hand_written(tmp_path / "r.docx", [
        "2025年度，本项目年初预算数300万元，全年预算数320万元。其中，当年财政拨款年初预算数260万元、全年预算数290万元；"
        "上年结转资金年初预算数40万元、全年预算数40万元。"])
    found = t07(wb, report)
    assert [("290万元" in f.message, "当年财政拨款" in f.message) for f in found] == [(True, True)], [f.message for f in found]


def test_validate_report_needs_one_form_and_a_word_document(seeds, tmp_path, capsys):
    wb = seeds["zhuzhou_2020"][0]
    assert cli.main(["validate", "--report", str(seeds["zhuzhou_2020"][1]), str(wb.parent)]) == 2
    assert "一份自评表" in capsys.readouterr().err
    assert cli.main(["validate", "--report", str(wb), str(wb)]) == 2          # a workbook given as the report
    assert "不是 Word 文档" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    (b"", "空的"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "旧版 Word .doc"),
    (b"plain text", "不是 Word 文档"),
])
def test_unreadable_reports_get_a_clear_message(tmp_path, content, message):
    path = tmp_path / "r.docx"
    path.write_bytes(content)
    with pytest.raises(WorkbookError, match=message):
        read_paragraphs(path)


def test_the_report_reader_refuses_entities_and_reads_what_word_shows(tmp_path):
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    bomb = f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><w:document {w}><w:body/></w:document>'
    with zipfile.ZipFile(tmp_path / "bomb.docx", "w") as z:
        z.writestr("word/document.xml", bomb)
    with pytest.raises(WorkbookError, match="DTD"):
        read_paragraphs(tmp_path / "bomb.docx")
    doc = (f'<w:document {w}><w:body><w:p><w:r><w:t>总分</w:t></w:r><w:del><w:r><w:delText>98</w:delText></w:r></w:del>'
           '<w:ins><w:r><w:t>87.50</w:t></w:r></w:ins><w:r><w:t>分</w:t></w:r></w:p>'
           '<w:p><w:r><w:fldChar/><w:instrText> PAGE </w:instrText><w:t>第</w:t><w:br/><w:t>二行</w:t></w:r></w:p>'
           '</w:body></w:document>')
    with zipfile.ZipFile(tmp_path / "r.docx", "w") as z:
        z.writestr("word/document.xml", doc)
    assert [p.text for p in read_paragraphs(tmp_path / "r.docx")] == ["总分87.50分", "第\n二行"]


# ---------------------------------------------------------------------------------------------
# The command line and the ribbon button
# ---------------------------------------------------------------------------------------------

def test_jixiao_report_on_a_folder(seeds, tmp_path, capsys):
    forms = tmp_path / "收到的表格"
    (forms / "区县").mkdir(parents=True)
    shutil.copy(seeds["zhuzhou_2020"][0], forms / "株洲.xlsx")
    shutil.copy(seeds["suzhou_2021"][0], forms / "区县" / "苏州.xlsx")
    (forms / "坏的.xlsx").write_bytes(b"not a workbook")
    (forms / "说明.txt").write_text("x", encoding="utf-8")
    out = tmp_path / "报告"
    assert cli.main(["report", str(forms), "--out", str(out), "--jobs", "1"]) == 2
    captured = capsys.readouterr()
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.docx")) == [
        "区县/苏州-自评报告.docx", "株洲-自评报告.docx"]
    assert "已生成 2 份自评报告" in captured.out and "坏的.xlsx" in captured.err and "跳过 1 个非表格文件" in captured.out
    # existing reports are never replaced without --force, and nothing is written then
    before = (out / "株洲-自评报告.docx").stat().st_mtime_ns
    (forms / "坏的.xlsx").unlink()
    assert cli.main(["report", str(forms), "--out", str(out)]) == 2
    assert "已经存在" in capsys.readouterr().err and (out / "株洲-自评报告.docx").stat().st_mtime_ns == before
    assert cli.main(["report", str(forms), "--out", str(out), "--force"]) == 0
    assert not [p for p in out.rglob("*") if p.name.startswith(".~jixiao")]


def test_the_ribbon_button_writes_beside_the_workbook(seeds, tmp_path):
    wb = tmp_path / "2020年度株洲.xlsx"
    shutil.copy(seeds["zhuzhou_2020"][0], wb)
    book = open_book(wb)
    first = actions.report(book)
    second = actions.report(book)
    assert first == tmp_path / "2020年度株洲-自评报告.docx" and second.name == "2020年度株洲-自评报告（2）.docx"
    assert "已生成绩效自评报告" in book.told[-1] and str(second) in book.told[-1]
    assert actions.main(["report", str(wb)]) == 0
    assert (tmp_path / "2020年度株洲-自评报告（3）.docx").exists()
    assert wb.read_bytes() == seeds["zhuzhou_2020"][0].read_bytes()          # the workbook is untouched
    assert "jx_report" in actions.BUTTONS


def test_the_ribbon_button_on_an_unsaved_workbook(seeds):
    book = open_book(seeds["zhuzhou_2020"][0])
    book.__class__ = type("Unsaved", (book.__class__,), {"path": property(lambda self: None)})
    actions.run_button("jx_report", book)
    assert "还没有保存" in book.told[-1]


def test_reports_of_forms_jixiao_did_not_make(tmp_path, capsys):
    """A published form typed by hand (the Zhuzhou seed as printed: 8 points typed where the rules give
    7.50) and a workbook holding two forms: read by their headings, one report per form."""
    from tests.support import foreign

    seed, two = foreign.zhuzhou_seed(tmp_path), foreign.two_forms(tmp_path)
    out = tmp_path / "报告"
    assert cli.main(["report", str(seed.path), str(two.path), "--out", str(out)]) == 0
    assert "已生成 3 份自评报告" in capsys.readouterr().out
    assert sorted(p.name for p in out.glob("*.docx")) == [
        "two_forms-项目一-自评报告.docx", "two_forms-项目二-自评报告.docx", "zhuzhou_seed-自评报告.docx"]
    texts = body(read_paragraphs(out / "zhuzhou_seed-自评报告.docx"))
    unmet = next(p for p in texts if p.startswith("1. “智能制造奖励、补助项目”"))
    assert "本组得分7.50分" in unmet                       # the rules' score, not the 8 typed on the form
    assert cli.main(["validate", "--report", str(out / "zhuzhou_seed-自评报告.docx"), str(seed.path)]) == 1
    assert "T07" not in capsys.readouterr().out
