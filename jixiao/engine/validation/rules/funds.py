"""F: the national funds block (年初预算数 / 全年预算数 / 全年执行数, 执行率 and its score)."""
from __future__ import annotations

from ...excel import is_blank, is_number
from ...targets import to_number
from ..core import ERROR, NATIONAL, WARNING, Context, Hit, amount, differs, fmt, num, pct, rule
from .structure import AMOUNT_LABELS


def _funds(ctx: Context) -> bool:
    """The form has a funds table (its rate is shown whether or not the profile scores it)."""
    return bool(ctx.form.funds)


@rule("F01", ERROR, summary="资金合计行不等于各分项之和",
      rationale="年度资金总额（合计）= 当年财政拨款 + 上年结转 + 其他资金，每一列（年初预算数、全年预算数、"
                "全年执行数）都应成立；执行率按合计行计算，合计与分项不符时得分无从核对"
                "（如池州某表合计行填 0 而分项为 90 万元）。只比较分项已填写的列。",
      fix="核对合计行与各分项金额，使合计等于分项之和。", layouts=NATIONAL)
def funds_sum(ctx: Context):
    if not _funds(ctx) or len(ctx.form.funds) < 2:
        return
    total, subs = ctx.form.funds[0], ctx.form.funds[1:]
    for key, label in AMOUNT_LABELS.items():
        values = [getattr(r, key) for r in subs]
        if all(is_blank(v) for v in values) or any(not is_blank(v) and not is_number(v) for v in values):
            continue
        t = getattr(total, key)
        if not is_blank(t) and not is_number(t):
            continue
        s = sum(float(v) for v in values if is_number(v))
        if is_blank(t) or differs(t, s, 6):
            parts = " + ".join(amount(v) if is_number(v) else "0" for v in values)
            yield Hit(f"“{total.label or '合计'}”的{label}为 {amount(t)}，但各分项之和为 {parts} = {amount(s)}。",
                      total.cells.get(key, ""))


def _budget_word(ctx: Context) -> str:
    """The budget column as the form calls it (全年预算数, or 调整后预算数 where the profile names it so)."""
    p = ctx.profile
    return p.funds_denominator if p.denominator == "budget" else "全年预算数"


@rule("F02", WARNING, summary="全年执行数超过全年预算数",
      rationale="执行数一般不应超过调整后的预算数；超过时执行率大于 100%，得分按分值封顶，"
                "复核时需要说明原因（如超支、口径不一致或填错列）。",
      fix="核对全年执行数和全年预算数；确属超支的，请在自评报告中说明原因。", layouts=NATIONAL)
def executed_over_budget(ctx: Context):
    if not _funds(ctx):
        return
    for row in ctx.form.funds:
        e, b = num(row.executed), num(row.budget)
        if e is not None and b is not None and b > 0 and e > b and differs(e, b, 6):
            yield Hit(f"“{row.label or row.key}”的全年执行数 {amount(e)} 大于{_budget_word(ctx)} {amount(b)}。",
                      row.cells.get("executed", ""))


@rule("F03", WARNING, summary="全年预算数为 0 或未填，执行率无法计算",
      rationale="执行率 = 全年执行数 ÷ 全年预算数；预算数为 0 或空时执行率和执行率得分都无法计算"
                "（部分系统此时记 0 分），须填写或说明。",
      fix="在合计行填写全年预算数（调整后预算数，单位万元）；确无预算的项目请说明情况。", layouts=NATIONAL)
def budget_zero(ctx: Context):
    if not _funds(ctx):
        return
    total = ctx.form.funds[0]
    key, label = ctx.profile.denominator, ctx.profile.funds_denominator   # what 执行率 divides by
    b = getattr(total, key)
    if is_number(b) and float(b) <= 0:
        yield Hit(f"合计行的{label}为 {amount(b)}，执行率无法计算。", total.cells.get(key, ""))
    elif is_blank(b) and (ctx.started or not is_blank(total.executed)):
        yield Hit(f"合计行的{label}未填，执行率无法计算。", total.cells.get(key, ""))


@rule("F04", WARNING, summary="全年预算数与年初预算数不同（预算有调整）",
      rationale="全年预算数是调整后的预算；与年初预算数不同说明年内有追加或调减，复核要求说明调整原因"
                "（四川等地表格设有专门说明栏）。执行率必须按全年预算数计算，不能按年初预算数。",
      fix="请在自评报告中说明预算调整的原因和金额。", layouts=NATIONAL)
def budget_adjusted(ctx: Context):
    if not _funds(ctx):
        return
    total = ctx.form.funds[0]
    i, b = num(total.initial), num(total.budget)
    if i is not None and b is not None and differs(i, b, 6):
        change = b - i
        word = "调增" if change > 0 else "调减"
        yield Hit(f"{_budget_word(ctx)} {amount(b)} 与年初预算数 {amount(i)} 不同（{word} {amount(abs(change))} 万元）："
                  "预算有调整，须说明原因。", total.cells.get("budget", ""))


@rule("F05", WARNING, summary="执行率低于规定值，须说明原因",
      rationale="预算执行率未达到规则规定的比例（规则配置 funds.low_rate_explanation_below：全国规则为 100%，"
                "四川为 90%）时须说明原因。表上有说明栏的（funds.low_rate_reason 指定的栏目，如四川表的“原因”），"
                "该栏未填才列出；没有说明栏的表，作为警告列出，请在自评报告中说明。",
      fix="在自评报告（或年度总体目标的实际完成情况）中说明执行率偏低的原因和改进措施。", layouts=NATIONAL)
def low_exec_rate(ctx: Context):
    if not _funds(ctx):
        return
    funds = ctx.profile.data.get("funds") or {}
    floor = funds.get("low_rate_explanation_below")
    rate = ctx.result.exec_rate
    if floor is None or rate is None or rate >= float(floor):
        return
    reason = funds.get("low_rate_reason")      # the form's own cell for it (四川：预算执行情况的“原因”栏)
    if reason:
        if str(ctx.form.texts.get(reason) or "").strip():
            return
        label = next((t.get("label", reason) for t in ctx.profile.data.get("texts") or [] if t.get("key") == reason), reason)
        yield Hit(f"执行率为 {pct(rate)}，低于 {pct(floor)}，但“{label}”未填写：须说明执行率偏低的原因。",
                  ctx.cell(f"texts.{reason}"), f"在“{label}”栏说明执行率偏低的原因。")
        return
    yield Hit(f"执行率为 {pct(rate)}，低于 {pct(floor)}：须说明执行率偏低的原因。",
              ctx.cell("exec_rate") or ctx.form.funds[0].cells.get("executed", ""))


@rule("F06", ERROR, summary="填写的执行率与规则计算结果不符",
      rationale="执行率 = 全年执行数 ÷ 全年预算数（不是 ÷ 年初预算数；规则配置 funds.denominator 可改为年初预算数），"
                "保留两位小数的百分比。"
                "手填的执行率与按金额计算的不一致时，以计算结果为准。",
      fix="删除手填的执行率，恢复模板公式；或按 全年执行数 ÷ 全年预算数 更正。", layouts=NATIONAL)
def exec_rate_typed(ctx: Context):
    if not _funds(ctx) or "exec_rate" not in ctx.form.reported:
        return
    typed = ctx.form.reported["exec_rate"]
    value = float(typed) if is_number(typed) else to_number(typed)
    rate = ctx.result.exec_rate
    if value is None or rate is None:
        return
    if differs(value, rate, 4):
        total = ctx.form.funds[0]
        hint = ""
        other = "budget" if ctx.profile.denominator == "initial" else "initial"   # the column it should not use
        if num(getattr(total, other)) and num(total.executed) is not None and not differs(
                value, num(total.executed) / num(getattr(total, other)), 4):
            hint = f"（看起来是按{'全年预算数' if other == 'budget' else '年初预算数'}计算的）"
        yield Hit(f"表中执行率为 {pct(value)}，按 全年执行数 {amount(total.executed)} ÷ {ctx.profile.funds_denominator} "
                  f"{amount(getattr(total, ctx.profile.denominator))} 应为 {pct(rate)}{hint}。", ctx.cell("exec_rate"))


@rule("F07", ERROR, summary="填写的执行率得分与规则计算结果不符或超过分值",
      rationale="执行率得分 = 执行率 × 分值，保留两位小数，最高不超过分值（全国规则分值 10 分）。",
      fix="删除手填的得分，恢复模板公式；或按 执行率 × 分值 更正（不超过分值）。", layouts=NATIONAL)
def exec_score_typed(ctx: Context):
    if not (_funds(ctx) and ctx.profile.funds_scored) or "exec_score" not in ctx.form.reported:
        return
    typed = ctx.form.reported["exec_score"]
    if not is_number(typed):
        return
    weight = num(ctx.form.funds_weight)
    weight = ctx.profile.funds_weight if weight is None else weight
    score = ctx.result.exec_score
    where = ctx.cell("exec_score")
    if float(typed) > weight and differs(typed, weight, ctx.decimals):
        yield Hit(f"执行率得分 {fmt(typed)} 超过分值 {fmt(weight, 0)}。", where)
    elif score is not None and differs(typed, score, ctx.decimals):
        yield Hit(f"表中执行率得分为 {fmt(typed)}，按执行率 {pct(ctx.result.exec_rate)} × 分值 {fmt(weight, 0)} "
                  f"应为 {fmt(score)}。", where)


@rule("F08", ERROR, summary="已填报指标但合计行全年执行数未填",
      rationale="执行率得分按合计行的全年执行数计算；指标已开始填报而执行数为空，执行率得分为空，总分偏低。",
      fix="在合计行填写全年执行数（单位万元）。", layouts=NATIONAL)
def executed_missing(ctx: Context):
    if not _funds(ctx):
        return
    total = ctx.form.funds[0]
    if is_blank(total.executed) and any(not is_blank(i.actual) for i in ctx.form.indicators):
        yield Hit("合计行的全年执行数未填，执行率和执行率得分无法计算。", total.cells.get("executed", ""))


@rule("F09", WARNING, summary="资金金额为负数",
      rationale="年初预算数、全年预算数和全年执行数不应为负数；负数多为录入错误（如把调减额填入预算数栏）。",
      fix="核对金额并改为正数；预算调减请直接填写调整后的全年预算数。", layouts=NATIONAL)
def negative_amount(ctx: Context):
    if not _funds(ctx):
        return
    for row in ctx.form.funds:
        for key, label in AMOUNT_LABELS.items():
            v = num(getattr(row, key))
            if v is not None and v < 0:
                yield Hit(f"“{row.label or row.key}”的{label}为负数 {amount(v)}。", row.cells.get(key, ""))
