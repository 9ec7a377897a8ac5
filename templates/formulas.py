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


@dataclass(frozen=True)
class RowRefs:
    """A1 references of one indicator row (e.g. target="E13")."""

    name: str        # 三级指标 / 指标名称
    target: str
    actual: str
    direction: str   # J 指标方向 (input)
    tvalue: str      # K 指标值（数值）(input)
    avalue: str      # L 完成值（数值）(input)
    level: str       # M 定性档次 (input)
    dir_used: str    # N 计分方向
    t: str           # O 计分用指标值
    a: str           # P 计分用完成值
    completion: str  # Q 完成率
    fraction: str    # R 得分系数


UNRESOLVED = "待定"  # a text target with no direction chosen: a sheet formula cannot read text
WAITING = "待定"     # the 得分系数 of a row that waits for input: its whole 分值 group shows no score


def dir_used(r: RowRefs, rule: Rule) -> str:
    """The direction the row is scored in. Without a direction chosen, a number is scored as the
    profile's plain_number direction, a chosen level makes it qualitative, and a text target stays
    待定 (not scored, marked) until a direction or 指标值（数值）is filled in — never guessed."""
    return (f'=IF({r.direction}<>"",{r.direction},IF(OR(ISNUMBER({r.tvalue}),ISNUMBER({r.target})),'
            f'"{rule.plain_number}",IF({r.target}="","",IF({r.level}<>"","定性","{UNRESOLVED}"))))')


def t_used(r: RowRefs) -> str:
    return (f'=IF({r.dir_used}="定性","",IF(ISNUMBER({r.tvalue}),{r.tvalue},'
            f'IF(ISNUMBER({r.target}),{r.target},"")))')


def a_used(r: RowRefs) -> str:
    return (f'=IF({r.dir_used}="定性","",IF(ISNUMBER({r.avalue}),{r.avalue},'
            f'IF(ISNUMBER({r.actual}),{r.actual},"")))')


def completion(r: RowRefs, rule: Rule) -> str:
    t, a = r.t, f"MAX({r.a},0)"
    positive = f"IF({t}<=0,IF({a}>={t},1,0),{a}/{t})"
    equal = f"IF({t}=0,IF({a}<=0,1,0),{positive})"
    beyond = f"{t}/{a}" if rule.reverse == "ratio" else f"MAX(0,2-{a}/{t})"
    reverse = f"IF({a}<={t},1,IF({t}<=0,0,{beyond}))"
    return (f'=IF(OR({t}="",{r.a}=""),"",IF({r.dir_used}="反向",{reverse},'
            f'IF({r.dir_used}="等于",{equal},{positive})))')


def _curve(r: RowRefs, rule: Rule) -> str:
    c = r.completion
    if rule.kind == "proportional":
        return f"MAX(0,MIN(1,{c}))"
    name = rule.name
    lo, hi = pname(name, "full_from"), pname(name, "full_to")
    below, above = pname(name, "below"), pname(name, "above")
    points = f"({lo}-{c})*100"
    if rule.shortfall_basis == "points":
        points = (f'IF(AND(ISNUMBER(SEARCH("%",{r.target})),{r.dir_used}<>"反向"),'
                  f'({r.t}-MAX({r.a},0))*100,{points})')
    return (f"IF({c}<{lo},MAX(0,1-{points}*{below}),"
            f"IF({c}>{hi},MAX(0,1-({c}-{hi})*100*{above}),1))")


def fraction(r: RowRefs, rule: Rule, profile: Profile) -> str:
    """Share of the weight the row earns: "" for a spare row; "待定" for a row waiting for input (a
    qualitative level, or a direction / 指标值（数值）for a text target), which leaves its whole 分值
    group unscored rather than scored on the other rows. An actual written as text with
    no 完成值（数值）counts 0 unless it reads as the target, like the engine for unreadable text; the
    sheet marks the cell and rule I15 says when the engine reads a number the sheet did not."""
    missing = 'IF(JX_STARTED,0,"")'
    same_text = f"TRIM({r.actual})=TRIM({r.target})"
    default = (pname("unselected") if profile.unselected_applies == "filled"
               else f'IF({same_text},{pname("unselected")},"{WAITING}")')
    qualitative = (f'IFERROR(INDEX(JX_P_LEVEL_SCORE,MATCH({r.level},JX_P_LEVEL_NAME,0)),'
                   f'IF({r.actual}="",{missing},{default}))')
    text_actual = f'IF({r.actual}="",{missing},IF({same_text},1,0))'  # a text the sheet cannot read: 0, marked
    spare = f'AND({r.name}="",{r.target}="",{r.actual}="",NOT(ISNUMBER({r.avalue})))'
    # a text target with a direction but no 指标值（数值）waits too
    no_target = f'IF(AND(ISTEXT({r.target}),{r.target}<>""),"{WAITING}",{missing})'
    return (f'=IF({spare},"",IF({r.dir_used}="定性",{qualitative},IF({r.dir_used}="{UNRESOLVED}","{WAITING}",'
            f'IF({r.t}="",{no_target},IF({r.a}="",{text_actual},{_curve(r, rule)})))))')


def group_score(weight: str, fractions: str, profile: Profile) -> str:
    """One 分值 over the rows whose fractions are in `fractions` (e.g. "R13:R14")."""
    share = f"MIN({fractions})" if profile.shared_weight_method == "min" else f"AVERAGE({fractions})"
    return (f'=IF(OR(NOT(ISNUMBER({weight})),COUNT({fractions})=0,COUNTIF({fractions},"{WAITING}")>0),"",'
            f'ROUND({weight}*{share},{pname("score_decimals")}))')


def exec_rate(executed: str, budget: str) -> str:
    return (f'=IF(AND(ISNUMBER({executed}),ISNUMBER({budget})),IF({budget}>0,'
            f'ROUND({executed}/{budget},{pname("rate_decimals")}),""),"")')


def exec_score(rate: str, weight: str, profile: Profile) -> str:
    w = f"IF(ISNUMBER({weight}),{weight},{pname('funds_weight')})"
    capped = f"MIN({rate},1)" if profile.funds_cap else rate
    return f'=IF({rate}="","",ROUND(MAX(0,{capped}*{w}),{pname("score_decimals")}))'


def suzhou_exec_rate(initial: str, adjustment: str, appropriated: str) -> str:
    """预算执行率 = 财政拨款数 ÷ (年初预算数 + 调整数); blanks count as 0."""
    budget = f"(N({initial})+N({adjustment}))"
    return (f'=IF(AND(ISNUMBER({appropriated}),{budget}>0),'
            f'ROUND({appropriated}/{budget},{pname("rate_decimals")}),"")')


def started(actuals: str, avalues: str, executed: str | None) -> str:
    parts = [f'SUMPRODUCT(--({actuals}<>""))>0', f"COUNT({avalues})>0"]
    if executed:
        parts.append(f"COUNT({executed})>0")
    return f"=OR({','.join(parts)})"


def total(score_refs: list[str], profile: Profile) -> str:
    refs = ",".join(score_refs)
    return f'=IF(COUNT({refs})=0,"",ROUND(SUM({refs}),{pname("score_decimals")}))'


def grade(total_ref: str, profile: Profile) -> str:
    x = f"ROUND({total_ref},{pname('score_decimals')})"
    if profile.grade_basis == "percent":
        x = f"ROUND({x}/{pname('max_total')}*100,{pname('score_decimals')})"
    n = len(profile.grades)
    expr = pname("grade", str(n), "name")
    for i in range(n - 1, 0, -1):
        expr = f"IF({x}>={pname('grade', str(i), 'min')},{pname('grade', str(i), 'name')},{expr})"
    return f'=IF({total_ref}="","",{expr})'


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
