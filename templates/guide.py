"""The 填表说明 sheet: the profile's rules explained in plain Chinese, generated from the profile so
the text never disagrees with the numbers."""
from __future__ import annotations

from jixiao.engine.profiles import Profile


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _rule_text(profile: Profile) -> list[str]:
    out = []
    for cat in profile.categories:
        rule = cat.rule
        if rule.kind == "proportional":
            text = "完成指标值的得满分；未完成的按 实际完成值÷指标值 的比例得分"
        else:
            text = (f"完成率在{_pct(rule.full_from)}～{_pct(rule.full_to)}之间得满分；每低于目标值1个百分点扣分值的"
                    f"{_pct(rule.below_per_point)}；超过{_pct(rule.full_to)}的每超过1%扣分值的{_pct(rule.above_per_point)}")
        reverse = ("反向指标（越小越好）未超过指标值得满分，超过的按 2−实际值÷指标值 折算" if rule.reverse == "deviation"
                   else "反向指标（越小越好）未超过指标值得满分，超过的按 指标值÷实际值 折算")
        out.append(f"{cat.label}（{cat.weight:g}分）：{text}；{reverse}。")
    return out


def _level_words(profile: Profile) -> str:
    """"达成”“达成年度指标”“完成”等为“达成年度指标”；…: a few of each level's names, the full list is the
    profile's (qualitative.levels[].words)."""
    if all(len(lv.names) == 1 for lv in profile.levels):
        return "、".join(lv.label for lv in profile.levels)
    parts = []
    for lv in profile.levels:
        names = [n for n in lv.names if n != lv.label][:3] or [lv.label]
        parts.append("、".join(f"“{n}”" for n in names) + ("等" if len(lv.names) > len(names) + 1 else "") +
                     f"为“{lv.label}”")
    return "；".join(parts)


def _text_rules(profile: Profile) -> list[str]:
    """What the profile requires of the texts: a reason below an execution rate, length limits."""
    out = []
    funds = profile.data.get("funds") or {}
    floor = funds.get("low_rate_explanation_below")
    if funds.get("rows") and floor is not None and float(floor) < 1:
        labels = {t["key"]: t.get("label", t["key"]) for t in profile.data.get("texts") or []}
        where = f"在“{labels[funds['low_rate_reason']]}”栏" if funds.get("low_rate_reason") else "在自评报告中"
        out.append(f"预算执行率未达到{_pct(float(floor))}的，须{where}说明原因。")
    limits = [f"“{item.get('label', item['key'])}”{item['max_chars']}字以内" for part in ("header", "texts")
              for item in profile.data.get(part) or [] if item.get("max_chars")]
    if profile.data.get("explanation_max_chars"):
        limits.append(f"各指标的偏差原因分析{profile.data['explanation_max_chars']}字以内")
    if limits:
        out.append("字数限制（按字符计，含标点）：" + "；".join(limits) + "。")
    return out


def guide_lines(profile: Profile, mode: str) -> list[tuple[str, str]]:
    """(kind, text) lines: h1 title, h2 section heading, p paragraph."""
    lines: list[tuple[str, str]] = [("h1", f"{profile.title}（{profile.year}年度）填表说明"),
                                    ("p", f"适用规则：{profile.data.get('region', '')}　依据：{profile.data.get('basis', '')}")]
    lines.append(("h2", "一、怎么填"))
    lines += [("p", "1. 浅黄色单元格由填表人填写；浅蓝色单元格是公式，自动计算执行率、得分、总分和等级，不需要也不能手工修改。"),
              ("p", "2. 金额单位为万元，只填数字，不要写“万元”等文字；百分数可填 95% 或 0.95。"),
              ("p", "3. 年度指标值、实际完成值按习惯填写文字即可，如“≥95%”“20个以上”“不超过10次”“2-3次”“30万-50万/家”"
                     "“≥15年”“合规”：表内公式读得懂这些写法，自动判断方向（正向、反向、等于、定性）和数值，不需要加载项。"
                     "读不懂的写法（一格里写了几个数、数字旁引用文件名等）不会按猜测计分：这一行及与它共用分值的行显示“待定”，"
                     "总分显示“待定（n项未计分）”，表格右侧相应的“指标方向”“指标值（数值）”“完成值（数值）”栏显示橙色，"
                     "在那里填上方向和数字即可计分。这几栏填了的，一律按所填计分（jixiao fill 生成的表已按文字填好需要的栏）。"),
              ("p", "   完成值没写单位时：指标值是百分数而完成值只写了数（“≥95%”/“93.1”），按 93.1% 计分；指标值以万元、亿元计"
                     "而完成值是不带单位的大数（“≥50万元”/“480000”），按元折算为 48 万元。校验时会提示，请写明单位。"),
              ("p", "4. 定性指标：实际完成值写成档次的按该档次计分（" + _level_words(profile) + "）；与指标值文字相同的（“合规”/“合规”）"
                     f"按“{profile.unselected_level.label}”计分，并在校验时提示；写法不同又未在“定性档次”列选择的，暂显示“待定”"
                     "（档次单元格显示橙色）。"),
              ("p", "5. 得分低于分值的指标，须填写偏差原因分析及改进措施（未填时该单元格标红）。"
                     if profile.layout != "suzhou" else
                     "5. 无法提供实际完成值的指标，须在表格右侧“情况说明”栏写明原因（未填时该单元格标红），否则得0分。"),
              ("p", "6. 表格受保护（无密码），仅为防止误改公式；如需插入行，可在“审阅”中撤销工作表保护，或用 jixiao fill 按数据生成表格。")]
    lines.append(("h2", "二、怎么计分"))
    if profile.funds_scored:
        cap = "，最高不超过分值" if profile.funds_cap else ""
        lines.append(("p", f"预算执行率（{profile.funds_weight:g}分）：执行率＝全年执行数÷{profile.funds_denominator}，保留两位小数的百分比；"
                           f"得分＝执行率×分值{cap}。"))
    elif (profile.data.get("funds") or {}).get("rows"):
        lines.append(("p", f"预算执行率不计分：表中列出执行率（全年执行数÷{profile.funds_denominator}，保留两位小数的百分比），"
                           "但不计入总分；总分只由各项指标得分相加。"))
    lines += [("p", t) for t in _rule_text(profile)]
    if profile.data.get("weights_mode") != "equal_split":
        lines.append(("p", "一级指标分值以表中一级指标栏所注为准（如“产出指标（40分）”：本表的一级分值与规则不同的，"
                           "校验时提示须说明理由）；其下各指标分值之和应等于该分值。"))
    levels = "、".join(f"{lv.label}（{_pct(lv.min)}～{_pct(lv.max)}，本表按{_pct(lv.score)}）" if lv.min != lv.max
                      else f"{lv.label}（{_pct(lv.score)}）" for lv in profile.levels)
    lines.append(("p", f"定性指标按档次计分：{levels}。"))
    if profile.layout != "suzhou":  # the Suzhou form gives every indicator its own weight
        lines.append(("p", "几个三级指标共用一个分值时，" + ("按其中完成最差的一项计分。" if profile.shared_weight_method == "min"
                                                       else "按各项得分系数的平均值计分。")))
    if profile.overachievement and profile.overachievement_needs_explanation:
        lines.append(("p", f"完成值达到指标值的{_pct(profile.overachievement)}及以上的，须说明原因（是否年初指标值设定偏低）。"))
    if profile.reviewer_deduction:
        lines.append(("p", "得分旁的“扣减分数”由复核人填写：得分＝按规则计算的得分－扣减分数，不低于0分；"
                           "填表人不要填写。"))
    if profile.overshoot_points:
        lines.append(("p", f"完成值达到指标值的{_pct(profile.overshoot_threshold)}及以上的指标（指标偏离），"
                           f"该项得分减{profile.overshoot_points:g}分（不低于0分）。"))
    if profile.total_caps:
        caps = "；".join(f"执行率低于{_pct(below)}的，总分不超过{most:g}分" for below, most in reversed(profile.total_caps))
        lines.append(("p", f"总分按执行率封顶：{caps}（按所在区间中最低的上限）；超出部分不计。"))
    lines += [("p", t) for t in _text_rules(profile)]
    bands = "；".join(f"{g.label}：{g.min:g}分（含）以上" for g in profile.grades)
    basis = f"（按得分率，即总分÷{profile.max_total:g}×100）" if profile.grade_basis == "percent" else ""
    lines.append(("p", f"总分{profile.max_total:g}分，得分、总分保留两位小数（四舍五入）。等级{basis}：{bands}。"))
    lines.append(("h2", "三、原表说明"))
    lines += [("p", n) for n in profile.data.get("notes") or []]
    lines.append(("h2", "四、其他"))
    lines.append(("p", "本表由 jixiao 生成（公式方式：" + ("普通公式，Excel、WPS、LibreOffice 均可计算" if mode == "native"
                       else "JX_ 自定义函数，需安装 jixiao 加载项") + "）。各区域均有以 JX_ 开头的名称，供加载项、命令行和其他程序读取。"))
    return lines
