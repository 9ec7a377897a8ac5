"""JX_ worksheet functions (xlwings UDFs), category 绩效自评.

Thin over the engine: each function converts Excel arguments, calls `jixiao.engine.scoring`, and turns any
problem into an Excel-style error text with a Chinese reason ("#VALUE! 全年预算数须为数字"), never a
Python exception. On Linux the xlwings decorators are no-ops, so these are plain functions to call
and test; in Excel the add-in registers them (`UDF Modules = jixiao.udfs.functions`).

Range forms (JX_SCORES) score a whole indicator table in one Python call, so recalculating a sheet
is one round trip rather than one per cell.
"""
from __future__ import annotations

import functools

import xlwings as xw

from jixiao.engine import scoring
from jixiao.engine.errors import JixiaoError
from jixiao.engine.excel import is_blank, is_number
from jixiao.engine.model import Indicator
from jixiao.engine.profiles import load_profile
from jixiao.engine.targets import parse_actual, parse_target

CATEGORY = "绩效自评"


def _error(kind: str, reason: str) -> str:
    return f"{kind} {reason}"


def _safe(fn):
    """Any failure becomes an error text in the cell, with a reason in Chinese."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except JixiaoError as exc:
            return _error(getattr(exc, "kind", "#VALUE!"), exc.message)
        except Exception as exc:  # noqa: BLE001 - a UDF must never raise into Excel
            return _error("#VALUE!", f"计算出错：{exc}")
    return wrapper


def _profile(name):
    return load_profile(name if not is_blank(name) else "national")


def _number(value, label: str) -> float:
    if is_number(value):
        return float(value)
    if isinstance(value, str):
        parsed = parse_actual(value)
        if parsed.value is not None and parsed.kind != "qualitative" and not parsed.unit.strip("%"):
            return parsed.value
    raise JixiaoError(f"{label}须为数字，现为“{'' if value is None else value}”")


class _DivZero(JixiaoError):
    kind = "#DIV/0!"


def _funds(executed, budget) -> tuple[float, float]:
    """全年执行数 and 全年预算数 as numbers; a budget of 0 or less is Excel's #DIV/0!."""
    executed, budget = _number(executed, "全年执行数"), _number(budget, "全年预算数")
    if budget <= 0:
        raise _DivZero("全年预算数须大于0")
    return executed, budget


def _column(values) -> list:
    """A range argument as a flat list (a single cell gives a one-item list)."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)):
        return [values]
    flat = []
    for v in values:
        flat.extend(v if isinstance(v, (list, tuple)) else [v])
    return flat


@xw.func(category=CATEGORY)
@xw.arg("executed", doc="全年执行数（万元）")
@xw.arg("budget", doc="全年预算数（万元），须大于0")
@_safe
def JX_EXECRATE(executed, budget):
    """预算执行率 = 全年执行数 ÷ 全年预算数（保留两位小数的百分比）。"""
    return scoring.exec_rate(*_funds(executed, budget), load_profile("national"))


@xw.func(category=CATEGORY)
@xw.arg("executed", doc="全年执行数（万元）")
@xw.arg("budget", doc="全年预算数（万元），须大于0")
@xw.arg("weight", doc="分值，省略时取规则配置的预算执行率分值（全国为10）")
@xw.arg("profile", doc="规则配置名称：national、zhuzhou、suzhou 等（不能是文件路径），省略为 national")
@_safe
def JX_EXECSCORE(executed, budget, weight=None, profile=None):
    """预算执行率得分 = 执行率 × 分值，最高不超过分值，保留两位小数。"""
    prof = _profile(profile)
    executed, budget = _funds(executed, budget)
    w = None if is_blank(weight) else _number(weight, "分值")
    return scoring.exec_score(executed, budget, prof, w)


@xw.func(category=CATEGORY)
@xw.arg("text", doc="年度指标值，如“20个以上”“≥95%”“合规”")
@_safe
def JX_TARGET(text):
    """解读指标值文字，返回规范写法，如“20个以上”→“≥ 20 个”；不能读作数值的为定性指标。"""
    target = parse_target(text)
    return target.canonical() if target.kind != "qualitative" else f"定性：{target.canonical()}"


@xw.func(category=CATEGORY)
@xw.arg("target", doc="年度指标值（文字或数字）")
@xw.arg("actual", doc="实际完成值（文字或数字）")
@xw.arg("profile", doc="规则配置名称，省略为 national")
@xw.arg("category", doc="一级指标（如“产出指标”），决定反向指标公式")
@_safe
def JX_COMPLETION(target, actual, profile=None, category=None):
    """完成程度：正向为 实际÷目标，反向按规则配置折算；1 表示恰好完成。"""
    prof = _profile(profile)
    rule = prof.category(category).rule if not is_blank(category) else prof.categories[0].rule
    t = scoring.read_target(target, rule)
    if t.direction == scoring.QUALITATIVE_DIR or t.value is None:
        return _error("#N/A", "定性指标没有完成率")
    a = scoring.read_actual(actual, t, target)
    if a.value is None:
        return _error("#VALUE!", f"实际完成值“{actual}”不是数值")
    return scoring.completion(t.direction, t.value, a.value, rule)


@xw.func(category=CATEGORY)
@xw.arg("target", doc="年度指标值（文字或数字）")
@xw.arg("actual", doc="实际完成值；定性指标可填档次，如“达成年度指标”")
@xw.arg("weight", doc="分值（权重）")
@xw.arg("profile", doc="规则配置名称，省略为 national")
@xw.arg("category", doc="一级指标，如“产出指标”“结果目标”，省略为第一个")
@xw.arg("direction", doc="可选：正向、反向、等于、定性，省略时按指标值判断")
@xw.arg("level", doc="可选：定性指标的完成档次")
@_safe
def JX_SCORE(target, actual, weight, profile=None, category=None, direction=None, level=None):
    """按规则计算一个指标的得分（保留两位小数）。"""
    prof = _profile(profile)
    cat = prof.category(category) if not is_blank(category) else prof.categories[0]
    w = _number(weight, "分值")
    lvl = "" if is_blank(level) else str(level)  # an actual that names a level ("达成") scores as it
    ind = Indicator(level1=cat.label, target=target, actual=actual, weight=w,
                    direction="" if is_blank(direction) else str(direction), level=lvl)
    row = scoring.score_row(ind, prof, cat, started=False)
    if row.fraction is None:
        return ""
    return scoring.group_score(w, [row.fraction], prof)


@xw.func(category=CATEGORY)
@xw.arg("targets", ndim=1, doc="年度指标值列")
@xw.arg("actuals", ndim=1, doc="实际完成值列")
@xw.arg("weights", ndim=1, doc="分值列；空白表示与上一行共用分值（合并单元格）")
@xw.arg("profile", doc="规则配置名称，省略为 national")
@xw.arg("categories", ndim=1, doc="一级指标列（或一个一级指标名称）")
@xw.arg("directions", ndim=1, doc="可选：方向列（正向/反向/等于/定性）")
@xw.arg("levels", ndim=1, doc="可选：定性档次列")
@xw.arg("target_values", ndim=1, doc="可选：指标值（数值）列，填了数的行按它计分")
@xw.arg("actual_values", ndim=1, doc="可选：完成值（数值）列，填了数的行按它计分")
@xw.arg("names", ndim=1, doc="可选：指标名称列；名称、指标值、完成值都空的行是空行，不计分")
@_safe
def JX_SCORES(targets, actuals, weights, profile=None, categories=None, directions=None, levels=None,
              target_values=None, actual_values=None, names=None):
    """一次计算整张指标表：每个分值组在首行返回得分，组内其余行为空。"""
    prof = _profile(profile)
    targets, actuals, weights = _column(targets), _column(actuals), _column(weights)
    n = len(targets)
    if len(actuals) != n or len(weights) != n:
        return _error("#VALUE!", "指标值、完成值、分值三列的行数须相同")

    def col(values, default):
        values = _column(values)
        if len(values) == 1:
            return values * n
        return values + [default] * (n - len(values))

    cats, dirs, lvls = col(categories, None), col(directions, ""), col(levels, "")
    tvals, avals, labels = col(target_values, None), col(actual_values, None), col(names, None)
    from jixiao.engine.model import Form
    form = Form(profile=prof.name, year=prof.year)
    current = prof.categories[0].label
    for i in range(n):
        if not is_blank(cats[i]):
            current = str(cats[i])
        if is_blank(targets[i]) and is_blank(actuals[i]) and is_blank(weights[i]) and is_blank(labels[i]):
            form.indicators.append(Indicator(level1=current, shares_weight=True))  # a spare row: no score
            continue
        form.indicators.append(Indicator(
            level1=current, name="" if is_blank(labels[i]) else str(labels[i]), target=targets[i], actual=actuals[i],
            weight=float(weights[i]) if is_number(weights[i]) else None,
            shares_weight=is_blank(weights[i]) and i > 0,
            direction="" if is_blank(dirs[i]) else str(dirs[i]),
            level="" if is_blank(lvls[i]) else str(lvls[i]),
            target_value=float(tvals[i]) if is_number(tvals[i]) else None,
            actual_value=float(avals[i]) if is_number(avals[i]) else None))
    result = scoring.score_form(form, prof)
    groups = {g[0]: g for g in form.weight_groups()}
    out = []
    for i, r in enumerate(result.rows):
        waiting = i in groups and r.weight is not None and any(result.rows[j].waiting for j in groups[i])
        out.append([scoring.PENDING if waiting else "" if r.score is None else r.score])  # never a partial score
    return out


@xw.func(category=CATEGORY)
@xw.arg("scores", ndim=1, doc="各项得分（一列）")
@xw.arg("more", ndim=1, doc="可选：另加的得分，如预算执行率得分")
@_safe
def JX_TOTAL(scores, more=None):
    """总分 = 各项得分之和（空白忽略），保留两位小数。"""
    values = _column(scores) + _column(more)
    pending = sum(1 for v in values if v == scoring.PENDING)
    if pending:  # never a total lower than the rules give
        return scoring.FormResult(pending=pending).total_text
    bad = [v for v in values if not is_blank(v) and not is_number(v)]
    if bad:
        return _error("#VALUE!", f"得分中有非数字“{bad[0]}”")
    return scoring.total(values)


@xw.func(category=CATEGORY)
@xw.arg("total", doc="总分")
@xw.arg("profile", doc="规则配置名称，省略为 national")
@_safe
def JX_GRADE(total, profile=None):
    """等级：按规则配置的分档（全国：90分及以上优，80分及以上良，60分及以上中，其余差）。"""
    if is_blank(total):
        return ""
    if isinstance(total, str) and total.startswith(scoring.PENDING):
        return scoring.PENDING
    return scoring.grade(_number(total, "总分"), _profile(profile))


def reference() -> str:
    """docs/functions.md: every JX_ function with its arguments, from the decorators above."""
    import ast
    import inspect
    import sys

    tree = ast.parse(inspect.getsource(sys.modules[__name__]))
    out = ["# JX_ 工作表函数 Worksheet functions", "",
           "类别“绩效自评”。参数错误时返回带中文原因的 Excel 错误文字（如 `#VALUE! 全年预算数须为数字`），不会报错中断。",
           "Category 绩效自评. Bad arguments return an Excel-style error text with a Chinese reason.", ""]
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("JX_")):
            continue
        docs = {}
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "arg":
                name = dec.args[0].value
                docs[name] = next((k.value.value for k in dec.keywords if k.arg == "doc"), "")
        args = [a.arg for a in node.args.args]
        optional = len(node.args.defaults)
        shown = [f"[{a}]" if i >= len(args) - optional else a for i, a in enumerate(args)]
        out += [f"## `{node.name}({', '.join(shown)})`", "", ast.get_docstring(node) or "", ""]
        out += [f"- `{a}`：{docs.get(a, '')}" for a in args] + [""]
    out.append("本文件由 `python -m jixiao.udfs.functions > docs/functions.md` 生成。")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
