"""docs/validation-rules.md, generated from the rule registry (`python -m jixiao.engine.validation`)."""
from __future__ import annotations

from .core import ALL_LAYOUTS
from .runner import iter_rules

GROUPS = {"P": "结构与数字栏", "F": "资金（预算执行率）", "W": "分值", "I": "指标", "T": "总分、等级与文字",
          "S": "苏州预算执行恒等式"}
LAYOUT_NAMES = {"national": "全国", "zhuzhou": "株洲", "suzhou": "苏州"}


def markdown() -> str:
    lines = ["# 校验规则 validation rules", "",
             "<!-- Generated from jixiao/engine/validation by `python -m jixiao.engine.validation > docs/validation-rules.md`; "
             "do not edit by hand. -->", "",
             "`jixiao validate` 和功能区“一键校验”使用同一套规则。每条规则有固定代码（F 资金、W 分值、I 指标、"
             "T 总分与文字、S 苏州恒等式、P 结构与数字栏）和级别：**错误** 使退出码为 1，**警告** 仅提示。"
             "所有分数都由计分引擎（`jixiao.engine.scoring.score_form`）按表中填写的数据重新计算，不采信表中手填或缓存的结果。"
             "无法读取的文件（旧版 .xls、加密、损坏、不是 jixiao 模板等）在 `--csv` 输出中记为 `P00`，退出码为 2；"
             "它不是一条规则。", "",
             "| 代码 | 级别 | 规则 | 适用版式 |", "|---|---|---|---|"]
    rules = list(iter_rules())
    for r in rules:
        layouts = "全部" if set(r.layouts) == set(ALL_LAYOUTS) else "、".join(LAYOUT_NAMES[x] for x in r.layouts)
        lines.append(f"| [{r.code}](#{r.code.lower()}) | {r.severity} | {r.summary} | {layouts} |")
    group = None
    for r in rules:
        if r.group != group:
            group = r.group
            lines += ["", f"## {group}：{GROUPS[group]}"]
        lines += ["", f"### {r.code}", "", f"**{r.summary}**（{r.severity}）", "", f"依据：{r.rationale}", "",
                  f"修改：{r.fix}"]
    return "\n".join(lines) + "\n"
