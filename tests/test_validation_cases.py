"""Every validation rule against its case file (tests/validation_cases/<CODE>.yaml), sqlfluff style.

A case file names its rule and lists cases; each case starts from a clean base form
(tests/validation_cases/_bases.yaml), changes it with `set` (dotted paths; `indicators.+` appends)
and `delete`, and says which codes the whole validator must then report (`expect`, exactly); `report`
lists the paragraphs of a 自评报告 checked against the form (as `jixiao validate --report` does). Each
case is checked twice: on the Form directly, and — unless `roundtrip: false` says why not — on a
workbook the template builder wrote from it (typed scores as typed), read back by the reader.
"""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from jixiao.engine.model import Form, FundsRow, Indicator, SubItem
from jixiao.engine.profiles import load_profile
from jixiao.engine.reader import read_form_and_profile
from jixiao.engine.validation import iter_rules, validate_form

CASES_DIR = Path(__file__).parent / "validation_cases"
BASES = yaml.safe_load((CASES_DIR / "_bases.yaml").read_text(encoding="utf-8"))


def form_from(data: dict):
    profile = load_profile(data["profile"], data["year"])
    form = Form(profile=data["profile"], year=data["year"], header=dict(data.get("header") or {}),
                funds=[FundsRow(**r) for r in data.get("funds") or []], funds_weight=data.get("funds_weight"),
                amounts=dict(data.get("amounts") or {}), subitems=[SubItem(**s) for s in data.get("subitems") or []],
                texts=dict(data.get("texts") or {}), indicators=[Indicator(**i) for i in data.get("indicators") or []],
                reported=dict(data.get("reported") or {}), params=dict(data.get("params") or {}), shown=dict(data.get("shown") or {}),
                comments=dict(data.get("comments") or {}))
    return form, profile


def case_profile(case: dict, profile):
    """A case may change profile settings (`profile_fields`, or keys of the profile file: `profile_data`)
    to exercise a rule another region uses."""
    from dataclasses import replace
    if case.get("profile_data"):
        profile = replace(profile, data={**profile.data, **case["profile_data"]})
    return replace(profile, **case["profile_fields"]) if case.get("profile_fields") else profile


def _walk(node, parts):
    for p in parts:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    return node


def apply(base: dict, changes: dict | None, deletes: list | None) -> dict:
    data = copy.deepcopy(base)
    for path, value in (changes or {}).items():
        *parents, last = path.split(".")
        node = _walk(data, parents)
        if last == "+":
            node.append(value)
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    for path in sorted(deletes or [], key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split(".")], reverse=True):
        *parents, last = path.split(".")
        node = _walk(data, parents)
        del node[int(last) if isinstance(node, list) else last]
    return data


def case_data(case: dict) -> dict:
    base = case.get("form") or BASES[case["base"]]
    return apply(base, case.get("set"), case.get("delete"))


def folder_codes(case: dict) -> list[str]:
    """A folder case (rules X..): every form validated, then checked across the run, as `jixiao validate` does."""
    from jixiao.engine.validation.rules.folder import Expected, FolderCheck, project_of, unit_of
    check = FolderCheck(expected=[Expected(**e, where=f"第{n + 2}行") for n, e in enumerate(case.get("expected") or [])],
                        expected_file="清单.csv")
    found = []
    for n, item in enumerate(case["folder"]):
        form, profile = form_from(case_data(item))
        found += validate_form(form, profile)
        found += check.add(f"{n}.xlsx", project_of(form), unit_of(form))
    return codes(found + check.finish())


def load_cases():
    out = []
    for path in sorted(CASES_DIR.glob("[A-Z][0-9][0-9].yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert spec["rule"] == path.stem, f"{path.name} names rule {spec['rule']}"
        for case in spec["cases"]:
            out.append(pytest.param(spec["rule"], case, id=f"{spec['rule']}-{case['name']}"))
    return out


CASES = load_cases()


def report_of(case: dict):
    from jixiao.engine.document import Paragraph
    texts = case.get("report")
    return None if texts is None else [Paragraph(i + 1, t) for i, t in enumerate(texts)]


def codes(findings) -> list[str]:
    return sorted(set(f.code for f in findings))


@pytest.mark.parametrize("base", sorted(BASES))
def test_bases_are_clean(base):
    form, profile = form_from(BASES[base])
    assert [(f.code, f.message) for f in validate_form(form, profile)] == []


@pytest.mark.parametrize("code, case", CASES)
def test_case_on_form(code, case):
    if "folder" in case:
        assert folder_codes(case) == sorted(case["expect"])
        return
    form, profile = form_from(case_data(case))
    found = validate_form(form, case_profile(case, profile), report=report_of(case), report_file="报告.docx")
    assert codes(found) == sorted(case["expect"]), [(f.code, f.message) for f in found]


@pytest.mark.parametrize("code, case", [c for c in CASES if c.values[1].get("roundtrip", True) is True
                                          and "folder" not in c.values[1]])
def test_case_on_workbook(code, case, tmp_path):
    from jixiao.templates.builder import build_workbook, save_workbook

    form, profile = form_from(case_data(case))
    path = save_workbook(build_workbook(profile, form, "native", typed_scores=True), tmp_path / "case.xlsx")
    read, read_profile = read_form_and_profile(path)
    found = validate_form(read, read_profile, report=report_of(case), report_file="报告.docx")
    expected = case.get("workbook_expect", case["expect"])
    assert codes(found) == sorted(expected), [(f.code, f.where, f.message) for f in found]
    for f in found:
        if f.code == code and code not in ("W02", "W07"):
            assert (f.sheet or f.file == "报告.docx") and f.cell, f"{f.code} has no location: {f.message}"


def test_every_rule_has_a_case_file_with_a_clean_and_a_faulty_case():
    by_rule: dict[str, list[dict]] = {}
    for p in CASES:
        by_rule.setdefault(p.values[0], []).append(p.values[1])
    for r in iter_rules():
        cases = by_rule.get(r.code)
        assert cases, f"no case file for {r.code}"
        assert any(r.code in c["expect"] for c in cases), f"{r.code}: no faulty case"
        assert any(r.code not in c["expect"] for c in cases), f"{r.code}: no clean case"
    assert set(by_rule) <= {r.code for r in iter_rules()}
