"""What `build_templates.py` and `jixiao fill` produce: the files, their structure (names, protection,
validation, print setup, formula hygiene), the OOXML validator, rendered pages, UDF-mode numbers."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.formula import ArrayFormula

import build_templates
from jixiao.templates.builder import build_workbook, save_workbook
from jixiao.templates.fill import DataError, fill, form_from_data, load_data
from tests.support import ooxml
from tests.support.formgen import random_form
from tests.support.libreoffice import pdf_fonts, pdf_to_png
from tests.support.udfeval import Evaluator
from tests.support.xlsx import opened
from tests.support.named import named_cells, named_ref
from jixiao.engine import scoring as engine
from jixiao.engine.contract import NAMES, field_name
from jixiao.engine.profiles import load_profile

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"
PROFILES = ("national", "zhuzhou", "suzhou")


@pytest.fixture(scope="module")
def built(tmp_path_factory):  # --no-wheel here: the wheel and wheelhouse are tests/test_packaging.py's
    out = tmp_path_factory.mktemp("dist")
    assert build_templates.main(["--no-wheel", "--year", "2026", "--out", str(out)]) == 0
    return out


def test_main_command_writes_every_profile_the_examples_and_the_addin(built):
    names = sorted(p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file())
    assert names == sorted([
        "2026/2026年度项目支出绩效自评表.xlsx", "2026/2026年度项目支出绩效自评表.xlsm",
        "2026/2026年度项目支出绩效自评表（株洲）.xlsx", "2026/2026年度项目支出绩效自评表（株洲）.xlsm",
        "2026/2026年度苏州市级财政支出项目绩效自评表.xlsx", "2026/2026年度苏州市级财政支出项目绩效自评表.xlsm",
        "2026/2026年度部门预算项目支出绩效自评表（四川）.xlsx", "2026/2026年度部门预算项目支出绩效自评表（四川）.xlsm",
        "2026/2026年度部门整体支出绩效自评表.xlsx", "2026/2026年度部门整体支出绩效自评表.xlsm",
        "2026/示例/2020年度项目支出绩效自评表（株洲·制造强市-智能制造示例）.xlsx",
        "2026/示例/2023年度部门预算项目支出绩效自评表（四川·乡村道路养护示例）.xlsx",
        "2026/示例/2025年度部门整体支出绩效自评表（县水利局示例）.xlsx",
        "2026/示例/2021年度苏州市级财政支出项目绩效自评表（智能制造融合发展中心示例）.xlsx",
        "2026/示例/2025年度项目支出绩效自评表（全国样式示例）.xlsx",
        "addin/jixiao.xlam"])
    assert not [p for p in built.rglob(".~*")]  # no temp files left behind


def test_options_year_profile_formulas(tmp_path):
    assert build_templates.main(["--no-wheel", "--year", "2031", "--profile", "suzhou", "--formulas", "udf", "--no-examples",
                                 "--no-addin", "--out", str(tmp_path)]) == 0
    files = [p.name for p in (tmp_path / "2031").iterdir()]
    assert files == ["2031年度苏州市级财政支出项目绩效自评表.xlsx"]
    wb = load_workbook(tmp_path / "2031" / files[0])
    assert wb["参数"]["B3"].value == 2031 and "JX_IND_UDF" in wb.defined_names


def test_bad_options_exit_2_and_write_nothing(tmp_path, capsys):
    assert build_templates.main(["--no-wheel", "--profile", "guangxi", "--out", str(tmp_path)]) == 2
    assert "找不到规则配置“guangxi”" in capsys.readouterr().err
    assert build_templates.main(["--no-wheel", "--year", "20266", "--out", str(tmp_path)]) == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", PROFILES)
@pytest.mark.parametrize("mode", ["native", "udf"])
def test_every_contract_name_is_defined(name, mode):
    prof = load_profile(name, 2026)
    wb = opened(build_workbook(prof, mode=mode))
    expected = {n.name for n in NAMES if prof.layout in n.layouts or
                (prof.layout == "zhuzhou" and "national" in n.layouts)}
    expected -= ({"JX_IND_UDF"} if mode == "native" else
                 {"JX_IND_DIR_USED", "JX_IND_T", "JX_IND_A", "JX_IND_COMPLETION", "JX_IND_FRACTION"})
    expected |= {field_name(h["key"]) for h in prof.data["header"]} | {field_name(t["key"]) for t in prof.data["texts"]}
    assert expected <= set(wb.defined_names), expected - set(wb.defined_names)


def _formula_text(value) -> str | None:
    if isinstance(value, ArrayFormula):
        return value.text
    return value if isinstance(value, str) and value.startswith("=") else None


@pytest.mark.parametrize("example", ["zhuzhou_2020.yaml", "suzhou_2021.yaml"])
def test_computed_cells_hold_formulas_inputs_unlocked_and_no_volatile_or_whole_column(example):
    prof, form = form_from_data(load_data(EXAMPLES / example)[0])
    wb = opened(build_workbook(prof, form))
    ws = wb.worksheets[0]
    assert ws.protection.sheet and not ws.protection.password
    names = {n: list(wb.defined_names[n].destinations) for n in wb.defined_names}
    for name in ("JX_IND_SCORE", "JX_TOTAL_SCORE", "JX_TOTAL_GRADE") + (("JX_EXEC_RATE", "JX_EXEC_SCORE") if prof.funds_scored else ()):
        for sheet, ref in names[name]:
            for row in ws[ref.replace("$", "")] if ":" in ref else [[ws[ref.replace("$", "")]]]:
                for cell in row:
                    if cell.coordinate in ws.merged_cells and not any(
                            cell.coordinate == str(m).split(":")[0] for m in ws.merged_cells.ranges):
                        continue
                    assert _formula_text(cell.value), f"{name} {cell.coordinate} holds {cell.value!r}"
                    assert cell.protection.locked
    for name in ("JX_IND_TARGET", "JX_IND_ACTUAL", "JX_IND_REASON", "JX_IND_LEVEL"):
        sheet, ref = names[name][0]
        first = ref.replace("$", "").split(":")[0]
        if not _formula_text(ws[first].value):
            assert not ws[first].protection.locked, f"{name} should be an input"
    for ws_ in wb.worksheets:
        for row in ws_.iter_rows():
            for cell in row:
                text = _formula_text(cell.value)
                if text:
                    assert not re.search(r"\b(NOW|TODAY|RAND|RANDBETWEEN|OFFSET|INDIRECT)\(", text), text
                    assert not re.search(r"(?<![A-Z$])\$?[A-Z]{1,3}:\$?[A-Z]{1,3}(?![\d(])", text), text


@pytest.mark.parametrize("name", PROFILES)
def test_input_help_validation_marks_and_print_setup(name):
    prof = load_profile(name, 2026)
    wb = opened(build_workbook(prof))
    ws = wb.worksheets[0]
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "list"} <= kinds
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert lists == {"JX_P_DIRECTIONS", "JX_P_LEVEL_LIST"}
    assert all(dv.error and dv.errorTitle for dv in ws.data_validations.dataValidation)
    assert len(ws.conditional_formatting) >= 1
    assert wb["参数"].sheet_state == "hidden" and "填表说明" in wb.sheetnames
    ps = ws.page_setup
    fit_width = 1 if ps.fitToWidth is None else ps.fitToWidth  # 1 is the schema's default
    assert (ps.paperSize, ps.orientation, fit_width, ps.fitToHeight) == (9, "portrait", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows and ws.print_area
    assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
    fonts = {ws[c].font.name for c in ("A1", "A3", "B3")}
    assert fonts <= {"宋体", "黑体"}


def test_every_output_passes_the_ooxml_validator(built, tmp_path):
    files = sorted(p for p in built.rglob("*") if p.suffix in (".xlsx", ".xlsm", ".xlam"))
    for mode in ("udf",):
        for name in PROFILES:
            files.append(save_workbook(build_workbook(load_profile(name, 2026), mode=mode), tmp_path / f"{name}-{mode}.xlsx"))
    results = ooxml.validate_many(files)
    assert {str(p): errs for p, errs in results.items() if errs} == {}


@pytest.mark.parametrize("name", PROFILES)
def test_rendered_form_embeds_a_cjk_font_and_fits_one_page_wide(calc, tmp_path, name):
    prof = load_profile(name, 2026)
    path = save_workbook(build_workbook(prof), tmp_path / f"{name}.xlsx")
    pdf = calc.to_pdf(path, tmp_path / f"{name}.pdf")
    fonts = pdf_fonts(pdf)
    assert any("CJK" in f["name"] and f.get("emb") in (True, "yes") for f in fonts), fonts
    pngs = pdf_to_png(pdf, tmp_path / name, dpi=60)
    assert pngs and pngs[0].stat().st_size > 10_000
    import subprocess
    first_page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout", str(pdf), "-"],
                                capture_output=True, text=True, check=True).stdout
    # the whole form, left column to right column, title to total, is on page 1
    left, right = ("项目名称", "偏差原因分析") if prof.layout == "national" else (
        ("部门名称", "偏差原因分析") if prof.layout == "zhuzhou" else ("项目名称", "自评分"))
    assert left in first_page and right in first_page and prof.title in first_page
    assert ("总分" if prof.layout != "suzhou" else "合计") in first_page


def test_udf_mode_computes_the_engines_numbers_through_the_jx_functions():
    """200 random filled forms plus the two seeds, in udf mode, evaluated with the JX_ functions."""
    rng = random.Random(7)
    cases = [random_form(rng, ("national", "zhuzhou", "suzhou")[n % 3]) for n in range(200)]
    cases += [form_from_data(load_data(EXAMPLES / e)[0]) for e in ("zhuzhou_2020.yaml", "suzhou_2021.yaml")]
    for prof, form in cases:
        _check_udf_workbook(prof, form)


def _check_udf_workbook(prof, form):
    wb = opened(build_workbook(prof, form, mode="udf"))
    ev = Evaluator(wb)
    sheet = wb.worksheets[0].title
    res = engine.score_form(engine.with_computed_inputs(form, prof), prof)

    scores = named_cells(wb, "JX_IND_SCORE")
    for i, row in enumerate(res.rows):
        if row.score is not None:
            got = ev.cell(sheet, scores[i].coordinate)
            assert got == row.score, (i, got, row.score)
    total = ev.cell(sheet, named_cells(wb, "JX_TOTAL_SCORE")[0].coordinate)
    assert total == (res.total_text if res.pending else "" if res.total is None else res.total)
    grade = ev.cell(sheet, named_cells(wb, "JX_TOTAL_GRADE")[0].coordinate)
    assert (grade or "") == ("待定" if res.pending else res.grade)
    if prof.funds_scored:
        got = ev.cell(sheet, named_cells(wb, "JX_EXEC_SCORE")[0].coordinate)
        assert (None if got == "" else got) == res.exec_score


def test_fill_csv_batch_with_chinese_headings(tmp_path):
    csv_text = ("项目,规则,年度,项目名称,主管部门,全年预算数,全年执行数,一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,偏差原因分析及改进措施\n"
                "P1,national,2026,道路养护,交通局,100,95,产出指标,数量指标,养护里程,≥50公里,48公里,20,天气原因\n"
                "P1,,,,,,,效益指标,社会效益指标,通行满意度,≥90%,92%,30,\n"
                "P2,national,2026,路灯更新,城管局,50,50,产出指标,质量指标,亮灯率,≥98%,99%,50,\n")
    data = tmp_path / "batch.csv"
    data.write_text(csv_text, encoding="utf-8-sig")
    files = fill([data], tmp_path / "out")
    assert [f.name for f in files] == ["2026年度道路养护绩效自评表.xlsx", "2026年度路灯更新绩效自评表.xlsx"]
    wb = load_workbook(files[0])
    ws = wb.worksheets[0]
    assert ws[named_ref(wb, "JX_PROJECT_NAME")].value == "道路养护"
    prof, form = form_from_data(load_data(data)[0])
    assert [i.name for i in form.indicators] == ["养护里程", "通行满意度"] and form.funds[0].budget == 100


def test_fill_refuses_text_in_amounts_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: national\nyear: 2026\nheader: {project_name: 甲}\n"
                   "funds: [{key: total, budget: 470万元, executed: 470}]\n", encoding="utf-8")
    good = EXAMPLES / "zhuzhou_2020.yaml"
    with pytest.raises(DataError, match="应为数字.*470万元"):
        fill([good, bad], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_fill_unknown_keys_and_categories_are_clear_errors(tmp_path):
    with pytest.raises(DataError, match="不认识的项目数据项：colour"):
        form_from_data({"profile": "national", "colour": 1})
    with pytest.raises(Exception, match="没有一级指标“投入目标”"):
        form_from_data({"profile": "national", "indicators": [{"level1": "投入目标", "name": "x"}]})


def test_written_files_have_normal_permissions(tmp_path):
    """Atomic writes go through mkstemp (0600); the finished file gets the usual mode (0666 - umask)
    so colleagues on a shared folder can open it."""
    import os
    mask = os.umask(0o022)
    try:
        path = save_workbook(build_workbook(load_profile("national", 2026)), tmp_path / "t.xlsx")
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_two_profiles_with_the_same_file_name_are_refused_before_writing(tmp_path, monkeypatch, capsys):
    """A copied profile that kept file_name would silently replace the original's template."""
    from jixiao.engine.profiles import BUILTIN_DIR
    mine = tmp_path / "profiles"
    mine.mkdir()
    text = (BUILTIN_DIR / "national.yaml.j2").read_text(encoding="utf-8").replace("name: national", "name: mynational")
    (mine / "mynational.yaml.j2").write_text(text, encoding="utf-8")              # renamed, file_name kept
    monkeypatch.setenv("JIXIAO_PROFILE_PATH", str(mine))
    out = tmp_path / "out"
    assert build_templates.main(["--no-wheel", "--year", "2026", "--profile", "national", "mynational", "--out", str(out)]) == 2
    assert ("规则配置“national”和“mynational”生成的文件名相同（2026年度项目支出绩效自评表.xlsx）："
            "请修改其中一个的 file_name") in capsys.readouterr().err
    assert not out.exists()


def test_profile_option_accumulates_and_the_count_is_of_files_written(tmp_path, capsys):
    assert build_templates.main(["--no-wheel", "--year", "2026", "--profile", "national", "--profile", "suzhou", "national",
                                 "--no-addin", "--out", str(tmp_path)]) == 0
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.xlsx"))
    assert len(files) == 7 and "2026/2026年度苏州市级财政支出项目绩效自评表.xlsx" in files   # 2 templates, 5 examples
    assert "共生成 7 个文件" in capsys.readouterr().out
    # running again regenerates dist, the filled examples included
    assert build_templates.main(["--no-wheel", "--year", "2026", "--profile", "national", "--no-addin", "--out", str(tmp_path)]) == 0
