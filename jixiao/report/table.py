"""The 自评表 as a table for the report: the official layout of the form's profile (the national
9-column grid, its 株洲 header, or the 苏州 form), filled with the form's values and the engine's scores.

A `Grid` is a list of placed cells (row, column, spans, text, kind); `jixiao.report.document` draws it.
Inputs are printed as typed (text stays text); computed cells (执行率, 得分, 总分, 等级, Suzhou's
结余 and 合计) come from the engine, and 待定 where the engine cannot compute them. The headings are
the ones the template builder draws in the workbook (jixiao.templates.builder), so the attached table
reads like the printed form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from jixiao.engine.errors import JixiaoError
from jixiao.engine.excel import is_blank, is_number, xround
from jixiao.engine.model import Form
from jixiao.engine.profiles import Profile
from jixiao.engine.scoring import form_started, suzhou_amounts
from jixiao.engine.validation.core import Context

from .facts import PENDING, actual_text, money, rate, score, text, weight

NATIONAL_WIDTHS = (8.5, 10, 11, 21, 14, 15, 6.5, 9.5, 19)
SUZHOU_WIDTHS = (11, 12, 20, 13, 12, 13, 11)
NOTE_PREFIX = {"national": "注：", "zhuzhou": "备注：", "suzhou": "填表说明："}


@dataclass
class Cell:
    row: int
    col: int
    text: str
    rows: int = 1
    cols: int = 1
    kind: str = "body"      # head (bold, centred) | label (centred) | body (centred) | left (text, left)


@dataclass
class Grid:
    widths: tuple[float, ...]
    cells: list[Cell] = field(default_factory=list)
    title: str = ""
    subtitle: str = ""
    notes: str = ""

    @property
    def nrows(self) -> int:
        return max((c.row + c.rows for c in self.cells), default=0)

    def put(self, row: int, col: int, value, kind: str = "body", rows: int = 1, cols: int = 1) -> None:
        self.cells.append(Cell(row, col, value if isinstance(value, str) else text(value), rows, cols, kind))


def _runs(values: list) -> list[tuple[int, int]]:
    """(first, last) index of each run of equal neighbours: the cells a label is merged over."""
    out, start = [], 0
    for _, same in groupby(values):
        n = len(list(same))
        out.append((start, start + n - 1))
        start += n
    return out


def build_grid(form: Form, profile: Profile, ctx: Context | None = None) -> Grid:
    ctx = ctx or Context(form, profile)
    notes = profile.data.get("notes") or []
    prefix = NOTE_PREFIX.get(profile.layout, "注：")
    if profile.layout == "suzhou":
        grid = Grid(SUZHOU_WIDTHS, title=profile.title)
        _suzhou(grid, form, profile, ctx)
    else:
        grid = Grid(NATIONAL_WIDTHS, title=(f"{form.year}年度{profile.title}" if profile.layout == "zhuzhou"
                                            else profile.title),
                    subtitle="" if profile.layout == "zhuzhou" else f"（{form.year}年度）")
        _national(grid, form, profile, ctx)
    grid.notes = (prefix + "\n".join(notes)) if notes else ""
    return grid


# National family ---------------------------------------------------------------------------------

def _national(g: Grid, form: Form, profile: Profile, ctx: Context) -> None:
    h, labels = form.header, {x["key"]: x["label"] for x in profile.data["header"]}
    r = 0
    if profile.layout == "zhuzhou":
        g.put(r, 0, labels["department"], "label")
        g.put(r, 1, h.get("department"), "left", cols=8)
        g.put(r + 1, 0, "项目支出名称", "label", rows=2)
        for k, (key, money_key) in enumerate((("special_name", "total_investment"),
                                              ("subitem_name", "total_investment_fiscal"))):
            g.put(r + 1 + k, 1, labels[key], "label", cols=2)
            g.put(r + 1 + k, 3, h.get(key), "left", cols=2)
            g.put(r + 1 + k, 5, labels[money_key], "label", cols=2)
            g.put(r + 1 + k, 7, h.get(money_key), "body", cols=2)
        g.put(r + 3, 0, labels["period"], "label")
        g.put(r + 3, 1, h.get("period"), "left", cols=8)
        r += 4
    else:  # the profile's first header field on a row, the next two side by side (national: 项目名称; 主管部门, 实施单位)
        keys = list(labels)
        g.put(r, 0, labels[keys[0]], "label")
        g.put(r, 1, h.get(keys[0]), "left", cols=8)
        if len(keys) > 1:
            g.put(r + 1, 0, labels[keys[1]], "label")
            g.put(r + 1, 1, h.get(keys[1]), "left", cols=4 if len(keys) > 2 else 8)
        if len(keys) > 2:
            g.put(r + 1, 5, labels[keys[2]], "label")
            g.put(r + 1, 6, h.get(keys[2]), "left", cols=3)
        r += 1 + (len(keys) > 1)
    # funds
    zhuzhou = profile.layout == "zhuzhou"
    spec = profile.data["funds"]["rows"]
    rows = {fr.key: fr for fr in form.funds}
    g.put(r, 0, "年度项目资金（万元）" if zhuzhou else "项目资金（万元）", "label", rows=len(spec) + 1)
    g.put(r, 1, "年度资金总额" if zhuzhou else "", "head", cols=2)
    for c, head in enumerate(("年初预算数", "全年预算数", "全年执行数", "分值", "执行率",
                              "得分（执行率×分值）" if zhuzhou else "得分"), 3):
        g.put(r, c, head, "head")
    res = ctx.result
    for i, item in enumerate(spec):
        rr = r + 1 + i
        fr = rows.get(item["key"])
        g.put(rr, 1, item["label"], "label" if i == 0 else "left", cols=2)
        for c, value in enumerate((fr.initial, fr.budget, fr.executed) if fr else (None, None, None), 3):
            g.put(rr, c, money(value) if is_number(value) else text(value))
        if i == 0:
            w = form.funds_weight if is_number(form.funds_weight) else profile.funds_weight
            g.put(rr, 6, weight(w))
            computable = fr is not None and (is_number(fr.budget) or is_number(fr.executed))
            g.put(rr, 7, rate(res.exec_rate) if computable or form_started(form) else "")
            g.put(rr, 8, score(res.exec_score) if computable or form_started(form) else "")
        else:
            for c in (6, 7, 8):
                g.put(rr, c, "—")
    r += len(spec) + 1
    # goals
    tl = {x["key"]: x["label"] for x in profile.data["texts"]}
    g.put(r, 0, "年度总体目标", "label", rows=2)
    g.put(r, 1, tl["goal_expected"], "head", cols=4)
    g.put(r, 5, tl["goal_actual"], "head", cols=4)
    g.put(r + 1, 1, form.texts.get("goal_expected"), "left", cols=4)
    g.put(r + 1, 5, form.texts.get("goal_actual"), "left", cols=4)
    r += 2
    # indicators
    inds = form.indicators
    g.put(r, 0, "绩效指标", "label", rows=len(inds) + 1)
    for c, head in enumerate(("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分",
                              "偏差原因分析及改进措施"), 1):
        g.put(r, c, head, "head")
    first = r + 1
    _grid_rows(g, form, profile, ctx, first, {"l1": 1, "l2": 2, "name": 3, "target": 4, "actual": 5, "weight": 6,
                                              "score": 7, "reason": 8}, with_weight_in_label=True)
    r = first + len(inds)
    total_weight = sum(float(i.weight) for i in inds if is_number(i.weight) and not i.shares_weight)
    if profile.funds_scored:
        w = form.funds_weight if is_number(form.funds_weight) else profile.funds_weight
        total_weight += float(w) if is_number(w) else 0.0
    g.put(r, 0, "总分", "head", cols=6)
    g.put(r, 6, weight(xround(total_weight, 2)), "head")
    g.put(r, 7, score(res.total), "head")
    g.put(r, 8, f"等级：{res.grade or PENDING}", "head")


def _grid_rows(g: Grid, form: Form, profile: Profile, ctx: Context, first: int, col: dict,
               with_weight_in_label: bool) -> None:
    inds = form.indicators
    for start, end in _runs([i.level1 for i in inds]):
        try:
            cat = profile.category(inds[start].level1)
            label = f"{cat.label}\n（{cat.weight:g}分）" if with_weight_in_label else cat.label
        except JixiaoError:        # an unknown 一级 label (rule P02) is printed as written
            label = text(inds[start].level1)
        g.put(first + start, col["l1"], label, "label", rows=end - start + 1)
    if col.get("l2") is not None:
        for start, end in _runs([(i.level1, i.level2) for i in inds]):
            g.put(first + start, col["l2"], inds[start].level2, "label", rows=end - start + 1)
    groups = {grp[0]: grp for grp in ctx.groups}
    scored = set(ctx.rows)
    for i, ind in enumerate(inds):
        r = first + i
        g.put(r, col["name"], ind.name, "left")
        g.put(r, col["target"], ind.target)
        g.put(r, col["actual"], actual_text(ind, profile))
        if col.get("reason") is not None:
            g.put(r, col["reason"], ind.explanation, "left")
        grp = groups.get(i)
        if grp is not None:
            n = len(grp)
            g.put(r, col["weight"], weight(ind.weight) if is_number(ind.weight) else text(ind.weight), rows=n)
            row = ctx.rows.get(i)
            g.put(r, col["score"], score(row.score) if row is not None and form_started(form) else (
                "" if row is not None else PENDING), rows=n)
        elif i not in scored:
            g.put(r, col["weight"], text(ind.weight))
            g.put(r, col["score"], PENDING)


# Suzhou ----------------------------------------------------------------------------------------------

def _suzhou(g: Grid, form: Form, profile: Profile, ctx: Context) -> None:
    h, labels, a = form.header, {x["key"]: x["label"] for x in profile.data["header"]}, form.amounts
    g.put(0, 0, labels["project_name"], "label")
    g.put(0, 1, h.get("project_name"), "left", cols=3)
    g.put(0, 4, labels["project_year"], "label")
    g.put(0, 5, h.get("project_year") if not is_blank(h.get("project_year")) else form.year, cols=2)
    g.put(1, 0, labels["department"], "label")
    g.put(1, 1, h.get("department"), "left", cols=6)
    g.put(2, 0, "市级预算执行情况（万元）", "label", rows=2)
    g.put(2, 1, "年初预算数", "head")
    g.put(2, 2, "当年使用上年结余、结转及当年调整预算数", "head", cols=2)
    g.put(2, 4, "财政拨款数", "head")
    g.put(2, 5, "指标结余数", "head", cols=2)
    derived = suzhou_amounts(a)
    balance = a.get("balance") if is_number(a.get("balance")) else derived["balance"]
    carry = a.get("carry") if is_number(a.get("carry")) else derived["carry"]
    g.put(3, 1, _amount(a.get("initial")))
    g.put(3, 2, _amount(a.get("adjustment")), cols=2)
    g.put(3, 4, _amount(a.get("appropriated")))
    g.put(3, 5, _amount(balance), cols=2)
    g.put(4, 0, "市级财政资金使用情况（万元）", "label", rows=3)
    g.put(4, 1, "财政拨款数", "head", rows=2)
    g.put(4, 2, "实际支付数", "head", rows=2)
    g.put(4, 3, "资金结余、结转数", "head", rows=2)
    g.put(4, 4, "其中：", "head", cols=3)
    g.put(5, 4, "结转数", "head")
    g.put(5, 5, "财政收回数", "head", cols=2)
    g.put(6, 1, _amount(a.get("appropriated")))
    g.put(6, 2, _amount(a.get("paid")))
    g.put(6, 3, _amount(carry))
    g.put(6, 4, _amount(a.get("carryover")))
    g.put(6, 5, _amount(a.get("recovered")), cols=2)
    subs = form.subitems
    n = max(len(subs), 1)
    g.put(7, 0, "项目资金构成（详细列出各子项目名称和金额）", "label", rows=n + 2)
    g.put(7, 1, "子项名称", "head", cols=2)
    g.put(7, 3, "预算数（万元）", "head", cols=2)
    g.put(7, 5, "实际数（万元）", "head", cols=2)
    for i in range(n):
        s = subs[i] if i < len(subs) else None
        g.put(8 + i, 1, s.name if s else "", "left", cols=2)
        g.put(8 + i, 3, _amount(s.budget) if s else "", cols=2)
        g.put(8 + i, 5, _amount(s.actual) if s else "", cols=2)
    r = 8 + n
    budgets = [float(s.budget) for s in subs if is_number(s.budget)]
    actuals = [float(s.actual) for s in subs if is_number(s.actual)]
    g.put(r, 1, "合计", "label", cols=2)
    g.put(r, 3, money(xround(sum(budgets), 6)) if budgets else "", cols=2)
    g.put(r, 5, money(xround(sum(actuals), 6)) if actuals else "", cols=2)
    r += 1
    inds = form.indicators
    for c, head in enumerate(("项目", "类别", "指标名称", "目标值", "权重", "实际完成值", "自评分")):
        g.put(r, c, head, "head")
    first = r + 1
    g.put(first, 0, f"项目绩效实现情况（{profile.max_total:g}分）", "label", rows=max(len(inds), 1))
    _grid_rows(g, form, profile, ctx, first, {"l1": 1, "name": 2, "target": 3, "weight": 4, "actual": 5, "score": 6},
               with_weight_in_label=False)
    r = first + max(len(inds), 1)
    total_weight = sum(float(i.weight) for i in inds if is_number(i.weight) and not i.shares_weight)
    g.put(r, 0, "合计", "head", cols=4)
    g.put(r, 4, weight(xround(total_weight, 2)), "head")
    g.put(r, 5, "", "head")
    g.put(r, 6, score(ctx.result.total), "head")
    g.put(r + 1, 0, "自评等级（按得分率折算）", "head", cols=6)
    g.put(r + 1, 6, ctx.result.grade or PENDING, "head")


def _amount(value) -> str:
    return money(value) if is_number(value) else text(value)
