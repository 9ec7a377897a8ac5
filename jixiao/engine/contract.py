"""The workbook contract: workbook-level defined names for every region code reads or writes.

Code finds cells by these names, never by coordinates, so inserted rows and regional layouts don't
break it. docs/workbook-contract.md is generated from this table (`python -m jixiao.engine.contract`).
Column names (kind "column") span every row of the indicator grid, top to bottom, one cell per
indicator row; names of kind "rows" span the funds rows (total first).
"""
from __future__ import annotations

from dataclasses import dataclass

from .profiles import Profile


@dataclass(frozen=True)
class Name:
    name: str
    kind: str   # cell | column | rows | table
    role: str   # input | output | param | meta
    label: str  # what it holds, in Chinese as users call it
    layouts: tuple[str, ...] = ("national", "zhuzhou", "suzhou", "sichuan", "department")


NATIONAL = ("national", "zhuzhou", "sichuan", "department")
SUZHOU = ("suzhou",)
SICHUAN = ("sichuan",)

NAMES: tuple[Name, ...] = (
    # meta and parameters (hidden sheet 参数)
    Name("JX_PROFILE", "cell", "meta", "规则配置名称"),
    Name("JX_YEAR", "cell", "meta", "年度"),
    Name("JX_MODE", "cell", "meta", "公式方式 native/udf"),
    Name("JX_VERSION", "cell", "meta", "生成本表的 jixiao 版本"),
    Name("JX_STARTED", "cell", "output", "是否已开始填报（已填任一完成值或执行数）"),
    # header fields: JX_<KEY> for each `header` entry of the profile (e.g. JX_PROJECT_NAME)
    # funds block
    Name("JX_FUNDS_LABEL", "rows", "meta", "资金行名称（首行为年度资金总额/合计）", NATIONAL),
    Name("JX_FUNDS_INITIAL", "rows", "input", "年初预算数", NATIONAL),
    Name("JX_FUNDS_BUDGET", "rows", "input", "全年预算数", NATIONAL),
    Name("JX_FUNDS_EXECUTED", "rows", "input", "全年执行数", NATIONAL),
    Name("JX_FUNDS_WEIGHT", "cell", "input", "预算执行率分值", NATIONAL),
    Name("JX_EXEC_RATE", "cell", "output", "执行率", NATIONAL),
    Name("JX_EXEC_SCORE", "cell", "output", "执行率得分", NATIONAL),
    Name("JX_SZ_INITIAL", "cell", "input", "年初预算数", SUZHOU),
    Name("JX_SZ_ADJUSTMENT", "cell", "input", "当年使用上年结余、结转及当年调整预算数", SUZHOU),
    Name("JX_SZ_APPROPRIATED", "cell", "input", "财政拨款数", SUZHOU),
    Name("JX_SZ_BALANCE", "cell", "output", "指标结余数", SUZHOU),
    Name("JX_SZ_PAID", "cell", "input", "实际支付数", SUZHOU),
    Name("JX_SZ_CARRY", "cell", "output", "资金结余、结转数", SUZHOU),
    Name("JX_SZ_CARRYOVER", "cell", "input", "结转数", SUZHOU),
    Name("JX_SZ_RECOVERED", "cell", "input", "财政收回数", SUZHOU),
    Name("JX_SZ_EXEC_RATE", "cell", "output", "预算执行率（财政拨款数÷调整后预算数）", SUZHOU),
    Name("JX_SUB_NAME", "rows", "input", "子项名称", SUZHOU),
    Name("JX_SUB_BUDGET", "rows", "input", "子项预算数", SUZHOU),
    Name("JX_SUB_ACTUAL", "rows", "input", "子项实际数", SUZHOU),
    Name("JX_SUB_TOTAL_BUDGET", "cell", "output", "子项预算数合计", SUZHOU),
    Name("JX_SUB_TOTAL_ACTUAL", "cell", "output", "子项实际数合计", SUZHOU),
    # texts: JX_<KEY> for each `texts` entry of the profile (e.g. JX_GOAL_EXPECTED)
    # indicator grid
    Name("JX_IND_L1", "column", "input", "一级指标 / 类别"),
    Name("JX_IND_L2", "column", "input", "二级指标", NATIONAL),
    Name("JX_IND_NAME", "column", "input", "三级指标 / 指标名称"),
    Name("JX_IND_NATURE", "column", "input", "指标性质：≥ ≤ = > < 定性（与指标值、度量单位合成指标值文字）", SICHUAN),
    Name("JX_IND_TARGET", "column", "input", "年度指标值 / 目标值（四川：指标值的数）"),
    Name("JX_IND_UNIT", "column", "input", "度量单位（指标值、完成值共用）", SICHUAN),
    Name("JX_IND_ACTUAL", "column", "input", "实际完成值"),
    Name("JX_IND_WEIGHT", "column", "input", "分值 / 权重（共用分值时只在组首行）"),
    Name("JX_IND_SCORE", "column", "output", "得分 / 自评分（共用分值时只在组首行）"),
    Name("JX_IND_DEDUCTION", "column", "input", "扣减分数（复核人填写，得分减去它、不低于0；规则设 reviewer_deduction 的表）",
         ("review",)),
    Name("JX_IND_REASON", "column", "input", "偏差原因分析及改进措施 / 说明"),
    Name("JX_IND_DIRECTION", "column", "input", "指标方向：正向/反向/等于/定性"),
    Name("JX_IND_TVALUE", "column", "input", "指标值（数值）"),
    Name("JX_IND_AVALUE", "column", "input", "完成值（数值）"),
    Name("JX_IND_LEVEL", "column", "input", "定性档次"),
    Name("JX_IND_DIR_USED", "column", "output", "计分方向"),
    Name("JX_IND_T", "column", "output", "计分用指标值"),
    Name("JX_IND_A", "column", "output", "计分用完成值"),
    Name("JX_IND_COMPLETION", "column", "output", "完成率"),
    Name("JX_IND_FRACTION", "column", "output", "得分系数（得分÷分值）"),
    Name("JX_IND_UDF", "column", "output", "JX_SCORES 数组公式的结果（仅 udf 模式）"),
    # totals
    Name("JX_TOTAL_WEIGHT", "cell", "output", "总分值"),
    Name("JX_TOTAL_SCORE", "cell", "output", "总分（jixiao 0.1 的工作簿中名为 JX_TOTAL）"),
    Name("JX_TOTAL_GRADE", "cell", "output", "等级（jixiao 0.1 的工作簿中名为 JX_GRADE）"),
)

BY_NAME = {n.name: n for n in NAMES}

#: The very hidden state sheet: a note in A1, a header in row 2, then one row per helper cell
#: (address "Sheet!J13", indicator name, the value jixiao put there). The builder writes it with the
#: values it pre-fills; the add-in's 重新计算 keeps it up to date, so a value the user typed over
#: jixiao's own is recognised and kept.
STATE_SHEET = "jixiao_state"
STATE_NOTE = "jixiao 加载项的内部记录：重新计算写入“计分依据”列的值，用于识别您手工修改过的值。请勿修改或删除。"
STATE_HEADER = ["单元格", "指标名称", "写入的值"]


def field_name(key: str) -> str:
    """Defined name of a profile header or text field: project_name -> JX_PROJECT_NAME."""
    return "JX_" + key.upper()


DOC_HEAD = """# 工作簿约定 Workbook contract

生成的每个工作簿都带以下工作簿级名称（defined names）。代码只按名称找单元格。
Every generated workbook carries these workbook-level defined names; code finds cells by name only.

- 表头字段和文字栏目的名称是 `JX_<KEY>`，KEY 取自规则配置的 `header:` 和 `texts:`（如 `JX_PROJECT_NAME`、`JX_GOAL_EXPECTED`）。
  Header fields and text blocks are `JX_<KEY>` from the profile's `header:` and `texts:` lists.
- 参数（隐藏工作表“参数”）：`JX_P_*`，即配置里的各项数字，公式按名称引用。 Profile parameters are `JX_P_*` cells on the hidden sheet 参数.
- kind `column`：覆盖指标表每一行（自上而下）；`rows`：资金表各行（首行为合计）。 `column` names span every indicator row; `rows` the funds rows.
- 共用分值：分值、得分单元格在组内合并，只在组首行有值。 Shared weights: weight and score cells are merged over the group.
- udf 模式的工作簿另有 `JX_IND_UDF`，没有 `JX_IND_DIR_USED`…`JX_IND_FRACTION` 这几列计算过程（native 模式才有）。

"""


def document() -> str:
    """docs/workbook-contract.md"""
    return DOC_HEAD + markdown() + "\n\n本文件由 `python -m jixiao.engine.contract > docs/workbook-contract.md` 生成。\n"


def markdown() -> str:
    rows = ["| 名称 name | 范围 kind | 角色 role | 内容 | 版式 layouts |", "|---|---|---|---|---|"]
    rows += [f"| `{n.name}` | {n.kind} | {n.role} | {n.label} | {', '.join(n.layouts)} |" for n in NAMES]
    return "\n".join(rows)



# Profile parameters on the hidden sheet 参数 --------------------------------------------------------

def pname(*parts: str) -> str:
    """Defined name of a profile parameter: pname("band_output", "full_from") -> JX_P_BAND_OUTPUT_FULL_FROM."""
    return "JX_P_" + "_".join(p.upper() for p in parts)


def params(profile: Profile) -> list[tuple[str, object, str]]:
    """(name, value, 说明) of every profile number the formulas use."""
    out: list[tuple[str, object, str]] = [
        (pname("score_decimals"), profile.score_decimals, "得分、总分保留小数位数"),
        (pname("rate_decimals"), profile.rate_decimals, "执行率（小数形式）保留位数"),
        (pname("funds_weight"), profile.funds_weight, "预算执行率分值（分值单元格为空时使用）"),
        (pname("max_total"), profile.max_total, "总分值"),
        (pname("over"), profile.overachievement or 0, "超额完成须说明原因的完成率"),
        (pname("unselected"), profile.unselected_level.score, f"定性指标未选档次时按“{profile.unselected_level.label}”计分的比例"),
        (pname("low_rate"), float((profile.data.get("funds") or {}).get("low_rate_explanation_below", 1) or 0),
         "执行率低于此值须说明原因"),
    ]
    for name, rule in profile.rules.items():
        if rule.kind == "band":
            out += [(pname(name, "full_from"), rule.full_from, f"{name}：满分区间下限（完成率）"),
                    (pname(name, "full_to"), rule.full_to, f"{name}：满分区间上限（完成率）"),
                    (pname(name, "below"), rule.below_per_point, f"{name}：每低1个百分点扣权重比例"),
                    (pname(name, "above"), rule.above_per_point, f"{name}：超过上限每1%扣权重比例")]
    for i, cat in enumerate(profile.categories, 1):
        out.append((pname("cat", cat.key), cat.weight, f"一级指标“{cat.label}”分值"))
    for i, (below, most) in enumerate(profile.total_caps, 1):
        out += [(pname("cap", str(i), "below"), below, "执行率低于此值时总分封顶"),
                (pname("cap", str(i), "max"), most, "此时总分最高分")]
    if profile.overshoot_points:
        out += [(pname("overshoot"), profile.overshoot_threshold, "完成率达到此值的指标减分（指标偏离）"),
                (pname("overshoot", "points"), profile.overshoot_points, "每个偏离指标减的分数")]
    for i, band in enumerate(profile.grades, 1):
        out += [(pname("grade", str(i), "min"), band.min, f"等级“{band.label}”下限（含）"),
                (pname("grade", str(i), "name"), band.label, "等级名称")]
    return out


if __name__ == "__main__":
    print(document(), end="")
