"""T: 总分, 等级, and the form's text fields."""
from __future__ import annotations

import re

from ... import narrative, scoring
from ...excel import is_blank, is_number, xround
from ...targets import QUALITATIVE, parse_target, to_number
from ..core import ERROR, WARNING, Context, Hit, differs, fmt, pct, rule


def _typed_total(ctx: Context):
    value = ctx.form.reported.get("total")
    if is_number(value):
        return float(value)
    return to_number(value) if isinstance(value, str) else None


@rule("T01", ERROR, summary="填写的总分与按规则计算的总分不符",
      rationale="总分 = 执行率得分 + 各指标得分，按规则由填报数据算出（两位小数）；手填的总分与之不符时，"
                "以规则计算结果为准。",
      fix="删除手填的总分，恢复模板公式；并核对各项得分。")
def total_vs_rule(ctx: Context):
    typed, total = _typed_total(ctx), ctx.result.total
    if typed is None or total is None:
        return
    if differs(typed, total, ctx.decimals):
        res = ctx.result
        capped = (f"（各项得分合计 {fmt(res.uncapped)}，执行率 {pct(res.exec_rate)} 时总分最高 {res.cap:g} 分）"
                  if res.cap is not None and res.uncapped is not None and res.uncapped > res.cap else "")
        yield Hit(f"表中总分为 {typed:g}，按规则计算应为 {fmt(total)}{capped}。", ctx.cell("total"))


@rule("T02", ERROR, summary="总分不等于表中各项得分之和",
      rationale="总分栏应等于表中显示的执行率得分与各指标得分之和；株洲样表各项得分合计 88 分，总分却填 98 分。",
      fix="核对各项得分和总分，使总分等于各项得分之和（建议恢复模板公式）。")
def total_vs_sum(ctx: Context):
    typed = _typed_total(ctx)
    if typed is None or not any(is_number(ctx.head(g).reported_score) for g in ctx.groups):
        return
    shown = []
    for g in ctx.groups:
        head = ctx.head(g)
        shown.append(float(head.reported_score) if is_number(head.reported_score) else ctx.rows[g[0]].score)
    exec_typed = ctx.form.reported.get("exec_score")
    shown.append(float(exec_typed) if is_number(exec_typed) else ctx.result.exec_score)
    total = xround(sum(s for s in shown if s is not None), ctx.decimals)
    cap = scoring.total_cap(ctx.result.exec_rate, ctx.profile)
    if cap is not None and total > cap:
        if differs(typed, cap, ctx.decimals):
            yield Hit(f"表中总分为 {typed:g}，表中各项得分之和为 {total:g}，执行率 {pct(ctx.result.exec_rate)} 时"
                      f"总分最高 {cap:g} 分。", ctx.cell("total"))
    elif differs(typed, total, ctx.decimals):
        yield Hit(f"表中总分为 {typed:g}，但表中各项得分之和为 {total:g}。", ctx.cell("total"))


@rule("T03", ERROR, summary="填写的等级与按规则计算的等级不符",
      rationale="等级按总分和规则的等级区间确定（全国：90 分（含）以上优，80–90 良，60–80 中，60 以下差），"
                "总分按两位小数比较。",
      fix="删除手填的等级，恢复模板公式；若总分有误，先更正总分。")
def grade_vs_rule(ctx: Context):
    typed = ctx.form.reported.get("grade")
    if is_blank(typed) or ctx.result.total is None:
        return
    text = re.sub(r"^\s*(自评)?等级\s*[:：]?\s*", "", str(typed)).strip()
    labels = [g.label for g in ctx.profile.grades]
    expected = ctx.result.grade
    if text not in labels:
        yield Hit(f"表中等级“{typed}”不是规定的等级（{'、'.join(labels)}）；按总分 {fmt(ctx.result.total)} 应为“{expected}”。",
                  ctx.cell("grade"))
    elif text != expected:
        yield Hit(f"表中等级为“{text}”，按规则计算的总分 {fmt(ctx.result.total)} 应为“{expected}”。", ctx.cell("grade"))


def _texts(ctx: Context, goals: bool):
    for spec in ctx.profile.data.get("texts") or []:
        key = spec["key"]
        if ("goal" in key) == goals and not str(ctx.form.texts.get(key) or "").strip():
            yield Hit(f"“{spec.get('label', key)}”未填写。", ctx.cell(f"texts.{key}"))


@rule("T04", ERROR, summary="年度总体目标（预期目标 / 实际完成情况）未填写",
      rationale="年度总体目标的预期目标和实际完成情况是自评表的必填内容，复核据此判断目标完成情况。",
      fix="填写年度预期目标（以批复的绩效目标为准）和实际完成情况。")
def goals_empty(ctx: Context):
    yield from _texts(ctx, goals=True)


@rule("T05", WARNING, summary="项目情况文字栏目未填写",
      rationale="项目概况、实施情况、存在问题及建议等文字栏目是自评报告的组成部分（苏州表“项目基本情况”）。",
      fix="填写该栏目；确无内容的请写“无”。")
def texts_empty(ctx: Context):
    yield from _texts(ctx, goals=False)


@rule("T06", WARNING, summary="表头信息未填写",
      rationale="项目名称、主管部门、实施单位等表头信息用于识别项目和汇总，缺失时汇总表中无法对应。",
      fix="填写表头的项目名称、单位等信息。")
def header_empty(ctx: Context):
    for spec in ctx.profile.data.get("header") or []:
        key = spec["key"]
        if is_blank(ctx.form.header.get(key)) or not str(ctx.form.header.get(key)).strip():
            yield Hit(f"表头“{spec.get('label', key)}”未填写。", ctx.cell(f"header.{key}"))


_SENTENCE = re.compile(r"[。；;！!？?\n]+")


@rule("T07", WARNING, summary="自评报告或文字栏中的数字与表中不一致",
      rationale="自评报告文字与自评表应一致；苏州样表文字写“服务11723人次，超额完成既定目标（8000人次）”，"
                "而表中参观人数实际完成值为 8757 人次。检查表中的文字栏：提到某指标的指标值（同一单位）的句子里，"
                "同单位的其他数字应等于表中的实际完成值。用 jixiao validate --report 检查自评报告（.docx）时，"
                "报告中凡是指明了指标（名称）、预算、执行数、执行率、得分、总分或等级的数字，都要与表中一致"
                "（按报告写出的位数比较，如 75% 与 74.68% 视为一致；引号内照录表中文字的不算）。",
      fix="核对文字与表中的数字，以核实后的数字为准统一修改（自评报告可用 jixiao report 从表中生成）。")
def narrative_numbers(ctx: Context):
    yield from _form_texts(ctx)
    if ctx.report is not None:
        yield from _report(ctx)


def _form_texts(ctx: Context):
    texts = [(k, str(v)) for k, v in ctx.form.texts.items() if v]
    if not texts:
        return
    for i, r in ctx.rows.items():
        ind = ctx.form.indicators[i]
        target = parse_target(ind.target)
        if target.kind == QUALITATIVE or r.actual_value is None or r.target_value is None:
            continue
        unit = target.unit
        if not unit or unit in ("%", "‰") or unit.startswith("/") or len(unit) > 6:
            continue
        pattern = re.compile(rf"(?<![0-9.])([0-9][0-9,]*(?:\.[0-9]+)?)\s*{re.escape(unit)}")
        for key, text in texts:
            for sentence in _SENTENCE.split(text):
                numbers = [float(m.group(1).replace(",", "")) for m in pattern.finditer(sentence)]
                if r.target_value not in numbers:
                    continue
                others = [n for n in numbers if n != r.target_value and n != r.actual_value]
                if others:
                    spec = next((t for t in ctx.profile.data.get("texts") or [] if t["key"] == key), {})
                    yield Hit(f"“{spec.get('label', key)}”中写“{sentence.strip()[:60]}”，其中 {others[0]:g}{unit} 与"
                              f"{ctx.row_name(i)}的实际完成值 {r.actual_value:g}{unit} 不一致。",
                              ctx.cell(f"texts.{key}"))
                    break


QUOTE_AT_MOST = 120


def quote(paragraph: str, sentence: str) -> str:
    """The paragraph as the message quotes it: whole when short, else the sentence in question."""
    text = paragraph if len(paragraph) <= QUOTE_AT_MOST else sentence
    return text if len(text) <= QUOTE_AT_MOST else text[:QUOTE_AT_MOST - 1] + "…"


def _report(ctx: Context):
    facts = narrative.facts_of(ctx.scored_form, ctx.profile, ctx.result)
    paragraphs = ctx.report
    for d in narrative.disagreements([p.text for p in paragraphs], facts):
        p = paragraphs[d.paragraph]
        yield Hit(f"自评报告{p.where}写“{quote(p.text, d.sentence)}”：其中 {d.claim} 与表中{d.what}（{d.form}）不一致。",
                  p.where, file=ctx.report_file)


@rule("T08", ERROR, summary="表内公式显示的得分、总分或等级与按规则计算的不同",
      rationale="由 Excel/WPS/LibreOffice 保存过的工作簿记有公式的计算结果。它与按规则重算的结果不同，说明表内"
                "公式没有按规则计分：计分依据栏缺失或与文字不符（见 I15、I14）、参数表被改（见 P04）、或公式被改动。"
                "复核人看到的数字与规则不一致，须更正后再报。",
      fix="按同一行的其他提示补齐计分依据；或用 jixiao 重新生成模板后把数据填回（jixiao fill）。")
def shown_vs_rule(ctx: Context):
    dec = ctx.decimals
    for g in ctx.groups:
        head, row = ctx.head(g), ctx.rows.get(g[0])
        shown = head.shown_score
        if not is_number(shown) or row is None:
            continue
        if row.score is None or differs(shown, row.score, dec):
            rule_text = "不计分" if row.score is None else fmt(row.score)
            yield Hit(f"{ctx.row_name(g[0])}表内显示得分 {fmt(float(shown))}，按规则应为 {rule_text}。",
                      ctx.at(head, "score"))
    result = ctx.result
    for key, label, mine, places in (("exec_rate", "执行率", result.exec_rate, 4),
                                     ("exec_score", "执行率得分", result.exec_score, dec),
                                     ("total", "总分", result.total, dec)):
        shown = ctx.form.shown.get(key)
        if is_number(shown) and (mine is None or differs(shown, mine, places)):
            yield Hit(f"表内显示的{label}为 {float(shown):g}，按规则应为 {'—' if mine is None else fmt(mine)}。",
                      ctx.cell(key))
    grade = ctx.form.shown.get("grade")
    waiting = isinstance(grade, str) and grade.strip().startswith("待定")  # the sheet waits: I15 says why
    if isinstance(grade, str) and grade.strip() and not waiting and result.grade and grade.strip() != result.grade:
        yield Hit(f"表内显示的等级为“{grade.strip()}”，按规则应为“{result.grade}”。", ctx.cell("grade"))


def _length(text) -> int:
    """字数 as limits count them: every character of the text, blanks at either end left out."""
    return len(str(text).strip()) if not is_blank(text) else 0


@rule("T09", ERROR, summary="文字超过规定字数",
      rationale="有的地区规定文字栏目的字数上限（四川：预算执行率偏低的原因、实施内容概述 100 字以内，"
                "评价结论、存在问题、改进措施各 200 字以内），超出的填报系统不接收。上限在规则配置中设置："
                "表头、文字栏目的 max_chars，各指标偏差原因的 explanation_max_chars；字数按字符计，含标点，"
                "不含首尾空白。",
      fix="精简文字到规定字数以内；详细情况写入自评报告。")
def text_too_long(ctx: Context):
    profile, form = ctx.profile, ctx.form
    for part, values in (("header", form.header), ("texts", form.texts)):
        for spec in profile.data.get(part) or []:
            limit, key = spec.get("max_chars"), spec["key"]
            n = _length(values.get(key))
            if limit and n > limit:
                yield Hit(f"“{spec.get('label', key)}”有 {n} 字，超过规定的 {limit} 字。", ctx.cell(f"{part}.{key}"))
    limit = profile.data.get("explanation_max_chars")
    if limit:
        for i, ind in enumerate(form.indicators):
            n = _length(ind.explanation)
            if n > limit:
                yield Hit(f"{ctx.row_name(i)}的偏差原因分析有 {n} 字，超过规定的 {limit} 字。", ctx.at(ind, "explanation"))
