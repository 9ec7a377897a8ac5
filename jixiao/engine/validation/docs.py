"""docs/validation-rules.md, generated from the rule registry (`python -m jixiao.engine.validation`)."""
from __future__ import annotations

from .core import ALL_LAYOUTS
from .runner import iter_rules

GROUPS = {"P": "结构与数字栏", "F": "资金（预算执行率）", "W": "分值", "I": "指标", "T": "总分、等级与文字",
          "S": "苏州预算执行恒等式", "R": "合理性（复核经验）", "X": "整批文件（跨文件）"}

CONFIG_HELP = """## 财政部门的校验设置（jixiao.toml）

不改程序即可调整校验：在运行 `jixiao validate` 的文件夹（或用户目录的 `.jixiao/` 下）放一个 `jixiao.toml`，
或用 `jixiao validate --config 设置.toml` 指定（要校验的文件夹里的 jixiao.toml 不会被读取，以免报送单位关掉检查）。
写法仿照 sqlfluff 的规则配置：

```toml
[validation]
rules = ["ALL"]                 # 启用哪些规则：代码或组字母（如 "F"、"I01"），默认全部
exclude_rules = ["T05", "T06"]  # 不检查的规则
errors = ["W03"]                # 改按“错误”处理的规则
warnings = ["I12"]              # 改按“警告”处理的规则

[validation.rules.R02]          # 某条规则的阈值（各规则可设的项见下文“可设置”）
max_rate = 0.5

[waivers]
enabled = true                  # 是否采纳单位在批注中写的说明
exclude_rules = ["T01", "T03"]  # 这些规则的问题不能用批注说明
```

规则配置（profile）中也可以写同样的 `validation:` 和 `waivers:` 两节，作为该地区的默认设置；jixiao.toml 在其上覆盖。

### 单位在批注中说明（豁免）

单位认为某条问题有正当理由时，可在问题所在行的任一单元格插入批注，写一行
`jixiao: 忽略 I11 原因：指标值按省厅口径设定`（冒号全角半角均可，可写多个代码，如 `忽略 I11、I04`）。
这一行的这些问题不再计入错误和警告，汇总表的“已说明问题”工作表逐条列出说明和原因。没有写原因、或代码不对的批注
不予采纳（规则 P06）。"""
LAYOUT_NAMES = {"national": "全国", "zhuzhou": "株洲", "suzhou": "苏州"}


def markdown() -> str:
    lines = ["# 校验规则 validation rules", "",
             "<!-- Generated from jixiao/engine/validation by `python -m jixiao.engine.validation > docs/validation-rules.md`; "
             "do not edit by hand. -->", "",
             "`jixiao validate` 和功能区“一键校验”“批量校验”使用同一套规则。每条规则有固定代码（F 资金、W 分值、I 指标、"
             "T 总分与文字、S 苏州恒等式、P 结构与数字栏、R 合理性、X 整批文件）和级别：**错误** 使退出码为 1，**警告** 仅提示。"
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
        if r.params:
            settings = "；".join(f"`{k} = {_toml(v)}`" for k, v in r.params.items())
            lines += ["", f"可设置（jixiao.toml 的 `[validation.rules.{r.code}]`）：{settings}"]
    lines += ["", CONFIG_HELP]
    return "\n".join(lines) + "\n"


def _toml(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)
