"""W: weights (分值 / 权重) at every level."""
from __future__ import annotations

from ... import scoring
from ...excel import is_blank, xround
from ..core import ERROR, SUZHOU, WARNING, Context, Hit, differs, first_line, fmt, num, rule


def _funds_weight(ctx: Context) -> float:
    if not (ctx.profile.funds_scored and ctx.form.funds):
        return 0.0
    w = num(ctx.form.funds_weight)
    return ctx.profile.funds_weight if w is None and is_blank(ctx.form.funds_weight) else (w or 0.0)


def _head_weights(ctx: Context):
    for group in ctx.groups:
        head = ctx.head(group)
        yield group, head, num(head.weight)


@rule("W01", ERROR, summary="分值合计不等于满分",
      rationale="各指标分值（含预算执行率分值）之和应等于规则规定的满分：全国规则 100 分，"
                "苏州表“项目绩效实现情况”80 分。合计不符说明有指标漏填分值或分值分配有误。",
      fix="调整各指标的分值，使合计等于满分。")
def total_weight(ctx: Context):
    weights = [w for _, _, w in _head_weights(ctx) if w is not None]
    funds = _funds_weight(ctx)
    total = xround(sum(weights) + funds, 4)
    full = ctx.profile.max_total
    if not ctx.form.indicators or not differs(total, full, 2):
        return
    detail = f"（执行率 {fmt(funds, 0)} + 指标 {xround(sum(weights), 4):g}）" if funds else ""
    yield Hit(f"分值合计为 {total:g}{detail}，应为 {full:g}。", ctx.cell("total_weight") or ctx.cell("funds_weight"))


@rule("W02", ERROR, summary="一级指标下各指标分值之和不等于该一级指标的分值",
      rationale="下级指标分值合计应等于上级设置数（预算一体化系统提示“下级指标权重录入合计应等于上级设置数”）："
                "全国规则产出 50、效益 30、满意度 10；苏州投入 22、产出 26、结果 26、影响力 6。"
                "株洲样表效益指标只有 20 分（10 + 5 + 5），少了 10 分。",
      fix="补齐或调整该一级指标下的指标分值，使其合计等于一级指标分值；缺少的二级指标请补上指标行。")
def category_weights(ctx: Context):
    sums: dict[str, float] = {}
    where: dict[str, str] = {}
    for group, head, w in _head_weights(ctx):
        cat = ctx.categories[group[0]]
        sums[cat.key] = sums.get(cat.key, 0.0) + (w or 0.0)
        where.setdefault(cat.key, ctx.at(head, "level1"))
    if not ctx.form.indicators:
        return
    for cat in ctx.profile.categories:
        expected = ctx.category_weight(cat)
        got = xround(sums.get(cat.key, 0.0), 4)
        if cat.key not in sums:
            yield Hit(f"没有{cat.label}的指标行（应有 {expected:g} 分）。", "")
        elif differs(got, expected, 2):
            gap = xround(got - expected, 4)
            yield Hit(f"{cat.label}下各指标分值合计为 {got:g}，应为 {expected:g}（{'多' if gap > 0 else '少'} {abs(gap):g} 分）。",
                      where.get(cat.key, ""))


@rule("W03", WARNING, summary="一级指标或执行率分值与规则规定不同",
      rationale="一级指标分值统一设置（全国：产出 50、效益 30、满意度 10、预算执行率 10），"
                "“如有特殊情况，一级指标权重可做适当调整”——调整须有说明，复核时会核对。",
      fix="如无特殊情况，请按规则设置一级指标分值；确需调整的，请在自评报告中说明理由。")
def category_weight_changed(ctx: Context):
    seen = set()
    for i, (ind, cat) in enumerate(zip(ctx.form.indicators, ctx.categories)):
        if cat is None or cat.key in seen:
            continue
        seen.add(cat.key)
        w = ctx.category_weight(cat)
        if differs(w, cat.weight, 2):
            yield Hit(f"{first_line(ind.level1)}的分值为 {w:g}，规则规定为 {cat.weight:g}。", ctx.at(ind, "level1"))
    if ctx.profile.funds_scored and ctx.form.funds:
        w = num(ctx.form.funds_weight)
        if w is not None and differs(w, ctx.profile.funds_weight, 2):
            yield Hit(f"预算执行率分值为 {w:g}，规则规定为 {ctx.profile.funds_weight:g}。", ctx.cell("funds_weight"))


@rule("W04", ERROR, summary="分值未填、为 0 或为负数",
      rationale="每个指标（或共用一个分值的一组指标）都要有大于 0 的分值，否则无法计分"
                "（预算一体化系统同样校验“权重必须大于 0”）。",
      fix="填写大于 0 的分值；若与上一行共用一个分值，请把两行的分值单元格合并。")
def weight_missing(ctx: Context):
    for group, head, w in _head_weights(ctx):
        i = group[0]
        if is_blank(head.weight):
            yield Hit(f"{ctx.row_name(i)}未填分值。", ctx.at(head, "weight"))
        elif w is not None and w <= 0:
            yield Hit(f"{ctx.row_name(i)}的分值为 {w:g}，应大于 0。", ctx.at(head, "weight"))
    if ctx.profile.funds_scored and ctx.form.funds:
        w = num(ctx.form.funds_weight)
        if w is not None and w <= 0:
            yield Hit(f"预算执行率分值为 {w:g}，应大于 0。", ctx.cell("funds_weight"))


@rule("W05", WARNING, summary="分值未按“该类总分值 ÷ 指标个数”均分",
      rationale="苏州填表说明：各项指标分值 = 该类总分值 / 指标个数（截取两位小数，余数放在一项上，"
                "如 26 分 3 项为 8.66、8.68、8.66）；投入类共性指标按规定分值。",
      fix="按规则均分该类分值（模板中分值为公式，请勿手改）；投入类共性指标按规定分值填写。",
      layouts=SUZHOU)
def equal_split(ctx: Context):
    profile = ctx.profile
    if profile.data.get("weights_mode") != "equal_split":
        return
    spec = profile.data.get("equal_split") or {}
    for g in ctx.groups:
        if len(g) > 1 and not ctx.categories[g[0]].fixed_indicators:
            yield Hit(f"{ctx.row_name(g[0])}与下面 {len(g) - 1} 行共用一个权重：按“该类总分值 ÷ 指标个数”，每个指标应有"
                      "自己的权重，请拆开合并的权重单元格。", ctx.at(ctx.head(g), "weight"))
    for cat in profile.categories:
        heads = [g for g in ctx.groups if ctx.categories[g[0]] is cat]
        fixed = {f.get("name"): f.get("weight") for f in cat.fixed_indicators}
        free = [g for g in heads if ctx.head(g).name not in fixed]
        rest = cat.weight - sum(float(fixed[ctx.head(g).name]) for g in heads if g not in free)
        expected = scoring.equal_split(rest, len(free), int(spec.get("decimals", 2)), spec.get("remainder", "middle"))
        for g in heads:
            head = ctx.head(g)
            w = num(head.weight)
            want = float(fixed[head.name]) if head.name in fixed else expected[free.index(g)]
            shuffled = sorted(xround(num(ctx.head(x).weight) or 0, 2) for x in free) == sorted(expected)
            if w is not None and differs(w, want, 2) and (head.name in fixed or not shuffled):
                how = "规定分值" if head.name in fixed else f"均分（{rest:g} ÷ {len(free)}）"
                yield Hit(f"{ctx.row_name(g[0])}的权重为 {w:g}，按{how}应为 {want:g}。", ctx.at(head, "weight"))


@rule("W06", WARNING, summary="分值超过两位小数",
      rationale="分值和得分都保留两位小数；分值多于两位小数时，显示值与计算值不一致，合计容易出现 0.01 的差。",
      fix="把分值改为最多两位小数，并保持合计不变。")
def weight_decimals(ctx: Context):
    for group, head, w in _head_weights(ctx):
        if w is not None and differs(w, xround(w, 2), 6):
            yield Hit(f"{ctx.row_name(group[0])}的分值 {w:g} 超过两位小数。", ctx.at(head, "weight"))


@rule("W07", WARNING, summary="缺少规定的投入类共性指标",
      rationale="苏州填表说明：“投入”类指标按当年《市级财政支出项目绩效评价“投入”类共性指标》逐一对照自评；"
                "共性指标缺失或改名，复核时无法对照。",
      fix="按规则补齐投入类共性指标，指标名称与规定一致。", layouts=SUZHOU)
def fixed_indicators(ctx: Context):
    names = {ind.name for ind in ctx.form.indicators}
    for cat in ctx.profile.categories:
        for fi in cat.fixed_indicators:
            if fi.get("name") not in names:
                yield Hit(f"{cat.label}缺少共性指标“{fi.get('name')}”（分值 {fmt(fi.get('weight'), 0)}）。", "")
