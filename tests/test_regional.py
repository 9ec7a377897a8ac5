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
