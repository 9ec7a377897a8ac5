"""S: the Suzhou form's budget identities (市级预算执行情况, 市级财政资金使用情况, 项目资金构成)."""
from __future__ import annotations

from ...excel import is_blank, is_number
from ...scoring import budget_rate
from ...targets import to_number
from ..core import ERROR, SUZHOU, WARNING, Context, Hit, amount, differs, num, pct, rule
from .structure import SZ_LABELS


def _a(ctx: Context, key: str) -> float | None:
    return num(ctx.form.amounts.get(key))


def _adjusted(ctx: Context) -> float | None:
    """年初预算数 + 调整数 (a blank adjustment is 0)."""
    i, adj = _a(ctx, "initial"), ctx.form.amounts.get("adjustment")
    if i is None or not (is_blank(adj) or is_number(adj)):
        return None
    return i + (float(adj) if is_number(adj) else 0.0)


def _where(ctx: Context, key: str) -> str:
    return ctx.cell(f"amounts.{key}")


@rule("S01", ERROR, summary="指标结余数 ≠ 年初预算数 + 调整数 − 财政拨款数",
      rationale="苏州填表说明：指标结余数 = 年初预算数 + 当年使用上年结余、结转及当年调整预算数 − 财政拨款数"
                "（样表 1900 + (−812.5) − 812.101021 = 275.398979）。模板中该栏为公式；手填的数须符合此式。",
      fix="按公式更正指标结余数，或恢复模板公式。", layouts=SUZHOU)
def balance_identity(ctx: Context):
    typed, adjusted, appr = _a(ctx, "balance"), _adjusted(ctx), _a(ctx, "appropriated")
    if typed is None or adjusted is None or appr is None:
        return
    expected = adjusted - appr
    if differs(typed, expected, 6):
        yield Hit(f"指标结余数为 {amount(typed)}，按 {amount(_a(ctx, 'initial'))} + ({amount(ctx.form.amounts.get('adjustment') or 0)}) "
                  f"− {amount(appr)} 应为 {amount(expected)}。", _where(ctx, "balance"))


@rule("S02", ERROR, summary="资金结余、结转数 ≠ 财政拨款数 − 实际支付数",
      rationale="苏州填表说明：资金结余、结转数 = 财政拨款数 − 实际支付数。模板中该栏为公式；手填的数须符合此式。",
      fix="按公式更正资金结余、结转数，或恢复模板公式。", layouts=SUZHOU)
def carry_identity(ctx: Context):
    typed, appr, paid = _a(ctx, "carry"), _a(ctx, "appropriated"), _a(ctx, "paid")
    if typed is None or appr is None or paid is None:
        return
    if differs(typed, appr - paid, 6):
        yield Hit(f"资金结余、结转数为 {amount(typed)}，按 财政拨款数 {amount(appr)} − 实际支付数 {amount(paid)} "
                  f"应为 {amount(appr - paid)}。", _where(ctx, "carry"))


@rule("S03", ERROR, summary="资金结余、结转数 ≠ 结转数 + 财政收回数",
      rationale="苏州填表说明：资金结余、结转数 = 财政拨款数 − 实际支付数 = 结转数 + 财政收回数；"
                "拨付未用完的资金要么结转以后年度使用，要么被财政收回。",
      fix="核对结转数和财政收回数，使两者之和等于财政拨款数减实际支付数。", layouts=SUZHOU)
def carry_split(ctx: Context):
    carry = _a(ctx, "carry")
    appr, paid = _a(ctx, "appropriated"), _a(ctx, "paid")
    if carry is None:
        if appr is None or paid is None:
            return
        carry = appr - paid
    parts = [ctx.form.amounts.get(k) for k in ("carryover", "recovered")]
    if any(not is_blank(p) and not is_number(p) for p in parts):
        return
    total = sum(float(p) for p in parts if is_number(p))
    if differs(carry, total, 6):
        yield Hit(f"资金结余、结转数为 {amount(carry)}，但 结转数 {amount(parts[0] or 0)} + 财政收回数 "
                  f"{amount(parts[1] or 0)} = {amount(total)}。",
                  _where(ctx, "carryover") or _where(ctx, "carry"))


@rule("S04", ERROR, summary="子项金额之和 ≠ 合计",
      rationale="项目资金构成中各子项的预算数、实际数之和应等于合计行（样表 1200 + 700 = 1900，"
                "388.632358 + 423.468663 = 812.101021）。模板中合计为公式；手填的合计须符合。",
      fix="核对各子项金额与合计行。", layouts=SUZHOU)
def subitem_total(ctx: Context):
    for key, fld, label in (("sub_total_budget", "budget", "预算数"), ("sub_total_actual", "actual", "实际数")):
        typed = ctx.form.reported.get(key)
        values = [getattr(s, fld) for s in ctx.form.subitems]
        if not is_number(typed) or any(not is_blank(v) and not is_number(v) for v in values):
            continue
        total = sum(float(v) for v in values if is_number(v))
        if differs(typed, total, 6):
            yield Hit(f"子项{label}合计为 {amount(typed)}，但各子项之和为 {amount(total)}。", ctx.cell(key))


@rule("S05", WARNING, summary="子项金额之和与预算执行情况不一致",
      rationale="项目资金构成应覆盖整个项目：子项预算数之和应等于年初预算数（或调整后预算数），"
                "子项实际数之和应等于实际支付数（或财政拨款数）。样表 1900 = 年初预算数，812.101021 = 实际支付数。",
      fix="核对子项资金构成与市级预算执行情况、资金使用情况的金额。", layouts=SUZHOU)
def subitems_vs_amounts(ctx: Context):
    subs = ctx.form.subitems
    if not subs:
        return
    checks = (("budget", "预算数", ("initial", None), "年初预算数"), ("actual", "实际数", ("paid", "appropriated"), "实际支付数"))
    for fld, label, keys, what in checks:
        values = [getattr(s, fld) for s in subs]
        if all(is_blank(v) for v in values) or any(not is_blank(v) and not is_number(v) for v in values):
            continue
        total = sum(float(v) for v in values if is_number(v))
        targets = [_a(ctx, k) for k in keys if k] + ([_adjusted(ctx)] if fld == "budget" else [])
        targets = [t for t in targets if t is not None]
        if targets and all(differs(total, t, 6) for t in targets):
            yield Hit(f"子项{label}之和为 {amount(total)}，与{what} {amount(targets[0])} 不一致。",
                      subs[0].cells.get(fld, ""))


@rule("S06", ERROR, summary="预算执行情况的金额未填",
      rationale="年初预算数、财政拨款数和实际支付数是预算执行率和各项结余的计算依据，必须填写（单位万元）。",
      fix="填写该金额；没有发生的填 0。", layouts=SUZHOU)
def amounts_missing(ctx: Context):
    for key in ("initial", "appropriated", "paid"):
        if is_blank(ctx.form.amounts.get(key)):
            yield Hit(f"“{SZ_LABELS[key]}”未填。", _where(ctx, key))


@rule("S07", ERROR, summary="预算执行率的完成值与金额不符",
      rationale="预算执行率 = 财政拨款数 ÷ (年初预算数 + 当年使用上年结余、结转及当年调整预算数)，"
                "样表 812.101021 ÷ 1087.5 = 74.68%（按年初预算数算则为 42.74%）。模板中该完成值为公式。",
      fix="恢复模板公式，或按 财政拨款数 ÷ 调整后预算数 更正。", layouts=SUZHOU)
def exec_rate_identity(ctx: Context):
    a = ctx.form.amounts
    rate = budget_rate(a, ctx.profile)
    if rate is None:
        return
    name = (ctx.profile.data.get("funds") or {}).get("rate_indicator")
    for i, ind in enumerate(ctx.form.indicators):
        if ind.name != name or "actual_formula" in ind.cells or is_blank(ind.actual):
            continue
        value = float(ind.actual) if is_number(ind.actual) else to_number(ind.actual)
        if value is not None and differs(value, rate, 4):
            yield Hit(f"{ctx.row_name(i)}的实际完成值为 {pct(value)}，按 财政拨款数 {amount(a.get('appropriated'))} ÷ "
                      f"调整后预算数 {amount(_adjusted(ctx))} 应为 {pct(rate)}。", ctx.at(ind, "actual"))
    typed = ctx.form.reported.get("exec_rate")
    value = float(typed) if is_number(typed) else to_number(typed) if isinstance(typed, str) else None
    if value is not None and differs(value, rate, 4) and not any(
            ind.name == name and ind.cells.get("actual") == ctx.cell("exec_rate") for ind in ctx.form.indicators):
        yield Hit(f"预算执行率为 {pct(value)}，按金额应为 {pct(rate)}。", ctx.cell("exec_rate"))


@rule("S08", WARNING, summary="实际支付数超过财政拨款数，或财政拨款数超过调整后预算数",
      rationale="实际支付数不应超过财政拨款数（否则资金结余、结转数为负），财政拨款数不应超过调整后预算数"
                "（否则指标结余数为负）。",
      fix="核对三项金额及其口径（均含非税收入）。", layouts=SUZHOU)
def amount_order(ctx: Context):
    paid, appr, adjusted = _a(ctx, "paid"), _a(ctx, "appropriated"), _adjusted(ctx)
    if paid is not None and appr is not None and paid > appr and differs(paid, appr, 6):
        yield Hit(f"实际支付数 {amount(paid)} 大于财政拨款数 {amount(appr)}。", _where(ctx, "paid"))
    if appr is not None and adjusted is not None and appr > adjusted and differs(appr, adjusted, 6):
        yield Hit(f"财政拨款数 {amount(appr)} 大于调整后预算数 {amount(adjusted)}（年初预算数 + 调整数）。",
                  _where(ctx, "appropriated"))
