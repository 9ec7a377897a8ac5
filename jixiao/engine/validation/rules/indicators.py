"""I: indicator rows (三级指标): targets, actuals, levels, scores and explanations."""
from __future__ import annotations

from ... import scoring
from ...excel import is_blank, is_number, trim, xround
from ...profiles import DIRECTIONS
from ...targets import parse_target
from ..core import ERROR, NATIONAL, WARNING, Context, Hit, differs, fmt, num, pct, rule


def _g(value) -> str:
    return f"{float(value):g}" if is_number(value) else str(value)


def _why(ctx: Context, group: list[int]) -> str:
    """How the engine got the group's score, in words."""
    parts = []
    for i in group:
        r = ctx.rows[i]
        if r.direction == scoring.QUALITATIVE_DIR:
            if r.level:
                parts.append(f"定性档次“{r.level}”")
        elif r.unreadable_actual:
            parts.append("完成值不是数字，记 0 分")
        elif r.completion is not None and r.target_value is not None and r.actual_value is None:
            parts.append("完成值与指标值写法相同，按完成计")
        elif r.completion is not None and r.target_value is not None:
            percent = parse_target(ctx.form.indicators[i].target).unit == "%"
            show = pct if percent else _g
            parts.append(f"完成值 {show(r.actual_value)} 对指标值 {show(r.target_value)}（{r.direction}），"
                         f"完成 {pct(r.completion)}")
        elif r.fraction == 0 and is_blank(ctx.form.indicators[i].actual):
            parts.append("未填完成值，记 0 分")
    over = scoring.overshoots([ctx.rows[i].completion for i in group], ctx.profile)
    if over:
        parts.append(f"{over} 项完成值达到指标值的{pct(ctx.profile.overshoot_threshold)}及以上，"
                     f"每项减 {ctx.profile.overshoot_points:g} 分")
    text = "；".join(parts)
    if len(group) > 1:
        how = "最低" if ctx.profile.shared_weight_method == "min" else "平均"
        text += f"；共用分值的 {len(group)} 行按{how}得分比例计分"
    return f"（{text}）" if text else ""


def _scored_groups(ctx: Context):
    for group in ctx.groups:
        head = ctx.head(group)
        yield group, head, ctx.rows[group[0]].score, num(head.weight), head.reported_score


@rule("I01", ERROR, summary="得分超过分值或为负数",
      rationale="每项得分应在 0 和该项分值之间（预算一体化系统：“得分必须小于等于权重”）。",
      fix="把得分改为不超过分值、不小于 0 的数；建议恢复模板公式，由规则自动计分。")
def score_out_of_range(ctx: Context):
    for group, head, score, w, typed in _scored_groups(ctx):
        if not is_number(typed):
            continue
        if w is not None and float(typed) > w and differs(typed, w, ctx.decimals):
            yield Hit(f"{ctx.row_name(group[0])}的得分 {_g(typed)} 超过分值 {w:g}。", ctx.at(head, "score"))
        elif float(typed) < 0:
            yield Hit(f"{ctx.row_name(group[0])}的得分 {_g(typed)} 为负数。", ctx.at(head, "score"))


@rule("I02", ERROR, summary="填写的得分高于按规则计算的得分",
      rationale="定量指标按完成值与指标值计分（全国：完成即满分，未完成按比例；苏州：按完成比例分段扣分），"
                "填写的分数高于规则结果就是多计了分。株洲样表“数量指标”填 8 分，按 15 ÷ 20 = 75% 应为 7.50 分；"
                "苏州样表“预算执行率”74.68% 填 8 分，按其填表说明每低 1 个百分点扣权重 5%，应为 0 分。",
      fix="删除手填的得分，恢复模板公式，或按规则更正；若有规则未涵盖的特殊情况，请在说明栏写明依据。")
def score_above_rule(ctx: Context):
    for group, head, score, w, typed in _scored_groups(ctx):
        if not is_number(typed) or score is None or ctx.qualitative(group):
            continue
        if float(typed) > score and differs(typed, score, ctx.decimals):
            yield Hit(f"{ctx.row_name(group[0])}填写的得分为 {_g(typed)}，按规则应为 {fmt(score)}{_why(ctx, group)}。",
                      ctx.at(head, "score"))


@rule("I03", WARNING, summary="填写的得分低于规则计算结果（调减）",
      rationale="得分低于规则结果可能是按偏离度手工调减（如完成值远超指标值、指标值设定明显偏低），"
                "这是允许的，但须在偏差原因栏写明调减理由；写了理由的也列出（附两个分数和理由），"
                "复核人才能看到表中每一处与规则不同的得分。高于规则结果的得分一律是错误（见 I02）。",
      fix="在偏差原因分析及改进措施栏说明调减分值的理由，或恢复模板公式。")
def score_below_rule(ctx: Context):
    for group, head, score, w, typed in _scored_groups(ctx):
        if not is_number(typed) or score is None or ctx.qualitative(group):
            continue
        if float(typed) < score and differs(typed, score, ctx.decimals):
            said = next((str(ctx.form.indicators[i].explanation).strip() for i in group
                         if str(ctx.form.indicators[i].explanation or "").strip()), "")
            why = f"调减理由：“{said if len(said) <= 60 else said[:59] + '…'}”" if said else "且未说明调减理由"
            yield Hit(f"{ctx.row_name(group[0])}填写的得分为 {_g(typed)}，低于规则计算的 {fmt(score)}"
                      f"（调减 {fmt(score - float(typed))} 分），{why}。",
                      ctx.at(head, "score" if said else "explanation"),
                      "复核调减理由是否成立；不成立的，按规则计算的得分更正。" if said else "")


@rule("I04", ERROR, summary="得分低于分值但未填写偏差原因",
      rationale="未满分的指标必须填写偏差原因分析及改进措施（预算一体化系统：“请填写偏差原因及改进措施”）。"
                "苏州表没有这一栏，其填表说明只要求无数值的指标写明说明（见 I12），故不适用。",
      fix="在该行的偏差原因分析及改进措施栏写明未完成的原因和改进措施。", layouts=NATIONAL)
def missing_explanation(ctx: Context):
    for group, head, score, w, typed in _scored_groups(ctx):
        shown = float(typed) if is_number(typed) else score
        if shown is None or w is None or ctx.group_explained(group):
            continue
        if shown < w and differs(shown, w, ctx.decimals):
            yield Hit(f"{ctx.row_name(group[0])}得分 {fmt(shown)} 低于分值 {w:g}，但未填写偏差原因分析及改进措施。",
                      ctx.at(head, "explanation"))


@rule("I05", ERROR, summary="定量指标的实际完成值不是数字",
      rationale="定量指标按完成值与指标值的比例计分，完成值必须能读出数字（可带单位，如“15个”“95%”）；"
                "读不出数字时这一行记 0 分（预算一体化系统：“定量指标的指标值为数值！”）。",
      fix="在实际完成值中写明数字（如“15个”），或在“完成值（数值）”栏填写数值；确属定性指标的，把指标方向改为“定性”。")
def unreadable_actual(ctx: Context):
    for i, r in ctx.rows.items():
        if r.unreadable_actual:
            ind = ctx.form.indicators[i]
            yield Hit(f"{ctx.row_name(i)}的年度指标值“{_g(ind.target)}”是定量指标，但实际完成值“{_g(ind.actual)}”中"
                      "读不出数字，按 0 分计。", ctx.at(ind, "actual"))


@rule("I06", ERROR, summary="定量指标的年度指标值读不出数字",
      rationale="指标方向为正向、反向或等于时，年度指标值必须含有数字，才能计算完成比例。",
      fix="在年度指标值中写明数字和比较方式（如“≥20个”“90%以上”“不高于15%”），或在“指标值（数值）”栏填写数值；"
          "定性指标请把方向改为“定性”。")
def unparsed_target(ctx: Context):
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        if r.unparsed_target and not is_blank(ind.target):
            yield Hit(f"{ctx.row_name(i)}的指标方向为“{r.direction}”，但年度指标值“{_g(ind.target)}”中没有数字。",
                      ctx.at(ind, "target"))


@rule("I07", ERROR, summary="指标名称或年度指标值未填",
      rationale="每个指标行都要有指标名称和年度指标值，才能判断完成情况并计分。",
      fix="补填指标名称和年度指标值（以批复的绩效目标为准）；多余的行请清空。")
def missing_name_or_target(ctx: Context):
    for i, ind in enumerate(ctx.form.indicators):
        missing = [label for value, label in ((ind.name, "指标名称"), (ind.target, "年度指标值")) if is_blank(value)]
        if missing:
            yield Hit(f"{ctx.row_name(i)}未填{'和'.join(missing)}。",
                      ctx.at(ind, "name" if is_blank(ind.name) else "target"))


@rule("I08", ERROR, summary="定性档次不是规则规定的档次",
      rationale="定性指标按完成档次计分：全国规则为“达成年度指标 / 部分达成年度指标并具有一定效果 / "
                "未达成年度指标且效果较差”，苏州为“好 / 较好 / 一般 / 较差 / 差”。其他写法无法计分。",
      fix="从下拉列表中选择定性档次。")
def bad_level(ctx: Context):
    labels = "、".join(lv.label for lv in ctx.profile.levels)
    for i, ind in enumerate(ctx.form.indicators):
        if not is_blank(ind.level) and ctx.profile.chosen_level(ind.level) is None:
            yield Hit(f"{ctx.row_name(i)}的定性档次“{ind.level}”不是规定档次（{labels}）。", ctx.at(ind, "level"))


@rule("I09", WARNING, summary="定性指标未选择完成档次，按默认档次计分",
      rationale="定性指标填了完成情况但没有选择档次时，模板按规则的默认档次（全国为“达成年度指标”）计分；"
                "请确认这是实际的完成档次。完成情况与指标值文字完全相同（如“合规”/“合规”）的不提示。",
      fix="在“定性档次”栏选择该指标的完成档次。")
def level_assumed(ctx: Context):
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        if r.level_assumed and trim(ind.actual) != trim(ind.target) and is_blank(ind.level):
            yield Hit(f"{ctx.row_name(i)}是定性指标，未选择完成档次，已按“{r.level}”计分。", ctx.at(ind, "level"))


@rule("I10", ERROR, summary="定性指标的得分不在所选档次的分值区间内",
      rationale="定性指标按档次在分值区间内确定得分：全国规则达成 80%–100%、部分达成 60%–80%、"
                "未达成 0–60%；苏州按档次固定为 100%、80%、60%、40%、20%。",
      fix="按所选档次把得分改到对应区间内，或改选与得分相符的档次。")
def qualitative_band(ctx: Context):
    for group, head, score, w, typed in _scored_groups(ctx):
        if not is_number(typed) or w is None or not ctx.qualitative(group):
            continue
        r = ctx.rows[group[0]]
        level = ctx.profile.level(r.level)
        if level is None:
            continue
        lo, hi = xround(level.min * w, ctx.decimals), xround(level.max * w, ctx.decimals)
        t = xround(float(typed), ctx.decimals)
        if t < lo or t > hi:
            band = f"{lo:g}" if lo == hi else f"{lo:g}–{hi:g}"
            yield Hit(f"{ctx.row_name(group[0])}的得分 {_g(typed)} 不在档次“{level.label}”的分值区间 {band} 内"
                      f"（分值 {w:g}）。", ctx.at(head, "score"))


@rule("I11", WARNING, summary="完成值远超指标值，未分析原因",
      rationale="财预〔2020〕10号：“对完成值高于指标值较多的，要分析原因，如果是由于年初指标值设定明显偏低造成的，"
                "要按照偏离度适度调减分值”。超额比例按规则设置（全国规则 120%，广西 130%）。",
      fix="在偏差原因栏分析超额完成的原因；若因指标值设定偏低，请按偏离度调减得分。")
def overachievement(ctx: Context):
    if not ctx.profile.overachievement_needs_explanation:
        return
    for group in ctx.groups:
        if ctx.group_explained(group):
            continue
        for i in group:
            r = ctx.rows[i]
            if r.over:
                ind = ctx.form.indicators[i]
                yield Hit(f"{ctx.row_name(i)}完成 {pct(r.completion)}，达到指标值的 {pct(ctx.profile.overachievement)} "
                          "以上，须分析超额原因。", ctx.at(ind, "explanation"))


@rule("I12", ERROR, summary="未填实际完成值",
      rationale="已开始填报的表中，没有实际完成值的指标记 0 分（苏州：“某项指标无法提供具体数值，且无说明，得0分”）。",
      fix="填写实际完成值；确实无法提供的，请在说明栏写明原因。")
def missing_actual(ctx: Context):
    if not ctx.started:
        return
    for i, ind in enumerate(ctx.form.indicators):
        if is_blank(ind.actual) and not is_number(ind.actual_value) and "actual_formula" not in ind.cells \
                and not str(ind.explanation or "").strip() and not is_blank(ind.name):
            yield Hit(f"{ctx.row_name(i)}未填实际完成值，按 0 分计。", ctx.at(ind, "actual"))


@rule("I13", WARNING, summary="指标方向不是“正向/反向/等于/定性”",
      rationale="指标方向决定计分公式；无法识别的写法会被忽略，改按年度指标值的写法判断方向。",
      fix="从下拉列表选择指标方向，或留空由年度指标值自动判断。")
def bad_direction(ctx: Context):
    for i, ind in enumerate(ctx.form.indicators):
        if not is_blank(ind.direction) and str(ind.direction).strip() not in DIRECTIONS:
            yield Hit(f"{ctx.row_name(i)}的指标方向“{ind.direction}”无法识别（应为{'、'.join(DIRECTIONS)}）。",
                      ctx.at(ind, "direction"))


@rule("I14", WARNING, summary="“指标值（数值）/完成值（数值）”与文字不一致",
      rationale="计分优先使用数值栏；数值栏由文字自动读出后，若文字又被修改而数值栏未改，计分就会按旧数字进行。",
      fix="修改文字后请同步修改数值栏，或在装有 jixiao 加载项时点“重新计算”刷新。")
def helper_values(ctx: Context):
    for i, ind in enumerate(ctx.form.indicators):
        try:
            rule = ctx.profile.category(ind.level1).rule
        except Exception:  # an unknown 一级指标 is P02's finding
            continue
        target = scoring.read_target(ind.target, rule)
        for fld, text, value, label in (("target_value", ind.target, ind.target_value, "年度指标值"),
                                        ("actual_value", ind.actual, ind.actual_value, "实际完成值")):
            if not is_number(value) or is_blank(text) or is_number(text):
                continue
            expected = target.value if fld == "target_value" else scoring.read_actual(text, target, ind.target).value
            if expected is None:
                continue
            if differs(expected, value, 6):
                yield Hit(f"{ctx.row_name(i)}的{label}“{text}”读作 {_g(expected)}，但数值栏为 {_g(value)}，"
                          f"计分按 {_g(value)}。", ctx.at(ind, fld))


@rule("I15", ERROR, summary="表内公式读不懂的文字：这一行在表内显示“待定”",
      rationale="模板里的公式能读懂常见写法（“≥95%”“20个以上”“不超过10次”“2-3次”“30万-50万/家”“合规”“达成”），"
                "读不懂的（一格里有几个数字、带文件名、写成“诊断评估不低于1万/个 系统解决方案设计不低于5万/个”等）"
                "这一行在表内显示“待定”，总分显示“待定（n项未计分）”，打印出来不会是错误的分数；规则能读出的数，"
                "要由填表人填进右侧计分依据栏，表内才会计分。用 jixiao fill 生成或点“重新计算”时这些栏会自动填好。",
      fix="在该行的“指标方向”“指标值（数值）”或“完成值（数值）”栏填写（橙色单元格），或在装有加载项时点“重新计算”。")
def sheet_cannot_read(ctx: Context):
    if ctx.form.params.get("JX_MODE") != "native":
        return  # udf mode: JX_SCORES reads the texts itself
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        if "direction" not in ind.cells or r.waiting:
            continue  # not read from a workbook with the helper columns; or the rules wait too (I16 …)
        sheet = scoring.score_row(ind, ctx.profile, ctx.categories[i], ctx.started, scoring.SHEET)
        if not sheet.waiting:
            continue
        name = ctx.row_name(i)
        if sheet.unread == "actual":
            yield Hit(f"{name}的实际完成值“{ind.actual}”表内公式读不懂，这一行（及与它共用分值的行）在表内显示“待定”；"
                      f"规则读作 {_g(r.actual_value) if r.actual_value is not None else '文字（记 0 分）'}，"
                      "请在“完成值（数值）”栏填写。", ctx.at(ind, "actual_value"))
        elif r.direction == scoring.QUALITATIVE_DIR:
            yield Hit(f"{name}的指标值“{ind.target}”表内公式读不懂，这一行在表内显示“待定”：请把“指标方向”选为“定性”。",
                      ctx.at(ind, "direction"))
        else:
            yield Hit(f"{name}的指标值“{ind.target}”表内公式读不懂，这一行（及与它共用分值的行）在表内显示“待定”；"
                      f"规则读作“{r.direction}”、指标值 {_g(r.target_value)}，请在“指标方向”和“指标值（数值）”栏填写。",
                      ctx.at(ind, "direction" if is_blank(ind.direction) else "target_value"))


@rule("I17", WARNING, summary="完成值的单位与指标值不一致，已按推定的单位计分",
      rationale="指标值写成百分数（“≥95%”）而完成值只写了数（“93.1”），按 93.1% 计分；指标值以万元、亿元计而完成值是"
                "不带单位的大数（“≥50万元”/“480000”），按元折算（48 万元）。这样不会因漏写单位而得满分或零分，"
                "但推定可能不对，须由填表人确认。",
      fix="在实际完成值中写明单位（“93.1%”“48万元”），或在“完成值（数值）”栏填写按指标值单位计的数。")
def unit_assumed(ctx: Context):
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        if r.assumed == "percent":
            yield Hit(f"{ctx.row_name(i)}的指标值“{ind.target}”是百分数，实际完成值“{ind.actual}”没有写%，"
                      f"按 {pct(r.actual_value)} 计分。", ctx.at(ind, "actual"))
        elif r.assumed == "scale":
            yield Hit(f"{ctx.row_name(i)}的指标值“{ind.target}”以“{parse_target(ind.target).scale_word}”计，实际完成值"
                      f"“{ind.actual}”没有单位且大得多，按元折算为 {_g(r.actual_value)}。", ctx.at(ind, "actual"))


@rule("I16", ERROR, summary="定性指标的完成情况与指标值不同，但未选择完成档次",
      rationale="定性指标按所选档次计分；完成情况与指标值文字相同（如“合规”/“合规”）时按默认档次计分，"
                "写法不同（如“不合规”“基本完成”）时必须由填表人选择档次，否则这一行不计分。",
      fix="在该行的“定性档次”栏选择完成档次。")
def level_needed(ctx: Context):
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        if r.level_needed and is_blank(ind.level):
            yield Hit(f"{ctx.row_name(i)}是定性指标，完成情况“{ind.actual}”与指标值“{ind.target}”不同，"
                      "请选择完成档次；未选择前这一行不计分。", ctx.at(ind, "level"))


@rule("I18", ERROR, summary="扣减分数为负数或填在没有扣减分数栏的表上",
      rationale="有的地区由复核人在得分旁的“扣减分数”栏扣分（广西：得分 = 自评得分 − 扣减分数，不低于 0；"
                "规则配置 reviewer_deduction）。扣减分数为负数就成了加分；规则没有这一栏时，填的数不参与计分。",
      fix="扣减分数填不小于 0 的数；规则没有扣减分数栏的，请删除。")
def negative_deduction(ctx: Context):
    for i, ind in enumerate(ctx.form.indicators):
        d = num(ind.deduction)
        if d is None:
            continue
        if not ctx.profile.reviewer_deduction:
            yield Hit(f"{ctx.row_name(i)}填了扣减分数 {_g(d)}，但规则“{ctx.profile.name}”没有扣减分数栏，不参与计分。",
                      ctx.at(ind, "deduction"))
        elif d < 0:
            yield Hit(f"{ctx.row_name(i)}的扣减分数为 {_g(d)}，应不小于 0。", ctx.at(ind, "deduction"))
