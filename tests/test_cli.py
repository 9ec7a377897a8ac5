"""The jixiao command line: validate and score on good, broken and foreign files; exit codes; outputs."""
from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from pathlib import Path

import pytest
import yaml

from jixiao import cli

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "validation_cases"


def build(path: Path, name: str = None, data: dict = None, typed: bool = True) -> Path:
    from jixiao.templates.builder import build_workbook, save_workbook
    from jixiao.templates.fill import form_from_data
    if data is None:
        data = yaml.safe_load((ROOT / "templates" / "examples" / f"{name}.yaml").read_text(encoding="utf-8"))
    profile, form = form_from_data(data)
    return save_workbook(build_workbook(profile, form, "native", typed_scores=typed), path)


def clean_national() -> dict:
    base = yaml.safe_load((CASES / "_bases.yaml").read_text(encoding="utf-8"))["national"]
    return base


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("inbox")
    build(d / "株洲.xlsx", "zhuzhou_2020")
    (d / "苏州").mkdir()
    build(d / "苏州" / "苏州.xlsx", "suzhou_2021")
    build(d / "clean.xlsx", data=clean_national())
    (d / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (d / "说明.txt").write_text("不是表格", encoding="utf-8")            # not a spreadsheet: skipped, counted
    with zipfile.ZipFile(d / "苏州" / "自评报告.docx", "w") as docx:  # the report beside the form: skipped
        docx.writestr("word/document.xml", "<w:document/>")
    (d / "README").write_text("no extension", encoding="utf-8")        # skipped
    (d / "~$株洲.xlsx").write_bytes(b"lock")          # Excel's lock file: skipped
    (d / ".hidden.xlsx").write_bytes(b"hidden")       # hidden: skipped
    return d


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0(capsys, folder):
    code, out, err = run(capsys, "validate", folder / "clean.xlsx")
    assert code == 0 and "[通过]" in out and "共 1 个文件：1 个通过" in out


def test_errors_exit_1_with_a_readable_table(capsys, folder):
    code, out, _ = run(capsys, "validate", folder / "株洲.xlsx")
    assert code == 1
    assert "错误 W02  项目支出绩效自评表!B22  效益指标下各指标分值合计为 20，应为 30（少 10 分）" in out
    assert "错误 T02" in out and "修改：" in out and "Traceback" not in out


def test_folder_mixed_good_broken_foreign_exits_2_and_goes_on(capsys, folder):
    code, out, err = run(capsys, "validate", folder)
    assert code == 2
    assert "[无法读取]" in out and "旧版 .xls" in out and "文件已损坏" in out
    assert "苏州.xlsx" in out and "株洲.xlsx" in out and "[通过]" in out
    assert "~$" not in out and ".hidden" not in out and "说明.txt" not in out and ".docx" not in out
    assert "共 4 个文件：1 个通过，0 个仅有警告，2 个有错误，1 个无法读取" in out and "另跳过 3 个非表格文件。" in out


def test_files_named_explicitly_are_checked_whatever_their_suffix(capsys, folder):
    code, out, _ = run(capsys, "validate", folder / "说明.txt", folder / "苏州" / "自评报告.docx")
    assert code == 2 and "不是 Excel 工作簿" in out and "Word 文档" in out
    assert "共 2 个文件" in out and "跳过" not in out


def test_a_report_beside_a_clean_form_does_not_fail_the_run(capsys, tmp_path):
    build(tmp_path / "clean.xlsx", data=clean_national())
    (tmp_path / "自评报告.pdf").write_bytes(b"%PDF-1.7")
    code, out, err = run(capsys, "validate", tmp_path)
    assert code == 0 and "共 1 个文件：1 个通过" in out and "跳过 1 个非表格文件" in out
    code, out, err = run(capsys, "validate", "--csv", tmp_path)
    assert code == 0 and "跳过 1 个非表格文件" in err
    code, out, err = run(capsys, "score", tmp_path)
    assert code == 0 and "跳过 1 个非表格文件" in err
    (tmp_path / "clean.xlsx").unlink()
    code, out, err = run(capsys, "validate", tmp_path)
    assert code == 2 and "没有找到要校验的表格文件：跳过 1 个非表格文件" in err


def test_json_and_csv(capsys, folder):
    code, out, _ = run(capsys, "validate", "--json", folder)
    data = json.loads(out)
    assert code == 2 and data["summary"]["exit_code"] == 2 and len(data["files"]) == 4
    assert sorted(Path(f).name for f in data["summary"]["skipped"]) == ["README", "自评报告.docx", "说明.txt"]
    zz = next(f for f in data["files"] if f["file"].endswith("株洲.xlsx"))
    assert zz["total"] == 87.5 and zz["grade"] == "良" and zz["errors"] >= 5
    assert {"code", "severity", "sheet", "cell", "message", "fix"} <= set(zz["findings"][0])
    code, out, _ = run(capsys, "validate", "--csv", folder)
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == cli.CSV_HEAD
    assert any(r[1] == "P00" and r[0].endswith("old.xls") for r in rows)
    assert any(r[1] == "I02" and r[4] == "G19" for r in rows)


def test_summary_workbook_with_chart(capsys, folder, tmp_path):
    import openpyxl
    out = tmp_path / "汇总.xlsx"
    code, _, err = run(capsys, "validate", "-q", "--summary", out, folder)
    assert code == 2 and "汇总表已写入" in err
    wb = openpyxl.load_workbook(out)
    rows = list(wb["汇总"].iter_rows(min_row=10, values_only=True))
    head = rows[0]
    assert head[:8] == ("序号", "文件", "主管部门", "单位", "项目", "规则", "年度", "执行率")
    zz = dict(zip(head, next(r for r in rows if r[1] == "株洲.xlsx")))
    assert zz["项目"] == "市经济信息产业发展专项—制造强市-智能制造" and zz["执行率"] == 1.0 and zz["总分"] == 87.5
    assert zz["等级"] == "良" and zz["满分"] == 100 and zz["规则"] == "湖南省株洲市"
    assert len(rows) == 5
    assert len(wb["图表"]._charts) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["汇总.xlsx"]   # written atomically, no temp left


def test_summary_must_be_an_xlsx(capsys, folder, tmp_path):
    code, _, err = run(capsys, "validate", "--summary", tmp_path / "汇总.txt", folder / "clean.xlsx")
    assert code == 2 and "文件名应以 .xlsx 结尾（现为" in err and "汇总.txt" in err
    assert list(tmp_path.iterdir()) == []
    code, _, err = run(capsys, "validate", "--summary", tmp_path / "汇总.XLSX", folder / "clean.xlsx")
    assert code == 0 and (tmp_path / "汇总.XLSX").exists()


def test_w02_says_how_many_points_too_many(capsys, tmp_path):
    data = clean_national()
    data["indicators"][2]["weight"] = 20
    code, out, _ = run(capsys, "validate", build(tmp_path / "x.xlsx", data=data))
    assert code == 1 and "产出指标下各指标分值合计为 55，应为 50（多 5 分）" in out


def test_parallel_run_gives_the_same_results(capsys, folder, tmp_path):
    for i in range(10):
        (tmp_path / f"copy{i}.xlsx").write_bytes((folder / "株洲.xlsx").read_bytes())
    code1, out1, _ = run(capsys, "validate", "--json", "-j", "1", tmp_path)
    code2, out2, _ = run(capsys, "validate", "--json", "-j", "2", tmp_path)
    assert code1 == code2 == 1 and json.loads(out1) == json.loads(out2)


def test_score_recomputes_and_marks_typed_differences(capsys, folder):
    code, out, _ = run(capsys, "score", folder / "株洲.xlsx")
    assert code == 0
    assert "执行率 100.00%" in out and "7.50  8  ≠ 规则" in out
    assert "总分 87.50（表内 98 ≠），等级 良（表内 优 ≠）" in out
    code, out, _ = run(capsys, "score", "--json", folder / "苏州" / "苏州.xlsx", folder / "old.xls")
    data = json.loads(out)
    assert code == 2
    sz = data[0]
    rate = next(r for r in sz["indicators"] if r["name"] == "预算执行率")
    assert rate["score"] == 0 and rate["reported"] == 8 and rate["differs"]
    assert sz["total"] == 72 and sz["differs"]["total"] is True
    assert data[1]["readable"] is False


def test_missing_path_and_user_errors_have_no_traceback(capsys, tmp_path):
    code, out, err = run(capsys, "validate", tmp_path / "nope.xlsx")
    assert code == 2 and "文件不存在" in out and "Traceback" not in out + err
    code, out, err = run(capsys, "validate", tmp_path)      # an empty folder
    assert code == 2 and "没有找到要校验的表格文件" in err


def test_unexpected_error_one_line_and_traceback_only_with_debug(capsys, monkeypatch, folder):
    def boom(_):
        raise RuntimeError("坏了")
    monkeypatch.setattr(cli, "cmd_validate", boom)
    code, out, err = run(capsys, "validate", folder / "clean.xlsx")
    assert code == 3 and "请把以下信息发给开发者" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    code, out, err = run(capsys, "--debug", "validate", folder / "clean.xlsx")
    assert "Traceback" in err and "RuntimeError: 坏了" in err


def test_internal_error_in_one_file_does_not_stop_the_run(capsys, monkeypatch, folder):
    import jixiao.engine.validation.runner as runner

    def boom(ctx, codes=None):
        raise ZeroDivisionError("x")
    monkeypatch.setattr(runner, "run_rules", boom)
    code, out, err = run(capsys, "validate", "-j", "1", folder / "clean.xlsx", folder / "old.xls")
    assert code == 2 and "内部错误" in out and "旧版 .xls" in out and "Traceback" not in out + err


def test_build_and_fill_delegate(monkeypatch):
    seen = {}
    import jixiao.templates.build as build
    monkeypatch.setattr(build, "main", lambda argv: seen.setdefault("build", argv) and 0)
    assert cli.main(["build", "--profile", "suzhou"]) == 0 and seen["build"] == ["--profile", "suzhou"]
    import jixiao.templates.fill as fill
    monkeypatch.setattr(fill, "main", lambda argv: seen.setdefault("fill", argv) and 0)
    assert cli.main(["fill", "data.yaml", "--out", "x"]) == 0 and seen["fill"] == ["data.yaml", "--out", "x"]


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys)
    assert code == 0 and "validate" in out and "score" in out and "build" in out and "fill" in out


def test_unknown_category_rows_are_reported_not_fatal(capsys, tmp_path):
    import openpyxl
    path = build(tmp_path / "x.xlsx", data=clean_national())
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("满意度指标"))
    cell.value = "群众评价"
    wb.save(path)
    code, out, _ = run(capsys, "validate", path)
    assert code == 1 and "P02" in out and "群众评价" in out
    code, out, _ = run(capsys, "score", path)
    assert code == 0 and "一级指标无法识别" in out


def test_ribbon_buttons_from_the_command_line(tmp_path, capsys):
    """jixiao new-year / check / recalc run the add-in's button code on a file."""
    import shutil
    from pathlib import Path
    from jixiao.templates.fill import fill
    from jixiao.cli import main
    from jixiao.engine.reader import read_form

    examples = Path(__file__).resolve().parent.parent / "templates" / "examples"
    src = fill([examples / "zhuzhou_2020.yaml"], tmp_path)[0]
    form = shutil.copy(src, tmp_path / "2020年度项目.xlsx")
    before = Path(form).read_bytes()
    assert main(["new-year", str(form)]) == 0
    new = tmp_path / "2021年度项目.xlsx"
    assert read_form(new).year == 2021 and Path(form).read_bytes() == before
    assert main(["new-year", str(form)]) == 0 and (tmp_path / "2021年度项目（2）.xlsx").exists()  # never overwrites
    assert main(["check", str(form), "--out", str(tmp_path / "checked.xlsx")]) == 1   # 错误 found, like validate
    assert "W02" in capsys.readouterr().out and Path(form).read_bytes() == before
    assert (tmp_path / "checked.xlsx").exists()
    clean = build(tmp_path / "clean.xlsx", data=clean_national())
    assert main(["check", str(clean)]) == 0
    assert main(["new-year", str(tmp_path / "missing.xlsx")]) == 2


# Output files ----------------------------------------------------------------------------------------

def test_an_output_that_is_an_input_is_refused_even_with_force(capsys, tmp_path):
    form = build(tmp_path / "a.xlsx", data=clean_national())
    before = form.read_bytes()
    for argv in (("score", form, "-o", form), ("score", form, "-o", form, "--force"),
                 ("validate", form, "--summary", form, "--force"), ("validate", form, "--json", "-o", form)):
        code, out, err = run(capsys, *argv)
        assert code == 2 and "是要" in err and "的文件；输入的文件从不改写，请另取一个文件名" in err, (argv, err)
        assert form.read_bytes() == before
    os.link(form, tmp_path / "link.xlsx")          # the same file under another name
    code, _, err = run(capsys, "score", form, "-o", tmp_path / "link.xlsx", "--force")
    assert code == 2 and "输出文件（-o）" in err and form.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "link.xlsx"]


@pytest.mark.parametrize("name, refused", [
    ("汇总.xlsx", True), ("sub/汇总.xlsx", True), ("汇总.XLSM", True),      # the next run would check them
    ("~$汇总.xlsx", False), (".汇总.xlsx", False), (".hidden/汇总.xlsx", False),   # the next run skips them
])
def test_a_spreadsheet_output_inside_a_folder_being_checked_is_refused(capsys, tmp_path, name, refused):
    inbox = tmp_path / "inbox"
    build(inbox / "clean.xlsx", data=clean_national())
    (inbox / "sub").mkdir()
    summary = inbox / name
    code, _, err = run(capsys, "validate", inbox, "--summary", summary.with_suffix(".xlsx"))
    if refused:
        assert code == 2 and f"在要校验的文件夹“{inbox}”中，是表格文件，下次校验这个文件夹时会被当作一份自评表" in err
        assert not summary.with_suffix(".xlsx").exists()
        code, _, err = run(capsys, "score", inbox, "-o", summary)
        assert code == 2 and "在要计分的文件夹" in err and not summary.exists()
    else:
        assert code == 0 and summary.with_suffix(".xlsx").exists()


def test_a_text_report_inside_the_folder_is_fine_and_existing_files_need_force(capsys, tmp_path):
    inbox = tmp_path / "inbox"
    build(inbox / "clean.xlsx", data=clean_national())
    report = inbox / "结果.txt"
    code, out, _ = run(capsys, "validate", inbox, "-o", report)
    assert code == 0 and out == "" and "共 1 个文件：1 个通过" in report.read_text(encoding="utf-8")
    report.write_text("kept", encoding="utf-8")
    summary = tmp_path / "汇总.xlsx"
    summary.write_bytes(b"kept")
    for argv in (("validate", inbox, "-o", report), ("validate", inbox, "--summary", summary),
                 ("score", inbox, "--json", "-o", report)):
        code, out, err = run(capsys, *argv)
        assert code == 2 and "已经存在；为免覆盖，本次没有" in err and "--force" in err and out == "", err
    assert report.read_text(encoding="utf-8") == "kept" and summary.read_bytes() == b"kept"
    code, _, _ = run(capsys, "validate", inbox, "-o", report, "--summary", summary, "--force")
    assert code == 0 and "跳过 1 个非表格文件" in report.read_text(encoding="utf-8")
    import openpyxl
    assert openpyxl.load_workbook(summary)["汇总"]["A1"].value.endswith("校验汇总")
    code, _, _ = run(capsys, "score", inbox, "--json", "-o", report, "--force")
    assert code == 0 and json.loads(report.read_text(encoding="utf-8"))[0]["total"] == 100
    assert not list(tmp_path.rglob(".~jixiao-*"))


def test_outputs_that_are_folders_or_the_same_file_are_refused(capsys, tmp_path):
    form = build(tmp_path / "in" / "a.xlsx", data=clean_national())
    code, _, err = run(capsys, "validate", form, "-o", tmp_path)
    assert code == 2 and f"输出文件（-o）“{tmp_path}”是一个文件夹；请写出文件名" in err
    code, _, err = run(capsys, "validate", form, "-o", tmp_path / "x.xlsx", "--summary", tmp_path / "x.xlsx")
    assert code == 2 and "汇总表（--summary）与输出文件（-o）是同一个文件" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]


def test_a_file_made_meanwhile_is_not_replaced(capsys, tmp_path, monkeypatch):
    form = build(tmp_path / "a.xlsx", data=clean_national())
    out = tmp_path / "r.txt"
    real = cli.run_all

    def meanwhile(*args, **kwargs):
        out.write_text("someone else's", encoding="utf-8")
        return real(*args, **kwargs)
    monkeypatch.setattr(cli, "run_all", meanwhile)
    code, _, err = run(capsys, "score", form, "-o", out)
    assert code == 2 and f"“{out}”已经存在，没有覆盖" in err and out.read_text(encoding="utf-8") == "someone else's"


# Commands that do what they say ----------------------------------------------------------------------

def test_check_and_recalc_without_out_write_a_sibling_copy_and_say_where(capsys, tmp_path):
    form = build(tmp_path / "某项目.xlsx", data=clean_national())
    before = form.read_bytes()
    assert cli.main(["check", str(form)]) == 0
    out = capsys.readouterr().out
    copy = tmp_path / "某项目（已校验）.xlsx"
    assert copy.exists() and f"已写入 {copy}" in out and form.read_bytes() == before
    assert "校验结果" in openpyxl_sheets(copy)
    assert cli.main(["recalc", str(form)]) == 0
    assert (tmp_path / "某项目（已重算）.xlsx").exists() and form.read_bytes() == before
    capsys.readouterr()
    # a second run refuses before doing or printing any work; --force replaces
    assert cli.main(["check", str(form)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "已经存在；为免覆盖，本次没有运行" in err and "--force" in err
    assert cli.main(["check", str(form), "--force"]) == 0
    capsys.readouterr()
    assert cli.main(["check", str(form), "--out", str(form), "--force"]) == 2
    assert "就是输入文件" in capsys.readouterr().err and form.read_bytes() == before


def openpyxl_sheets(path) -> list[str]:
    import openpyxl
    return openpyxl.load_workbook(path, read_only=True).sheetnames


def test_new_year_honours_out(capsys, tmp_path):
    from jixiao.engine.reader import read_form
    form = build(tmp_path / "2024年度项目.xlsx", data=clean_national())
    target = tmp_path / "下一年" / "明年的表.xlsx"
    assert cli.main(["new-year", str(form), "--out", str(target)]) == 0
    assert read_form(target).year == 2025 and not (tmp_path / "2025年度项目.xlsx").exists()
    capsys.readouterr()
    assert cli.main(["new-year", str(form), "--out", str(target)]) == 2
    assert "已经存在" in capsys.readouterr().err
    assert cli.main(["new-year", str(form), "--out", str(target), "--force"]) == 0


@pytest.mark.parametrize("command, words", [
    ("validate", ["--summary", "--config", "--expected", "例如", "jixiao validate 收到的表格/"]),
    ("score", ["--json", "例如", "jixiao score"]),
    ("check", ["一键校验", "--out", "--force", "例如", "jixiao check 2026年度某项目.xlsx"]),
    ("recalc", ["重新计算", "--out", "--force", "例如", "jixiao recalc"]),
    ("new-year", ["新建下一年度", "--out", "--force", "例如", "jixiao new-year"]),
])
def test_every_command_has_its_own_help_with_an_example(capsys, command, words):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and f"jixiao {command}" in out
    for w in words:
        assert w in out, (command, w)
