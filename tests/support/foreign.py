"""A corpus of 自评表 in layouts jixiao did not generate, written with openpyxl from the descriptions in
domain.md (§1 national form, §2 Anhui (A)/(B)/(B/A), 株洲, 苏州, Sichuan 指标性质/度量单位, §6 部门整体)
and the seeds' tables, with the hostile cases: merged and two-row headers, shifted blocks, extra
columns, exports without merges, parent (subtotal) rows, two forms in one file.

Each layout is a function writing one workbook and returning a `Case`: where each value went
(`at`, key -> "Sheet!B13"), the form the reader must find (`truth`: the same data as the engine's
model, per sheet) and the departures it published on purpose (`expect`: rule code -> key of the cell
the finding must point at). `python -m tests.support.foreign DIR` writes the corpus to DIR.
"""
from __future__ import annotations

import copy
import sys
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from jixiao.engine.model import Form, FundsRow, Indicator, SubItem

# The seeds' tables and two forms written from domain.md ------------------------------------------------

ZHUZHOU = {  # seed 000: 株洲 2020, as printed (no 定性档次 column: the 质量指标 rows wait for a level)
    "year": 2020,
    "header": {"special_name": "市经济信息产业发展专项", "subitem_name": "制造强市-智能制造"},
    "funds": [("total", "合计", 500, 470, 470), ("current", "其中：当年财政拨款", 500, 470, None),
              ("carryover", "上年结转", None, None, None), ("other", "其他资金", None, None, None)],
    "funds_weight": 10, "exec_rate": 1.0, "exec_score": 10,
    "texts": {"goal_expected": "开展智能制造人才培养、建设智能制造体系建设、开展智能制造诊断服务。",
              "goal_actual": "已开展智能制造人才培养、智能诊断进园区等活动，取得了较好的经济和社会效益。"},
    "rows": [
        ("产出指标", "数量指标", "智能制造奖励、补助项目", "20个以上", "15个", 10, 8, "提高了每个项目的补助额度"),
        ("产出指标", "数量指标", "智能制造培训", "2-3次", "2-3次", None, None, "受疫情影响，以市内交流培训为主"),
        ("产出指标", "质量指标", "对开展了智能制造的企业给予补助", "按照《株洲市关于加快推进智能制造的若干措施（试行）》文件实施",
         "均按文件要求实施", 10, 10, ""),
        ("产出指标", "质量指标", "对获得省级智能制造试点示范企业/车间的企业给予奖励",
         "按照《株洲市关于加快推进智能制造的若干措施（试行）》文件实施", "均按文件要求实施", None, None, ""),
        ("产出指标", "时效指标", "补贴资金按时发放率", "100%", "100%及时发放", 15, 15, ""),
        ("产出指标", "成本指标", "支持企业开展智能制造试点示范、开展智能化技术改造", "不低于30万/个",
         "支持了15家企业智能技术改造，30万-50万/家", 15, 15, ""),
        ("产出指标", "成本指标", "支持企业开展智能制造诊断服务、开展智能化技术改造系统解决方案设计",
         "诊断评估不低于1万/个 系统解决方案设计不低于5万/个", "诊断评估不低于1万/个；系统解决方案设计不低于5万/个",
         None, None, ""),
        ("效益指标", "经济效益指标", "带动企业智能化改造投入", "1亿以上", "项目总投资规模1亿以上", 10, 10, ""),
        ("效益指标", "社会效益指标", "企业智能制造水平", "比去年有所上升", "比去年有所上升", 5, 5, ""),
        ("效益指标", "可持续影响指标", "企业智能制造水平", "比去年有所上升", "比去年有所上升", 5, 5, ""),
        ("满意度指标", "服务对象满意度指标", "企业满意度", "90%以上", "企业满意度90%以上", 10, 10, ""),
    ],
    "total": 98, "grade": "优",
}

WATER = {  # a national form (domain.md §1.2), with departures written in on purpose
    "year": 2024,
    "header": {"project_name": "农村饮水安全巩固提升工程", "department": "县水利局", "unit": "县农村供水服务中心"},
    "funds": [("total", "年度资金总额", 120, 100, 90), ("current", "其中：当年财政拨款", 100, 80, 72),
              ("carryover", "上年结转资金", 20, 20, 18), ("other", "其他资金", None, None, None)],
    "funds_weight": 10, "exec_rate": 0.75, "exec_score": 9,       # 0.75 = 90 / 120: divided by 年初预算数
    "texts": {"goal_expected": "完成12处供水工程改造，受益人口不少于3万人。",
              "goal_actual": "完成10处供水工程改造，受益人口3.2万人。"},
    "rows": [
        ("产出指标", "数量指标", "改造供水工程", "≥12处", "10处", 10, 10, ""),       # rule 8.33: I02
        ("产出指标", "数量指标", "新建管网", "≥30公里", "31公里", None, None, ""),
        ("产出指标", "质量指标", "水质达标率", "≥95%", "98%", 15, 15, ""),
        ("产出指标", "时效指标", "工程完工及时率", "100%", "100%", 15, 15, ""),
        ("产出指标", "成本指标", "单处改造成本", "≤8万元", "7.5万元", 10, 10, ""),
        ("效益指标", "社会效益指标", "受益人口", "≥3万人", "3.2万人", 20, 20, ""),
        ("效益指标", "可持续影响指标", "长效管护机制", "建立", "建立", 10, 10, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥90%", "95%", 10, 10, ""),
    ],
    "total": 100, "grade": "优",                                           # rule 97.33: T01
}

SUZHOU = {  # seed 004: 苏州 2021, as printed
    "year": 2021,
    "header": {"project_name": "苏州市智能制造融合发展中心项目", "project_year": 2021, "department": "苏州市工业和信息化局"},
    "amounts": {"initial": 1900, "adjustment": -812.5, "appropriated": 812.101021, "balance": 275.398979,
                "paid": 812.101021, "carry": 0, "carryover": 0, "recovered": 0},
    "subitems": [("基本建设", 1200, 388.632358), ("基本维护", 700, 423.468663)],
    "sub_total": (1900, 812.101021),
    "rows": [
        ("投入目标", "", "资金使用合规性", "合规", "合规", 4, 4, ""),
        ("投入目标", "", "财务制度健全性", "健全", "健全", 2, 2, ""),
        ("投入目标", "", "专款专用率", "100%", "100%", 4, 4, ""),
        ("投入目标", "", "政府采购规范性", "规范", "规范", 2, 2, ""),
        ("投入目标", "", "预算执行率", "100%", "74.68%", 8, 8, ""),              # rule 0: I02
        ("投入目标", "", "资金节约率", "15%及其以下", "15%及其以下", 2, 2, ""),
        ("产出目标", "", "装修面积", "=5859平方米", "5859平方米", 8.66, 8.66, ""),
        ("产出目标", "", "项目布展面积", "=3234平方米", "3234平方米", 8.68, 8.68, ""),
        ("产出目标", "", "竣工完成度", "=100%", "100%", 8.66, 8.66, ""),
        ("结果目标", "", "参观人数", "=8000人次", "8757人次", 13, 13, ""),
        ("结果目标", "", "参观满意度", "=85%", "100%", 13, 13, ""),
        ("影响力目标", "", "运营管理体制建立建全", "获得", "获得", 3, 3, ""),
        ("影响力目标", "", "获评国家级工业互联网体验中心", "获得", "获得", 3, 3, ""),
    ],
    "texts": {"overview": "项目包括智能制造展示中心（一楼）和智能制造企业服务中心（二楼），建设内容为：室内装修、展陈。",
              "results": "2021年，共计接待562批次，服务11723人次，超额完成既定目标（8000人次）。"},
}

SICHUAN = {  # P-SC1/P-SC2: 部门预算项目支出绩效自评表（报表编号 510000_0013zp）
    "year": 2023,
    "header": {"project_name": "乡村道路养护项目", "department": "县交通运输局", "unit": "县公路养护中心"},
    "funds": [("total", "总额", 200, 180, 171), ("current", "其中：财政资金", 200, 180, 171),
              ("special_account", "财政专户管理资金", None, None, None), ("unit_funds", "单位资金", None, None, None),
              ("other", "其他资金", None, None, None)],
    "funds_weight": 10, "exec_rate": 0.95, "exec_score": 9.5,
    "texts": {"goal_expected": "完成乡村道路养护120公里，路况优良率不低于85%。",
              "goal_actual": "完成乡村道路养护126公里，路况优良率88%。"},
    # (一级, 二级, 三级, 指标性质, 指标值, 度量单位, 完成值, 权重, 得分, 原因)
    "srows": [
        ("产出指标", "数量指标", "道路养护里程", "≥", 120, "公里", 126, 20, 20, ""),
        ("产出指标", "质量指标", "路况优良率", "≥", 85, "%", 88, 15, 15, ""),
        ("产出指标", "时效指标", "养护任务完成时间", "≤", 12, "个月", 12, 10, 10, ""),
        ("产出指标", "成本指标", "每公里养护成本", "≤", 1.5, "万元", 1.4, 5, 5, ""),
        ("效益指标", "社会效益指标", "群众出行条件", "定性", "明显改善", "", "明显改善", 20, 20, ""),
        ("效益指标", "可持续影响指标", "养护长效机制", "定性", "建立", "", "建立", 10, 10, ""),
        ("满意度指标", "服务对象满意度指标", "群众满意度", "≥", 90, "%", 86, 10, 10, ""),   # rule 9.56: I02
    ],
    "total": 100,
}

CASE_NAMES = ("national_mof", "zhuzhou_seed", "anhui_ab", "chizhou_total_zero", "shuffled_columns",
              "shifted_blocks", "merged_headers", "extra_columns", "unmerged_export", "parent_rows",
              "suzhou_seed", "sichuan", "two_forms", "department_whole", "simplified_2018")


@dataclass
class Case:
    name: str
    path: Path
    layout: str                          # expected vocabulary layout per sheet (first sheet)
    profile: str
    truths: list[Form]                   # per form, in sheet order
    at: dict[str, str] = field(default_factory=dict)
    expect: list[tuple[str, str]] = field(default_factory=list)   # (rule code, at-key)
    unplaced: list[str] = field(default_factory=list)            # at-keys the reader must list as unplaced


class Writer:
    """Cells written at (row, col) relative to an origin, with addresses recorded by key."""

    def __init__(self, ws, row0: int = 1, col0: int = 1, merges: bool = True, prefix: str = ""):
        self.ws, self.row0, self.col0, self.merges, self.prefix = ws, row0, col0, merges, prefix
        self.at: dict[str, str] = {}

    def addr(self, r: int, c: int) -> str:
        return f"{self.ws.title}!{get_column_letter(self.col0 + c - 1)}{self.row0 + r - 1}"

    def put(self, r: int, c: int, value, key: str | None = None, to: tuple[int, int] | None = None):
        cell = self.ws.cell(self.row0 + r - 1, self.col0 + c - 1)
        cell.value = value
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if to and self.merges and (to[0] > r or to[1] > c):
            self.ws.merge_cells(start_row=self.row0 + r - 1, start_column=self.col0 + c - 1,
                                end_row=self.row0 + to[0] - 1, end_column=self.col0 + to[1] - 1)
        if key:
            self.at[self.prefix + key] = self.addr(r, c)


# The national family -------------------------------------------------------------------------------

GRID_LABELS = {"level1": "一级指标", "level2": "二级指标", "name": "三级指标", "target": "年度指标值",
               "actual": "实际完成值", "weight": "分值", "score": "得分", "explanation": "偏差原因分析及改进措施"}
FUNDS_LABELS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数", "weight": "分值",
                "rate": "执行率", "score": "得分"}


def _groups(rows) -> list[list[int]]:
    out: list[list[int]] = []
    for i, row in enumerate(rows):
        if row[5] is None and out:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def write_national(w: Writer, data: dict, *, title="项目支出绩效自评表", header="national",
                   funds_cols=("initial", "budget", "executed", "weight", "rate", "score"), funds_labels=None,
                   funds_sub_dash=True, grid_cols=("level1", "level2", "name", "target", "actual", "weight", "score",
                                                   "explanation"), grid_labels=None, l1_suffix=True,
                   prefixes=False, spare_after=(), two_row_header=False, extra_cols=(), dash_subrows=False,
                   parent_rows=False, grade="same_cell", gap=0, goals_block="年度总体目标",
                   grid_block="绩效指标", footnote="", level_words=None, header_in_cell=False,
                   parent_weights=None) -> int:
    """A national-family form; returns the last row written."""
    fl = {**FUNDS_LABELS, **(funds_labels or {})}
    gl = {**GRID_LABELS, **(grid_labels or {})}
    ncol = 1 + len(grid_cols) + len(extra_cols)
    r = 1
    w.put(r, 1, title, "title", to=(r, ncol))
    r += 1
    w.put(r, 1, f"（{data['year']}年度）", "year", to=(r, ncol))
    r += 1
    h = data["header"]
    if header == "zhuzhou":
        w.put(r, 1, "部门名称")
        r += 1
        w.put(r, 1, "项目支出名称", to=(r + 1, 1))
        w.put(r, 2, "专项名称", to=(r, 3))
        w.put(r, 4, h["special_name"], "header.special_name", to=(r, 5))
        w.put(r, 6, "项目总投资（万元）", to=(r, 7))
        r += 1
        w.put(r, 2, "支出方向名称（子项）", to=(r, 3))
        w.put(r, 4, h["subitem_name"], "header.subitem_name", to=(r, 5))
        w.put(r, 6, "其中：财政拨款", to=(r, 7))
        r += 1
        w.put(r, 1, "项目总实施期：")
        w.put(r, 4, ".....")
        r += 1
    elif header_in_cell:
        for key, label in (("project_name", "项目名称"), ("department", "主管部门"), ("unit", "实施单位")):
            w.put(r, 1, f"{label}：{h[key]}", f"header.{key}", to=(r, ncol))
            r += 1
    else:
        w.put(r, 1, "项目名称")
        w.put(r, 2, h["project_name"], "header.project_name", to=(r, ncol))
        r += 1
        w.put(r, 1, "主管部门")
        w.put(r, 2, h["department"], "header.department", to=(r, 4))
        w.put(r, 5, "实施单位")
        w.put(r, 6, h["unit"], "header.unit", to=(r, ncol))
        r += 1
    r += gap
    # funds block
    funds = data["funds"]
    head = r
    w.put(head, 1, "年度项目资金（万元）" if header == "zhuzhou" else "项目资金（万元）", to=(head + len(funds), 1))
    if header == "zhuzhou":
        w.put(head, 2, "年度资金总额")
    for j, f in enumerate(funds_cols):
        w.put(head, 3 + j, fl[f])
    for i, (key, label, initial, budget, executed) in enumerate(funds):
        rr = head + 1 + i
        w.put(rr, 2, label)
        values = {"initial": initial, "budget": budget, "executed": executed}
        for j, f in enumerate(funds_cols):
            if f in values:
                w.put(rr, 3 + j, values[f], f"funds.{key}.{f}")
            elif i == 0:
                value = {"weight": data["funds_weight"], "rate": data.get("exec_rate"), "score": data.get("exec_score")}[f]
                w.put(rr, 3 + j, value, {"weight": "funds_weight", "rate": "exec_rate", "score": "exec_score"}[f])
            elif funds_sub_dash:
                w.put(rr, 3 + j, "-")
    r = head + len(funds) + 1 + gap
    # goals
    if goals_block:
        w.put(r, 1, goals_block, to=(r + 1, 1))
        half = 1 + max(2, len(grid_cols) // 2)
        w.put(r, 2, "预期目标", to=(r, half))
        w.put(r, half + 1, "实际完成情况", to=(r, ncol))
        w.put(r + 1, 2, data["texts"]["goal_expected"], "texts.goal_expected", to=(r + 1, half))
        w.put(r + 1, half + 1, data["texts"]["goal_actual"], "texts.goal_actual", to=(r + 1, ncol))
        r += 2 + gap
    # grid header
    cols = {f: 2 + j for j, f in enumerate(grid_cols)}
    for j, label in enumerate(extra_cols):
        cols[f"extra{j}"] = 2 + len(grid_cols) + j
    ghead = r
    if two_row_header:
        levels = [cols[f] for f in ("level1", "level2", "name") if f in cols]
        w.put(ghead, min(levels), "指标", to=(ghead, max(levels)))
        for f in ("level1", "level2", "name"):
            w.put(ghead + 1, cols[f], gl[f])
        for f, c in cols.items():
            if f not in ("level1", "level2", "name"):
                label = gl.get(f) or extra_cols[int(f[5:])]
                w.put(ghead, c, label, to=(ghead + 1, c))
        first = ghead + 2
    else:
        for f, c in cols.items():
            w.put(ghead, c, gl.get(f) or extra_cols[int(f[5:])])
        first = ghead + 1
    rows = data["rows"]
    groups = _groups(rows)
    # parent rows: a line with the 一级's weight above its rows (and the 二级's above theirs)
    plan: list[tuple[str, object]] = []
    done_l1 = set()
    for g in groups:
        l1 = rows[g[0]][0]
        if parent_rows and l1 not in done_l1:
            plan.append(("parent1", l1))
        done_l1.add(l1)
        for i in g:
            plan.append(("row", i))
        if rows[g[0]][1] in spare_after:
            plan.append(("spare", rows[g[0]]))
    r = first
    l1_first: dict[str, int] = {}
    l2_span: list[tuple[int, int]] = []
    for kind, item in plan:
        if kind == "parent1":
            l1 = item
            weight = (parent_weights or {}).get(l1, sum(x[5] or 0 for x in rows if x[0] == l1))
            w.put(r, cols["level1"], l1, f"parent.{l1}.level1")
            w.put(r, cols["weight"], weight, f"parent.{l1}.weight")
            w.put(r, cols["score"], sum(x[6] or 0 for x in rows if x[0] == l1), f"parent.{l1}.score")
            l1_first.setdefault(l1, r)
            r += 1
            continue
        if kind == "spare":
            row = item
            w.put(r, cols["level1"], row[0] if not w.merges else None)
            w.put(r, cols["name"], "指标2：" if prefixes else "……")
            r += 1
            continue
        i = item
        l1, l2, name, target, actual, weight, score, why = rows[i]
        g = next(g for g in groups if i in g)
        head_row = i == g[0]
        label1 = f"{l1}（{_l1_weight(rows, l1):g}分）" if l1_suffix else l1
        if l1 not in l1_first:
            l1_first[l1] = r
            w.put(r, cols["level1"], label1, f"ind.{i}.level1")
        elif not w.merges and not dash_subrows:
            w.put(r, cols["level1"], label1)
        if "level2" in cols:
            if i == 0 or rows[i - 1][1] != l2 or rows[i - 1][0] != l1:
                w.put(r, cols["level2"], l2, f"ind.{i}.level2")
                l2_span.append((r, r))
            else:
                l2_span[-1] = (l2_span[-1][0], r)
        written = f"指标{i + 1}：{name}" if prefixes else name
        if level_words and actual in level_words:
            actual = level_words[actual]
        w.put(r, cols["name"], written, f"ind.{i}.name")
        w.put(r, cols["target"], target, f"ind.{i}.target")
        w.put(r, cols["actual"], actual, f"ind.{i}.actual")
        if "explanation" in cols:
            w.put(r, cols["explanation"], why or None, f"ind.{i}.explanation")
        span = (r + len(g) - 1, cols["weight"]) if head_row and len(g) > 1 else None
        if head_row:
            w.put(r, cols["weight"], weight, f"ind.{i}.weight",
                  to=(r + len(g) - 1, cols["weight"]) if span else None)
            w.put(r, cols["score"], score, f"ind.{i}.score", to=(r + len(g) - 1, cols["score"]) if span else None)
        elif dash_subrows or not w.merges:
            w.put(r, cols["weight"], "-")
            w.put(r, cols["score"], "-")
        for j in range(len(extra_cols)):
            w.put(r, cols[f"extra{j}"], f"{extra_cols[j]}{i + 1}", f"extra.{i}.{j}")
        r += 1
    last = r - 1
    # merges of the level columns
    if w.merges:
        starts = sorted(l1_first.items(), key=lambda kv: kv[1])
        for k, (l1, start) in enumerate(starts):
            end = (starts[k + 1][1] - 1) if k + 1 < len(starts) else last
            if end > start and not parent_rows:
                w.ws.merge_cells(start_row=w.row0 + start - 1, start_column=w.col0 + cols["level1"] - 1,
                                 end_row=w.row0 + end - 1, end_column=w.col0 + cols["level1"] - 1)
        for a, b in l2_span:
            if b > a and "level2" in cols:
                w.ws.merge_cells(start_row=w.row0 + a - 1, start_column=w.col0 + cols["level2"] - 1,
                                 end_row=w.row0 + b - 1, end_column=w.col0 + cols["level2"] - 1)
        if grid_block:
            w.put(ghead, 1, grid_block, to=(last, 1))
    elif grid_block:
        w.put(ghead, 1, grid_block)
    # totals
    r = last + 1
    before = min(cols["weight"], cols["score"]) - 1
    w.put(r, 1, "总分", to=(r, before))
    w.put(r, cols["weight"], 100, "total_weight")
    w.put(r, cols["score"], data.get("total"), "total")
    gcol = max(cols.values())
    if grade == "same_cell" and data.get("grade"):
        w.put(r, gcol if gcol not in (cols["weight"], cols["score"]) else gcol + 1, f"等级：{data['grade']}", "grade")
    elif grade == "below" and data.get("grade"):
        w.put(r + 1, 1, "自评等级", to=(r + 1, before))
        w.put(r + 1, cols["weight"], data["grade"], "grade")
        r += 1
    if footnote:
        w.put(r + 1, 1, footnote, to=(r + 1, ncol))
        r += 1
    return r


def _l1_weight(rows, l1) -> float:
    return {"产出指标": 50, "效益指标": 30, "满意度指标": 10}.get(l1, sum(x[5] or 0 for x in rows if x[0] == l1))


def truth_national(data: dict, profile: str, level_of=None) -> Form:
    form = Form(profile, data["year"], header=dict(data["header"]), texts=dict(data.get("texts", {})))
    for key, label, initial, budget, executed in data["funds"]:
        form.funds.append(FundsRow(key, label, initial, budget, executed))
    form.funds_weight = data["funds_weight"]
    for k in ("exec_rate", "exec_score", "total", "grade"):
        if data.get(k) is not None:
            form.reported[k] = data[k]
    for l1, l2, name, target, actual, weight, score, why in data["rows"]:
        shares = weight is None and bool(form.indicators)
        form.indicators.append(Indicator(l1, l2, name, target, actual, weight=weight, shares_weight=shares,
                                         explanation=why, reported_score=score,
                                         level=(level_of or {}).get(actual, "")))
    return form


# The cases -----------------------------------------------------------------------------------------------

def _book(*titles: str) -> Workbook:
    wb = Workbook()
    wb.active.title = titles[0]
    for t in titles[1:]:
        wb.create_sheet(t)
    return wb


def national_mof(folder: Path) -> Case:
    wb = _book("自评表")
    w = Writer(wb.active)
    write_national(w, WATER, footnote="注：1.一级指标分值统一设置为：产出指标50分、效益指标30分、服务对象满意度指标10分、预算资金执行率10分。")
    path = folder / "national_mof.xlsx"
    wb.save(path)
    return Case("national_mof", path, "national", "national", [truth_national(WATER, "national")], w.at,
                [("I02", "ind.0.score"), ("T01", "total"), ("F06", "exec_rate"), ("F04", "funds.total.budget")])


def zhuzhou_seed(folder: Path) -> Case:
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, ZHUZHOU, header="zhuzhou", funds_labels={"score": "得分（执行率×分值）"},
                   spare_after=("生态效益指标",), funds_sub_dash=False,
                   footnote="备注： 1. “执行率” = “全年执行数” / “全年预算数”；")
    path = folder / "zhuzhou_seed.xlsx"
    wb.save(path)
    return Case("zhuzhou_seed", path, "zhuzhou", "zhuzhou", [truth_national(ZHUZHOU, "zhuzhou")], w.at,
                [("I02", "ind.0.score"), ("W02", "ind.7.level1"), ("T02", "total")])


def anhui_ab(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    data["header"]["project_name"] = "水旱灾害防御股项目"
    data["funds"] = [("total", "年度资金总额", None, 100, 94.7), ("current", "其中：本年财政拨款", None, 100, 94.7),
                     ("carryover", "上年结转资金", None, None, None), ("other", "其他资金", None, None, None)]
    data["exec_rate"], data["exec_score"] = 0.947, 9                     # truncated to an integer: F07
    rows = [list(r) for r in data["rows"]]
    rows[6][3:7] = ["建立长效管护机制", "达成年度指标", 10, 10]
    rows[0][4], rows[0][6] = "12处", 10
    data["rows"] = [tuple(r) for r in rows]
    data["total"], data["grade"] = 99, "优"
    wb = _book("项目支出绩效自评表")
    w = Writer(wb.active)
    write_national(w, data, funds_cols=("budget", "executed", "weight", "rate", "score"),
                   funds_labels={"budget": "全年预算数(A)", "executed": "全年执行数(B)", "rate": "执行率(B/A)"},
                   goals_block="年度总体目标完成情况", grid_block="年度绩效指标完成情况", prefixes=True,
                   spare_after=("数量指标", "质量指标"), level_words={"达成年度指标": "达成预期指标"},
                   footnote="注：1.一级指标分值统一设置为：产出指标50分、效益指标30分、服务对象满意度指标10分、预算资金执行率10分。如有特殊情况，一级指标权重可做适当调整。")
    path = folder / "anhui_ab.xlsx"
    wb.save(path)
    truth = truth_national(data, "national", {"达成年度指标": "达成年度指标"})
    truth.indicators[6].actual = "达成预期指标"
    return Case("anhui_ab", path, "national", "national", [truth], w.at, [("F07", "exec_score")])


def chizhou_total_zero(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    data["header"] = {"project_name": "棠溪镇人居环境整治项目", "department": "贵池区棠溪镇人民政府", "unit": "棠溪镇人民政府"}
    data["funds"] = [("total", "年度资金总额", 0, 0, 0), ("current", "其中：本年财政拨款", 90, 89.974, 89.974),
                     ("carryover", "上年结转资金", None, None, None), ("other", "其他资金", None, None, None)]
    data["exec_rate"], data["exec_score"] = 0, 0
    data["year"] = 2022
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, data)
    path = folder / "chizhou_total_zero.xlsx"
    wb.save(path)
    return Case("chizhou_total_zero", path, "national", "national", [truth_national(data, "national")], w.at,
                [("F01", "funds.total.budget"), ("F01", "funds.total.executed"), ("F03", "funds.total.budget")])


def shuffled_columns(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    rows = [list(r) for r in data["rows"]]
    rows[2][4], rows[2][6] = "90%", 12                                  # rule 14.21 > 12, no reason: I03
    data["rows"] = [tuple(r) for r in rows]
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, data, funds_cols=("executed", "budget", "initial", "rate", "weight", "score"),
                   grid_cols=("name", "level1", "level2", "weight", "target", "actual", "explanation", "score"))
    path = folder / "shuffled_columns.xlsx"
    wb.save(path)
    return Case("shuffled_columns", path, "national", "national", [truth_national(data, "national")], w.at,
                [("I03", "ind.2.explanation"), ("I02", "ind.0.score")])


def shifted_blocks(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    rows = [list(r) for r in data["rows"]]
    rows[3][5], rows[3][6] = 12, 12                                     # 分值 sum 97: W01, 产出 47: W02
    data["rows"] = [tuple(r) for r in rows]
    wb = _book("2024年")
    ws = wb.active
    ws["A1"] = "填报单位（盖章）：县水利局"
    ws["A2"] = "填报日期：2025年1月10日"
    w = Writer(ws, row0=5, col0=3)
    write_national(w, data, gap=1, header_in_cell=True)
    path = folder / "shifted_blocks.xlsx"
    wb.save(path)
    truth = truth_national(data, "national")
    truth.header["unit"] = "县农村供水服务中心"
    return Case("shifted_blocks", path, "national", "national", [truth], w.at,
                [("W01", "total_weight"), ("W02", "ind.0.level1")])


def merged_headers(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    rows = [list(r) for r in data["rows"]]
    rows[5][6] = 25                                                     # score 25 > weight 20: I01
    data["rows"] = [tuple(r) for r in rows]
    data["total"] = 105
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, data, two_row_header=True, grade="below")
    path = folder / "merged_headers.xlsx"
    wb.save(path)
    return Case("merged_headers", path, "national", "national", [truth_national(data, "national")], w.at,
                [("I01", "ind.5.score"), ("T01", "total")])


def extra_columns(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    data["grade"] = "良"                                                # total 97.33 by rule: T03
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, data, grid_cols=("level1", "level2", "name", "target", "actual", "weight", "score",
                                       "explanation"), extra_cols=("指标解释", "备注"), grade="below")
    path = folder / "extra_columns.xlsx"
    wb.save(path)
    return Case("extra_columns", path, "national", "national", [truth_national(data, "national")], w.at,
                [("T03", "grade")], unplaced=["extra.0.0", "extra.3.1"])


def unmerged_export(folder: Path) -> Case:
    wb = _book("Sheet1")
    w = Writer(wb.active, merges=False)
    write_national(w, ZHUZHOU, header="zhuzhou", funds_labels={"score": "得分（执行率×分值）"}, dash_subrows=True)
    path = folder / "unmerged_export.xlsx"
    wb.save(path)
    return Case("unmerged_export", path, "zhuzhou", "zhuzhou", [truth_national(ZHUZHOU, "zhuzhou")], w.at,
                [("I02", "ind.0.score"), ("T02", "total")])


def parent_rows(folder: Path) -> Case:
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, WATER, parent_rows=True, l1_suffix=False, parent_weights={"产出指标": 55})
    path = folder / "parent_rows.xlsx"
    wb.save(path)
    truth = truth_national(WATER, "national")
    return Case("parent_rows", path, "national", "national", [truth], w.at,
                [("W02", "parent.产出指标.weight"), ("I02", "ind.0.score")])


def write_suzhou(w: Writer, data: dict) -> None:
    w.put(1, 1, "苏州市级财政支出项目绩效自评表", "title", to=(1, 7))
    w.put(2, 1, "项目名称")
    w.put(2, 2, data["header"]["project_name"], "header.project_name", to=(2, 4))
    w.put(2, 5, "项目年份")
    w.put(2, 6, data["header"]["project_year"], "header.project_year", to=(2, 7))
    w.put(3, 1, "项目主管部门(单位)")
    w.put(3, 2, data["header"]["department"], "header.department", to=(3, 7))
    a = data["amounts"]
    w.put(4, 1, "市级预算执行情况（万元）", to=(5, 1))
    for c, (key, label) in enumerate((("initial", "年初预算数"), ("adjustment", "当年使用上年结余、结转及当年调整预算数"),
                                       ("appropriated", "财政拨款数"), ("balance", "指标结余数")), start=2):
        w.put(4, c, label)
        w.put(5, c, a[key], f"amounts.{key}")
    w.put(6, 1, "市级财政资金使用情况（万元）", to=(8, 1))
    w.put(6, 2, "财政拨款数", to=(7, 2))
    w.put(6, 3, "实际支付数", to=(7, 3))
    w.put(6, 4, "资金结余、结转数", to=(7, 4))
    w.put(6, 5, "其中：", to=(6, 6))
    w.put(7, 5, "结转数")
    w.put(7, 6, "财政收回数")
    w.put(8, 2, a["appropriated"])
    w.put(8, 3, a["paid"], "amounts.paid")
    w.put(8, 4, a["carry"], "amounts.carry")
    w.put(8, 5, a["carryover"], "amounts.carryover")
    w.put(8, 6, a["recovered"], "amounts.recovered")
    w.put(9, 1, "项目资金构成（详细列出各子项目名称和金额）", to=(9, 7))
    w.put(10, 1, "子项名称", to=(10, 3))
    w.put(10, 4, "预算数（万元）", to=(10, 5))
    w.put(10, 6, "实际数（万元）", to=(10, 7))
    (n1, b1, a1), (n2, b2, a2) = data["subitems"]
    for r, (n, b, x, key) in zip((11, 12, 13), ((n1, b1, a1, "sub.0"), ("合计", *data["sub_total"], "sub_total"),
                                                (n2, b2, a2, "sub.1"))):
        w.put(r, 1, n, f"{key}.name", to=(r, 3))
        w.put(r, 4, b, f"{key}.budget", to=(r, 5))
        w.put(r, 6, x, f"{key}.actual", to=(r, 7))
    head = 14
    for c, label in enumerate(("项目", "类别", "指标名称", "目标值", "权重", "实际完成值", "自评分"), start=1):
        w.put(head, c, label)
    rows = data["rows"]
    first = head + 1
    w.put(first, 1, "项目绩效实现情况（80分）", to=(first + len(rows) - 1, 1))
    start = {}
    for i, (l1, _l2, name, target, actual, weight, score, _why) in enumerate(rows):
        r = first + i
        if l1 not in start:
            start[l1] = r
            w.put(r, 2, l1, f"ind.{i}.level1")
        w.put(r, 3, name, f"ind.{i}.name")
        w.put(r, 4, target, f"ind.{i}.target")
        w.put(r, 5, weight, f"ind.{i}.weight")
        w.put(r, 6, actual, f"ind.{i}.actual")
        w.put(r, 7, score, f"ind.{i}.score")
    ends = sorted(start.values()) + [first + len(rows)]
    for s, e in zip(ends, ends[1:]):
        if e - 1 > s:
            w.ws.merge_cells(start_row=s, start_column=2, end_row=e - 1, end_column=2)
    r = first + len(rows)
    w.put(r, 1, "合计", to=(r, 4))
    w.put(r, 5, 80, "total_weight")
    r += 1
    w.put(r, 1, "填表说明：1.“市级预算执行情况”、“市级财政资金使用情况”均含非税收入。", to=(r, 7))
    r += 2
    w.put(r, 1, "项目基本情况", to=(r, 7))
    for key, label in (("overview", "项目概况"), ("results", "项目管理成效")):
        r += 1
        w.put(r, 1, label)
        w.put(r, 2, data["texts"][key], f"texts.{key}", to=(r, 7))


def truth_suzhou(data: dict) -> Form:
    form = Form("suzhou", data["year"], header=dict(data["header"]), amounts=dict(data["amounts"]),
                texts=dict(data["texts"]))
    form.subitems = [SubItem(n, b, a) for n, b, a in data["subitems"]]
    form.reported = {"sub_total_budget": data["sub_total"][0], "sub_total_actual": data["sub_total"][1]}
    for l1, l2, name, target, actual, weight, score, why in data["rows"]:
        form.indicators.append(Indicator(l1, l2, name, target, actual, weight=weight, reported_score=score))
    return form


def suzhou_seed(folder: Path) -> Case:
    wb = _book("苏州市级财政支出项目绩效自评表")
    w = Writer(wb.active)
    write_suzhou(w, SUZHOU)
    path = folder / "suzhou_seed.xlsx"
    wb.save(path)
    return Case("suzhou_seed", path, "suzhou", "suzhou", [truth_suzhou(SUZHOU)], w.at,
                [("I02", "ind.4.score"), ("T07", "texts.results")])


def write_sichuan(w: Writer, data: dict) -> None:
    w.put(1, 1, "部门预算项目支出绩效自评表", "title", to=(1, 11))
    w.put(2, 1, f"（{data['year']}年度）", to=(2, 9))
    w.put(2, 10, "报表编号：510000_0013zp", to=(2, 11))
    h = data["header"]
    w.put(3, 1, "项目名称")
    w.put(3, 2, h["project_name"], "header.project_name", to=(3, 11))
    w.put(4, 1, "主管部门")
    w.put(4, 2, h["department"], "header.department", to=(4, 5))
    w.put(4, 6, "实施单位")
    w.put(4, 7, h["unit"], "header.unit", to=(4, 11))
    w.put(5, 1, "项目基本情况", to=(6, 1))
    w.put(5, 2, "年度目标", to=(5, 6))
    w.put(5, 7, "完成情况", to=(5, 11))
    w.put(6, 2, data["texts"]["goal_expected"], "texts.goal_expected", to=(6, 6))
    w.put(6, 7, data["texts"]["goal_actual"], "texts.goal_actual", to=(6, 11))
    head = 7
    w.put(head, 1, "预算执行情况（10分）", to=(head + len(data["funds"]), 1))
    w.put(head, 2, "资金来源", to=(head, 3))
    labels = ("年初预算", "调整后预算数", "预算执行数", "预算执行率", "权重", "得分", "原因")
    for j, label in enumerate(labels):
        w.put(head, 4 + j, label)
    for i, (key, label, initial, budget, executed) in enumerate(data["funds"]):
        r = head + 1 + i
        w.put(r, 2, label, to=(r, 3))
        w.put(r, 4, initial, f"funds.{key}.initial")
        w.put(r, 5, budget, f"funds.{key}.budget")
        w.put(r, 6, executed, f"funds.{key}.executed")
        if i == 0:
            w.put(r, 7, data["exec_rate"], "exec_rate")
            w.put(r, 8, data["funds_weight"], "funds_weight")
            w.put(r, 9, data["exec_score"], "exec_score")
            w.put(r, 10, "调减20万元：项目结余收回", "funds_reason")
    g = head + len(data["funds"]) + 1
    w.put(g, 1, "绩效指标（90分）", to=(g + len(data["srows"]), 1))
    for j, label in enumerate(("一级指标", "二级指标", "三级指标", "指标性质", "指标值", "度量单位", "完成值", "权重",
                               "得分", "未完成原因分析")):
        w.put(g, 2 + j, label)
    l1_start = {}
    for i, row in enumerate(data["srows"]):
        r = g + 1 + i
        l1, l2, name, nature, value, unit, done, weight, score, why = row
        if l1 not in l1_start:
            l1_start[l1] = r
            w.put(r, 2, l1, f"ind.{i}.level1")
        for j, (v, key) in enumerate(((l2, "level2"), (name, "name"), (nature, "nature"), (value, "target"),
                                       (unit, "unit"), (done, "actual"), (weight, "weight"), (score, "score"),
                                       (why or None, "explanation")), start=3):
            w.put(r, j, v, f"ind.{i}.{key}")
    ends = sorted(l1_start.values()) + [g + 1 + len(data["srows"])]
    for s, e in zip(ends, ends[1:]):
        if e - 1 > s:
            w.ws.merge_cells(start_row=s, start_column=2, end_row=e - 1, end_column=2)
    r = g + 1 + len(data["srows"])
    w.put(r, 1, "合计", to=(r, 8))
    w.put(r, 9, data["total"], "total_weight")
    w.put(r, 10, data["total"], "total")
    for k, (label, text) in enumerate((("评价结论", "项目实施情况良好，达到预期目标。"),
                                       ("存在问题", "部分路段养护不及时。"), ("改进措施", "加强日常巡查。"))):
        w.put(r + 1 + k, 1, label)
        w.put(r + 1 + k, 2, text, f"texts.{['conclusion', 'problems', 'suggestions'][k]}", to=(r + 1 + k, 11))
    w.put(r + 4, 1, "项目负责人：")
    w.put(r + 4, 2, "张三", "header.leader")
    w.put(r + 4, 6, "财务负责人：")
    w.put(r + 4, 7, "李四", "header.finance_leader")


def truth_sichuan(data: dict, profile: str) -> Form:
    form = Form(profile, data["year"], header=dict(data["header"], leader="张三", finance_leader="李四"),
                texts=dict(data["texts"], funds_reason="调减20万元：项目结余收回", conclusion="项目实施情况良好，达到预期目标。",
                           problems="部分路段养护不及时。", suggestions="加强日常巡查。"))
    for key, label, initial, budget, executed in data["funds"]:
        form.funds.append(FundsRow(key, label, initial, budget, executed))
    form.funds_weight = data["funds_weight"]
    form.reported = {"exec_rate": data["exec_rate"], "exec_score": data["exec_score"], "total": data["total"]}
    for l1, l2, name, nature, value, unit, done, weight, score, why in data["srows"]:
        if nature == "定性":
            ind = Indicator(l1, l2, name, value, done, weight=weight, reported_score=score, direction="定性")
        else:
            ind = Indicator(l1, l2, name, f"{nature}{value:g}{unit}", f"{done:g}{unit}", weight=weight,
                            reported_score=score)
        form.indicators.append(ind)
    return form


def sichuan(folder: Path) -> Case:
    wb = _book("510000_0013zp")
    w = Writer(wb.active)
    write_sichuan(w, SICHUAN)
    path = folder / "sichuan.xlsx"
    wb.save(path)
    from jixiao.engine.profiles import available_profiles
    prof = "sichuan" if "sichuan" in available_profiles() else "national"
    return Case("sichuan", path, "sichuan", prof, [truth_sichuan(SICHUAN, prof)], w.at,
                [("F04", "funds.total.budget"), ("I02", "ind.6.score")])


def two_forms(folder: Path) -> Case:
    wb = _book("项目一", "项目二")
    w1 = Writer(wb["项目一"], prefix="1.")
    write_national(w1, WATER)
    w2 = Writer(wb["项目二"], prefix="2.")
    write_national(w2, ZHUZHOU, header="zhuzhou", funds_labels={"score": "得分（执行率×分值）"})
    path = folder / "two_forms.xlsx"
    wb.save(path)
    return Case("two_forms", path, "national", "national",
                [truth_national(WATER, "national"), truth_national(ZHUZHOU, "zhuzhou")], {**w1.at, **w2.at},
                [("I02", "1.ind.0.score"), ("I02", "2.ind.0.score")])


def department_whole(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    data["header"] = {"project_name": "县水利局部门整体支出", "department": "县水利局", "unit": "县水利局"}
    data["funds"] = [("total", "年度资金总额", 520, 560, 548), ("row2", "基本支出", 320, 330, 330),
                     ("row3", "项目支出", 200, 230, 218)]
    data["exec_rate"], data["exec_score"] = 0.9786, 9.79
    wb = _book("部门整体")
    w = Writer(wb.active)
    write_national(w, data, title="部门整体支出绩效自评表", funds_sub_dash=True)
    path = folder / "department_whole.xlsx"
    wb.save(path)
    from jixiao.engine.profiles import available_profiles
    prof = "department" if "department" in available_profiles() else "national"
    truth = truth_national(data, prof)
    return Case("department_whole", path, "department", prof, [truth], w.at, [("I02", "ind.0.score")])


def simplified_2018(folder: Path) -> Case:
    data = copy.deepcopy(WATER)
    data["year"] = 2018
    data["funds"] = [("total", "年度资金总额", None, 100, 90), ("current", "财政拨款", None, 100, 90),
                     ("other", "其他资金", None, None, None)]
    data["exec_rate"], data["exec_score"] = 0.9, 9
    wb = _book("Sheet1")
    w = Writer(wb.active)
    write_national(w, data, funds_cols=("budget", "executed", "weight", "rate", "score"),
                   funds_labels={"budget": "预算数"})
    path = folder / "simplified_2018.xlsx"
    wb.save(path)
    return Case("simplified_2018", path, "national", "national", [truth_national(data, "national")], w.at,
                [("I02", "ind.0.score"), ("T01", "total")])


def not_a_form(folder: Path) -> Path:
    wb = _book("预算表")
    ws = wb.active
    ws.append(["科目编码", "科目名称", "年初预算数", "调整数", "全年预算数"])
    ws.append(["2130301", "行政运行", 120, 0, 120])
    ws.append(["2130399", "其他水利支出", 80, 20, 100])
    path = folder / "not_a_form.xlsx"
    wb.save(path)
    return path


def write_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    this = sys.modules[__name__]
    return [getattr(this, name)(folder) for name in CASE_NAMES]


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "foreign-corpus")
    for case in write_corpus(out):
        print(case.path)


def to_spreadsheetml(src: Path, dst: Path) -> Path:
    """The workbook as an "XML 电子表格 2003" file (what some systems export under an .xls name)."""
    from xml.sax.saxutils import escape, quoteattr

    from openpyxl import load_workbook

    wb = load_workbook(src)
    out = ['<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
           'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">']
    for ws in wb.worksheets:
        merges = {(m.min_row, m.min_col): m for m in ws.merged_cells.ranges}
        covered = {(r, c) for m in ws.merged_cells.ranges for r in range(m.min_row, m.max_row + 1)
                   for c in range(m.min_col, m.max_col + 1) if (r, c) != (m.min_row, m.min_col)}
        out.append(f"<Worksheet ss:Name={quoteattr(ws.title)}><Table>")
        for r in range(1, ws.max_row + 1):
            out.append(f'<Row ss:Index="{r}">')
            for c in range(1, ws.max_column + 1):
                if (r, c) in covered:
                    continue
                v, m = ws.cell(r, c).value, merges.get((r, c))
                if v is None and m is None:
                    continue
                span = (f' ss:MergeAcross="{m.max_col - m.min_col}" ss:MergeDown="{m.max_row - m.min_row}"' if m else "")
                data = "" if v is None else (
                    f'<Data ss:Type="Number">{v}</Data>' if isinstance(v, (int, float)) and not isinstance(v, bool)
                    else f'<Data ss:Type="String">{escape(str(v))}</Data>')
                out.append(f'<Cell ss:Index="{c}"{span}>{data}</Cell>')
            out.append("</Row>")
        out.append("</Table></Worksheet>")
    out.append("</Workbook>")
    dst.write_text("".join(out), encoding="utf-8")
    return dst
