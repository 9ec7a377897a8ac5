"""`jixiao fill` on malformed data (a Chinese message saying where, exit 2, never a traceback) and on
an output folder that already holds workbooks (nothing replaced without --force)."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

import jixiao.templates.fill as fill_module
from jixiao.templates.fill import DataError, OutputExists, fill, load_data
from jixiao import cli

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
    ("profile: 5", "规则（profile）应为规则名称（如 national），现为“5”"),
    ("profile: guangxi", "找不到规则配置“guangxi”"),
    ("file_name: [a]", "文件名（file_name）应为一段文字"),
    ("colour: red", "不认识的项目数据项：colour"),
    # every part of the data names its unknown key, and the keys expected there (issue 10)
    ("reported: {totl: 98}", "纸质表得分（reported）中有不认识的数据项：totl（“totl”是不是“total”？）；"
                             "可用：balance、carry、exec_rate、exec_score、grade、total"),
    ("amounts: {payed: 1}", "金额（amounts）中有不认识的数据项：payed（“payed”是不是“paid”？）"),
    ("subitems: [{name: a, budgt: 1}]", "子项（subitems）第1项中有不认识的数据项：budgt"),
    ("indicators: [{level1: 产出指标, weigth: 5}]", "第1个指标：指标中有不认识的数据项：weigth（“weigth”是不是“weight”？）"),
    ("reported: {balance: 5}", "规则“national”的表上没有这些栏：balance（指标结余数）"),
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


def test_out_holding_a_folder_with_the_workbooks_name_is_a_clear_error_even_with_force(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "2026年度甲绩效自评表.xlsx").mkdir(parents=True)
    code, err = run_fill(capsys, project_file(tmp_path, "甲"), "--out", out, "--force")
    assert code == 2 and "有一个与要写的工作簿同名的文件夹“2026年度甲绩效自评表.xlsx”" in err
    assert (out / "2026年度甲绩效自评表.xlsx").is_dir()


# Numbers -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, message", [
    ("funds_weight: .nan", "预算执行率分值应为一个确定的数字，现为“nan”（不是数）"),
    ("funds: [{key: total, budget: .inf}]", "资金（funds）第1项中的“budget”应为一个确定的数字，现为“inf”（无穷大）"),
    ("funds_weight: '1e999'", "预算执行率分值应为一个确定的数字，现为“inf”（无穷大）"),
    ("header: {project_name: .nan}", "表头（header）中的“project_name”应为一个确定的数字"),
    ("indicators: [{level1: 产出指标, target: -.inf}]", "指标中的“target”应为一个确定的数字，现为“-inf”"),
    ("indicators: [{level1: 产出指标, weight: 10分}]", "分值应为数字（单位见表头），现为“10分”；请去掉“分”"),
    ("indicators: [{level1: 产出指标, weight: 约10}]", "现为“约10”；请去掉“约”"),
    ("funds: [{key: total, budget: 470 万元}]", "现为“470 万元”；请去掉“万元”"),
])
def test_numbers_that_no_cell_can_hold_and_units_are_refused(tmp_path, capsys, line, message):
    data = write_yaml(tmp_path / "n.yaml", f"profile: national\nyear: 2026\n{line}\n")
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    assert code == 2 and message in err, err
    assert not (tmp_path / "out").exists()


def test_a_weight_without_digits_gets_no_unit_hint(tmp_path):
    data = write_yaml(tmp_path / "n.yaml", "indicators: [{level1: 产出指标, weight: 十分}]\n")
    with pytest.raises(DataError) as exc:
        fill([data], tmp_path / "out")
    assert exc.value.message == "分值应为数字（单位见表头），现为“十分”"


def test_a_target_written_1e999_stays_text(tmp_path):
    data = write_yaml(tmp_path / "t.yaml", "indicators: [{level1: 产出指标, name: x, target: '1e999'}]\n")
    assert fill_module.form_from_data(load_data(data)[0])[1].indicators[0].target == "1e999"


# CSV: projects over several rows ------------------------------------------------------------------

CN_CSV = ("项目名称,主管部门,实施单位,年初预算数,全年预算数,全年执行数,预期目标,实际完成情况,一级指标,二级指标,三级指标,"
          "年度指标值,实际完成值,分值,偏差原因分析及改进措施\n"
          "道路养护,交通局,养护中心,100,100,95,完成养护,已完成,产出指标,数量指标,养护里程,≥50公里,48公里,50,天气原因\n"
          ",,,,,,,,效益指标,社会效益指标,通行改善,显著,显著,30,\n"
          ",,,,,,,,,,,,,,\n"
          ",,,,,,,,满意度指标,服务对象满意度指标,群众满意度,≥90%,92%,10,\n")


def test_csv_rows_with_blank_project_cells_continue_the_project_above(tmp_path):
    data = tmp_path / "cn.csv"
    data.write_text(CN_CSV + "路灯更新,城管局,,,50,50,,,产出指标,,亮灯率,≥98%,99%,90,\n,,,,,,,,效益指标,,x,1,1,10,\n",
                    encoding="utf-8")
    files = fill([data], tmp_path / "out")
    assert [f.name for f in files] == ["2026年度道路养护绩效自评表.xlsx", "2026年度路灯更新绩效自评表.xlsx"]
    projects = fill_module.read_projects(data)
    assert [p.name for p in projects] == ["道路养护", "路灯更新"]
    road = projects[0]
    assert [i["name"] for i in road.data["indicators"]] == ["养护里程", "通行改善", "群众满意度"]
    assert road.places == [f"{data} 第2行", f"{data} 第3行", f"{data} 第5行"]   # the empty row 4 is skipped
    assert road.data["header"] == {"project_name": "道路养护", "department": "交通局", "unit": "养护中心"}
    assert [i["name"] for i in projects[1].data["indicators"]] == ["亮灯率", "x"]


def test_csv_first_row_without_a_project_is_an_error_naming_the_line(tmp_path):
    data = tmp_path / "a.csv"
    data.write_text(CSV_HEAD + ",,,,,,,,,,\n,national,2026,,100,95,产出指标,x,1,1,90\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert exc.value.where == f"{data} 第3行"
    assert exc.value.message.startswith("第一行数据没有填项目：请在“项目”一栏填写（同一项目后面的行可以留空）")
    data.write_text("一级指标,三级指标,分值\n产出指标,x,90\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert exc.value.where == f"{data} 第1行" and exc.value.message.startswith("表头中没有项目名称一栏")


def test_csv_zhuzhou_projects_are_named_by_special_and_subitem(tmp_path):
    data = tmp_path / "z.csv"
    data.write_text("规则,年度,专项名称,支出方向名称（子项）,一级指标,三级指标,分值\n"
                    "zhuzhou,2020,制造强市,智能制造,产出指标,x,50\n,,,,效益指标,y,30\n"
                    "zhuzhou,2020,制造强市,工业互联网,产出指标,z,50\n", encoding="utf-8")
    assert [p.name for p in fill_module.read_projects(data)] == ["制造强市—智能制造", "制造强市—工业互联网"]
    assert [len(d["indicators"]) for d in load_data(data)] == [2, 1]


def test_csv_a_project_field_that_differs_on_a_later_row_is_an_error(tmp_path):
    data = write_csv(tmp_path / "d.csv", "P1,national,2026,道路养护,100,95,产出指标,x,1,1,50\n"
                                         "P1,national,2027,,,,效益指标,y,1,1,30\n")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert str(exc.value) == f"{data} 第3行：“年度”与同一项目第2行的“2026”不同；项目的各栏只需填在它的第一行"


# CSV: headings -------------------------------------------------------------------------------------

def test_csv_suzhou_headings(tmp_path):
    data = tmp_path / "sz.csv"
    data.write_text("项目,规则,年度,项目名称,项目主管部门(单位),年初预算数,当年使用上年结余、结转及当年调整预算数,财政拨款数,"
                    "实际支付数,结转数,财政收回数,类别,指标名称,目标值,实际完成值,情况说明,指标值(数值),完成值（数值）\n"
                    "P1,suzhou,2021,展示中心,工信局,1900,-812.5,1087.5,1000,87.5,0,产出目标,展示面积,5859平方米,5000平方米,"
                    "工期延误,5859,5000\n"
                    ",,,,,,,,,,,结果目标,参观人数,8000人次,8757人次,,,\n", encoding="utf-8")
    [path] = fill([data], tmp_path / "out")
    assert path.name == "2021年度展示中心绩效自评表.xlsx"
    prof, form = fill_module.form_from_data(load_data(data)[0])
    assert form.amounts == {"initial": 1900, "adjustment": -812.5, "appropriated": 1087.5, "paid": 1000,
                            "carryover": 87.5, "recovered": 0}
    area = next(i for i in form.indicators if i.name == "展示面积")   # after the 投入 rows fill adds
    assert (area.explanation, area.target_value, area.actual_value) == ("工期延误", 5859, 5000)
    assert form.header == {"project_name": "展示中心", "department": "工信局"} and form.funds == []
    from jixiao.engine.reader import read_form
    assert read_form(path).amounts["initial"] == 1900


def test_funds_initial_becomes_the_amount_on_a_form_without_funds_rows(tmp_path):
    base = {"profile": "suzhou", "year": 2021}
    prof, form = fill_module.form_from_data(dict(base, funds=[{"key": "total", "initial": 1900}],
                                                 amounts={"paid": 800}))
    assert form.amounts == {"paid": 800, "initial": 1900}
    with pytest.raises(DataError, match="规则“suzhou”的表没有资金表，填不了全年预算数；请填它的金额栏（amounts）"):
        fill_module.form_from_data(dict(base, funds=[{"key": "total", "initial": 1900, "budget": 1087.5}]))
    with pytest.raises(DataError, match="年初预算数填了两个不同的数"):
        fill_module.form_from_data(dict(base, funds=[{"initial": 1900}], amounts={"initial": 1800}))
    with pytest.raises(DataError, match="金额（amounts）中有不认识的数据项：payed"):
        fill_module.form_from_data(dict(base, amounts={"payed": 1}))
    with pytest.raises(DataError, match="规则“national”的表没有这些金额栏：财政拨款数（苏州表的栏目）；资金请填资金表"):
        fill_module.form_from_data({"profile": "national", "amounts": {"appropriated": 5}})


def test_csv_target_and_actual_values(tmp_path):
    data = tmp_path / "tv.csv"
    data.write_text("项目名称,一级指标,三级指标,年度指标值,实际完成值,分值,指标值（数值）,完成值（数值）\n"
                    "A,产出指标,x,≥95%,96%,50,0.95,0.96\n", encoding="utf-8")
    ind = fill_module.form_from_data(load_data(data)[0])[1].indicators[0]
    assert (ind.target_value, ind.actual_value) == (0.95, 0.96)


def test_csv_unknown_column_is_named_with_the_accepted_headings(tmp_path):
    data = tmp_path / "u.csv"
    data.write_text("项目名称,一级指标,得分\nA,产出指标,50\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert exc.value.where == f"{data} 第1行"
    assert exc.value.message.startswith("不认识的列“得分”；可用的列名：“项目”“项目编号”")
    assert "“财政拨款数”" in exc.value.message and "表头没有" not in exc.value.message


def test_csv_known_column_not_on_this_form_names_the_heading(tmp_path):
    data = tmp_path / "s.csv"
    data.write_text("规则,项目名称,实施单位\nsuzhou,A,某中心\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"规则“suzhou”的表头没有：unit（实施单位）；可用：project_name（项目名称）"):
        fill([data], tmp_path / "out")


@pytest.mark.parametrize("head, message", [
    ("项目名称,一级指标,一级指标", "“一级指标”这一列出现了两次"),
    ("项目名称,三级指标,指标名称", "“三级指标”和“指标名称”是同一栏（name），只能留一列"),
    ("project_name,项目名称,一级指标", "“project_name”和“项目名称”是同一栏（project_name），只能留一列"),
])
def test_csv_duplicate_headings_are_errors(tmp_path, head, message):
    data = tmp_path / "dup.csv"
    data.write_text(head + "\nA,产出指标,效益指标\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert (exc.value.where, exc.value.message) == (f"{data} 第1行", message)


def test_csv_blank_headings_are_ignored_unless_their_column_has_content(tmp_path):
    data = tmp_path / "b.csv"
    data.write_text("项目名称,,一级指标,三级指标,\nA,,产出指标,x,\n", encoding="utf-8")
    assert load_data(data)[0]["indicators"] == [{"level1": "产出指标", "name": "x"}]
    data.write_text("项目名称,,一级指标,三级指标\nA,,产出指标,x\n,备注,效益指标,y\n", encoding="utf-8")
    with pytest.raises(DataError) as exc:
        load_data(data)
    assert str(exc.value) == f"{data} 第3行：第2列有内容“备注”，但这一列没有表头"


# CSV: malformed files ------------------------------------------------------------------------------

@pytest.mark.parametrize("body, line, message", [
    ('A,产出指标,x\n"B,产出指标,y\nC,产出指标,z\n', 3, "从这一行开始的英文双引号没有配对"),
    ('A,产出指标,x\n\nB,"产出"指标,y\n', 4, "引号用法有误"),
    ("A,产出指标,x\nB,产出指标,y,1,000\n", 3, "这一行有 5 格，比表头的 3 列多；格内文字含英文逗号时，整格要用英文双引号括起来"),
])
def test_malformed_csv_names_the_line(tmp_path, capsys, body, line, message):
    data = tmp_path / "q.csv"
    data.write_text("项目名称,一级指标,三级指标\n" + body, encoding="utf-8")
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    assert code == 2 and f"{data} 第{line}行：{message}" in err, err
    assert not (tmp_path / "out").exists()


def test_csv_in_gbk_is_read_and_an_unknown_encoding_is_a_clear_error(tmp_path):
    data = tmp_path / "gbk.csv"
    data.write_bytes("项目名称,一级指标,三级指标\nA,产出指标,x\n".encode("gbk"))
    assert load_data(data)[0]["header"] == {"project_name": "A"}
    data.write_bytes(b"\xff\xfe" + "项目名称".encode("utf-16-le"))
    with pytest.raises(DataError, match="无法识别文件的编码（应为 UTF-8 或 GBK）"):
        load_data(data)


# Reruns, concurrent runs, names (issue 8) --------------------------------------------------------

def many_projects(tmp_path: Path, n: int) -> Path:
    import yaml
    projects = [dict(GOOD, header={"project_name": f"项目{i:02d}"}) for i in range(n)]
    return write_yaml(tmp_path / "many.yaml", yaml.safe_dump({"projects": projects}, allow_unicode=True))


def test_an_interrupted_fill_is_completed_by_a_rerun_without_force(tmp_path, capsys):
    data, out = many_projects(tmp_path, 6), tmp_path / "out"
    assert run_fill(capsys, data, "--out", out)[0] == 0
    made = sorted(out.iterdir())
    for path in made[3:]:
        path.unlink()                                   # as if the run had been stopped half-way
    stamps = {p.name: p.stat().st_mtime_ns for p in made[:3]}
    code, err = run_fill(capsys, data, "--out", out)
    assert code == 0 and "已生成 3 个工作簿。另有 3 个已存在且内容相同，保留未动。" in err
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in made]
    assert {p.name: p.stat().st_mtime_ns for p in made[:3]} == stamps      # the ones there were not rewritten


def test_a_different_workbook_already_there_stops_the_rerun_before_anything_is_written(tmp_path, capsys):
    data, out = many_projects(tmp_path, 4), tmp_path / "out"
    assert run_fill(capsys, data, "--out", out)[0] == 0
    typed = sorted(out.iterdir())[0]
    book = load_workbook(typed)
    book.active["B3"] = "用户改过的项目名称"
    book.save(typed)
    sorted(out.iterdir())[1].unlink()
    code, err = run_fill(capsys, data, "--out", out)
    assert code == 2 and f"已有 1 个同名文件：{typed.name}，内容与本次要生成的不同" in err
    assert len(list(out.iterdir())) == 3 and load_workbook(typed).active["B3"].value == "用户改过的项目名称"


def test_concurrent_fills_into_one_folder_all_succeed(tmp_path):
    import subprocess
    import sys
    data, out = many_projects(tmp_path, 24), tmp_path / "out"
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    runs = [subprocess.Popen([sys.executable, "-m", "jixiao", "fill", str(data), "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(4)]
    results = [(p.wait(timeout=300), p.stdout.read() + p.stderr.read()) for p in runs]
    assert all(code == 0 for code, _ in results), results
    assert len(list(out.glob("*.xlsx"))) == 24 and not list(out.glob(".~*"))
    assert sum(text.count("已生成") for _, text in results) == 4


def test_force_never_replaces_a_link_or_a_fifo(tmp_path, capsys):
    import os
    data, out = project_file(tmp_path, "甲"), tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere.xlsx").write_bytes(b"precious")
    os.symlink(tmp_path / "elsewhere.xlsx", out / "2026年度甲绩效自评表.xlsx")
    code, err = run_fill(capsys, data, "--out", out, "--force")
    assert code == 2 and "符号链接" in err and "2026年度甲绩效自评表.xlsx" in err
    assert (tmp_path / "elsewhere.xlsx").read_bytes() == b"precious"


def test_long_names_are_shortened_and_the_full_name_stays_in_the_workbook(tmp_path, capsys):
    import yaml
    name = "农村饮水安全巩固提升工程配套管网延伸及水质净化消毒设备购置安装" * 4
    projects = [dict(GOOD, header={"project_name": name + suffix}) for suffix in ("一", "二")]
    data = write_yaml(tmp_path / "long.yaml", yaml.safe_dump({"projects": projects}, allow_unicode=True))
    code, _ = run_fill(capsys, data, "--out", tmp_path / "out")
    made = sorted((tmp_path / "out").iterdir())
    assert code == 0 and len(made) == 2
    assert all(len(p.name.encode()) <= 255 and "…" in p.name for p in made)
    assert sorted(load_workbook(p).active["B3"].value for p in made) == [name + "一", name + "二"]


@pytest.mark.parametrize("text, ok", [("第一行\v第二行", True), ("农村\x00饮水", False), ("\x1b[31m红", False)])
def test_control_characters_in_data(tmp_path, capsys, text, ok):
    import json
    data = tmp_path / "p.json"
    data.write_text(json.dumps(dict(GOOD, header={"project_name": text}), ensure_ascii=False), encoding="utf-8")
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    if ok:
        made = next((tmp_path / "out").iterdir())
        assert code == 0 and load_workbook(made).active["B3"].value == text.replace("\v", "\n")
    else:
        assert code == 2 and "“header.project_name”含有控制字符" in err and "\x1b" not in err and "\x00" not in err


def test_file_names_from_data_cannot_leave_the_folder_or_name_a_device(tmp_path, capsys):
    import yaml
    names = ["../../escape", "/tmp/abs", "CON", "nul.txt", "a. . .", "   ", "a\nb\tc", "\u202eexe.xlsx"]
    projects = [dict(GOOD, file_name=n) for n in names]
    data = write_yaml(tmp_path / "n.yaml", yaml.safe_dump({"projects": projects}, allow_unicode=True))
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    made = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert code == 0 and len(made) == len(names), err
    assert not list(tmp_path.glob("escape*")) and "_CON.xlsx" in made and "_nul.txt.xlsx" in made
    assert all(not any(ch in n for ch in "/\n\t\u202e") for n in made)


# The documented data format, its examples, and what the issue 13 reviewer ran into ---------------------

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "templates" / "examples"


def test_data_format_doc_names_every_key_and_csv_heading():
    from jixiao.engine.profiles import load_profile
    doc = (ROOT / "docs" / "data-format.md").read_text(encoding="utf-8")
    for heading in fill_module.CSV_ALIASES:
        assert heading in doc, heading
    keys = (fill_module.PROJECT_KEYS | fill_module.INDICATOR_KEYS | fill_module.FUNDS_KEYS
            | fill_module.SUBITEM_KEYS | set(fill_module.AMOUNT_LABELS))
    for name in ("national", "zhuzhou", "suzhou"):
        prof = load_profile(name, 2025)
        keys |= {h["key"] for h in prof.data["header"]} | {t["key"] for t in prof.data.get("texts") or []}
        keys |= {r["key"] for r in (prof.data.get("funds") or {}).get("rows") or []}
    for key in keys:
        assert f"`{key}`" in doc, key


def test_the_national_examples_fill_and_validate_without_errors(tmp_path):
    from jixiao.engine.reader import read_form_and_profile
    from jixiao.engine.validation import validate_form
    files = fill([EXAMPLES / "national_2025.yaml", EXAMPLES / "national_2025.csv"], tmp_path)
    assert len(files) == 3
    for f in files:
        form, prof = read_form_and_profile(f)
        errors = [x for x in validate_form(form, prof) if x.is_error]
        assert form.profile == "national" and form.year == 2025 and errors == [], (f.name, errors)
    assert {read_form_and_profile(f)[0].header["project_name"] for f in files} == {"农村饮水安全巩固提升工程", "农村公路养护"}


def test_suzhou_gets_its_input_indicators_unless_the_data_gives_its_own(tmp_path):
    from jixiao.engine.validation import validate_form
    from jixiao.templates.fill import form_from_data
    data = {"profile": "suzhou", "year": 2025, "header": {"project_name": "展厅运营"},
            "amounts": {"initial": 100, "adjustment": 0, "appropriated": 100, "paid": 100, "carryover": 0, "recovered": 0},
            "indicators": [{"level1": "产出目标", "name": "开放天数", "target": "≥300天", "actual": "310天"},
                           {"level1": "结果目标", "name": "参观人数", "target": "≥8000人次", "actual": "8757人次"},
                           {"level1": "影响力目标", "name": "媒体报道", "target": "获得", "actual": "获得"}]}
    prof, form = form_from_data(data)
    fixed = [fi["name"] for fi in prof.category("input").fixed_indicators]
    assert [i.name for i in form.indicators[:6]] == fixed and form.indicators[6].name == "开放天数"
    assert all(i.level1 == "投入目标" and i.weight for i in form.indicators[:6])
    from jixiao.engine.reader import read_form_and_profile
    path = fill_module.fill([write_yaml(tmp_path / "sz.yaml", __import__("yaml").safe_dump(data, allow_unicode=True))],
                            tmp_path / "out")[0]
    read, prof = read_form_and_profile(path)
    codes = {f.code for f in validate_form(read, prof)}
    assert not codes & {"W01", "W02", "W07"}, codes
    own = dict(data, indicators=[{"level1": "投入目标", "name": "资金使用合规性", "target": "合规", "actual": "合规",
                                  "weight": 22}] + data["indicators"])
    prof, form = form_from_data(own)
    assert [i.name for i in form.indicators] == ["资金使用合规性", "开放天数", "参观人数", "媒体报道"]


def test_a_shortened_category_is_written_as_the_profiles_label(tmp_path):
    from jixiao.engine.reader import read_form_and_profile
    from jixiao.engine.validation import validate_form
    data = dict(GOOD, indicators=[{"level1": "产出", "name": "养护里程", "target": "≥50公里", "actual": "52公里", "weight": 50},
                                  {"level1": "产出指标", "name": "养护质量", "target": "≥90%", "actual": "95%", "weight": 40}])
    path = fill_module.fill([write_yaml(tmp_path / "d.yaml", __import__("yaml").safe_dump(data, allow_unicode=True))],
                            tmp_path / "out")[0]
    form, prof = read_form_and_profile(path)
    assert {i.level1.split("\n")[0] for i in form.indicators} == {"产出指标"}
    assert "P07" not in {f.code for f in validate_form(form, prof)}
    bad = dict(GOOD, indicators=[dict(GOOD["indicators"][0], level1="产处指标")])
    with pytest.raises(DataError, match="是不是“产出指标”"):
        fill_module.form_from_data(bad)


def test_two_projects_with_one_name_in_a_csv_are_an_error_that_suggests_a_project_number(tmp_path, capsys):
    head = "项目名称,实施单位,全年预算数,全年执行数,一级指标,三级指标,年度指标值,实际完成值,分值\n"
    apart = tmp_path / "apart.csv"
    apart.write_text(head + "道路养护,甲镇,100,95,产出指标,里程,≥50公里,52公里,90\n"
                     "桥梁检测,乙镇,50,50,产出指标,座数,≥5座,5座,90\n"
                     "道路养护,丙镇,80,80,产出指标,里程,≥40公里,41公里,90\n", encoding="utf-8")
    code, err = run_fill(capsys, apart, "--out", tmp_path / "o1")
    assert code == 2 and "apart.csv 第4行" in err and "在第2行已经出现过" in err and "项目编号" in err
    together = tmp_path / "together.csv"
    together.write_text(head + "道路养护,甲镇,100,95,产出指标,里程,≥50公里,52公里,90\n"
                        "道路养护,丙镇,80,80,产出指标,里程,≥40公里,41公里,90\n", encoding="utf-8")
    code, err = run_fill(capsys, together, "--out", tmp_path / "o2")
    assert code == 2 and "together.csv 第3行" in err and "请加一列“项目编号”" in err
    numbered = tmp_path / "numbered.csv"
    numbered.write_text("项目编号," + head + "A1,道路养护,甲镇,100,95,产出指标,里程,≥50公里,52公里,90\n"
                        "A2,道路养护,丙镇,80,80,产出指标,里程,≥40公里,41公里,90\n", encoding="utf-8")
    code, err = run_fill(capsys, numbered, "--out", tmp_path / "o3")
    assert code == 0 and len(list((tmp_path / "o3").iterdir())) == 2


def test_unknown_keys_in_a_projects_file_and_a_csv_are_named(tmp_path, capsys):
    """A key beside `projects:` and an unknown column are refused by name; the published total,
    grade and execution numbers have their own CSV columns and reach the form's `reported`."""
    data = write_yaml(tmp_path / "a.yaml", "projects: [{header: {project_name: 甲}}]\nprofil: national\n")
    code, err = run_fill(capsys, data, "--out", tmp_path / "out")
    assert code == 2 and "有 projects（项目列表）的文件中不能再有别的数据项：profil" in err and str(data) in err
    csv = tmp_path / "b.csv"
    csv.write_text(CSV_HEAD.strip() + ",总分,等级,执行率,执行率得分\n"
                   "P1,national,2026,甲,100,94,产出指标,里程,≥50公里,52公里,90,97.4,优,94.00%,9\n", encoding="utf-8")
    (project,) = fill_module.read_projects(csv)
    prof, form = fill_module.form_from_data(project.data, where=str(csv), places=project.places)
    assert form.reported == {"total": 97.4, "grade": "优", "exec_rate": 0.94, "exec_score": 9}
    csv.write_text(CSV_HEAD.strip() + ",totl\nP1,national,2026,甲,100,94,产出指标,里程,≥50公里,52公里,90,97\n",
                   encoding="utf-8")
    code, err = run_fill(capsys, csv, "--out", tmp_path / "out")
    assert code == 2 and "规则“national”的表头没有：totl" in err and f"{csv}" in err, err


def test_a_reviewer_deduction_needs_a_form_with_the_column():
    data = dict(GOOD, indicators=[dict(GOOD["indicators"][0], deduction=2)])
    with pytest.raises(DataError, match="规则“national”的表没有扣减分数栏"):
        fill_module.form_from_data(data)


@pytest.mark.parametrize("given, stored", [("84%", 0.84), ("84.5％", 0.845), (0.84, 0.84), (1.02, 1.02), ("0.9", 0.9)])
def test_a_published_execution_rate_is_a_fraction_however_it_is_written(given, stored):
    _, form = fill_module.form_from_data(dict(GOOD, reported={"exec_rate": given, "total": "97"}))
    assert form.reported["exec_rate"] == stored and form.reported["total"] == 97


@pytest.mark.parametrize("given", [84, "84", 98.5])
def test_a_published_execution_rate_written_as_a_bare_percent_is_refused_with_both_ways_to_write_it(given):
    with pytest.raises(DataError, match=r"应写成比例或百分数：如 0\.\d+ 或“\d+(\.\d+)?%”"):
        fill_module.form_from_data(dict(GOOD, reported={"exec_rate": given}))


def test_a_published_total_that_is_not_a_number_is_refused_at_its_key():
    with pytest.raises(DataError, match=r"总分（reported\.total）应为数字"):
        fill_module.form_from_data(dict(GOOD, reported={"total": "九十八分"}))
