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

from .excel import is_blank, is_number, xround
from .model import Form, Indicator
from .profiles import Category, Profile, Rule
from .targets import (EQ, GE, GT, LE, LT, QUALITATIVE, RANGE, Target, parse_actual, parse_target, same_text,
                      scaled, sheet_reading)

POSITIVE, REVERSE, EQUAL, QUALITATIVE_DIR = "正向", "反向", "等于", "定性"
_BY_COMPARATOR = {GE: POSITIVE, GT: POSITIVE, RANGE: POSITIVE, EQ: EQUAL, LE: REVERSE, LT: REVERSE}


# Funds ------------------------------------------------------------------------------------------

def exec_base(row, profile: Profile):
    """The amount 执行率 divides by on a funds row: 全年预算数 (default) or what funds.denominator names."""
    return getattr(row, profile.denominator)


def exec_rate(executed, budget, profile: Profile) -> float | None:
    """执行率 = 全年执行数 ÷ 全年预算数 (or the profile's denominator, passed as `budget`), rounded to the
    profile's rate decimals; None when undefined."""
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
    """The form as the template computes it: the rate indicator's actual comes from the amounts, as a
    number in 完成值（数值）(a fraction: no unit rule applies to it)."""
    name = rate_indicator(profile)
    if not name:
        return form
    from dataclasses import replace
    rate = budget_rate(form.amounts, profile)
    rows = [replace(i, actual=rate, actual_value=rate) if i.name == name else i for i in form.indicators]
    return replace(form, indicators=rows)


# Indicators -------------------------------------------------------------------------------------

ENGINE, SHEET = "engine", "sheet"  # readings: what the rules read / what a template's native formulas read
UNREAD = "unread"
PENDING = "待定"  # what the form shows where a score cannot be computed yet (never 0)


@dataclass(frozen=True)
class TargetReading:
    """What a row's 年度指标值 gives the scoring. status: blank | number | words | quantity | unread."""

    status: str
    direction: str = ""             # 正向 / 反向 / 等于 for a number, 定性 for words, "" otherwise
    value: float | None = None      # the number scored against, in the scale it is written in
    percent_power: int = 0          # -2 for "≥95%", -3 for ‰
    scale_power: int = 0            # 4 for "≥50万元"


@dataclass(frozen=True)
class ActualReading:
    """What a row's 实际完成值 gives the scoring. status: blank | number | words | quantity | unread."""

    status: str
    value: float | None = None      # in the target's written scale, after the unit rules
    assumed: str = ""               # "percent": a bare number read as percentage points; "scale": as 元 for 万元


def _rescale(value: float, power: int) -> float:
    """value x 10**power rounded once (exact for numbers written with at most 15 digits, like the
    sheet's VALUE(digits) * or / 10^k)."""
    return float(Decimal(repr(value)).scaleb(power)) if power else value


def read_target(text, rule: Rule, reading: str = ENGINE) -> TargetReading:
    """A 年度指标值 as the rules read it (ENGINE) or as the template's formulas read it (SHEET)."""
    if is_number(text):
        return TargetReading("number", rule.plain_number, float(text))
    if reading == SHEET:
        r = sheet_reading(text, as_target=True)
        if r.status in ("blank", "words", UNREAD):
            return TargetReading(r.status, QUALITATIVE_DIR if r.status == "words" else "")
        low, high = r.bounds(-r.scale_power)
        value = high if high is not None and rule.range_target == "high" else low
        direction = _BY_COMPARATOR.get(r.comparator, rule.plain_number)
        return TargetReading("quantity", direction, value, r.percent_power, r.scale_power)
    t = parse_target(text)
    if t.kind == QUALITATIVE:
        return TargetReading("words", QUALITATIVE_DIR) if t.text.strip() else TargetReading("blank")
    return TargetReading("quantity", _BY_COMPARATOR.get(t.comparator, rule.plain_number), target_number(t, rule),
                         t.percent_power, t.scale_power)


def _unit_rules(as_written: float, scaled_value, target: TargetReading, plain: bool, bare: bool,
                rescale) -> tuple[float, str]:
    """The actual in the target's written scale. `plain`: no scale word and no percent sign; `bare`:
    nor a unit. A plain number above 1 against a percent target is percentage points ("≥95%" /
    "93.1" is 93.1%); a bare number at least 10^(scale-1) times a target written in 万 or 亿 is in
    元 ("≥50万元" / "480000" is 48万元). Both are flagged for the reviewer."""
    if target.percent_power and plain and as_written > 1:
        return rescale(target.percent_power), "percent"
    t = target.value
    if (target.scale_power and bare and is_number(t) and t > 0
            and as_written / t >= 10.0 ** (target.scale_power - 1)):
        return rescale(-target.scale_power), "scale"
    return (as_written, "") if bare else (scaled_value, "")


def read_actual(text, target: TargetReading, target_text=None, reading: str = ENGINE) -> ActualReading:
    """A 实际完成值 in the scale of its target, as the rules (ENGINE) or the formulas (SHEET) read it."""
    if is_number(text):
        # a number cell is a double, not digits: a unit conversion is rounded to 10 decimals, the same
        # double in every spreadsheet (93.1 / 100 is 0.931, not 0.9309999999999999)
        a = float(text)
        value, assumed = _unit_rules(a, a, target, True, True, lambda p: xround(a * 10.0 ** p if p > 0 else a / 10.0 ** -p, 10))
        return ActualReading("number", value, assumed)
    if reading == SHEET:
        r = sheet_reading(text, as_target=False)
        if r.status != "quantity":
            return ActualReading(r.status)
        as_written = scaled(r.low_digits, 0)
        converted = r.bounds(-target.scale_power)[0]
        value, assumed = _unit_rules(as_written, converted, target, not r.scale_power and not r.percent_power,
                                     r.bare, lambda p: scaled(r.low_digits, p))
        return ActualReading("quantity", value, assumed)
    parsed_target = parse_target(target_text) if target_text is not None else None
    a = parse_actual(text, parsed_target)
    if a.kind == QUALITATIVE:
        return ActualReading("words" if a.text.strip() else "blank")
    as_written = _rescale(a.value, -(a.scale_power + a.percent_power))
    converted = _rescale(a.value, -target.scale_power)
    value, assumed = _unit_rules(as_written, converted, target, not a.scale_word and not a.percent_power, a.bare,
                                 lambda p: _rescale(as_written, p))
    return ActualReading("quantity", value, assumed)


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
    fraction: float | None = None   # None: not scored yet (nothing entered, or waiting)
    level: str = ""                 # qualitative level used
    level_assumed: bool = False     # qualitative row scored with the profile's unselected level
    level_from_words: bool = False  # qualitative row whose actual names a level ("达成")
    unreadable_actual: bool = False  # quantitative row whose actual is not a number
    level_needed: bool = False      # qualitative row whose actual differs from the target, no level chosen
    waiting: bool = False           # waits for input (a level, a number, a direction): its group shows 待定
    unparsed_target: bool = False   # quantitative direction but no number in the target
    unread: str = ""                # SHEET reading: "target" / "actual" the formulas cannot read (待定)
    assumed: str = ""               # the actual's unit was assumed: "percent" / "scale" (see read_actual)
    over: bool = False              # completion at or above the over-achievement threshold
    weight: float | None = None
    score: float | None = None
    group: int = 0


def target_number(target: Target, rule: Rule) -> float | None:
    """The number a parsed target is scored against, in its written scale ("≥50万元" -> 50); a range
    ("2-3次") at the rule's chosen bound."""
    if target.kind == QUALITATIVE:
        return None
    value = target.high if target.comparator == RANGE and rule.range_target == "high" and target.high is not None \
        else target.value
    return _rescale(value, -target.scale_power) if value is not None else None


def actual_number(actual_text, target_text, rule: Rule) -> float | None:
    """The number an actual text reads as, in its target's written scale (the rules' reading)."""
    reading = read_actual(actual_text, read_target(target_text, rule), target_text)
    return reading.value


def _direction(ind: Indicator, target: TargetReading, rule: Rule) -> str:
    override = str(ind.direction or "").strip()
    if override in (POSITIVE, REVERSE, EQUAL, QUALITATIVE_DIR):
        return override
    if target.direction:
        return target.direction
    if is_number(ind.target_value) and target.status != UNREAD:
        return rule.plain_number  # no target text, but a target number was given
    if target.status == UNREAD and not is_blank(ind.level):
        return QUALITATIVE_DIR    # a level chosen for a text the formulas cannot read
    return ""


def helper_values(ind: Indicator, profile: Profile, computed_actual: bool = False) -> tuple[str | None, Any, Any]:
    """(指标方向, 指标值（数值）, 完成值（数值）) a template's helper inputs must hold for its formulas to
    score the row as the rules do: the row's own direction / target_value / actual_value when set;
    otherwise values only where the formulas cannot read a text that the rules read (the builder
    pre-fills them, the add-in's 重新计算 refreshes them). `computed_actual`: the template computes
    the actual (Suzhou 预算执行率)."""
    rule = profile.category(ind.level1).rule
    direction = str(ind.direction).strip() if not is_blank(ind.direction) else None
    tvalue = ind.target_value if is_number(ind.target_value) else None
    avalue = None if computed_actual or not is_number(ind.actual_value) else ind.actual_value
    engine_target = read_target(ind.target, rule, ENGINE)
    if read_target(ind.target, rule, SHEET).status == UNREAD:
        if direction is None and engine_target.direction:
            direction = engine_target.direction
        if tvalue is None and engine_target.status == "quantity":
            tvalue = engine_target.value
    quantitative = (direction or engine_target.direction) in (POSITIVE, REVERSE, EQUAL)
    if (avalue is None and not computed_actual and quantitative and not is_blank(ind.actual)
            and not (isinstance(ind.actual, str) and isinstance(ind.target, str) and same_text(ind.actual, ind.target))
            and sheet_reading(ind.actual, as_target=False).status == UNREAD):
        engine_actual = read_actual(ind.actual, engine_target, ind.target)
        avalue = engine_actual.value if engine_actual.status == "quantity" else 0  # unreadable words count 0
    return direction, tvalue, avalue


def text_values(ind: Indicator, profile: Profile, computed_actual: bool = False) -> tuple[str | None, Any, Any]:
    """(指标方向, 指标值（数值）, 完成值（数值）) as the rules read them from the row's texts alone (what
    重新计算 tells the user a value they typed differs from)."""
    rule = profile.category(ind.level1).rule
    target = read_target(ind.target, rule, ENGINE)
    actual = None
    if not computed_actual and target.direction in (POSITIVE, REVERSE, EQUAL) and not is_blank(ind.actual):
        actual = read_actual(ind.actual, target, ind.target).value
    return target.direction or None, target.value, actual


def score_row(ind: Indicator, profile: Profile, category: Category, started: bool = True,
              reading: str = ENGINE) -> RowResult:
    """Fraction of the weight one indicator row earns (weight groups are applied in score_form).
    `reading` SHEET scores the row as the template's native formulas do: a text they cannot read
    waits (待定) instead of being read."""
    rule = category.rule
    target = read_target(ind.target, rule, reading)
    direction = _direction(ind, target, rule)
    res = RowResult(direction=direction)
    if all(is_blank(v) for v in (ind.name, ind.target, ind.actual)) and not is_number(ind.actual_value):
        return res  # a spare row of the template: never scored
    missing = 0.0 if started else None  # nothing entered: 0 once the form is started, else blank
    texts = isinstance(ind.actual, str) and isinstance(ind.target, str)
    repeated = texts and not is_blank(ind.actual) and same_text(ind.actual, ind.target)
    if not direction and target.status == UNREAD:
        res.unread, res.waiting = "target", True  # the formulas cannot read it: a direction is needed
        return res
    if direction == QUALITATIVE_DIR:
        chosen = profile.chosen_level(ind.level)
        named = None if chosen else profile.level(ind.actual)
        if chosen is not None or named is not None:
            res.level, res.fraction = (chosen or named).label, (chosen or named).score
            res.level_from_words = named is not None
        elif is_blank(ind.actual):
            res.fraction = missing
        elif repeated or profile.unselected_applies == "filled":
            res.level, res.level_assumed = profile.unselected_level.label, True
            res.fraction = profile.unselected_level.score
        else:
            res.level_needed = res.waiting = True  # the actual says something else: only a level can score it
        return res
    t = float(ind.target_value) if is_number(ind.target_value) else target.value
    res.target_value = t
    if t is None:
        res.unparsed_target = target.status == "words"
        res.waiting = target.status in ("words", UNREAD)  # a number is needed to score it as a quantity
        res.unread = "target" if target.status == UNREAD else ""
        res.fraction = None if res.waiting else missing
        return res
    if is_number(ind.actual_value):
        actual = ActualReading("number", float(ind.actual_value))
    elif is_blank(ind.actual):
        res.fraction = missing
        return res
    elif repeated:
        res.completion = res.fraction = 1.0  # the actual repeats the target ("≥266米" / "≥266米"): reached
        return res
    else:
        actual = read_actual(ind.actual, target, ind.target, reading)
    if actual.status == UNREAD:
        res.unread, res.waiting = "actual", True
        return res
    if actual.value is None:
        res.unreadable_actual, res.fraction = True, 0.0  # words where a number is needed
        return res
    a = actual.value
    res.actual_value, res.assumed = a, actual.assumed
    c = completion(direction, t, a, rule)
    res.completion = c
    res.fraction = fraction(c, rule, t=t, a=max(a, 0.0), percent=target.percent_power < 0, direction=direction)
    res.over = bool(profile.overachievement) and direction != REVERSE and c >= profile.overachievement
    return res


# A completion within this of the overshoot threshold counts as reaching it: spreadsheets compare such
# neighbours their own way (LibreOffice treats nearly equal numbers as equal), the sheet and the engine
# both compare with threshold - OVERSHOOT_SLACK.
OVERSHOOT_SLACK = 1e-9


def overshoots(completions: list[float | None], profile: Profile) -> int:
    """Rows whose completion reaches the profile's overshoot threshold (each costs overshoot_points)."""
    if not profile.overshoot_points:
        return 0
    at = profile.overshoot_threshold - OVERSHOOT_SLACK
    return sum(1 for c in completions if c is not None and c >= at)


def group_score(weight, fractions: list[float | None], profile: Profile, overshooting: int = 0,
                deduction=None) -> float | None:
    """Score of one 分值 shared by rows with these fractions, less the overshoot deduction of its
    `overshooting` rows (never below 0), rounded; then less a reviewer's 扣减分数 `deduction`, which
    is taken off the score as the form shows it (never below 0)."""
    got = [f for f in fractions if f is not None]
    if not got or not is_number(weight):
        return None
    share = min(got) if profile.shared_weight_method == "min" else sum(got) / len(got)
    score = float(weight) * share
    if overshooting:
        score = max(0.0, score - profile.overshoot_points * overshooting)
    score = xround(score, profile.score_decimals)
    if profile.reviewer_deduction and is_number(deduction):
        score = xround(max(0.0, score - float(deduction)), profile.score_decimals)
    return score


def total_cap(rate, profile: Profile) -> float | None:
    """The highest 总分 the profile allows at this 执行率 (total_cap bands), None when none applies or
    the rate is unknown."""
    if not profile.total_caps or not is_number(rate):
        return None
    caps = [most for below, most in profile.total_caps if float(rate) < below]
    return min(caps) if caps else None


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
    cap: float | None = None        # the 执行率 band's highest 总分 (total_cap), when one applies
    uncapped: float | None = None   # Σ scores before the cap
    category_scores: dict[str, float] = field(default_factory=dict)
    category_weights: dict[str, float] = field(default_factory=dict)
    total: float | None = None      # None while a weighted group waits (待定) or nothing is scored
    grade: str = ""
    started: bool = False
    pending: int = 0                # weight groups waiting for input: the form shows 待定（n项未计分）

    @property
    def total_text(self) -> str:
        """The 总分 as the form prints it."""
        if self.pending:
            return f"{PENDING}（{self.pending}项未计分）"
        return "" if self.total is None else f"{self.total:.2f}"


def form_started(form: Form) -> bool:
    """A form counts as started once any actual value or executed amount is entered: from then on
    an indicator left empty scores 0 instead of staying blank."""
    if any(not is_blank(i.actual) or is_number(i.actual_value) for i in form.indicators):
        return True
    return any(is_number(r.executed) for r in form.funds)


def score_form(form: Form, profile: Profile, reading: str = ENGINE) -> FormResult:
    """Every score of the form under the profile's rules; `reading` SHEET gives what the template's
    native formulas show (texts they cannot read wait: 待定)."""
    res = FormResult(started=form_started(form))
    if form.funds_total is not None:   # the rate is shown on every funds table; scored as the profile says
        row = form.funds_total
        res.exec_rate = exec_rate(row.executed, exec_base(row, profile), profile)
        if profile.funds_scored:
            weight = form.funds_weight if is_number(form.funds_weight) else None
            res.exec_score = exec_score(row.executed, exec_base(row, profile), profile, weight)
    for ind in form.indicators:
        res.rows.append(score_row(ind, profile, profile.category(ind.level1), res.started, reading))
    for n, group in enumerate(form.weight_groups()):
        head = form.indicators[group[0]]
        for i in group:
            res.rows[i].group = n
        res.rows[group[0]].weight = float(head.weight) if is_number(head.weight) else None
        waiting = any(res.rows[i].waiting for i in group)  # a row waits for input: the group shows 待定
        over = overshoots([res.rows[i].completion for i in group], profile)
        score = None if waiting else group_score(head.weight, [res.rows[i].fraction for i in group], profile, over,
                                                 head.deduction)
        res.pending += waiting and is_number(head.weight)
        res.rows[group[0]].score = score
        cat = profile.category(head.level1).key
        res.category_weights[cat] = res.category_weights.get(cat, 0.0) + (float(head.weight) if is_number(head.weight) else 0.0)
        if score is not None:
            res.category_scores[cat] = xround(res.category_scores.get(cat, 0.0) + score, profile.score_decimals)
    scores = [r.score for r in res.rows if r.score is not None]
    if res.exec_score is not None:
        scores.insert(0, res.exec_score)
    if scores and not res.pending:
        res.total = res.uncapped = total(scores, profile)
        res.cap = total_cap(res.exec_rate, profile)
        if res.cap is not None:
            res.total = xround(min(res.total, res.cap), profile.score_decimals)
        res.grade = grade(res.total, profile)
    return res
