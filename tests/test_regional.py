"""Issue 10: real forms from other provinces. Each defect and each regional rule on a form built the way
users build it (`jixiao fill` data through the template builder), recalculated in LibreOffice AND
Gnumeric: every formula cell equals the builder's cached value, the recalculated 总分 and 等级 equal
the engine's, and validating the recalculated file finds no disagreement between the sheet and the
rules (T08) but does find every published departure."""
from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.engine import scoring
from jixiao.engine.profiles import register_profile_file
from jixiao.engine.reader import read_form_and_profile
from jixiao.engine.validation import validate_form
from jixiao.templates.builder import build_workbook
from jixiao.templates.fill import DataError, form_from_data
from jixiao.templates.guide import guide_lines
from tests.support import cached

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PROFILES = ROOT / "templates" / "examples" / "profiles"


@pytest.fixture(autouse=True)
def _registered_profiles_stay_here(monkeypatch):
    """Example profiles are registered for one test only: the commands of other tests list every
    registered profile (available_profiles)."""
    from jixiao.engine import profiles
    monkeypatch.setattr(profiles, "_registered", dict(profiles._registered))


def example_profile(name: str) -> str:
    return register_profile_file(EXAMPLE_PROFILES / f"{name}.yaml.j2")


def codes(findings) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in findings:
        out.setdefault(f.code, []).append(f.message)
    return out


def project(profile: str, indicators: list[dict], **more) -> dict:
    data = {"profile": profile, "year": 2024, "header": {"project_name": "示例项目", "department": "示例局",
                                                          "unit": "示例中心"},
            "funds": [{"key": "total", "initial": 100, "budget": 100, "executed": 95}],
            "texts": {"goal_expected": "完成示例任务", "goal_actual": "基本完成示例任务"},
            "indicators": indicators}
    data.update(more)
    return data


def recalculated(data: dict, tmp_path: Path, calc, gnumeric, typed_scores: bool = False):
    """Fill, build, recalculate in both engines. Returns (profile, form as filled, [(engine, recalculated
    file)]) after checking every cached value against both recalculations."""
    prof, form = form_from_data(data)
    src = build_workbook(prof, form, typed_scores=typed_scores).save(tmp_path / f"{prof.name}.xlsx")
    outs = [("LibreOffice", calc.recalc(src, tmp_path / f"{prof.name}.lo.xlsx")),
            ("Gnumeric", gnumeric.recalc(src, tmp_path / f"{prof.name}.gn.xlsx"))]
    problems = [f"{engine}: {d}" for engine, out in outs for d in cached.differences(src, out)]
    assert not problems, "\n".join(problems[:20])
    return prof, form, [("builder", src), *outs]


# Defect 1: funds.scored: false -----------------------------------------------------------------------

UNSCORED = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "90人次", "weight": 40,
     "explanation": "疫情影响"},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "覆盖率", "target": "≥90%", "actual": "95%", "weight": 40},
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "actual": "92%", "weight": 20},
]


def test_unscored_execution_block_agrees_in_engine_sheet_validation_and_print(tmp_path, calc, gnumeric):
    name = example_profile("ningxia")
    prof, form, files = recalculated(project(name, UNSCORED), tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert result.exec_rate == 0.95 and result.exec_score is None
    assert result.total == 96.0 and result.grade == "优"          # 36 + 40 + 20: no execution points
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("total") == 96.0 and back.shown.get("grade") == "优", engine
        assert back.shown.get("exec_rate") == 0.95, engine                  # the rate is still shown
        found = codes(validate_form(back, bprof))
        assert not {"T08", "W01", "W02", "W03", "P01", "F07"} & set(found), (engine, found)
    from openpyxl import load_workbook
    wb = load_workbook(files[0][1])
    assert "JX_EXEC_SCORE" not in wb.defined_names and "JX_FUNDS_WEIGHT" not in wb.defined_names
    ws = wb[prof.title]
    sheet, ref = next(iter(wb.defined_names["JX_EXEC_RATE"].destinations))
    row = int(ref.replace("$", "")[1:])
    assert ws[f"G{row}"].value == "不计分" and ws[f"I{row}"].value == "—"  # no false 分值 or 得分 printed
    assert any("预算执行率不计分" in text for _, text in guide_lines(prof, "native"))


def test_unscored_execution_block_refuses_a_published_execution_score(tmp_path):
    name = example_profile("ningxia")
    with pytest.raises(DataError, match="没有这些栏：exec_score（执行率得分）"):
        form_from_data(project(name, UNSCORED, reported={"exec_score": 10}))


# Defects 2 and 4: the published numbers are written and every departure is reported -------------------

def _zhuzhou(**changes) -> dict:
    import yaml
    data = yaml.safe_load((ROOT / "templates" / "examples" / "zhuzhou_2020.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = value
    return data


def _validated(data: dict, tmp_path: Path) -> dict[str, list[str]]:
    prof, form = form_from_data(data)
    path = build_workbook(prof, form, typed_scores=True).save(tmp_path / "typed.xlsx")
    back, bprof = read_form_and_profile(path)
    return codes(validate_form(back, bprof))


def test_published_execution_numbers_that_depart_from_the_rule_are_reported(tmp_path):
    data = _zhuzhou(reported={"total": 98, "grade": "优", "exec_rate": 0.94, "exec_score": 9},
                    funds=[{"key": "total", "initial": 500, "budget": 470, "executed": 441.8}])
    found = _validated(data, tmp_path)
    assert "F06" not in found                    # 441.8 / 470 is 94.00%: the typed rate agrees
    assert any("表中执行率得分为 9.00" in m and "应为 9.40" in m for m in found["F07"]), found
    data["reported"]["exec_rate"] = 0.9
    assert any("表中执行率为 90.00%" in m and "应为 94.00%" in m for m in _validated(data, tmp_path)["F06"])


def test_a_lower_published_score_is_reported_even_when_explained_and_a_higher_one_always_errs(tmp_path):
    data = _zhuzhou()
    rows = data["indicators"]
    rows[4]["reported_score"], rows[4]["explanation"] = 12, "发放有延迟，调减3分"      # rule 15: 调减, explained
    rows[7]["reported_score"], rows[7]["explanation"] = 12, "效益显著"               # rule 10: higher, explained
    found = _validated(data, tmp_path)
    below = [m for m in found["I03"] if "补贴资金按时发放率" in m]
    assert below and "填写的得分为 12，低于规则计算的 15.00（调减 3.00 分），调减理由：“发放有延迟，调减3分”" in below[0]
    assert any("带动企业智能化改造投入" in m and "按规则应为 10.00" in m for m in found["I02"]), found


# Defect 5: Suzhou equal split with a shared weight ----------------------------------------------------

def test_a_shared_weight_on_an_equal_split_form_is_refused_clearly(tmp_path):
    import yaml
    data = yaml.safe_load((ROOT / "templates" / "examples" / "suzhou_2021.yaml").read_text(encoding="utf-8"))
    outputs = [i for i in data["indicators"] if i.get("level1", "").startswith("产出")]
    outputs[1]["shares_weight"] = True
    with pytest.raises(DataError, match="各项指标分值＝该类总分值÷指标个数.*不能与上一行共用分值"):
        form_from_data(data, where="苏州.yaml")
    # a workbook whose weight cells were merged by hand: W05 names it (sheet 合计 would not be 80)
    from dataclasses import replace
    prof, form = form_from_data(yaml.safe_load((ROOT / "templates" / "examples" / "suzhou_2021.yaml")
                                               .read_text(encoding="utf-8")))
    at = next(n for n, i in enumerate(form.indicators) if i.level1.startswith("产出"))
    rows = list(form.indicators)
    rows[at + 1] = replace(rows[at + 1], shares_weight=True, weight=None)
    found = codes(validate_form(replace(form, indicators=rows), prof))
    assert any("共用一个权重" in m for m in found["W05"]), found


# Defect 3: a form's own 一级 weights --------------------------------------------------------------------

OWN_WEIGHTS = [
    {"level1": "产出指标（40分）", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "100人次", "weight": 25},
    {"level1": "产出指标", "level2": "质量指标", "name": "合格率", "target": "≥95%", "actual": "96%", "weight": 15},
    {"level1": "效益指标（30分）", "level2": "社会效益指标", "name": "覆盖率", "target": "≥90%", "actual": "95%", "weight": 30},
    {"level1": "满意度指标（20分）", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "actual": "88%",
     "weight": 20, "explanation": "个别服务对象反映等待时间长"},
]


def test_a_forms_own_level1_weights_are_drawn_and_judged(tmp_path, calc, gnumeric):
    prof, form, files = recalculated(project("national", OWN_WEIGHTS), tmp_path, calc, gnumeric)
    assert form.category_weights == {"output": 40, "benefit": 30, "satisfaction": 20}
    assert {i.level1 for i in form.indicators} == {"产出指标", "效益指标", "满意度指标"}
    from openpyxl import load_workbook
    ws = load_workbook(files[0][1])[prof.title]
    labels = {str(c.value) for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "分）" in c.value}
    assert {"产出指标\n（40分）", "效益指标\n（30分）", "满意度指标\n（20分）"} <= labels
    expected = scoring.score_form(form, prof)
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("total") == expected.total, engine
        found = codes(validate_form(back, bprof))
        assert "W02" not in found and "W01" not in found and "T08" not in found, (engine, found)
        assert any("产出指标的分值为 40，规则规定为 50" in m for m in found["W03"]), found   # a warning: 特殊情况
    # the data's level1_weights say the same; two different weights are refused
    data = project("national", [dict(r, level1=r["level1"].split("（")[0]) for r in OWN_WEIGHTS],
                   level1_weights={"产出指标": 40, "效益指标": 30, "satisfaction": 20})
    assert form_from_data(data)[1].category_weights == form.category_weights
    data["level1_weights"]["产出指标"] = 45
    data["indicators"][0]["level1"] = "产出指标（40分）"
    with pytest.raises(DataError, match="产出指标的分值写了两个不同的数：45 和 40"):
        form_from_data(data)


# Regional rules: execution-rate denominator, execution weight -------------------------------------------

def rows_weighted(*weights) -> list[dict]:
    """OWN_WEIGHTS' four rows with plain 一级 labels and these weights."""
    return [dict(r, level1=r["level1"].split("（")[0], weight=w) for r, w in zip(OWN_WEIGHTS, weights)]


def test_execution_rate_over_the_initial_budget(tmp_path, calc, gnumeric):
    name = example_profile("beijing2016")
    data = project(name, rows_weighted(35, 15, 30, 10), funds=[{"key": "total", "initial": 80, "budget": 100, "executed": 76}])
    prof, form, files = recalculated(data, tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert result.exec_rate == 0.95 and result.exec_score == 9.5      # 76 ÷ 80, not 76 ÷ 100
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("exec_rate") == 0.95 and back.shown.get("exec_score") == 9.5, engine
        assert back.shown.get("total") == result.total, engine
        assert "T08" not in codes(validate_form(back, bprof)), engine
    assert any("执行率＝全年执行数÷年初预算数" in text for _, text in guide_lines(prof, "native"))
    # a published rate over the full-year budget is reported, with the likely mistake named
    found = codes(validate_form(form.__class__(**{**form.__dict__, "reported": {"exec_rate": 0.76}}), prof))
    assert any("按 全年执行数 76 ÷ 年初预算数 80 应为 95.00%（看起来是按全年预算数计算的）" in m for m in found["F06"]), found


def test_a_twenty_point_execution_block(tmp_path, calc, gnumeric):
    name = example_profile("yunnan2022")
    prof, form, files = recalculated(project(name, rows_weighted(25, 15, 30, 10)), tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert result.exec_score == 19.0                                  # 95% × 20
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("exec_score") == 19.0 and back.shown.get("total") == result.total, engine
        found = codes(validate_form(back, bprof))
        assert not {"T08", "W01", "W02", "W03"} & set(found), (engine, found)
    assert any("预算执行率（20分）" in text for _, text in guide_lines(prof, "native"))


# Regional rules: total capped by the execution rate, overshoot deduction ------------------------------

CAPPED = [
    {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "140人次", "weight": 25,
     "explanation": "需求超出预期"},                                             # 140 %: −2
    {"level1": "产出指标", "level2": "质量指标", "name": "合格率", "target": "≥80%", "actual": "96%", "weight": 15},
    {"level1": "产出指标", "level2": "时效指标", "name": "完成时限", "target": "≤12个月", "actual": "6个月", "weight": 10},
    {"level1": "效益指标", "level2": "社会效益指标", "name": "受益人数", "target": "≥1000人", "actual": "1300人", "weight": 30,
     "explanation": "覆盖面扩大"},                                               # exactly 130 %: −2
    {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "actual": "95%", "weight": 10},
]


@pytest.mark.parametrize("executed, rate, cap, total, grade", [
    (95, 0.95, None, 95.5, "优"),       # 23 + 15 + 10 + 28 + 10 = 86, + 9.5 for execution: no cap
    (75, 0.75, 89, 89.0, "良"),         # 93.5 capped at 89
    (65, 0.65, 79, 79.0, "中"),         # 92.5 capped at 79
    (45, 0.45, 59, 59.0, "差"),         # 90.5 capped at 59 (below 50 %: the lowest cap)
])
def test_total_capped_by_execution_rate_and_overshoot_deducted(tmp_path, calc, gnumeric, executed, rate, cap, total,
                                                               grade):
    name = example_profile("capped")
    data = project(name, CAPPED, funds=[{"key": "total", "initial": 100, "budget": 100, "executed": executed}])
    prof, form, files = recalculated(data, tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert [result.rows[i].score for i in (0, 3)] == [23.0, 28.0]     # 25 − 2, 30 − 2
    assert result.exec_rate == rate and result.cap == cap
    assert result.uncapped == 86.0 + rate * 10
    assert result.total == total and result.grade == grade
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("total") == result.total and back.shown.get("grade") == result.grade, engine
        assert "T08" not in codes(validate_form(back, bprof)), engine
    lines = [text for _, text in guide_lines(prof, "native")]
    assert any("执行率低于80%的，总分不超过89分" in t for t in lines)
    assert any("完成值达到指标值的130%及以上的指标（指标偏离），该项得分减2分" in t for t in lines)


def test_a_published_total_above_the_cap_is_an_error_that_says_why(tmp_path):
    name = example_profile("capped")
    data = project(name, CAPPED, funds=[{"key": "total", "initial": 100, "budget": 100, "executed": 65}],
                   reported={"total": 92.5, "grade": "优"})
    data["indicators"][0]["reported_score"] = 25                     # the deduction not taken
    prof, form = form_from_data(data)
    path = build_workbook(prof, form, typed_scores=True).save(tmp_path / "typed.xlsx")
    found = codes(validate_form(*read_form_and_profile(path)))
    assert any("按规则计算应为 79.00（各项得分合计 92.50，执行率 65.00% 时总分最高 79 分）" in m for m in found["T01"]), found
    assert any("培训人次" in m and "1 项完成值达到指标值的130.00%及以上，每项减 2 分" in m for m in found["I02"]), found


@pytest.mark.parametrize("name, executed", [("capped", 65), ("capped", 95), ("ningxia", 95), ("beijing2016", 70),
                                            ("yunnan2022", 90)])
def test_udf_mode_workbooks_follow_the_same_regional_rules(name, executed):
    """udf mode: the JX_ functions (evaluated as Excel would call them) give the engine's scores, total
    and grade, cap and deduction included."""
    from tests.test_build_outputs import _check_udf_workbook
    rows = CAPPED if name == "capped" else rows_weighted(*{"ningxia": (25, 15, 40, 20),
                                                            "yunnan2022": (25, 15, 30, 10)}.get(name, (35, 15, 30, 10)))
    prof, form = form_from_data(project(example_profile(name), rows,
                                        funds=[{"key": "total", "initial": 80, "budget": 100, "executed": executed}]))
    _check_udf_workbook(prof, form)


# Regional rules: 成本指标 as a 一级 with its own weight ------------------------------------------------

def test_cost_as_a_level1_category_with_its_own_weight(tmp_path, calc, gnumeric):
    name = example_profile("central2021")
    rows = [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "100人次", "weight": 25},
        {"level1": "产出指标", "level2": "时效指标", "name": "完成时限", "target": "≤12个月", "actual": "10个月", "weight": 15},
        {"level1": "成本指标", "level2": "经济成本指标", "name": "人均培训成本", "target": "≤500元", "actual": "550元",
         "weight": 10, "explanation": "教材涨价"},                                   # reverse: 2 − 550/500 = 0.9
        {"level1": "效益指标", "level2": "社会效益指标", "name": "覆盖率", "target": "≥90%", "actual": "95%", "weight": 30},
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "actual": "95%",
         "weight": 10},
    ]
    prof, form, files = recalculated(project(name, rows), tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert result.category_scores["cost"] == 9.0 and result.total == 98.5       # 25+15+9+30+10 + 9.5
    from openpyxl import load_workbook
    ws = load_workbook(files[0][1])[prof.title]
    assert "成本指标\n（10分）" in {c.value for row in ws.iter_rows() for c in row}
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("total") == 98.5, engine
        found = codes(validate_form(back, bprof))
        assert not {"T08", "W01", "W02", "W03", "P02", "P03"} & set(found), (engine, found)
    # a form that still puts a cost row under 产出: the 一级 weights no longer add up (W02)
    rows[2]["level1"] = "产出指标"
    _, wrong = form_from_data(project(name, rows))
    found = codes(validate_form(wrong, prof))
    assert "W02" in found, found


# Regional rules: the region's qualitative level words ------------------------------------------------

def test_the_regions_level_words_score_in_sheet_and_engine(tmp_path, calc, gnumeric):
    name = example_profile("anhui")
    rows = [
        {"level1": "产出指标", "level2": "数量指标", "name": "培训人次", "target": "≥100人次", "actual": "100人次", "weight": 30},
        {"level1": "产出指标", "level2": "质量指标", "name": "培训质量", "target": "达到省级标准", "actual": "部分达成预期指标",
         "weight": 20, "explanation": "部分课程未达标"},                            # the region's words: 70 %
        {"level1": "效益指标", "level2": "社会效益指标", "name": "技能提升", "target": "明显提升", "actual": "达成年度指标",
         "weight": 30},                                                            # the national words still read
        {"level1": "满意度指标", "level2": "服务对象满意度指标", "name": "满意度", "target": "≥90%", "actual": "95%",
         "weight": 10},
    ]
    prof, form, files = recalculated(project(name, rows), tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert [result.rows[i].level for i in (1, 2)] == ["部分达成预期指标", "达成预期指标"]
    assert result.rows[1].score == 14.0 and result.total == 93.5
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert back.shown.get("total") == 93.5, engine
        assert "T08" not in codes(validate_form(back, bprof)), engine
    assert any("“部分达成”" in text and "为“部分达成预期指标”" in text for _, text in guide_lines(prof, "native"))


# Regional rules: a reason below a configurable execution rate, text length limits ----------------------

def test_low_rate_reason_and_text_limits_from_the_profile(tmp_path):
    name = example_profile("sichuan_text")
    long_actual = "已完成" + "培训任务并达到预期效果，" * 20          # 243 字
    data = project(name, rows_weighted(35, 15, 30, 10), funds=[{"key": "total", "initial": 100, "budget": 100,
                                                                "executed": 85}],
                   texts={"goal_expected": "完成培训", "goal_actual": long_actual})
    data["indicators"][3]["explanation"] = "因" * 101
    prof, form = form_from_data(data)
    path = build_workbook(prof, form).save(tmp_path / "sc.xlsx")
    back, bprof = read_form_and_profile(path)
    findings = validate_form(back, bprof)
    found = codes(findings)
    assert any("执行率为 85.00%，低于 90.00%" in m for m in found["F05"]), found
    t09 = [f for f in findings if f.code == "T09"]
    assert {f.message for f in t09} == {f"“实际完成情况”有 {len(long_actual)} 字，超过规定的 200 字。",
                                        "第16行（满意度）的偏差原因分析有 101 字，超过规定的 100 字。"}
    assert all(f.cell for f in t09)
    lines = [text for _, text in guide_lines(prof, "native")]
    assert "预算执行率未达到90%的，须在自评报告中说明原因。" in lines
    assert any("“预期目标”200字以内" in t and "各指标的偏差原因分析100字以内" in t for t in lines)
    # at 90 % no reason is asked for; a reason cell named by the profile silences F05 once filled
    data["funds"][0]["executed"] = 90
    assert "F05" not in codes(validate_form(*form_from_data(data)[::-1]))


# Random forms under every example profile --------------------------------------------------------------

EXAMPLE_NAMES = ("ningxia", "yunnan2022", "beijing2016", "capped", "central2021", "anhui", "sichuan_text", "guangxi_review")


def test_random_forms_under_every_regional_profile_agree_in_both_spreadsheets(tmp_path, calc, gnumeric):
    """Random filled forms (targets, actuals, shared weights, blanks, texts the formulas cannot read)
    under each example profile: every formula cell equals its cached value in LibreOffice and Gnumeric,
    and the recalculated file validates without a sheet/rule disagreement (T08)."""
    import random
    from tests.support.formgen import random_form
    rng = random.Random(20261130)
    problems = []
    for name in EXAMPLE_NAMES:
        example_profile(name)
        for n in range(2):
            prof, form = random_form(rng, name)
            if prof.reviewer_deduction:        # a reviewer's 扣减分数 on some weight groups, some above the score
                for group in form.weight_groups():
                    if rng.random() < 0.5:
                        form.indicators[group[0]].deduction = rng.choice([0, 0.5, 1.25, 3, 40])
            src = build_workbook(prof, form).save(tmp_path / f"{name}{n}.xlsx")
            for engine, out in (("LibreOffice", calc.recalc(src, tmp_path / f"{name}{n}.lo.xlsx")),
                                ("Gnumeric", gnumeric.recalc(src, tmp_path / f"{name}{n}.gn.xlsx"))):
                problems += [f"{name}{n} {engine}: {d}" for d in cached.differences(src, out)]
                back, bprof = read_form_and_profile(out)
                problems += [f"{name}{n} {engine}: T08 {m}" for m in codes(validate_form(back, bprof)).get("T08", [])]
    assert not problems, "\n".join(problems[:20])


# Regional rules: a reviewer's 扣减分数 column -------------------------------------------------------------

def test_a_reviewer_deduction_column_beside_the_score(tmp_path, calc, gnumeric):
    name = example_profile("guangxi_review")
    rows = rows_weighted(35, 15, 30, 10)
    rows[0]["deduction"], rows[0]["explanation"] = 2.5, "复核扣分：佐证材料不全"
    rows[2]["deduction"] = 40                                   # more than the score: floor 0
    rows[2]["explanation"] = "复核扣分：数据不实"
    prof, form, files = recalculated(project(name, rows), tmp_path, calc, gnumeric)
    result = scoring.score_form(form, prof)
    assert [result.rows[i].score for i in range(4)] == [32.5, 15.0, 0.0, 9.78]
    assert result.total == 66.78                                 # 32.5 + 15 + 0 + 9.78 + 9.5
    from openpyxl import load_workbook
    wb = load_workbook(files[0][1])
    ws = wb[prof.title]
    assert "扣减分数" in {c.value for row in ws.iter_rows() for c in row}
    sheet, ref = next(iter(wb.defined_names["JX_IND_DEDUCTION"].destinations))
    for engine, path in files:
        back, bprof = read_form_and_profile(path)
        assert [i.deduction for i in back.indicators] == [2.5, None, 40, None], engine
        assert back.shown.get("total") == 66.78, engine
        assert not {"T08", "I18", "P01"} & set(codes(validate_form(back, bprof))), engine
    assert any("扣减分数”由复核人填写" in text for _, text in guide_lines(prof, "native"))
    from tests.test_build_outputs import _check_udf_workbook
    _check_udf_workbook(prof, form)
    # a profile without the column refuses the key; a layout with it needs reviewer_deduction
    with pytest.raises(DataError, match="没有扣减分数栏"):
        form_from_data(project("national", rows))
