"""The self-evaluation form as data: what the template builder writes, the workbook reader reads,
the engine scores and the validator checks. Values are kept as users typed them (text or number)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

LABEL_WEIGHT = re.compile(r"[（(]\s*([0-9]+(?:\.[0-9]+)?)\s*分\s*[)）]")


def label_weight(label) -> float | None:
    """The weight written in a 一级 label: "产出指标（40分）" -> 40 (None if none)."""
    m = LABEL_WEIGHT.search(label if isinstance(label, str) else "")
    return float(m.group(1)) if m else None


@dataclass
class Indicator:
    """One 三级指标 row of the indicator grid."""

    level1: str                      # 一级指标 as written ("产出指标", "投入目标")
    level2: str = ""                 # 二级指标 ("数量指标"); Suzhou forms have none
    name: str = ""                   # 三级指标 / 指标名称
    target: Any = None               # 年度指标值 / 目标值
    actual: Any = None               # 实际完成值
    weight: float | None = None      # 分值 / 权重 of its weight group (first row of the group)
    shares_weight: bool = False      # True: scored together with the row above under one 分值
    explanation: str = ""            # 偏差原因分析及改进措施 / 说明
    direction: str = ""              # 正向 / 反向 / 等于 / 定性; "" = read from the target text
    level: str = ""                  # 定性档次 chosen by the user
    target_value: float | None = None  # 指标值（数值）: the parsed target, editable
    actual_value: float | None = None  # 完成值（数值）: the parsed actual, editable
    reported_score: Any = None       # a score typed into the form (not our formula), for checks
    deduction: Any = None            # 扣减分数 a reviewer typed (profile reviewer_deduction), first row of the group
    shown_score: Any = None          # what the score formula showed when a spreadsheet last saved the file
    cells: dict[str, str] = field(default_factory=dict)  # field -> "Sheet!A1", when read from a workbook


@dataclass
class FundsRow:
    """A row of the national funds block (年度资金总额 and its 其中 rows)."""

    key: str
    label: str
    initial: Any = None      # 年初预算数
    budget: Any = None       # 全年预算数
    executed: Any = None     # 全年执行数
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class SubItem:
    """Suzhou 项目资金构成: a sub-project with its budget and actual amounts."""

    name: str
    budget: Any = None
    actual: Any = None
    cells: dict[str, str] = field(default_factory=dict)


@dataclass
class Form:
    profile: str
    year: int
    header: dict[str, Any] = field(default_factory=dict)      # profile header keys -> values
    funds: list[FundsRow] = field(default_factory=list)         # national / zhuzhou
    funds_weight: Any = None                                    # 预算执行率分值 as on the form
    amounts: dict[str, Any] = field(default_factory=dict)       # suzhou budget identities, by key
    subitems: list[SubItem] = field(default_factory=list)       # suzhou
    texts: dict[str, str] = field(default_factory=dict)         # goals and narrative blocks, by key
    indicators: list[Indicator] = field(default_factory=list)
    category_weights: dict[str, float] = field(default_factory=dict)  # 一级 key -> the form's own weight ("（40分）")
    reported: dict[str, Any] = field(default_factory=dict)      # scores typed into the form: total, grade...
    params: dict[str, Any] = field(default_factory=dict)        # the 参数 sheet's JX_P_* values, when read
    shown: dict[str, Any] = field(default_factory=dict)         # formula results cached in the file: total, grade...
    cells: dict[str, str] = field(default_factory=dict)         # field -> "Sheet!A1", when read from a workbook
    comments: dict[str, str] = field(default_factory=dict)      # "Sheet!A1" -> a cell comment addressed to jixiao
    source: str = ""                                            # file it was read from

    @property
    def funds_total(self) -> FundsRow | None:
        return self.funds[0] if self.funds else None

    def weight_groups(self) -> list[list[int]]:
        """Row indexes grouped under one 分值: a row that shares its weight joins the group above."""
        groups: list[list[int]] = []
        for i, ind in enumerate(self.indicators):
            if ind.shares_weight and groups and self.indicators[groups[-1][0]].level1 == ind.level1:
                groups[-1].append(i)
            else:
                groups.append([i])
        return groups
