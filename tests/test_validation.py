"""Validation on the seeds, the registry's promises, and the generated rule docs."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from jixiao.engine import scoring as engine
from jixiao.engine.model import Form
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form_and_profile
from jixiao.engine.validation import ERROR, WARNING, iter_rules, markdown, validate_form

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "templates" / "examples"


def example(name: str):
    from jixiao.templates.fill import form_from_data
    return form_from_data(yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8")))


def by_code(findings):
    out = {}
    for f in findings:
        out.setdefault(f.code, []).append(f)
    return out


# The seeds' own inconsistencies (domain.md §3) -------------------------------------------------------

def zhuzhou_checks(found):
    assert "效益指标下各指标分值合计为 20，应为 30" in found["W02"][0].message
    assert "表中总分为 98，但表中各项得分之和为 88" in found["T02"][0].message
    assert "填写的得分为 8，按规则应为 7.50" in found["I02"][0].message
    assert "表中总分为 98，按规则计算应为 87.50" in found["T01"][0].message
    assert "分值合计为 90" in found["W01"][0].message


def test_zhuzhou_seed_inconsistencies_on_the_form():
    profile, form = example("zhuzhou_2020")
    zhuzhou_checks(by_code(validate_form(form, profile)))


def test_suzhou_seed_exec_rate_typed_8_against_rule_0_on_the_form():
    profile, form = example("suzhou_2021")
    form.indicators[4].actual = "74.68%"   # as printed (the workbook computes it)
    found = by_code(validate_form(form, profile))
    assert "第5个指标（预算执行率）填写的得分为 8，按规则应为 0.00" in found["I02"][0].message
    assert "11723人次" in found["T07"][0].message
    assert "S01" not in found and "S03" not in found and "S05" not in found and "S07" not in found


@pytest.mark.parametrize("mode", ["native", "udf"])
def test_seed_workbooks_with_their_typed_scores(tmp_path, mode):
    from jixiao.templates.builder import build_workbook, save_workbook
    for name in ("zhuzhou_2020", "suzhou_2021"):
        profile, form = example(name)
        path = save_workbook(build_workbook(profile, form, mode, typed_scores=True), tmp_path / f"{name}.xlsx")
        read, prof = read_form_and_profile(path)
        found = by_code(validate_form(read, prof))
        if name == "zhuzhou_2020":
            zhuzhou_checks(found)
            assert found["I02"][0].where.endswith("!H15") and found["W02"][0].where.endswith("!B22")
        else:
            assert found["I02"][0].where.endswith("!G19") and "按规则应为 0.00" in found["I02"][0].message
            assert found["T01"][0].message == "表中总分为 80，按规则计算应为 72.00。"


# The registry ------------------------------------------------------------------------------------

def test_rules_are_documented_and_coded():
    rules = list(iter_rules())
    assert len({r.code for r in rules}) == len(rules) >= 40
    for r in rules:
        assert r.severity in (ERROR, WARNING)
        assert r.summary and r.rationale and r.fix
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.summary + r.fix)
    groups = {r.code[0] for r in rules}
    assert groups == set("PFWITSRX")


def test_rules_take_every_number_from_the_engine(monkeypatch):
    """A rule compares with engine.score_form's result: change the engine, the finding follows."""
    profile, form = example("zhuzhou_2020")
    real = engine.score_form

    def doctored(f, p):
        res = real(f, p)
        return replace(res, total=98.0, grade="优")
    monkeypatch.setattr(engine, "score_form", doctored)
    assert "T01" not in by_code(validate_form(form, profile))


def test_empty_and_half_empty_forms_do_not_crash():
    for name in ("national", "zhuzhou", "suzhou"):
        profile = load_profile(name, 2024)
        found = validate_form(Form(name, 2024), profile)
        assert [f.code for f in found] == ["P05"], "a blank form gets one finding, not a list of blanks"


def test_docs_are_generated_from_the_rules():
    doc = (ROOT / "docs" / "validation-rules.md").read_text(encoding="utf-8")
    assert doc == markdown(), "docs/validation-rules.md is stale: run `python -m jixiao.engine.validation > docs/validation-rules.md`"


def test_validate_path_for_the_ribbon(tmp_path):
    from jixiao.templates.builder import build_workbook, save_workbook
    from jixiao.engine.validation import validate_path
    profile, form = example("zhuzhou_2020")
    path = save_workbook(build_workbook(profile, form, "native", typed_scores=True), tmp_path / "z.xlsx")
    read, prof, findings = validate_path(path)
    assert prof.name == "zhuzhou" and "W02" in {f.code for f in findings}
    assert all(f.file == str(path) for f in findings)
