"""Generated workbooks compute the engine's numbers in a real spreadsheet engine (LibreOffice,
headless, hard recalculation): the two seeds' forms and 200+ random filled forms, every computed cell
compared, no cell ending in an error value. UDF-mode workbooks are evaluated with the JX_ functions
themselves standing in for Excel's calls into Python (LibreOffice cannot call xlwings)."""
from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries, get_column_letter

from jixiao.templates.builder import build_workbook, save_workbook
from jixiao.templates.fill import form_from_data, load_data
from tests.support.formgen import random_form
from tests.support.libreoffice import error_cells
from jixiao.engine import scoring as engine
from jixiao.engine.excel import is_number

EXAMPLES = Path(__file__).resolve().parent.parent / "templates" / "examples"
N_RANDOM = 210


def _cells(wb, name: str) -> list[tuple[str, str]]:
    """(sheet, A1) of every cell a defined name covers, top to bottom."""
    dn = wb.defined_names[name]
    out = []
    for sheet, ref in dn.destinations:
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        out += [(sheet, f"{get_column_letter(c)}{r}") for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    return out


def _lo_half_artifact(expected: float, got: float, unrounded: float) -> bool:
    """LibreOffice rounds the binary value (ROUND(0.285*100,0) = 28) where Excel and the engine round
    the 15-digit decimal (29). Only that exact case may differ, by one unit in the last place."""
    d15 = Decimal(format(unrounded, ".15g"))
    binary = Decimal(unrounded).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (d15 * 100) % 1 == Decimal("0.5") and float(binary) == got and abs(expected - got) <= 0.0100001


def compare(wb, values: dict, prof, form, label: str) -> list[str]:
    """Every computed cell of a recalculated workbook against the engine; returns mismatch texts."""
    form = engine.with_computed_inputs(form, prof)
    res = engine.score_form(form, prof)
    problems = []
    artifacts = []

    def val(name, i=0):
        sheet, ref = _cells(wb, name)[i]
        return values.get(sheet, {}).get(ref)

    def same(name, expected, got, tol=0.0, unrounded=None):
        if expected is None or expected == "":
            ok = got is None or got == ""
        elif isinstance(expected, str):
            ok = got == expected
        else:
            ok = is_number(got) and abs(float(got) - expected) <= tol
            if not ok and unrounded is not None and is_number(got) and _lo_half_artifact(expected, float(got), unrounded):
                artifacts.append(f"{label} {name}: engine {expected} LibreOffice {got}")
                ok = True
        if not ok:
            problems.append(f"{label} {name}: engine {expected!r} LibreOffice {got!r}")

    started_sheet, started_ref = _cells(wb, "JX_STARTED")[0]
    same("JX_STARTED", None, None) if False else None
    if bool(values[started_sheet].get(started_ref)) != res.started:
        problems.append(f"{label} JX_STARTED: engine {res.started} LibreOffice {values[started_sheet].get(started_ref)}")
    if prof.funds_scored:
        same("JX_EXEC_RATE", res.exec_rate, val("JX_EXEC_RATE"), 1e-12)
        same("JX_EXEC_SCORE", res.exec_score, val("JX_EXEC_SCORE"))
    score_cells = _cells(wb, "JX_IND_SCORE")
    frac_cells = _cells(wb, "JX_IND_FRACTION")
    weight_cells = _cells(wb, "JX_IND_WEIGHT")
    for i, row in enumerate(res.rows):
        got = values[frac_cells[i][0]].get(frac_cells[i][1])
        if row.waiting:  # the sheet says why there is no fraction: the row waits for input
            assert got == "待定", (label, i, got)
            continue
        same(f"JX_IND_FRACTION[{i}]", row.fraction, got, 1e-12)
        if row.score is not None or i == 0 or not form.indicators[i].shares_weight:
            weight = form.indicators[i].weight
            share = [res.rows[j].fraction for j in range(len(res.rows)) if res.rows[j].group == row.group]
            got = [f for f in share if f is not None]
            unrounded = (float(weight) * (min(got) if prof.shared_weight_method == "min" else sum(got) / len(got))
                         if got and is_number(weight) else None)
            waits = any(r.waiting for r in res.rows if r.group == row.group) and is_number(weight)
            same(f"JX_IND_SCORE[{i}]", "待定" if waits else row.score,
                 values[score_cells[i][0]].get(score_cells[i][1]), 0, unrounded)
            if prof.layout == "suzhou":
                same(f"JX_IND_WEIGHT[{i}]", float(weight), values[weight_cells[i][0]].get(weight_cells[i][1]), 1e-9)
    same("JX_TOTAL_SCORE", res.total_text if res.pending else res.total, val("JX_TOTAL_SCORE"))
    same("JX_TOTAL_GRADE", "待定" if res.pending else res.grade or None, val("JX_TOTAL_GRADE"))
    if prof.layout == "suzhou":
        same("JX_SZ_EXEC_RATE", engine.budget_rate(form.amounts, prof), val("JX_SZ_EXEC_RATE"), 1e-12)
    compare.artifacts.extend(artifacts)
    return problems


compare.artifacts = []


def recalc_and_compare(calc, tmp: Path, prof, form, mode="native", label="") -> list[str]:
    path = save_workbook(build_workbook(prof, form, mode), tmp / f"{label or 'form'}.xlsx")
    values = calc.values(path)
    errors = error_cells(values)
    assert not errors, f"{label}: error values {errors[:5]}"
    return compare(load_workbook(path), values, prof, form, label)


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_seed_forms_compute_the_engines_numbers(calc, tmp_path, example):
    prof, form = form_from_data(load_data(EXAMPLES / example)[0])
    assert recalc_and_compare(calc, tmp_path, prof, form, label=example) == []


def test_seed_numbers_shown_by_formulas(calc, tmp_path):
    """What a newcomer sees when opening the filled seed forms."""
    shown = {}
    for example in ("zhuzhou_2020.yaml", "suzhou_2021.yaml"):
        prof, form = form_from_data(load_data(EXAMPLES / example)[0])
        path = save_workbook(build_workbook(prof, form), tmp_path / example.replace(".yaml", ".xlsx"))
        values, wb = calc.values(path), load_workbook(path)
        get = lambda name: values[_cells(wb, name)[0][0]].get(_cells(wb, name)[0][1])  # noqa: E731
        shown[example] = {n: get(n) for n in ("JX_TOTAL_SCORE", "JX_TOTAL_GRADE", "JX_TOTAL_WEIGHT")}
        if prof.funds_scored:
            shown[example].update(rate=get("JX_EXEC_RATE"), score=get("JX_EXEC_SCORE"),
                                  first=values[_cells(wb, "JX_IND_SCORE")[0][0]][_cells(wb, "JX_IND_SCORE")[0][1]])
        else:
            shown[example].update(rate=get("JX_SZ_EXEC_RATE"), balance=get("JX_SZ_BALANCE"), carry=get("JX_SZ_CARRY"),
                                  weights=[values[s].get(c) for s, c in _cells(wb, "JX_IND_WEIGHT")])
    z, s = shown["zhuzhou_2020.yaml"], shown["suzhou_2021.yaml"]
    assert (z["rate"], z["score"], z["first"]) == (1, 10, 7.5)          # 470/470 -> 100% -> 10; 20个以上 vs 15 -> 7.50
    assert (z["JX_TOTAL_SCORE"], z["JX_TOTAL_GRADE"], z["JX_TOTAL_WEIGHT"]) == (87.5, "良", 90)  # the seed's visible rows: 90 points
    assert s["rate"] == 0.7468 and s["balance"] == pytest.approx(275.398979) and s["carry"] == 0
    assert s["weights"][6:9] == [8.66, 8.68, 8.66] and s["JX_TOTAL_WEIGHT"] == 80
    assert (s["JX_TOTAL_SCORE"], s["JX_TOTAL_GRADE"]) == (72, "优")               # 预算执行率 74.68% scores 0 under its rule


def test_random_filled_forms_agree_with_the_engine(calc, tmp_path):
    rng = random.Random(20261123)
    problems = []
    for n in range(N_RANDOM):
        prof, form = random_form(rng)
        problems += recalc_and_compare(calc, tmp_path, prof, form, label=f"random{n}-{prof.name}")
    assert problems == [], "\n".join(problems[:20])
    if compare.artifacts:
        print(f"LibreOffice half-rounding artifacts (allowed, Excel rounds like the engine): {compare.artifacts}")


def test_blank_templates_recalculate_without_errors(calc, tmp_path):
    from jixiao.engine.profiles import load_profile
    for name in ("national", "zhuzhou", "suzhou"):
        for mode in ("native", "udf"):
            prof = load_profile(name, 2026)
            path = save_workbook(build_workbook(prof, mode=mode), tmp_path / f"{name}-{mode}.xlsx")
            values = calc.values(path)
            errors = [e for e in error_cells(values) if mode == "native" or "JX_" not in str(e)]
            if mode == "native":
                assert errors == [], errors[:5]
                wb = load_workbook(path)
                sheet, ref = _cells(wb, "JX_TOTAL_SCORE")[0]
                assert values[sheet].get(ref) is None  # nothing typed: no score yet


def test_hand_typed_templates_never_disagree_silently(calc, tmp_path):
    """A user typing into a template without the add-in: the helper columns (指标方向, 指标值（数值）,
    完成值（数值）) stay empty and some rows are left blank. The sheet shows exactly what the engine's
    SHEET reading says, and that is the rules' number or 待定 — never another number; every 待定 the
    rules would have scored is named by validation (I15)."""
    from openpyxl import load_workbook as load
    from jixiao.engine.reader import read_form_and_profile
    from jixiao.engine.validation import validate_form

    rng = random.Random(99)
    checked = pending = 0
    for n in range(60):
        prof, form = random_form(rng)
        built = save_workbook(build_workbook(prof, form), tmp_path / f"built{n}.xlsx")
        wb = load(built)
        helpers = list(zip(*(_cells(wb, n) for n in ("JX_IND_DIRECTION", "JX_IND_TVALUE", "JX_IND_AVALUE"))))
        for row in helpers:
            if rng.random() < 0.6:       # the rest: the user picked a direction and typed the numbers
                for sheet, ref in row:
                    if wb[sheet][ref].data_type != "f":
                        wb[sheet][ref].value = None
        rows = list(zip(_cells(wb, "JX_IND_NAME"), _cells(wb, "JX_IND_TARGET"), _cells(wb, "JX_IND_ACTUAL")))
        for cells in rng.sample(rows, k=len(rows) // 4):  # spare rows: nothing typed
            if engine.rate_indicator(prof) and wb[cells[0][0]][cells[0][1]].value == engine.rate_indicator(prof):
                continue
            for sheet, ref in cells:
                wb[sheet][ref].value = None
        path = tmp_path / f"typed{n}.xlsx"
        wb.save(path)
        values = calc.values(path)
        assert not error_cells(values)
        read, profile = read_form_and_profile(path)
        rules = engine.score_form(engine.with_computed_inputs(read, profile), profile)
        sheet_res = engine.score_form(engine.with_computed_inputs(read, profile), profile, engine.SHEET)
        flagged = {f.cell for f in validate_form(read, profile) if f.code == "I15"}
        for group in read.weight_groups():
            head = read.indicators[group[0]]
            if not is_number(head.weight):
                continue
            sheet, ref = head.cells["score"].split("!")
            got = values[sheet].get(ref)
            waits = any(sheet_res.rows[i].waiting for i in group)
            expected = "待定" if waits else sheet_res.rows[group[0]].score
            assert (got if got != "" else None) == expected, (n, prof.name, head.cells["score"], got, expected)
            if waits:
                pending += 1
                if not any(rules.rows[i].waiting for i in group):   # the rules score it: I15 names the row
                    assert any(read.indicators[i].cells.get(k, "").split("!")[-1] in flagged
                               for i in group for k in ("direction", "target_value", "actual_value")), (n, group)
            else:
                assert got == rules.rows[group[0]].score or got is None, (n, head.cells["score"], got)
                checked += 1
        sheet, ref = read.cells["total"].split("!")
        total = values[sheet].get(ref)
        assert total == (sheet_res.total_text if sheet_res.pending else sheet_res.total), (n, total)
    assert checked > 150 and pending > 10, (checked, pending)
