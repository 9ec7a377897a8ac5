"""The scoring engine: execution rate, indicator scores, totals and grades, per profile.

Pure Python, no Excel. Arithmetic is done in floats in the same order as the native formulas that
`jixiao.templates.formulas` writes, and every rounding goes through Excel's ROUND (`jixiao.engine.excel.xround`), so a
workbook recalculated by Excel or LibreOffice shows exactly these numbers.

A quantitative row goes target t, actual a -> completion c -> fraction f in [0, 1]:
  正向 (≥ > and ranges): c = a/t            (t ≤ 0: c = 1 if a ≥ t else 0)
  等于 (=):             c = a/t            (t = 0: c = 1 if a ≤ 0 else 0)
  反向 (≤ <):           c = 1 if a ≤ t, else 2 - a/t (rule.reverse = deviation) or t/a (ratio)
  proportional rule:    f = MAX(0, MIN(1, c))
  band rule:            f = 1 on [full_from, full_to]; below: 1 - shortfall points x below_per_point;
                        above: 1 - (c - full_to) x 100 x above_per_point; never below 0
A qualitative row's fraction is its level's score. Rows sharing one 分值 score weight x MIN (or mean)
of their fractions. Negative actuals count as 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .excel import is_blank, is_number, trim, xround
from .model import Form, Indicator
from .profiles import Category, Profile, Rule
from .targets import EQ, GE, GT, LE, LT, QUALITATIVE, RANGE, Target, parse_actual, parse_target

POSITIVE, REVERSE, EQUAL, QUALITATIVE_DIR = "正向", "反向", "等于", "定性"
_BY_COMPARATOR = {GE: POSITIVE, GT: POSITIVE, RANGE: POSITIVE, EQ: EQUAL, LE: REVERSE, LT: REVERSE}


# Funds ------------------------------------------------------------------------------------------

def exec_rate(executed, budget, profile: Profile) -> float | None:
    """执行率 = 全年执行数 ÷ 全年预算数, rounded to the profile's rate decimals; None when undefined."""
    if not (is_number(executed) and is_number(budget)) or float(budget) <= 0:
        return None
    return xround(float(executed) / float(budget), profile.rate_decimals)


def exec_score(executed, budget, profile: Profile, weight=None) -> float | None:
    """执行率得分 = 执行率 × 分值 (capped at 分值 when the profile says so), 2 decimals."""
    rate = exec_rate(executed, budget, profile)
    if rate is None:
        return None
    w = profile.funds_weight if weight is None else float(weight)
    capped = min(rate, 1.0) if profile.funds_cap else rate
    return xround(max(0.0, capped * w), profile.score_decimals)


def budget_rate(amounts: dict, profile: Profile) -> float | None:
    """Suzhou 预算执行率 = 财政拨款数 ÷ (年初预算数 + 调整数), blanks as 0; None when undefined.
    The template writes this into the 实际完成值 of the profile's `funds.rate_indicator` row."""
    appropriated = amounts.get("appropriated")
    budget = sum(float(amounts.get(k)) for k in ("initial", "adjustment") if is_number(amounts.get(k)))
    if not is_number(appropriated) or budget <= 0:
        return None
    return xround(float(appropriated) / budget, profile.rate_decimals)


def suzhou_amounts(amounts: dict) -> dict[str, float | None]:
    """What the Suzhou template computes from its amounts, as its formulas do (blanks as 0, None when
    every input is blank): 调整后预算数 = 年初预算数 + 调整数; 指标结余数 = 调整后预算数 − 财政拨款数;
    资金结余、结转数 = 财政拨款数 − 实际支付数."""
    def combo(*pairs) -> float | None:
        if not any(is_number(amounts.get(k)) for k, _ in pairs):
            return None
        return xround(sum(sign * float(amounts[k]) for k, sign in pairs if is_number(amounts.get(k))), 6)
    return {"adjusted": combo(("initial", 1), ("adjustment", 1)) if is_number(amounts.get("initial")) else None,
            "balance": combo(("initial", 1), ("adjustment", 1), ("appropriated", -1)),
            "carry": combo(("appropriated", 1), ("paid", -1))}


def rate_indicator(profile: Profile) -> str | None:
    """Name of the indicator whose actual is the computed budget rate (Suzhou), if any."""
    return (profile.data.get("funds") or {}).get("rate_indicator")


def with_computed_inputs(form: Form, profile: Profile) -> Form:
    """The form as the template computes it: the rate indicator's actual comes from the amounts."""
    name = rate_indicator(profile)
    if not name:
        return form
    from dataclasses import replace
    rate = budget_rate(form.amounts, profile)
    rows = [replace(i, actual=rate, actual_value=None) if i.name == name else i for i in form.indicators]
    return replace(form, indicators=rows)


# Indicators -------------------------------------------------------------------------------------

def direction_of(target: Target, rule: Rule, override: str = "") -> str:
    """The scoring direction: the user's choice if any, else read from the target's comparator."""
    if override and str(override).strip() in (POSITIVE, REVERSE, EQUAL, QUALITATIVE_DIR):
        return str(override).strip()
    if target.kind == QUALITATIVE:
        return QUALITATIVE_DIR if target.text.strip() else ""  # no target: nothing to score against
    return _BY_COMPARATOR.get(target.comparator, rule.plain_number)


def completion(direction: str, t: float, a: float, rule: Rule) -> float:
    """Completion c of a quantitative row (1.0 = exactly reached)."""
    a = max(a, 0.0)
    if direction == REVERSE:
        if a <= t:
            return 1.0
        if t <= 0:
            return 0.0
        return t / a if rule.reverse == "ratio" else max(0.0, 2 - a / t)
    if direction == EQUAL and t == 0:
        return 1.0 if a <= 0 else 0.0
    if t <= 0:
        return 1.0 if a >= t else 0.0
    return a / t


def fraction(c: float, rule: Rule, *, t: float = 0.0, a: float = 0.0, percent: bool = False,
             direction: str = POSITIVE) -> float:
    """Share of the weight earned at completion c under the rule."""
    if rule.kind == "proportional":
        return max(0.0, min(1.0, c))
    if c < rule.full_from:
        if rule.shortfall_basis == "points" and percent and direction != REVERSE:
            points = (t - a) * 100
        else:
            points = (rule.full_from - c) * 100
        return max(0.0, 1 - points * rule.below_per_point)
    if c > rule.full_to:
        return max(0.0, 1 - (c - rule.full_to) * 100 * rule.above_per_point)
    return 1.0


@dataclass
class RowResult:
    """How one indicator row was scored; `score` is set on the first row of each weight group."""

    direction: str
    target_value: float | None = None
    actual_value: float | None = None
    completion: float | None = None
    fraction: float | None = None   # None: not scored yet (nothing entered)
    level: str = ""                 # qualitative level used
    level_assumed: bool = False     # qualitative row scored with the profile's unselected level
    unreadable_actual: bool = False  # quantitative row whose actual is not a number
    level_needed: bool = False      # qualitative row whose actual differs from the target, no level chosen
    waiting: bool = False           # waits for input (a level, or a number for a text target): its group shows no score
    unparsed_target: bool = False   # quantitative direction but no number in the target
    over: bool = False              # completion at or above the over-achievement threshold
    weight: float | None = None
    score: float | None = None
    group: int = 0


_SCALES = {"千": 1000, "万": 10_000, "百万": 1_000_000, "千万": 10_000_000, "亿": 100_000_000}


def _written(value: float, target: Target) -> float:
    """A number in the scale the target is written in: for "≥50万元", 500000 is 50. Scores compare
    like with like, and a bare number typed as the actual ("60") means 60万元, as the form's amounts do."""
    factor = _SCALES.get(target.scale_word)
    return float(Decimal(repr(value)) / factor) if factor else value


def target_number(target: Target, rule: Rule) -> float | None:
    """The number a parsed target is scored against, in its written scale; a range ("2-3次") at the
    rule's chosen bound."""
    if target.kind == QUALITATIVE:
        return None
    if target.comparator == RANGE and rule.range_target == "high" and target.high is not None:
        return _written(target.high, target)
    return _written(target.value, target) if target.value is not None else None


def actual_number(actual: Target, target: Target) -> float | None:
    """The number an actual text reads as, in the target's written scale: "60万元" and "600000元" are
    60 against "≥50万元"; a bare "60" is taken as written in the target's scale."""
    if actual.kind == QUALITATIVE or actual.value is None:
        return None
    bare = not actual.scale_word and not actual.unit
    return actual.value if bare else _written(actual.value, target)


def _value(override, text, parsed: float | None) -> float | None:
    if is_number(override):
        return float(override)
    if is_number(text):
        return float(text)
    return parsed


def helper_values(ind: Indicator, profile: Profile, computed_actual: bool = False) -> tuple[str | None, Any, Any]:
    """(指标方向, 指标值（数值）, 完成值（数值）) of a row as the template pre-fills its helper columns and
    the add-in's 重新计算 refreshes them: the row's own direction / target_value / actual_value when
    set, else read from the target and actual texts. `computed_actual`: the template computes the
    actual (Suzhou 预算执行率), so there is no 完成值（数值）."""
    cat = profile.category(ind.level1)
    target = parse_target(ind.target)
    direction = ind.direction or (direction_of(target, cat.rule) if not is_blank(ind.target) else "")
    if is_number(ind.target_value):
        tvalue = ind.target_value
    else:
        tvalue = None if is_number(ind.target) else target_number(target, cat.rule)
    avalue = None if computed_actual else ind.actual_value
    if (avalue is None and not computed_actual and not is_blank(ind.actual) and not is_number(ind.actual)
            and target.kind != QUALITATIVE):
        avalue = actual_number(parse_actual(ind.actual, target), target)
    return direction or None, tvalue, avalue


def score_row(ind: Indicator, profile: Profile, category: Category, started: bool = True) -> RowResult:
    """Fraction of the weight one indicator row earns (weight groups are applied in score_form)."""
    rule = category.rule
    target = parse_target(ind.target)
    direction = direction_of(target, rule, ind.direction)
    if not direction and is_number(ind.target_value):
        direction = rule.plain_number  # no target text, but a target number was given
    res = RowResult(direction=direction)
    if all(is_blank(v) for v in (ind.name, ind.target, ind.actual)) and not is_number(ind.actual_value):
        return res  # a spare row of the template: never scored
    missing = 0.0 if started else None  # nothing entered: 0 once the form is started, else blank
    same_text = trim(ind.actual).lower() == trim(ind.target).lower()
    if direction == QUALITATIVE_DIR:
        chosen = profile.level(ind.level)
        if chosen is not None:
            res.level, res.fraction = chosen.label, chosen.score
        elif is_blank(ind.actual):
            res.fraction = missing
        elif same_text or profile.unselected_applies == "filled":
            res.level, res.level_assumed = profile.unselected_level.label, True
            res.fraction = profile.unselected_level.score
        else:
            res.level_needed = res.waiting = True  # the actual says something else: only a level can score it
        return res
    t = _value(ind.target_value, ind.target, target_number(target, rule))
    res.target_value = t
    if t is None:
        res.unparsed_target = not is_blank(ind.target)
        res.waiting = res.unparsed_target  # a target in words scored as a quantity: it needs a number
        res.fraction = None if res.waiting else missing
        return res
    a = _value(ind.actual_value, ind.actual, actual_number(parse_actual(ind.actual, target), target))
    if a is None and is_blank(ind.actual):
        res.fraction = missing
        return res
    res.actual_value = a
    if a is None:
        # Not a number: the same words as the target count as reached ("2-3次" / "2-3次").
        res.unreadable_actual = not same_text
        res.completion = 1.0 if same_text else None
        res.fraction = 1.0 if same_text else 0.0
        return res
    c = completion(direction, t, a, rule)
    res.completion = c
    res.fraction = fraction(c, rule, t=t, a=max(a, 0.0), percent="%" in trim(ind.target), direction=direction)
    res.over = bool(profile.overachievement) and direction != REVERSE and c >= profile.overachievement
    return res


def group_score(weight, fractions: list[float | None], profile: Profile) -> float | None:
    """Score of one 分值 shared by rows with these fractions."""
    got = [f for f in fractions if f is not None]
    if not got or not is_number(weight):
        return None
    share = min(got) if profile.shared_weight_method == "min" else sum(got) / len(got)
    return xround(float(weight) * share, profile.score_decimals)


def grade(total, profile: Profile) -> str:
    """等级 from the bands (lower bounds inclusive), on the total rounded to 2 decimals."""
    if not is_number(total):
        return ""
    value = xround(float(total), profile.score_decimals)
    if profile.grade_basis == "percent":
        value = xround(value / profile.max_total * 100, profile.score_decimals)
    for band in profile.grades:
        if value >= band.min:
            return band.label
    return profile.grades[-1].label


def total(scores, profile: Profile | None = None) -> float:
    """总分 = Σ scores (blanks ignored), 2 decimals."""
    decimals = profile.score_decimals if profile else 2
    return xround(sum(float(s) for s in scores if is_number(s)), decimals)


def equal_split(total_weight: float, count: int, decimals: int = 2, remainder: str = "middle") -> list[float]:
    """Weights of `count` indicators sharing `total_weight`: truncated to `decimals`, the remainder on
    one row so the sum is exact (26 / 3 -> 8.66, 8.68, 8.66)."""
    if count <= 0:
        return []
    from .excel import xrounddown
    base = xrounddown(total_weight / count, decimals)
    rest = xround(total_weight - base * (count - 1), decimals)
    at = {"first": 0, "last": count - 1}.get(remainder, count // 2)
    return [rest if i == at else base for i in range(count)]


# Whole form ---------------------------------------------------------------------------------------

@dataclass
class FormResult:
    exec_rate: float | None = None
    exec_score: float | None = None
    rows: list[RowResult] = field(default_factory=list)
    category_scores: dict[str, float] = field(default_factory=dict)
    category_weights: dict[str, float] = field(default_factory=dict)
    total: float | None = None
    grade: str = ""
    started: bool = False


def form_started(form: Form) -> bool:
    """A form counts as started once any actual value or executed amount is entered: from then on
    an indicator left empty scores 0 instead of staying blank."""
    if any(not is_blank(i.actual) or is_number(i.actual_value) for i in form.indicators):
        return True
    return any(is_number(r.executed) for r in form.funds)


def score_form(form: Form, profile: Profile) -> FormResult:
    res = FormResult(started=form_started(form))
    if profile.funds_scored and form.funds_total is not None:
        row = form.funds_total
        weight = form.funds_weight if is_number(form.funds_weight) else None
        res.exec_rate = exec_rate(row.executed, row.budget, profile)
        res.exec_score = exec_score(row.executed, row.budget, profile, weight)
    for ind in form.indicators:
        res.rows.append(score_row(ind, profile, profile.category(ind.level1), res.started))
    for n, group in enumerate(form.weight_groups()):
        head = form.indicators[group[0]]
        for i in group:
            res.rows[i].group = n
        res.rows[group[0]].weight = float(head.weight) if is_number(head.weight) else None
        waiting = any(res.rows[i].waiting for i in group)  # a row waits for input: no group score
        score = None if waiting else group_score(head.weight, [res.rows[i].fraction for i in group], profile)
        res.rows[group[0]].score = score
        cat = profile.category(head.level1).key
        res.category_weights[cat] = res.category_weights.get(cat, 0.0) + (float(head.weight) if is_number(head.weight) else 0.0)
        if score is not None:
            res.category_scores[cat] = xround(res.category_scores.get(cat, 0.0) + score, profile.score_decimals)
    scores = [r.score for r in res.rows if r.score is not None]
    if res.exec_score is not None:
        scores.insert(0, res.exec_score)
    if scores:
        res.total = total(scores, profile)
        res.grade = grade(res.total, profile)
    return res
