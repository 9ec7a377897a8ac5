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
from jixiao.engine.excel import is_blank, is_number
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
    udf_scores: list = field(default_factory=list)  # udf mode: JX_SCORES, one value per row
    udf_deducted: list = field(default_factory=list)  # udf mode: the score cells (JX_SCORES less 扣减分数)
    udf: dict = field(default_factory=dict)         # udf mode: exec_rate, exec_score, total, grade


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
    view.weights = _split_weights(computed, profile)
    weights = [view.weights.get(g[0], computed.indicators[g[0]].weight) for g in computed.weight_groups()]
    funds = [form.funds_weight if is_number(form.funds_weight) else profile.funds_weight] \
        if profile.layout != "suzhou" and profile.funds_scored else []
    view.total_weight = sum(float(w) for w in funds + weights if is_number(w))
    if profile.layout == "suzhou":
        view.amounts = _suzhou_amounts(form, profile)
    return view


def _split_weights(form: Form, profile: Profile) -> dict[int, object]:
    """Suzhou: the weights the equal-split formula gives each named row of a category (the category's
    weight over its named rows, truncated, the remainder on one row); "" on rows without a name."""
    if profile.data.get("weights_mode") != "equal_split":
        return {}
    split = profile.data.get("equal_split") or {}
    out: dict[int, object] = {}
    rows = form.indicators
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1].level1 == rows[i].level1:
            j += 1
        cat = profile.category(rows[i].level1)
        if not cat.fixed_indicators:
            named = [k for k in range(i, j + 1) if not is_blank(rows[k].name)]
            shares = scoring.equal_split(cat.weight, len(named), split.get("decimals", 2), split.get("remainder", "middle"))
            for k in range(i, j + 1):
                out[k] = ""
            for k, w in zip(named, shares):
                out[k] = w
        i = j + 1
    return out


def _suzhou_amounts(form: Form, profile: Profile) -> dict:
    """The Suzhou form's computed amounts (指标结余数, 财政拨款数 again, 资金结余、结转数, 子项合计, 预算执行率)."""
    a = form.amounts
    num = lambda k: float(a[k]) if is_number(a.get(k)) else 0.0  # noqa: E731 - a blank counts 0
    given = lambda *ks: any(is_number(a.get(k)) for k in ks)  # noqa: E731
    rate = scoring.budget_rate(a, profile)
    subs = form.subitems
    sub_budget = [s.budget for s in subs if is_number(s.budget)]
    sub_actual = [s.actual for s in subs if is_number(s.actual)]
    return {"balance": num("initial") + num("adjustment") - num("appropriated") if given("initial", "adjustment",
                                                                                          "appropriated") else "",
            "appropriated": a["appropriated"] if is_number(a.get("appropriated")) else _blank_str(a.get("appropriated")),
            "carry": num("appropriated") - num("paid") if given("appropriated", "paid") else "",
            "sub_budget": sum(float(v) for v in sub_budget) if sub_budget else "",
            "sub_actual": sum(float(v) for v in sub_actual) if sub_actual else "",
            "rate": "" if rate is None else rate}


def _blank_str(value):
    return "" if value is None else value

