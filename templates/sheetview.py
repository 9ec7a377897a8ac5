"""What every formula cell of a generated workbook shows, computed in Python: the cached values the
builder writes beside the formulas, so that phone and WeChat previews, pandas / calamine and
`jixiao score` show the scores with no recalculation, and Excel has nothing to recalculate on open.

Each value follows its formula (templates/formulas.py, templates/text_formulas.py) step by step,
through the engine's SHEET reading (jixiao.engine.scoring): where the formulas cannot read a text
the value is 待定, exactly as the sheet will show it. The tests recalculate generated workbooks in
LibreOffice and Gnumeric and compare every formula cell with these values.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from jixiao.engine import scoring
from jixiao.engine.excel import is_number
from jixiao.engine.model import Form, Indicator
from jixiao.engine.profiles import Profile

from . import text_formulas as tf

PENDING = scoring.PENDING


def _blank(value):
    return "" if value is None else value


@dataclass
class SheetView:
    """The values of a form's computed cells; "" where a formula shows nothing."""

    result: scoring.FormResult                      # score_form(..., SHEET) on the form as the sheet computes it
    rows: list[dict] = field(default_factory=list)  # per indicator row: every helper column by key
    scores: dict[int, object] = field(default_factory=dict)   # group head row index -> score cell value
    weights: dict[int, object] = field(default_factory=dict)  # row index -> weight cell value (equal split)
    total_weight: float = 0.0
    total: object = ""
    grade: object = ""
    exec_rate: object = ""
    exec_score: object = ""
    started: bool = False
    amounts: dict = field(default_factory=dict)     # Suzhou computed amounts (balance, carry, rate …)


def _dir_used(ind: Indicator, row: dict, rule) -> str:
    """formulas.dir_used."""
    chosen = str(ind.direction) if isinstance(ind.direction, str) and ind.direction in tf_directions() else ""
    if chosen:
        return chosen
    if row["t_direction"]:
        return row["t_direction"]
    if row["t_status"] == tf.UNREAD:
        return "定性" if isinstance(ind.level, str) and ind.level.strip(" ") else PENDING
    return rule.plain_number if is_number(ind.target_value) else ""


def tf_directions() -> tuple[str, ...]:
    return (scoring.POSITIVE, scoring.REVERSE, scoring.EQUAL, scoring.QUALITATIVE_DIR)


def row_cells(ind: Indicator, profile: Profile, started: bool) -> dict:
    """Every helper cell of one grid row (reading steps, then 计分方向 … 得分系数). `ind` is the row as
    the sheet computes it (the Suzhou rate indicator's actual is the computed rate)."""
    category = profile.category(ind.level1)
    rule = category.rule
    actual = ind.actual
    row = tf.row_values(ind.target, actual, rule, profile)
    direction = _dir_used(ind, row, rule)
    scored = direction not in ("定性", PENDING)
    t = (ind.target_value if is_number(ind.target_value) else row["t_value"] if is_number(row["t_value"]) else "") \
        if scored else ""
    a = (ind.actual_value if is_number(ind.actual_value) else row["a_value"] if is_number(row["a_value"]) else "") \
        if scored else ""
    repeated = (isinstance(ind.target, str) and isinstance(actual, str) and row["a_cleaned"] != ""
                and row["a_cleaned"] == row["t_cleaned"])
    if t == "":
        completion = ""
    elif not is_number(ind.actual_value) and repeated:
        completion = 1
    elif a == "":
        completion = ""
    else:
        completion = scoring.completion(direction, float(t), float(a), rule)
    result = scoring.score_row(ind, profile, category, started, scoring.SHEET)
    fraction = PENDING if result.waiting else _blank(result.fraction)
    row.update(dir_used=direction, t=t, a=a, completion=completion, fraction=fraction)
    return row


def sheet_view(profile: Profile, form: Form) -> SheetView:
    """The values of every computed cell of `form` drawn by the template builder."""
    computed = scoring.with_computed_inputs(form, profile)
    result = scoring.score_form(computed, profile, scoring.SHEET)
    view = SheetView(result=result, started=result.started)
    view.rows = [row_cells(ind, profile, result.started) for ind in computed.indicators]
    for group in computed.weight_groups():
        head = group[0]
        w = computed.indicators[head].weight
        if not is_number(w):
            view.scores[head] = ""
        elif result.rows[head].score is not None:
            view.scores[head] = result.rows[head].score
        else:
            view.scores[head] = PENDING if any(result.rows[i].waiting for i in group) else ""
    view.exec_rate, view.exec_score = _blank(result.exec_rate), _blank(result.exec_score)
    if result.pending:
        view.total, view.grade = result.total_text, PENDING
    else:
        view.total = _blank(result.total)
        view.grade = result.grade if result.total is not None else ""
    return view

