"""`jixiao fill` on malformed data (a Chinese message saying where, exit 2, never a traceback) and on
an output folder that already holds workbooks (nothing replaced without --force)."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import templates.fill as fill_module
from templates.fill import DataError, OutputExists, fill, load_data
from udfs import cli

GOOD = {"profile": "national", "year": 2026, "header": {"project_name": "道路养护"},
        "funds": [{"key": "total", "budget": 100, "executed": 95}],
        "indicators": [{"level1": "产出指标", "name": "养护里程", "target": "≥50公里", "actual": "52公里", "weight": 90}]}
CSV_HEAD = "项目,规则,年度,项目名称,全年预算数,全年执行数,一级指标,三级指标,年度指标值,实际完成值,分值\n"


def run_fill(capsys, *argv) -> tuple[int, str]:
    code = cli.main(["fill", *map(str, argv)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "内部错误" not in err
    return code, err


def write_yaml(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("line, message", [
    ("funds: {total: 5}", "资金（funds）应为列表"),
    ("funds: [5]", "资金（funds）第1项应为“键: 值”的映射"),
    ("funds: [null]", "资金（funds）第1项是空的"),
    ("funds: [{key: total, budgt: 5}]", "资金（funds）第1项中有不认识的数据项：budgt"),
    ("funds: [{key: total}, {key: total}]", "资金行“total”出现了两次"),
    ("header: [1, 2]", "表头（header）应为“键: 值”的映射"),
    ("header: {project_name: [1, 2]}", "表头（header）中的“project_name”应为一个文字或数字"),
    ("texts: x", "文字栏目（texts）应为“键: 值”的映射"),
    ("indicators: {a: 1}", "指标（indicators）应为列表"),
    ("indicators: [{level1: 产出指标, target: [1]}]", "第1个指标：指标中的“target”应为一个文字或数字"),
    ("indicators: [{level1: 投入目标}]", "第1个指标：规则“national”中没有一级指标“投入目标”"),
    ("subitems: [1]", "子项（subitems）第1项应为“键: 值”的映射"),
    ("amounts: [1]", "金额（amounts）应为“键: 值”的映射"),
    ("reported: 5", "纸质表得分（reported）应为“键: 值”的映射"),
    ("year: abc", "年度（year）应为四位数的年份，如 2026，现为“abc”"),
    ("year: 5", "年度（year）应为四位数的年份"),
    ("year: 1900", "年度“1900”不合理"),
    ("profile: 5", "规则（profile）应为规则名称（如 national）或规则配置文件的路径，现为“5”"),
    ("profile: guangxi", "找不到规则配置“guangxi”"),
    ("file_name: [a]", "文件名（file_name）应为一段文字"),
    ("colour: red", "不认识的项目数据项：colour"),
])
def test_malformed_yaml_is_a_clear_message_exit_2(tmp_path, capsys, line, message):
    lines = {"profile": "profile: national", "year": "year: 2026", "header": "header: {project_name: 甲}"}
    lines[line.split(":")[0]] = line
    data = write_yaml(tmp_path / "项目.yaml", "\n".join(lines.values()) + "\n")
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    assert code == 2 and message in err and f"{data}" in err, err
    assert "第1个项目" not in err          # the file holds one project: no number
    assert not (tmp_path / "out").exists()


def test_year_written_2026nian_is_accepted(tmp_path):
    data = write_yaml(tmp_path / "a.yaml", "profile: national\nyear: 2026年\nheader: {project_name: 甲}\n")
    assert [f.name for f in fill([data], tmp_path / "out")] == ["2026年度甲绩效自评表.xlsx"]


def test_whole_file_shapes(tmp_path, capsys):
    code, err = run_fill(capsys, write_yaml(tmp_path / "empty.yaml", ""), "--out", tmp_path / "out")
    assert code == 2 and "数据文件中没有项目" in err
    code, err = run_fill(capsys, write_yaml(tmp_path / "list.yaml", "- 5\n- 6\n"), "--out", tmp_path / "out")
    assert code == 2 and "list.yaml 第1个项目：项目数据应为“键: 值”的映射，现为“5”" in err


def test_several_projects_are_named_by_number_and_name(tmp_path):
    data = write_yaml(tmp_path / "batch.yaml", "projects:\n"
                      "  - {profile: national, year: 2026, header: {project_name: 甲}}\n"
                      "  - {profile: national, year: 2026, header: {project_name: 乙}, funds_weight: 十}\n")
    with pytest.raises(DataError) as exc:
        fill([data], tmp_path / "out")
    assert str(exc.value).startswith(f"{data} 第2个项目“乙”：预算执行率分值应为数字")


def test_unforeseen_shape_is_a_data_error_naming_the_project(tmp_path, monkeypatch):
    """The last resort: an error no check foresaw still names the project, never a traceback."""
    def broken(value):
        raise TypeError("unexpected")
    monkeypatch.setattr(fill_module, "_cell_text", broken)
    data = write_yaml(tmp_path / "batch.yaml", "- {profile: national, year: 2026, header: {project_name: 甲}}\n"
                      "- {profile: national, year: 2026, header: {project_name: 乙},"
                      " indicators: [{level1: 产出指标, target: x}]}\n")
    with pytest.raises(DataError, match="数据格式有误，无法读取（TypeError: unexpected）") as exc:
        fill([data], tmp_path / "out")
    assert exc.value.where == f"{data} 第2个项目“乙”"


# CSV ---------------------------------------------------------------------------------------------

def write_csv(path: Path, rows: str) -> Path:
    path.write_text(CSV_HEAD + rows, encoding="utf-8-sig")
    return path


def test_csv_year_with_nian_is_accepted_and_abc_names_the_line(tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", "P1,national,2026年,道路养护,100,95,产出指标,养护里程,≥50公里,52公里,90\n")
    assert load_data(good)[0]["year"] == 2026
    bad = write_csv(tmp_path / "bad.csv", "P1,national,2026,道路养护,100,95,产出指标,养护里程,≥50公里,52公里,90\n"
                                          "P2,national,abc,路灯更新,50,50,产出指标,亮灯率,≥98%,99%,90\n")
    code, err = run_fill(capsys, bad, "--out", tmp_path / "out")
    assert code == 2 and f"{bad} 第3行：年度（year）应为四位数的年份，如 2026，现为“abc”" in err
    assert not (tmp_path / "out").exists()


def test_csv_amounts_and_indicator_values_name_the_line_and_column(tmp_path):
    bad = write_csv(tmp_path / "b.csv", "P1,national,2026,道路养护,100万元,95,产出指标,养护里程,≥50公里,52公里,90\n")
    with pytest.raises(DataError, match="第2行：“全年预算数”应为数字.*100万元"):
        load_data(bad)
    bad = write_csv(tmp_path / "c.csv", "P1,national,2026,道路养护,100,95,产出指标,养护里程,≥50公里,52公里,90\n"
                                        "P1,,,,,,效益指标,满意度,≥90%,95%,十分\n")
    with pytest.raises(DataError) as exc:
        fill([bad], tmp_path / "out")
    assert str(exc.value).startswith(f"{bad} 第3行：分值应为数字")
    bad = tmp_path / "d.csv"
    bad.write_text("项目名称,funds_total,一级指标,三级指标\n甲,100,产出指标,x\n", encoding="utf-8")
    with pytest.raises(DataError, match="第1行：不认识的资金列“funds_total”"):
        load_data(bad)


def test_csv_line_numbers_count_cells_that_span_lines(tmp_path):
    bad = tmp_path / "e.csv"
    bad.write_text('项目,规则,年度,项目名称,预期目标,一级指标,三级指标,分值\n'
                   'P1,national,2026,甲,"第一行\n第二行",产出指标,x,90\n'
                   'P1,,,,,满意度指标,y,多\n', encoding="utf-8")
    with pytest.raises(DataError) as exc:
        fill([bad], tmp_path / "out")
    assert exc.value.where == f"{bad} 第4行"
    assert load_data(bad)[0]["texts"]["goal_expected"] == "第一行\n第二行"


def test_csv_several_projects_are_named_by_their_key(tmp_path):
    bad = write_csv(tmp_path / "f.csv", "P1,national,2026,道路养护,100,95,产出指标,养护里程,≥50公里,52公里,90\n"
                                        "P2,national,2026,路灯更新,50,50,投入指标,亮灯率,≥98%,99%,90\n")
    with pytest.raises(DataError) as exc:
        fill([bad], tmp_path / "out")
    assert str(exc.value).startswith(f"{bad} 第3行：规则“national”中没有一级指标“投入指标”")
    bad = write_csv(tmp_path / "g.csv", "P1,national,2026,道路养护,100,95,,,,,\nP2,nowhere,2026,路灯更新,50,50,,,,,\n")
    with pytest.raises(Exception) as exc:
        fill([bad], tmp_path / "out")
    assert str(exc.value).startswith(f"{bad} 第2个项目“P2”：找不到规则配置“nowhere”")


# Existing output files ---------------------------------------------------------------------------

def project_file(tmp_path: Path, name: str) -> Path:
    import yaml
    data = dict(GOOD, header={"project_name": name})
    return write_yaml(tmp_path / f"{name}.yaml", yaml.safe_dump(data, allow_unicode=True))


def test_existing_files_are_never_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    first, second = project_file(tmp_path, "甲"), project_file(tmp_path, "乙")
    code, err = run_fill(capsys, first, "--out", out)
    assert code == 0
    typed = out / "2026年度甲绩效自评表.xlsx"
    typed.write_bytes(b"what the user typed")
    code, err = run_fill(capsys, first, second, "--out", out)
    assert code == 2
    assert "已有 1 个同名文件：2026年度甲绩效自评表.xlsx" in err and "--force" in err and "--out" in err
    assert typed.read_bytes() == b"what the user typed"
    assert sorted(p.name for p in out.iterdir()) == ["2026年度甲绩效自评表.xlsx"]   # 乙 not written either
    code, err = run_fill(capsys, first, second, "--out", out, "--force")
    assert code == 0 and "已生成 2 个工作簿" in err
    assert load_workbook(typed).worksheets[0].title        # replaced by a real workbook
    assert sorted(p.name for p in out.iterdir()) == ["2026年度乙绩效自评表.xlsx", "2026年度甲绩效自评表.xlsx"]


def test_refusal_lists_the_first_few_files(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    rows = "".join(f"P{i},national,2026,项目{i},100,95,产出指标,x,1,1,90\n" for i in range(8))
    data = write_csv(tmp_path / "many.csv", rows)
    for i in range(8):
        (out / f"2026年度项目{i}绩效自评表.xlsx").write_bytes(b"x")
    with pytest.raises(OutputExists) as exc:
        fill([data], out)
    text = str(exc.value)
    assert "已有 8 个同名文件" in text and "项目4绩效自评表.xlsx 等" in text and "项目5" not in text
    assert fill([data], out, overwrite=True) and not list(out.glob(".~*"))


def test_out_that_is_a_file_is_a_clear_error(tmp_path, capsys):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"x")
    code, err = run_fill(capsys, project_file(tmp_path, "甲"), "--out", target)
    assert code == 2 and "不是文件夹" in err
