"""Fill forms from declaration data: YAML / JSON (one project, a list, or {projects: [...]}) or CSV
(one row per indicator, project fields on the project's first row). `jixiao fill DATA... --out DIR`.

The data format is documented for users, in Chinese, with every key and CSV heading, in
docs/data-format.md; templates/examples/ has a YAML and a CSV example. In short:

Project data keys (YAML/JSON):
  profile, year, header: {project_name: ..}, funds: [{key: total, initial, budget, executed}, ..],
  funds_weight, amounts: {initial, adjustment, appropriated, paid, carryover, recovered} (Suzhou),
  subitems: [{name, budget, actual}], texts: {goal_expected: ..},
  indicators: [{level1, level2, name, target, actual, weight, shares_weight, explanation, direction, level}],
  reported: {total, grade} and indicators[].reported_score (scores as printed on a paper form)
CSV columns: the same names flattened (project, profile, year, project_name, funds_total_budget,
amount_paid, goal_expected, level1, name, target, ...), or their Chinese headings (项目名称, 全年预算数,
三级指标, the Suzhou form's 财政拨款数, 实际支付数, ...: CSV_ALIASES). A row whose 项目 and name cells are
blank continues the project above it. 年初预算数 is amounts.initial on a form without a funds table (Suzhou).

Everything is checked before anything is written; a mistake is reported in Chinese with the file, the
project and the field (for a CSV, the line). Data files are read within the limits of
`jixiao.engine.safedata` (size, values, nesting, YAML aliases) and only if they are regular files. Text
goes into cells as text; a vertical tab or form feed (Word's line breaks) becomes a line break, any
other control character is refused at its field. File names are made from project names safely: no
path, no control or reserved characters, at most 255 bytes (the full name stays in the workbook).

Workbooks already in the output folder are never replaced unless `--force` is given (then atomically,
and only regular files). Without it, a workbook already there with the same content as the one to be
made is kept and counted as done, so an interrupted run, or several runs into one folder, can be run
again to complete what is missing; one with other content stops the run before anything is written.
"""
from __future__ import annotations

import argparse
import csv
import datetime
import io
import json
import math
import os
import re
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from jixiao.engine.errors import JixiaoError, ProfileError
from jixiao.engine.excel import xround
from jixiao.engine.files import atomic_output, check_replaceable, read_limited, safe_name
from jixiao.engine.safedata import DATA_LIMITS, check_shape, load_json, load_yaml
from jixiao.engine.safetext import printable, shown_name
from jixiao.engine.model import Form, FundsRow, Indicator, SubItem, label_weight
from jixiao.engine.profiles import Profile, check_name, default_year, load_profile, profile_argument
from jixiao.engine.schema import keys, unknown_keys

from .builder import MODES, build_workbook

INDICATOR_KEYS = {"level1", "level2", "name", "target", "actual", "weight", "shares_weight", "explanation",
                  "direction", "level", "target_value", "actual_value", "reported_score", "deduction"}
FUNDS_KEYS = {"key", "label", "initial", "budget", "executed"}
SUBITEM_KEYS = {"name", "budget", "actual"}
AMOUNT_LABELS = {"initial": "年初预算数", "adjustment": "当年使用上年结余、结转及当年调整预算数",
                 "appropriated": "财政拨款数", "paid": "实际支付数", "carryover": "结转数", "recovered": "财政收回数"}
REPORTED_LABELS = {"total": "总分", "grade": "等级", "exec_rate": "执行率", "exec_score": "执行率得分",
                   "balance": "指标结余数", "carry": "资金结余、结转数"}   # the last two: Suzhou
# Every key a project's data may hold (jixiao/engine/schema.py); header and texts keys depend on the
# profile and are checked against it in _form.
DATA_SCHEMA = keys("profile", "year", "header", "funds_weight", "texts", "file_name", "level1_weights",
                   funds=[keys(*FUNDS_KEYS)], amounts=keys(*AMOUNT_LABELS), subitems=[keys(*SUBITEM_KEYS)],
                   indicators=[keys(*INDICATOR_KEYS)], reported=keys(*REPORTED_LABELS))
PROJECT_KEYS = set(DATA_SCHEMA)
# where a key is, as messages name it
PART_NAMES = {"funds": "资金（funds）", "amounts": "金额（amounts）", "subitems": "子项（subitems）",
              "indicators": "指标", "reported": "纸质表得分（reported）"}
FUNDS_COLUMNS = ("initial", "budget", "executed")
SCALARS = (str, int, float, datetime.date)   # what a cell can hold (bool is an int)
FUNDS_EXAMPLE = "{key: total, budget: 100, executed: 95}"
AMOUNTS_EXAMPLE = "{initial: 1900, appropriated: 1087.5, paid: 1087.5}"
SUBITEM_EXAMPLE = "{name: 基本建设, budget: 1200, actual: 388}"
INDICATOR_EXAMPLE = "{level1: 产出指标, name: 养护里程, target: ≥50公里, weight: 20}"
CSV_ALIASES = {
    "项目": "project", "项目编号": "project", "规则": "profile", "年度": "year",
    "项目名称": "project_name", "主管部门": "department", "部门名称": "department", "实施单位": "unit",
    "专项名称": "special_name", "支出方向名称（子项）": "subitem_name", "项目总投资（万元）": "total_investment",
    "项目总实施期": "period", "项目年份": "project_year", "项目主管部门(单位)": "department",
    "年初预算数": "funds_total_initial", "全年预算数": "funds_total_budget", "全年执行数": "funds_total_executed",
    "预期目标": "goal_expected", "实际完成情况": "goal_actual",
    "一级指标": "level1", "类别": "level1", "二级指标": "level2", "三级指标": "name", "指标名称": "name",
    "年度指标值": "target", "目标值": "target", "实际完成值": "actual", "分值": "weight", "权重": "weight",
    "共用分值": "shares_weight", "偏差原因分析及改进措施": "explanation", "说明": "explanation",
    "指标方向": "direction", "定性档次": "level", "指标值（数值）": "target_value", "完成值（数值）": "actual_value",
    # the Suzhou form's own headings (amounts, 情况说明); its 年初预算数 is the one above
    "当年使用上年结余、结转及当年调整预算数": "amount_adjustment", "财政拨款数": "amount_appropriated",
    "实际支付数": "amount_paid", "结转数": "amount_carryover", "财政收回数": "amount_recovered",
    "情况说明": "explanation", "情况说明（未完成、无数值的原因）": "explanation",
    # the other header fields and text blocks, by their headings on the forms
    "其中：财政拨款": "total_investment_fiscal", "预算执行率分值": "funds_weight", "项目概况": "overview",
    "项目总目标": "total_goal", "年度绩效目标": "annual_goal", "项目实施情况": "implementation",
    "项目管理成效": "results", "项目管理存在的问题及原因": "problems", "进一步加强项目管理的建议": "suggestions",
    "自评得分": "reported_score", "文件名": "file_name", "扣减分数": "deduction",
    # the numbers a published form prints (its own 总分, 等级, 执行率, 执行率得分), checked against the rules
    "总分": "reported_total", "等级": "reported_grade", "执行率": "reported_exec_rate", "执行率得分": "reported_exec_score",
}
NAME_COLUMNS = ("project", "project_name", "special_name", "subitem_name")   # a CSV row naming its project
_CSV_KEY = re.compile(r"^[a-z][a-z0-9_]*$")   # a column named by its data item (project_name, funds_total_budget)
TRUE_WORDS = {"1", "true", "yes", "y", "是", "共用", "√"}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_YEAR = re.compile(r"^(\d{4})\s*(年度?)?$")
MAX_SHOWN = 5              # existing output files named in the refusal
MAX_INDICATORS = 1_000     # rows of one form
# Characters a text cell cannot hold or should not: C0 but tab and line breaks, DEL, C1, lone
# surrogates (a JSON "\ud800"). A vertical tab or form feed is Word's line break: it becomes one.
_BAD_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_WORD_BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})


class DataError(JixiaoError):
    """Declaration data that cannot be turned into a form."""


class OutputExists(JixiaoError):
    """Output files that are already there and may hold what a user typed: not replaced without --force."""


class Project(NamedTuple):
    """One project as read from a data file, with what messages about it need."""
    data: Any                        # as read; form_from_data checks it
    name: str = ""                   # its key or name ("" if none)
    places: list[str] | None = None  # CSV: "file 第N行" of each indicator row


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if isinstance(value, (dict, list)) else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _mapping(value, what: str, where: str, example: str) -> dict:
    """A part of the data made of "key: value" pairs of single values (text, number, date); None is empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(f"{what}应为“键: 值”的映射，如 {example}；现为“{_show(value)}”", where=where)
    for key, item in value.items():
        if item is not None and not isinstance(item, SCALARS):
            raise DataError(f"{what}中的“{key}”应为一个文字或数字，现为“{_show(item)}”", where=where)
        if not _finite(item):
            raise DataError(f"{what}中的“{key}”{_not_a_number(item)}", where=where)
    return value


def _items(value, what: str, where: str, example: str) -> list:
    """A part of the data that is a list (YAML: one "- " line per item); None is empty."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"{what}应为列表（YAML 中每项一行，以“- ”开头），如 {example}；现为“{_show(value)}”",
                        where=where)
    return value


def _record(value, what: str, where: str, example: str) -> dict:
    """One item of a list: "key: value" pairs of single values (its keys are checked by DATA_SCHEMA)."""
    if value is None:
        raise DataError(f"{what}是空的；应为“键: 值”的映射，如 {example}", where=where)
    return _mapping(value, what, where, example)


def _check_keys(data: dict, where: str, places: list[str] | None) -> None:
    """Every key of a project's data must be one DATA_SCHEMA knows: the unknown ones are named, in
    the part they are in, with the keys expected there (an indicator's at its CSV line)."""
    found = unknown_keys(data, DATA_SCHEMA)
    if not found:
        return
    path = found[0].path
    here, what = where, "不认识的项目数据项"
    if path:
        part = PART_NAMES.get(path[0], path[0])
        if path[0] == "indicators" and len(path) > 1:
            n = path[1]
            here = places[n] if places and n < len(places) else (f"{where} 第{n + 1}个指标" if where else f"第{n + 1}个指标")
            what = "指标中有不认识的数据项"
        else:
            what = f"{part}{f'第{path[1] + 1}项' if len(path) > 1 else ''}中有不认识的数据项"
    same = [u for u in found if u.path == path]
    extra = sorted(dict.fromkeys(u.shown for u in same))
    near = [f"“{u.shown}”是不是“{u.near()}”" for u in same if u.near()]
    raise DataError(f"{what}：{'、'.join(extra)}{'（' + '；'.join(near) + '？）' if near else ''}；"
                    f"可用：{'、'.join(sorted(same[0].expected))}", where=here)


def _year(value, where: str) -> int:
    """A fiscal year: 2026, "2026" or "2026年"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    match = None if isinstance(value, bool) else _YEAR.match(str(value).strip())
    if not match:
        raise DataError(f"年度（year）应为四位数的年份，如 2026，现为“{_show(value)}”", where=where)
    year = int(match.group(1))
    if not 2000 <= year <= 2100:
        raise DataError(f"年度“{year}”不合理，应在2000至2100之间", where=where)
    return year


def _finite(value) -> bool:
    """False for NaN and infinity (YAML .nan / .inf, "1e999"): a cell cannot hold them."""
    return not isinstance(value, float) or math.isfinite(value)


def _not_a_number(value) -> str:
    kind = "不是数" if isinstance(value, float) and math.isnan(value) else "无穷大"
    return f"应为一个确定的数字，现为“{value}”（{kind}）"


def _amount(value, what: str, where: str):
    """An amount or weight: a number, a plain numeric text, or empty. '470万元' is refused, not guessed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DataError(f"{what}应为数字，现为“{value}”", where=where)
    if isinstance(value, (int, float)):
        number = value
    else:
        text = str(value).strip().replace(",", "")
        if not _PLAIN_NUMBER.match(text):
            raise DataError(f"{what}应为数字（单位见表头），现为“{value}”{_unit_hint(text)}", where=where)
        number = float(text)
        number = int(number) if number.is_integer() and "." not in text else number
    if not _finite(number):
        raise DataError(f"{what}{_not_a_number(number)}", where=where)
    return number


def _reported(reported: dict, where: str) -> dict:
    """The published numbers as numbers: 等级 as text, 执行率 as a fraction ("94%" or 0.94). A bare rate
    above 500 % is a percent written without its sign (84 for 84 %): refused with the two ways to write it,
    never printed as 8400 %."""
    out = {}
    for key, value in reported.items():
        what = f"纸质表的{REPORTED_LABELS.get(key, key)}（reported.{key}）"
        if key == "grade" or key not in REPORTED_LABELS:
            out[key] = value
        elif key == "exec_rate" and isinstance(value, str) and value.strip().endswith(("%", "％")):
            rate = _amount(value.strip()[:-1], what, where)
            out[key] = None if rate is None else xround(rate / 100, 10)
        else:
            out[key] = _amount(value, what, where)
            if key == "exec_rate" and out[key] is not None and abs(out[key]) > 5:
                raise DataError(f"{what}为 {value}，应写成比例或百分数：如 {out[key] / 100:g} 或“{out[key]:g}%”", where=where)
    return out


def _unit_hint(text: str) -> str:
    """'10分' -> '；请去掉“分”': the words around a number, named as found."""
    match = re.fullmatch(r"(.*?)\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*(.*)", text)
    words = [w for w in (match.group(1), match.group(4)) if w] if match else []
    if not words or any(ch.isdigit() for w in words for ch in w):  # "1.2.3", "1 000": no single number to keep
        return ""
    return "；请去掉" + "".join(f"“{w}”" for w in words)


def _cell_text(value):
    """Target/actual: keep text as typed, but a plain numeric text becomes a number (so Excel sees one)."""
    if isinstance(value, str) and _PLAIN_NUMBER.match(value.strip()):
        number = float(value.strip())
        if math.isfinite(number):  # "1e999" stays the text it is
            return int(number) if number.is_integer() and "." not in value else number
    return value


def clean_texts(data, where: str = ""):
    """`data` with Word's line breaks (vertical tab, form feed) as line breaks; any other control
    character, in a value or a key, is a DataError naming where it is (a cell cannot hold it)."""
    def clean(value, path):
        if isinstance(value, str):
            value = value.translate(_WORD_BREAKS)
            bad = _BAD_TEXT.search(value)
            if bad:
                raise DataError(f"“{path or '数据'}”含有控制字符 {printable(bad.group())}（不可见字符，表格中无法保存），"
                                f"在“{printable(value[max(0, bad.start() - 10):bad.start()], one_line=True)}”之后；"
                                "请删除该字符后再试", where=where)
            return value
        if isinstance(value, dict):
            return {clean(k, path): clean(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v, f"{path}[{i + 1}]") for i, v in enumerate(value)]
        return value
    return clean(data, "")


def form_from_data(data: dict, profile: str | None = None, year: int | None = None, where: str = "",
                   places: list[str] | None = None) -> tuple[Profile, Form]:
    """One project's data as a form. `profile` and `year` apply where the data has none; `where` names
    the project in messages, `places` each indicator (CSV lines). Any problem is a DataError saying
    where, never a traceback."""
    try:
        return _form(clean_texts(data, where), profile, year, where, places)
    except ProfileError as exc:  # a profile's own file at fault: say which project asked for it, and the file
        if exc.where and where and exc.where != where:
            raise DataError(f"所用的规则配置无法加载：{exc}", where=where) from None
        exc.where = exc.where or where
        raise
    except JixiaoError as exc:  # e.g. a profile not found: say which project asked for it
        exc.where = exc.where or where
        raise
    except (TypeError, ValueError, AttributeError) as exc:  # a shape the checks in _form did not foresee
        raise DataError(f"数据格式有误，无法读取（{type(exc).__name__}: {exc}）；请对照 templates/examples/ 中的示例检查",
                        where=where) from exc


def _labelled(key: str, label: str = "") -> str:
    """'unit（实施单位）': a data item with its heading on the form (or in a CSV)."""
    label = label or next((h for h, k in CSV_ALIASES.items() if k == key), "")
    return f"{key}（{label}）" if label else key


def _form(data, profile, year, where, places) -> tuple[Profile, Form]:
    if not isinstance(data, dict):
        raise DataError(f"项目数据应为“键: 值”的映射，现为“{_show(data)}”", where=where)
    _check_keys(data, where, places)
    name = data.get("profile") or profile or "national"
    if not isinstance(name, str):
        raise DataError(f"规则（profile）应为规则名称（如 national），现为“{_show(name)}”", where=where)
    if data.get("profile"):  # a data file names its profile; only the command line may give a file
        check_name(name)
    if data.get("file_name") is not None and not isinstance(data["file_name"], SCALARS):
        raise DataError(f"文件名（file_name）应为一段文字，现为“{_show(data['file_name'])}”", where=where)
    prof = load_profile(name, _year(data.get("year") or year or default_year(), where))
    header = _mapping(data.get("header"), "表头（header）", where, "{project_name: 道路养护, department: 交通局}")
    texts = _mapping(data.get("texts"), "文字栏目（texts）", where, "{goal_expected: 完成道路养护50公里}")
    form = Form(profile=prof.name, year=prof.year, header=dict(header),
                texts={k: str(v) for k, v in texts.items() if v is not None},
                reported=dict(_mapping(data.get("reported"), "纸质表得分（reported）", where, "{total: 98, grade: 优}")))
    form.reported = _reported(form.reported, where)
    drawn = {"balance", "carry"} if not (prof.data.get("funds") or {}).get("rows") else \
        {"exec_rate", "exec_score"} if prof.funds_scored else {"exec_rate"}
    shown = sorted(k for k in form.reported if k not in {"total", "grade", *drawn})
    if shown:
        raise DataError(f"规则“{prof.name}”的表上没有这些栏：{'、'.join(f'{k}（{REPORTED_LABELS[k]}）' for k in shown)}；"
                        f"纸质表得分（reported）可用：{'、'.join(k for k in REPORTED_LABELS if k in {'total', 'grade', *drawn})}",
                        where=where)
    header_labels = {h["key"]: h.get("label", "") for h in prof.data["header"]}
    text_labels = {t["key"]: t.get("label", "") for t in prof.data.get("texts") or []}
    for labels, given, what in ((header_labels, form.header, "表头"), (text_labels, form.texts, "文字栏目")):
        extra = sorted(map(str, set(given) - set(labels)))
        if extra:
            raise DataError(f"规则“{prof.name}”的{what}没有：{'、'.join(_labelled(k) for k in extra)}；"
                            f"可用：{'、'.join(_labelled(k, labels[k]) for k in labels)}", where=where)
    spec = {row["key"]: row["label"] for row in (prof.data.get("funds") or {}).get("rows") or []}
    funds = _items(data.get("funds"), "资金（funds）", where, f"[{FUNDS_EXAMPLE}]")
    amounts = dict(_mapping(data.get("amounts"), "金额（amounts）", where, AMOUNTS_EXAMPLE))
    if spec:
        given = sorted(k for k, v in amounts.items() if v not in (None, ""))
        if given:
            raise DataError(f"规则“{prof.name}”的表没有这些金额栏：{'、'.join(AMOUNT_LABELS.get(k, k) for k in given)}"
                            f"（苏州表的栏目）；资金请填资金表（funds），如 [{FUNDS_EXAMPLE}]", where=where)
    else:
        amounts = _funds_as_amounts(prof, funds, amounts, where)
        funds = []
    given_funds: dict = {}
    for n, f in enumerate(funds, 1):
        key = _record(f, f"资金（funds）第{n}项", where, FUNDS_EXAMPLE).get("key", "total")
        if key not in spec:
            raise DataError(f"资金行“{key}”不在规则“{prof.name}”的资金表中；可用：{'、'.join(spec)}", where=where)
        if key in given_funds:
            raise DataError(f"资金行“{key}”出现了两次", where=where)
        given_funds[key] = f
    for key, label in spec.items():
        f = given_funds.get(key, {})
        form.funds.append(FundsRow(key, label, *(_amount(f.get(k), f"{label}的{n}", where) for k, n in
                                                 (("initial", "年初预算数"), ("budget", "全年预算数"),
                                                  ("executed", "全年执行数")))))
    form.funds_weight = _amount(data.get("funds_weight"), "预算执行率分值", where)
    form.amounts = {k: _amount(v, f"金额“{AMOUNT_LABELS[k]}”（{k}）", where) for k, v in amounts.items()}
    for n, s in enumerate(_items(data.get("subitems"), "子项（subitems）", where, f"[{SUBITEM_EXAMPLE}]"), 1):
        _record(s, f"子项（subitems）第{n}项", where, SUBITEM_EXAMPLE)
        form.subitems.append(SubItem(str(s.get("name") or ""), _amount(s.get("budget"), "子项预算数", where),
                                     _amount(s.get("actual"), "子项实际数", where)))
    for label, weight in _mapping(data.get("level1_weights"), "一级指标分值（level1_weights）", where,
                                  "{产出指标: 40, 效益指标: 30, 满意度指标: 20}").items():
        try:
            cat = prof.category(label)
        except ProfileError as exc:
            raise DataError(f"一级指标分值（level1_weights）：{exc.message}", where=where) from None
        _own_weight(prof, form, cat, _amount(weight, f"一级指标“{label}”的分值", where), f"level1_weights 中的“{label}”", where)
    indicators = _items(data.get("indicators"), "指标（indicators）", where, f"[{INDICATOR_EXAMPLE}]")
    if len(indicators) > MAX_INDICATORS:
        raise DataError(f"指标（indicators）有 {len(indicators):,} 个，超出一张表的上限 {MAX_INDICATORS:,} 个；"
                        "请检查数据是否重复，或把项目拆开", where=where)
    for n, item in enumerate(indicators, 1):
        here = places[n - 1] if places else (f"{where} 第{n}个指标" if where else f"第{n}个指标")
        _record(item, "指标", here, INDICATOR_EXAMPLE)
        level1 = item.get("level1") or (form.indicators[-1].level1 if form.indicators else None)
        if not level1:
            raise DataError("缺少一级指标（level1）", where=here)
        try:
            # an unknown category is an error now, not a surprise later; a shortened one ("产出") is
            # written as the profile's label, so that the form prints one 一级 block, not several;
            # a weight in the label ("产出指标（40分）") is the form's own 一级 weight
            own = label_weight(level1)
            if own is not None:
                _own_weight(prof, form, prof.category(level1), own, f"一级指标“{level1}”", here)
                level1 = prof.category(level1).label
            level1 = prof.category(level1).label if _loose_label(str(level1), prof) else level1
        except ProfileError as exc:
            near = _nearest_category(str(level1), prof)
            raise DataError(exc.message + (f"（是不是“{near}”？）" if near else ""), where=here) from None
        shares = item.get("shares_weight")
        shares = shares if isinstance(shares, bool) else str(shares or "").strip().lower() in TRUE_WORDS
        form.indicators.append(Indicator(
            level1=str(level1), level2=str(item.get("level2") or ""), name=str(item.get("name") or ""),
            target=_cell_text(item.get("target")), actual=_cell_text(item.get("actual")),
            weight=None if shares else _amount(item.get("weight"), "分值", here), shares_weight=shares,
            explanation=str(item.get("explanation") or ""), direction=str(item.get("direction") or ""),
            level=str(item.get("level") or ""), target_value=_amount(item.get("target_value"), "指标值（数值）", here),
            actual_value=_amount(item.get("actual_value"), "完成值（数值）", here),
            reported_score=_amount(item.get("reported_score"), "自评得分", here),
            deduction=_deduction(prof, item.get("deduction"), shares, here)))
    _add_fixed_indicators(prof, form)
    _check_equal_split(prof, form, where, places)
    return prof, form


def _check_equal_split(prof: Profile, form: Form, where: str, places: list[str] | None) -> None:
    """A form whose weights are the category's weight split over its indicators (Suzhou: 各项指标分值 =
    该类总分值 / 指标个数) gives every indicator its own weight: a shared one is refused, not drawn
    with a sum that the sheet and the rules would count differently."""
    if prof.data.get("weights_mode") != "equal_split":
        return
    for n, ind in enumerate(form.indicators):
        if ind.shares_weight and not prof.category(ind.level1).fixed_indicators:
            here = places[n] if places and n < len(places) else (f"{where} 第{n + 1}个指标" if where else f"第{n + 1}个指标")
            raise DataError(f"规则“{prof.name}”的各项指标分值＝该类总分值÷指标个数，每个指标有自己的权重，"
                            f"不能与上一行共用分值（shares_weight）：请去掉“{ind.name or ind.level1}”的共用分值", where=here)


def _deduction(prof: Profile, value, shares: bool, where: str):
    """A reviewer's 扣减分数: a number ≥ 0 on the first row of a weight group, on a form that has the column."""
    number = _amount(value, "扣减分数", where)
    if number is None:
        return None
    if not prof.reviewer_deduction:
        raise DataError(f"规则“{prof.name}”的表没有扣减分数栏（规则配置 reviewer_deduction）", where=where)
    if shares:
        raise DataError("共用分值的行没有自己的扣减分数：请写在这组的第一行", where=where)
    if number < 0:
        raise DataError(f"扣减分数应为不小于 0 的数，现为 {number}", where=where)
    return number


def _own_weight(prof: Profile, form: Form, cat, weight, what: str, where: str) -> None:
    """A form's own 一级 weight (产出指标（40分）): printed in its label, and what the weights under it
    must add up to. Given twice, it must be the same; an equal-split form's 一级 weights are the rule's
    (its formulas split them)."""
    if weight is None or weight <= 0:
        raise DataError(f"{what}的分值应为大于 0 的数字", where=where)
    if prof.data.get("weights_mode") == "equal_split":
        if weight != cat.weight:
            raise DataError(f"规则“{prof.name}”的{cat.label}分值为 {cat.weight:g}，各指标分值由它均分，不能在表中改为 {weight:g}",
                            where=where)
        return
    had = form.category_weights.setdefault(cat.key, float(weight))
    if had != float(weight):
        raise DataError(f"{cat.label}的分值写了两个不同的数：{had:g} 和 {weight:g}（{what}）", where=where)


def _loose_label(text: str, prof: Profile) -> bool:
    """A 一级 label that names a category only by a shortened or extended spelling ("产出"), not by its
    key or label (with or without the weight: "产出指标（50分）")."""
    cat = prof.category(text)
    bare = re.sub(r"[（(]\s*[0-9.]+\s*分\s*[)）]", "", text.split("\n")[0]).strip()
    return bare not in (cat.label, cat.key)


def _nearest_category(text: str, prof: Profile) -> str | None:
    import difflib
    hit = difflib.get_close_matches(text, [c.label for c in prof.categories], n=1, cutoff=0.4)
    return hit[0] if hit else None


def _add_fixed_indicators(prof: Profile, form: Form) -> None:
    """A category with a fixed list of indicators (Suzhou's 投入 共性指标) that the data leaves out gets
    the list, as the blank template has it: the data's own rows of that category replace it."""
    order = {c.label: n for n, c in enumerate(prof.categories)}
    for cat in prof.categories:
        if not cat.fixed_indicators or any(prof.category(i.level1) is cat for i in form.indicators):
            continue
        rows = [Indicator(cat.label, "", str(fi["name"]), _cell_text(fi.get("target")), weight=fi.get("weight"))
                for fi in cat.fixed_indicators]
        at = next((n for n, i in enumerate(form.indicators) if order[prof.category(i.level1).label] > order[cat.label]),
                  len(form.indicators))
        form.indicators[at:at] = rows


def _funds_as_amounts(prof: Profile, funds: list, amounts: dict, where: str) -> dict:
    """A form without a funds table (Suzhou) has 年初预算数 among its amounts: the funds total's
    `initial` (CSV: 年初预算数) is taken as amounts.initial; anything else of a funds table is refused."""
    for n, f in enumerate(funds, 1):
        _record(f, f"资金（funds）第{n}项", where, FUNDS_EXAMPLE)
        others = [k for k in ("budget", "executed") if f.get(k) not in (None, "")]
        if f.get("key", "total") != "total" or others:
            what = "、".join({"budget": "全年预算数", "executed": "全年执行数"}[k] for k in others) or f"资金行“{f['key']}”"
            raise DataError(f"规则“{prof.name}”的表没有资金表，填不了{what}；请填它的金额栏（amounts）："
                            f"{'、'.join(f'{k}（{label}）' for k, label in AMOUNT_LABELS.items())}，如 {AMOUNTS_EXAMPLE}",
                            where=where)
        initial = f.get("initial")
        if initial in (None, ""):
            continue
        if amounts.get("initial") not in (None, "") and amounts["initial"] != initial:
            raise DataError(f"年初预算数填了两个不同的数：资金（funds）中为“{initial}”，金额（amounts）中为"
                            f"“{amounts['initial']}”", where=where)
        amounts["initial"] = initial
    return amounts


def _csv_projects(path: Path, data: bytes) -> list[Project]:
    """One project per key (项目) or name; a row whose key and name cells are blank continues the
    project above it (project fields need only be on its first row)."""
    records = _csv_records(path, data)
    header_line, headings = next(records, (0, []))
    if not any(h.strip() for h in headings):
        raise DataError("CSV 文件是空的", where=str(path))
    columns = _csv_columns(headings, f"{path} 第{header_line}行")
    heading = {col: raw.strip() for col, raw in zip(columns, headings) if col}
    naming = [c for c in NAME_COLUMNS if c in heading]
    projects: dict[str, dict] = {}
    proj = None
    last_key = None
    for line, cells in records:
        here = f"{path} 第{line}行"
        if any(c.strip() for c in cells[len(columns):]):
            raise DataError(f"这一行有 {len(cells)} 格，比表头的 {len(columns)} 列多；格内文字含英文逗号时，"
                            "整格要用英文双引号括起来", where=here)
        row = {}
        for n, (col, value) in enumerate(zip(columns, cells), 1):
            if value.strip() and not col:
                raise DataError(f"第{n}列有内容“{_show(value.strip())}”，但这一列没有表头", where=here)
            if value.strip():
                row[col] = value.strip()
        if not row:      # an empty row (Excel saves them as ",,,")
            continue
        key = row.get("project") or "—".join(row[c] for c in naming if c in row)
        if key:
            if key in projects and key != last_key:
                what = "项目编号" if "project" in row else "项目名称"
                raise DataError(f"{what}“{_show(key)}”在第{projects[key]['line']}行已经出现过，中间隔着别的项目："
                                f"同一个项目的行要连在一起；如果是两个同名的项目，请加一列“项目编号”，"
                                "给每个项目一个不同的编号（同一项目的各行编号相同）", where=here)
            proj = projects.setdefault(key, {"indicators": [], "places": [], "fields": {}, "line": line})
            last_key = key
        elif proj is None:
            if not naming:
                raise DataError("表头中没有项目名称一栏：请加“项目名称”列（株洲表为“专项名称”“支出方向名称（子项）”），"
                                "或用“项目”列写项目编号", where=f"{path} 第{header_line}行")
            raise DataError(f"第一行数据没有填项目：请在“{heading[naming[0]]}”一栏填写（同一项目后面的行可以留空）",
                            where=here)
        for k, v in row.items():
            if k in INDICATOR_KEYS or k == "project":
                continue
            first = proj["fields"].setdefault(k, (v, line))
            if first[0] != v:
                twin = "" if "project" in heading else ("；如果这是另一个同名的项目，请加一列“项目编号”区分两个项目")
                raise DataError(f"“{heading[k]}”与同一项目第{first[1]}行的“{_show(first[0])}”不同；项目的各栏只需填在"
                                f"它的第一行{twin}", where=here)
        ind = {k: row[k] for k in INDICATOR_KEYS if k in row}
        if ind:
            proj["indicators"].append(ind)
            proj["places"].append(here)
    return [Project(_csv_data(path, proj, heading), key, proj["places"]) for key, proj in projects.items()]


def _csv_text(path: Path, data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV as GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    raise DataError("无法识别文件的编码（应为 UTF-8 或 GBK）；请在 Excel 中另存为“CSV UTF-8（逗号分隔）”", where=str(path))


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _csv_records(path: Path, data: bytes):
    """(first line, cells) of each record, blank lines skipped; a malformed record (a quote never
    closed, text after a closing quote) is an error at the line where it starts."""
    text = _csv_text(path, data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    done = 0  # the last line of the records read so far
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            lines = _LINE_BREAK.split(text)
            start = next((n for n in range(done + 1, len(lines) + 1) if lines[n - 1].strip()), done + 1)
            if "end of data" in str(exc):
                message = "从这一行开始的英文双引号没有配对：以双引号开头的格要以双引号结尾"
            else:
                message = f"引号用法有误（{exc}）：含逗号或换行的格要整格用英文双引号括起来，格内的双引号写成两个（\"\"）"
            raise DataError(message, where=f"{path} 第{start}行") from None
        done = reader.line_num
        if cells:
            # the record's first line: a quoted cell may span lines
            yield reader.line_num - sum(len(_LINE_BREAK.findall(c)) for c in cells), cells


def _heading_key(text: str) -> str:
    """A heading as compared: no spaces, half-width brackets (Excel users type either)."""
    return re.sub(r"\s+", "", text).replace("（", "(").replace("）", ")")


def _csv_columns(headings: list[str], where: str) -> list[str]:
    """Each heading's data item ("" for a blank heading): a Chinese heading (CSV_ALIASES) or the
    item's own name. An unknown heading, or two headings for one item, is an error."""
    aliases = {_heading_key(h): key for h, key in CSV_ALIASES.items()}
    columns: list[str] = []
    seen: dict[str, str] = {}
    for raw in headings:
        title = raw.strip()
        column = aliases.get(_heading_key(title)) or title
        if title and column == title and not _CSV_KEY.match(title):
            raise DataError(f"不认识的列“{title}”；可用的列名：{''.join(f'“{h}”' for h in CSV_ALIASES)}"
                            "（也可用数据项的英文名，如 project_name、funds_total_budget）", where=where)
        if title in seen.values():
            raise DataError(f"“{title}”这一列出现了两次", where=where)
        if column in seen:
            raise DataError(f"“{seen[column]}”和“{title}”是同一栏（{column}），只能留一列", where=where)
        if title:
            seen[column] = title
        columns.append(column)
    return columns


def _csv_data(path: Path, proj: dict, heading: dict[str, str]) -> dict:
    """A CSV project's fields as project data; years and amounts are checked here, at their line."""
    data: dict = {"indicators": proj["indicators"], "header": {}, "texts": {}, "funds": [], "amounts": {}}
    funds: dict[str, dict] = {}
    for k, (v, line) in proj["fields"].items():
        where, what = f"{path} 第{line}行", f"“{heading[k]}”"
        if k == "year":
            data[k] = _year(v, where)
        elif k == "funds_weight":
            data[k] = _amount(v, what, where)
        elif k in ("profile", "file_name"):
            data[k] = v
        elif k.startswith("funds_"):
            row_key, _, col = k[len("funds_"):].rpartition("_")
            if not row_key or col not in FUNDS_COLUMNS:
                raise DataError(f"不认识的资金列{what}：应为 funds_资金行_initial、_budget 或 _executed，"
                                "如 funds_total_budget", where=f"{path} 第1行")
            funds.setdefault(row_key, {"key": row_key})[col] = _amount(v, what, where)
        elif k.startswith("amount_"):
            data["amounts"][k[len("amount_"):]] = _amount(v, what, where)
        elif k.startswith("reported_"):
            data.setdefault("reported", {}).update(_reported({k[len("reported_"):]: v}, where))
        elif k in ("goal_expected", "goal_actual", "overview", "total_goal", "annual_goal", "implementation",
                   "results", "problems", "suggestions"):
            data["texts"][k] = v
        else:
            data["header"][k] = v
    data["funds"] = list(funds.values())
    return data


def _project_name(data) -> str:
    header = data.get("header") if isinstance(data, dict) else None
    if not isinstance(header, dict):
        return ""
    return str(header.get("project_name") or header.get("subitem_name") or header.get("special_name") or "")


def read_projects(path: Path) -> list[Project]:
    """The projects in a data file, each with its name (and, from a CSV, its lines) for messages."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".yaml", ".yml", ".json"):
        raise DataError("数据文件应为 .yaml、.yml、.json 或 .csv", where=str(path))
    raw = read_limited(path, DATA_LIMITS.max_bytes, "数据文件")   # a regular file, within the limit
    try:
        if suffix == ".csv":
            projects = _csv_projects(path, raw)
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise DataError("无法识别文件的编码（应为 UTF-8）；请用记事本或编辑器另存为 UTF-8 编码后再试",
                                where=str(path)) from None
            data = load_json(text, str(path)) if suffix == ".json" else load_yaml(text, str(path))
            check_shape(data, str(path))
            if isinstance(data, dict) and "projects" in data:
                extra = sorted(map(str, set(data) - {"projects"}))
                if extra:
                    raise DataError(f"有 projects（项目列表）的文件中不能再有别的数据项：{'、'.join(extra)}；"
                                    "各项目的数据写在 projects 的每一项中", where=str(path))
                data = data["projects"]
            items = [] if data is None else data if isinstance(data, list) else [data]
            projects = [Project(item, _project_name(item)) for item in items]
    except (yaml.YAMLError, json.JSONDecodeError, csv.Error) as exc:
        raise DataError(f"数据文件格式有误：{printable(str(exc))}", where=str(path)) from None
    if not projects:
        raise DataError("数据文件中没有项目", where=str(path))
    return projects


def load_data(path: Path) -> list[dict]:
    """The projects in a data file."""
    return [project.data for project in read_projects(path)]


def output_name(prof: Profile, form: Form, data: dict) -> str:
    """The workbook's file name: from file_name or the project's name, with nothing a file system or
    a terminal would take for something else, and at most 255 bytes (room kept for a "（2）")."""
    if data.get("file_name"):
        name = str(data["file_name"])
    else:
        project = form.header.get("project_name") or form.header.get("subitem_name") or form.header.get("special_name")
        name = f"{prof.year}年度{project}绩效自评表" if project else prof.data.get("file_name", prof.name)
    return safe_name(name, ".xlsx", str(prof.data.get("file_name") or prof.name))


class Outcome(NamedTuple):
    """What happened to one workbook of a fill run."""
    path: Path
    status: str          # "written" | "kept" (the same workbook was there) | "conflict" (another one was)


def fill(paths: list[Path], out: Path, profile: str | None = None, year: int | None = None, mode: str = "native",
         typed_scores: bool = False, overwrite: bool = False, outcomes: list[Outcome] | None = None) -> list[Path]:
    """Write one filled workbook per project; returns the files written. All data, and the output
    folder, is checked before anything is written: a bad row leaves no half-made batch behind, and
    workbooks already there (which may hold what someone typed) are replaced only with overwrite.
    Without it, one already there that equals the workbook to be made is kept (an interrupted or a
    concurrent run completes); one that differs stops the run before anything is written (OutputExists).
    A workbook made meanwhile by another run is compared the same way. `outcomes`, when given, gets
    every workbook's Outcome."""
    out = Path(out)
    jobs = []
    for path in paths:
        projects = read_projects(path)
        for i, project in enumerate(projects, 1):
            where = str(path)
            if len(projects) > 1:
                where += f" 第{i}个项目" + (f"“{project.name}”" if project.name else "")
            prof, form = form_from_data(project.data, profile, year, where, project.places)
            jobs.append((prof, form, output_name(prof, form, project.data)))
    seen: dict[str, int] = {}
    tasks = []
    for prof, form, name in jobs:
        key = name.casefold()                 # Windows and macOS folders ignore case
        n = seen[key] = seen.get(key, 0) + 1
        if n > 1:
            name = name[:-5] + f"（{n}）.xlsx"
        tasks.append((prof, form, mode, typed_scores, out / name, overwrite))
    _check_output(out, [task[4] for task in tasks], overwrite)
    done: list[Outcome] = []
    if not overwrite:                          # workbooks already there: the same is kept, another stops the run
        there = [task for task in tasks if os.path.lexists(task[4])]
        found = _run(_compare, there)
        conflicts = [o.path for o in found if o.status == "conflict"]
        if conflicts:
            names = "、".join(shown_name(p.name) for p in conflicts[:MAX_SHOWN]) + (" 等" if len(conflicts) > MAX_SHOWN else "")
            raise OutputExists(f"已有 {len(conflicts)} 个同名文件：{names}，内容与本次要生成的不同。为免覆盖其中已填写的内容，"
                               "本次没有写入任何文件；确要替换请加 --force，或用 --out 指定另一个文件夹", where=str(out))
        done = found
        kept = {o.path for o in found}
        tasks = [task for task in tasks if task[4] not in kept]
    done += _run(_write, tasks)
    if outcomes is not None:
        outcomes.extend(done)
    conflicts = [o.path for o in done if o.status == "conflict"]
    if conflicts:     # made meanwhile by another run, with other content: not replaced
        names = "、".join(shown_name(p.name) for p in conflicts[:MAX_SHOWN]) + (" 等" if len(conflicts) > MAX_SHOWN else "")
        raise OutputExists(f"{len(conflicts)} 个工作簿在写入时已被另一次运行写成了不同的内容，没有覆盖：{names}；"
                           f"其余 {len(done) - len(conflicts)} 个已完成。确要替换请加 --force", where=str(out))
    return [o.path for o in done if o.status == "written"]


def _run(fn, tasks: list) -> list:
    workers = min(os.cpu_count() or 1, max(1, len(tasks) // 8))
    if workers == 1:
        return [fn(task) for task in tasks]
    with ProcessPoolExecutor(workers) as pool:  # building is CPU-bound: one process a core
        return list(pool.map(fn, tasks, chunksize=16))


def _check_output(out: Path, targets: list[Path], overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise JixiaoError("这是一个文件，不是文件夹；请用 --out 指定输出文件夹", where=str(out))
    for target in targets:
        if target.is_dir() and not target.is_symlink():  # not replaced even with --force
            raise JixiaoError(f"输出文件夹中有一个与要写的工作簿同名的文件夹“{shown_name(target.name)}”，无法写入；"
                              "请把它改名或移走，或用 --out 指定另一个文件夹", where=str(out))
        if overwrite:
            check_replaceable(target)          # --force replaces regular files only


def refuse_existing(out: Path, targets: list[Path]) -> None:
    """Outputs already there are never replaced without --force: OutputExists naming the first few."""
    existing = [t for t in targets if os.path.lexists(t)]
    if existing:
        names = "、".join(shown_name(p.name) for p in existing[:MAX_SHOWN]) + (" 等" if len(existing) > MAX_SHOWN else "")
        raise OutputExists(f"已有 {len(existing)} 个同名文件：{names}。为免覆盖其中已填写的内容，本次没有写入任何文件；"
                           "确要替换请加 --force，或用 --out 指定另一个文件夹", where=str(out))


def _workbook(task) -> bytes:
    prof, form, mode, typed_scores, _path, _overwrite = task
    return build_workbook(prof, form, mode, typed_scores).bytes()


def _compare(task) -> Outcome:
    """A workbook already at the task's path: "kept" if it is the one the task would write."""
    return Outcome(task[4], "kept" if same_workbook(task[4], _workbook(task)) else "conflict")


def _write(task) -> Outcome:
    path, overwrite = task[4], task[5]
    data = _workbook(task)
    try:
        with atomic_output(path, overwrite=overwrite) as tmp:  # never a half-written file
            tmp.write_bytes(data)
    except FileExistsError:  # made by someone else while we were building
        return Outcome(path, "kept" if same_workbook(path, data) else "conflict")
    return Outcome(path, "written")


#: Parts that differ between two saves of the same workbook: the time it was made and saved.
_VOLATILE = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def same_workbook(path: Path, data: bytes) -> bool:
    """Whether the file at `path` is the workbook `data` (the same parts with the same bytes, but for
    the creation and modification times in docProps/core.xml). Anything else, a file that cannot be
    read or is not a regular file included, is not."""
    try:
        existing = read_limited(path, max(len(data) * 2, 1 << 20))
        with zipfile.ZipFile(io.BytesIO(existing)) as old, zipfile.ZipFile(io.BytesIO(data)) as new:
            mine = {i.filename: i for i in new.infolist()}
            theirs = {i.filename: i for i in old.infolist()}
            if mine.keys() != theirs.keys():
                return False
            for name, info in mine.items():
                other = theirs[name]
                if name == "docProps/core.xml":
                    if other.file_size > 1 << 16 or _VOLATILE.sub(b"", old.read(other)) != _VOLATILE.sub(b"", new.read(info)):
                        return False
                elif info.file_size != other.file_size or info.CRC != other.CRC or old.read(other) != new.read(info):
                    return False
            return True
    except Exception:  # noqa: BLE001 - unreadable, damaged, not a zip: not the same workbook
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jixiao fill", description="用申报数据（YAML/JSON/CSV）生成已填好的绩效自评表")
    parser.add_argument("data", nargs="+", type=Path, help="数据文件（可多个）")
    parser.add_argument("--out", type=Path, default=Path("dist") / "filled", help="输出目录（默认 dist/filled）")
    parser.add_argument("--profile", help="数据中未写 profile 时使用的规则：名称，或本地区规则配置文件的路径（默认 national）")
    parser.add_argument("--year", type=int, help="数据中未写 year 时使用的年度（默认今年）")
    parser.add_argument("--formulas", choices=MODES, default="native", help="公式方式（默认 native）")
    parser.add_argument("--typed-scores", action="store_true", help="按纸质表写入数据中的自评得分（不写公式），用于校验演示")
    parser.add_argument("--force", action="store_true",
                        help="替换输出文件夹中的同名文件（默认：有同名文件时不写入任何文件）")
    args = parser.parse_args(argv)
    outcomes: list[Outcome] = []
    try:
        profile = profile_argument(args.profile) if args.profile else None
        files = fill(args.data, args.out, profile, args.year, args.formulas, args.typed_scores, args.force, outcomes)
    except JixiaoError as exc:
        print(f"错误：{printable(str(exc))}", file=sys.stderr)
        return 2
    for f in files:
        print(printable(str(f)))
    kept = sum(1 for o in outcomes if o.status == "kept")
    print(f"已生成 {len(files)} 个工作簿。" + (f"另有 {kept} 个已存在且内容相同，保留未动。" if kept else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
