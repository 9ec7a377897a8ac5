"""Findings, rules and the registry; the context every rule reads.

A rule is a function decorated with `@rule(code, severity, summary=..., rationale=..., fix=...)` that
receives a `Context` and yields `Hit`s (message, where, fix). Codes are stable: F funds, W weights,
I indicators, T totals and texts, S Suzhou identities, P structure and number cells. Every number a
rule compares with comes from `scoring.score_form` on the same form (`Context.result`): there is no
second copy of the scoring rules here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from .. import scoring
from ..errors import JixiaoError
from ..excel import is_blank, is_number, xround
from ..model import LABEL_WEIGHT, Form, Indicator, label_weight  # noqa: F401 - label_weight for the rules
from ..profiles import Category, Profile

ERROR, WARNING = "错误", "警告"
SEVERITIES = (ERROR, WARNING)
ALL_LAYOUTS = ("national", "zhuzhou", "suzhou")
NATIONAL = ("national", "zhuzhou")
SUZHOU = ("suzhou",)


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    fix: str = ""
    sheet: str = ""
    cell: str = ""
    file: str = ""
    waiver: str = ""          # the reason a unit gave in a cell comment "jixiao: 忽略 CODE 原因……"

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet else self.cell

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def to_dict(self) -> dict:
        out = {"file": self.file, "code": self.code, "severity": self.severity, "sheet": self.sheet,
               "cell": self.cell, "message": self.message, "fix": self.fix}
        if self.waiver:
            out["waiver"] = self.waiver
        return out


@dataclass(frozen=True)
class Hit:
    """What a rule reports: a message, where ("Sheet!B13" or ""), and a fix hint (default: the rule's)."""

    message: str
    where: str = ""
    fix: str = ""
    file: str = ""      # another file than the form's (a 自评报告 checked against it)


@dataclass(frozen=True)
class Rule:
    code: str
    severity: str
    summary: str
    rationale: str
    fix: str
    layouts: tuple[str, ...]
    check: Callable[["Context"], Iterable[Hit]] = field(repr=False, compare=False)
    params: dict = field(default_factory=dict, compare=False)   # thresholds a bureau may change
    exclusive: bool = False   # when it reports, the form's other findings are noise and are dropped

    @property
    def group(self) -> str:
        return self.code[0]

    def applies(self, profile: Profile) -> bool:
        layout = profile.layout if profile.layout in ALL_LAYOUTS else "national"
        return layout in self.layouts


REGISTRY: dict[str, Rule] = {}
GROUP_ORDER = "PFWITSRX"
_CODE = re.compile(rf"^[{GROUP_ORDER}][0-9]{{2}}$")


def rule(code: str, severity: str, *, summary: str, rationale: str, fix: str,
         layouts: tuple[str, ...] = ALL_LAYOUTS, params: dict | None = None, exclusive: bool = False):
    """Register a rule. Codes are stable: never reuse or renumber one. `params` are the rule's
    thresholds with their defaults (a bureau changes them in jixiao.toml; read with `ctx.setting`)."""
    if not _CODE.match(code) or code in REGISTRY or severity not in SEVERITIES:
        raise ValueError(f"bad or duplicate rule {code} / {severity}")

    def wrap(fn):
        REGISTRY[code] = Rule(code, severity, summary, rationale, fix, layouts, fn, dict(params or {}), exclusive)
        return fn
    return wrap


# Helpers ---------------------------------------------------------------------------------------

def num(value) -> float | None:
    """A cell's number, or None (blank or text: text is reported by P01, not here)."""
    return float(value) if is_number(value) else None


def fmt(value, places: int = 2) -> str:
    """A number as users read it: 7.5 -> "7.50" for scores, 470 -> "470"."""
    if not is_number(value):
        return "空" if is_blank(value) else f"“{value}”"
    x = float(value)
    if places == 0 or x == int(x) and places < 0:
        return f"{x:g}"
    text = f"{xround(x, abs(places)):.{abs(places)}f}"
    return text


def amount(value) -> str:
    """An amount in 万元 with up to 6 decimals and no trailing zeros."""
    if not is_number(value):
        return "空" if is_blank(value) else f"“{value}”"
    text = f"{xround(float(value), 6):.6f}".rstrip("0").rstrip(".")
    return text or "0"


def pct(value) -> str:
    return f"{float(value) * 100:.2f}%" if is_number(value) else "—"


def differs(a, b, places: int) -> bool:
    return xround(float(a) - float(b), places) != 0


def row_of(addr: str) -> str:
    m = re.search(r"([0-9]+)$", addr or "")
    return m.group(1) if m else ""


def first_line(label: str) -> str:
    return LABEL_WEIGHT.sub("", (label or "").split("\n")[0]).strip()


# Context ---------------------------------------------------------------------------------------

class Context:
    """A form, its profile, and the engine's result on it, with helpers for locations and labels.
    `report`: the paragraphs of a 自评报告 (`jixiao.engine.document`) to check against the form, read
    from `report_file`."""

    def __init__(self, form: Form, profile: Profile, report: list | None = None, report_file: str = "",
                 config=None):
        self.form = form
        self.profile = profile
        self.report = report
        self.report_file = report_file
        self.config = config          # a validation.config.Config (runner.context merges the profile's)
        self.rule_code = ""           # the rule being run (for `setting`)
        self.waived: list[Finding] = []
        self.categories: list[Category | None] = []
        for ind in form.indicators:
            try:
                self.categories.append(profile.category(ind.level1) if not is_blank(ind.level1) else None)
            except JixiaoError:
                self.categories.append(None)
        # rows whose 一级 is unknown cannot be scored (P02 reports them); score the rest
        self.scored = [i for i, c in enumerate(self.categories) if c is not None]
        scorable = self.scored_form = replace(form, indicators=[form.indicators[i] for i in self.scored])
        self.result = scoring.score_form(scorable, profile)
        self.rows: dict[int, scoring.RowResult] = {i: self.result.rows[k] for k, i in enumerate(self.scored)}
        self.groups: list[list[int]] = [[self.scored[k] for k in grp] for grp in scorable.weight_groups()]

    def setting(self, name: str, default=None):
        """A threshold of the running rule: the bureau's (jixiao.toml), the profile's, else the rule's."""
        value = REGISTRY[self.rule_code].params.get(name, default)
        return self.config.param(self.rule_code, name, value) if self.config is not None else value

    # places -------------------------------------------------------------------------------------
    @property
    def decimals(self) -> int:
        return self.profile.score_decimals

    def at(self, ind: Indicator, fld: str) -> str:
        return ind.cells.get(fld) or ind.cells.get("name") or ""

    def row_name(self, i: int) -> str:
        ind = self.form.indicators[i]
        name = ind.name or first_line(ind.level2) or first_line(ind.level1) or "未命名指标"
        row = row_of(ind.cells.get("name", ""))
        return f"第{row}行（{name}）" if row else f"第{i + 1}个指标（{name}）"

    def cell(self, key: str) -> str:
        return self.form.cells.get(key, "")

    # groups -------------------------------------------------------------------------------------
    def head(self, group: list[int]) -> Indicator:
        return self.form.indicators[group[0]]

    def group_explained(self, group: list[int]) -> bool:
        return any(str(self.form.indicators[i].explanation or "").strip() for i in group)

    def qualitative(self, group: list[int]) -> bool:
        return all(self.rows[i].direction == scoring.QUALITATIVE_DIR for i in group)

    def category_weight(self, cat: Category) -> float:
        """The 一级 weight the form shows: its own (fill data), a weight written in its label
        ("效益指标（30分）"), else the profile's."""
        if cat.key in self.form.category_weights:
            return float(self.form.category_weights[cat.key])
        for ind, c in zip(self.form.indicators, self.categories):
            if c is cat:
                w = label_weight(ind.level1)
                if w is not None:
                    return w
        return cat.weight

    @property
    def started(self) -> bool:
        return self.result.started
