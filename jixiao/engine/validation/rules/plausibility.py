"""R: what a seasoned reviewer notices although every number adds up: scores docked by rote, full
marks beside money not spent, placeholders left in, amounts in the wrong unit."""
from __future__ import annotations

import re

from ... import scoring
from ...excel import is_blank, is_number
from ..core import ERROR, WARNING, Context, Hit, amount, num, pct, rule
from .structure import AMOUNT_LABELS, SZ_LABELS


def _shown(ctx: Context, group: list[int]) -> float | None:
    """The group's score as the form shows it: typed, else the rule's."""
    typed = ctx.head(group).reported_score
    if is_number(typed):
        return float(typed)
    return ctx.rows[group[0]].score


@rule("R01", WARNING, summary="已完成的指标都按同一比例扣分",
      rationale="完成了指标值的指标应得满分（财预〔2020〕10号）；实际中常见把每项都“象征性”扣掉同样比例（如都打 9 折），"
                "这不是按完成情况计分，复核时应要求逐项说明依据。",
      fix="按每项指标的实际完成情况计分：完成指标值的记满分；确需调减的，逐项在偏差原因栏写明依据。",
      params={"min_rows": 3, "share": 0.8})
def docked_alike(ctx: Context):
    met, docked = [], []
    for group in ctx.groups:
        w = num(ctx.head(group).weight)
        rows = [ctx.rows[i] for i in group]
        if not w or any(r.fraction is None or r.fraction < 1 for r in rows):
            continue
        met.append(group)
        typed = ctx.head(group).reported_score
        if is_number(typed) and 0 < float(typed) < w:
            docked.append((group, round(float(typed) / w, 2)))
    if len(docked) < int(ctx.setting("min_rows")) or len(docked) < float(ctx.setting("share")) * len(met):
        return
    ratios = {r for _, r in docked}
    if len(ratios) == 1:
        ratio = ratios.pop()
        first = docked[0][0]
        yield Hit(f"{len(docked)} 项指标都完成了指标值，却都按分值的 {pct(ratio)} 计分（如{ctx.row_name(first[0])}）："
                  "看起来是统一扣分，而不是按完成情况计分。", ctx.at(ctx.head(first), "score"))


@rule("R02", WARNING, summary="预算执行率很低，产出指标却全部满分",
      rationale="资金大部分没有花出去，产出却全部足额完成，二者很难同时成立：常见于照抄指标值作为完成值。"
                "复核时应核实产出数据。",
      fix="核实各产出指标的实际完成值是否与资金执行情况相符；如确实如此，请在自评报告中说明原因。",
      params={"max_rate": 0.6})
def low_rate_full_outputs(ctx: Context):
    rate = ctx.result.exec_rate
    where = ctx.cell("exec_rate")
    if rate is None and ctx.form.amounts:
        rate = scoring.budget_rate(ctx.form.amounts, ctx.profile)
        where = ctx.cell("amounts.paid") or ctx.cell("amounts.appropriated")
    if rate is None or rate >= float(ctx.setting("max_rate")):
        return
    outputs = [g for g in ctx.groups if ctx.categories[g[0]] is not None and ctx.categories[g[0]].key == "output"]
    if not outputs:
        return
    for group in outputs:
        w, shown = num(ctx.head(group).weight), _shown(ctx, group)
        if w is None or shown is None or shown < w:
            return
    if not where and ctx.form.funds:
        where = ctx.form.funds[0].cells.get("executed", "")
    yield Hit(f"预算执行率只有 {pct(rate)}，而 {len(outputs)} 项产出指标全部满分：请核实产出完成情况。", where)


PLACEHOLDERS = ("**", "＊＊", "XX", "xx", "ＸＸ", "××", "……", "...", "。。。")
_EMPTY_ITEM = re.compile(r"^\s*指标\s*[0-9０-９一二三四五六七八九十]+\s*[:：]?\s*$")


def _text_cells(ctx: Context):
    """(text, where, what) of every text a unit fills in; `what` is a function (named only when needed)."""
    form = ctx.form
    for spec in ctx.profile.data.get("header") or []:
        key = spec["key"]
        yield form.header.get(key), ctx.cell(f"header.{key}"), lambda spec=spec: f"表头“{spec.get('label', spec['key'])}”"
    for spec in ctx.profile.data.get("texts") or []:
        key = spec["key"]
        yield form.texts.get(key), ctx.cell(f"texts.{key}") or ctx.cell(key), lambda spec=spec: f"“{spec.get('label', spec['key'])}”"
    for i, ind in enumerate(form.indicators):
        for fld, label in (("name", "指标名称"), ("target", "年度指标值"), ("actual", "实际完成值"),
                           ("explanation", "偏差原因")):
            value = getattr(ind, fld)
            if isinstance(value, str) and value:
                yield value, ctx.at(ind, fld), lambda i=i, label=label: f"{ctx.row_name(i)}的{label}"
    for item in form.subitems:
        yield item.name, item.cells.get("name", ""), lambda: "子项名称"


@rule("R03", ERROR, summary="留有模板占位文字（“**”“XX”“……”“指标1：”）",
      rationale="样表中的“≥**平方米”“XX单位”“……”“指标1：”是让填表人替换的占位文字；原样留在表中说明这一栏没有真正填写，"
                "而数字读取会把“≥**”当作没有数值。",
      fix="把占位文字替换为实际内容（如“≥**平方米”改为“≥5000平方米”），不需要的行请清空。",
      params={"words": list(PLACEHOLDERS)})
def placeholders(ctx: Context):
    words = tuple(ctx.setting("words"))
    for value, where, what in _text_cells(ctx):
        if is_blank(value) or not isinstance(value, str):
            continue
        text = value.strip()
        hit = next((w for w in words if w in text), None)
        if hit is None and _EMPTY_ITEM.match(text):
            hit = text
        if hit is not None:
            yield Hit(f"{what()}“{text[:30]}”中留有占位文字“{hit}”，请填写实际内容。", where)


def _amount_pairs(ctx: Context):
    """(a, b, where_a, where_b, what) of amounts that should be of one magnitude, and (value, where,
    what) of every amount."""
    form = ctx.form
    amounts, pairs = [], []
    for row in form.funds:
        cells = [(getattr(row, k), row.cells.get(k, ""), f"“{row.label or row.key}”的{lb}") for k, lb in AMOUNT_LABELS.items()]
        amounts += cells
        nums = [c for c in cells if is_number(c[0]) and float(c[0]) > 0]
        pairs += [(x, y) for n, x in enumerate(nums) for y in nums[n + 1:]]
    sz = [(form.amounts.get(k), ctx.cell(f"amounts.{k}"), SZ_LABELS[k]) for k in SZ_LABELS if k in form.amounts]
    amounts += sz
    by_key = {k: (form.amounts.get(k), ctx.cell(f"amounts.{k}"), SZ_LABELS[k]) for k in ("initial", "appropriated", "paid")
              if is_number(form.amounts.get(k)) and float(form.amounts[k]) > 0}
    keys = list(by_key)
    pairs += [(by_key[a], by_key[b]) for n, a in enumerate(keys) for b in keys[n + 1:]]
    for item in form.subitems:
        cells = [(item.budget, item.cells.get("budget", ""), f"子项“{item.name}”的预算数"),
                 (item.actual, item.cells.get("actual", ""), f"子项“{item.name}”的实际数")]
        amounts += cells
        if all(is_number(c[0]) and float(c[0]) > 0 for c in cells):
            pairs.append(tuple(cells))
    return amounts, pairs


@rule("R04", WARNING, summary="金额看起来不是以万元为单位（或同一行中元与万元混用）",
      rationale="自评表的金额以万元为单位。一个项目的金额超过 10 亿元（100000 万元）多半是按元填写的；同一行的预算数与"
                "执行数相差约一万倍，则是一个按元、一个按万元填写。执行率和得分会因此差出一万倍。",
      fix="把按元填写的金额除以 10000 改为万元（如 4700000 元填 470）。",
      params={"max_amount": 100000, "ratio_low": 5000, "ratio_high": 20000})
def wrong_unit(ctx: Context):
    amounts, pairs = _amount_pairs(ctx)
    top = float(ctx.setting("max_amount"))
    big = [(v, w, t) for v, w, t in amounts if is_number(v) and abs(float(v)) >= top]
    flagged = {w for _, w, _ in big}
    if big:
        value, where, what = big[0]
        many = f"共 {len(big)} 个金额" if len(big) > 1 else ""
        yield Hit(f"{what}为 {amount(value)}（{many}超过 {amount(top)} 万元，即 {amount(top / 10000)} 亿元）："
                  "看起来是按元填写的。", where)
    lo, hi = float(ctx.setting("ratio_low")), float(ctx.setting("ratio_high"))
    for (a, wa, ta), (b, wb, tb) in pairs:
        big, small = max(float(a), float(b)), min(float(a), float(b))
        if lo <= big / small <= hi and wa not in flagged and wb not in flagged:
            yield Hit(f"{ta} {amount(a)} 与{tb} {amount(b)} 相差约 {big / small:.0f} 倍：其中一个可能按元、另一个按万元填写。",
                      wa if float(a) > float(b) else wb)
