"""P: the form's structure and its number cells."""
from __future__ import annotations

import re

from ...excel import is_blank, is_number
from ...targets import to_number
from ..core import ERROR, NATIONAL, WARNING, Context, Hit, differs, first_line, num, rule, row_of

AMOUNT_LABELS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}
SZ_LABELS = {"initial": "年初预算数", "adjustment": "当年使用上年结余、结转及当年调整预算数",
             "appropriated": "财政拨款数", "balance": "指标结余数", "paid": "实际支付数",
             "carry": "资金结余、结转数", "carryover": "结转数", "recovered": "财政收回数"}


def _number_cells(ctx: Context):
    """(value, where, what) of every cell that must hold a number."""
    form = ctx.form
    for row in form.funds:
        for key, label in AMOUNT_LABELS.items():
            yield getattr(row, key), row.cells.get(key, ""), f"“{row.label or row.key}”的{label}"
    if form.funds and ctx.profile.funds_scored:
        yield form.funds_weight, ctx.cell("funds_weight"), "预算执行率分值"
    for key, value in form.amounts.items():
        yield value, ctx.cell(f"amounts.{key}"), SZ_LABELS.get(key, key)
    for item in form.subitems:
        yield item.budget, item.cells.get("budget", ""), f"子项“{item.name}”的预算数"
        yield item.actual, item.cells.get("actual", ""), f"子项“{item.name}”的实际数"
    for spec in ctx.profile.data.get("header") or []:
        if spec.get("number"):
            key = spec["key"]
            yield form.header.get(key), ctx.cell(f"header.{key}"), spec.get("label", key)
    for i, ind in enumerate(form.indicators):
        name = ctx.row_name(i)
        if not ind.shares_weight:
            yield ind.weight, ind.cells.get("weight", ""), f"{name}的分值"
        yield ind.reported_score, ind.cells.get("score", ""), f"{name}的得分"
        yield ind.deduction, ind.cells.get("deduction", ""), f"{name}的扣减分数"
        yield ind.target_value, ind.cells.get("target_value", ""), f"{name}的指标值（数值）"
        yield ind.actual_value, ind.cells.get("actual_value", ""), f"{name}的完成值（数值）"
    for key, label in (("total", "总分"), ("exec_score", "执行率得分"), ("exec_rate", "执行率"),
                       ("sub_total_budget", "子项预算数合计"), ("sub_total_actual", "子项实际数合计")):
        if key in form.reported:
            yield form.reported[key], ctx.cell(key), label


@rule("P01", ERROR, summary="数字栏填了文字（如“470万元”“１５个”）",
      rationale="金额、分值、得分等栏目参与公式计算；单元格里是文字时 Excel/WPS 的公式把它当作 0 或报错，"
                "财政系统导入也会失败（预算一体化系统导入校验“不能为非数值”）。全角数字、带单位的数、"
                "以文字形式保存的数字都属此类。",
      fix="请只填数字：去掉“万元”“个”“分”等文字，全角数字改为半角，百分数填 95% 或 0.95。")
def text_in_number_cells(ctx: Context):
    for value, where, what in _number_cells(ctx):
        if is_blank(value) or is_number(value):
            continue
        text = str(value)
        row = row_of(where)
        place = f"第{row}行" if row and not what.startswith("第") else ""
        readable = to_number(text)
        hint = f"（看起来是 {readable:g}）" if readable is not None else ""
        yield Hit(f"{place}{what}填的是文字“{text}”{hint}，不是数字：请只填数字。", where)


@rule("P02", ERROR, summary="指标行的一级指标无法识别",
      rationale="每个指标按所属一级指标计分、汇总分值；一级指标为空或不是规则中的名称时，这一行无法计分。",
      fix="在一级指标栏填写（或合并到）规则中的一级指标名称，如“产出指标”“效益指标”“满意度指标”。")
def unknown_category(ctx: Context):
    labels = "、".join(c.label for c in ctx.profile.categories)
    for i, (ind, cat) in enumerate(zip(ctx.form.indicators, ctx.categories)):
        if cat is None:
            written = first_line(ind.level1)
            what = f"一级指标“{written}”不是规则中的一级指标" if ind.level1 else "没有一级指标"
            near = nearest_label(written, ctx) if written else None
            hint = f"（是不是“{near}”？）" if near else ""
            yield Hit(f"{ctx.row_name(i)}{what}{hint}（可用：{labels}），无法计分。", ctx.at(ind, "level1"))


def nearest_label(text: str, ctx: Context) -> str | None:
    """The profile's 一级 label closest to what was written ("产出" -> "产出指标")."""
    import difflib
    labels = [c.label for c in ctx.profile.categories]
    hit = difflib.get_close_matches(text, labels, n=1, cutoff=0.4)
    if hit:
        return hit[0]
    return next((lb for lb in labels if text and (text in lb or lb in text)), None)


@rule("P03", WARNING, summary="二级指标未填或不在规定的二级指标中",
      rationale="财预〔2020〕10号的自评表按一级、二级、三级指标组织（产出指标下为数量、质量、时效、成本指标等）；"
                "二级指标缺失或写法不同，复核时无法对照。",
      fix="二级指标请从规定名称中选用，如“数量指标”“质量指标”“时效指标”“成本指标”“社会效益指标”等。",
      layouts=NATIONAL)
def unknown_subcategory(ctx: Context):
    for i, (ind, cat) in enumerate(zip(ctx.form.indicators, ctx.categories)):
        if cat is None or not cat.subcategories:
            continue
        l2 = first_line(ind.level2)
        if not l2:
            yield Hit(f"{ctx.row_name(i)}未填二级指标。", ctx.at(ind, "level2"))
        elif l2 not in cat.subcategories:
            yield Hit(f"{ctx.row_name(i)}的二级指标“{l2}”不在{cat.label}的规定二级指标中"
                      f"（{'、'.join(cat.subcategories)}）。", ctx.at(ind, "level2"))


def _same_param(have, value) -> bool:
    if is_number(value):
        n = num(have)
        return n is not None and not differs(n, value, 9)
    return str(have if have is not None else "") == str(value)


@rule("P04", ERROR, summary="参数表（隐藏的“参数”工作表）与规则配置不一致",
      rationale="模板的公式按隐藏“参数”表里的数字计分（满分区间、扣分比例、等级分数线、定性档次得分等）；"
                "这些数字被改动后，表内显示的得分就不再是规则的结果，复核按规则重算时会对不上。",
      fix="不要修改“参数”工作表；请用 jixiao 按本年度规则重新生成模板（jixiao fill 或新建下一年度），"
          "或由财政部门修改规则配置文件后统一下发。")
def params_changed(ctx: Context):
    from ...contract import params
    got = ctx.form.params
    if not got:
        return
    for name, value, note in params(ctx.profile):
        if name not in got or name == "JX_P_OVER" and not value:
            continue
        have = got[name]
        if not _same_param(have, value):
            yield Hit(f"参数“{note}”（{name}）在表中为 {have}，规则配置“{ctx.profile.name}”为 {value}："
                      "表内公式会按表中的数计分。", ctx.cell(f"params.{name}"))
    levels = got.get("JX_P_LEVEL_SCORE")
    if levels is not None:
        expected = [score for _, score in ctx.profile.level_names()]
        if len(levels) != len(expected) or not all(_same_param(a, b) for a, b in zip(levels, expected)):
            yield Hit(f"定性档次的得分比例在表中为 {levels}，规则配置为 {expected}。", ctx.cell("params.JX_P_LEVEL_SCORE"))


def _has_amount(ctx: Context) -> bool:
    form = ctx.form
    values = [getattr(r, k) for r in form.funds for k in AMOUNT_LABELS] + list(form.amounts.values())
    values += [v for s in form.subitems for v in (s.budget, s.actual)]
    return any(is_number(v) and float(v) != 0 for v in values)


@rule("P05", ERROR, summary="空白表：没有填写指标，或既无完成值也无资金",
      rationale="收回的表中没有单位自己填写的绩效指标（模板自带的共性指标不算），或者指标没有任何实际完成值、资金也没有"
                "任何金额：这是一张空白或几乎空白的表，无法自评计分，逐条列出“未填写”也没有意义。发现空白表时只报告这一条。",
      fix="请填写项目的绩效指标和资金情况后重新报送；如报错了文件，请换成填好的自评表。", exclusive=True,
      params={"min_indicators": 1})
def blank_form(ctx: Context):
    form = ctx.form
    fixed = {fi.get("name") for c in ctx.profile.categories for fi in c.fixed_indicators}
    # the blank template's own rows (Suzhou's 投入 共性指标, with their targets) are not the unit's work
    own = [ind for ind in form.indicators if ind.name not in fixed and (not is_blank(ind.target) or not is_blank(ind.actual))]
    actuals = any(not is_blank(ind.actual) or is_number(ind.actual_value) for ind in form.indicators)
    where = ctx.cell("header.project_name") or ctx.cell("profile")
    if len(own) < int(ctx.setting("min_indicators", 1)):
        funds = "只填了资金金额" if _has_amount(ctx) else "也没有填写资金金额"
        yield Hit(f"这是一张空白表：没有填写任何绩效指标，{funds}。", where)
    elif not actuals and not _has_amount(ctx):
        yield Hit("这是一张没有自评的表：指标没有填写任何实际完成值，也没有填写资金金额。", where)


@rule("P06", WARNING, summary="批注中的“jixiao: 忽略”说明无效（没有原因或代码不对）",
      rationale="单位可以在单元格批注中写“jixiao: 忽略 I11 原因：……”说明某条问题的特殊情况，该行的这条问题就不再计入，"
                "并在汇总表中列出说明。没有写原因、或写的不是规则代码的说明不予采纳。",
      fix="按“jixiao: 忽略 规则代码 原因：具体理由”的格式写批注，如“jixiao: 忽略 I11 原因：指标值按省厅口径设定”。")
def bad_waiver(ctx: Context):
    from ..config import parse_waivers
    from ..core import REGISTRY
    for addr, text in ctx.form.comments.items():
        sheet, _, cell = addr.rpartition("!")
        waivers = parse_waivers(sheet, cell, text)
        if not waivers and re.search(r"jixiao\s*[:：]\s*忽略", text):
            yield Hit(f"批注“{text.strip()[:40]}”中没有规则代码（如 I11），不予采纳。", addr)
        for w in waivers:
            unknown = [c for c in w.codes if c not in REGISTRY]
            if unknown:
                yield Hit(f"批注中的“{'、'.join(unknown)}”不是规则代码，不予采纳。", addr)
            if not w.reason:
                yield Hit(f"批注“{w.text[:40]}”没有写原因，不予采纳。", addr)


@rule("P07", WARNING, summary="一级指标的写法与规则不同（如“产出”应为“产出指标”）",
      rationale="一级指标按名称归类计分；简写、错字（如“产出”“效益指标指标”）虽然能猜出所属类别，但打印时会被当作另一个"
                "一级指标分开合并（同一一级指标印成几段），汇总也对不上。",
      fix="把一级指标改为规则中的名称（见提示），与模板下拉列表一致。")
def loose_category(ctx: Context):
    exact = {c.label for c in ctx.profile.categories} | {c.key for c in ctx.profile.categories}
    seen: set[str] = set()
    for i, (ind, cat) in enumerate(zip(ctx.form.indicators, ctx.categories)):
        written = first_line(ind.level1)
        if cat is None or not written or written in exact or written in seen:
            continue
        seen.add(written)
        yield Hit(f"{ctx.row_name(i)}的一级指标写作“{written}”，规则中的名称是“{cat.label}”：请改为“{cat.label}”。",
                  ctx.at(ind, "level1"))
