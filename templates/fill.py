"""Fill forms from declaration data: YAML / JSON (one project, a list, or {projects: [...]}) or CSV
(one row per indicator, project fields on the project's first row). `jixiao fill DATA... --out DIR`.

Project data keys (YAML/JSON):
  profile, year, header: {project_name: ..}, funds: [{key: total, initial, budget, executed}, ..],
  funds_weight, amounts: {initial, adjustment, appropriated, paid, carryover, recovered} (Suzhou),
  subitems: [{name, budget, actual}], texts: {goal_expected: ..},
  indicators: [{level1, level2, name, target, actual, weight, shares_weight, explanation, direction, level}],
  reported: {total, grade} and indicators[].reported_score (scores as printed on a paper form)
CSV columns: the same names flattened (project, profile, year, project_name, funds_total_budget,
goal_expected, level1, name, target, ...), or their Chinese headings (项目名称, 全年预算数, 三级指标, ...).
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

from udfs.errors import JixiaoError
from udfs.model import Form, FundsRow, Indicator, SubItem
from udfs.profiles import Profile, default_year, load_profile

from .builder import MODES, build_workbook, save_workbook

INDICATOR_KEYS = {"level1", "level2", "name", "target", "actual", "weight", "shares_weight", "explanation",
                  "direction", "level", "target_value", "actual_value", "reported_score"}
PROJECT_KEYS = {"profile", "year", "header", "funds", "funds_weight", "amounts", "subitems", "texts",
                "indicators", "reported", "file_name"}
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
    "指标方向": "direction", "定性档次": "level",
}
TRUE_WORDS = {"1", "true", "yes", "y", "是", "共用", "√"}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class DataError(JixiaoError):
    """Declaration data that cannot be turned into a form."""


def _amount(value, what: str, where: str):
    """An amount or weight: a number, a plain numeric text, or empty. '470万元' is refused, not guessed."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise DataError(f"{what}应为数字，现为“{value}”", where=where)
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip().replace(",", "")
    if _PLAIN_NUMBER.match(text):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    raise DataError(f"{what}应为数字（单位见表头），现为“{value}”；请去掉“万元”等文字", where=where)


def _cell_text(value):
    """Target/actual: keep text as typed, but a plain numeric text becomes a number (so Excel sees one)."""
    if isinstance(value, str) and _PLAIN_NUMBER.match(value.strip()):
        number = float(value.strip())
        return int(number) if number.is_integer() and "." not in value else number
    return value


def form_from_data(data: dict, profile: str | None = None, year: int | None = None,
                   where: str = "") -> tuple[Profile, Form]:
    if not isinstance(data, dict):
        raise DataError("项目数据应为“键: 值”的映射", where=where)
    unknown = set(data) - PROJECT_KEYS
    if unknown:
        raise DataError(f"不认识的项目数据项：{'、'.join(sorted(unknown))}；可用：{'、'.join(sorted(PROJECT_KEYS))}",
                        where=where)
    prof = load_profile(data.get("profile") or profile or "national", data.get("year") or year or default_year())
    form = Form(profile=prof.name, year=prof.year, header=dict(data.get("header") or {}),
                texts={k: str(v) for k, v in (data.get("texts") or {}).items() if v is not None},
                reported=dict(data.get("reported") or {}))
    header_keys = {h["key"] for h in prof.data["header"]}
    text_keys = {t["key"] for t in prof.data.get("texts") or []}
    for keys, given, what in ((header_keys, form.header, "表头"), (text_keys, form.texts, "文字栏目")):
        extra = set(given) - keys
        if extra:
            raise DataError(f"规则“{prof.name}”的{what}没有：{'、'.join(sorted(extra))}；可用：{'、'.join(sorted(keys))}",
                            where=where)
    spec = {row["key"]: row["label"] for row in (prof.data.get("funds") or {}).get("rows") or []}
    given_funds = {f.get("key", "total"): f for f in data.get("funds") or []}
    for key in given_funds:
        if key not in spec:
            raise DataError(f"资金行“{key}”不在规则“{prof.name}”的资金表中；可用：{'、'.join(spec)}", where=where)
    for key, label in spec.items():
        f = given_funds.get(key, {})
        form.funds.append(FundsRow(key, label, *(_amount(f.get(k), f"{label}的{n}", where) for k, n in
                                                 (("initial", "年初预算数"), ("budget", "全年预算数"),
                                                  ("executed", "全年执行数")))))
    form.funds_weight = _amount(data.get("funds_weight"), "预算执行率分值", where)
    form.amounts = {k: _amount(v, f"金额“{k}”", where) for k, v in (data.get("amounts") or {}).items()}
    form.subitems = [SubItem(str(s.get("name", "")), _amount(s.get("budget"), "子项预算数", where),
                             _amount(s.get("actual"), "子项实际数", where)) for s in data.get("subitems") or []]
    for n, item in enumerate(data.get("indicators") or [], 1):
        here = f"{where} 第{n}个指标" if where else f"第{n}个指标"
        if not isinstance(item, dict):
            raise DataError("指标应为“键: 值”的映射", where=here)
        extra = set(item) - INDICATOR_KEYS
        if extra:
            raise DataError(f"不认识的指标数据项：{'、'.join(sorted(extra))}", where=here)
        level1 = item.get("level1") or (form.indicators[-1].level1 if form.indicators else None)
        if not level1:
            raise DataError("缺少一级指标（level1）", where=here)
        prof.category(level1)  # an unknown category is an error now, not a surprise later
        shares = item.get("shares_weight")
        shares = shares if isinstance(shares, bool) else str(shares or "").strip().lower() in TRUE_WORDS
        form.indicators.append(Indicator(
            level1=str(level1), level2=str(item.get("level2") or ""), name=str(item.get("name") or ""),
            target=_cell_text(item.get("target")), actual=_cell_text(item.get("actual")),
            weight=None if shares else _amount(item.get("weight"), "分值", here), shares_weight=shares,
            explanation=str(item.get("explanation") or ""), direction=str(item.get("direction") or ""),
            level=str(item.get("level") or ""), target_value=_amount(item.get("target_value"), "指标值（数值）", here),
            actual_value=_amount(item.get("actual_value"), "完成值（数值）", here),
            reported_score=_amount(item.get("reported_score"), "自评得分", here)))
    return prof, form


def _csv_projects(path: Path) -> list[dict]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        text = path.read_text(encoding="gb18030")  # Excel on Chinese Windows saves CSV as GBK
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise DataError("CSV 文件是空的", where=str(path))
    columns = [CSV_ALIASES.get(c.strip(), c.strip()) for c in reader.fieldnames]
    projects: dict[str, dict] = {}
    for line, raw in enumerate(reader, 2):
        row = {columns[i]: (v.strip() if isinstance(v, str) else v)
               for i, v in enumerate(raw.get(f) for f in reader.fieldnames)}
        key = row.get("project") or row.get("project_name") or "1"
        proj = projects.setdefault(key, {"indicators": [], "_fields": {}})
        for k, v in row.items():
            if v in (None, "") or k in INDICATOR_KEYS or k == "project":
                continue
            proj["_fields"].setdefault(k, v)
        ind = {k: row[k] for k in INDICATOR_KEYS if row.get(k) not in (None, "")}
        if ind:
            proj["indicators"].append(ind)
    out = []
    for key, proj in projects.items():
        fields = proj.pop("_fields")
        data: dict = {"indicators": proj["indicators"], "header": {}, "texts": {}, "funds": [], "amounts": {}}
        funds: dict[str, dict] = {}
        for k, v in fields.items():
            if k in ("profile", "year", "funds_weight", "file_name"):
                data[k] = int(v) if k == "year" and str(v).isdigit() else v
            elif k.startswith("funds_"):
                _, row_key, col = k.split("_", 2)
                funds.setdefault(row_key, {"key": row_key})[col] = v
            elif k.startswith("amount_"):
                data["amounts"][k[len("amount_"):]] = v
            elif k in ("goal_expected", "goal_actual", "overview", "total_goal", "annual_goal", "implementation",
                       "results", "problems", "suggestions"):
                data["texts"][k] = v
            else:
                data["header"][k] = v
        data["funds"] = list(funds.values())
        out.append(data)
    return out


def load_data(path: Path) -> list[dict]:
    """The projects in a data file."""
    path = Path(path)
    if not path.is_file():
        raise DataError("找不到数据文件", where=str(path))
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _csv_projects(path)
        if suffix in (".yaml", ".yml"):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        elif suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise DataError("数据文件应为 .yaml、.yml、.json 或 .csv", where=str(path))
    except (yaml.YAMLError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataError(f"数据文件格式有误：{exc}", where=str(path)) from None
    if isinstance(data, dict) and "projects" in data:
        data = data["projects"]
    return data if isinstance(data, list) else [data]


def output_name(prof: Profile, form: Form, data: dict) -> str:
    if data.get("file_name"):
        name = str(data["file_name"])
    else:
        project = form.header.get("project_name") or form.header.get("subitem_name") or form.header.get("special_name")
        name = f"{prof.year}年度{project}绩效自评表" if project else prof.data.get("file_name", prof.name)
    name = re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", name).strip(" .")[:120]
    return name + ".xlsx"


def fill(paths: list[Path], out: Path, profile: str | None = None, year: int | None = None, mode: str = "native",
         typed_scores: bool = False) -> list[Path]:
    """Write one filled workbook per project; returns the files written. All data is checked before
    anything is written, so a bad row leaves no half-made batch behind."""
    jobs = []
    for path in paths:
        for i, data in enumerate(load_data(path), 1):
            where = f"{path} 第{i}个项目" if len(paths) or i > 1 else str(path)
            prof, form = form_from_data(data, profile, year, where)
            jobs.append((prof, form, output_name(prof, form, data)))
    seen: dict[str, int] = {}
    tasks = []
    for prof, form, name in jobs:
        n = seen[name] = seen.get(name, 0) + 1
        if n > 1:
            name = name[:-5] + f"（{n}）.xlsx"
        tasks.append((prof, form, mode, typed_scores, out / name))
    workers = min(os.cpu_count() or 1, max(1, len(tasks) // 8))
    if workers == 1:
        return [_write(task) for task in tasks]
    with ProcessPoolExecutor(workers) as pool:  # building is CPU-bound: one process a core
        return list(pool.map(_write, tasks, chunksize=16))


def _write(task) -> Path:
    prof, form, mode, typed_scores, path = task
    return save_workbook(build_workbook(prof, form, mode, typed_scores), path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="jixiao fill", description="用申报数据（YAML/JSON/CSV）生成已填好的绩效自评表")
    parser.add_argument("data", nargs="+", type=Path, help="数据文件（可多个）")
    parser.add_argument("--out", type=Path, default=Path("dist") / "filled", help="输出目录（默认 dist/filled）")
    parser.add_argument("--profile", help="数据中未写 profile 时使用的规则（默认 national）")
    parser.add_argument("--year", type=int, help="数据中未写 year 时使用的年度（默认今年）")
    parser.add_argument("--formulas", choices=MODES, default="native", help="公式方式（默认 native）")
    parser.add_argument("--typed-scores", action="store_true", help="按纸质表写入数据中的自评得分（不写公式），用于校验演示")
    args = parser.parse_args(argv)
    try:
        files = fill(args.data, args.out, args.profile, args.year, args.formulas, args.typed_scores)
    except JixiaoError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    for f in files:
        print(f)
    print(f"已生成 {len(files)} 个工作簿。", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
