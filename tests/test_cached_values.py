"""Cached values in every file jixiao writes (issue 9, point 6): every formula cell carries the value a
spreadsheet computes for it — recalculated by LibreOffice AND Gnumeric, compared cell by cell — so
previews, pandas / python-calamine and `jixiao score` show the scores with no recalculation, and the
workbook asks no spreadsheet to recalculate on open (no fullCalcOnLoad)."""
from __future__ import annotations

import random
import zipfile
from pathlib import Path

import pytest

from jixiao.addin.actions import recalc, validate as check
from jixiao.addin.book_openpyxl import OpenpyxlBook
from jixiao.engine import scoring
from jixiao.engine.reader import read_form_and_profile
from jixiao.templates.build import build as build_main_job
from jixiao.templates.builder import build_workbook
from jixiao.templates.fill import fill
from tests.support import cached
from tests.support.formgen import PROFILES, random_form
from tests.support.named import named_ref

EXAMPLES = Path(__file__).resolve().parents[1] / "templates" / "examples"


def calc_pr(path: Path) -> str:
    xml = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    return xml[xml.find("<calcPr"):xml.find(">", xml.find("<calcPr")) + 1]


@pytest.fixture(scope="module")
def main_job(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    return [p for p in build_main_job(2026, PROFILES, out, "native", log=lambda *a: None)
            if p.suffix in (".xlsx", ".xlsm")]


@pytest.fixture(scope="module")
def random_forms(tmp_path_factory):
    out = tmp_path_factory.mktemp("random")
    rng = random.Random(424242)
    files = []
    for n in range(10):
        prof, form = random_form(rng, PROFILES[n % len(PROFILES)])
        files.append(build_workbook(prof, form).save(out / f"random{n}.xlsx"))
    return files


@pytest.fixture(scope="module")
def button_outputs(tmp_path_factory, main_job):
    """一键校验 and 重新计算 on the seeds' filled forms, saved through openpyxl."""
    out = tmp_path_factory.mktemp("buttons")
    files = []
    for src in (p for p in main_job if "示例" in str(p)):
        for name, action in (("checked", check), ("recalc", recalc)):
            book = OpenpyxlBook(src)
            action(book)
            files.append(book.save_as(out / f"{src.stem}-{name}.xlsx"))
    return files


def _check(files, calc, gnumeric, tmp_path):
    problems = []
    for f in files:
        assert "fullCalcOnLoad" not in calc_pr(f) and 'calcId="191029"' in calc_pr(f), (f.name, calc_pr(f))
        for engine, out in (("LibreOffice", calc.recalc(f, tmp_path / f"{f.stem}.lo.xlsx")),
                            ("Gnumeric", gnumeric.recalc(f, tmp_path / f"{f.stem}.gn.xlsx"))):
            problems += [f"{f.name} {engine}: {d}" for d in cached.differences(f, out)]
    assert not problems, "\n".join(problems[:30])


def test_the_main_jobs_files_carry_what_spreadsheets_compute(main_job, calc, gnumeric, tmp_path):
    assert len(main_job) >= 8
    _check(main_job, calc, gnumeric, tmp_path)


def test_random_filled_forms_carry_what_spreadsheets_compute(random_forms, calc, gnumeric, tmp_path):
    _check(random_forms, calc, gnumeric, tmp_path)


def test_check_and_recalc_outputs_carry_what_spreadsheets_compute(button_outputs, calc, gnumeric, tmp_path):
    _check(button_outputs, calc, gnumeric, tmp_path)


def test_a_changed_formula_is_computed_on_load_not_cached(tmp_path, main_job):
    """A workbook whose formulas are not exactly the template's gets no cached value from jixiao: its
    spreadsheet computes it on load."""
    import openpyxl
    src = next(p for p in main_job if "示例" in str(p))
    wb = openpyxl.load_workbook(src)
    ws = wb.worksheets[0]
    total = named_ref(wb, "JX_TOTAL_SCORE")
    ws[total] = "=SUM(1,2)"
    wb.save(tmp_path / "changed.xlsx")
    book = OpenpyxlBook(tmp_path / "changed.xlsx")
    check(book)
    out = book.save_as(tmp_path / "out.xlsx")
    assert "fullCalcOnLoad" in calc_pr(out)


def _calamine_total_and_grade(path: Path):
    from python_calamine import CalamineWorkbook
    form, profile = read_form_and_profile(path)
    sheets = {}
    wb = CalamineWorkbook.from_path(str(path))

    def value(where: str):
        sheet, _, cell = where.rpartition("!")
        if sheet not in sheets:
            sheets[sheet] = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        col = sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(cell.rstrip("0123456789"))))
        row = int(cell[len(cell.rstrip("0123456789")):])
        rows = sheets[sheet]
        return rows[row - 1][col - 1] if row - 1 < len(rows) and col - 1 < len(rows[row - 1]) else ""
    return form, profile, value(form.cells["total"]), value(form.cells["grade"])


def test_calamine_reads_the_engines_total_and_grade_with_no_recalculation(main_job, tmp_path):
    """What a phone preview or pandas sees: python-calamine reads cached values only."""
    data = [p for p in EXAMPLES.glob("*.yaml")]
    filled = fill(data, tmp_path / "filled")
    for path in [*main_job, *filled]:
        form, profile, total, grade = _calamine_total_and_grade(path)
        res = scoring.score_form(scoring.with_computed_inputs(form, profile), profile)
        want_total = res.total_text if res.pending else ("" if res.total is None else res.total)
        assert total == want_total, (path.name, total, want_total)
        assert grade == ("待定" if res.pending else res.grade), (path.name, grade)


def test_no_defined_name_of_a_generated_workbook_shadows_a_worksheet_function(main_job):
    import openpyxl
    from jixiao.udfs import functions
    udfs = {n for n in dir(functions) if n.startswith("JX_")}
    for path in main_job:
        names = set(openpyxl.load_workbook(path, keep_vba=path.suffix == ".xlsm").defined_names)
        assert not names & udfs, (path.name, names & udfs)
