"""A workbook of the text-reading formulas alone (templates/text_formulas.py): one row per (target,
actual) pair, every step in its own cell, the vocabulary's lists on a sheet 参数 — to recalculate in
real spreadsheets and compare each cell with the Python mirror (text_formulas.row_values)."""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.formula import ArrayFormula

from jixiao.templates import text_formulas as tf

STEP_KEYS = ["cleaned", "marked", *tf.STEPS]
# this harness keeps each chain in one cell; the template builder spreads a longer one over more
assert tf.chain_cells(len(tf.V.replace)) == 1 and tf.chain_cells(len(tf.V.words)) == 1
RESULTS = ["t_direction", "t_value", "t_percent", "t_scale", "a_written", "a_assumed", "a_value", "a_level"]
COLUMNS = ["target", "actual"] + [f"t_{k}" for k in STEP_KEYS] + [f"a_{k}" for k in STEP_KEYS] + RESULTS


def _col(key: str) -> str:
    return get_column_letter(COLUMNS.index(key) + 1)


def _text_refs(prefix: str, source: str, r: int) -> tf.TextRefs:
    c = lambda k: f"{_col(prefix + k)}{r}"  # noqa: E731
    return tf.TextRefs(source, [c("cleaned")], [c("marked")], *(c(k) for k in tf.STEPS))


def _text(cell, value):
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"   # what was typed, never a formula


def build(pairs: list[tuple[object, object]], profile, rule, path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "读"
    params = wb.create_sheet("参数")
    col = 1
    for name, values, _note in tf.lists():
        for i, v in enumerate(values, 1):
            _text(params.cell(i, col), v)
        letter = get_column_letter(col)
        wb.defined_names[name] = DefinedName(name, attr_text=f"'参数'!${letter}$1:${letter}${max(1, len(values))}")
        col += 1
    for name, text, _note in tf.cells():
        _text(params.cell(1, col), text)
        wb.defined_names[name] = DefinedName(name, attr_text=f"'参数'!${get_column_letter(col)}$1")
        col += 1
    levels = profile.level_names()
    for key, idx in (("JX_P_LEVEL_NAME", 0), ("JX_P_LEVEL_SCORE", 1)):
        for i, entry in enumerate(levels, 1):
            _text(params.cell(i, col), entry[idx])
        letter = get_column_letter(col)
        wb.defined_names[key] = DefinedName(key, attr_text=f"'参数'!${letter}$1:${letter}${len(levels)}")
        col += 1
    for c, key in enumerate(COLUMNS, 1):
        ws.cell(1, c, key)
    for i, (target, actual) in enumerate(pairs):
        r = i + 2
        _text(ws[f"{_col('target')}{r}"], target)
        _text(ws[f"{_col('actual')}{r}"], actual)
        t = _text_refs("t_", f"{_col('target')}{r}", r)
        a = _text_refs("a_", f"{_col('actual')}{r}", r)
        formulas = {}
        for prefix, refs, as_target in (("t_", t, True), ("a_", a, False)):
            formulas[prefix + "cleaned"] = tf.cleaned(refs)[0]
            formulas[prefix + "marked"] = tf.marked(refs)[0]
            for k, f in tf.steps(refs, as_target).items():
                formulas[prefix + k] = f
        tcells = tf.TargetCells(f"{_col('t_value')}{r}", f"{_col('t_percent')}{r}", f"{_col('t_scale')}{r}")
        formulas["t_direction"] = tf.target_direction(t, rule.plain_number)
        formulas["t_percent"] = tf.percent_power(t)
        formulas["t_scale"] = tf.scale_power(t)
        formulas["t_value"] = tf.target_value(t, rule.range_target == "high", tcells.percent)
        written = f"{_col('a_written')}{r}"
        formulas["a_written"] = tf.actual_written(a)
        formulas["a_assumed"] = tf.actual_assumed(a, written, tcells)
        formulas["a_value"] = tf.actual_value(a, written, tcells, f"{_col('a_assumed')}{r}")
        formulas["a_level"] = tf.level_of_words(f"{_col('a_cleaned')}{r}")
        for key, f in formulas.items():
            ref = f"{_col(key)}{r}"
            step = key[2:]
            ws[ref] = ArrayFormula(ref, f) if step in tf.ARRAY_STEPS or key in ("t_direction", "a_level") else f
    wb.save(path)
    return path


def expected(pairs, profile, rule) -> list[dict]:
    return [tf.row_values(t, a, rule, profile) for t, a in pairs]
