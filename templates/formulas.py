"""Native Excel formulas for the engine's rules: the same operations in the same order as
`jixiao.engine.scoring`, so Excel, WPS and LibreOffice show the engine's numbers with no Python at all.

Profile numbers are referenced by name (JX_P_* cells on the hidden sheet 参数, listed by
`jixiao.engine.contract.params`). Functions take the
A1 references of one grid row (`RowRefs`) and return formula text starting with "=". Only functions
every spreadsheet has are used (no _xlfn. ones, nothing volatile, no whole-column references).
"""
from __future__ import annotations

from dataclasses import dataclass

from jixiao.engine.contract import pname
from jixiao.engine.profiles import Profile, Rule
from jixiao.engine.scoring import OVERSHOOT_SLACK, PENDING
from jixiao.engine.targets import STATUS_WORDS

WORDS = STATUS_WORDS["words"]


@dataclass(frozen=True)
class RowRefs:
    """A1 references of one indicator row (e.g. target="E13"): its inputs, the results of reading its
    target and actual texts (templates/text_formulas.py) and its scoring steps."""

    name: str        # 三级指标 / 指标名称
    target: str
    actual: str
    direction: str   # 指标方向 (input)
    tvalue: str      # 指标值（数值）(input)
    avalue: str      # 完成值（数值）(input)
    level: str       # 定性档次 (input)
    t_cleaned: str   # the target text read: cleaned, status (量/文/数/待定/""), direction, number, percent
    t_status: str
    t_direction: str
    t_value: str
    t_percent: str
    a_cleaned: str   # the actual text read: cleaned, status, value in the target's scale, level named
    a_status: str
    a_value: str
    a_level: str
    dir_used: str    # 计分方向
    t: str           # 计分指标值
    a: str           # 计分完成值
    completion: str  # 完成率
    fraction: str    # 得分系数


UNRESOLVED = PENDING  # a target the formulas cannot read, with no direction chosen
WAITING = PENDING     # the 得分系数 of a row that waits for input: its whole 分值 group shows 待定
DIRECTIONS = ("正向", "反向", "等于", "定性")


def _repeated(r: RowRefs) -> str:
    """The actual repeats the target ("合规" / "合规", "≥266米" / "≥266米"), once cleaned."""
    return f'AND(ISTEXT({r.target}),ISTEXT({r.actual}),{r.a_cleaned}<>"",EXACT({r.a_cleaned},{r.t_cleaned}))'


def dir_used(r: RowRefs, rule: Rule) -> str:
    """The direction the row is scored in (jixiao.engine.scoring._direction): the one chosen, else the
    one the target reads as (a bare number: the profile's plain_number; words: 定性); a number in
    指标值（数值）with a blank target is plain_number; a target the formulas cannot read stays 待定
    until a direction is chosen (or a level, which makes it 定性) — never guessed."""
    chosen = "OR(" + ",".join(f'{r.direction}="{d}"' for d in DIRECTIONS) + ")"
    return (f'=IF({chosen},{r.direction},IF({r.t_direction}<>"",{r.t_direction},'
            f'IF({r.t_status}="{PENDING}",IF(TRIM({r.level})<>"","定性","{UNRESOLVED}"),'
            f'IF(ISNUMBER({r.tvalue}),"{rule.plain_number}",""))))')


def t_used(r: RowRefs) -> str:
    return (f'=IF(OR({r.dir_used}="定性",{r.dir_used}="{UNRESOLVED}"),"",IF(ISNUMBER({r.tvalue}),{r.tvalue},'
            f'IF(ISNUMBER({r.t_value}),{r.t_value},"")))')


def a_used(r: RowRefs) -> str:
    return (f'=IF(OR({r.dir_used}="定性",{r.dir_used}="{UNRESOLVED}"),"",IF(ISNUMBER({r.avalue}),{r.avalue},'
            f'IF(ISNUMBER({r.a_value}),{r.a_value},"")))')


def completion(r: RowRefs, rule: Rule) -> str:
    """1 when the actual repeats the target; else a÷t (正向), the reverse rule (反向)…; "" otherwise."""
    t, a = r.t, f"MAX({r.a},0)"
    positive = f"IF({t}<=0,IF({a}>={t},1,0),{a}/{t})"
    equal = f"IF({t}=0,IF({a}<=0,1,0),{positive})"
    beyond = f"{t}/{a}" if rule.reverse == "ratio" else f"MAX(0,2-{a}/{t})"
    reverse = f"IF({a}<={t},1,IF({t}<=0,0,{beyond}))"
    curve = f'IF({r.dir_used}="反向",{reverse},IF({r.dir_used}="等于",{equal},{positive}))'
    return (f'=IF({t}="","",IF(AND(NOT(ISNUMBER({r.avalue})),{_repeated(r)}),1,'
            f'IF({r.a}="","",{curve})))')


def _curve(r: RowRefs, rule: Rule) -> str:
    c = r.completion
    if rule.kind == "proportional":
        return f"MAX(0,MIN(1,{c}))"
    name = rule.name
    lo, hi = pname(name, "full_from"), pname(name, "full_to")
    below, above = pname(name, "below"), pname(name, "above")
    points = f"({lo}-{c})*100"
    if rule.shortfall_basis == "points":
        points = (f'IF(AND({r.t_percent}<0,{r.dir_used}<>"反向"),'
                  f'({r.t}-MAX({r.a},0))*100,{points})')
    return (f"IF({c}<{lo},MAX(0,1-{points}*{below}),"
            f"IF({c}>{hi},MAX(0,1-({c}-{hi})*100*{above}),1))")


def fraction(r: RowRefs, rule: Rule, profile: Profile) -> str:
    """Share of the weight the row earns, in the order of jixiao.engine.scoring.score_row: "" for a
    spare row; 待定 for a row that waits (a target or actual the formulas cannot read, a text target
    with no number, a qualitative actual in other words than the target with no level chosen), which
    leaves its whole 分值 group 待定; 0 for an actual in words against a quantity; the rule's curve.
    A single-cell array formula (the level names are matched with EXACT over a list)."""
    missing = 'IF(JX_STARTED,0,"")'
    repeated = _repeated(r)
    default = (pname("unselected") if profile.unselected_applies == "filled"
               else f'IF({repeated},{pname("unselected")},"{WAITING}")')
    qualitative = (f'IFERROR(INDEX(JX_P_LEVEL_SCORE,MATCH(TRUE,EXACT(JX_P_LEVEL_NAME,TRIM({r.level})),0)),'
                   f'IF({r.a_level}<>"",{r.a_level},IF({r.a_status}="",{missing},{default})))')
    spare = f'AND({r.name}="",{r.target}="",{r.actual}="",NOT(ISNUMBER({r.avalue})))'
    no_target = f'IF(OR({r.t_status}="{WORDS}",{r.t_status}="{PENDING}"),"{WAITING}",{missing})'
    quantity = (f'IF(ISNUMBER({r.avalue}),{_curve(r, rule)},IF({r.a_status}="",{missing},'
                f'IF({repeated},1,IF({r.a_status}="{PENDING}","{WAITING}",IF({r.a_value}="",0,{_curve(r, rule)})))))')
    return (f'=IF({spare},"",IF({r.dir_used}="定性",{qualitative},IF({r.dir_used}="{UNRESOLVED}","{WAITING}",'
            f'IF({r.t}="",{no_target},{quantity}))))')


def group_score(weight: str, fractions: str, profile: Profile, completions: str = "", deduction: str = "") -> str:
    """One 分值 over the rows whose fractions are in `fractions` (e.g. "R13:R14"): 待定 while a row
    waits, never a number computed without it. With an overshoot deduction (profile
    overshoot_deduction), each row of `completions` at or above the threshold costs its points, the
    score never below 0 (jixiao.engine.scoring.group_score)."""
    share = f"MIN({fractions})" if profile.shared_weight_method == "min" else f"AVERAGE({fractions})"
    dec = pname("score_decimals")
    score = f"{weight}*{share}"
    if profile.overshoot_points and completions:
        # COUNTIF skips the blank ("") completions of qualitative and unscored rows
        slack = f"{OVERSHOOT_SLACK:.0E}".replace("E-0", "E-")
        over = f'COUNTIF({completions},">="&({pname("overshoot")}-{slack}))'
        score = f"MAX(0,{score}-{pname('overshoot', 'points')}*{over})"
    score = f"ROUND({score},{dec})"
    if profile.reviewer_deduction and deduction:
        score = deducted(score, deduction)
    return (f'=IF(NOT(ISNUMBER({weight})),"",IF(COUNTIF({fractions},"{WAITING}")>0,"{WAITING}",'
            f'IF(COUNT({fractions})=0,"",{score})))')


def deducted(score: str, deduction: str) -> str:
    """A score as shown less a reviewer's 扣减分数 (SUM counts a blank or a text as 0), never below 0."""
    return f"ROUND(MAX(0,{score}-SUM({deduction})),{pname('score_decimals')})"


def total_cap(rate: str, profile: Profile) -> str:
    """The highest 总分 at the 执行率 in `rate` (profile total_cap bands); 1E+300 when none applies or the
    rate is blank (jixiao.engine.scoring.total_cap)."""
    bands = ",".join(f'IF({rate}<{pname("cap", str(i), "below")},{pname("cap", str(i), "max")},1E+300)'
                     for i in range(1, len(profile.total_caps) + 1))
    return f"IF(ISNUMBER({rate}),MIN({bands}),1E+300)"


def exec_rate(executed: str, budget: str) -> str:
    return (f'=IF(AND(ISNUMBER({executed}),ISNUMBER({budget})),IF({budget}>0,'
            f'ROUND({executed}/{budget},{pname("rate_decimals")}),""),"")')


def exec_score(rate: str, weight: str, profile: Profile) -> str:
    w = f"IF(ISNUMBER({weight}),{weight},{pname('funds_weight')})"
    capped = f"MIN({rate},1)" if profile.funds_cap else rate
    return f'=IF({rate}="","",ROUND(MAX(0,{capped}*{w}),{pname("score_decimals")}))'


def suzhou_exec_rate(initial: str, adjustment: str, appropriated: str) -> str:
    """预算执行率 = 财政拨款数 ÷ (年初预算数 + 调整数); blanks count as 0."""
    budget = f"SUM({initial},{adjustment})"   # blanks as 0 (N() of a blank is #NUM! in Gnumeric)
    return (f'=IF(AND(ISNUMBER({appropriated}),{budget}>0),'
            f'ROUND({appropriated}/{budget},{pname("rate_decimals")}),"")')


def started(actuals: str, avalues: str, executed: str | None) -> str:
    parts = [f'SUMPRODUCT(--({actuals}<>""))>0', f"COUNT({avalues})>0"]
    if executed:
        parts.append(f"COUNT({executed})>0")
    return f"=OR({','.join(parts)})"


def total(score_refs: list[str], scores: str, profile: Profile, rate: str = "JX_EXEC_RATE") -> str:
    """总分: "待定（n项未计分）" while any 分值 group of `scores` (the indicator score column) waits —
    a printed form never shows a total lower than the rules give — else the rounded sum, capped by
    the 执行率 band (profile total_cap) when one applies."""
    refs = ",".join(score_refs)
    pending = f'COUNTIF({scores},"{WAITING}")'
    dec = pname("score_decimals")
    value = f"ROUND(SUM({refs}),{dec})"
    if profile.total_caps:
        value = f"ROUND(MIN({value},{total_cap(rate, profile)}),{dec})"
    return (f'=IF({pending}>0,"{PENDING}（"&{pending}&"项未计分）",'
            f'IF(COUNT({refs})=0,"",{value}))')


def grade(total_ref: str, profile: Profile) -> str:
    x = f"ROUND({total_ref},{pname('score_decimals')})"
    if profile.grade_basis == "percent":
        x = f"ROUND({x}/{pname('max_total')}*100,{pname('score_decimals')})"
    n = len(profile.grades)
    expr = pname("grade", str(n), "name")
    for i in range(n - 1, 0, -1):
        expr = f"IF({x}>={pname('grade', str(i), 'min')},{pname('grade', str(i), 'name')},{expr})"
    return f'=IF(ISNUMBER({total_ref}),{expr},IF({total_ref}="","","{PENDING}"))'


def equal_split_weight(total_name: str, name_cell: str, block: str, upto: str, remainder: str,
                       decimals: int) -> str:
    """Suzhou weights: 类别总分 ÷ 指标个数 truncated, and the remainder on one named row (the middle
    one by default) so the sum is exact; rows without an indicator name get no weight. `block` is
    the category's name cells, `upto` the name cells from the block's top to this row."""
    n = f"COUNTA({block})"
    base = f"ROUNDDOWN({total_name}/{n},{decimals})"
    at = {"first": "1", "last": n}.get(remainder, f"INT({n}/2)+1")
    rest = f"ROUND({total_name}-{base}*({n}-1),{decimals})"
    return f'=IF({name_cell}="","",IF(COUNTA({upto})={at},{rest},{base}))'


# 指标性质 / 度量单位 columns (jixiao.engine.nature: the same rule in Python) -------------------------------

def _plain_number(ref: str) -> str:
    """A number, or a text that is exactly the general-format text of its own value ("95", not "95%")."""
    return f'OR(ISNUMBER({ref}),IFERROR(--{ref}&""={ref},FALSE))'


def composed_target(nature: str, target: str, unit: str) -> str:
    """指标性质 & 指标值 & 度量单位 ("≥" 95 "%" -> "≥95%") when 指标值 is a plain number and 指标性质 is not
    定性; else 指标值 as text."""
    return f'=IF(AND({nature}<>"定性",{_plain_number(target)}),{nature}&{target}&{unit},{target}&"")'


def composed_actual(nature: str, actual: str, unit: str) -> str:
    """完成值 & 度量单位 when 完成值 is a plain number, 度量单位 is not blank and 指标性质 is not 定性."""
    return f'=IF(AND({nature}<>"定性",{unit}&""<>"",{_plain_number(actual)}),{actual}&{unit},{actual}&"")'


def adjustment(initial: str, budget: str) -> str:
    """年度预算调整 = 调整后预算 − 年初预算 (部门整体支出 funds rows), blank unless both are numbers."""
    return f'=IF(COUNT({initial},{budget})<2,"",{budget}-{initial})'

